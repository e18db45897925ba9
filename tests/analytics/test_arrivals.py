"""Arrivals against their first promise, and what led to each one outside it."""

from __future__ import annotations

from connectors.records import Appointment
from orchestrator.analytics.arrivals import promised_arrivals
from tests.analytics.test_kpis import K, at, visit, window


def version(aid: str, promised: str, scheduled: str, modified: str, tech: str) -> Appointment:
    a, b = promised.split("-")
    c, d = scheduled.split("-")
    return Appointment(
        **K,
        external_id=aid,
        job_id=f"J{aid[1:]}",
        arrival_window=window(a, b),
        window=window(c, d),
        technician_ids=(tech,),
        modified_at=at(modified),
    )


def test_a_late_arrival_names_the_visit_before_it_and_when_it_was_scheduled_late() -> None:
    appointments = [
        version("A1", "08:00-10:00", "08:00-09:00", "07:00", "T1"),
        version("A2", "09:00-11:00", "09:30-10:30", "07:00", "T1"),
        # 10:40: A1 runs long, the board moves A2 to 11:45, past its promise.
        version("A2", "09:00-11:00", "11:45-12:45", "10:40", "T1"),
        # A3 is on time, after a visit that ended long before.
        version("A3", "13:00-15:00", "14:30-15:00", "07:00", "T2"),
        # A4 came early: before its window opened.
        version("A4", "12:00-14:00", "12:00-13:00", "07:00", "T2"),
    ]
    events = (
        visit("A1", "07:40", "08:00", "11:30")
        + visit("A2", "11:30", "11:50", "12:30")
        + visit("A4", "11:00", "11:20", "11:40", "T2")
        + visit("A3", "14:30", "14:45", "15:30", "T2")
    )
    arrivals = promised_arrivals(appointments, events)
    assert [(a.appointment_id, a.on_time, a.minutes_late) for a in arrivals] == [
        ("A1", True, 0.0),
        ("A4", False, -40.0),
        ("A2", False, 50.0),
        ("A3", True, 0.0),
    ]
    _, early, late, kept = arrivals
    assert late.came_from is not None and late.came_from.appointment_id == "A1"
    assert late.scheduled_late_at == at("10:40")
    # A3's technician left A4 at 11:40, three hours before: it came from nowhere in particular.
    assert kept.came_from is None and kept.scheduled_late_at is None
    assert early.came_from is None


def test_an_emergency_brought_forward_is_on_time_from_the_earlier_window() -> None:
    appointments = [
        version("A1", "12:00-14:00", "12:00-13:00", "06:30", "T1"),
        # 06:45: the plan reaches it at 07:30 and tells the customer 07:00-14:00.
        version("A1", "07:00-14:00", "07:30-08:30", "06:45", "T1"),
        # Never brought forward: arriving at 07:30 for a noon window is early.
        version("A2", "12:00-14:00", "12:00-13:00", "06:30", "T2"),
        # Brought forward to 09:00, reached at 08:50: still early.
        version("A3", "12:00-14:00", "12:00-13:00", "06:30", "T3"),
        version("A3", "09:00-14:00", "09:00-10:00", "07:10", "T3"),
    ]
    events = (
        visit("A1", "07:10", "07:35", "08:30")
        + visit("A2", "07:10", "07:30", "08:30", "T2")
        + visit("A3", "08:30", "08:50", "09:30", "T3")
    )
    arrivals = {a.appointment_id: a for a in promised_arrivals(appointments, events)}
    assert (arrivals["A1"].on_time, arrivals["A1"].minutes_late) == (True, 0.0)
    assert arrivals["A1"].promise == window("12:00", "14:00")  # judged late against the first
    assert arrivals["A1"].opens == at("07:00")
    assert (arrivals["A2"].on_time, arrivals["A2"].minutes_late) == (False, -270.0)
    assert (arrivals["A3"].on_time, arrivals["A3"].minutes_late) == (False, -10.0)
