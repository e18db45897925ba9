"""An emergency booked into a later window is reached as soon as a technician can get there.

A customer who books "walk-in at 47F and climbing" into the portal's 12:00-14:00 slot at 06:30
wants someone now, not at noon. During the day the plan may start an emergency any time from
now until the window the customer was promised closes (`planning.build_problem`). When it
reaches them at least `SOONER_MARGIN` before that window opens, the promise is brought
forward: it opens `lead` before the planned start (never before now), keeps its end, and the
customer is texted the new time (`customer_texts`). Smaller gains are not worth a text: the
technician waits at the door until the window the customer knows.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from connectors.records import TimeWindow

__all__ = ["SOONER_LEAD", "SOONER_MARGIN", "brought_forward"]

SOONER_LEAD = timedelta(minutes=30)
"""A promise brought forward opens this long before the planned start: a re-plan mostly
pushes stops later, so the window reaches further after the planned start than before it."""

SOONER_MARGIN = timedelta(minutes=30)
"""An emergency planned to start this much before its promised window opens, or more, has its
promise brought forward."""


def brought_forward(
    promise: TimeWindow, planned_start: datetime, *, now: datetime, lead: timedelta = SOONER_LEAD
) -> TimeWindow | None:
    """The earlier promise for an emergency planned to start at `planned_start`, or None when
    the promise stays as it is (the plan does not reach the customer early enough)."""
    if planned_start > promise.start - SOONER_MARGIN:
        return None
    opens = max(now, planned_start - lead)
    if opens >= promise.start:
        return None
    return TimeWindow(start=opens, end=promise.end)
