"""What a dispatcher sees of the day: the FSM's records as last read, the clock, and a way to write.

The view is filled through the connector protocol only (full read at start, then re-reads on
each webhook hint), exactly as the running service syncs a real account; it never holds anything
the platform does not serve. Writes go back through the connector with the record last read as
`expected`, so the platform's conflict check applies.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from connectors.errors import WriteConflictError
from connectors.protocol import ChangeHint, Connector, WriteResult
from connectors.records import (
    Appointment,
    Customer,
    Job,
    Location,
    StatusEvent,
    Technician,
    TimeWindow,
)
from orchestrator.simulation.events import (
    DispatchEvent,
    JobArrived,
    StatusChanged,
    TechnicianChanged,
)

__all__ = ["DispatchView", "PastVisit"]


@dataclass(frozen=True, slots=True)
class PastVisit:
    """One completed visit of the past, for duration estimates."""

    job_type: str
    technician_id: str
    minutes: float
    day: date


@dataclass
class DispatchView:
    """The dispatcher's picture of one account on one platform, and its clock."""

    connector: Connector
    zone: ZoneInfo
    now: datetime
    history: Sequence[PastVisit] = ()
    outdoor_temp_f: float | None = None
    technicians: dict[str, Technician] = field(default_factory=dict)
    customers: dict[str, Customer] = field(default_factory=dict)
    locations: dict[str, Location] = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)
    appointments: dict[str, Appointment] = field(default_factory=dict)
    status_events: list[StatusEvent] = field(default_factory=list)
    writes: int = 0
    conflicts: int = 0
    _seen_events: set[str] = field(default_factory=set)

    @property
    def today(self) -> date:
        return self.now.astimezone(self.zone).date()

    def appointments_of(self, job_id: str) -> list[Appointment]:
        return [a for a in self.appointments.values() if a.job_id == job_id]

    def location_of(self, job: Job) -> Location | None:
        return self.locations.get(job.location_id or "")

    def customer_of(self, job: Job) -> Customer | None:
        return self.customers.get(job.customer_id or "")

    # -- reads ---------------------------------------------------------------------------------
    async def load(self) -> None:
        """Full read of the account."""
        async for page in self.connector.fetch_technicians():
            self.technicians.update((t.external_id, t) for t in page)
        async for jobs in self.connector.fetch_jobs(None):
            for job in jobs:
                await self._job(job)
        async for appointments in self.connector.fetch_appointments(None):
            self.appointments.update((a.external_id, a) for a in appointments)
        await self.read_status_events()

    async def _job(self, job: Job) -> bool:
        new = job.external_id not in self.jobs
        self.jobs[job.external_id] = job
        if job.customer_id and job.customer_id not in self.customers:
            self.customers[job.customer_id] = await self.connector.fetch_customer(job.customer_id)
        if job.location_id and job.location_id not in self.locations:
            self.locations[job.location_id] = await self.connector.fetch_location(job.location_id)
        return new

    async def read_status_events(self) -> list[StatusEvent]:
        """Status events not seen before, oldest first (the cursor overlaps; ids dedupe)."""
        since = self.status_events[-1].occurred_at if self.status_events else None
        fresh: list[StatusEvent] = []
        async for page in self.connector.fetch_status_events(since):
            for event in page:
                if event.external_id not in self._seen_events:
                    self._seen_events.add(event.external_id)
                    fresh.append(event)
        fresh.sort(key=lambda e: e.occurred_at)
        self.status_events.extend(fresh)
        return fresh

    async def apply(self, hints: Sequence[ChangeHint]) -> list[DispatchEvent]:
        """Re-read what the hints name; return what a dispatcher should hear about."""
        out: list[DispatchEvent] = []
        for hint in hints:
            if hint.resource == "job":
                job = await self.connector.fetch_job(hint.external_id)
                if await self._job(job) and not job.status.is_terminal:
                    out.append(JobArrived(job))
            elif hint.resource == "appointment":
                appointment = await self.connector.fetch_appointment(hint.external_id)
                self.appointments[appointment.external_id] = appointment
            elif hint.resource == "technician":
                technician = await _fetch_technician(self.connector, hint.external_id)
                if technician is not None and technician != self.technicians.get(hint.external_id):
                    self.technicians[technician.external_id] = technician
                    out.append(TechnicianChanged(technician))
        for event in await self.read_status_events():
            subject = self.appointments.get(event.subject_id)
            if subject is not None:
                out.append(StatusChanged(event, subject))
        return out

    # -- writes --------------------------------------------------------------------------------
    async def assign(self, appointment_id: str, technician_ids: Sequence[str]) -> Appointment:
        """Make these technicians the appointment's crew (re-reading once on a conflict)."""
        return await self._write(
            appointment_id,
            lambda current: self.connector.write_assignment(
                appointment_id, technician_ids, expected=current
            ),
        )

    async def schedule(
        self, appointment_id: str, window: TimeWindow, arrival_window: TimeWindow | None
    ) -> Appointment:
        """Set the scheduled time and the arrival window told to the customer."""
        return await self._write(
            appointment_id,
            lambda current: self.connector.write_window(
                appointment_id, window, arrival_window, expected=current
            ),
        )

    async def _write(
        self, appointment_id: str, write: Callable[[Appointment], Awaitable[WriteResult]]
    ) -> Appointment:
        """One write against our last read; on a conflict re-read once and try again."""
        for attempt in (1, 2):
            try:
                result = await write(self.appointments[appointment_id])
            except WriteConflictError:
                self.conflicts += 1
                if attempt == 2:
                    raise
                self.appointments[appointment_id] = await self.connector.fetch_appointment(
                    appointment_id
                )
                continue
            self.writes += result.changed
            self.appointments[appointment_id] = result.appointment
            return result.appointment
        raise AssertionError("unreachable")


async def _fetch_technician(connector: Connector, external_id: str) -> Technician | None:
    # The protocol has no single-technician read; the list is short.
    async for page in connector.fetch_technicians():
        for technician in page:
            if technician.external_id == external_id:
                return technician
    return None
