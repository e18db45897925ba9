"""The classic VRPTW: reading VRPLIB files, checking plans independently, solving in the fleet."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from optimizer import (
    VrptwInstance,
    VrptwSolution,
    _vrptw_search,
    check_vrptw,
    dimacs_distance,
    exact_distance,
    parse_vrptw,
    read_vrptw,
    solve_vrptw,
)
from optimizer import workers as workers_module
from optimizer.vrptw import ViolationKind
from tests.optimizer.conftest import BROKEN_WORKERS

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "benchmarks" / "vrptw"

# Three rays from the depot; capacity forces three routes, one per ray: optimum 3 × 20 = 60.
TINY = """\
NAME : tiny
COMMENT : three rays of two customers
TYPE : CVRPTW
DIMENSION : 7
VEHICLES : 3
CAPACITY : 10
SERVICE_TIME : 1
EDGE_WEIGHT_TYPE : EUC_2D
NODE_COORD_SECTION
1 0 0
2 3 4
3 6 8
4 -3 4
5 -6 8
6 0 -5
7 0 -10
DEMAND_SECTION
1 0
2 3
3 3
4 4
5 4
6 5
7 5
TIME_WINDOW_SECTION
1 0 100
2 0 50
3 0 50
4 0 50
5 0 50
6 0 50
7 20 30
DEPOT_SECTION
1
-1
EOF
"""
# Customer numbers are the file's node ids minus one (the depot, node 1, becomes 0).
OPTIMUM = ((1, 2), (3, 4), (5, 6))


@pytest.fixture(scope="module")
def tiny() -> VrptwInstance:
    """Six customers on three rays, a fleet of three, one customer with a late window."""
    return parse_vrptw(TINY)


def _solution(instance: VrptwInstance, *routes: tuple[int, ...]) -> VrptwSolution:
    # The checker recomputes everything from the routes; the distance field plays no part.
    return VrptwSolution(routes=tuple(routes), distance=0.0)


def _kinds(instance: VrptwInstance, *routes: tuple[int, ...]) -> set[ViolationKind]:
    return {v.kind for v in check_vrptw(instance, _solution(instance, *routes))}


# --- reading -------------------------------------------------------------------------------------


def test_the_parser_puts_the_depot_first_and_reads_every_field(tiny: VrptwInstance) -> None:
    assert tiny.name == "tiny"
    assert tiny.customers == 6
    assert tiny.vehicles == 3 and tiny.capacity == 10
    assert tiny.coords[0] == (0.0, 0.0) and tiny.coords[6] == (0.0, -10.0)
    assert tiny.demands == (0, 3, 3, 4, 4, 5, 5)
    assert tiny.earliest[6] == 20 and tiny.latest[6] == 30 and tiny.latest[0] == 100
    # SERVICE_TIME applies to customers only; the depot has none.
    assert tiny.service == (0, 1, 1, 1, 1, 1, 1)
    assert tiny.distance(0, 1) == pytest.approx(5.0)


def test_a_service_time_section_gives_each_node_its_own_service() -> None:
    text = TINY.replace("SERVICE_TIME : 1\n", "").replace(
        "DEPOT_SECTION", "SERVICE_TIME_SECTION\n1 0\n2 1\n3 2\n4 3\n5 4\n6 5\n7 6\nDEPOT_SECTION"
    )
    assert parse_vrptw(text).service == (0, 1, 2, 3, 4, 5, 6)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("NODE_COORD_SECTION", "NODE_COORDS"), "line 9: data outside any section"),
        (("3 6 8\n", ""), "NODE_COORD_SECTION lacks node ids [3]"),
        (("7 0 -10\n", "7 0 -10\n8 1 1\n"), "node ids [8] outside 1..7"),
        (("4 -3 4\n", "4 -3 x\n"), "line 13: expected a number, got 'x'"),
        (("6 5\n7 5\n", "6 5\n6 5\n7 5\n"), "node 6 appears twice in DEMAND_SECTION"),
        (("DEPOT_SECTION\n1\n", "DEPOT_SECTION\n2\n"), "only a single depot at node 1"),
        (("EUC_2D", "GEO"), "EDGE_WEIGHT_TYPE GEO is not supported"),
        (("CAPACITY : 10\n", ""), "missing specification CAPACITY"),
        (("4 4\n5 4\n", "4 4.5\n5 4\n"), "demand of node 4 must be a whole number"),
        (("4 0 50\n", "4 0 50 9\n"), "line 29: TIME_WINDOW_SECTION lines hold an id and 2"),
    ],
)
def test_a_malformed_file_is_refused_with_the_reason(edit: tuple[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_vrptw(TINY.replace(*edit, 1))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("5 4\n", "5 11\n"), "node 4 demands 11, more than the capacity 10"),
        (("4 0 50\n", "4 40 30\n"), "node 3 has an empty time window"),
        (("3 0 50\n", "3 0 9\n"), "customer 2 cannot be reached before its latest start 9"),
        (("1 0 100\n", "1 0 30\n"), "customer 6 cannot be served and return to the depot by 30"),
        (("VEHICLES : 3", "VEHICLES : 0"), "vehicles must be positive"),
    ],
)
def test_an_impossible_instance_is_refused_when_built(edit: tuple[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_vrptw(TINY.replace(*edit, 1))


# --- checking ------------------------------------------------------------------------------------


def test_the_optimal_plan_has_no_violation(tiny: VrptwInstance) -> None:
    assert check_vrptw(tiny, _solution(tiny, *OPTIMUM)) == []


@pytest.mark.parametrize(
    ("routes", "kinds"),
    [
        (((1, 2, 7), (3, 4), (5, 6)), {ViolationKind.UNKNOWN_NODE}),
        (((1, 0, 2), (3, 4), (5, 6)), {ViolationKind.UNKNOWN_NODE}),
        (((1, 2, 3), (3, 4), (5, 6)), {ViolationKind.DUPLICATE_VISIT}),
        (((1, 2), (3, 4), (5,)), {ViolationKind.MISSING_CUSTOMER}),
        (((1, 2, 3, 4), (5, 6)), {ViolationKind.CAPACITY}),
        (((1,), (2,), (3, 4), (5, 6)), {ViolationKind.FLEET_SIZE}),
    ],
)
def test_the_checker_names_each_broken_rule(
    tiny: VrptwInstance, routes: tuple[tuple[int, ...], ...], kinds: set[ViolationKind]
) -> None:
    assert _kinds(tiny, *routes) == kinds


def test_service_after_the_latest_start_is_a_time_window_violation(tiny: VrptwInstance) -> None:
    tight = dataclasses.replace(tiny, latest=(100, 50, 50, 50, 50, 15, 30))
    # Serving 6 first (waits until 20) reaches 5 at 26, after its latest start 15.
    violations = check_vrptw(tight, _solution(tight, (1, 2), (3, 4), (6, 5)))
    assert [(v.kind, v.route, v.node) for v in violations] == [(ViolationKind.TIME_WINDOW, 2, 5)]
    assert check_vrptw(tight, _solution(tight, *OPTIMUM)) == []


def test_a_late_return_to_the_depot_is_a_violation(tiny: VrptwInstance) -> None:
    early_close = dataclasses.replace(tiny, latest=(31.5, 50, 50, 50, 50, 50, 30))
    # 5 then 6 is back at 31; 6 then 5 is back at 32.
    assert check_vrptw(early_close, _solution(early_close, *OPTIMUM)) == []
    assert _kinds(early_close, (1, 2), (3, 4), (6, 5)) == {ViolationKind.DEPOT_RETURN}


def test_waiting_for_a_window_to_open_is_allowed(tiny: VrptwInstance) -> None:
    # The vehicle reaches 6 at 11 and waits until 20: no violation, and the wait costs no distance.
    assert check_vrptw(tiny, _solution(tiny, (5, 6), (1, 2), (3, 4))) == []
    assert exact_distance(tiny, OPTIMUM) == pytest.approx(60.0)


def test_costing_a_route_through_an_unknown_node_is_refused(tiny: VrptwInstance) -> None:
    with pytest.raises(ValueError, match="route 1 visits 9, not a node of tiny"):
        exact_distance(tiny, [(1, 2), (3, 9)])


def test_dimacs_distance_truncates_each_leg_to_one_decimal() -> None:
    text = TINY.replace("2 3 4\n", "2 1 1\n")
    instance = parse_vrptw(text)
    # Depot → 1 is √2 = 1.414…, counted 1.4 each way.
    routes = ((1,),)
    assert dimacs_distance(instance, routes) == pytest.approx(2.8)
    assert exact_distance(instance, routes) == pytest.approx(2 * 2**0.5)


# --- solving -------------------------------------------------------------------------------------


def test_the_solver_finds_the_optimum_of_the_tiny_instance(tiny: VrptwInstance) -> None:
    solution = solve_vrptw(tiny, time_limit=1.0, seed=1)
    assert check_vrptw(tiny, solution) == []
    assert solution.distance == pytest.approx(60.0)
    assert solution.vehicles == 3
    assert solution.unrouted == ()


def test_without_enough_vehicles_the_best_partial_plan_comes_back(tiny: VrptwInstance) -> None:
    short = dataclasses.replace(tiny, vehicles=2)
    # Total demand 24 exceeds two vehicles of 10: some customer must stay out.
    solution = solve_vrptw(short, time_limit=0.5, seed=0)
    assert solution.unrouted
    assert solution.vehicles <= 2
    kinds = {v.kind for v in check_vrptw(short, solution)}
    assert kinds == {ViolationKind.MISSING_CUSTOMER}


def test_a_non_positive_time_limit_is_refused(tiny: VrptwInstance) -> None:
    with pytest.raises(ValueError, match="time_limit must be positive"):
        solve_vrptw(tiny, time_limit=0, seed=0)


@pytest.fixture(scope="module")
def r101() -> VrptwInstance:
    """Solomon R101: random customers, tight windows, where cheapest-arc starts find no plan."""
    path = SHARED / "R101.vrp"
    if not path.exists():
        pytest.skip("shared benchmark instances are absent")
    return read_vrptw(path)


def _best_known_r101() -> list[tuple[int, ...]]:
    return [
        tuple(int(x) for x in line.split(":")[1].split())
        for line in (SHARED / "R101.sol").read_text().splitlines()
        if line.startswith("Route")
    ]


def test_the_shared_best_known_routes_pass_the_checker_at_their_published_cost(
    r101: VrptwInstance,
) -> None:
    routes = _best_known_r101()
    assert check_vrptw(r101, _solution(r101, *routes)) == []
    assert dimacs_distance(r101, routes) == pytest.approx(1637.7)
    assert exact_distance(r101, routes) == pytest.approx(1642.88, abs=0.01)


def test_the_solver_returns_a_checked_plan_for_r101_in_two_seconds(r101: VrptwInstance) -> None:
    solution = solve_vrptw(r101, time_limit=2.0, seed=0)
    assert check_vrptw(r101, solution) == []
    assert solution.vehicles <= r101.vehicles
    # A loose sanity bound against the best known (1637.7): the plan is a real one.
    assert dimacs_distance(r101, solution.routes) < 1.10 * 1637.7


def test_the_repair_step_places_customers_a_partial_plan_left_out(tiny: VrptwInstance) -> None:
    from optimizer._vrptw_data import scale_instance
    from optimizer._vrptw_search import complete

    # The open routes carry 6 and 8 and cannot take a demand of 5: the missing pair needs the
    # third vehicle.
    routes, missing = complete(scale_instance(tiny), [[1, 2], [3, 4]], [5, 6], seconds=0.5)
    assert missing == []
    solution = VrptwSolution(tuple(map(tuple, routes)), exact_distance(tiny, routes))
    assert check_vrptw(tiny, solution) == []


# --- the second run, in a worker process -------------------------------------------------------


@pytest.fixture
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever this machine has, the search sees two cores and so uses a worker."""
    monkeypatch.setattr(_vrptw_search, "cores", lambda: 2)


def test_the_second_run_alone_returns_a_checked_plan(r101: VrptwInstance) -> None:
    from optimizer._vrptw_data import scale_instance

    start, missing = _vrptw_search.construct(scale_instance(r101), seed=0, budget=0.0)
    assert missing == []
    routes = _vrptw_search.second_run(r101, start, seed=3, deadline=time.monotonic() + 1.0)
    assert dimacs_distance(r101, routes) < dimacs_distance(r101, start)
    solution = VrptwSolution(tuple(map(tuple, routes)), exact_distance(r101, routes))
    assert check_vrptw(r101, solution) == []
    assert dimacs_distance(r101, routes) < 1.10 * 1637.7


class _KnownAnswerPool(Executor):
    """A worker whose run answers with fixed routes, and which records what it was asked."""

    def __init__(self, routes: list[list[int]]) -> None:
        self.routes = routes
        self.calls: list[tuple[object, ...]] = []

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.calls.append((fn, *args, *kwargs.values()))
        future: Future[list[list[int]]] = Future()
        future.set_result([list(route) for route in self.routes])
        return future


def test_the_worker_runs_the_second_run_and_its_shorter_plan_is_kept(
    r101: VrptwInstance, two_cores: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    best_known = [list(route) for route in _best_known_r101()]
    pool = _KnownAnswerPool(best_known)
    monkeypatch.setitem(workers_module.POOLS, 1, pool)
    # A tenth of a second here does not reach the best known (1637.7); the worker's answer is it.
    solution = solve_vrptw(r101, time_limit=0.1, seed=2)
    assert [call[0] for call in pool.calls] == [_vrptw_search.second_run]
    assert pool.calls[0][1] is r101 and pool.calls[0][3] == 2  # the instance and the seed
    assert sorted(solution.routes) == sorted(map(tuple, best_known))
    assert dimacs_distance(r101, solution.routes) == pytest.approx(1637.7)
    assert check_vrptw(r101, solution) == []


def test_a_worker_plan_that_leaves_customers_out_is_not_taken(
    r101: VrptwInstance, two_cores: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 25 customers alone on their routes: far shorter than any plan that serves all 100.
    lone = [[customer] for customer in range(1, r101.vehicles + 1)]
    pool = _KnownAnswerPool(lone)
    monkeypatch.setitem(workers_module.POOLS, 1, pool)
    solution = solve_vrptw(r101, time_limit=0.5, seed=0)
    assert len(pool.calls) == 1
    assert check_vrptw(r101, solution) == []
    assert sum(map(len, solution.routes)) == r101.customers


def test_a_two_hundred_customer_instance_takes_the_workers_shorter_plan(
    two_cores: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = SHARED / "C1_2_1.vrp"
    if not path.exists():
        pytest.skip("shared benchmark instances are absent")
    c1_2_1 = read_vrptw(path)
    published = [
        [int(x) for x in line.split(":")[1].split()]
        for line in (SHARED / "C1_2_1.sol").read_text().splitlines()
        if line.startswith("Route")
    ]
    pool = _KnownAnswerPool(published)
    monkeypatch.setitem(workers_module.POOLS, 1, pool)
    solution = solve_vrptw(c1_2_1, time_limit=0.5, seed=0)
    assert [call[0] for call in pool.calls] == [_vrptw_search.second_run]
    assert dimacs_distance(c1_2_1, solution.routes) == pytest.approx(2698.6)
    assert check_vrptw(c1_2_1, solution) == []


@BROKEN_WORKERS
def test_a_worker_that_fails_costs_the_vrptw_plan_nothing(
    r101: VrptwInstance,
    two_cores: None,
    broken: Callable[[], AbstractContextManager[None]],
    warning: str,
) -> None:
    with broken(), pytest.warns(RuntimeWarning, match=warning):
        solution = solve_vrptw(r101, time_limit=1.0, seed=0)
    assert check_vrptw(r101, solution) == []
    assert solution.source == "search"
    assert dimacs_distance(r101, solution.routes) < 1.10 * 1637.7


def test_the_construction_stops_at_its_budget_unless_customers_are_left_out(
    r101: VrptwInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    from optimizer._vrptw_data import scale_instance

    real = _vrptw_search.regret_insertion
    calls: list[object] = []

    def counted(data, params, rng):  # type: ignore[no-untyped-def]
        calls.append(params)
        return real(data, params, rng)

    monkeypatch.setattr(_vrptw_search, "regret_insertion", counted)
    data = scale_instance(r101)
    routes, missing = _vrptw_search.construct(data, seed=0, budget=0.0)
    # R101's first variant serves everyone: with no budget left, no second one is built.
    assert missing == [] and len(calls) == 1

    calls.clear()

    def short_first(data, params, rng):  # type: ignore[no-untyped-def]
        calls.append(params)
        routes, missing = real(data, params, rng)
        if len(calls) == 1:
            return routes[:-1], missing + routes[-1]  # as if the last route had not fitted
        return routes, missing

    monkeypatch.setattr(_vrptw_search, "regret_insertion", short_first)
    routes, missing = _vrptw_search.construct(data, seed=0, budget=0.0)
    # The first plan left customers out, so the next variant was tried and is kept.
    assert len(calls) == 2 and missing == []
