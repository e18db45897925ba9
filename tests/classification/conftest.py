"""Fixtures for the classification tests: the labeled sets and a ticket builder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from orchestrator.classification import Ticket

DATA = Path(__file__).resolve().parent / "data"
DEV_SET = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "tickets-dev.jsonl"
HELDOUT_SET = DATA / "heldout.jsonl"


@pytest.fixture
def make_ticket() -> Callable[..., Ticket]:
    """Build a ticket with residential defaults; keyword arguments override them."""

    def build(summary: str, description: str = "", **kwargs: object) -> Ticket:
        kwargs.setdefault("source", "phone")
        kwargs.setdefault("month", 6)
        kwargs.setdefault("outdoor_temp_f", 70.0)
        return Ticket(summary=summary, description=description, **kwargs)  # type: ignore[arg-type]

    return build
