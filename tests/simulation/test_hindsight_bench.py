"""The day planned in hindsight: driving, arrivals and who can do what bound what it holds."""

from __future__ import annotations

import pytest

from bench.hindsight import hindsight_problem, hindsight_shares, hindsight_utilization
from connectors.sandbox.scenario import scenario_from_data
from connectors.sandbox.workload import work_within_reach
from optimizer import Window

HOME = {"lat": 39.70, "lon": -105.00}
FAR = {"lat": 39.70, "lon": -104.10}  # about 77 km east: some 165 minutes' drive


def _day(*jobs: dict, events: list | None = None) -> dict:
    """One electrician, 08:00-16:00 (480 shift minutes), no lunch."""
    return {
        "name": "hindsight",
        "timezone": "America/Denver",
        "date": "2026-12-01",
        "technicians": [
            {"id": "T1", "name": "Ann", "home": HOME,
             "shift": {"start": "08:00", "end": "16:00"}, "skills": ["journeyman_electrician"]},
        ],
        "customers": [{"id": j["customer"]} for j in jobs],
        "jobs": list(jobs),
        "events": events or [],
    }  # fmt: skip


def _job(job_id: str, minutes: int, where: dict = HOME, *, home: bool = True) -> dict:
    return {
        "id": job_id,
        "customer": f"C{job_id}",
        "location": {"lat": where["lat"] + 0.01, "lon": where["lon"]},
        "truth": {
            "job_type": "electrical.outlet_fixture",
            "duration_minutes": minutes,
            "customer_home": home,
        },
    }


def test_a_drive_the_flow_ceiling_ignores_leaves_one_job_out() -> None:
    """Two 200-minute jobs fit 480 minutes of hours, but not with the drive between them."""
    day = scenario_from_data(_day(_job("J1", 200), _job("J2", 200, FAR)))
    assert work_within_reach(day, overtime_minutes=0) == pytest.approx(400 / 480)
    assert hindsight_utilization(day, overtime_minutes=0, seconds=1.0) == pytest.approx(200 / 480)


def test_a_ticket_is_planned_from_its_arrival_and_overtime_can_hold_it() -> None:
    """A 120-minute call arriving at 14:30 ends at 16:30 at the earliest: out of a shift
    without overtime, inside one with an hour of it."""
    ticket = _job("J9", 120)
    data = _day(_job("J1", 60), ticket)
    data["events"] = [{"at": "14:30", "type": "new_job", "job": ticket}]
    data["jobs"] = [_job("J1", 60)]
    day = scenario_from_data(data)
    assert hindsight_utilization(day, overtime_minutes=0, seconds=1.0) == pytest.approx(60 / 480)
    assert hindsight_utilization(day, overtime_minutes=60, seconds=1.0) == pytest.approx(180 / 480)


def test_absent_and_undoable_work_is_not_planned_and_overruns_are() -> None:
    panel = _job("J3", 300)
    panel["truth"]["job_type"] = "electrical.panel_upgrade"  # a master's work
    data = _day(_job("J1", 90), _job("J2", 45, home=False), panel)
    data["events"] = [{"at": "10:00", "type": "overrun", "job": "J1", "extra_minutes": 30}]
    problem = hindsight_problem(scenario_from_data(data))
    assert [(j.id, j.service_minutes) for j in problem.jobs] == [("J1", 120)]
    assert problem.technicians[0].overtime_minutes == 60


def test_a_canceled_visit_counts_only_if_begun_before_the_customer_cancels() -> None:
    """The platform ignores a cancel once the technician is on site: a visit begun before it
    is done. A job canceled before its booked window opens cannot be."""
    early = _job("J5", 60)
    early["booked_window"] = {"start": "10:00", "end": "12:00"}
    data = _day(_job("J4", 50), early, _job("J7", 60))
    data["events"] = [
        {"at": "09:00", "type": "cancel", "job": "J4"},
        {"at": "09:30", "type": "cancel", "job": "J5"},
    ]
    day = scenario_from_data(data)
    problem = hindsight_problem(day)
    assert [(j.id, j.windows) for j in problem.jobs] == [("J4", (Window(0, 539),)), ("J7", ())]
    assert hindsight_shares(day, seconds=1.0) == pytest.approx((110 / 480, 50 / 480))
    data["events"][0]["at"] = "08:00"  # canceled as the shift starts: not reachable
    assert hindsight_shares(scenario_from_data(data), seconds=1.0) == pytest.approx((60 / 480, 0))
