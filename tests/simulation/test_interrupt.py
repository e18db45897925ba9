"""A simulation stops at the step where it is cancelled (what Ctrl-C does under asyncio.run)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from connectors.sandbox import load_scenario
from orchestrator.simulation import BaselineCoordinator, run_simulation

BUNDLED = Path(__file__).resolve().parents[2] / "connectors/sandbox/data/seed-day-12x47.yaml"


async def test_a_cancelled_simulation_stops_at_its_next_step() -> None:
    steps: list[str] = []

    def cancel_once(share: float, note: str) -> None:
        steps.append(note)
        if len(steps) == 1:
            task = asyncio.current_task()
            assert task is not None
            task.cancel()

    with pytest.raises(asyncio.CancelledError):
        await run_simulation(load_scenario(BUNDLED), BaselineCoordinator(), progress=cancel_once)
    # Every await inside a step finishes without suspending: without a yield per step, the
    # cancellation would only land once the whole day had been played.
    assert len(steps) == 1, steps[:5]
