"""Big days on two cores: two halves searched at once, written back only if the day gains."""

from __future__ import annotations

import math
import time as clock
from collections.abc import Callable
from concurrent.futures import Executor, Future
from contextlib import AbstractContextManager

import pytest

from bench.field import generate_day
from optimizer import Problem, SolveParams
from optimizer import halves as halves_module
from optimizer import workers as workers_module
from optimizer._anneal_kernel import FieldAnnealer
from optimizer.assemble import PlanScorer, assemble, merge_timings, timed_outcome
from optimizer.construct import construct
from optimizer.matrices import ModelArrays
from optimizer.solve import travel_matrix
from tests.optimizer.conftest import BROKEN_WORKERS, check_clean, constructed

TIMED = SolveParams()
"""A search against the clock: the only kind that uses the worker."""


def test_the_halves_share_out_every_technician_and_every_job_once(day_40x150: Problem) -> None:
    arrays, routes = constructed(day_40x150, TIMED)
    routes[0] = []  # its jobs are now unassigned and must go to a half that may do them
    served = {j for route in routes for j in route}
    for angle in (0.0, 1.0, 2.5):
        (left, left_jobs), (right, right_jobs) = halves_module._split(arrays, routes, angle)
        assert sorted(left + right) == list(range(arrays.n_techs))
        assert abs(len(left) - len(right)) <= 1
        assert not set(left_jobs) & set(right_jobs)
        for vehicles, jobs in ((left, left_jobs), (right, right_jobs)):
            own = {j for v in vehicles for j in routes[v]}
            assert own <= set(jobs)
            for j in set(jobs) - own:
                assert j not in served
                assert any(v in vehicles for v in arrays.allowed[j])
        placeable = {j for j in range(arrays.n_jobs) if j not in served and arrays.allowed[j]}
        assert placeable <= set(left_jobs) | set(right_jobs)
    # The line turns with the angle: the halves are not the same for every round.
    sides = {tuple(halves_module._split(arrays, routes, a)[0][0]) for a in (0.0, math.pi / 2)}
    assert len(sides) == 2


def test_two_halves_at_once_make_the_day_cheaper_and_keep_every_rule(
    day_40x150: Problem,
) -> None:
    arrays, routes = constructed(day_40x150, TIMED)
    first = timed_outcome(arrays, routes)
    scorer = PlanScorer(arrays, first)
    start = scorer({})
    seen: list[float] = []
    better, timings = halves_module.improve_by_halves(
        arrays,
        routes,
        deadline=clock.perf_counter() + 4.0,
        seed=2,
        params=TIMED,
        score=lambda r, t: scorer(t),
        on_improvement=seen.append,
    )
    assert 1 in workers_module.POOLS  # the second half went to a worker process
    merged = merge_timings(timings, first)
    plan = assemble(arrays, merged)
    check_clean(day_40x150, plan)
    assert plan.objective < start
    assert seen == sorted(seen, reverse=True) and plan.objective == pytest.approx(seen[-1])
    assert [[j for j, _ in merged.routes[v]] for v in range(arrays.n_techs)] == better


@BROKEN_WORKERS
def test_the_day_is_searched_here_when_the_worker_fails(
    day_40x150: Problem, broken: Callable[[], AbstractContextManager[None]], warning: str
) -> None:
    arrays, routes = constructed(day_40x150, TIMED)
    first = timed_outcome(arrays, routes)
    scorer = PlanScorer(arrays, first)
    with broken(), pytest.warns(RuntimeWarning, match=warning):
        _, timings = halves_module.improve_by_halves(
            arrays,
            routes,
            deadline=clock.perf_counter() + 2.0,
            seed=2,
            params=TIMED,
            score=lambda r, t: scorer(t),
        )
    plan = assemble(arrays, merge_timings(timings, first))
    check_clean(day_40x150, plan)
    assert plan.objective < scorer({})


class _FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def perf_counter(self) -> float:
        return self.now


class _InlinePool(Executor):
    """Runs the second half here, at once: the rounds' bookkeeping without a process."""

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def]
        future: Future[object] = Future()
        future.set_result(fn(*args, **kwargs))
        return future


def _coolings(
    arrays: ModelArrays,
    routes: list[list[int]],
    budget: float,
    monkeypatch: pytest.MonkeyPatch,
    ends: list[float] | None = None,
) -> tuple[float, list[tuple[float, float, float]]]:
    """(start, [(round start, cooling start, cooling end)]) of a search of `budget` seconds
    whose rounds find nothing, on a fake clock; `ends` gets each round's end."""
    fake = _FakeClock()
    coolings: list[tuple[float, float, float]] = []

    def search(*args: object) -> None:
        end, cooling = args[-2], args[-1]
        assert isinstance(end, float) and isinstance(cooling, tuple)
        if fake.now < end:  # the first half of a round (the other one runs at once after)
            coolings.append((fake.now, *cooling))
            if ends is not None:
                ends.append(end)
            fake.now = end  # the round takes its time, and finds nothing
        else:
            assert cooling == coolings[-1][1:]  # both halves of a round cool alike
        return None

    monkeypatch.setattr(halves_module, "clock", fake)
    monkeypatch.setattr(halves_module, "search_part", search)
    monkeypatch.setattr(halves_module, "worker_pool", lambda workers: _InlinePool())
    monkeypatch.setattr(halves_module, "cores", lambda: 2)
    monkeypatch.setattr(halves_module, "_usable", lambda pool: True)
    started = fake.now
    halves_module.improve_by_halves(
        arrays, routes, deadline=started + budget, seed=1, params=TIMED, score=lambda r, t: 0.0
    )
    return started, coolings


def test_a_long_search_cools_again_from_the_best_day_in_longer_and_longer_cycles(
    day_40x150: Problem, monkeypatch: pytest.MonkeyPatch
) -> None:
    arrays, routes = constructed(day_40x150, TIMED)
    started, coolings = _coolings(arrays, routes, 200.0, monkeypatch)
    for at, begins, ends in coolings:
        assert begins <= at < ends  # a round cools over the cycle it falls in
    cycles = sorted({(b, e) for _, b, e in coolings})
    # One cooling over a long budget would keep every round wandering until late.
    assert cycles[0] == (started, started + halves_module.FIRST_COOLING)
    assert len(cycles) == 3 and cycles[-1][1] == started + 200.0
    assert all(a[1] == b[0] for a, b in zip(cycles, cycles[1:], strict=False))
    lengths = [e - b for b, e in cycles]
    assert lengths == sorted(lengths)
    # Up to the first cycle's length, one cooling spans the whole search.
    started, coolings = _coolings(arrays, routes, 30.0, monkeypatch)
    assert {(b, e) for _, b, e in coolings} == {(started, started + 30.0)}


def test_the_last_round_ends_in_time_to_hand_both_halves_back_by_the_deadline(
    day_40x150: Problem, monkeypatch: pytest.MonkeyPatch
) -> None:
    arrays, routes = constructed(day_40x150, TIMED)
    ends: list[float] = []
    started, _ = _coolings(arrays, routes, 30.0, monkeypatch, ends)
    # The last round ends just that much before the deadline.
    assert len(ends) > 1 and ends == sorted(ends)
    assert ends[-1] == pytest.approx(started + 30.0 - halves_module.HANDBACK)


def test_a_half_keeps_the_timing_the_string_moves_gave_its_routes() -> None:
    # Technicians grouped in two service profiles: the moves time a route with its group's
    # (longer) minutes. With the exact minutes one route below eats its lunch later and ends
    # past the shift, so exact timing alone would drop a stop and give up the whole half.
    problem = generate_day(40, 150, 1)
    arrays = ModelArrays.build(problem, travel_matrix(problem), SolveParams(max_service_profiles=2))
    moves = FieldAnnealer(arrays)
    moves.load(construct(arrays, seed=1))
    for batch in range(18):
        moves.run(200, 0.002, batch)
    routes = moves.best_routes()
    exact = timed_outcome(arrays, routes)
    dropped = [v for v, route in enumerate(routes) if len(exact.routes[v]) != len(route)]
    assert dropped, "the day no longer shows the two timings apart"

    base = halves_module._timed(arrays, routes)

    assert base is not None
    assert [[j for j, _ in base.routes[v]] for v in range(arrays.n_techs)] == routes
    for v in dropped:
        starts, _, _, _ = moves.timing(v, routes[v])
        assert [start for _, start in base.routes[v]] == starts
    check_clean(problem, assemble(arrays, base))
    # A route the moves themselves cannot fit in the day is still refused.
    v = dropped[0]
    other = next(u for u, route in enumerate(routes) if u != v and len(route) > 3)
    crowded = [list(route) for route in routes]
    crowded[v] = [*routes[v], *routes[other]]
    crowded[other] = []
    assert moves.route_value(v, crowded[v]) is None
    assert halves_module._timed(arrays, crowded) is None
