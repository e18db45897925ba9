"""Small days on two cores: the whole day searched here and in a worker, the better day kept."""

from __future__ import annotations

import importlib
import time as clock
from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest

from optimizer import Problem, SolveParams
from optimizer import workers as workers_module
from optimizer._splice import splice
from optimizer.assemble import PlanScorer, assemble, merge_timings, timed_outcome
from optimizer.matrices import ModelArrays
from optimizer.pair import Partner, improve_by_pair
from tests.optimizer.conftest import BROKEN_WORKERS, check_clean, constructed

solve_module = importlib.import_module("optimizer.solve")  # the package re-exports `solve`

TIMED = SolveParams()
"""A search against the clock: the only kind that uses the worker."""


def test_the_partner_searches_the_whole_day_in_a_worker(day_12x47: Problem) -> None:
    arrays, routes = constructed(day_12x47, TIMED)
    first = timed_outcome(arrays, routes)
    scorer = PlanScorer(arrays, first)
    # Started as a service starts it: a cold worker spends a second and more importing.
    assert workers_module.start_workers()
    partner = Partner(arrays, TIMED, seed=3)
    assert partner.pool is not None
    partner.start(routes, clock.perf_counter() + 1.5)
    assert partner.running
    found = partner.result()
    assert not partner.running
    assert found is not None
    everyone, every_job = list(range(arrays.n_techs)), list(range(arrays.n_jobs))
    trial_routes, trial_timings = splice(routes, {}, everyone, every_job, found)
    assert scorer(trial_timings) < scorer({})
    plan = assemble(arrays, merge_timings(trial_timings, first))
    check_clean(day_12x47, plan)
    assert [[s.job_id for s in r.stops] for r in plan.routes] == [
        [day_12x47.jobs[j].id for j in route] for route in trial_routes
    ]


def test_two_searches_make_the_day_cheaper_and_report_each_gain(day_12x47: Problem) -> None:
    arrays, routes = constructed(day_12x47, TIMED)
    first = timed_outcome(arrays, routes)
    scorer = PlanScorer(arrays, first)
    start = scorer({})
    seen: list[float] = []
    better, timings = improve_by_pair(
        arrays,
        routes,
        deadline=clock.perf_counter() + 3.0,
        seed=5,
        params=TIMED,
        score=lambda r, t: scorer(t),
        on_improvement=seen.append,
    )
    assert 1 in workers_module.POOLS
    merged = merge_timings(timings, first)
    plan = assemble(arrays, merged)
    check_clean(day_12x47, plan)
    assert plan.objective < start
    assert seen == sorted(seen, reverse=True)
    assert plan.objective == pytest.approx(seen[-1])
    assert [[j for j, _ in merged.routes[v]] for v in range(arrays.n_techs)] == better


def test_a_counted_search_stays_in_this_process(day_12x47: Problem) -> None:
    arrays, _ = constructed(day_12x47, TIMED)
    assert Partner(arrays, SolveParams(stall_solutions=100), seed=0).pool is None
    assert Partner(arrays, SolveParams(part_workers=0), seed=0).pool is None


def test_only_searches_with_seconds_to_spare_take_the_worker(
    day_12x47: Problem, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[float] = []

    def counted(arrays: ModelArrays, params: SolveParams, seed: int) -> Partner:
        made.append(clock.perf_counter())
        return Partner(arrays, params, seed)

    monkeypatch.setattr(solve_module, "Partner", counted)
    warm, cold = solve_module.PAIR_WARM_FROM, solve_module.PAIR_FROM
    # A worker yet to start would spend a short search's time starting.
    monkeypatch.setattr(solve_module, "worker_running", lambda: False)
    short = solve_module.solve(day_12x47, time_limit=warm + 0.5, seed=1)
    assert made == []
    check_clean(day_12x47, short)
    longer = solve_module.solve(day_12x47, time_limit=cold + 0.5, seed=1)
    assert len(made) == 1
    check_clean(day_12x47, longer)
    # A running one takes a share of searches from a second on.
    monkeypatch.setattr(solve_module, "worker_running", lambda: True)
    brief = solve_module.solve(day_12x47, time_limit=warm - 0.5, seed=1)
    assert len(made) == 1
    check_clean(day_12x47, brief)
    short = solve_module.solve(day_12x47, time_limit=warm + 0.5, seed=1)
    assert len(made) == 2
    check_clean(day_12x47, short)


def test_a_started_worker_is_known_to_be_running() -> None:
    assert workers_module.start_workers()
    assert workers_module.worker_running()


@BROKEN_WORKERS
def test_a_worker_that_fails_costs_the_plan_nothing(
    day_12x47: Problem, broken: Callable[[], AbstractContextManager[None]], warning: str
) -> None:
    arrays, routes = constructed(day_12x47, TIMED)
    first = timed_outcome(arrays, routes)
    scorer = PlanScorer(arrays, first)
    with broken(), pytest.warns(RuntimeWarning, match=warning):
        partner = Partner(arrays, TIMED, seed=4)
        _, timings = improve_by_pair(
            arrays,
            routes,
            deadline=clock.perf_counter() + 2.0,
            seed=4,
            params=TIMED,
            score=lambda r, t: scorer(t),
            partner=partner,
        )
    assert partner.pool is None
    plan = assemble(arrays, merge_timings(timings, first))
    check_clean(day_12x47, plan)
    assert plan.objective < scorer({})
