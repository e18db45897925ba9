"""Sync is at-least-once and never moves a cursor past what was committed."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from connectors.records import Appointment, Customer, Job, Lifecycle, Location, TimeWindow
from orchestrator.store import Store
from orchestrator.sync import sync_account
from tests.memory_platform import KEY, T0, CrashError, MemoryPlatform


class Clock:
    def __init__(self) -> None:
        self.now = T0 + timedelta(hours=1)

    def __call__(self) -> datetime:
        return self.now


async def test_a_first_sync_stores_everything_and_saves_its_start_as_cursor(store: Store) -> None:
    connector, clock = MemoryPlatform(jobs=7), Clock()
    report = await sync_account(store, connector, clock=clock)
    assert store.count(Job) == 7
    assert connector.since_seen == [None]
    assert store.get_cursor("acme", "memory", "jobs") == clock.now
    assert store.count(Customer) == 1 and store.count(Location) == 1
    assert report.missing_references == 1  # L-missing is reported, not fatal


async def test_the_next_sync_reads_from_the_cursor_minus_the_overlap(store: Store) -> None:
    connector, clock = MemoryPlatform(jobs=3), Clock()
    await sync_account(store, connector, clock=clock, overlap=timedelta(minutes=10))
    first_cursor = clock.now
    clock.now += timedelta(minutes=5)
    await sync_account(store, connector, clock=clock, overlap=timedelta(minutes=10))
    assert connector.since_seen[-1] == first_cursor - timedelta(minutes=10)
    assert store.count(Job) == 3


async def test_a_crash_mid_sync_loses_nothing_and_duplicates_nothing(store: Store) -> None:
    connector, clock = MemoryPlatform(jobs=9), Clock()
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
    connector, clock = MemoryPlatform(jobs=2), Clock()
    await sync_account(store, connector, clock=clock)
    await sync_account(store, connector, clock=clock, full=True)
    assert connector.since_seen == [None, None]


async def test_a_sync_reports_the_changes_a_plan_cannot_stand_and_not_re_reads(
    store: Store,
) -> None:
    """A platform without webhooks tells its news only through sync: a new ticket, a visit
    reached, a cancellation. Records re-read unchanged from the overlap window, and a plan's own
    writes read back, are not news."""
    connector, clock = MemoryPlatform(jobs=3), Clock()
    first = await sync_account(store, connector, clock=clock)
    assert first.changes == [
        "technician T1 added", "new ticket J000", "new ticket J001", "new ticket J002"
    ]  # fmt: skip

    clock.now += timedelta(minutes=5)
    again = await sync_account(store, connector, clock=clock, overlap=timedelta(hours=2))
    assert [r.fetched for r in again.resources if r.resource == "jobs"] == [3]  # all re-read
    assert again.changes == []

    stamp = clock.now
    connector.jobs["J003"] = Job(**KEY, external_id="J003", modified_at=stamp)
    connector.jobs["J001"] = connector.jobs["J001"].model_copy(
        update={"status": Lifecycle.CANCELED, "modified_at": stamp}
    )
    window = TimeWindow(start=T0 + timedelta(hours=20), end=T0 + timedelta(hours=22))
    connector.appointments["A1"] = Appointment(
        **KEY, external_id="A1", job_id="J000", window=window, modified_at=stamp
    )
    clock.now += timedelta(minutes=5)
    news = await sync_account(store, connector, clock=clock)
    assert news.changes == ["job J001 canceled", "new ticket J003", "new visit A1"]

    # The plan assigns the visit; the next sync reads its own write back: no news.
    connector.appointments["A1"] = connector.appointments["A1"].model_copy(
        update={"technician_ids": ("T1",), "status": Lifecycle.DISPATCHED,
                "modified_at": stamp + timedelta(minutes=1)}
    )  # fmt: skip
    clock.now += timedelta(minutes=5)
    assert (await sync_account(store, connector, clock=clock)).changes == []

    connector.appointments["A1"] = connector.appointments["A1"].model_copy(
        update={"status": Lifecycle.ON_SITE, "modified_at": stamp + timedelta(minutes=2)}
    )
    clock.now += timedelta(minutes=5)
    assert (await sync_account(store, connector, clock=clock)).changes == ["visit A1 on_site"]
