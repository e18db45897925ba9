"""KPIs from recorded records: each definition checked on a day small enough to count by hand."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from connectors.records import (
    Appointment,
    Certification,
    Classification,
    Customer,
    Job,
    Lifecycle,
    Shift,
    StatusEvent,
    Technician,
    TimeWindow,
    Urgency,
)
from orchestrator.analytics import compute_kpis, preferred_visits, visits_from_events

Z = ZoneInfo("America/Denver")
K = {"platform": "p", "account": "a"}


def at(clock: str) -> datetime:
    h, m = map(int, clock.split(":"))
    return datetime(2026, 12, 1, h, m, tzinfo=Z)


def window(a: str, b: str) -> TimeWindow:
    return TimeWindow(start=at(a), end=at(b))


def tech(tid: str, skills: set[str] = frozenset(), **kw) -> Technician:  # type: ignore[assignment]
    return Technician(
        **K,
        external_id=tid,
        name=tid,
        skills=frozenset(skills),
        shifts=(Shift(start=at("08:00"), end=at("16:00")),),
        **kw,
    )


def job(
    jid: str,
    skills: set[str] = frozenset(),
    urgency=Urgency.SCHEDULED,
    created="07:00",
    customer=None,
) -> Job:  # type: ignore[assignment]
    c = Classification(
        trade="hvac", job_type="hvac.repair", skills=frozenset(skills), urgency=urgency
    )
    return Job(
        **K,
        external_id=jid,
        classification=c,
        urgency=urgency,
        created_at=at(created),
        customer_id=customer,
    )


def appt(
    aid: str, jid: str, promised: TimeWindow | None, modified: str, techs=("T1",)
) -> Appointment:
    return Appointment(
        **K,
        external_id=aid,
        job_id=jid,
        arrival_window=promised,
        window=promised,
        technician_ids=techs,
        modified_at=at(modified),
    )


_n = iter(range(10_000))


def ev(aid: str, status: Lifecycle, clock: str, tid: str = "T1") -> StatusEvent:
    return StatusEvent(
        **K,
        external_id=f"E{next(_n)}",
        subject="appointment",
        subject_id=aid,
        status=status,
        occurred_at=at(clock),
        technician_id=tid,
    )


def visit(aid: str, go: str, arrive: str, end: str, tid: str = "T1", outcome=Lifecycle.COMPLETED):
    return [
        ev(aid, Lifecycle.DISPATCHED, go, tid),
        ev(aid, Lifecycle.EN_ROUTE, go, tid),
        ev(aid, Lifecycle.ON_SITE, arrive, tid),
        ev(aid, outcome, end, tid),
    ]


def test_counts_minutes_utilization_and_overtime() -> None:
    """Two visits of T1: 60 + 90 on site over an 8 h shift; the second ends 30 min late."""
    jobs = [job("J1"), job("J2"), job("J3")]
    appointments = [
        appt("A1", "J1", None, "07:00"),
        appt("A2", "J2", None, "07:00"),
        appt("A3", "J3", None, "07:00"),
    ]
    events = visit("A1", "08:00", "08:20", "09:20") + visit("A2", "14:30", "15:00", "16:30")
    events.append(ev("A3", Lifecycle.CANCELED, "10:00"))
    k = compute_kpis(jobs, appointments, events, [tech("T1"), tech("T2")])
    assert (k.jobs_total, k.jobs_completed, k.jobs_canceled) == (3, 2, 1)
    assert k.on_site_minutes == 150 and k.shift_minutes == 960
    assert k.utilization == pytest.approx(150 / 960)
    assert k.drive_minutes == 50
    assert k.overtime_minutes == 30


def test_on_time_is_against_the_first_promise_not_a_later_one() -> None:
    """A2's window was moved after the fact; the arrival is judged against the first promise."""
    appointments = [
        appt("A1", "J1", window("08:00", "10:00"), "07:00"),
        appt("A2", "J2", window("10:00", "12:00"), "07:00"),
        appt("A2", "J2", window("12:00", "14:00"), "11:00"),  # re-promised late: still late
        appt("A3", "J3", window("13:00", "15:00"), "07:00"),  # never visited
    ]
    events = visit("A1", "08:00", "09:00", "10:00") + visit("A2", "12:00", "12:30", "13:00")
    k = compute_kpis([job("J1"), job("J2"), job("J3")], appointments, events, [tech("T1")])
    assert (k.on_time_arrivals, k.promised_arrivals, k.promised_not_visited) == (1, 2, 1)
    assert k.on_time_rate == 0.5


def test_emergency_response_counts_from_ticket_to_arrival() -> None:
    """Tickets at 09:00 and 10:00, reached at 09:40 and 11:00: p50 50, p90 60; one unreached."""
    jobs = [
        job("E1", urgency=Urgency.EMERGENCY, created="09:00"),
        job("E2", urgency=Urgency.EMERGENCY, created="10:00"),
        job("E3", urgency=Urgency.EMERGENCY, created="10:00"),
    ]
    appointments = [
        appt("A1", "E1", None, "09:00"),
        appt("A2", "E2", None, "10:00"),
        appt("A3", "E3", None, "10:00"),
    ]
    events = visit("A1", "09:10", "09:40", "10:00") + visit("A2", "10:20", "11:00", "11:30")
    k = compute_kpis(jobs, appointments, events, [tech("T1")])
    assert k.emergency_jobs == 3 and k.emergencies_unreached == 1
    assert k.emergency_response_minutes_p50 == 50
    assert k.emergency_response_minutes_p90 == 60


def test_wrong_skills_respect_expiry_and_master_covers_journeyman() -> None:
    """Expired gas certificate is wrong; a master electrician on journeyman work is right."""
    jobs = [
        job("J1", {"gas_fitter"}),
        job("J2", {"journeyman_electrician"}),
        job("J3", {"epa_608"}),
    ]
    appointments = [
        appt("A1", "J1", None, "07:00", ("T1",)),
        appt("A2", "J2", None, "07:00", ("T2",)),
        appt("A3", "J3", None, "07:00", ("T2",)),
    ]
    gas = tech(
        "T1",
        {"gas_fitter"},
        certifications=(
            Certification(name="gas_fitter", expires_on=at("07:00").date() - timedelta(days=1)),
        ),
    )
    master = tech("T2", {"master_electrician"})
    events = (
        visit("A1", "08:00", "08:30", "09:00")
        + visit("A2", "08:00", "08:30", "09:00", "T2")
        + visit("A3", "10:00", "10:30", "11:00", "T2")
    )
    k = compute_kpis(jobs, appointments, events, [gas, master])
    assert k.wrong_skill_dispatches == 2  # A1 (expired) and A3 (no epa_608); A2 is fine


def test_double_bookings_from_overlapping_schedules_and_visits() -> None:
    """T1 holds two overlapping scheduled windows at 07:00; two techs were on A9 at once."""
    appointments = [
        appt("A1", "J1", window("09:00", "10:00"), "07:00"),
        appt("A2", "J2", window("09:30", "10:30"), "07:00"),
        appt("A3", "J3", window("11:00", "12:00"), "07:00"),
        appt("A9", "J9", None, "07:00", ("T1", "T2")),
    ]
    events = visit("A9", "13:00", "13:10", "14:00") + visit("A9", "13:00", "13:20", "14:00", "T2")
    k = compute_kpis(
        [job("J1"), job("J2"), job("J3"), job("J9")], appointments, events, [tech("T1"), tech("T2")]
    )
    assert k.double_bookings == 2
    clean = [a for a in appointments if a.external_id in ("A1", "A3")]
    assert compute_kpis([job("J1"), job("J3")], clean, [], [tech("T1")]).double_bookings == 0


def test_preferred_technician_kept_rate_and_json_keys() -> None:
    """One of two visits to customers with a preferred tech was by that tech."""
    customers = [
        Customer(**K, external_id="C1", preferred_technicians=("T1",)),
        Customer(**K, external_id="C2", preferred_technicians=("T1",)),
    ]
    jobs = [job("J1", customer="C1"), job("J2", customer="C2")]
    appointments = [appt("A1", "J1", None, "07:00"), appt("A2", "J2", None, "07:00", ("T2",))]
    events = visit("A1", "08:00", "08:30", "09:00") + visit("A2", "08:00", "08:30", "09:00", "T2")
    k = compute_kpis(jobs, appointments, events, [tech("T1"), tech("T2")], customers)
    assert k.preferred_tech_kept_rate == 0.5
    behind = preferred_visits(jobs, appointments, events, [tech("T1"), tech("T2")], customers)
    assert [(v.job_id, v.technician_id, v.kept) for v in behind] == [
        ("J1", "T1", True),
        ("J2", "T2", False),
    ]
    data = k.to_json()
    for key in (
        "jobs_total",
        "jobs_completed",
        "utilization",
        "on_time_rate",
        "drive_minutes",
        "overtime_minutes",
        "emergency_response_minutes_p50",
        "preferred_tech_kept_rate",
        "wrong_skill_dispatches",
        "double_bookings",
    ):
        assert key in data
    assert data["on_time_rate"] is None  # no promise was made


def test_a_visit_not_kept_says_what_the_preferred_technician_lacked() -> None:
    customers = [Customer(**K, external_id=c, preferred_technicians=("T1",)) for c in "AB"]
    jobs = [job("J1", {"backflow"}, customer="A"), job("J2", {"epa_608"}, customer="B")]
    appointments = [appt(f"A{k}", f"J{k}", None, "07:00", ("T2",)) for k in (1, 2)]
    events = visit("A1", "08:00", "08:30", "09:00", "T2") + visit(
        "A2", "09:00", "09:30", "10:00", "T2"
    )
    # T1 holds epa_608, not backflow.
    fleet = [tech("T1", {"epa_608"}), tech("T2", {"backflow", "epa_608"})]
    behind = preferred_visits(jobs, appointments, events, fleet, customers)
    assert [(v.job_id, v.kept, v.lacking) for v in behind] == [
        ("J1", False, ("backflow",)),
        ("J2", False, ()),
    ]


def test_the_kept_rate_when_qualified_leaves_out_visits_the_preferred_tech_could_not_do() -> None:
    customers = [Customer(**K, external_id=c, preferred_technicians=("T1",)) for c in "ABC"]
    jobs = [
        job("J1", {"backflow"}, customer="A"),
        job("J2", {"epa_608"}, customer="B"),
        job("J3", {"epa_608"}, customer="C"),
    ]
    appointments = [
        appt("A1", "J1", None, "07:00", ("T2",)),
        appt("A2", "J2", None, "07:00", ("T2",)),
        appt("A3", "J3", None, "07:00"),
    ]
    events = (
        visit("A1", "08:00", "08:30", "09:00", "T2")
        + visit("A2", "09:00", "09:30", "10:00", "T2")
        + visit("A3", "09:00", "09:30", "10:00")
    )
    # T1 holds epa_608, not backflow: J1 was never T1's to keep.
    fleet = [tech("T1", {"epa_608"}), tech("T2", {"backflow", "epa_608"})]
    k = compute_kpis(jobs, appointments, events, fleet, customers)
    assert k.preferred_tech_kept_rate == pytest.approx(1 / 3)
    assert k.preferred_tech_kept_when_qualified_rate == 0.5


def test_visits_are_rebuilt_from_events_in_any_order() -> None:
    """Shuffled events give the same visit, with its drive and on-site minutes."""
    events = visit("A1", "08:00", "08:25", "09:25")
    (v,) = visits_from_events(list(reversed(events)))
    assert (v.drive_minutes, v.on_site_minutes, v.outcome) == (25, 60, Lifecycle.COMPLETED)
