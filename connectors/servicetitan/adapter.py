"""ServiceTitan ↔ canonical records, through `mappings/servicetitan.yaml`.

ServiceTitan keeps the technicians of an appointment in separate appointment-assignment rows,
so an appointment is read together with its assignments, and its modification time is the
latest of the appointment's and its assignments' (an unassignment makes a row inactive and bumps
only that row).
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from connectors.conflict import check_unchanged
from connectors.errors import NotFoundError, WriteConflictError
from connectors.mapping import Mapped, MappingTables, Unmapped
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
from connectors.servicetitan import models as st
from connectors.servicetitan import webhooks
from connectors.servicetitan.client import ServiceTitanClient

__all__ = [
    "PLATFORM",
    "ServiceTitanAdapter",
    "to_appointment",
    "to_customer",
    "to_job",
    "to_location",
    "to_technician",
]

PLATFORM = "servicetitan"
_TAG = re.compile(r"<[^>]+>")


def _text(value: str | None) -> str:
    """`summary` is HTML in ServiceTitan; keep the words."""
    if not value:
        return ""
    return " ".join(html.unescape(_TAG.sub(" ", value)).split())


def _window(start: datetime | None, end: datetime | None) -> TimeWindow | None:
    if start is None or end is None or end <= start:
        return None
    return TimeWindow(start=start, end=end)


def _address(address: st.Address | None) -> str | None:
    if address is None:
        return None
    street = " ".join(p for p in (address.street, address.unit) if p)
    region = " ".join(p for p in (address.state, address.zip) if p)
    city = ", ".join(p for p in (address.city, region) if p)
    text = ", ".join(p for p in (street, city) if p)
    return text or None


def _point(address: st.Address | None) -> GeoPoint | None:
    if address is None or address.latitude is None or address.longitude is None:
        return None
    if address.latitude == 0 and address.longitude == 0:
        return None  # ServiceTitan sends 0,0 for "not geocoded"
    return GeoPoint(lat=address.latitude, lon=address.longitude)


def to_job(
    job: st.Job,
    tables: MappingTables,
    *,
    account: str,
    job_type_names: Mapping[int, str] | None = None,
) -> Mapped[Job]:
    lookup = tables.lookup()
    name = (job_type_names or {}).get(job.job_type_id) if job.job_type_id is not None else None
    type_id = str(job.job_type_id) if job.job_type_id is not None else None
    record = Job(
        platform=PLATFORM,
        account=account,
        external_id=str(job.id),
        modified_at=job.modified_on,
        customer_id=str(job.customer_id) if job.customer_id is not None else None,
        location_id=str(job.location_id) if job.location_id is not None else None,
        summary=_text(job.summary),
        vendor_job_type=name or type_id,
        job_type=lookup.job_type(name, type_id),
        urgency=lookup.urgency(job.priority),
        status=lookup.status("job", job.job_status),
        vendor_status=job.job_status,
        created_at=job.created_on,
        deleted=job.active is False,
    )
    return lookup.done(record)


def to_appointment(
    appointment: st.Appointment,
    assignments: Iterable[st.Assignment],
    tables: MappingTables,
    *,
    account: str,
) -> Mapped[Appointment]:
    lookup = tables.lookup()
    mine = [a for a in assignments if a.appointment_id == appointment.id]
    stamps = [m for m in [appointment.modified_on, *(a.modified_on for a in mine)] if m]
    record = Appointment(
        platform=PLATFORM,
        account=account,
        external_id=str(appointment.id),
        modified_at=max(stamps) if stamps else None,
        job_id=str(appointment.job_id),
        window=_window(appointment.start, appointment.end),
        arrival_window=_window(appointment.arrival_window_start, appointment.arrival_window_end),
        technician_ids=tuple(sorted({str(a.technician_id) for a in mine if a.active})),
        status=lookup.status("appointment", appointment.status),
        vendor_status=appointment.status,
        deleted=appointment.active is False,
    )
    return lookup.done(record)


def to_technician(
    technician: st.Technician,
    skill_names: Sequence[str],
    tables: MappingTables,
    *,
    account: str,
) -> Mapped[Technician]:
    lookup = tables.lookup()
    labels = [*skill_names, *([technician.team] if technician.team else [])]
    record = Technician(
        platform=PLATFORM,
        account=account,
        external_id=str(technician.id),
        modified_at=technician.modified_on,
        name=technician.name or f"Technician {technician.id}",
        phone=technician.phone_number,
        email=technician.email,
        skills=lookup.skills(labels),
        home=_point(technician.home),
        zone=str(technician.main_zone_id) if technician.main_zone_id is not None else None,
        active=technician.active,
        vendor_tags=tuple(labels),
    )
    return lookup.done(record)


def to_customer(customer: st.Customer, *, account: str) -> Customer:
    flags = {CustomerFlag.COMMERCIAL} if (customer.type or "").casefold() == "commercial" else set()
    return Customer(
        platform=PLATFORM,
        account=account,
        external_id=str(customer.id),
        modified_at=customer.modified_on,
        name=customer.name,
        flags=frozenset(flags),
    )


def to_location(location: st.Location, *, account: str) -> Location:
    address = location.address
    return Location(
        platform=PLATFORM,
        account=account,
        external_id=str(location.id),
        modified_at=location.modified_on,
        address=_address(address),
        point=_point(address),
        zone=str(location.zone_id) if location.zone_id is not None else None,
        postal_code=address.zip if address else None,
        customer_id=str(location.customer_id) if location.customer_id is not None else None,
    )


def _vendor_id(external_id: str, what: str) -> int:
    try:
        return int(external_id)
    except ValueError:
        raise NotFoundError(f"{what} {external_id!r} is not a ServiceTitan id") from None


class ServiceTitanAdapter:
    """One ServiceTitan tenant behind the connector protocol."""

    platform = PLATFORM

    def __init__(
        self,
        client: ServiceTitanClient,
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
        self._job_type_names: dict[int, str] | None = None

    def _keep(self, mapped: Mapped[Any]) -> None:
        self.unmapped.update(mapped.unmapped)

    # --- reads ---------------------------------------------------------------------------------

    async def fetch_technicians(self) -> AsyncIterator[Sequence[Technician]]:
        skills: dict[int, list[str]] = {}
        for row in await self.client.fetch_technician_skills():
            if row.active:
                skills.setdefault(row.technician_id, []).append(row.name)
        async for page in self.client.fetch_technicians():
            out = []
            for tech in page:
                mapped = to_technician(
                    tech, skills.get(tech.id, []), self.tables, account=self.account
                )
                self._keep(mapped)
                out.append(mapped.record)
            yield out

    async def _job_types(self) -> dict[int, str]:
        if self._job_type_names is None:
            self._job_type_names = {t.id: t.name for t in await self.client.fetch_job_types()}
        return self._job_type_names

    async def fetch_jobs(self, modified_since: datetime | None) -> AsyncIterator[Sequence[Job]]:
        names = await self._job_types()
        async for page in self.client.fetch_jobs(modified_since):
            out = []
            for job in page:
                mapped = to_job(job, self.tables, account=self.account, job_type_names=names)
                self._keep(mapped)
                out.append(mapped.record)
            yield out

    async def _with_assignments(self, page: Sequence[st.Appointment]) -> list[Appointment]:
        rows = await self.client.fetch_assignments_of([a.id for a in page])
        out = []
        for appointment in page:
            mapped = to_appointment(appointment, rows, self.tables, account=self.account)
            self._keep(mapped)
            out.append(mapped.record)
        return out

    async def fetch_appointments(
        self, modified_since: datetime | None
    ) -> AsyncIterator[Sequence[Appointment]]:
        seen: set[int] = set()
        async for page in self.client.fetch_appointments(modified_since):
            seen.update(a.id for a in page)
            yield await self._with_assignments(page)
        if modified_since is None:
            return
        # An (un)assignment does not bump the appointment's modifiedOn: read the appointments
        # whose assignments changed, too.
        changed: set[int] = set()
        async for rows in self.client.fetch_assignments(
            modified_since=modified_since, active="Any"
        ):
            changed.update(r.appointment_id for r in rows)
        todo = sorted(changed - seen)
        for start in range(0, len(todo), 50):
            async for page in self.client.fetch_appointments(ids=todo[start : start + 50]):
                yield await self._with_assignments(page)

    async def fetch_status_events(
        self, since: datetime | None
    ) -> AsyncIterator[Sequence[StatusEvent]]:
        # The V2 APIs expose no status-transition feed; statuses arrive on the records.
        for _ in ():
            yield []

    async def fetch_job(self, external_id: str) -> Job:
        job = await self.client.get_job(_vendor_id(external_id, "job"))
        names = await self._job_types()
        mapped = to_job(job, self.tables, account=self.account, job_type_names=names)
        self._keep(mapped)
        return mapped.record

    async def fetch_appointment(self, external_id: str) -> Appointment:
        appointment = await self.client.get_appointment(_vendor_id(external_id, "appointment"))
        return (await self._with_assignments([appointment]))[0]

    async def fetch_customers(
        self, modified_since: datetime | None
    ) -> AsyncIterator[Sequence[Customer]]:
        """Customers changed since the cursor: a sync reads them in pages, not one by one."""
        async for page in self.client.fetch_customers(modified_since):
            yield [to_customer(c, account=self.account) for c in page]

    async def fetch_locations(
        self, modified_since: datetime | None
    ) -> AsyncIterator[Sequence[Location]]:
        async for page in self.client.fetch_locations(modified_since):
            yield [to_location(loc, account=self.account) for loc in page]

    async def fetch_customer(self, external_id: str) -> Customer:
        customer = await self.client.get_customer(_vendor_id(external_id, "customer"))
        return to_customer(customer, account=self.account)

    async def fetch_location(self, external_id: str) -> Location:
        location = await self.client.get_location(_vendor_id(external_id, "location"))
        return to_location(location, account=self.account)

    # --- writes --------------------------------------------------------------------------------

    async def write_assignment(
        self, appointment_id: str, technician_ids: Sequence[str], *, expected: Appointment
    ) -> WriteResult:
        """Make `technician_ids` the assigned technicians, by assigning and unassigning the
        difference only, so a change the FSM made to other fields is never overwritten."""
        vendor_id = _vendor_id(appointment_id, "appointment")
        desired = {str(_vendor_id(t, "technician")) for t in technician_ids}
        current = await self.fetch_appointment(appointment_id)
        if set(current.technician_ids) == desired:
            return WriteResult(appointment=current, changed=False)
        check_unchanged(expected, current)
        removed = sorted(int(t) for t in set(current.technician_ids) - desired)
        added = sorted(int(t) for t in desired - set(current.technician_ids))

        async def removed_gone() -> bool:
            now = await self.fetch_appointment(appointment_id)
            return not set(now.technician_ids) & {str(t) for t in removed}

        async def added_present() -> bool:
            now = await self.fetch_appointment(appointment_id)
            return {str(t) for t in added} <= set(now.technician_ids)

        if removed:
            await self.client.unassign_technicians(vendor_id, removed, verify=removed_gone)
        if added:
            await self.client.assign_technicians(vendor_id, added, verify=added_present)
        after = await self.fetch_appointment(appointment_id)
        if set(after.technician_ids) != desired or after.window != current.window:
            raise WriteConflictError(
                f"appointment {appointment_id} changed in ServiceTitan while we wrote; "
                "only our own difference was applied"
            )
        return WriteResult(appointment=after, changed=True)

    async def write_window(
        self,
        appointment_id: str,
        window: TimeWindow,
        arrival_window: TimeWindow | None,
        *,
        expected: Appointment,
    ) -> WriteResult:
        vendor_id = _vendor_id(appointment_id, "appointment")
        current = await self.fetch_appointment(appointment_id)
        if current.window == window and (
            arrival_window is None or current.arrival_window == arrival_window
        ):
            return WriteResult(appointment=current, changed=False)
        check_unchanged(expected, current)

        async def landed() -> bool:
            now = await self.fetch_appointment(appointment_id)
            return now.window == window

        await self.client.reschedule(
            vendor_id,
            start=window.start,
            end=window.end,
            arrival_start=arrival_window.start if arrival_window else None,
            arrival_end=arrival_window.end if arrival_window else None,
            verify=landed,
        )
        after = await self.fetch_appointment(appointment_id)
        if after.window != window or set(after.technician_ids) != set(current.technician_ids):
            raise WriteConflictError(
                f"appointment {appointment_id} changed in ServiceTitan while we wrote"
            )
        return WriteResult(appointment=after, changed=True)

    # --- webhooks ------------------------------------------------------------------------------

    def verify_webhook(self, headers: Mapping[str, str], body: bytes, now: datetime) -> None:
        webhooks.verify_webhook(headers, body, now, secret=self._webhook_secret)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> Sequence[ChangeHint]:
        return webhooks.parse_webhook(body, account=self.account)
