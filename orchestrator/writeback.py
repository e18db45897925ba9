"""Write-back of assignments and window changes to the FSM, through the outbox.

A plan's decisions are queued in the outbox inside the transaction that stores the plan, each
with an idempotency key, so a crash neither loses nor repeats them. The worker then writes each
one against our last read of the appointment: if the FSM changed it since, the platform refuses
(WriteConflictError), nothing is overwritten, and the conflict is recorded for re-planning. A
write whose outcome is unknown (timeout after sending) is verified by re-reading, never blindly
repeated.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import structlog
from sqlmodel import Session

from connectors.errors import (
    ConnectorError,
    NotFoundError,
    TransientError,
    UnknownWriteOutcomeError,
    WriteConflictError,
)
from connectors.protocol import Connector, WriteResult
from connectors.records import Appointment, RecordKey, TimeWindow
from orchestrator.store import Store

__all__ = [
    "WritebackOutcome",
    "drain_writebacks",
    "queue_assignment",
    "queue_window",
]

log = structlog.get_logger(__name__)

CHANNEL = "writeback"
ACTOR = "fsm-dispatch"
Status = Literal["written", "unchanged", "conflict", "retry", "failed"]


@dataclass(frozen=True, slots=True)
class WritebackOutcome:
    idempotency_key: str
    appointment_id: str
    status: Status
    detail: str | None = None


def queue_assignment(
    store: Store,
    *,
    account: str,
    platform: str,
    appointment_id: str,
    technician_ids: Sequence[str],
    plan_id: int | None,
    reason: str,
    available_at: datetime | None = None,
    session: Session | None = None,
) -> bool:
    """Queue 'make these the technicians of this appointment'; False if already queued.

    `available_at` is when the decision was made on the caller's clock (default: now), so a
    service or simulation with its own clock delivers it when that clock says so."""
    techs = sorted(technician_ids)
    key = f"assign:{platform}:{account}:{appointment_id}:{plan_id}:{','.join(techs)}"
    return store.enqueue(
        idempotency_key=key,
        channel=CHANNEL,
        account=account,
        payload={
            "kind": "assign",
            "platform": platform,
            "appointment_id": appointment_id,
            "technician_ids": techs,
            "plan_id": plan_id,
            "reason": reason,
        },
        available_at=available_at,
        session=session,
    )


def queue_window(
    store: Store,
    *,
    account: str,
    platform: str,
    appointment_id: str,
    window: TimeWindow,
    arrival_window: TimeWindow | None,
    plan_id: int | None,
    reason: str,
    available_at: datetime | None = None,
    session: Session | None = None,
) -> bool:
    key = (
        f"window:{platform}:{account}:{appointment_id}:{plan_id}:"
        f"{window.start.isoformat()}/{window.end.isoformat()}"
    )
    return store.enqueue(
        idempotency_key=key,
        channel=CHANNEL,
        account=account,
        payload={
            "kind": "window",
            "platform": platform,
            "appointment_id": appointment_id,
            "window": window.model_dump(mode="json"),
            "arrival_window": arrival_window.model_dump(mode="json") if arrival_window else None,
            "plan_id": plan_id,
            "reason": reason,
        },
        available_at=available_at,
        session=session,
    )


async def drain_writebacks(
    store: Store,
    connectors: dict[tuple[str, str], Connector],
    *,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    max_attempts: int = 5,
    limit: int = 100,
) -> list[WritebackOutcome]:
    """Deliver due write-backs once; returns what happened to each."""
    rows = await asyncio.to_thread(store.claim_outbox, now(), limit=limit, channel=CHANNEL)
    outcomes = []
    for row in rows:
        assert row.id is not None
        payload = row.payload
        connector = connectors.get((payload["platform"], row.account or ""))
        if connector is None:
            outcome = WritebackOutcome(
                row.idempotency_key,
                payload["appointment_id"],
                "failed",
                "no connector for this account",
            )
        else:
            outcome = await _deliver(store, connector, row.idempotency_key, payload)
        outcomes.append(outcome)
        await asyncio.to_thread(_finish, store, row.id, row.attempts, outcome, now(), max_attempts)
    return outcomes


def _finish(
    store: Store,
    row_id: int,
    attempts: int,
    outcome: WritebackOutcome,
    now: datetime,
    max_attempts: int,
) -> None:
    if outcome.status in ("written", "unchanged"):
        store.finish_outbox(row_id, status="sent")
    elif outcome.status == "retry" and attempts < max_attempts:
        backoff = timedelta(seconds=min(300, 5 * 2 ** (attempts - 1)))
        store.finish_outbox(row_id, status="pending", error=outcome.detail, retry_at=now + backoff)
    elif outcome.status == "conflict":
        # Not an error of delivery: the decision is void and re-planning takes over.
        store.finish_outbox(row_id, status="failed", error=outcome.detail)
    else:
        store.finish_outbox(row_id, status="dead", error=outcome.detail)


async def _deliver(
    store: Store, connector: Connector, key: str, payload: dict[str, Any]
) -> WritebackOutcome:
    appointment_id = payload["appointment_id"]
    record_key = RecordKey(
        platform=connector.platform, account=connector.account, external_id=appointment_id
    )
    expected = await asyncio.to_thread(store.get, Appointment, record_key)
    if expected is None:
        try:
            expected = await connector.fetch_appointment(appointment_id)
        except NotFoundError:
            return WritebackOutcome(key, appointment_id, "failed", "appointment not found")
        except TransientError as exc:
            return WritebackOutcome(key, appointment_id, "retry", str(exc))
    if _already_applied(expected, payload):
        return WritebackOutcome(key, appointment_id, "unchanged")
    try:
        result = await _write(connector, payload, expected)
    except WriteConflictError as exc:
        await _record_conflict(store, connector, expected, payload, str(exc))
        return WritebackOutcome(key, appointment_id, "conflict", str(exc))
    except (TransientError, UnknownWriteOutcomeError) as exc:
        # The request may have landed: look before writing again.
        try:
            current = await connector.fetch_appointment(appointment_id)
        except ConnectorError:
            return WritebackOutcome(key, appointment_id, "retry", f"unverified after: {exc}")
        if _already_applied(current, payload):
            result = WriteResult(appointment=current, changed=True)
        else:
            await asyncio.to_thread(store.upsert, [current])
            return WritebackOutcome(key, appointment_id, "retry", str(exc))
    except ConnectorError as exc:
        return WritebackOutcome(key, appointment_id, "failed", str(exc))
    await asyncio.to_thread(_store_result, store, expected, result, payload)
    return WritebackOutcome(key, appointment_id, "written" if result.changed else "unchanged")


async def _write(
    connector: Connector, payload: dict[str, Any], expected: Appointment
) -> WriteResult:
    if payload["kind"] == "assign":
        return await connector.write_assignment(
            payload["appointment_id"], payload["technician_ids"], expected=expected
        )
    arrival = payload.get("arrival_window")
    return await connector.write_window(
        payload["appointment_id"],
        TimeWindow.model_validate(payload["window"]),
        TimeWindow.model_validate(arrival) if arrival else None,
        expected=expected,
    )


def _already_applied(appointment: Appointment, payload: dict[str, Any]) -> bool:
    if payload["kind"] == "assign":
        return sorted(appointment.technician_ids) == list(payload["technician_ids"])
    return appointment.window == TimeWindow.model_validate(payload["window"])


def _store_result(
    store: Store, before: Appointment, result: WriteResult, payload: dict[str, Any]
) -> None:
    with store.transaction() as session:
        store.upsert([result.appointment], session=session)
        store.audit(
            actor=ACTOR,
            action=f"writeback.{payload['kind']}",
            subject=f"appointment:{before.account}:{before.external_id}",
            before=_audit_view(before),
            after=_audit_view(result.appointment),
            reason=payload.get("reason"),
            session=session,
        )


async def _record_conflict(
    store: Store, connector: Connector, expected: Appointment, payload: dict[str, Any], detail: str
) -> None:
    try:
        current: Appointment | None = await connector.fetch_appointment(expected.external_id)
    except ConnectorError:
        current = None

    def save() -> None:
        with store.transaction() as session:
            if current is not None:
                store.upsert([current], session=session)
            store.audit(
                actor=ACTOR,
                action="writeback.conflict",
                subject=f"appointment:{expected.account}:{expected.external_id}",
                before=_audit_view(expected),
                after=_audit_view(current) if current else None,
                reason=f"{payload['kind']} not written: {detail}",
                session=session,
            )

    await asyncio.to_thread(save)
    log.warning("write-back conflict", appointment_id=expected.external_id, kind=payload["kind"])


def _audit_view(appointment: Appointment) -> dict[str, Any]:
    return {
        "technician_ids": list(appointment.technician_ids),
        "window": appointment.window.model_dump(mode="json") if appointment.window else None,
        "status": appointment.status.value,
        "modified_at": appointment.modified_at.isoformat() if appointment.modified_at else None,
    }
