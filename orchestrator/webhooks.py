"""Processing of persisted webhook events: each is a hint to re-read a record from the platform.

The request handler only verifies, persists and acknowledges. Here the hints are replayed:
the named records are fetched again and upserted, so the store ends with the platform's latest
version whatever order the events arrived in (the upsert keeps the newer modification time).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import structlog

from connectors.errors import ConnectorError, NotFoundError, TransientError
from connectors.protocol import ChangeHint, Connector
from connectors.records import Appointment, Job, Record, Technician
from orchestrator.replan_triggers import replan_reason
from orchestrator.store import Store

if TYPE_CHECKING:
    from orchestrator.web.metrics import WebMetrics

__all__ = ["ChangeListener", "WebhookProcessor", "envelope", "open_envelope"]

log = structlog.get_logger(__name__)

_KEPT_HEADERS = ("content-type",)


def envelope(headers: Mapping[str, str], body: bytes) -> str:
    """What is persisted of a webhook: the raw body and the headers parsing may need.

    Signature headers are dropped: the body was verified before it was stored.
    """
    kept = {k: v for k, v in headers.items() if k in _KEPT_HEADERS or k.startswith("x-event")}
    return json.dumps({"headers": kept, "body": body.decode("utf-8", errors="replace")})


def open_envelope(stored: str) -> tuple[dict[str, str], bytes]:
    data = json.loads(stored)
    return dict(data["headers"]), data["body"].encode("utf-8")


ChangeListener = Callable[[str, str], object]
"""Told (account, reason) once per pass for each account whose day a change made out of date
(`replan_triggers.py`): the service re-plans it soon."""


class WebhookProcessor:
    """Drains pending webhook events; one instance per web app."""

    def __init__(
        self,
        store: Store,
        connectors: Mapping[tuple[str, str], Connector],
        *,
        metrics: WebMetrics | None = None,
        max_attempts: int = 5,
        on_change: ChangeListener | None = None,
    ) -> None:
        self._store = store
        self._connectors = connectors
        self._metrics = metrics
        self._max_attempts = max_attempts
        self.on_change = on_change
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run(self, idle_seconds: float = 30.0) -> None:
        """Process until stopped; wakes on new events, and polls in case a wake was missed."""
        while not self._stopping:
            await self.process_pending()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=idle_seconds)
            self._wake.clear()

    async def process_pending(self) -> int:
        """Process every pending event once; returns how many were processed successfully."""
        rows = await asyncio.to_thread(self._store.pending_webhooks)
        done = 0
        # One refresh per record however many events named it (debounce within a batch).
        refreshed: set[tuple[str, str, str, str]] = set()
        reasons: dict[str, list[str]] = {}
        for row in rows:
            assert row.id is not None
            connector = self._connectors.get((row.platform, row.account))
            if connector is None:
                await asyncio.to_thread(self._store.finish_webhook, row.id, error="no connector")
                continue
            try:
                headers, body = open_envelope(row.body)
                for hint in connector.parse_webhook(headers, body):
                    key = (hint.platform, hint.account, hint.resource, hint.external_id)
                    if key in refreshed:
                        continue
                    reason = await self._refresh(connector, hint)
                    refreshed.add(key)
                    if reason is not None:
                        reasons.setdefault(hint.account, []).append(reason)
            except TransientError as exc:
                # Leave it pending; it is retried on the next pass.
                log.warning("webhook refresh deferred", event_id=row.event_id, error=str(exc))
                self._count("deferred")
                continue
            except (ConnectorError, ValueError) as exc:
                await asyncio.to_thread(self._store.finish_webhook, row.id, error=str(exc)[:500])
                self._count("failed")
                continue
            await asyncio.to_thread(self._store.finish_webhook, row.id)
            self._count("processed")
            done += 1
        if self.on_change is not None:
            for account, why in reasons.items():
                more = f" (+{len(why) - 1} more)" if len(why) > 1 else ""
                self.on_change(account, why[0] + more)
        return done

    async def _refresh(self, connector: Connector, hint: ChangeHint) -> str | None:
        """Re-read the named record into the store; why the change calls for a re-plan, if
        it does."""
        record: Record
        if hint.resource == "job":
            try:
                record = await connector.fetch_job(hint.external_id)
            except NotFoundError:
                record = await self._tombstone(Job, hint)
        elif hint.resource == "appointment":
            try:
                record = await connector.fetch_appointment(hint.external_id)
            except NotFoundError:
                record = await self._tombstone(Appointment, hint)
        elif hint.resource == "customer":
            record = await connector.fetch_customer(hint.external_id)
        elif hint.resource == "location":
            record = await connector.fetch_location(hint.external_id)
        else:  # technicians: re-read the roster
            records: list[Record] = []
            async for page in connector.fetch_technicians():
                records.extend(page)
            stored = await asyncio.to_thread(
                self._store.list, Technician, account=hint.account, platform=hint.platform
            )
            roster = {t.external_id: t for t in stored}
            await asyncio.to_thread(self._store.upsert, records)
            changed = (replan_reason(roster.get(r.external_id), r) for r in records)
            return next((why for why in changed if why is not None), None)
        before = await asyncio.to_thread(self._store.get, type(record), record.key)
        await asyncio.to_thread(self._store.upsert, [record])
        return replan_reason(before, record)

    async def _tombstone(self, kind: type[Job] | type[Appointment], hint: ChangeHint) -> Record:
        """A record the platform no longer has is kept, marked deleted."""
        from connectors.records import RecordKey

        key = RecordKey(platform=hint.platform, account=hint.account, external_id=hint.external_id)
        current = await asyncio.to_thread(self._store.get, kind, key)
        if current is None:
            raise NotFoundError(
                f"{hint.resource} {hint.external_id} is unknown here and on the platform"
            )
        return current.model_copy(update={"deleted": True, "modified_at": hint.modified_at})

    def _count(self, outcome: str) -> None:
        if self._metrics is not None:
            self._metrics.webhooks_processed.labels(outcome=outcome).inc()
