"""The work a scenario offers: the ceiling a utilization lift reads against."""

from __future__ import annotations

import pytest

from connectors.sandbox.scenario import scenario_from_data
from connectors.sandbox.workload import (
    LONG_JOB_MINUTES,
    UndoneWork,
    undone_work,
    work_on_offer,
    work_within_reach,
)


def _day(**changes: object) -> dict:
    """Two technicians, 08:00-16:00 (960 shift minutes); five jobs of which two can be done."""
    day: dict = {
        "name": "offer",
        "timezone": "America/Denver",
        "date": "2026-12-01",
        "technicians": [
            {"id": "T1", "name": "Ann", "home": {"lat": 39.7, "lon": -105.0},
             "shift": {"start": "08:00", "end": "16:00"}, "skills": ["journeyman_electrician"]},
            {"id": "T2", "name": "Bo", "home": {"lat": 39.7, "lon": -105.0},
             "shift": {"start": "08:00", "end": "16:00"}, "equipment": ["drain_machine"]},
        ],
        "customers": [{"id": f"C{i}"} for i in range(1, 7)],
        "jobs": [
            _job("J1", "C1", "electrical.outlet_fixture", 90),
            _job("J2", "C2", "plumbing.drain_clog", 60),
            _job("J3", "C3", "electrical.panel_upgrade", 300),  # nobody is a master
            _job("J4", "C4", "plumbing.leak", 45, home=False),  # nobody home
            _job("J5", "C5", "plumbing.drain_clog", 50),  # canceled as the shifts start
            _job("J6", "C6", "plumbing.leak", 40, window=("10:00", "12:00")),  # before it opens
        ],
        "events": [
            {"at": "08:00", "type": "cancel", "job": "J5"},
            {"at": "09:30", "type": "cancel", "job": "J6"},
            {"at": "10:00", "type": "overrun", "job": "J2", "extra_minutes": 30},
        ],
    }  # fmt: skip
    day.update(changes)
    return day


def _job(
    job_id: str,
    customer: str,
    kind: str,
    minutes: int,
    *,
    home: bool = True,
    window: tuple[str, str] | None = None,
) -> dict:
    job = {
        "id": job_id,
        "customer": customer,
        "location": {"lat": 39.71, "lon": -105.01},
        "truth": {"job_type": kind, "duration_minutes": minutes, "customer_home": home},
    }
    if window is not None:
        job["booked_window"] = {"start": window[0], "end": window[1]}
    return job


def test_only_the_doable_jobs_count_with_their_overruns() -> None:
    """90 + 60 + 30 overrun minutes of 960: the master's panel upgrade, the customer who was
    out and the two leaks canceled before anyone could begin them are work no dispatcher
    could turn into on-site minutes."""
    assert work_on_offer(scenario_from_data(_day())) == pytest.approx(180 / 960)


def test_a_job_canceled_once_it_could_have_been_begun_counts() -> None:
    """The platform ignores a cancel once the technician is on site: a drain clog canceled at
    09:00 could have been begun at 08:00 and done in full, but only by a technician with a
    drain machine on shift by then."""
    data = _day()
    data["events"][0]["at"] = "09:00"
    assert work_on_offer(scenario_from_data(data)) == pytest.approx(230 / 960)
    data["events"][1]["at"] = "10:30"  # canceled after its window opened
    assert work_on_offer(scenario_from_data(data)) == pytest.approx(270 / 960)
    data["technicians"][1]["shift"] = {"start": "09:00", "end": "17:00"}  # T2: too late for it
    day = scenario_from_data(data)
    assert work_on_offer(day) == work_within_reach(day) == pytest.approx((180 + 40) / 960)


def test_undone_work_is_the_doable_work_a_run_did_not_complete_canceled_jobs_aside() -> None:
    """J1 (90) and J2 (60 + 30 overrun) are doable; the drain clog canceled at 09:00 counts in
    the ceiling but not as work a run left undone."""
    data = _day()
    data["events"][0]["at"] = "09:00"
    day = scenario_from_data(data)
    assert undone_work(day, set()) == UndoneWork(minutes=180, long_minutes=0, jobs=2)
    assert undone_work(day, {"J2"}) == UndoneWork(minutes=90, long_minutes=0, jobs=1)
    # Jobs that could not be done (J3, J4) or were done count for nothing.
    assert undone_work(day, {"J1", "J2", "J3", "J4"}) == UndoneWork(0, 0, 0)
    data["jobs"][0]["truth"]["duration_minutes"] = LONG_JOB_MINUTES
    long_day = scenario_from_data(data)
    assert undone_work(long_day, {"J2"}) == UndoneWork(LONG_JOB_MINUTES, LONG_JOB_MINUTES, 1)


def test_time_called_away_leaves_the_shift_minutes() -> None:
    """T2 called away from 12:00 to the end of the shift: 240 minutes fewer to fill."""
    day = _day()
    day["events"].append(
        {"at": "12:00", "type": "tech_unavailable", "technician": "T2", "until": "18:00"}
    )
    assert work_on_offer(scenario_from_data(day)) == pytest.approx(180 / 720)


def test_a_designated_technician_who_cannot_do_the_job_makes_it_undoable() -> None:
    """The drain clog's customer will have only T1, who has no drain machine."""
    customers = [{"id": f"C{i}"} for i in range(1, 7)]
    customers[1] = {"id": "C2", "designated_tech": "T1"}
    assert work_on_offer(scenario_from_data(_day(customers=customers))) == pytest.approx(90 / 960)


def test_a_day_of_days_counts_each_days_shifts() -> None:
    """`days: 2` doubles the shift minutes the same work is set against."""
    assert work_on_offer(scenario_from_data(_day(days=2))) == pytest.approx(180 / 1920)


def _with_wiring(day: dict, *minutes: int) -> dict:
    """More outlet work, which only T1 (the one electrician) can do."""
    day["customers"].append({"id": "C9"})
    day["jobs"].extend(
        _job(f"W{k}", "C9", "electrical.outlet_fixture", m) for k, m in enumerate(minutes)
    )
    return day


def test_within_reach_is_the_work_when_the_able_have_the_hours() -> None:
    day = scenario_from_data(_with_wiring(_day(), 200))
    assert work_within_reach(day) == work_on_offer(day) == pytest.approx(380 / 960)


def test_work_beyond_its_only_technicians_hours_is_out_of_reach() -> None:
    """T1 holds 480 shift minutes (540 with an hour's overtime) and is offered 90 + 300 + 300
    minutes of outlets; T2's drain clog (60 + 30) fits T2. A technician with a lunch holds
    its minutes fewer, and one called away the minutes away."""
    data = _with_wiring(_day(), 300, 300)
    day = scenario_from_data(data)
    assert work_on_offer(day) == pytest.approx(780 / 960)
    assert work_within_reach(day) == pytest.approx((540 + 90) / 960)
    assert work_within_reach(day, overtime_minutes=0) == pytest.approx((480 + 90) / 960)
    data["technicians"][0]["lunch"] = {"earliest": "11:00", "latest": "13:00", "minutes": 30}
    data["events"].append(
        {"at": "08:00", "type": "tech_unavailable", "technician": "T1", "until": "09:00"}
    )
    # T1 away an hour: the shift minutes both ratios are read against lose it too.
    assert work_within_reach(scenario_from_data(data)) == pytest.approx((450 + 90) / 900)
