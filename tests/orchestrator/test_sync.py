"""Sync is at-least-once and never moves a cursor past what was committed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta

import pytest

from connectors.errors import NotFoundError
from connectors.protocol import ChangeHint, WriteResult
from connectors.records import (
    Appointment,
    Customer,
    Job,
    Location,
    StatusEvent,
    Technician,
    TimeWindow,
)
from orchestrator.store import Store
from orchestrator.sync import sync_account

T0 = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
KEY = {"platform": "memory", "account": "acme"}


class CrashError(RuntimeError):
    pass


class MemoryConnector:
    """An in-process platform with pages of two records and a switch to fail mid-listing."""

    platform = "memory"
    account = "acme"

    def __init__(self, jobs: int) -> None:
        self.jobs = [
            Job(
                **KEY,
                external_id=f"J{i:03}",
                modified_at=T0 + timedelta(minutes=i),
                customer_id="C1",
                location_id="L1" if i % 2 else "L-missing",
            )
            for i in range(jobs)
        ]
        self.since_seen: list[datetime | None] = []
        self.crash_after_pages: int | None = None

    async def _pages(self, records: Sequence[object]) -> AsyncIterator[Sequence[object]]:
        for start in range(0, len(records), 2):
            if self.crash_after_pages is not None and start // 2 >= self.crash_after_pages:
                raise CrashError("connection lost")
            yield records[start : start + 2]

    def fetch_technicians(self) -> AsyncIterator[Sequence[Technician]]:
        return self._pages([Technician(**KEY, external_id="T1", name="Mike")])  # type: ignore[return-value]

    def fetch_jobs(self, modified_since: datetime | None) -> AsyncIterator[Sequence[Job]]:
        self.since_seen.append(modified_since)
        chosen = [j for j in self.jobs if modified_since is None or j.modified_at >= modified_since]  # type: ignore[operator]
        return self._pages(chosen)  # type: ignore[return-value]

    def fetch_appointments(
        self, modified_since: datetime | None
    ) -> AsyncIterator[Sequence[Appointment]]:
        window = TimeWindow(start=T0, end=T0 + timedelta(hours=2))
        return self._pages([Appointment(**KEY, external_id="A1", job_id="J000", window=window)])  # type: ignore[return-value]

    def fetch_status_events(self, since: datetime | None) -> AsyncIterator[Sequence[StatusEvent]]:
        return self._pages([])  # type: ignore[return-value]

    async def fetch_job(self, external_id: str) -> Job:
        return next(j for j in self.jobs if j.external_id == external_id)

    async def fetch_appointment(self, external_id: str) -> Appointment:
        raise NotFoundError(external_id)

    async def fetch_customer(self, external_id: str) -> Customer:
        return Customer(**KEY, external_id=external_id, name="Dana")

    async def fetch_location(self, external_id: str) -> Location:
        if external_id == "L-missing":
            raise NotFoundError(external_id)
        return Location(**KEY, external_id=external_id)

    async def write_assignment(
        self, appointment_id: str, technician_ids: Sequence[str], *, expected: Appointment
    ) -> WriteResult:
        raise NotImplementedError

    async def write_window(
        self,
        appointment_id: str,
        window: TimeWindow,
        arrival_window: TimeWindow | None,
        *,
        expected: Appointment,
    ) -> WriteResult:
        raise NotImplementedError

    def verify_webhook(self, headers: Mapping[str, str], body: bytes, now: datetime) -> None:
        raise NotImplementedError

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> Sequence[ChangeHint]:
        return []


class Clock:
    def __init__(self) -> None:
        self.now = T0 + timedelta(hours=1)

    def __call__(self) -> datetime:
        return self.now


async def test_a_first_sync_stores_everything_and_saves_its_start_as_cursor(store: Store) -> None:
    connector, clock = MemoryConnector(jobs=7), Clock()
    report = await sync_account(store, connector, clock=clock)
    assert store.count(Job) == 7
    assert connector.since_seen == [None]
    assert store.get_cursor("acme", "memory", "jobs") == clock.now
    assert store.count(Customer) == 1 and store.count(Location) == 1
    assert report.missing_references == 1  # L-missing is reported, not fatal


async def test_the_next_sync_reads_from_the_cursor_minus_the_overlap(store: Store) -> None:
    connector, clock = MemoryConnector(jobs=3), Clock()
    await sync_account(store, connector, clock=clock, overlap=timedelta(minutes=10))
    first_cursor = clock.now
    clock.now += timedelta(minutes=5)
    await sync_account(store, connector, clock=clock, overlap=timedelta(minutes=10))
    assert connector.since_seen[-1] == first_cursor - timedelta(minutes=10)
    assert store.count(Job) == 3


async def test_a_crash_mid_sync_loses_nothing_and_duplicates_nothing(store: Store) -> None:
    connector, clock = MemoryConnector(jobs=9), Clock()
    connector.crash_after_pages = 3
    with pytest.raises(CrashError):
        await sync_account(store, connector, clock=clock)
    assert 0 < store.count(Job) < 9
    assert store.get_cursor("acme", "memory", "jobs") is None  # not moved past uncommitted pages
    connector.crash_after_pages = None
    await sync_account(store, connector, clock=clock)
    assert store.count(Job) == 9
    assert sorted(j.external_id for j in store.list(Job)) == [f"J{i:03}" for i in range(9)]


async def test_a_full_sync_ignores_the_cursor(store: Store) -> None:
    connector, clock = MemoryConnector(jobs=2), Clock()
    await sync_account(store, connector, clock=clock)
    await sync_account(store, connector, clock=clock, full=True)
    assert connector.since_seen == [None, None]
