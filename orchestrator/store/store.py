"""The store: idempotent upserts of canonical records, cursors, audit log, outbox, plans.

Methods are synchronous (SQLModel sessions); async callers run them with `asyncio.to_thread`.
Every write method commits its own transaction unless a session is passed in, so a caller that
must make several writes atomic (records + cursor, decision + outbox message) opens one with
`store.transaction()` and passes it along.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Engine, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel, col

from connectors.records import (
    Appointment,
    Classification,
    Customer,
    GpsPing,
    Job,
    Location,
    Record,
    RecordKey,
    StatusEvent,
    Technician,
    TimeWindow,
)
from orchestrator.store.tables import (
    AppointmentRow,
    ApprovalRow,
    AssignmentRow,
    AuditRow,
    ClassificationRow,
    CustomerRow,
    GpsPingRow,
    JobRow,
    LocationRow,
    OutboxRow,
    PlanRow,
    StatusEventRow,
    SyncCursorRow,
    TechnicianRow,
    UnmappedValueRow,
    WebhookEventRow,
    utcnow,
)

__all__ = ["PlannedAssignment", "Store", "UpsertResult"]

R = TypeVar("R", bound=Record)

_ROW_OF: dict[type[Record], type[SQLModel]] = {
    Technician: TechnicianRow,
    Customer: CustomerRow,
    Location: LocationRow,
    Job: JobRow,
    Appointment: AppointmentRow,
    StatusEvent: StatusEventRow,
    GpsPing: GpsPingRow,
}


_FIRST_ONLY = frozenset({"promised_start", "promised_end"})
"""Columns an update never overwrites once set."""


def _columns(record: Record) -> dict[str, Any]:
    """The indexed columns of one record, beside its JSON."""
    if isinstance(record, Technician):
        return {"active": record.active}
    if isinstance(record, Job):
        urgency = record.urgency or (
            record.classification.urgency if record.classification else None
        )
        return {
            "status": record.status.value,
            "job_type": record.job_type,
            "urgency": urgency.value if urgency else None,
            "customer_id": record.customer_id,
            "deleted": record.deleted,
        }
    if isinstance(record, Appointment):
        return {
            "job_id": record.job_id,
            "status": record.status.value,
            "window_start": record.window.start if record.window else None,
            "window_end": record.window.end if record.window else None,
            "promised_start": promise.start if (promise := record.arrival_window) else None,
            "promised_end": promise.end if promise else None,
            "deleted": record.deleted,
        }
    if isinstance(record, StatusEvent):
        return {
            "subject": record.subject,
            "subject_id": record.subject_id,
            "status": record.status.value,
            "occurred_at": record.occurred_at,
        }
    if isinstance(record, GpsPing):
        return {"technician_id": record.technician_id, "recorded_at": record.recorded_at}
    return {}


@dataclass(frozen=True, slots=True)
class UpsertResult:
    written: int
    """Rows inserted or updated."""
    stale: int
    """Records not applied because the store already had a newer version."""


@dataclass(frozen=True, slots=True)
class PlannedAssignment:
    job_external_id: str
    technician_external_id: str
    sequence: int
    planned_start: datetime
    planned_end: datetime
    appointment_external_id: str | None = None


class Store:
    """All persistence of fsm-dispatch, over one SQLAlchemy engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def _session(self, session: Session | None) -> Iterator[Session]:
        if session is not None:
            yield session
        else:
            with self.transaction() as own:
                yield own

    # --- canonical records -------------------------------------------------------------------

    def upsert(self, records: Iterable[Record], *, session: Session | None = None) -> UpsertResult:
        """Insert or update records by key; never replace a newer version with an older one.

        Idempotent: applying the same records twice leaves the store as after the first time.
        Records without a modification time always replace what is stored.
        """
        by_kind: dict[type[Record], dict[RecordKey, Record]] = {}
        for record in records:
            batch = by_kind.setdefault(type(record), {})
            current = batch.get(record.key)
            # Within one batch keep the newest version of a key: a statement may touch a row once.
            if current is None or _newer_or_equal(record.modified_at, current.modified_at):
                batch[record.key] = record
        written = stale = 0
        with self._session(session) as s:
            for kind, batch in by_kind.items():
                w, st = self._upsert_kind(s, kind, list(batch.values()))
                written += w
                stale += st
        return UpsertResult(written=written, stale=stale)

    def _upsert_kind(
        self, session: Session, kind: type[Record], records: list[Record]
    ) -> tuple[int, int]:
        row = _ROW_OF.get(kind)
        if row is None:
            raise TypeError(f"{kind.__name__} is not a storable record")
        table = row.__table__  # type: ignore[attr-defined]
        now = utcnow()
        values = [
            {
                "account": r.account,
                "platform": r.platform,
                "external_id": r.external_id,
                "modified_at": r.modified_at,
                "synced_at": now,
                "data": r.model_dump(mode="json"),
                **_columns(r),
            }
            for r in records
        ]
        insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        written = 0
        for chunk_start in range(0, len(values), 500):
            chunk = values[chunk_start : chunk_start + 500]
            stmt = insert(table).values(chunk)
            updated = {
                # The first promise stays: a later version only fills it in.
                c: func.coalesce(table.c[c], stmt.excluded[c])
                if c in _FIRST_ONLY
                else stmt.excluded[c]
                for c in chunk[0]
                if c not in ("account", "platform", "external_id")
            }
            stmt = stmt.on_conflict_do_update(
                index_elements=["account", "platform", "external_id"],
                set_=updated,
                where=or_(
                    table.c.modified_at.is_(None),
                    stmt.excluded.modified_at.is_(None),
                    stmt.excluded.modified_at >= table.c.modified_at,
                ),
            )
            # RETURNING counts rows touched on both backends (rowcount is unreliable for
            # multi-row upserts on PostgreSQL drivers).
            written += len(session.execute(stmt.returning(table.c.id)).all())
        return written, len(values) - written

    def get(self, kind: type[R], key: RecordKey, *, session: Session | None = None) -> R | None:
        row = _ROW_OF[kind]
        with self._session(session) as s:
            found = s.execute(
                select(row.data).where(  # type: ignore[attr-defined]
                    row.account == key.account,  # type: ignore[attr-defined]
                    row.platform == key.platform,  # type: ignore[attr-defined]
                    row.external_id == key.external_id,  # type: ignore[attr-defined]
                )
            ).scalar_one_or_none()
        return None if found is None else kind.model_validate(found)

    def get_many(
        self,
        kind: type[R],
        keys: Iterable[RecordKey],
        *,
        session: Session | None = None,
    ) -> dict[RecordKey, R]:
        """The stored versions of `keys` that exist, by key; one query per account, platform
        and 500 ids."""
        row: Any = _ROW_OF[kind]
        wanted: dict[tuple[str, str], set[str]] = {}
        for key in keys:
            wanted.setdefault((key.account, key.platform), set()).add(key.external_id)
        found: dict[RecordKey, R] = {}
        with self._session(session) as s:
            for (account, platform), ids in wanted.items():
                ordered = sorted(ids)
                for start in range(0, len(ordered), 500):
                    query = select(row.data).where(
                        row.account == account,
                        row.platform == platform,
                        row.external_id.in_(ordered[start : start + 500]),
                    )
                    for data in s.execute(query).scalars():
                        record = kind.model_validate(data)
                        found[record.key] = record
        return found

    def list(  # noqa: A003 - reads naturally as store.list(Job)
        self,
        kind: type[R],
        *,
        account: str | None = None,
        platform: str | None = None,
        session: Session | None = None,
    ) -> builtins.list[R]:
        row: Any = _ROW_OF[kind]
        query = select(row.data).order_by(row.id)
        if account is not None:
            query = query.where(row.account == account)
        if platform is not None:
            query = query.where(row.platform == platform)
        with self._session(session) as s:
            return [kind.model_validate(data) for data in s.execute(query).scalars()]

    def status_events(
        self, account: str, platform: str, *, since: datetime, until: datetime
    ) -> builtins.list[StatusEvent]:
        """Status events that occurred in [since, until), oldest first (by the time index)."""
        row: Any = StatusEventRow
        query = (
            select(row.data)
            .where(row.account == account, row.platform == platform)
            .where(row.occurred_at >= since, row.occurred_at < until)
            .order_by(row.occurred_at, row.id)
        )
        with self._session(None) as s:
            return [StatusEvent.model_validate(data) for data in s.execute(query).scalars()]

    def first_promises(self, account: str, platform: str) -> dict[str, TimeWindow]:
        """Appointment external id → the first arrival window the store saw for it."""
        row: Any = AppointmentRow
        query = select(row.external_id, row.promised_start, row.promised_end).where(
            row.account == account,
            row.platform == platform,
            row.promised_start.is_not(None),
            row.promised_end.is_not(None),
        )
        with self._session(None) as s:
            return {
                external_id: TimeWindow(start=start, end=end)
                for external_id, start, end in s.execute(query).all()
            }

    def count(self, kind: type[Record], *, account: str | None = None) -> int:
        row: Any = _ROW_OF[kind]
        query = select(row.id)
        if account is not None:
            query = query.where(row.account == account)
        with self._session(None) as s:
            return len(s.execute(query).all())

    # --- sync cursors ------------------------------------------------------------------------

    def get_cursor(self, account: str, platform: str, resource: str) -> datetime | None:
        with self._session(None) as s:
            row = s.get(SyncCursorRow, (account, platform, resource))
            return row.cursor if row else None

    def save_cursor(
        self,
        account: str,
        platform: str,
        resource: str,
        cursor: datetime,
        *,
        session: Session | None = None,
    ) -> None:
        """Move a cursor forward; a cursor never moves back."""
        with self._session(session) as s:
            row = s.get(SyncCursorRow, (account, platform, resource))
            if row is None:
                s.add(
                    SyncCursorRow(
                        account=account, platform=platform, resource=resource, cursor=cursor
                    )
                )
            elif cursor > row.cursor:
                row.cursor = cursor
                row.updated_at = utcnow()
                s.add(row)

    # --- audit ---------------------------------------------------------------------------------

    def audit(
        self,
        *,
        actor: str,
        action: str,
        subject: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        reason: str | None = None,
        correlation_id: str | None = None,
        session: Session | None = None,
    ) -> None:
        with self._session(session) as s:
            s.add(
                AuditRow(
                    actor=actor,
                    action=action,
                    subject=subject,
                    before=before,
                    after=after,
                    reason=reason,
                    correlation_id=correlation_id,
                )
            )

    def audit_log(self, subject: str | None = None, limit: int = 100) -> builtins.list[AuditRow]:
        query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)  # type: ignore[union-attr]
        if subject is not None:
            query = query.where(col(AuditRow.subject) == subject)
        with self._session(None) as s:
            return list(s.execute(query).scalars())

    # --- outbox --------------------------------------------------------------------------------

    def enqueue(
        self,
        *,
        idempotency_key: str,
        channel: str,
        payload: dict[str, Any],
        account: str | None = None,
        available_at: datetime | None = None,
        expires_at: datetime | None = None,
        session: Session | None = None,
    ) -> bool:
        """Queue one message; returns False when the key was already queued (sent or not).

        `expires_at` marks a time-critical message (an on-my-way text) that must never go late.
        """
        insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        table = OutboxRow.__table__  # type: ignore[attr-defined]
        stmt = (
            insert(table)
            .values(
                idempotency_key=idempotency_key,
                channel=channel,
                account=account,
                payload=payload,
                status="pending",
                attempts=0,
                available_at=available_at or utcnow(),
                expires_at=expires_at,
                created_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
        )
        with self._session(session) as s:
            return s.execute(stmt.returning(table.c.id)).first() is not None

    def claim_outbox(
        self,
        now: datetime,
        *,
        limit: int = 20,
        channel: str | None = None,
        lease: timedelta = timedelta(minutes=2),
    ) -> builtins.list[OutboxRow]:
        """Atomically move due `pending` messages to `sending` and return them.

        One UPDATE ... WHERE status = 'pending' RETURNING does the claim, so two workers never
        get the same row, on SQLite (which ignores FOR UPDATE) as on PostgreSQL. Rows whose
        `expires_at` has passed go to `dead` instead of being sent late.
        """
        table = OutboxRow.__table__  # type: ignore[attr-defined]
        due = select(table.c.id).where(table.c.status == "pending", table.c.available_at <= now)
        if channel is not None:
            due = due.where(table.c.channel == channel)
        due = due.order_by(table.c.id).limit(limit)
        if self.dialect == "postgresql":
            due = due.with_for_update(skip_locked=True)
        with self._session(None) as s:
            s.execute(
                update(table)
                .where(
                    table.c.status == "pending",
                    table.c.expires_at.is_not(None),
                    table.c.expires_at <= now,
                )
                .values(status="dead", last_error="expired before it could be sent")
            )
            claimed = (
                s.execute(
                    update(table)
                    .where(table.c.id.in_(due.scalar_subquery()), table.c.status == "pending")
                    .values(
                        status="sending", attempts=table.c.attempts + 1, claimed_until=now + lease
                    )
                    .returning(table.c.id)
                )
                .scalars()
                .all()
            )
            if not claimed:
                return []
            rows = s.execute(
                select(OutboxRow).where(col(OutboxRow.id).in_(claimed)).order_by(col(OutboxRow.id))
            ).scalars()
            return builtins.list(rows)

    def release_stuck_outbox(self, now: datetime) -> int:
        """Mark `sending` rows whose lease ran out as `uncertain`.

        Their worker died mid-send: the message may or may not have left. An uncertain row is
        reconciled with the provider before any resend, never resent blindly.
        """
        table = OutboxRow.__table__  # type: ignore[attr-defined]
        with self._session(None) as s:
            result = s.execute(
                update(table)
                .where(table.c.status == "sending", table.c.claimed_until < now)
                .values(status="uncertain")
                .returning(table.c.id)
            )
            return len(result.all())

    def finish_outbox(
        self,
        row_id: int,
        *,
        status: str,
        provider_id: str | None = None,
        error: str | None = None,
        retry_at: datetime | None = None,
    ) -> None:
        if status not in ("sent", "failed", "dead", "pending", "uncertain"):
            raise ValueError(f"unknown outbox status {status!r}")
        values: dict[str, Any] = {"status": status, "last_error": error}
        if status == "sent":
            values |= {"sent_at": utcnow(), "provider_id": provider_id}
        if retry_at is not None:
            values["available_at"] = retry_at
        with self._session(None) as s:
            s.execute(update(OutboxRow).where(col(OutboxRow.id) == row_id).values(**values))

    def outbox_item(self, idempotency_key: str) -> OutboxRow | None:
        with self._session(None) as s:
            return s.execute(
                select(OutboxRow).where(col(OutboxRow.idempotency_key) == idempotency_key)
            ).scalar_one_or_none()

    def outbox(self, status: str | None = None) -> builtins.list[OutboxRow]:
        query = select(OutboxRow).order_by(col(OutboxRow.id))
        if status is not None:
            query = query.where(col(OutboxRow.status) == status)
        with self._session(None) as s:
            return list(s.execute(query).scalars())

    # --- plans ---------------------------------------------------------------------------------

    def queued_promises(
        self, account: str, platform: str, appointment_ids: Iterable[str], *, since: datetime
    ) -> dict[str, TimeWindow]:
        """Appointment id → the arrival window the latest window write queued for it since
        `since` (on the caller's clock) promises: what a customer was told before the platform
        shows it. Only `appointment_ids` are looked up; none, no query."""
        wanted = set(appointment_ids)
        if not wanted:
            return {}
        query = (
            select(col(OutboxRow.payload))
            .where(
                col(OutboxRow.channel) == "writeback",
                col(OutboxRow.account) == account,
                col(OutboxRow.available_at) >= since,
                # The key names the write's kind (`writeback.queue_window`).
                col(OutboxRow.idempotency_key).startswith(
                    f"window:{platform}:{account}:", autoescape=True
                ),
            )
            .order_by(col(OutboxRow.id))
        )
        found: dict[str, TimeWindow] = {}
        with self._session(None) as s:
            for payload in s.execute(query).scalars():
                promise = payload.get("arrival_window")
                if promise is not None and payload.get("appointment_id") in wanted:
                    found[payload["appointment_id"]] = TimeWindow.model_validate(promise)
        return found

    def save_plan(
        self,
        *,
        account: str,
        platform: str,
        service_date: date,
        kind: str,
        assignments: Sequence[PlannedAssignment],
        objective: float | None = None,
        data: dict[str, Any] | None = None,
        correlation_id: str | None = None,
        session: Session | None = None,
    ) -> int:
        """Store a plan and its assignments; earlier plans of the day become superseded."""
        with self._session(session) as s:
            s.execute(
                update(PlanRow)
                .where(
                    col(PlanRow.account) == account,
                    col(PlanRow.service_date) == service_date,
                    col(PlanRow.status) != "superseded",
                )
                .values(status="superseded")
            )
            plan = PlanRow(
                account=account,
                service_date=service_date,
                kind=kind,
                objective=objective,
                data=data or {},
                correlation_id=correlation_id,
            )
            s.add(plan)
            s.flush()
            assert plan.id is not None
            for a in assignments:
                s.add(
                    AssignmentRow(
                        plan_id=plan.id,
                        account=account,
                        platform=platform,
                        job_external_id=a.job_external_id,
                        appointment_external_id=a.appointment_external_id,
                        technician_external_id=a.technician_external_id,
                        sequence=a.sequence,
                        planned_start=a.planned_start,
                        planned_end=a.planned_end,
                    )
                )
            return plan.id

    def annotate_plan(
        self, plan_id: int, extra: dict[str, Any], *, session: Session | None = None
    ) -> None:
        """Add `extra` to a saved plan's data (keys already there are replaced)."""
        with self._session(session) as s:
            plan = s.get(PlanRow, plan_id)
            if plan is None:
                raise LookupError(f"no plan {plan_id}")
            plan.data = {**(plan.data or {}), **extra}
            s.add(plan)
            s.flush()

    def plan_data(self, plan_id: int) -> dict[str, Any]:
        """A saved plan's data (its cost, what it left out, the promises it made...)."""
        with self._session(None) as s:
            plan = s.get(PlanRow, plan_id)
            if plan is None:
                raise LookupError(f"no plan {plan_id}")
            return dict(plan.data or {})

    def promise_chances(self, account: str, service_date: date) -> dict[str, float]:
        """Appointment id → the chance the first plan that promised it a window gave that
        window (`orchestrator.promise_odds`), over the day's plans."""
        with self._session(None) as s:
            rows = s.execute(
                select(col(PlanRow.data))
                .where(col(PlanRow.account) == account, col(PlanRow.service_date) == service_date)
                .order_by(col(PlanRow.id))
            ).all()
        chances: dict[str, float] = {}
        for (data,) in rows:
            for appointment_id, promise in ((data or {}).get("promises") or {}).items():
                chances.setdefault(appointment_id, float(promise["chance"]))
        return chances

    def current_plan(
        self, account: str, service_date: date
    ) -> tuple[PlanRow, builtins.list[AssignmentRow]] | None:
        with self._session(None) as s:
            plan = (
                s.execute(
                    select(PlanRow)
                    .where(
                        col(PlanRow.account) == account,
                        col(PlanRow.service_date) == service_date,
                        col(PlanRow.status) != "superseded",
                    )
                    .order_by(PlanRow.id.desc())  # type: ignore[union-attr]
                )
                .scalars()
                .first()
            )
            if plan is None:
                return None
            rows = list(
                s.execute(
                    select(AssignmentRow)
                    .where(col(AssignmentRow.plan_id) == plan.id)
                    .order_by(
                        col(AssignmentRow.technician_external_id), col(AssignmentRow.sequence)
                    )
                ).scalars()
            )
            return plan, rows

    # --- classifications ------------------------------------------------------------------------

    def save_classification(
        self,
        key: RecordKey,
        classification: Classification,
        *,
        needs_review: bool = False,
        content_hash: str | None = None,
        overridden: Sequence[str] | None = None,
        session: Session | None = None,
    ) -> Classification:
        """Store an engine's classification; fields a person overrode keep their values.

        Returns what is stored (the engine's output merged under the overrides).
        """
        with self._session(session) as s:
            row = self._classification_row(s, key)
            # An engine's save (overridden=None) keeps the fields a person set; an override
            # passes the full list and its classification is taken as given.
            kept = builtins.list(
                overridden if overridden is not None else (row.overridden if row else [])
            )
            merged = classification
            if row is not None and kept and overridden is None:
                previous = Classification.model_validate(row.data)
                merged = classification.model_copy(
                    update={name: getattr(previous, name) for name in kept}
                )
            if row is None:
                row = ClassificationRow(
                    account=key.account,
                    platform=key.platform,
                    job_external_id=key.external_id,
                    engine=merged.engine,
                    confidence=merged.confidence,
                )
            row.engine = merged.engine
            row.confidence = merged.confidence
            row.needs_review = needs_review
            row.overridden = kept
            row.data = merged.model_dump(mode="json")
            row.content_hash = content_hash
            row.updated_at = utcnow()
            s.add(row)
            return merged

    def get_classification(self, key: RecordKey) -> tuple[Classification, ClassificationRow] | None:
        with self._session(None) as s:
            row = self._classification_row(s, key)
            return None if row is None else (Classification.model_validate(row.data), row)

    def classifications(self, account: str, platform: str) -> dict[str, Classification]:
        """Job external id → classification, for one account."""
        with self._session(None) as s:
            rows = s.execute(
                select(ClassificationRow).where(
                    col(ClassificationRow.account) == account,
                    col(ClassificationRow.platform) == platform,
                )
            ).scalars()
            return {r.job_external_id: Classification.model_validate(r.data) for r in rows}

    def classifications_to_review(
        self, account: str, platform: str
    ) -> builtins.list[tuple[str, Classification]]:
        """(job id, classification) of the account's jobs marked for a person's review."""
        with self._session(None) as s:
            rows = s.execute(
                select(ClassificationRow)
                .where(
                    col(ClassificationRow.account) == account,
                    col(ClassificationRow.platform) == platform,
                    col(ClassificationRow.needs_review),
                )
                .order_by(col(ClassificationRow.confidence))
            ).scalars()
            return [(r.job_external_id, Classification.model_validate(r.data)) for r in rows]

    def overridden_classifications(
        self, account: str | None = None
    ) -> builtins.list[ClassificationRow]:
        """Classifications a person corrected: the account's labeled history."""
        with self._session(None) as s:
            rows = builtins.list(
                s.execute(select(ClassificationRow).order_by(col(ClassificationRow.id))).scalars()
            )
        return [r for r in rows if r.overridden and (account is None or r.account == account)]

    @staticmethod
    def _classification_row(session: Session, key: RecordKey) -> ClassificationRow | None:
        return session.execute(
            select(ClassificationRow).where(
                col(ClassificationRow.account) == key.account,
                col(ClassificationRow.platform) == key.platform,
                col(ClassificationRow.job_external_id) == key.external_id,
            )
        ).scalar_one_or_none()

    # --- unmapped vendor values ----------------------------------------------------------------

    def record_unmapped(
        self, account: str, platform: str, values: Mapping[tuple[str, str], int]
    ) -> None:
        """Add sightings of (mapping table, vendor value) pairs no mapping matched."""
        if not values:
            return
        with self._session(None) as s:
            for (table, value), count in values.items():
                row = s.execute(
                    select(UnmappedValueRow).where(
                        col(UnmappedValueRow.account) == account,
                        col(UnmappedValueRow.platform) == platform,
                        col(UnmappedValueRow.mapping_table) == table,
                        col(UnmappedValueRow.value) == value[:256],
                    )
                ).scalar_one_or_none()
                if row is None:
                    row = UnmappedValueRow(
                        account=account, platform=platform, mapping_table=table, value=value[:256]
                    )
                row.seen += count
                row.last_seen = utcnow()
                s.add(row)

    def unmapped_values(self, platform: str | None = None) -> builtins.list[UnmappedValueRow]:
        query = select(UnmappedValueRow).order_by(
            col(UnmappedValueRow.platform),
            col(UnmappedValueRow.mapping_table),
            col(UnmappedValueRow.value),
        )
        if platform is not None:
            query = query.where(col(UnmappedValueRow.platform) == platform)
        with self._session(None) as s:
            return builtins.list(s.execute(query).scalars())

    # --- approvals ----------------------------------------------------------------------------

    def create_approval(
        self,
        *,
        account: str,
        kind: str,
        change: dict[str, Any],
        reasons: Sequence[str],
        expires_at: datetime,
        created_at: datetime | None = None,
        session: Session | None = None,
    ) -> ApprovalRow:
        with self._session(session) as s:
            row = ApprovalRow(
                account=account,
                kind=kind,
                change=change,
                reasons=list(reasons),
                expires_at=expires_at,
                created_at=created_at or utcnow(),
            )
            s.add(row)
            s.flush()
            return row

    def get_approval(
        self, approval_id: int, *, session: Session | None = None
    ) -> ApprovalRow | None:
        with self._session(session) as s:
            return s.get(ApprovalRow, approval_id)

    def decide_approval(
        self,
        approval_id: int,
        *,
        version: int,
        status: str,
        decided_by: str,
        decision: str | None = None,
        now: datetime | None = None,
        session: Session | None = None,
    ) -> bool:
        """Decide a pending approval; False when someone or something decided it first.

        One conditional UPDATE is the whole decision, so two coordinators clicking at once, or
        a click racing the expiry, cannot both win; no in-memory state is involved.
        """
        if status not in ("approved", "rejected", "chosen", "expired"):
            raise ValueError(f"unknown approval decision {status!r}")
        table = ApprovalRow.__table__  # type: ignore[attr-defined]
        with self._session(session) as s:
            result = s.execute(
                update(table)
                .where(
                    table.c.id == approval_id,
                    table.c.status == "pending",
                    table.c.version == version,
                )
                .values(
                    status=status,
                    decided_by=decided_by,
                    decision=decision,
                    decided_at=now or utcnow(),
                    version=table.c.version + 1,
                )
                .returning(table.c.id)
            )
            return result.first() is not None

    def approvals(self, account: str, *, since: datetime) -> builtins.list[ApprovalRow]:
        """The account's approvals asked since `since`, oldest first, whatever their state."""
        with self._session(None) as s:
            return builtins.list(
                s.execute(
                    select(ApprovalRow)
                    .where(
                        col(ApprovalRow.account) == account,
                        col(ApprovalRow.created_at) >= since,
                    )
                    .order_by(col(ApprovalRow.id))
                ).scalars()
            )

    def decided_approvals(self, *, since: datetime) -> builtins.list[ApprovalRow]:
        """Approvals answered (approved, rejected or an option chosen) since `since`, oldest
        first, whoever answered and from wherever."""
        with self._session(None) as s:
            return builtins.list(
                s.execute(
                    select(ApprovalRow)
                    .where(
                        col(ApprovalRow.decided_at) >= since,
                        col(ApprovalRow.status).in_(("approved", "rejected", "chosen")),
                    )
                    .order_by(col(ApprovalRow.id))
                ).scalars()
            )

    def due_approvals(self, now: datetime) -> builtins.list[ApprovalRow]:
        """Pending approvals whose time to decide has run out."""
        with self._session(None) as s:
            return builtins.list(
                s.execute(
                    select(ApprovalRow)
                    .where(col(ApprovalRow.status) == "pending", col(ApprovalRow.expires_at) <= now)
                    .order_by(col(ApprovalRow.id))
                ).scalars()
            )

    # --- webhooks --------------------------------------------------------------------------------

    def record_webhook(self, *, platform: str, account: str, event_id: str, body: str) -> bool:
        """Persist a verified webhook; returns False for a duplicate event id."""
        insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        table = WebhookEventRow.__table__  # type: ignore[attr-defined]
        stmt = (
            insert(table)
            .values(
                platform=platform,
                account=account,
                event_id=event_id,
                body=body,
                status="pending",
                attempts=0,
                received_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["platform", "account", "event_id"])
        )
        with self._session(None) as s:
            return s.execute(stmt.returning(table.c.id)).first() is not None

    def pending_webhooks(self, limit: int = 100) -> builtins.list[WebhookEventRow]:
        with self._session(None) as s:
            return list(
                s.execute(
                    select(WebhookEventRow)
                    .where(col(WebhookEventRow.status) == "pending")
                    .order_by(col(WebhookEventRow.id))
                    .limit(limit)
                ).scalars()
            )

    def finish_webhook(self, row_id: int, *, error: str | None = None) -> None:
        values: dict[str, Any] = (
            {"status": "processed", "processed_at": utcnow(), "last_error": None}
            if error is None
            else {"status": "failed", "last_error": error}
        )
        with self._session(None) as s:
            s.execute(
                update(WebhookEventRow)
                .where(col(WebhookEventRow.id) == row_id)
                .values(attempts=col(WebhookEventRow.attempts) + 1, **values)
            )


def _newer_or_equal(candidate: datetime | None, current: datetime | None) -> bool:
    if candidate is None or current is None:
        return True
    return candidate >= current
