"""Visits rebuilt from status events: one technician at one appointment, arrival to end."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from connectors.records import Appointment, Lifecycle, StatusEvent

__all__ = ["Visit", "recorded_order", "visits_from_events"]


@dataclass(frozen=True, slots=True)
class Visit:
    """One technician at one appointment, reconstructed from status events."""

    appointment_id: str
    technician_id: str
    dispatched_at: datetime | None
    en_route_at: datetime | None
    arrived_at: datetime
    ended_at: datetime | None
    outcome: Lifecycle | None
    """COMPLETED or ON_HOLD; None while still on site."""

    @property
    def on_site_minutes(self) -> float:
        return (self.ended_at - self.arrived_at).total_seconds() / 60 if self.ended_at else 0.0

    @property
    def drive_minutes(self) -> float:
        if self.en_route_at is None:
            return 0.0
        return (self.arrived_at - self.en_route_at).total_seconds() / 60


def visits_from_events(events: Iterable[StatusEvent]) -> list[Visit]:
    """Visits in order of arrival, from appointment status events of any order."""
    by_key: dict[tuple[str, str], list[StatusEvent]] = defaultdict(list)
    for event in events:
        if event.subject == "appointment" and event.technician_id:
            by_key[(event.subject_id, event.technician_id)].append(event)
    visits: list[Visit] = []
    for (appointment_id, technician_id), series in by_key.items():
        series.sort(key=lambda e: e.occurred_at)
        dispatched = en_route = arrived = None
        for event in series:
            if event.status is Lifecycle.DISPATCHED:
                dispatched = event.occurred_at
            elif event.status is Lifecycle.EN_ROUTE:
                en_route = event.occurred_at
            elif event.status is Lifecycle.ON_SITE:
                arrived = event.occurred_at
            elif event.status in (Lifecycle.COMPLETED, Lifecycle.ON_HOLD) and arrived is not None:
                visits.append(
                    Visit(
                        appointment_id,
                        technician_id,
                        dispatched,
                        en_route,
                        arrived,
                        event.occurred_at,
                        event.status,
                    )  # fmt: skip
                )
                dispatched = en_route = arrived = None
        if arrived is not None:
            visits.append(
                Visit(appointment_id, technician_id, dispatched, en_route, arrived, None, None)
            )
    visits.sort(key=lambda v: v.arrived_at)
    return visits


def recorded_order(appointments: Sequence[Appointment]) -> list[Appointment]:
    """Versions of appointments oldest first: by `modified_at`, then by position."""
    ordered = sorted(enumerate(appointments), key=lambda p: (_when(p[1]), p[0]))
    return [a for _, a in ordered]


def _when(appointment: Appointment) -> float:
    return appointment.modified_at.timestamp() if appointment.modified_at else -math.inf
