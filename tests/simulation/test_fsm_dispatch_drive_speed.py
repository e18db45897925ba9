"""The simulated fsm-dispatch learns the scenario's true driving speed from its drives, as the
running service does from status events, and plans the rest of the day at it."""

from __future__ import annotations

import pytest

from connectors.sandbox.scenario import parse_scenario
from orchestrator.simulation.fsm_dispatch import FsmDispatchDispatcher
from orchestrator.simulation.loop import run_simulation


def _scenario(speed_kmh: float) -> str:
    jobs = "\n".join(
        f"  - {{id: J{n}, customer: C{n}, location: {{lat: {39.45 + 0.06 * n}, "
        f"lon: {-105.10 + 0.025 * (n % 4)}}}, summary: Tune-up, description: yearly furnace "
        f"tune-up, booked_window: null, truth: {{job_type: hvac.maintenance, "
        f"duration_minutes: 30}}}}"
        for n in range(1, 9)
    )
    customers = ", ".join(f"{{id: C{n}}}" for n in range(1, 9))
    return f"""
name: drive-speed
timezone: America/Denver
date: 2026-12-01
travel: {{circuity: 1.35, speed_kmh: {speed_kmh}, noise_pct: 0}}
technicians:
  - {{id: T1, name: Tess, home: {{lat: 39.70, lon: -105.00}},
     shift: {{start: "07:00", end: "19:00"}}, skills: [epa_608],
     equipment: [recovery_machine, vacuum_pump]}}
customers: [{customers}]
jobs:
{jobs}
"""


@pytest.mark.parametrize(("speed", "low", "high"), [(19.0, 1.2, 1.6), (70.0, 0.6, 0.85)])
async def test_the_plans_learn_how_fast_the_fleet_really_drives(
    speed: float, low: float, high: float
) -> None:
    """The estimate assumes about 35 km/h by day: at 19 km/h the later plans drive slower,
    at 70 km/h faster. With learning off they keep the estimate."""
    learning = FsmDispatchDispatcher(morning_seconds=0.5, max_seconds=0.5, min_seconds=0.2)
    await run_simulation(parse_scenario(_scenario(speed)), learning)
    assert low <= learning.drive_factor <= high
    fixed = FsmDispatchDispatcher(
        morning_seconds=0.5, max_seconds=0.5, min_seconds=0.2, learn_drive_speed=False
    )
    await run_simulation(parse_scenario(_scenario(speed)), fixed)
    assert fixed.drive_factor == 1.0
