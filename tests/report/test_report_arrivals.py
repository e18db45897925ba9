"""The report lists each arrival outside the promised window, with what led to it."""

from __future__ import annotations

import re

from orchestrator.report import render_report
from orchestrator.simulation.loop import SimulationRecord
from tests.analytics.test_arrivals import version
from tests.analytics.test_kpis import job, tech, visit


def _record(*, late: bool) -> SimulationRecord:
    second = "11:50" if late else "10:40"
    versions = [
        version("A1", "08:00-10:00", "08:00-09:00", "07:00", "T1"),
        version("A2", "09:00-11:00", "09:30-10:30", "07:00", "T1"),
        version("A2", "09:00-11:00", "11:45-12:45", "10:40", "T1"),  # moved past its promise
    ]
    return SimulationRecord(
        scenario="day",
        dispatcher="baseline",
        timezone="America/Denver",
        jobs=[job("J1"), job("J2")],
        appointments=versions if late else versions[:2],
        status_events=visit("A1", "07:40", "08:00", "11:30" if late else "10:20")
        + visit("A2", "11:30", second, "12:30"),
        technicians=[tech("T1")],
        customers=[],
        activities=[],
    )


def test_a_late_arrival_is_listed_with_the_visit_before_it_and_when_it_slipped() -> None:
    page = render_report("day", {"baseline": _record(late=True)}, {"baseline": {}})
    assert "1 of 2 promised arrivals outside their window." in page
    table = page.split('<table class="arrivals">', 1)[1].split("</table>", 1)[0]
    rows = [re.findall(r"<td>(.*?)</td>", row) for row in table.split("<tr>")[2:]]
    assert rows == [
        [
            "J2",
            "09:00-11:00",
            "11:50",
            "T1",
            "+50",
            "came straight from J1 (on site 08:00-11:30, 210 min); "
            "scheduled past its promise from 10:40",
        ]
    ]


def test_a_day_inside_every_promise_says_so() -> None:
    page = render_report("day", {"baseline": _record(late=False)}, {"baseline": {}})
    assert "All 2 promised arrivals were inside their window." in page
    assert '<table class="arrivals">' not in page


def test_a_run_that_texts_customers_says_who_was_told_of_their_delay_and_when() -> None:
    from tests.analytics.test_kpis import at

    told = {"A2": at("10:45"), "A1": at("07:30")}  # A1 was then reached on time
    page = render_report(
        "day",
        {"fsm-dispatch": _record(late=True)},
        {"fsm-dispatch": {}},
        delay_notices={"fsm-dispatch": told},
    )
    assert (
        "Customers told of a delay by text: 1 of 1 late arrivals before their window closed, "
        "0 after; 1 told of a delay then reached inside their window." in page
    )
    table = page.split('<table class="arrivals">', 1)[1].split("</table>", 1)[0]
    assert "<th>customer told</th>" in table
    rows = [re.findall(r"<td>(.*?)</td>", row) for row in table.split("<tr>")[2:]]
    assert [row[0] for row in rows] == ["J2"] and rows[0][-1] == "10:45"
    # A run that does not text customers has no such column.
    plain = render_report("day", {"baseline": _record(late=True)}, {"baseline": {}})
    assert "customer told" not in plain and "told of a delay" not in plain
