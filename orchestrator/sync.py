"""Incremental sync of one account: platform → canonical records → store.

Delivery is at-least-once. Each resource is read from its cursor minus an overlap window, records
are upserted by key (duplicates are harmless, older versions never win), and the cursor is saved
in the same transaction as the last page it covers. The saved cursor is the moment this sync
*started* reading, never the newest modification time seen, so a record written while the sync
ran is read again next time instead of being skipped.

Each page is compared with what the store held before it (`replan_triggers.py`), so a platform
without webhooks still reports the changes its day's plan cannot stand: a new ticket, a visit
reached or canceled. Records re-read unchanged from the overlap window report nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import structlog
from sqlmodel import Session

from connectors.errors import NotFoundError, TransientError
from connectors.protocol import Connector
from connectors.records import (
    Appointment,
    Customer,
    Job,
    Location,
    Record,
    RecordKey,
    Technician,
)
from orchestrator.log import bind_correlation
from orchestrator.replan_triggers import replan_reason
from orchestrator.store import Store

__all__ = ["ResourceReport", "SyncReport", "sync_account"]

log = structlog.get_logger(__name__)

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class ResourceReport:
    resource: str
    fetched: int = 0
    written: int = 0
    stale: int = 0
    since: datetime | None = None
    changes: dict[str, None] = field(default_factory=dict)
    """Why records read here call for a re-plan (`replan_reason`), each reason once, in reading
    order (a dict: a first sync of 10,000 tickets must not compare each with every other)."""


@dataclass(slots=True)
class SyncReport:
    account: str
    platform: str
    correlation_id: str
    resources: list[ResourceReport] = field(default_factory=list)
    missing_references: int = 0

    @property
    def fetched(self) -> int:
        return sum(r.fetched for r in self.resources)

    @property
    def changes(self) -> list[str]:
        """Every change read that the account's current plan cannot stand, in reading order."""
        return [why for r in self.resources for why in r.changes]


async def sync_account(
    store: Store,
    connector: Connector,
    *,
    full: bool = False,
    overlap: timedelta = timedelta(minutes=10),
    clock: Clock = _utcnow,
) -> SyncReport:
    """Bring the store up to date with one account; safe to interrupt and to repeat."""
    with bind_correlation("sync", account=connector.account, platform=connector.platform) as cid:
        report = SyncReport(
            account=connector.account, platform=connector.platform, correlation_id=cid
        )
        # Technicians are few and have no reliable modified-since filter everywhere: read all.
        report.resources.append(
            await _pull(
                store,
                connector,
                "technicians",
                lambda _since: connector.fetch_technicians(),
                full=True,
                overlap=overlap,
                clock=clock,
            )
        )
        # Platforms that list customers and locations by modification time are read that way
        # (pages), so only references still missing afterwards are fetched one by one.
        for resource in ("customers", "locations"):
            lister = getattr(connector, f"fetch_{resource}", None)
            if lister is not None:
                report.resources.append(
                    await _pull(
                        store, connector, resource, lister, full=full, overlap=overlap, clock=clock
                    )
                )
        jobs = await _pull(
            store, connector, "jobs", connector.fetch_jobs, full=full, overlap=overlap, clock=clock
        )
        report.resources.append(jobs)
        report.resources.append(
            await _pull(
                store,
                connector,
                "appointments",
                connector.fetch_appointments,
                full=full,
                overlap=overlap,
                clock=clock,
            )
        )
        report.resources.append(
            await _pull(
                store,
                connector,
                "status_events",
                connector.fetch_status_events,
                full=full,
                overlap=overlap,
                clock=clock,
            )
        )
        report.missing_references = await _fetch_references(store, connector)
        await asyncio.to_thread(_record_unmapped, store, connector)
        log.info(
            "sync finished",
            fetched=report.fetched,
            written=sum(r.written for r in report.resources),
        )
        return report


async def _pull(
    store: Store,
    connector: Connector,
    resource: str,
    fetch: Callable[[datetime | None], AsyncIterator[Sequence[Record]]],
    *,
    full: bool,
    overlap: timedelta,
    clock: Clock,
) -> ResourceReport:
    started = clock()
    cursor = None if full else store.get_cursor(connector.account, connector.platform, resource)
    since = cursor - overlap if cursor is not None else None
    report = ResourceReport(resource=resource, since=since)
    pages = fetch(since)
    pending: Sequence[Record] | None = None
    async for page in pages:
        # Commit each page as it arrives, but hold the last one back so the cursor can be saved
        # in the same transaction: a crash before then leaves the old cursor, and we re-read.
        if pending is not None:
            await asyncio.to_thread(_commit, store, pending, report)
        pending = page
    await asyncio.to_thread(_commit, store, pending or (), report, connector, resource, started)
    log.info("resource synced", resource=resource, fetched=report.fetched, written=report.written)
    return report


def _commit(
    store: Store,
    page: Sequence[Record],
    report: ResourceReport,
    connector: Connector | None = None,
    resource: str | None = None,
    cursor: datetime | None = None,
) -> None:
    with store.transaction() as session:
        before = _stored_versions(store, page, session)
        result = store.upsert(page, session=session)
        if connector is not None and resource is not None and cursor is not None:
            store.save_cursor(
                connector.account, connector.platform, resource, cursor, session=session
            )
    report.fetched += len(page)
    report.written += result.written
    report.stale += result.stale
    for record in page:
        if isinstance(record, _WATCHED):
            why = replan_reason(before.get(record.key), record)
            if why is not None:
                report.changes[why] = None


_WATCHED = (Job, Appointment, Technician)
"""The records whose changes may call for a re-plan; customers and locations never do."""


def _stored_versions(
    store: Store, page: Sequence[Record], session: Session
) -> dict[RecordKey, Record]:
    """What the store holds of the page's watched records, read before the page is written."""
    found: dict[RecordKey, Record] = {}
    for kind in _WATCHED:
        keys = [r.key for r in page if isinstance(r, kind)]
        if keys:
            found.update(store.get_many(kind, keys, session=session))
    return found


async def _fetch_references(store: Store, connector: Connector) -> int:
    """Read the customers and locations that synced jobs point at and the store lacks."""
    jobs = await asyncio.to_thread(
        store.list, Job, account=connector.account, platform=connector.platform
    )
    known_customers = {
        c.external_id
        for c in await asyncio.to_thread(
            store.list, Customer, account=connector.account, platform=connector.platform
        )
    }
    known_locations = {
        loc.external_id
        for loc in await asyncio.to_thread(
            store.list, Location, account=connector.account, platform=connector.platform
        )
    }
    wanted_customers = {j.customer_id for j in jobs if j.customer_id} - known_customers
    wanted_locations = {j.location_id for j in jobs if j.location_id} - known_locations
    fetched: list[Record] = []
    missing = 0
    for customer_id in sorted(wanted_customers):
        try:
            fetched.append(await connector.fetch_customer(customer_id))
        except NotFoundError:
            missing += 1
            log.warning("referenced customer not found", customer_id=customer_id)
        except TransientError:
            missing += 1  # read again on the next sync
    for location_id in sorted(wanted_locations):
        try:
            fetched.append(await connector.fetch_location(location_id))
        except NotFoundError:
            missing += 1
            log.warning("referenced location not found", location_id=location_id)
        except TransientError:
            missing += 1
    if fetched:
        await asyncio.to_thread(store.upsert, fetched)
    return missing


def _record_unmapped(store: Store, connector: Connector) -> None:
    """Persist the vendor values the adapter could not map, for `fsm-dispatch mappings check`.

    Adapters count them as they map records; the counts are moved to the store and reset here.
    """
    seen = getattr(connector, "unmapped", None)
    if not seen:
        return
    store.record_unmapped(
        connector.account,
        connector.platform,
        {(str(item.table), str(item.value)): int(count) for item, count in seen.items()},
    )
    seen.clear()
