"""The compiled insertion puts back exactly what the Python reference would, stop for stop, on
random days (pins, told windows, soft and two-part windows, emergencies, lunches eaten on site
or not, take-home trucks) and random ruin moves."""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.field import generate_day
from optimizer import Break, Problem, SolveParams, check_plan, solve
from optimizer._insert_kernel import _cheapest
from optimizer.construct import Reinserter, construct
from optimizer.matrices import ModelArrays
from optimizer.solve import travel_matrix


def _varied(problem: Problem, rng: random.Random) -> Problem:
    """Some technicians commute home in their truck, some may not eat on site, some only
    during a visit of at least 90 minutes, some must eat as their day starts, some leave for
    no visit after their shift (or an earlier minute); some days keep a margin before told
    windows close."""
    techs = []
    for tech in problem.technicians:
        lunch = tech.lunch
        roll = rng.random()
        if lunch is not None and roll < 0.25:
            lunch = replace(lunch, on_site=False)
        elif lunch is not None and roll < 0.5:
            lunch = replace(lunch, on_site_after=90)
        elif roll < 0.6:
            lunch = Break(700, 760, 45)
        elif roll < 0.7:
            # A day that starts with the lunch due (re-planned after a morning on site).
            lunch = Break(tech.shift_start, tech.shift_start + 5, 30)
        last_departure = rng.choice((None, tech.shift_end, tech.shift_end - 120))
        techs.append(
            replace(
                tech,
                lunch=lunch,
                commute_home=rng.random() < 0.4,
                last_departure=last_departure,
            )
        )
    margin = rng.choice((0, 0, 30))
    params = replace(
        problem.params,
        told_margin_minutes=margin,
        long_job_start_minute=rng.choice((0, 0, 1.5)),
        long_job_minutes=rng.choice((30, 90)),
    )
    return replace(problem, technicians=tuple(techs), params=params)


def _ruin(routes: list[list[int]], problem: Problem, rng: random.Random) -> tuple[list, list]:
    trial = [list(r) for r in routes]
    cut: list[int] = []
    for v in rng.sample(range(len(trial)), min(rng.randint(1, 4), len(trial))):
        route = trial[v]
        movable = [i for i, j in enumerate(route) if problem.jobs[j].pin is None]
        if not movable:
            continue
        first = rng.randrange(len(movable))
        taken = [route[i] for i in movable[first : first + rng.randint(1, 5)]]
        cut += taken
        trial[v] = [j for j in route if j not in taken]
    served = {j for route in trial for j in route}
    spare = [j for j in range(len(problem.jobs)) if j not in served and j not in cut]
    offered = cut + rng.sample(spare, min(len(spare), rng.randint(0, 6)))
    rng.shuffle(offered)
    return trial, offered


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    techs=st.integers(1, 9),
    jobs=st.integers(1, 45),
    seed=st.integers(0, 10_000),
)
def test_the_compiled_insertion_matches_the_python_one(techs: int, jobs: int, seed: int) -> None:
    rng = random.Random(seed)
    problem = _varied(generate_day(techs, jobs, seed), rng)
    arrays = ModelArrays.build(problem, travel_matrix(problem), SolveParams())
    python, compiled = Reinserter(arrays, compiled=False), Reinserter(arrays)
    routes = construct(arrays, seed=seed)
    for _ in range(25):
        trial, offered = _ruin(routes, problem, rng)
        expected = python.reinsert(trial, offered)
        assert compiled.reinsert(trial, offered) == expected
        # Each route it inserted into is timed feasible by the Python timing. (Routes it left
        # alone may hold a stop the construction let run late on a soft window.)
        for v, route in enumerate(expected):
            if route != trial[v]:
                assert python.timing(v, route).feasible
        if rng.random() < 0.5:
            routes = expected  # walk on, so later moves start from other routes


def test_a_search_built_on_it_returns_plans_the_checker_accepts() -> None:
    problem = _varied(generate_day(6, 30, 11), random.Random(11))
    plan = solve(problem, time_limit=2.0, seed=3)
    assert check_plan(problem, plan) == []
    assert len(plan.unassigned) < len(problem.jobs)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(techs=st.integers(1, 6), jobs=st.integers(1, 30), seed=st.integers(0, 10_000))
def test_the_compiled_timing_matches_the_python_one(techs: int, jobs: int, seed: int) -> None:
    """Random stop orders, most of them infeasible: the same verdict, starts, departure,
    return and lunch as `schedule.time_route`."""
    rng = random.Random(seed)
    problem = _varied(generate_day(techs, jobs, seed), rng)
    arrays = ModelArrays.build(problem, travel_matrix(problem), SolveParams())
    python, compiled = Reinserter(arrays, compiled=False), Reinserter(arrays)
    feasible = 0
    for _ in range(400):
        v = rng.randrange(techs)
        route = rng.sample(range(jobs), rng.randint(0, min(jobs, 7)))
        expected = python.starts(v, route)
        assert compiled.starts(v, route) == expected
        feasible += expected.feasible
    assert feasible > 0 or jobs < 3  # not only the infeasible branch


def test_the_kernels_can_be_compiled_ahead_of_the_first_solve() -> None:
    from optimizer import _insert_kernel as kernel
    from optimizer import compile_kernels

    compile_kernels()
    assert kernel._reinsert.signatures and kernel._time_route.signatures


@settings(max_examples=200, deadline=None)
@given(
    keys=st.lists(st.integers(-(10**9), 10**9), unique=True, max_size=300),
    share=st.floats(0, 1),
)
def test_the_cheapest_places_come_first_in_the_order_a_full_sort_gives(
    keys: list[int], share: float
) -> None:
    values = np.array(keys, dtype=np.int64)
    count = round(share * len(keys))
    order = _cheapest(values, count)
    assert list(order) == list(np.argsort(values)[:count])
