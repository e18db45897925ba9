"""Arrivals against the window promised to the customer, and what came before each miss.

The promise is the arrival window of the first recorded version of the appointment that had
one (moving it later does not make a late arrival on time); the arrival is the first visit's.
An emergency whose promise was brought forward (the customer texted that we come sooner) may
be reached from the earliest time any version of the promise opened.
For an arrival outside its promise the records also say what led to it: the visit its
technician came straight from (on site until shortly before), and when the board first showed
the visit scheduled past its promise, if it ever did before the arrival.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from connectors.records import Appointment, StatusEvent, TimeWindow
from orchestrator.analytics.visits import Visit, recorded_order, visits_from_events

__all__ = ["PromisedArrival", "promised_arrivals"]

STRAIGHT_FROM = timedelta(minutes=90)
"""A visit that ended this long before an arrival or less is the one the technician came from."""


@dataclass(frozen=True, slots=True)
class PromisedArrival:
    appointment_id: str
    job_id: str
    promise: TimeWindow
    visit: Visit
    came_from: Visit | None = None
    """The technician's visit before this one, if it ended shortly before the arrival."""
    scheduled_late_at: datetime | None = None
    """When the board first showed the visit scheduled to start after its promise ended."""
    opened: datetime | None = None
    """The earliest any version of the promise opened, when before the first one's start."""

    @property
    def on_time(self) -> bool:
        return self.opens <= self.visit.arrived_at <= self.promise.end

    @property
    def opens(self) -> datetime:
        """From when an arrival is on time."""
        return self.opened or self.promise.start

    @property
    def minutes_late(self) -> float:
        """Minutes after the promise ended (negative: before it opened; 0 inside it)."""
        if self.visit.arrived_at > self.promise.end:
            return (self.visit.arrived_at - self.promise.end).total_seconds() / 60
        if self.visit.arrived_at < self.opens:
            return -(self.opens - self.visit.arrived_at).total_seconds() / 60
        return 0.0


def promised_arrivals(
    appointments: Sequence[Appointment],
    events: Sequence[StatusEvent],
    visits: Sequence[Visit] | None = None,
) -> list[PromisedArrival]:
    """Every promised appointment that was visited, in order of arrival.

    `appointments` may hold several versions of one appointment, in any order.
    """
    versions: dict[str, list[Appointment]] = {}
    for version in recorded_order(appointments):
        versions.setdefault(version.external_id, []).append(version)
    visits = list(visits) if visits is not None else visits_from_events(events)
    first: dict[str, Visit] = {}
    for v in visits:
        first.setdefault(v.appointment_id, v)
    before: dict[tuple[str, str], Visit] = {}
    last_of: dict[str, Visit] = {}
    for v in visits:  # in order of arrival
        previous = last_of.get(v.technician_id)
        gap = v.arrived_at - previous.ended_at if previous and previous.ended_at else None
        if previous is not None and gap is not None and timedelta(0) <= gap <= STRAIGHT_FROM:
            before[(v.appointment_id, v.technician_id)] = previous
        last_of[v.technician_id] = v
    out = []
    for appointment_id, history in versions.items():
        window = next((a.arrival_window for a in history if a.arrival_window), None)
        visit = first.get(appointment_id)
        if window is None or visit is None:
            continue
        late_at = next(
            (
                a.modified_at
                for a in history
                if a.window is not None
                and a.window.start > window.end
                and a.modified_at is not None
                and a.modified_at <= visit.arrived_at
            ),
            None,
        )
        came_from = before.get((appointment_id, visit.technician_id))
        opened = min(a.arrival_window.start for a in history if a.arrival_window)
        out.append(
            PromisedArrival(
                appointment_id,
                history[0].job_id,
                window,
                visit,
                came_from,
                late_at,
                opened if opened < window.start else None,
            )
        )
    out.sort(key=lambda p: p.visit.arrived_at)
    return out
