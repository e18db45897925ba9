"""Write-back: each decision reaches the FSM once, never over a change made there meanwhile."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connectors.records import Appointment, RecordKey, TimeWindow
from orchestrator.store import Store
from orchestrator.writeback import drain_writebacks, queue_assignment, queue_window
from tests.memory_platform import KEY, T0, MemoryPlatform

WINDOW = TimeWindow(start=T0, end=T0 + timedelta(hours=2))


@pytest.fixture
def platform(store: Store) -> MemoryPlatform:
    """One appointment on the platform, and the same version read into the store."""
    platform = MemoryPlatform()
    appointment = Appointment(**KEY, external_id="A1", job_id="J1", window=WINDOW, modified_at=T0)
    platform.appointments["A1"] = appointment
    store.upsert([appointment])
    return platform


def _connectors(platform: MemoryPlatform) -> dict[tuple[str, str], MemoryPlatform]:
    return {("memory", "acme"): platform}


def _queue(store: Store, techs: list[str], plan_id: int = 1) -> bool:
    return queue_assignment(
        store,
        account="acme",
        platform="memory",
        appointment_id="A1",
        technician_ids=techs,
        plan_id=plan_id,
        reason="morning plan",
    )


async def test_an_assignment_is_written_stored_and_audited(
    store: Store, platform: MemoryPlatform
) -> None:
    assert _queue(store, ["T2"])
    [outcome] = await drain_writebacks(store, _connectors(platform))  # type: ignore[arg-type]
    assert outcome.status == "written"
    assert platform.appointments["A1"].technician_ids == ("T2",)
    stored = store.get(Appointment, RecordKey(**KEY, external_id="A1"))
    assert stored is not None and stored.technician_ids == ("T2",)
    [audit] = store.audit_log("appointment:acme:A1")
    assert audit.action == "writeback.assign" and audit.after["technician_ids"] == ["T2"]  # type: ignore[index]


async def test_the_same_decision_queued_twice_is_written_once(
    store: Store, platform: MemoryPlatform
) -> None:
    assert _queue(store, ["T2"])
    assert not _queue(store, ["T2"])
    await drain_writebacks(store, _connectors(platform))  # type: ignore[arg-type]
    await drain_writebacks(store, _connectors(platform))  # type: ignore[arg-type]
    assert platform.writes == 1


async def test_a_change_made_in_the_fsm_meanwhile_is_not_overwritten(
    store: Store, platform: MemoryPlatform
) -> None:
    moved = platform.appointments["A1"].model_copy(
        update={"technician_ids": ("T9",), "modified_at": T0 + timedelta(minutes=3)}
    )
    platform.appointments["A1"] = moved  # a dispatcher reassigned it on the board
    _queue(store, ["T2"])
    [outcome] = await drain_writebacks(store, _connectors(platform))  # type: ignore[arg-type]
    assert outcome.status == "conflict"
    assert platform.appointments["A1"].technician_ids == ("T9",)
    stored = store.get(Appointment, RecordKey(**KEY, external_id="A1"))
    assert stored == moved  # the store now knows, so re-planning sees the FSM's truth
    [audit] = store.audit_log("appointment:acme:A1")
    assert audit.action == "writeback.conflict"
    assert [row.status for row in store.outbox()] == ["failed"]


async def test_a_timeout_after_the_write_landed_is_verified_not_repeated(
    store: Store, platform: MemoryPlatform
) -> None:
    platform.fail_next_write_after_applying = True
    _queue(store, ["T2"])
    [outcome] = await drain_writebacks(store, _connectors(platform))  # type: ignore[arg-type]
    assert outcome.status == "written"
    assert platform.writes == 1
    assert [row.status for row in store.outbox()] == ["sent"]


async def test_a_window_change_is_written(store: Store, platform: MemoryPlatform) -> None:
    later = TimeWindow(start=T0 + timedelta(hours=2), end=T0 + timedelta(hours=4))
    queue_window(
        store,
        account="acme",
        platform="memory",
        appointment_id="A1",
        window=later,
        arrival_window=later,
        plan_id=1,
        reason="overrun cascade",
    )
    [outcome] = await drain_writebacks(store, _connectors(platform))  # type: ignore[arg-type]
    assert outcome.status == "written"
    assert platform.appointments["A1"].window == later


async def test_an_unknown_account_is_dead_lettered_with_a_reason(
    store: Store, platform: MemoryPlatform
) -> None:
    _queue(store, ["T2"])
    [outcome] = await drain_writebacks(store, {})
    assert outcome.status == "failed"
    [row] = store.outbox()
    assert row.status == "dead" and row.last_error == "no connector for this account"


def test_the_promise_a_queued_window_write_carries_is_read_back_latest_first(
    store: Store,
) -> None:
    """Before the platform shows a promise, the plan reads it from the outbox: the latest
    write for each visit asked about, of this account and platform only."""

    def window(hours: int) -> TimeWindow:
        return TimeWindow(start=T0 + timedelta(hours=hours), end=T0 + timedelta(hours=hours + 2))

    def queue(appointment: str, plan: int, promise: TimeWindow | None, **where: str) -> None:
        queue_window(
            store, account=where.get("account", "front_range"),
            platform=where.get("platform", "memory"), appointment_id=appointment,
            window=window(plan), arrival_window=promise, plan_id=plan, reason="plan",
            available_at=T0,
        )  # fmt: skip

    queue("A1", 1, window(1))
    queue("A1", 2, window(2))  # a later plan's write: the one that counts
    queue("A2", 1, None)  # a write without a promise promises nothing
    queue("A3", 1, window(3), account="frontXrange")  # another account, a look-alike id
    queue("A3", 2, window(4), platform="servicetitan")
    queue_assignment(store, account="front_range", platform="memory", appointment_id="A4",
                     technician_ids=["T1"], plan_id=1, reason="plan", available_at=T0)  # fmt: skip
    found = store.queued_promises(
        "front_range", "memory", ["A1", "A2", "A3", "A4"], since=T0 - timedelta(hours=1)
    )
    assert found == {"A1": window(2)}
    assert store.queued_promises("front_range", "memory", ["A1"], since=T0 + timedelta(1)) == {}
    assert store.queued_promises("front_range", "memory", [], since=T0) == {}
