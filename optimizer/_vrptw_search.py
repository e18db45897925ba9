"""How `solve_vrptw` spends its time: several constructions, then annealed ruin and recreate.

The construction variants cost milliseconds each, so a few are tried and the shortest plan seeds
the search. A construction that leaves customers out is completed by OR-Tools' guided local
search first, whose moves can reshuffle placed customers to make room. Whatever happens in the
search, the best feasible plan seen is what comes back.
"""

from __future__ import annotations

import time
from concurrent.futures import BrokenExecutor, Executor, Future

import numpy as np

from optimizer._vrptw_construct import InsertionParams, regret_insertion
from optimizer._vrptw_data import ScaledInstance, scale_instance
from optimizer._vrptw_model import RoutingModel
from optimizer._vrptw_sisr import anneal
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

RUNS = 2
"""Annealing runs from the same start, each with its own seed: on two cores the second goes to a
worker process and both get the whole budget; on one core a single run gets it (annealing
needs its whole cooling curve more than a second start)."""
RESULT_GRACE = 0.5
"""Seconds past the deadline that the worker's run is waited for; a later result is not used."""
_SHORTEST_RUN = 0.05
"""Seconds below which a run is not started."""


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
    At least one is built, and past the budget the other plain variants only while the best
    leaves customers out.

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
        # Past the budget (a 1,000-customer construction takes over a second), stop; but while
        # customers are left out, try the other variants first.
        if time.monotonic() >= stop and (best_key[0] == 0 or round_ >= len(variants)):
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
    repaired = model.improve(routes, seconds)
    if repaired is None:
        return routes, unrouted
    placed = {customer for route in repaired for customer in route}
    missing = [c for c in range(1, data.nodes) if c not in placed]
    if len(missing) >= len(unrouted):
        return routes, unrouted
    return repaired, missing


def second_run(
    instance: VrptwInstance, routes: list[list[int]], *, seed: int, deadline: float
) -> list[list[int]]:
    """Run 1 of `search` on its own, in a worker process: the same start, its own seed.

    Returns:
        The best routes of the run (`routes` if it found nothing shorter).
    """
    return anneal(scale_instance(instance), routes, deadline=deadline, seed=seed * RUNS + 1)


def search(
    instance: VrptwInstance, *, deadline: float, seed: int
) -> tuple[list[list[int]], list[int], str]:
    """Construct, then improve by annealed ruin and recreate until `deadline` (a
    `time.monotonic()` value).

    With a second core the second run goes to a worker process and both get the whole budget;
    the shorter plan is kept.

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
    pool = worker_pool(1) if cores() >= 2 and _remaining(deadline) > _SHORTEST_RUN else None
    there = _start_second_run(pool, instance, routes, seed, deadline)
    runs: list[list[list[int]] | None] = [anneal(data, routes, deadline=deadline, seed=seed * RUNS)]
    if pool is not None and there is not None:
        runs.append(_second_run_result(pool, there, deadline))
    best, best_cost = routes, _cost(data, routes)
    for candidate in runs:
        if candidate is None or not _serves_all_within_fleet(candidate, instance):
            continue  # a worker's plan is checked, as any input is
        cost = _cost(data, candidate)
        if cost < best_cost:
            best, best_cost, source = candidate, cost, "search"
    return best, [], source


def _serves_all_within_fleet(routes: list[list[int]], instance: VrptwInstance) -> bool:
    if sum(1 for route in routes if route) > instance.vehicles:
        return False
    return sorted(c for r in routes for c in r) == list(range(1, instance.customers + 1))


def _start_second_run(
    pool: Executor | None,
    instance: VrptwInstance,
    routes: list[list[int]],
    seed: int,
    deadline: float,
) -> Future[list[list[int]]] | None:
    if pool is None:
        return None
    try:
        return pool.submit(second_run, instance, routes, seed=seed, deadline=deadline)
    except (BrokenExecutor, RuntimeError) as exc:
        retire_pool(pool, exc)
        return None


def _second_run_result(
    pool: Executor, future: Future[list[list[int]]], deadline: float
) -> list[list[int]] | None:
    try:
        return future.result(timeout=_remaining(deadline) + RESULT_GRACE)
    except TimeoutError:
        return None
    except Exception as exc:
        # Whatever failed over there, this process's run holds a plan: retire the worker.
        retire_pool(pool, exc)
        return None
