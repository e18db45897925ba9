"""The compiled string moves: their costs are the plan's, their days keep every rule."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.field import generate_day
from optimizer import Problem, SolveParams, check_plan
from optimizer._anneal_kernel import (
    FieldAnnealer,
    _anneal,
    _timed_value,
    compile_string_moves,
)
from optimizer._routing import RoutingOutcome
from optimizer.assemble import assemble, merge_timings, timed_outcome
from optimizer.construct import construct
from optimizer.matrices import ModelArrays
from optimizer.solve import travel_matrix


def _timed(annealer: FieldAnnealer, routes: list[list[int]]) -> dict[int, RoutingOutcome]:
    return {v: annealer.outcome(v, route) for v, route in enumerate(routes)}


def _with_previous(problem: Problem, rng: random.Random) -> Problem:
    """The day as a re-plan: a third of the jobs were on some technician's route before; some
    days keep a margin before told windows close, keep scarce skills for their work, start
    long jobs early, and keep room after visits that may run long, the one under way at a
    technician's start included; some technicians leave for no visit after their shift."""
    techs = [t.id for t in problem.technicians]
    previous = {job.id: rng.choice(techs) for job in problem.jobs if rng.random() < 0.33}
    params = replace(
        problem.params,
        told_margin_minutes=rng.choice((0, 0, 45)),
        skill_reserve_minute=rng.choice((0, 0.5, 3)),
        long_job_start_minute=rng.choice((0, 0, 2.5)),
        long_job_minutes=rng.choice((30, 90)),
    )
    jobs = tuple(replace(job, overrun_minutes=rng.choice((0, 0, 15, 50))) for job in problem.jobs)
    techs_on_site = tuple(
        replace(
            tech,
            start_room=rng.choice((0, 40, 400)),
            last_departure=rng.choice((None, tech.shift_end, tech.shift_end - 90)),
        )
        for tech in problem.technicians
    )
    return problem.replace(previous=previous, params=params, jobs=jobs, technicians=techs_on_site)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    techs=st.integers(1, 8),
    jobs=st.integers(1, 40),
    seed=st.integers(0, 10_000),
    profiles=st.sampled_from([1, 3, 12]),
)
def test_the_compiled_cost_is_the_plans_and_every_day_kept_is_valid(
    techs: int, jobs: int, seed: int, profiles: int
) -> None:
    rng = random.Random(seed)
    problem = _with_previous(generate_day(techs, jobs, seed), rng)
    # Few service profiles: technicians share their group's slowest minutes in the model.
    arrays = ModelArrays.build(
        problem, travel_matrix(problem), SolveParams(max_service_profiles=profiles)
    )
    base = timed_outcome(arrays, construct(arrays, seed=seed))
    start = [[j for j, _ in base.routes.get(v, [])] for v in range(arrays.n_techs)]
    annealer = FieldAnnealer(arrays)
    annealer.load(start)
    for batch in range(6):
        annealer.run(40, 0.02 if batch < 4 else 0.0, seed=seed + batch)
        for routes, value in (
            (annealer.current_routes(), annealer.current),
            (annealer.best_routes(), annealer.best),
        ):
            plan = assemble(arrays, merge_timings(_timed(annealer, routes), base))
            assert check_plan(problem, plan) == []
            assert value == pytest.approx(plan.objective, rel=1e-9, abs=1e-6)
            placed = [j for route in routes for j in route]
            assert len(placed) == len(set(placed))
            assert {j for j, job in enumerate(problem.jobs) if job.pin is not None} <= set(placed)
    assert annealer.best <= annealer.current + 1e-6


def _loaded(problem: Problem) -> tuple[ModelArrays, FieldAnnealer, list[list[int]]]:
    arrays = ModelArrays.build(problem, travel_matrix(problem), SolveParams())
    base = timed_outcome(arrays, construct(arrays, seed=0))
    routes = [[j for j, _ in base.routes.get(v, [])] for v in range(arrays.n_techs)]
    annealer = FieldAnnealer(arrays)
    annealer.load(routes)
    return arrays, annealer, routes


def test_an_offered_rebuild_is_kept_only_if_feasible_and_cheap_enough() -> None:
    arrays, annealer, routes = _loaded(generate_day(4, 16, 3))
    before = annealer.current
    busy = max(range(arrays.n_techs), key=lambda v: len(routes[v]))
    # Dropping a stop costs its unassigned penalty: far dearer than any threshold allows.
    assert annealer.offer({busy: routes[busy][1:]}, 0.01) is None
    assert annealer.current == before and annealer.current_routes() == routes
    # The same route reversed usually breaks a window; either way the verdict is consistent.
    reversed_route = list(reversed(routes[busy]))
    verdict = annealer.offer({busy: reversed_route}, 1.0)
    if annealer.route_value(busy, reversed_route) is None:
        assert verdict is None and annealer.current_routes() == routes
    else:
        assert verdict is not None and annealer.current_routes()[busy] == reversed_route


def test_a_day_without_jobs_or_moves_does_nothing() -> None:
    _, annealer, routes = _loaded(generate_day(3, 0, 1))
    assert annealer.run(100, 0.01, seed=1) is False
    assert annealer.current_routes() == routes == [[], [], []]
    _, annealer, routes = _loaded(generate_day(3, 9, 1))
    assert annealer.run(0, 0.01, seed=1) is False
    assert annealer.current_routes() == routes


def test_the_moves_compiled_ahead_serve_any_day_without_compiling_again() -> None:
    # The kernels are compiled before the first plan (`compile_kernels`); a day whose settings
    # hold fractional or whole numbers must find them ready, not compile again inside its
    # budget (seconds on a big day).
    compile_string_moves()
    compiled = len(_anneal.signatures), len(_timed_value.signatures)
    day = generate_day(12, 47, 1)
    whole = replace(
        day,
        technicians=tuple(replace(t, overtime_cost=None) for t in day.technicians),
        params=replace(day.params, overtime_minute=2),
    )
    fractional = replace(
        day, technicians=tuple(replace(t, overtime_cost=1.5) for t in day.technicians)
    )
    for problem in (whole, fractional):
        arrays = ModelArrays.build(problem, travel_matrix(problem), SolveParams())
        annealer = FieldAnnealer(arrays)
        annealer.load(construct(arrays, seed=1))
        annealer.run(20, 0.01, 1)
        assert annealer.route_value(0, annealer.best_routes()[0]) is not None
    assert (len(_anneal.signatures), len(_timed_value.signatures)) == compiled
