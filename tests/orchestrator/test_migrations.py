"""The Alembic revisions build exactly the tables the models describe, up and down."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from orchestrator.store import (
    current_revision,
    downgrade,
    head_revision,
    make_engine,
    metadata,
    upgrade,
)


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
