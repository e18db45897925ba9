"""Housecall Pro ↔ canonical records, through `mappings/housecallpro.yaml`.

A job carries its visits in `schedule.appointments` (with `expand[]=appointments`). Each visit
becomes an `Appointment` keyed "{job id}/{appointment id}", because the API reaches a visit only
through its job. A single-visit job without that list is its own appointment, keyed by the job
id. Appointments have no modification time of their own and take the job's `updated_at`.
Locations are customer addresses, keyed "{customer id}/{address id}".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from connectors.conflict import check_unchanged
from connectors.errors import NotFoundError, WriteConflictError
from connectors.housecallpro import models as hcp
from connectors.housecallpro import webhooks
from connectors.housecallpro.client import HousecallProClient
from connectors.mapping import Lookup, Mapped, MappingTables, Unmapped
from connectors.protocol import ChangeHint, WriteResult
from connectors.records import (
    Appointment,
    Customer,
    CustomerFlag,
    GeoPoint,
    Job,
    Location,
    StatusEvent,
    Technician,
    TimeWindow,
)

__all__ = ["PLATFORM", "HousecallProAdapter", "to_appointments", "to_job", "to_technician"]

PLATFORM = "housecallpro"


def _status_keys(job: hcp.Job) -> tuple[str | None, ...]:
    stamps = job.work_timestamps
    if job.work_status and job.work_status.casefold() == "in progress" and stamps:
        if stamps.started_at is not None:
            return (f"{job.work_status}/started", job.work_status)
        if stamps.on_my_way_at is not None:
            return (f"{job.work_status}/on my way", job.work_status)
    return (job.work_status,)


def _location_id(job: hcp.Job) -> str | None:
    if job.address is None:
        return None
    return f"{job.customer.id}/{job.address.id}" if job.customer else job.address.id


def to_job(job: hcp.Job, tables: MappingTables, *, account: str) -> Mapped[Job]:
    lookup = tables.lookup()
    job_type = job.job_fields.job_type.name if job.job_fields and job.job_fields.job_type else None
    record = Job(
        platform=PLATFORM,
        account=account,
        external_id=job.id,
        modified_at=job.updated_at,
        customer_id=job.customer.id if job.customer else None,
        location_id=_location_id(job),
        summary=job_type or "",
        description=job.description or "",
        vendor_job_type=job_type,
        job_type=lookup.job_type(job_type),
        status=lookup.status("job", *_status_keys(job)),
        vendor_status=job.work_status,
        created_at=job.created_at,
        deleted=job.deleted_at is not None,
    )
    return lookup.done(record)


def _windows(
    start: datetime | None, end: datetime | None, arrival_minutes: int | None
) -> tuple[TimeWindow | None, TimeWindow | None]:
    if start is None or end is None or end <= start:
        return None, None
    arrival = None
    if arrival_minutes:
        arrival = TimeWindow(start=start, end=start + timedelta(minutes=arrival_minutes))
    return TimeWindow(start=start, end=end), arrival


def _appointment(
    job: hcp.Job,
    lookup: Lookup,
    *,
    account: str,
    external_id: str,
    window: tuple[TimeWindow | None, TimeWindow | None],
    technicians: Sequence[str],
) -> Appointment:
    return Appointment(
        platform=PLATFORM,
        account=account,
        external_id=external_id,
        modified_at=job.updated_at,
        job_id=job.id,
        window=window[0],
        arrival_window=window[1],
        technician_ids=tuple(sorted(set(technicians))),
        status=lookup.status("appointment", *_status_keys(job)),
        vendor_status=job.work_status,
        deleted=job.deleted_at is not None,
    )


def to_appointments(
    job: hcp.Job, tables: MappingTables, *, account: str
) -> list[Mapped[Appointment]]:
    """Every visit of `job` (see the module docstring for the keys)."""
    out = []
    schedule = job.schedule
    if schedule and schedule.appointments:
        for visit in schedule.appointments:
            lookup = tables.lookup()
            ids = visit.dispatched_employees_ids or [
                e.id for e in visit.dispatched_employees if e.id
            ]
            record = _appointment(
                job,
                lookup,
                account=account,
                external_id=f"{job.id}/{visit.id}",
                window=_windows(visit.start_time, visit.end_time, visit.arrival_window_minutes),
                technicians=ids,
            )
            out.append(lookup.done(record))
    elif schedule and schedule.scheduled_start:
        lookup = tables.lookup()
        record = _appointment(
            job,
            lookup,
            account=account,
            external_id=job.id,
            window=_windows(
                schedule.scheduled_start, schedule.scheduled_end, schedule.arrival_window
            ),
            technicians=[e.id for e in job.assigned_employees if e.id],
        )
        out.append(lookup.done(record))
    return out


def to_technician(
    employee: hcp.Employee, tables: MappingTables, *, account: str
) -> Mapped[Technician]:
    lookup = tables.lookup()
    name = " ".join(p for p in (employee.first_name, employee.last_name) if p)
    record = Technician(
        platform=PLATFORM,
        account=account,
        external_id=employee.id,
        name=name or f"Employee {employee.id}",
        phone=employee.mobile_number,
        email=employee.email,
        skills=lookup.skills(employee.tags),
        active=True,  # /employees lists active employees only
        vendor_tags=tuple(employee.tags),
    )
    return lookup.done(record)


def _split(external_id: str, what: str) -> tuple[str, str]:
    first, sep, second = external_id.partition("/")
    if not sep or not first or not second:
        raise NotFoundError(f"{what} {external_id!r} is not a Housecall Pro composite id")
    return first, second


class HousecallProAdapter:
    """One Housecall Pro company behind the connector protocol."""

    platform = PLATFORM

    def __init__(
        self,
        client: HousecallProClient,
        tables: MappingTables,
        *,
        account: str,
        webhook_secret: str | None = None,
    ) -> None:
        self.client = client
        self.tables = tables
        self.account = account
        self._webhook_secret = webhook_secret
        self.unmapped: Counter[Unmapped] = Counter()

    def _keep(self, mapped: Mapped[Any]) -> None:
        self.unmapped.update(mapped.unmapped)

    # --- reads ---------------------------------------------------------------------------------

    async def fetch_technicians(self) -> AsyncIterator[Sequence[Technician]]:
        async for page in self.client.fetch_employees():
            out = []
            for employee in page:
                mapped = to_technician(employee, self.tables, account=self.account)
                self._keep(mapped)
                out.append(mapped.record)
            yield out

    async def fetch_jobs(self, modified_since: datetime | None) -> AsyncIterator[Sequence[Job]]:
        async for page in self.client.fetch_jobs(modified_since):
            out = []
            for job in page:
                mapped = to_job(job, self.tables, account=self.account)
                self._keep(mapped)
                out.append(mapped.record)
            yield out

    def _appointments_of(self, job: hcp.Job) -> list[Appointment]:
        out = []
        for mapped in to_appointments(job, self.tables, account=self.account):
            self._keep(mapped)
            out.append(mapped.record)
        return out

    async def fetch_appointments(
        self, modified_since: datetime | None
    ) -> AsyncIterator[Sequence[Appointment]]:
        async for page in self.client.fetch_jobs(modified_since):
            out = [a for job in page for a in self._appointments_of(job)]
            if out:
                yield out

    async def fetch_status_events(
        self, since: datetime | None
    ) -> AsyncIterator[Sequence[StatusEvent]]:
        for _ in ():
            yield []

    async def fetch_job(self, external_id: str) -> Job:
        mapped = to_job(await self.client.get_job(external_id), self.tables, account=self.account)
        self._keep(mapped)
        return mapped.record

    async def fetch_appointment(self, external_id: str) -> Appointment:
        job_id = external_id.partition("/")[0]
        job = await self.client.get_job(job_id)
        if "/" in external_id and (job.schedule is None or job.schedule.appointments is None):
            visits = await self.client.get_appointments(job_id)
            schedule = (job.schedule or hcp.Schedule()).model_copy(update={"appointments": visits})
            job = job.model_copy(update={"schedule": schedule})
        for appointment in self._appointments_of(job):
            if appointment.external_id == external_id:
                return appointment
        raise NotFoundError(f"housecallpro appointment {external_id} not found")

    async def fetch_customer(self, external_id: str) -> Customer:
        customer = await self.client.get_customer(external_id)
        name = " ".join(p for p in (customer.first_name, customer.last_name) if p)
        flags = {CustomerFlag.COMMERCIAL} if customer.company else set()
        return Customer(
            platform=PLATFORM,
            account=self.account,
            external_id=customer.id,
            modified_at=customer.updated_at,
            name=name or customer.company,
            phone=customer.mobile_number,
            email=customer.email,
            flags=frozenset(flags),
        )

    async def fetch_location(self, external_id: str) -> Location:
        customer_id, address_id = _split(external_id, "location")
        address = await self.client.get_address(customer_id, address_id)
        street = " ".join(p for p in (address.street, address.street_line_2) if p)
        region = " ".join(p for p in (address.state, address.zip) if p)
        text = ", ".join(p for p in (street, address.city, region) if p)
        point = None
        if address.latitude is not None and address.longitude is not None:
            point = GeoPoint(lat=address.latitude, lon=address.longitude)
        return Location(
            platform=PLATFORM,
            account=self.account,
            external_id=external_id,
            address=text or None,
            point=point,
            postal_code=address.zip,
            customer_id=customer_id,
        )

    # --- writes --------------------------------------------------------------------------------

    async def _put(
        self,
        current: Appointment,
        *,
        window: TimeWindow,
        arrival_window: TimeWindow | None,
        technician_ids: Sequence[str],
        landed: Any,
    ) -> None:
        arrival = int(arrival_window.minutes) if arrival_window else None
        if "/" in current.external_id:
            job_id, visit_id = _split(current.external_id, "appointment")
            await self.client.update_appointment(
                job_id,
                visit_id,
                start=window.start,
                end=window.end,
                arrival_window_minutes=arrival,
                employee_ids=technician_ids,
                verify=landed,
            )
        elif set(technician_ids) != set(current.technician_ids):
            await self.client.dispatch(current.external_id, technician_ids, verify=landed)
        else:
            await self.client.schedule(
                current.external_id,
                start=window.start,
                end=window.end,
                arrival_window_minutes=arrival,
                verify=landed,
            )

    async def write_assignment(
        self, appointment_id: str, technician_ids: Sequence[str], *, expected: Appointment
    ) -> WriteResult:
        """The visit's PUT replaces the whole visit, so it is sent only against our last read."""
        desired = set(technician_ids)
        current = await self.fetch_appointment(appointment_id)
        if set(current.technician_ids) == desired:
            return WriteResult(appointment=current, changed=False)
        check_unchanged(expected, current)
        if current.window is None:
            raise WriteConflictError(f"appointment {appointment_id} has no schedule to keep")

        async def landed() -> bool:
            now = await self.fetch_appointment(appointment_id)
            return set(now.technician_ids) == desired

        await self._put(
            current,
            window=current.window,
            arrival_window=current.arrival_window,
            technician_ids=sorted(desired),
            landed=landed,
        )
        after = await self.fetch_appointment(appointment_id)
        if set(after.technician_ids) != desired:
            raise WriteConflictError(f"appointment {appointment_id} changed while we wrote")
        return WriteResult(appointment=after, changed=True)

    async def write_window(
        self,
        appointment_id: str,
        window: TimeWindow,
        arrival_window: TimeWindow | None,
        *,
        expected: Appointment,
    ) -> WriteResult:
        current = await self.fetch_appointment(appointment_id)
        if current.window == window and (
            arrival_window is None or current.arrival_window == arrival_window
        ):
            return WriteResult(appointment=current, changed=False)
        check_unchanged(expected, current)

        async def landed() -> bool:
            return (await self.fetch_appointment(appointment_id)).window == window

        await self._put(
            current,
            window=window,
            arrival_window=arrival_window,
            technician_ids=current.technician_ids,
            landed=landed,
        )
        after = await self.fetch_appointment(appointment_id)
        if after.window != window:
            raise WriteConflictError(f"appointment {appointment_id} changed while we wrote")
        return WriteResult(appointment=after, changed=True)

    # --- webhooks ------------------------------------------------------------------------------

    def verify_webhook(self, headers: Mapping[str, str], body: bytes, now: datetime) -> None:
        webhooks.verify_webhook(headers, body, now, secret=self._webhook_secret)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> Sequence[ChangeHint]:
        return webhooks.parse_webhook(body, account=self.account)
