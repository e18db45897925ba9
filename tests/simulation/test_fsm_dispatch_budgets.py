"""The simulated dispatcher's search budgets: the morning plan searches its whole budget, a
re-plan ends once its search stops finding cheaper days."""

from __future__ import annotations

from typing import Any

import pytest

import optimizer as opt
from connectors.sandbox.scenario import parse_scenario
from orchestrator.simulation import fsm_dispatch as dispatcher_module
from orchestrator.simulation.fsm_dispatch import FsmDispatchDispatcher
from orchestrator.simulation.loop import run_simulation
from tests.simulation.test_fsm_dispatch_handing_on import LEAK_DAY


async def test_re_plans_end_when_idle_and_the_morning_plan_does_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    searched: list[tuple[float, opt.SolveParams | None]] = []
    real = dispatcher_module.solve_handing_on

    def spy(problem: opt.Problem, movable: set[str], **kwargs: Any) -> opt.Plan:
        searched.append((kwargs["time_limit"], kwargs.get("params")))
        return real(problem, movable, **kwargs)

    monkeypatch.setattr(dispatcher_module, "solve_handing_on", spy)
    dispatcher = FsmDispatchDispatcher(morning_seconds=1.0, max_seconds=1.0)

    await run_simulation(parse_scenario(LEAK_DAY), dispatcher)

    (morning_limit, morning), *replans = searched
    assert morning is not None and morning.idle_seconds is None
    assert morning_limit == 1.0
    assert replans, "the gas leak at 08:45 is re-planned at least"
    assert all(
        params is not None and params.idle_seconds == dispatcher.replan_idle_seconds == 0.25
        for _, params in replans
    )


async def test_without_an_idle_stop_re_plans_search_their_whole_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    searched: list[opt.SolveParams | None] = []
    real = dispatcher_module.solve_handing_on

    def spy(problem: opt.Problem, movable: set[str], **kwargs: Any) -> opt.Plan:
        searched.append(kwargs.get("params"))
        return real(problem, movable, **kwargs)

    monkeypatch.setattr(dispatcher_module, "solve_handing_on", spy)
    dispatcher = FsmDispatchDispatcher(
        morning_seconds=1.0, max_seconds=1.0, replan_idle_seconds=None
    )

    await run_simulation(parse_scenario(LEAK_DAY), dispatcher)

    assert len(searched) > 1
    assert all(params is not None and params.idle_seconds is None for params in searched)
