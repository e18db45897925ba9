"""Delay notices judged against the arrivals: told in time, told too late, or told for nothing."""

from __future__ import annotations

from orchestrator.analytics.arrivals import promised_arrivals
from orchestrator.analytics.delay_notices import delay_notice_outcome
from tests.analytics.test_arrivals import version
from tests.analytics.test_kpis import at, visit


def test_each_late_arrival_is_told_in_time_told_late_or_not_told() -> None:
    appointments = [
        version("A1", "08:00-09:00", "08:00-09:00", "07:00", "T1"),  # late, told at 08:30
        version("A2", "08:00-09:00", "08:00-09:00", "07:00", "T2"),  # late, told at 09:20
        version("A3", "08:00-09:00", "08:00-09:00", "07:00", "T3"),  # late, never told
        version("A4", "08:00-09:00", "08:00-09:00", "07:00", "T4"),  # on time, told anyway
        version("A5", "08:00-09:00", "08:00-09:00", "07:00", "T5"),  # on time, not told
    ]
    events = (
        visit("A1", "09:00", "09:30", "10:00", "T1")
        + visit("A2", "09:00", "09:40", "10:00", "T2")
        + visit("A3", "09:00", "09:15", "10:00", "T3")
        + visit("A4", "08:10", "08:40", "09:30", "T4")
        + visit("A5", "08:00", "08:20", "09:00", "T5")
    )
    arrivals = promised_arrivals(appointments, events)
    told = {"A1": at("08:30"), "A2": at("09:20"), "A4": at("08:15")}
    outcome = delay_notice_outcome(arrivals, told, notices=4)
    assert outcome.to_json() == {
        "delay_notices": 4,
        "late_arrivals": 3,
        "late_arrivals_warned": 1,
        "late_arrivals_told_after_window": 1,
        "needless_delay_notices": 1,
    }
