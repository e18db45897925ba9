"""Persistence: SQLModel tables, idempotent upserts, cursors, audit log, outbox, plans."""

from orchestrator.store.engine import make_engine, normalise_url
from orchestrator.store.migrate import current_revision, downgrade, head_revision, upgrade
from orchestrator.store.store import PlannedAssignment, Store, UpsertResult
from orchestrator.store.tables import ApprovalRow, metadata

__all__ = [
    "ApprovalRow",
    "PlannedAssignment",
    "Store",
    "UpsertResult",
    "current_revision",
    "downgrade",
    "head_revision",
    "make_engine",
    "metadata",
    "normalise_url",
    "upgrade",
]
