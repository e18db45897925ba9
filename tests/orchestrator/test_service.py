"""The service's periodic jobs: one failure logged once, recovery noticed, stable schedule."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from connectors.errors import AuthError, ServerError
from connectors.records import Appointment, Job
from orchestrator.service import DispatchService
from orchestrator.settings import load_settings
from orchestrator.store import Store
from orchestrator.writeback import queue_assignment
from tests.memory_platform import KEY, T0, MemoryPlatform


def _settings(tmp_path: Path):  # type: ignore[no-untyped-def]
    path = tmp_path / "config.yaml"
    path.write_text(
        "accounts:\n  - id: acme\n    platform: sandbox\n    sync: {interval_minutes: 2}\n"
    )
    return load_settings(path)


class Clock:
    def __init__(self) -> None:
        self.now = T0 + timedelta(hours=1)

    def __call__(self):  # type: ignore[no-untyped-def]
        return self.now


async def test_a_failing_account_is_marked_and_recovers(store: Store, tmp_path: Path) -> None:
    platform = MemoryPlatform(jobs=3)
    service = DispatchService(
        _settings(tmp_path), store, {("memory", "acme"): platform}, clock=Clock()
    )

    original = platform.fetch_jobs

    def failing(_since):  # type: ignore[no-untyped-def]
        raise ServerError("upstream 503", 503)

    platform.fetch_jobs = failing  # type: ignore[method-assign]
    await service.sync_once(platform)
    assert not service.health["acme"].ok and "503" in (service.health["acme"].last_error or "")
    platform.fetch_jobs = original  # type: ignore[method-assign]
    await service.sync_once(platform)
    assert service.health["acme"].ok and store.count(Job) == 3


async def test_revoked_credentials_ask_for_re_authentication(store: Store, tmp_path: Path) -> None:
    platform = MemoryPlatform()

    def refused(_since):  # type: ignore[no-untyped-def]
        raise AuthError("invalid_client")

    platform.fetch_jobs = refused  # type: ignore[method-assign]
    service = DispatchService(
        _settings(tmp_path), store, {("memory", "acme"): platform}, clock=Clock()
    )
    await service.sync_once(platform)
    assert service.health["acme"].needs_reauth


async def test_delivery_writes_back_queued_assignments(store: Store, tmp_path: Path) -> None:
    platform = MemoryPlatform()
    appointment = Appointment(**KEY, external_id="A1", job_id="J1", modified_at=T0)
    platform.appointments["A1"] = appointment
    store.upsert([appointment])
    queue_assignment(
        store,
        account="acme",
        platform="memory",
        appointment_id="A1",
        technician_ids=["T1"],
        plan_id=1,
        reason="plan",
    )
    clock = Clock()
    clock.now = T0 + timedelta(days=400)  # well after the message became due
    service = DispatchService(
        _settings(tmp_path), store, {("memory", "acme"): platform}, clock=clock
    )
    await service.deliver_once()
    assert platform.appointments["A1"].technician_ids == ("T1",)


def test_each_account_gets_one_sync_job_at_its_interval(store: Store, tmp_path: Path) -> None:
    scheduler = AsyncIOScheduler()
    service = DispatchService(_settings(tmp_path), store, {("memory", "acme"): MemoryPlatform()})
    service.schedule(scheduler)
    service.schedule(scheduler)  # idempotent: stable ids replace, never duplicate
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"sync:acme", "deliver", "housekeeping"}
    assert jobs["sync:acme"].trigger.interval == timedelta(minutes=2)
    assert jobs["sync:acme"].max_instances == 1
