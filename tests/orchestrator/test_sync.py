"""Sync is at-least-once and never moves a cursor past what was committed."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from connectors.records import Customer, Job, Location
from orchestrator.store import Store
from orchestrator.sync import sync_account
from tests.memory_platform import T0, CrashError, MemoryPlatform


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
