"""How `solve_vrptw` spends its time: several constructions, then OR-Tools' iterated local search.

The construction variants cost milliseconds each, so a few are tried and the shortest plan seeds
the search. Whatever happens in the search, the best feasible plan seen is what comes back.
"""

from __future__ import annotations

import dataclasses
import time
from concurrent.futures import BrokenExecutor, Executor, Future

import numpy as np

from optimizer._vrptw_construct import InsertionParams, regret_insertion
from optimizer._vrptw_data import ScaledInstance, scale_instance
from optimizer._vrptw_model import RoutingModel, SearchParams
from optimizer.vrptw import VrptwInstance
from optimizer.workers import cores, retire_pool, worker_pool

# Deterministic variants first, then noisy ones; each costs a few milliseconds per 100 customers.
_VARIANTS = (
    InsertionParams(regret=2),
    InsertionParams(regret=3),
    InsertionParams(regret=4),
)
_NOISY = (InsertionParams(regret=2, noise=0.1), InsertionParams(regret=3, noise=0.1))
# Share of the budget the constructions may use at most.
_CONSTRUCTION_SHARE = 0.05

# Measured on the Solomon set at 10 s (see the benchmark): iterated local search with SISR
# ruin beats guided local search by more than a point of gap, and two runs from different
# starts beat one run of twice the length. Past `_RESTART_SIZE` customers one run is not long
# enough to converge, so it gets the whole budget. On two cores the second run goes to a worker
# and both get the whole budget: on the 55 Solomon instances at 10 s, mean gap 0.86 / 0.81 %
# (seeds 0 / 1) against 0.89 / 0.99 % in one process; longer than VROOM on 11 / 11 against 13 / 11.
RESTARTS = 2
_RESTART_SIZE = 150
_WORKER_SIZE = 250
"""Customers up to which, on two cores, the second run goes to a worker. Gehring-Homberger 200
(15 instances, two of each family and three more, 10 s, seeds 0 / 1): summed distance 45,829
/ 45,776 with the worker against 45,947 / 46,006 with one run (C1_2_3 2,808 → 2,677 on seed 0),
not longer than VROOM (one run) on 11 / 9 against 8 / 9. At 400 (10 instances, three paired
runs) the sums fell 0.15-0.9 %, but R1_4_2 and R1_4_5 came out 1-3.5 % longer every time
(R1_4_5 10,120 → 10,476), so 400 keeps one run."""
SEARCH = SearchParams(
    use_ils=True,
    metaheuristic="greedy_descent",
    lean_operators=True,
    leaner_operators=True,
    ruin_visits=15,
    ruin_sequence=15,
)
# The second run ruins differently from the first. On routes of a dozen customers or fewer
# (type 1 instances) it also empties whole routes (one close to a random visit, picked at
# random against SISR); over the Solomon instances at hand (the 8 developer ones and C203, R104,
# R112, RC204), seeds 0 and 1, that summed 17.8 and 22.8 shorter than two runs of plain SISR
# (R104 986.9 → 971.5). On longer routes (type 2: wide windows) it removes longer strings
# instead (30 visits, strings of 30), where removing 15 of 30 stops barely reshapes a route:
# on R201, RC201, C201, C203 and RC204 over seeds 0-2 that was shorter or equal in 14 of 15
# runs (C203 588.7, its optimum, every time, against 597.7 with route ruin on two seeds).
# The route-ruin run keeps only gains (no annealing): over R1 and RC1 (20 instances), seeds 0
# and 1, the two-core search's mean gap was 1.11 / 0.87 % against 1.19 / 1.03 % with
# annealing, longer than VROOM on 9 / 6 instances against 9 / 9 (hotter annealing, 30 → 0.1:
# 1.06 / 1.12 %, 7 / 9).
ROUTE_RUIN_SEARCH = dataclasses.replace(SEARCH, route_ruin=1, annealing=False)
LONG_ROUTE = 12
"""Average customers a route (in the first construction) from which routes count as long."""
LONG_ROUTE_SEARCH = dataclasses.replace(SEARCH, ruin_visits=30, ruin_sequence=30)
RESULT_GRACE = 0.5
_SHORTEST_RUN = 0.05
"""Seconds below which a run is not started."""
"""Seconds past the deadline that the worker's run is waited for; a later result is not used."""


def run_search(run: int, customers_per_route: float) -> SearchParams:
    """The search settings of restart `run` (0 first) on routes of this average length."""
    if run == 0:
        return SEARCH
    return LONG_ROUTE_SEARCH if customers_per_route >= LONG_ROUTE else ROUTE_RUIN_SEARCH


def _cost(data: ScaledInstance, routes: list[list[int]]) -> int:
    total = 0
    for route in routes:
        path = [0, *route, 0]
        total += int(data.cost[path[:-1], path[1:]].sum())
    return total


def construct(
    data: ScaledInstance, *, seed: int, budget: float
) -> tuple[list[list[int]], list[int]]:
    """Best of several regret insertions within `budget` seconds: fewest unrouted, then cost.

    Seed 0 starts with the plain variants; any other seed perturbs every variant's costs with
    noise drawn from that seed, so different seeds start the search from different plans.
    """
    rng = np.random.default_rng(seed)
    stop = time.monotonic() + budget
    best: tuple[list[list[int]], list[int]] | None = None
    best_key: tuple[int, int] | None = None
    variants = list(_VARIANTS) if seed == 0 else list(_NOISY)
    round_ = 0
    while True:
        params = variants[round_] if round_ < len(variants) else _NOISY[round_ % len(_NOISY)]
        routes, unrouted = regret_insertion(data, params, rng)
        key = (len(unrouted), _cost(data, routes))
        if best_key is None or key < best_key:
            best, best_key = (routes, unrouted), key
        round_ += 1
        if round_ >= len(variants) and time.monotonic() >= stop:
            break
    assert best is not None
    return best


def _remaining(deadline: float) -> float:
    return max(0.0, deadline - time.monotonic())


def complete(
    data: ScaledInstance, routes: list[list[int]], unrouted: list[int], *, seconds: float
) -> tuple[list[list[int]], list[int]]:
    """Try to place the customers the construction left out, within the fleet.

    Guided local search on a model where visits are optional at a prohibitive penalty: its
    moves can reshuffle the placed customers to make room, which one-by-one insertion cannot.

    Returns:
        The best routes found and the customers still left out (those of the input if the
        search does no better).
    """
    if seconds <= 0.05:
        return routes, unrouted
    model = RoutingModel(data, optional=True)
    repaired = model.improve(routes, SearchParams(gls_lambda=0.2), seconds)
    if repaired is None:
        return routes, unrouted
    placed = {customer for route in repaired for customer in route}
    missing = [c for c in range(1, data.nodes) if c not in placed]
    if len(missing) >= len(unrouted):
        return routes, unrouted
    return repaired, missing


def second_run(
    instance: VrptwInstance, *, seed: int, deadline: float, customers_per_route: float
) -> list[list[int]] | None:
    """Run 1 of `search` on its own, in a worker process: its own start and its own ruin.

    Returns:
        The best routes of the run, or None if its construction left a customer out.
    """
    data = scale_instance(instance)
    start, missing = construct(data, seed=seed * RESTARTS + 1, budget=0.0)
    if missing:
        return None
    improved = RoutingModel(data).improve(
        start, run_search(1, customers_per_route), _remaining(deadline)
    )
    return improved if improved is not None else start


def search(
    instance: VrptwInstance, *, deadline: float, seed: int
) -> tuple[list[list[int]], list[int], str]:
    """Construct, then improve until `deadline` (a `time.monotonic()` value).

    Two runs, each from its own construction and with its own ruin (`run_search`): the
    iterated local search settles into quite different basins from different starts. With a
    second core, up to `_WORKER_SIZE` customers, the second run goes to a worker process and
    both get the whole budget; on one core, up to `_RESTART_SIZE`, they share it. Past that
    size one run gets it all.

    Returns:
        (routes, unrouted customers, source) where source is ``"search"`` or ``"construction"``.
    """
    data = scale_instance(instance)
    budget = max(0.0, deadline - time.monotonic())
    routes, unrouted = construct(data, seed=seed, budget=budget * _CONSTRUCTION_SHARE)
    source = "construction"
    if unrouted:
        routes, unrouted = complete(data, routes, unrouted, seconds=_remaining(deadline) / 2)
        if unrouted:
            # Still incomplete: the partial plan is the most useful answer there is.
            return routes, unrouted, "construction"
        source = "search"
    per_route = instance.customers / max(1, len(routes))
    # Past `_WORKER_SIZE` the one run is cut short by the clock, and sharing the machine with a
    # worker slowed it more than the worker's run made up for (Gehring-Homberger 400, 10 s:
    # RC1_4_1 9,165 and 9,275 alone, 9,190 and 9,333 with the worker). Past `_RESTART_SIZE`,
    # two runs in one process would halve that run's time.
    small = instance.customers <= _RESTART_SIZE
    pool = worker_pool(1) if instance.customers <= _WORKER_SIZE and cores() >= 2 else None
    there = _start_second_run(pool, instance, seed, deadline, per_route)
    if pool is not None and there is not None:
        runs = [_first_run(data, routes, deadline), _second_run_result(pool, there, deadline)]
    elif small:
        runs = [_first_run(data, routes, time.monotonic() + _remaining(deadline) / 2)]
        if _remaining(deadline) > _SHORTEST_RUN:
            runs.append(
                second_run(instance, seed=seed, deadline=deadline, customers_per_route=per_route)
            )
    else:
        runs = [_first_run(data, routes, deadline)]
    best, best_cost = routes, _cost(data, routes)
    for candidate in runs:
        if candidate is None or not _serves_all(candidate, instance.customers):
            continue  # a worker's plan is checked for completeness, as any input is
        cost = _cost(data, candidate)
        if cost < best_cost:
            best, best_cost, source = candidate, cost, "search"
    return best, [], source


def _first_run(
    data: ScaledInstance, routes: list[list[int]], until: float
) -> list[list[int]] | None:
    """Run 0 of `search`, here, from the construction's `routes`."""
    if _remaining(until) <= _SHORTEST_RUN:
        return None
    return RoutingModel(data).improve(routes, SEARCH, _remaining(until))


def _serves_all(routes: list[list[int]], customers: int) -> bool:
    return sorted(c for r in routes for c in r) == list(range(1, customers + 1))


def _start_second_run(
    pool: Executor | None, instance: VrptwInstance, seed: int, deadline: float, per_route: float
) -> Future[list[list[int]] | None] | None:
    if pool is None:
        return None
    try:
        return pool.submit(
            second_run, instance, seed=seed, deadline=deadline, customers_per_route=per_route
        )
    except (BrokenExecutor, RuntimeError) as exc:
        retire_pool(pool, exc)
        return None


def _second_run_result(
    pool: Executor, future: Future[list[list[int]] | None], deadline: float
) -> list[list[int]] | None:
    try:
        return future.result(timeout=_remaining(deadline) + RESULT_GRACE)
    except TimeoutError:
        return None
    except Exception as exc:
        # Whatever failed over there, this process's run holds a plan: retire the worker.
        retire_pool(pool, exc)
        return None
