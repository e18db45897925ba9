"""The report lists every job not completed, with its outcome and what stood in its way."""

from __future__ import annotations

import re

from connectors.records import Customer, Lifecycle
from orchestrator.analytics import compute_kpis
from orchestrator.report import render_report
from orchestrator.simulation.loop import SimulationRecord
from tests.analytics.test_kpis import K, appt, ev, job, tech, visit, window


def _record() -> SimulationRecord:
    promised = window("09:00", "11:00")
    jobs = [
        job("J1"),
        job("J2"),
        job("J3"),
        job("J4", {"master_electrician"}),
        job("J5", {"backflow"}),
        job("J6", {"backflow"}),
    ]
    return SimulationRecord(
        scenario="day",
        dispatcher="fsm-dispatch",
        timezone="America/Denver",
        jobs=jobs,
        appointments=[appt(f"A{k}", f"J{k}", promised, "07:00") for k in range(1, 7)],
        status_events=(
            visit("A1", "08:00", "08:20", "09:00")
            + [ev("A2", Lifecycle.CANCELED, "08:10")]
            + visit("A3", "09:00", "09:20", "09:30", outcome=Lifecycle.ON_HOLD)
        ),
        technicians=[tech("T1"), tech("T2", {"backflow"})],
        customers=[],
        activities=[],
    )


def _rows(page: str) -> list[list[str]]:
    table = page.split('<table class="missed">', 1)[1].split("</table>", 1)[0]
    return [re.findall(r"<td>(.*?)</td>", row) for row in table.split("<tr>")[2:]]


def test_each_job_not_completed_is_listed_with_its_outcome_and_why() -> None:
    record = _record()
    kpis = compute_kpis(
        record.jobs, record.appointments, record.status_events, record.technicians
    ).to_json()
    reasons = {"J5": "no room in shift: 1 qualified, no room in their shifts"}
    page = render_report(
        "day", {"fsm-dispatch": record}, {"fsm-dispatch": kpis}, left_out={"fsm-dispatch": reasons}
    )
    assert "5 not completed: 1 canceled, 1 no-show, 1 no one qualified, 2 not reached." in page
    assert _rows(page) == [
        ["J2", "hvac.repair", "canceled", "canceled before it was done"],
        [
            "J3",
            "hvac.repair",
            "no-show",
            "the technician came; the visit ended on hold (customer not there)",
        ],
        [
            "J4",
            "hvac.repair",
            "no one qualified",
            "no technician on shift holds master_electrician",
        ],
        [
            "J5",
            "hvac.repair",
            "not reached",
            "1 qualified on shift (T2); the plan said: no room in shift: 1 qualified, no room in "
            "their shifts",
        ],
        # Without the dispatcher's word, who could have done it.
        ["J6", "hvac.repair", "not reached", "1 qualified on shift (T2); not completed"],
    ]
    # The KPI table carries the bound, never coloured as better or worse: it is the day's.
    both = render_report(
        "day", {"fsm-dispatch": record}, {"baseline": {**kpis, "jobs_unqualified": 2}, "ours": kpis}
    )
    row = re.search(r"<tr><td>no technician qualified</td>(.*?)</tr>", both)
    assert row is not None and row.group(1) == "<td>2</td><td>1</td>"


def test_a_day_that_completed_every_job_says_so() -> None:
    record = _record()
    record.jobs = record.jobs[:1]
    page = render_report("day", {"baseline": record}, {"baseline": {}})
    assert "<p>Every job was completed.</p>" in page
    assert '<table class="missed">' not in page


def test_a_designated_technician_is_named_as_the_only_one_allowed() -> None:
    record = _record()
    record.customers = [
        Customer(**K, external_id="C5", designated_technician="T1"),
        Customer(**K, external_id="C6", designated_technician="T2"),
    ]
    record.jobs = [
        job("J5", {"backflow"}, customer="C5"),
        job("J6", {"backflow"}, customer="C6"),
    ]
    page = render_report("day", {"baseline": record}, {"baseline": {}})
    assert _rows(page) == [
        [
            "J5",
            "hvac.repair",
            "no one qualified",
            "only T1 may serve this customer, and T1 lacks backflow",
        ],
        ["J6", "hvac.repair", "not reached", "designated technician T2 on shift; not completed"],
    ]
