"""The simulated dispatcher's search budgets: the morning plan and a re-plan for a new emergency
search their whole budget, any other re-plan ends once its search stops finding cheaper days."""

from __future__ import annotations

from typing import Any

import pytest
import structlog.testing

import optimizer as opt
from connectors.sandbox.scenario import parse_scenario
from orchestrator.simulation import fsm_dispatch as dispatcher_module
from orchestrator.simulation.fsm_dispatch import FsmDispatchDispatcher
from orchestrator.simulation.loop import run_simulation
from tests.simulation.test_fsm_dispatch_handing_on import LEAK_DAY


async def test_re_plans_end_when_idle_but_the_morning_plan_and_an_emergency_do_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    searched: list[tuple[float, opt.SolveParams | None, frozenset[str]]] = []
    real = dispatcher_module.solve_handing_on

    def spy(problem: opt.Problem, movable: set[str], **kwargs: Any) -> opt.Plan:
        jobs = frozenset(job.id for job in problem.jobs)
        searched.append((kwargs["time_limit"], kwargs.get("params"), jobs))
        return real(problem, movable, **kwargs)

    monkeypatch.setattr(dispatcher_module, "solve_handing_on", spy)
    dispatcher = FsmDispatchDispatcher(morning_seconds=1.0, max_seconds=1.0)

    await run_simulation(parse_scenario(LEAK_DAY), dispatcher)

    (morning_limit, morning, _), *replans = searched
    assert morning is not None and morning.idle_seconds is None
    assert morning_limit == 1.0
    # The gas leak arriving at 08:45, an emergency fitted into the day, searches the whole
    # budget; every other re-plan (a visit finishing off plan, say) settles when idle.
    arrival = next(k for k, (_, _, jobs) in enumerate(replans) if "J3" in jobs)
    leak = replans[arrival][1]
    assert leak is not None and leak.idle_seconds is None
    others = replans[:arrival] + replans[arrival + 1 :]
    assert others, "the gas leak is not the day's only re-plan"
    assert all(
        params is not None and params.idle_seconds == dispatcher.replan_idle_seconds == 0.25
        for _, params, _ in others
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


async def test_the_log_says_how_long_each_re_plan_searched_and_its_budget() -> None:
    """An operator reading the log sees the time a re-plan took, not only the time allowed."""
    dispatcher = FsmDispatchDispatcher(morning_seconds=1.0, max_seconds=1.0)

    with structlog.testing.capture_logs() as logs:
        await run_simulation(parse_scenario(LEAK_DAY), dispatcher)

    replans = [entry for entry in logs if entry["event"] == "re-planned"]
    assert len(replans) == dispatcher.plans > 1
    assert all(entry["budget_seconds"] == 1.0 for entry in replans)
    # The morning plan searches its whole second; a re-plan after a visit finishes off plan
    # settles when idle, well inside it.
    assert replans[0]["seconds"] >= 0.9
    assert min(entry["seconds"] for entry in replans[1:]) < 0.5
