"""An emergency's promise is brought forward only when the plan reaches it well before the
window the customer booked, and never to a time already past."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from connectors.records import TimeWindow
from orchestrator.sooner import SOONER_LEAD, SOONER_MARGIN, brought_forward

ZONE = ZoneInfo("America/Denver")


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, 1, hour, minute, tzinfo=ZONE)


BOOKED = TimeWindow(start=at(12), end=at(14))


def test_the_promise_opens_a_lead_before_the_planned_start_and_keeps_its_end() -> None:
    moved = brought_forward(BOOKED, at(9, 40), now=at(9, 5))
    assert moved == TimeWindow(start=at(9, 40) - SOONER_LEAD, end=at(14))


def test_the_promise_never_opens_in_the_past() -> None:
    assert brought_forward(BOOKED, at(9, 10), now=at(9, 5)) == TimeWindow(
        start=at(9, 5), end=at(14)
    )


def test_a_plan_that_gains_less_than_the_margin_keeps_the_promise() -> None:
    just = BOOKED.start - SOONER_MARGIN
    assert brought_forward(BOOKED, just + timedelta(minutes=1), now=at(9)) is None
    assert brought_forward(BOOKED, just, now=at(9)) is not None
    assert brought_forward(BOOKED, at(12, 30), now=at(9)) is None


def test_a_longer_lead_opens_it_further_before_the_planned_start() -> None:
    # Two hours before a start at 11:20, but not before now.
    moved = brought_forward(BOOKED, at(11, 20), now=at(9), lead=timedelta(hours=2))
    assert moved == TimeWindow(start=at(9, 20), end=at(14))
