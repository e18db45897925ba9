"""Workiz ↔ canonical records, through `mappings/workiz.yaml`.

A Workiz job is a single visit: it becomes one `Job` and one `Appointment`, both keyed by the
job's UUID. Workiz has no client or address resources (they ride on the job), no modified-since
filter and no reliable modification time (`LastStatusUpdate` moves on status changes only), so:
listings re-read a window of jobs scheduled from `lookback` ago, records carry no `modified_at`
(the latest read wins in the store), and write conflicts are detected by comparing the
dispatch fields with our last read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connectors.conflict import check_unchanged
from connectors.errors import (
    MalformedResponseError,
    NotFoundError,
    RequestRejectedError,
    WriteConflictError,
)
from connectors.mapping import Mapped, MappingTables, Unmapped
from connectors.protocol import ChangeHint, WriteResult
from connectors.records import (
    Appointment,
    Customer,
    GeoPoint,
    Job,
    Location,
    StatusEvent,
    Technician,
    TimeWindow,
)
from connectors.workiz import models as wz
from connectors.workiz import webhooks
from connectors.workiz.client import WorkizClient

__all__ = [
    "PLATFORM",
    "WorkizAdapter",
    "parse_local",
    "to_appointment",
    "to_job",
    "to_technician",
]

PLATFORM = "workiz"
_LOCAL_FORMAT = "%Y-%m-%d %H:%M:%S"


def _zone(name: str | None, default: ZoneInfo) -> ZoneInfo:
    if not name:
        return default
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return default


def parse_local(text: str | None, zone: ZoneInfo, field: str) -> datetime | None:
    """ "YYYY-MM-DD HH:MM:SS" in the account's zone (an ISO time with an offset is kept)."""
    if not text or not text.strip():
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise MalformedResponseError(f"{field}: {text!r} is not a date-time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _status_keys(job: wz.Job) -> tuple[str | None, ...]:
    if job.status and job.sub_status:
        return (f"{job.status}/{job.sub_status}", job.status)
    return (job.status,)


def to_job(job: wz.Job, tables: MappingTables, *, account: str, zone: ZoneInfo) -> Mapped[Job]:
    lookup = tables.lookup()
    vendor_status = "/".join(p for p in (job.status, job.sub_status) if p) or None
    record = Job(
        platform=PLATFORM,
        account=account,
        external_id=job.uuid,
        customer_id=job.client_id or None,
        location_id=job.uuid,
        summary=job.job_type or "",
        description=job.job_notes or "",
        vendor_job_type=job.job_type,
        job_type=lookup.job_type(job.job_type),
        status=lookup.status("job", *_status_keys(job)),
        vendor_status=vendor_status,
        created_at=parse_local(job.created_date, _zone(job.timezone, zone), "CreatedDate"),
    )
    return lookup.done(record)


def to_appointment(
    job: wz.Job,
    tables: MappingTables,
    *,
    account: str,
    zone: ZoneInfo,
    ids_by_name: Mapping[str, str] | None = None,
) -> Mapped[Appointment]:
    lookup = tables.lookup()
    local = _zone(job.timezone, zone)
    start = parse_local(job.job_date_time, local, "JobDateTime")
    end = parse_local(job.job_end_date_time, local, "JobEndDateTime")
    technicians = set()
    for member in job.team:
        if member.id:
            technicians.add(member.id)
        elif member.name and ids_by_name and member.name in ids_by_name:
            technicians.add(ids_by_name[member.name])
        elif member.name:
            technicians.add(member.name)  # an unknown name is kept rather than dropped
    record = Appointment(
        platform=PLATFORM,
        account=account,
        external_id=job.uuid,
        job_id=job.uuid,
        window=TimeWindow(start=start, end=end) if start and end and end > start else None,
        technician_ids=tuple(sorted(technicians)),
        status=lookup.status("appointment", *_status_keys(job)),
        vendor_status="/".join(p for p in (job.status, job.sub_status) if p) or None,
    )
    return lookup.done(record)


def to_technician(
    member: wz.TeamMember, tables: MappingTables, *, account: str
) -> Mapped[Technician]:
    lookup = tables.lookup()
    record = Technician(
        platform=PLATFORM,
        account=account,
        external_id=member.id,
        name=member.name or f"User {member.id}",
        email=member.email,
        skills=lookup.skills(member.skills),
        zone=member.service_areas[0] if member.service_areas else None,
        active=member.active and member.field_tech is not False,
        vendor_tags=tuple(member.skills),
    )
    return lookup.done(record)


def to_customer(job: wz.Job, *, account: str) -> Customer:
    if not job.client_id:
        raise NotFoundError(f"workiz job {job.uuid} names no client")
    name = " ".join(p for p in (job.first_name, job.last_name) if p) or job.company
    return Customer(
        platform=PLATFORM,
        account=account,
        external_id=job.client_id,
        name=name or None,
        phone=job.phone or None,
        email=job.email or None,
    )


def to_location(job: wz.Job, *, account: str) -> Location:
    street = " ".join(p for p in (job.address, job.unit) if p)
    region = " ".join(p for p in (job.state, job.postal_code) if p)
    address = ", ".join(p for p in (street, job.city, region) if p)
    point = None
    lat, lon = job.latitude, job.longitude
    if lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180:
        point = GeoPoint(lat=lat, lon=lon)
    return Location(
        platform=PLATFORM,
        account=account,
        external_id=job.uuid,
        address=address or None,
        point=point,
        zone=job.service_area or None,
        postal_code=job.postal_code or None,
        customer_id=job.client_id or None,
    )


def _local_text(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime(_LOCAL_FORMAT)


class WorkizAdapter:
    """One Workiz account behind the connector protocol."""

    platform = PLATFORM

    def __init__(
        self,
        client: WorkizClient,
        tables: MappingTables,
        *,
        account: str,
        timezone: str = "UTC",
        webhook_secret: str | None = None,
        lookback: timedelta = timedelta(days=30),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.client = client
        self.tables = tables
        self.account = account
        self.zone = ZoneInfo(timezone)
        self.lookback = lookback
        self._clock = clock
        self._webhook_secret = webhook_secret
        self.unmapped: Counter[Unmapped] = Counter()
        self._team: dict[str, wz.TeamMember] | None = None
        self._client_jobs: dict[str, str] = {}
        """Client id → a job UUID that carries the client's details."""

    def _keep(self, mapped: Mapped[Any]) -> None:
        self.unmapped.update(mapped.unmapped)

    async def _roster(self, refresh: bool = False) -> dict[str, wz.TeamMember]:
        if self._team is None or refresh:
            self._team = {m.id: m for m in await self.client.fetch_team()}
        return self._team

    def _ids_by_name(self) -> dict[str, str]:
        return {m.name: m.id for m in (self._team or {}).values() if m.name}

    async def _window_jobs(self) -> AsyncIterator[Sequence[wz.Job]]:
        start = (self._clock().astimezone(self.zone) - self.lookback).date()
        async for page in self.client.fetch_jobs(start):
            for job in page:
                if job.client_id:
                    self._client_jobs[job.client_id] = job.uuid
            yield page

    # --- reads ---------------------------------------------------------------------------------

    async def fetch_technicians(self) -> AsyncIterator[Sequence[Technician]]:
        roster = await self._roster(refresh=True)
        out = []
        for member in roster.values():
            mapped = to_technician(member, self.tables, account=self.account)
            self._keep(mapped)
            out.append(mapped.record)
        yield out

    async def fetch_jobs(self, modified_since: datetime | None) -> AsyncIterator[Sequence[Job]]:
        # No modified-since filter exists: the whole window is read every time (at-least-once).
        async for page in self._window_jobs():
            out = []
            for job in page:
                mapped = to_job(job, self.tables, account=self.account, zone=self.zone)
                self._keep(mapped)
                out.append(mapped.record)
            yield out

    async def fetch_appointments(
        self, modified_since: datetime | None
    ) -> AsyncIterator[Sequence[Appointment]]:
        await self._roster()
        async for page in self._window_jobs():
            yield [self._appointment(job) for job in page]

    def _appointment(self, job: wz.Job) -> Appointment:
        mapped = to_appointment(
            job, self.tables, account=self.account, zone=self.zone, ids_by_name=self._ids_by_name()
        )
        self._keep(mapped)
        return mapped.record

    async def fetch_status_events(
        self, since: datetime | None
    ) -> AsyncIterator[Sequence[StatusEvent]]:
        for _ in ():
            yield []

    async def fetch_job(self, external_id: str) -> Job:
        mapped = to_job(
            await self.client.get_job(external_id),
            self.tables,
            account=self.account,
            zone=self.zone,
        )
        self._keep(mapped)
        return mapped.record

    async def fetch_appointment(self, external_id: str) -> Appointment:
        await self._roster()
        return self._appointment(await self.client.get_job(external_id))

    async def fetch_customer(self, external_id: str) -> Customer:
        uuid = self._client_jobs.get(external_id)
        if uuid is None:
            raise NotFoundError(f"workiz client {external_id} was not seen on any job")
        return to_customer(await self.client.get_job(uuid), account=self.account)

    async def fetch_location(self, external_id: str) -> Location:
        return to_location(await self.client.get_job(external_id), account=self.account)

    # --- writes --------------------------------------------------------------------------------

    async def _name_of(self, technician_id: str) -> str:
        roster = await self._roster()
        if technician_id not in roster:
            roster = await self._roster(refresh=True)
        member = roster.get(technician_id)
        if member is None or not member.name:
            raise RequestRejectedError(f"technician {technician_id} is not on the Workiz team", 400)
        return member.name

    async def write_assignment(
        self, appointment_id: str, technician_ids: Sequence[str], *, expected: Appointment
    ) -> WriteResult:
        """Assign and unassign the difference, one name per call (Workiz's only way)."""
        desired = set(technician_ids)
        names = {t: await self._name_of(t) for t in desired}
        current = await self.fetch_appointment(appointment_id)
        if set(current.technician_ids) == desired:
            return WriteResult(appointment=current, changed=False)
        check_unchanged(expected, current)
        for technician_id in sorted(set(current.technician_ids) - desired):
            name = await self._name_of(technician_id)
            await self._change(appointment_id, technician_id, name, assign=False)
        for technician_id in sorted(desired - set(current.technician_ids)):
            await self._change(appointment_id, technician_id, names[technician_id], assign=True)
        after = await self.fetch_appointment(appointment_id)
        if set(after.technician_ids) != desired or after.window != current.window:
            raise WriteConflictError(
                f"job {appointment_id} changed in Workiz while we wrote; "
                "only our own difference was applied"
            )
        return WriteResult(appointment=after, changed=True)

    async def _change(self, uuid: str, technician_id: str, name: str, *, assign: bool) -> None:
        async def landed() -> bool:
            now = await self.fetch_appointment(uuid)
            return (technician_id in now.technician_ids) == assign

        call = self.client.assign if assign else self.client.unassign
        try:
            await call(uuid, name, verify=landed)
        except RequestRejectedError:
            # Workiz answers 400 "already assigned" / "not assigned" for a no-op; the re-read,
            # not the message text, decides whether that is what happened.
            if not await landed():
                raise

    async def write_window(
        self,
        appointment_id: str,
        window: TimeWindow,
        arrival_window: TimeWindow | None,
        *,
        expected: Appointment,
    ) -> WriteResult:
        """Move the job (Workiz keeps no separate arrival window; it is not written)."""
        current = await self.fetch_appointment(appointment_id)
        if current.window == window:
            return WriteResult(appointment=current, changed=False)
        check_unchanged(expected, current)

        async def landed() -> bool:
            return (await self.fetch_appointment(appointment_id)).window == window

        await self.client.update_job(
            appointment_id,
            {
                "JobDateTime": _local_text(window.start, self.zone),
                "JobEndDateTime": _local_text(window.end, self.zone),
                "Timezone": str(self.zone),
            },
            verify=landed,
        )
        after = await self.fetch_appointment(appointment_id)
        if after.window != window or set(after.technician_ids) != set(current.technician_ids):
            raise WriteConflictError(f"job {appointment_id} changed in Workiz while we wrote")
        return WriteResult(appointment=after, changed=True)

    # --- webhooks ------------------------------------------------------------------------------

    def verify_webhook(self, headers: Mapping[str, str], body: bytes, now: datetime) -> None:
        webhooks.verify_webhook(headers, body, now, secret=self._webhook_secret)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> Sequence[ChangeHint]:
        return webhooks.parse_webhook(body, account=self.account)
