"""The store's tables. Records are keyed by (account, platform, external id).

Each synced record keeps its canonical JSON in `data` plus the few columns that queries filter on,
so a new canonical field needs no migration while the hot filters stay indexed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, MetaData, UniqueConstraint
from sqlmodel import Field, SQLModel

from orchestrator.store.types import UtcDateTime

__all__ = [
    "AppointmentRow",
    "ApprovalRow",
    "AssignmentRow",
    "ClassificationRow",
    "AuditRow",
    "CustomerRow",
    "GpsPingRow",
    "JobRow",
    "LocationRow",
    "OutboxRow",
    "PlanRow",
    "StatusEventRow",
    "SyncCursorRow",
    "TechnicianRow",
    "UnmappedValueRow",
    "WebhookEventRow",
    "metadata",
]

# Deterministic constraint names so Alembic revisions are stable on every backend.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def utcnow() -> datetime:
    return datetime.now(UTC)


class _Base(SQLModel):
    metadata = metadata


def _time(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_type=UtcDateTime, nullable=nullable, index=index)


def _json() -> Any:
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class _Synced(_Base):
    """Columns every synced record has."""

    id: int | None = Field(default=None, primary_key=True)
    account: str = Field(max_length=64)
    platform: str = Field(max_length=32)
    external_id: str = Field(max_length=128)
    modified_at: datetime | None = _time()
    synced_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime, nullable=False)


class TechnicianRow(_Synced, table=True):
    __tablename__ = "technicians"
    __table_args__ = (UniqueConstraint("account", "platform", "external_id"),)
    active: bool = True
    data: dict[str, Any] = _json()


class CustomerRow(_Synced, table=True):
    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("account", "platform", "external_id"),)
    data: dict[str, Any] = _json()


class LocationRow(_Synced, table=True):
    __tablename__ = "locations"
    __table_args__ = (UniqueConstraint("account", "platform", "external_id"),)
    data: dict[str, Any] = _json()


class JobRow(_Synced, table=True):
    __tablename__ = "jobs"
    __table_args__ = (
        UniqueConstraint("account", "platform", "external_id"),
        Index(None, "account", "status"),
    )
    status: str = Field(max_length=32)
    job_type: str = Field(max_length=64)
    urgency: str | None = Field(default=None, max_length=32)
    customer_id: str | None = Field(default=None, max_length=128)
    deleted: bool = False
    data: dict[str, Any] = _json()


class AppointmentRow(_Synced, table=True):
    __tablename__ = "appointments"
    __table_args__ = (
        UniqueConstraint("account", "platform", "external_id"),
        Index(None, "account", "job_id"),
        Index(None, "account", "window_start"),
    )
    job_id: str = Field(max_length=128)
    status: str = Field(max_length=32)
    window_start: datetime | None = _time()
    window_end: datetime | None = _time()
    promised_start: datetime | None = _time()
    """The first arrival window the store saw for this appointment (kept when it moves): the
    promise on-time is judged against."""
    promised_end: datetime | None = _time()
    deleted: bool = False
    data: dict[str, Any] = _json()


class StatusEventRow(_Synced, table=True):
    __tablename__ = "status_events"
    __table_args__ = (
        UniqueConstraint("account", "platform", "external_id"),
        Index(None, "account", "occurred_at"),
    )
    subject: str = Field(max_length=16)
    subject_id: str = Field(max_length=128)
    status: str = Field(max_length=32)
    occurred_at: datetime = Field(sa_type=UtcDateTime, nullable=False)
    data: dict[str, Any] = _json()


class GpsPingRow(_Synced, table=True):
    __tablename__ = "gps_pings"
    __table_args__ = (
        UniqueConstraint("account", "platform", "external_id"),
        Index(None, "account", "technician_id", "recorded_at"),
    )
    technician_id: str = Field(max_length=128)
    recorded_at: datetime = Field(sa_type=UtcDateTime, nullable=False)
    data: dict[str, Any] = _json()


class SyncCursorRow(_Base, table=True):
    """Where the next incremental sync of one resource starts."""

    __tablename__ = "sync_cursors"
    account: str = Field(primary_key=True, max_length=64)
    platform: str = Field(primary_key=True, max_length=32)
    resource: str = Field(primary_key=True, max_length=32)
    cursor: datetime = Field(sa_type=UtcDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime, nullable=False)


class AuditRow(_Base, table=True):
    """Who changed what, when and why: overrides, approvals, write-backs, conflicts."""

    __tablename__ = "audit_log"
    __table_args__ = (Index(None, "subject", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime, nullable=False)
    actor: str = Field(max_length=128)
    action: str = Field(max_length=64)
    subject: str = Field(max_length=256)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    reason: str | None = None
    correlation_id: str | None = Field(default=None, max_length=64)


class OutboxRow(_Base, table=True):
    """A message or write-back decided inside a transaction and delivered after it commits."""

    __tablename__ = "outbox"
    __table_args__ = (Index(None, "status", "available_at"),)
    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(max_length=200, unique=True)
    channel: str = Field(max_length=32)
    account: str | None = Field(default=None, max_length=64)
    payload: dict[str, Any] = _json()
    status: str = Field(default="pending", max_length=16)
    """pending → sending → sent; or failed, dead, uncertain (lease ran out mid-send)."""
    attempts: int = 0
    available_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime, nullable=False)
    expires_at: datetime | None = _time()
    claimed_until: datetime | None = _time()
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime, nullable=False)
    sent_at: datetime | None = _time()
    provider_id: str | None = Field(default=None, max_length=128)
    last_error: str | None = None


class PlanRow(_Base, table=True):
    __tablename__ = "plans"
    __table_args__ = (Index(None, "account", "service_date", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    account: str = Field(max_length=64)
    service_date: date
    kind: str = Field(max_length=32)
    status: str = Field(default="proposed", max_length=16)
    objective: float | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime, nullable=False)
    correlation_id: str | None = Field(default=None, max_length=64)
    data: dict[str, Any] = _json()


class AssignmentRow(_Base, table=True):
    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("plan_id", "job_external_id"),)
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plans.id", index=True)
    account: str = Field(max_length=64)
    platform: str = Field(max_length=32)
    job_external_id: str = Field(max_length=128)
    appointment_external_id: str | None = Field(default=None, max_length=128)
    technician_external_id: str = Field(max_length=128)
    sequence: int
    planned_start: datetime = Field(sa_type=UtcDateTime, nullable=False)
    planned_end: datetime = Field(sa_type=UtcDateTime, nullable=False)
    status: str = Field(default="planned", max_length=16)
    written_at: datetime | None = _time()


class WebhookEventRow(_Base, table=True):
    """A verified webhook body, persisted before it is acknowledged."""

    __tablename__ = "webhook_events"
    __table_args__ = (
        UniqueConstraint("platform", "account", "event_id"),
        Index(None, "status", "received_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=32)
    account: str = Field(max_length=64)
    event_id: str = Field(max_length=200)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime, nullable=False)
    body: str
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    processed_at: datetime | None = _time()
    last_error: str | None = None


class ApprovalRow(_Base, table=True):
    """A proposed dispatch change waiting for a coordinator, decided once."""

    __tablename__ = "approvals"
    __table_args__ = (Index(None, "status", "expires_at"),)
    id: int | None = Field(default=None, primary_key=True)
    account: str = Field(max_length=64)
    kind: str = Field(max_length=32)
    status: str = Field(default="pending", max_length=16)
    """pending → approved | rejected | chosen | expired; never back to pending."""
    version: int = 1
    change: dict[str, Any] = _json()
    reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UtcDateTime, nullable=False)
    decided_by: str | None = Field(default=None, max_length=128)
    decided_at: datetime | None = _time()
    decision: str | None = Field(default=None, max_length=128)


class ClassificationRow(_Base, table=True):
    """Our reading of a job's ticket, kept apart from the platform's record so a sync of the
    job never erases it. Fields a coordinator overrode stay overridden when the engine runs again.
    """

    __tablename__ = "classifications"
    __table_args__ = (UniqueConstraint("account", "platform", "job_external_id"),)
    id: int | None = Field(default=None, primary_key=True)
    account: str = Field(max_length=64)
    platform: str = Field(max_length=32)
    job_external_id: str = Field(max_length=128)
    engine: str = Field(max_length=32)
    confidence: float
    needs_review: bool = False
    overridden: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    """Names of the fields a person set; they win over any engine."""
    data: dict[str, Any] = _json()
    content_hash: str | None = Field(default=None, max_length=64)
    """Hash of the ticket text classified, to skip re-classifying unchanged tickets."""
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime, nullable=False)


class UnmappedValueRow(_Base, table=True):
    """A vendor value no mapping matched, as seen by syncs: the admin's to-do list."""

    __tablename__ = "unmapped_values"
    __table_args__ = (UniqueConstraint("account", "platform", "mapping_table", "value"),)
    id: int | None = Field(default=None, primary_key=True)
    account: str = Field(max_length=64)
    platform: str = Field(max_length=32)
    mapping_table: str = Field(max_length=64)
    value: str = Field(max_length=256)
    seen: int = 0
    last_seen: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime, nullable=False)
