"""Every job a day did not complete, with its outcome; the unqualified ones bound any dispatcher."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from connectors.records import (
    Certification,
    Customer,
    Job,
    Lifecycle,
    Shift,
    TimeOff,
    TimeWindow,
)
from orchestrator.analytics import compute_kpis, missed_jobs
from tests.analytics.test_kpis import K, appt, at, ev, job, tech, visit, window


def _needing(jid: str, skills: set[str], equipment: set[str]) -> Job:
    base = job(jid, skills)
    assert base.classification is not None
    return base.model_copy(
        update={
            "classification": base.classification.model_copy(
                update={"equipment": frozenset(equipment)}
            )
        }
    )


def test_each_job_not_completed_gets_the_first_outcome_that_applies() -> None:
    expired = Certification(name="gas_fitter", expires_on=at("07:00").date() - timedelta(days=1))
    fleet = [
        tech("T1", {"journeyman_electrician"}),
        tech("T2", {"backflow", "gas_fitter"}, equipment=frozenset({"drain_machine"}),
             certifications=(expired,)),
        # On leave the whole shift: holds epa_608, but not on shift.
        tech("T3", {"epa_608"},
             time_off=(TimeOff(start=at("07:00"), end=at("17:00")),)),
        # Works tomorrow only.
        tech("T4", {"master_electrician"}).model_copy(update={"shifts": (
            Shift(start=at("08:00") + timedelta(days=1), end=at("16:00") + timedelta(days=1)),
        )}),
    ]  # fmt: skip
    jobs = [
        job("J1"),
        job("J2"),
        job("J3"),
        job("J4", {"master_electrician"}),
        job("J5", {"backflow"}),
        job("J6", {"epa_608"}),
        _needing("J7", {"journeyman_electrician"}, {"drain_machine"}),
        job("J8", {"gas_fitter"}),
        job("J9", {"master_electrician"}),
    ]
    promised = window("09:00", "11:00")
    appointments = [appt(f"A{k}", f"J{k}", promised, "07:00") for k in range(1, 10)]
    # J9 needed a master electrician too, and was done (by whoever): completed comes first.
    events = (
        visit("A1", "08:00", "08:20", "09:00")
        + [ev("A2", Lifecycle.CANCELED, "08:10")]
        + visit("A3", "09:00", "09:20", "09:30", outcome=Lifecycle.ON_HOLD)
        + visit("A9", "09:30", "09:40", "10:30")
    )
    missed = missed_jobs(jobs, appointments, events, fleet)
    assert [(m.job_id, m.outcome, m.qualified, m.unmet) for m in missed] == [
        ("J2", "canceled", (), ()),
        ("J3", "no_show", (), ()),
        ("J4", "unqualified", (), ("master_electrician",)),
        ("J5", "not_reached", ("T2",), ()),
        ("J6", "unqualified", (), ("epa_608",)),
        # Each half is held by someone, nobody holds both.
        ("J7", "unqualified", (), ()),
        ("J8", "unqualified", (), ("gas_fitter",)),
    ]
    assert missed[5].needs == ("drain_machine", "journeyman_electrician")
    kpis = compute_kpis(jobs, appointments, events, fleet)
    assert (kpis.jobs_completed, kpis.jobs_canceled, kpis.jobs_no_show) == (2, 1, 1)
    assert kpis.jobs_unqualified == 4
    assert kpis.to_json()["jobs_unqualified"] == 4


def test_a_visit_on_hold_then_completed_is_not_missed() -> None:
    jobs = [job("J1")]
    appointments = [appt("A1", "J1", None, "07:00")]
    events = visit("A1", "08:00", "08:20", "08:30", outcome=Lifecycle.ON_HOLD) + visit(
        "A1", "13:00", "13:20", "14:00"
    )
    assert missed_jobs(jobs, appointments, events, [tech("T1")]) == []
    kpis = compute_kpis(jobs, appointments, events, [tech("T1")])
    assert (kpis.jobs_completed, kpis.jobs_no_show, kpis.jobs_unqualified) == (1, 0, 0)


def test_a_job_never_classified_is_not_called_unqualified() -> None:
    bare = job("J1").model_copy(update={"classification": None})
    (missed,) = missed_jobs([bare], [appt("A1", "J1", None, "07:00")], [], [tech("T1")])
    assert (missed.outcome, missed.qualified, missed.needs) == ("not_reached", (), ())


def test_a_designated_technician_off_or_unqualified_leaves_no_one_allowed() -> None:
    fleet = [
        tech("T1", {"backflow"}),
        tech("T2"),
        tech("T3", {"backflow"}, time_off=(TimeOff(start=at("07:00"), end=at("17:00")),)),
    ]
    customers = [
        Customer(**K, external_id=c, designated_technician=t)
        for c, t in (("C1", "T2"), ("C2", "T3"), ("C3", "T1"))
    ]
    jobs = [
        job("J1", {"backflow"}, customer="C1"),  # T2 lacks backflow; T1 has it, not allowed
        job("J2", {"backflow"}, customer="C2"),  # T3 is on leave
        job("J3", {"backflow"}, customer="C3"),  # T1 may, and did not get to it
    ]
    appointments = [appt(f"A{k}", f"J{k}", window("09:00", "11:00"), "07:00") for k in (1, 2, 3)]
    missed = missed_jobs(jobs, appointments, [], fleet, customers)
    assert [(m.job_id, m.outcome, m.qualified, m.designated_lacks) for m in missed] == [
        ("J1", "unqualified", (), ("backflow",)),
        ("J2", "unqualified", (), None),
        ("J3", "not_reached", ("T1",), ()),
    ]
    assert compute_kpis(jobs, appointments, [], fleet, customers).jobs_unqualified == 2
    # Without the customers, anyone holding backflow would do: J1 and J2 look reachable by T1.
    assert compute_kpis(jobs, appointments, [], fleet).jobs_unqualified == 0


def test_an_evening_window_in_utc_still_falls_on_the_days_shift() -> None:
    """07:30-16:30 in Denver is 14:30-23:30 UTC; a 17:30 promise is 00:30 UTC the next day."""
    utc = ZoneInfo("UTC")
    shift = Shift(start=at("07:30").astimezone(utc), end=at("16:30").astimezone(utc))
    fleet = [tech("T1", {"backflow"}).model_copy(update={"shifts": (shift,)})]
    evening = TimeWindow(start=at("17:30").astimezone(utc), end=at("19:30").astimezone(utc))
    assert evening.start.date() != shift.start.date()
    jobs = [job("J1", {"backflow"})]
    (missed,) = missed_jobs(jobs, [appt("A1", "J1", evening, "07:00")], [], fleet)
    assert (missed.outcome, missed.qualified) == ("not_reached", ("T1",))
