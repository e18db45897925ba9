"""The VRPTW's annealed ruin and recreate: every plan it keeps is feasible with exact times and
serves everyone, and on instances small enough to enumerate it finds the optimum."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer import VrptwInstance, VrptwSolution, check_vrptw, exact_distance
from optimizer._vrptw_data import ScaledInstance, scale_instance
from optimizer._vrptw_search import construct
from optimizer._vrptw_sisr import anneal, neighbours_of


def _random_instance(seed: int, customers: int, vehicles: int, tight: bool) -> VrptwInstance:
    """Customers on a 100 × 100 square; windows narrow (`tight`) or wide, all reachable."""
    rng = np.random.default_rng(seed)
    coords = [(50.0, 50.0)] + [
        (float(x), float(y)) for x, y in rng.integers(0, 101, size=(customers, 2))
    ]
    horizon = 600.0
    earliest, latest = [0.0], [horizon]
    for x, y in coords[1:]:
        reach = math.hypot(x - 50, y - 50)
        # Latest start that still gets the truck home by the horizon after 10 minutes of work.
        last = horizon - 10 - reach
        width = rng.uniform(30, 90) if tight else rng.uniform(200, 500)
        open_at = rng.uniform(reach, max(reach, last - width))
        earliest.append(round(open_at, 1))
        latest.append(round(min(last, open_at + width), 1))
    demands = [0, *(int(d) for d in rng.integers(1, 30, size=customers))]
    return VrptwInstance(
        name=f"random-{seed}",
        coords=tuple(coords),
        demands=tuple(demands),
        earliest=tuple(earliest),
        latest=tuple(latest),
        service=(0.0, *([10.0] * customers)),
        capacity=100,
        vehicles=vehicles,
    )


def _start(data: ScaledInstance) -> list[list[int]]:
    routes, unrouted = construct(data, seed=0, budget=0.0)
    assert unrouted == []
    return routes


def _scaled_cost(data: ScaledInstance, routes: list[list[int]]) -> int:
    return sum(
        int(data.cost[a, b]) for route in routes for a, b in itertools.pairwise([0, *route, 0])
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    customers=st.integers(2, 30),
    tight=st.booleans(),
    annealing_seed=st.integers(0, 1000),
)
def test_every_plan_kept_is_feasible_complete_and_no_longer_than_the_start(
    seed: int, customers: int, tight: bool, annealing_seed: int
) -> None:
    instance = _random_instance(seed, customers, vehicles=customers, tight=tight)
    data = scale_instance(instance)
    start = _start(data)
    routes = anneal(data, start, seed=annealing_seed, moves=300)
    solution = VrptwSolution(tuple(map(tuple, routes)), exact_distance(instance, routes))
    # The checker recomputes the schedule with exact (unrounded) times.
    assert check_vrptw(instance, solution) == []
    assert sorted(c for route in routes for c in route) == list(range(1, customers + 1))
    assert _scaled_cost(data, routes) <= _scaled_cost(data, start)


def test_a_fleet_the_start_fills_is_never_exceeded() -> None:
    # Capacity 100 and demands up to 29: 30 customers need at least a few trucks; the fleet is
    # exactly the number the construction used, so any move that opens a route must be refused.
    instance = _random_instance(7, 30, vehicles=30, tight=False)
    data = scale_instance(instance)
    start = _start(data)
    fleet = len(start)
    tight_fleet = VrptwInstance(**{**_fields(instance), "vehicles": fleet})
    data = scale_instance(tight_fleet)
    routes = anneal(data, start, seed=3, moves=2000)
    assert len(routes) <= fleet
    solution = VrptwSolution(tuple(map(tuple, routes)), exact_distance(tight_fleet, routes))
    assert check_vrptw(tight_fleet, solution) == []


def _fields(instance: VrptwInstance) -> dict[str, object]:
    return {name: getattr(instance, name) for name in VrptwInstance.__slots__}


def _optimum(data: ScaledInstance) -> int:
    """Shortest feasible plan by enumeration: every order of the customers, cut into routes."""
    customers = list(range(1, data.nodes))
    best = None
    for order in itertools.permutations(customers):
        for cuts in itertools.product((False, True), repeat=len(order) - 1):
            routes, current = [], [order[0]]
            for customer, cut in zip(order[1:], cuts, strict=True):
                if cut:
                    routes.append(current)
                    current = []
                current.append(customer)
            routes.append(current)
            if len(routes) <= data.vehicles and all(_feasible(data, r) for r in routes):
                cost = _scaled_cost(data, routes)
                best = cost if best is None else min(best, cost)
    assert best is not None
    return best


def _feasible(data: ScaledInstance, route: list[int]) -> bool:
    if sum(int(data.demand[c]) for c in route) > data.capacity:
        return False
    clock, previous = int(data.earliest[0]), 0
    for node in route:
        clock = max(clock + int(data.service[previous] + data.travel[previous, node]),
                    int(data.earliest[node]))  # fmt: skip
        if clock > data.latest[node]:
            return False
        previous = node
    return clock + int(data.service[previous] + data.travel[previous, 0]) <= data.latest[0]


@pytest.mark.parametrize("seed", range(8))
def test_it_finds_the_optimum_of_six_customer_instances(seed: int) -> None:
    instance = _random_instance(100 + seed, 6, vehicles=3, tight=seed % 2 == 0)
    data = scale_instance(instance)
    routes, unrouted = construct(data, seed=0, budget=0.0)
    if unrouted:
        pytest.skip("the fleet of three cannot serve this draw")  # not expected; see the seeds
    found = anneal(data, routes, seed=seed, moves=3000)
    assert _scaled_cost(data, found) == _optimum(data)


def test_neighbours_list_each_customer_first_then_others_by_distance() -> None:
    instance = _random_instance(5, 12, vehicles=12, tight=False)
    data = scale_instance(instance)
    table = neighbours_of(data)
    assert table.shape == (13, 12)
    for customer in range(1, 13):
        row = list(table[customer])
        assert row[0] == customer
        assert sorted(row) == list(range(1, 13))  # every customer once, never the depot
        distances = [int(data.cost[customer, other]) for other in row[1:]]
        assert distances == sorted(distances)


def test_a_run_needs_either_a_deadline_or_a_number_of_moves() -> None:
    instance = _random_instance(1, 4, vehicles=4, tight=False)
    data = scale_instance(instance)
    with pytest.raises(ValueError, match="either a deadline or a number of moves"):
        anneal(data, _start(data), seed=0)
