"""The Alembic revisions build exactly the tables the models describe, up and down."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from connectors.records import Appointment, TimeWindow
from orchestrator.store import (
    Store,
    current_revision,
    downgrade,
    head_revision,
    make_engine,
    metadata,
    upgrade,
)

T0 = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def test_migrations_go_up_down_and_up_again(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        assert current_revision(engine) is None
        upgrade(engine)
        assert current_revision(engine) == head_revision(engine)
        assert set(metadata.tables) <= set(inspect(engine).get_table_names())
        downgrade(engine, "base")
        assert current_revision(engine) is None
        assert not set(metadata.tables) & set(inspect(engine).get_table_names())
        upgrade(engine)
        assert current_revision(engine) == head_revision(engine)
    finally:
        engine.dispose()


def test_models_and_migrations_agree(db_url: str) -> None:
    """Autogenerate against a migrated database finds nothing to change."""
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []
    finally:
        engine.dispose()


def test_appointments_stored_before_0005_keep_their_window_as_the_promise(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine, "0004")
        stored = Appointment(
            platform="servicetitan",
            account="acme",
            external_id="A1",
            job_id="J1",
            arrival_window=TimeWindow(start=T0, end=T0 + timedelta(hours=2)),
        )
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO appointments (account, platform, external_id, synced_at, job_id,"
                    " status, deleted, data) VALUES ('acme', 'servicetitan', 'A1', :now, 'J1',"
                    " 'scheduled', false, :data)"
                ),
                {"now": T0, "data": json.dumps(stored.model_dump(mode="json"))},
            )
        upgrade(engine)
        assert Store(engine).first_promises("acme", "servicetitan") == {"A1": stored.arrival_window}
    finally:
        engine.dispose()
