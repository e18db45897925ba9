"""The chances given with new promises judged against the arrivals: kept as often as said?"""

from __future__ import annotations

from orchestrator.analytics.arrivals import promised_arrivals
from orchestrator.analytics.promise_calibration import promise_calibration
from tests.analytics.test_arrivals import version
from tests.analytics.test_kpis import visit


def test_sure_and_shaky_promises_are_counted_apart_with_how_often_each_was_kept() -> None:
    appointments = [
        version("A1", "08:00-10:00", "08:00-10:00", "07:00", "T1"),  # given 0.95, kept
        version("A2", "08:00-10:00", "08:00-10:00", "07:00", "T2"),  # given 0.9, late
        version("A3", "08:00-10:00", "08:00-10:00", "07:00", "T3"),  # given 0.5, late
        version("A4", "08:00-10:00", "08:00-10:00", "07:00", "T4"),  # given 0.65, early: kept
        version("A5", "08:00-10:00", "08:00-10:00", "07:00", "T5"),  # booked, no chance given
    ]
    events = (
        visit("A1", "08:00", "09:00", "10:00", "T1")
        + visit("A2", "09:00", "10:20", "11:00", "T2")
        + visit("A3", "09:00", "11:40", "12:00", "T3")
        + visit("A4", "07:00", "07:50", "09:00", "T4")
        + visit("A5", "09:00", "11:00", "12:00", "T5")
    )
    arrivals = promised_arrivals(appointments, events)
    chances = {"A1": 0.95, "A2": 0.9, "A3": 0.5, "A4": 0.65, "A9": 0.7}  # A9 never reached
    assert promise_calibration(arrivals, chances).to_json() == {
        "new_promises": 4,
        "new_promises_expected_kept_rate": 0.75,
        "new_promises_kept_rate": 0.5,
        "new_promises_sure": 2,
        "new_promises_sure_kept_rate": 0.5,
        "new_promises_shaky": 2,
        "new_promises_shaky_kept_rate": 0.5,
    }
    assert promise_calibration(arrivals, {}).to_json()["new_promises_kept_rate"] is None
