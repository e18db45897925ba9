"""The route pool: the cheapest day made of routes a search held, and its use by the search."""

from __future__ import annotations

import time as clock

import numpy as np
import pytest

from optimizer import Plan, Problem, SolveParams, check_plan
from optimizer._anneal_kernel import FieldAnnealer
from optimizer._routing import RoutingOutcome
from optimizer.assemble import PlanScorer, assemble, timed_outcome
from optimizer.matrices import ModelArrays
from optimizer.recreate import _Day, _recombined, improve_by_recreate
from optimizer.route_pool import RoutePool
from optimizer.solve import travel_matrix


def _held(routes: list[list[int]], values: list[float]) -> tuple[np.ndarray, ...]:
    """A day in the arrays a search holds it in."""
    width = max((len(r) for r in routes), default=0) + 1
    grid = np.zeros((len(routes), width), dtype=np.int64)
    for v, route in enumerate(routes):
        grid[v, : len(route)] = route
    return grid, np.array([len(r) for r in routes], dtype=np.int64), np.array(values)


def test_the_cheapest_day_takes_each_technicians_best_route_that_leaves_no_job_twice() -> None:
    pool = RoutePool(2)
    # Day one: 0-1 for the first technician, 2 for the second (-10 - 5).
    pool.add(*_held([[0, 1], [2]], [-10.0, -5.0]))
    # Day two: 0 for the first, 1-2 for the second (-4 - 9); both days cost -15 / -13.
    pool.add(*_held([[0], [1, 2]], [-4.0, -9.0]))
    # Day three: the second technician serving 1, 2 and 3 (-16) only pays with the first
    # technician's 0 alone: -4 - 16 = -20, a day no search held.
    pool.add(*_held([[0, 1], [1, 2, 3]], [-10.0, -16.0]))
    found = pool.cheapest_day([[0, 1], [2]], seconds=5.0)
    assert found is not None
    day, total = found
    assert day == [[0], [1, 2, 3]]
    assert total == pytest.approx(-20.0)
    served = [j for route in day for j in route]
    assert len(served) == len(set(served))


def test_a_route_seen_again_is_kept_and_the_least_recently_seen_goes_first() -> None:
    pool = RoutePool(1, limit=2)
    for route in ([0], [1], [0], [2]):
        pool.add(*_held([route], [-1.0]))
    assert len(pool) == 2
    assert pool.added == 3  # [0] seen again is not new
    # [1] was seen least recently: [0] (seen again) and [2] remain.
    found = pool.cheapest_day([[0]], seconds=5.0)
    assert found is not None
    pool.add(*_held([[1]], [-50.0]))  # a new, cheap [1]: the pool is [2], [1] now
    again = pool.cheapest_day([[2]], seconds=5.0)
    assert again is not None and again[0] == [[1]]


def test_a_deterministic_recombination_gives_the_same_day_twice() -> None:
    pool = RoutePool(3)
    rng = np.random.default_rng(5)
    for _ in range(40):
        routes = [sorted(rng.choice(20, size=3, replace=False).tolist()) for _ in range(3)]
        pool.add(*_held(routes, rng.uniform(-30, 0, size=3).tolist()))
    first = pool.cheapest_day([[], [], []], seconds=0.5, deterministic=True)
    second = pool.cheapest_day([[], [], []], seconds=0.5, deterministic=True)
    assert first is not None and first == second


def _routes_of(problem: Problem, plan: Plan) -> list[list[int]]:
    index = {job.id: j for j, job in enumerate(problem.jobs)}
    by_tech = {r.technician_id: [index[s.job_id] for s in r.stops] for r in plan.routes}
    return [by_tech.get(t.id, []) for t in problem.technicians]


def test_two_days_each_short_of_a_stop_recombine_into_the_whole_plan(
    day_12x47: Problem, plan_12x47: Plan
) -> None:
    arrays = ModelArrays.build(day_12x47, travel_matrix(day_12x47), SolveParams())
    whole = _routes_of(day_12x47, plan_12x47)
    first, second = [v for v, route in enumerate(whole) if route][:2]
    # Each walker holds the plan less the last stop of one route: each day is dearer by
    # that job's penalty, but together they held every route of the plan.
    short_first = [list(r) for r in whole]
    short_first[first] = short_first[first][:-1]
    short_second = [list(r) for r in whole]
    short_second[second] = short_second[second][:-1]
    scorer = PlanScorer(arrays, timed_outcome(arrays, whole))
    day = _Day(arrays, short_first, lambda routes, timings: scorer(timings), walkers=2)
    day.walkers[1].load(short_second)
    annealer = FieldAnnealer(arrays)
    annealer.load(whole)
    assert min(w.best for w in day.walkers) > annealer.best + 100  # a job's penalty

    pool = RoutePool(arrays.n_techs)
    for walker in day.walkers:
        pool.add(*walker.held())
    assert _recombined(day, pool, counted=True, deadline=clock.perf_counter() + 5)
    assert day.leader.best == pytest.approx(annealer.best)
    assert day.leader.best_routes() == whole
    recombined = assemble(arrays, timed_outcome(arrays, day.leader.best_routes()))
    assert check_plan(day_12x47, recombined) == []


def test_a_search_with_a_pool_keeps_its_routes_across_rounds(day_12x47: Problem) -> None:
    arrays = ModelArrays.build(day_12x47, travel_matrix(day_12x47), SolveParams())
    start = _routes_of(day_12x47, Plan((), ()))  # every job left out
    scorer = PlanScorer(arrays, timed_outcome(arrays, start))
    pool = RoutePool(arrays.n_techs)
    counted = SolveParams(stall_solutions=3000)

    def search(
        routes: list[list[int]], seed: int, moves: int
    ) -> tuple[list[list[int]], dict[int, RoutingOutcome]]:
        return improve_by_recreate(
            arrays,
            routes,
            deadline=clock.perf_counter() + 30,
            seed=seed,
            params=counted,
            score=lambda r, t: scorer(t),
            rebuilds=False,
            moves=moves,
            pool=pool,
        )

    routes, timings = search(start, seed=3, moves=2000)
    held = len(pool)
    assert held > arrays.n_techs  # the empty start and the days after it
    assert sum(len(r) for r in routes) > 0 and timings
    search(routes, seed=4, moves=500)
    assert len(pool) > held
