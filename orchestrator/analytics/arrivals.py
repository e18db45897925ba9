"""Arrivals against the window promised to the customer, and what came before each miss.

The promise is the arrival window of the first recorded version of the appointment that had
one (moving it later does not make a late arrival on time); the arrival is the first visit's.
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

    @property
    def on_time(self) -> bool:
        return self.promise.start <= self.visit.arrived_at <= self.promise.end

    @property
    def minutes_late(self) -> float:
        """Minutes after the promise ended (negative: before it opened; 0 inside it)."""
        if self.visit.arrived_at > self.promise.end:
            return (self.visit.arrived_at - self.promise.end).total_seconds() / 60
        if self.visit.arrived_at < self.promise.start:
            return -(self.promise.start - self.visit.arrived_at).total_seconds() / 60
        return 0.0


def promised_arrivals(
    appointments: Sequence[Appointment],
    events: Sequence[StatusEvent],
    visits: Sequence[Visit] | None = None,
) -> list[PromisedArrival]:
    """Every promised appointment that was visited, in order of arrival.

    `appointments` may hold several versions of one appointment, in any order.
    """
    ordered = recorded_order(appointments)
    promise: dict[str, TimeWindow] = {}
    job_of: dict[str, str] = {}
    for version in ordered:
        job_of[version.external_id] = version.job_id
        if version.arrival_window is not None and version.external_id not in promise:
            promise[version.external_id] = version.arrival_window
    visits = list(visits) if visits is not None else visits_from_events(events)
    first: dict[str, Visit] = {}
    for v in visits:
        first.setdefault(v.appointment_id, v)
    before: dict[str, Visit | None] = {}
    last_of: dict[str, Visit] = {}
    for v in visits:  # in order of arrival
        previous = last_of.get(v.technician_id)
        ended = previous.ended_at if previous is not None else None
        near = ended is not None and timedelta(0) <= v.arrived_at - ended <= STRAIGHT_FROM
        before[f"{v.appointment_id}/{v.technician_id}"] = previous if near else None
        last_of[v.technician_id] = v
    out = []
    for appointment_id, window in promise.items():
        visit = first.get(appointment_id)
        if visit is None:
            continue
        late_at = next(
            (
                a.modified_at
                for a in ordered
                if a.external_id == appointment_id
                and a.window is not None
                and a.window.start > window.end
                and a.modified_at is not None
                and a.modified_at <= visit.arrived_at
            ),
            None,
        )
        out.append(
            PromisedArrival(
                appointment_id,
                job_of[appointment_id],
                window,
                visit,
                before.get(f"{appointment_id}/{visit.technician_id}"),
                late_at,
            )
        )
    out.sort(key=lambda p: p.visit.arrived_at)
    return out
