"""`SolveParams.idle_seconds`: a search ends once it has gone that long without a cheaper day."""

from __future__ import annotations

import time as clock

import pytest

from optimizer import Plan, Problem, SolveParams, check_plan, solve
from optimizer.assemble import PlanScorer, timed_outcome
from optimizer.recreate import improve_by_recreate
from tests.optimizer.conftest import constructed

IDLE = 0.3
LONG = 60.0
"""A deadline no search of these days could keep finding gains until."""


@pytest.mark.parametrize("idle", [0.0, -1.0])
def test_idle_seconds_must_be_positive(idle: float) -> None:
    with pytest.raises(ValueError, match="idle_seconds"):
        SolveParams(idle_seconds=idle)


def test_ruin_and_recreate_still_improves_then_ends_when_idle(day_12x47: Problem) -> None:
    arrays, routes = constructed(day_12x47)
    scorer = PlanScorer(arrays, timed_outcome(arrays, routes))
    began = clock.perf_counter()

    found, timings = improve_by_recreate(
        arrays,
        routes,
        deadline=began + LONG,
        seed=1,
        params=SolveParams(idle_seconds=IDLE),
        score=lambda r, t: scorer(t),
    )

    assert clock.perf_counter() - began < LONG / 2
    assert timings, "the construction of a 12 x 47 day can be improved"
    assert scorer(timings) < scorer({})
    assert sorted(j for r in found for j in r) == sorted(j for r in routes for j in r)


def test_without_idle_seconds_the_search_runs_to_its_deadline(day_12x47: Problem) -> None:
    arrays, routes = constructed(day_12x47)
    scorer = PlanScorer(arrays, timed_outcome(arrays, routes))
    deadline = clock.perf_counter() + 1.5

    improve_by_recreate(
        arrays,
        routes,
        deadline=deadline,
        seed=1,
        params=SolveParams(),
        score=lambda r, t: scorer(t),
    )

    assert clock.perf_counter() >= deadline


def test_a_warm_start_from_a_settled_plan_ends_when_idle_and_is_no_dearer(
    day_12x47: Problem, plan_12x47: Plan
) -> None:
    """A re-plan with nothing changed: two searches (here and in the worker) meet after each
    cycle, and end after the first that brings no gain."""
    again = solve(
        day_12x47, time_limit=LONG, initial=plan_12x47, params=SolveParams(idle_seconds=IDLE)
    )

    assert again.solve_seconds < LONG / 2
    assert again.objective <= plan_12x47.objective + 1e-6
    assert check_plan(day_12x47, again) == []


def test_a_big_day_searched_by_halves_ends_when_idle(day_40x150: Problem) -> None:
    first = solve(day_40x150, time_limit=3, seed=2)
    again = solve(day_40x150, time_limit=LONG, initial=first, params=SolveParams(idle_seconds=IDLE))

    assert again.solve_seconds < LONG / 2
    assert again.objective <= first.objective + 1e-6
    assert check_plan(day_40x150, again) == []
