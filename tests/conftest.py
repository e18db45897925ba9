"""Fixtures shared by every test package."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from orchestrator.store import Store, make_engine, upgrade
from tests.databases import BACKENDS, database_url

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture(autouse=True)
def _default_logging() -> Iterator[None]:
    """Each test starts and ends with structlog's defaults, whatever a command configured."""
    structlog.reset_defaults()
    yield
    structlog.reset_defaults()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each backend: SQLite always, PostgreSQL when configured."""
    with database_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """A store migrated to the latest schema, on each backend."""
    engine = make_engine(db_url)
    upgrade(engine)
    try:
        yield Store(engine)
    finally:
        engine.dispose()
