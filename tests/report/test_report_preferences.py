"""The report lists each visit that counts against "preferred technician kept", with why."""

from __future__ import annotations

import re
from dataclasses import replace

from connectors.records import Customer
from orchestrator.analytics import compute_kpis
from orchestrator.report import render_report
from orchestrator.simulation.loop import SimulationRecord
from tests.analytics.test_kpis import K, appt, job, tech, visit


def _record() -> SimulationRecord:
    customers = [Customer(**K, external_id=c, preferred_technicians=("T1",)) for c in "ABC"]
    jobs = [
        job("J1", {"backflow"}, customer="A"),
        job("J2", customer="B"),
        job("J3", customer="C"),
    ]
    appointments = [
        appt("A1", "J1", None, "07:00", ("T2",)),
        appt("A2", "J2", None, "07:00", ("T2",)),
        appt("A3", "J3", None, "07:00", ("T1",)),
    ]
    events = (
        visit("A1", "08:00", "08:30", "09:00", "T2")
        + visit("A2", "09:00", "09:30", "10:00", "T2")
        + visit("A3", "08:00", "08:30", "09:00", "T1")
    )
    return SimulationRecord(
        scenario="day",
        dispatcher="fsm-dispatch",
        timezone="America/Denver",
        jobs=jobs,
        appointments=appointments,
        status_events=events,
        technicians=[tech("T1"), tech("T2", {"backflow"})],
        customers=customers,
        activities=[],
    )


def _rows(page: str) -> list[list[str]]:
    table = page.split('<table class="preferences">', 1)[1].split("</table>", 1)[0]
    return [re.findall(r"<td>(.*?)</td>", row) for row in table.split("<tr>")[2:]]


def test_each_visit_not_kept_is_listed_with_the_dispatchers_reason_or_the_missing_skill() -> None:
    record = _record()
    kpis = compute_kpis(
        record.jobs, record.appointments, record.status_events, record.technicians, record.customers
    ).to_json()
    reasons = {"J2": "preferred technician T1 could fit it: +4 min drive, 30 min more overtime"}
    page = render_report(
        "day",
        {"fsm-dispatch": record},
        {"fsm-dispatch": kpis},
        passed_over={"fsm-dispatch": reasons},
    )
    assert kpis["preferred_tech_kept_rate"] == round(1 / 3, 4)
    # J3 was kept; J1 and J2 went to T2, each with its reason.
    assert _rows(page) == [
        ["J1", "T1", "T2", "preferred technician T1 lacks backflow"],
        [
            "J2",
            "T1",
            "T2",
            "preferred technician T1 could fit it: +4 min drive, 30 min more overtime",
        ],
    ]
    bare = render_report("day", {"baseline": record}, {"baseline": kpis})
    assert _rows(bare)[1] == ["J2", "T1", "T2", "(no reason recorded)"]


def test_a_day_that_kept_every_preference_says_so() -> None:
    record = _record()
    kept = [e for e in record.status_events if e.subject_id == "A3"]
    record = replace(record, status_events=kept)
    page = render_report("day", {"fsm-dispatch": record}, {"fsm-dispatch": {}})
    assert '<table class="preferences">' not in page
    assert "No completed visit went to another technician than the preferred one." in page
