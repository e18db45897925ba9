"""Scenarios shared by the sandbox, simulation and analytics tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.sandbox import Scenario, load_scenario

REPO = Path(__file__).resolve().parents[2]
SEED = REPO.parent / "shared" / "scenarios" / "seed-day-12x47.yaml"
BUNDLED = REPO / "connectors" / "sandbox" / "data" / "seed-day-12x47.yaml"


@pytest.fixture(scope="session")
def day_12x47() -> Scenario:
    """The bundled 12-truck, 47-job seed day."""
    return load_scenario(BUNDLED)
