"""Ruin and recreate: the routes around one job emptied, rebuilt, and kept if the day is cheaper.

OR-Tools' local search moves one or two stops at a time. On 12 × 47 field days, guided local
search on the whole model needed 13 to 28 s (seeds 1-3) to find cheaper plans that hand stops
round four or five neighbouring routes at once. Here each move picks a job at random, takes
the few routes nearest to it (their technicians, their stops and the unassigned jobs they could
do), rebuilds them from nothing with the construction heuristic and a short descent of OR-Tools
on that part alone, and keeps the result only if the whole day's objective drops. A move takes
20-60 ms on such a day, so a few seconds try a hundred different rotations.
"""

from __future__ import annotations

import random
import time as clock
from collections.abc import Callable, Sequence
from dataclasses import replace

from optimizer._routing import RoutingOutcome, solve_routing
from optimizer._splice import splice
from optimizer.construct import construct
from optimizer.matrices import ModelArrays
from optimizer.params import SolveParams

__all__ = ["improve_by_recreate"]

ROUTES_PER_MOVE = (3, 4, 5)
"""How many neighbouring routes one move rebuilds, drawn at random."""
UNASSIGNED_PER_MOVE = 8
"""Unassigned jobs offered to a move, nearest first (more only slow the rebuild down)."""
DESCENT_STALL = 500
"""Search steps without improvement that end the descent of a rebuilt part."""
ACCEPT_WORSE = 0.01
"""At the start, a rebuilt plan up to this share dearer than the current one replaces it."""
STALL_MOVES = 40
"""With `SolveParams.stall_solutions` set: moves in a row without gain that end the search."""

Score = Callable[[list[list[int]], dict[int, RoutingOutcome]], float]


def improve_by_recreate(
    arrays: ModelArrays,
    routes: list[list[int]],
    *,
    deadline: float,
    seed: int,
    params: SolveParams,
    score: Score,
    on_improvement: Callable[[float], None] | None = None,
) -> tuple[list[list[int]], dict[int, RoutingOutcome]]:
    """Ruin and recreate parts of the day until `deadline` (a `perf_counter` time).

    With `params.stall_solutions` set, the search also ends after `STALL_MOVES` moves without
    gain; every step is then seeded or counted, so the same input gives the same plan (unless
    the deadline comes first).

    Returns:
        The routes, and for each vehicle a move rebuilt, the solver's timing of its route.
    """
    rng = random.Random(seed)
    descent = replace(
        params,
        metaheuristic="greedy_descent",
        stall_solutions=DESCENT_STALL,
        first_solution="construction",
        reinsertion_moves=False,
    )
    routes = [list(r) for r in routes]
    timings: dict[int, RoutingOutcome] = {}
    if arrays.n_jobs == 0 or arrays.n_techs == 0:
        return routes, timings  # nothing to move: do not spin until the deadline
    current = best = score(routes, timings)
    kept = (routes, timings)
    since_gain = 0
    began = clock.perf_counter()
    while clock.perf_counter() < deadline:
        if params.stall_solutions is not None and since_gain >= STALL_MOVES:
            break
        since_gain += 1
        vehicles, jobs = _ruin(arrays, routes, rng)
        if not jobs:
            continue
        part = arrays.subset(vehicles, jobs)
        rebuilt = construct(part, seed=rng.randrange(2**31))
        seconds = deadline - clock.perf_counter()
        if seconds <= 0.01:
            break
        outcome = solve_routing(part, time_limit=seconds, params=descent, initial=rebuilt)
        if outcome is None:
            continue
        trial_routes, trial_timings = splice(routes, timings, vehicles, jobs, outcome)
        value = score(trial_routes, trial_timings)
        if value < current * (1 + _threshold(params, began, deadline)) - 1e-6:
            current, routes, timings = value, trial_routes, trial_timings
        if value >= best - 1e-6:
            continue
        best, kept, since_gain = value, (trial_routes, trial_timings), 0
        if on_improvement is not None:
            on_improvement(best)
    return kept


def _threshold(params: SolveParams, began: float, deadline: float) -> float:
    """How much worse than the current plan a rebuilt one may be and still be moved to.

    It shrinks to nothing by the deadline, so the search wanders early and settles late.
    A counted (stalling) search only ever accepts gains.
    """
    if params.stall_solutions is not None or deadline <= began:
        return 0.0
    left = max(0.0, deadline - clock.perf_counter()) / (deadline - began)
    return ACCEPT_WORSE * left


def _ruin(
    arrays: ModelArrays, routes: Sequence[Sequence[int]], rng: random.Random
) -> tuple[list[int], list[int]]:
    """The vehicles nearest a random job, and their jobs then the unassigned near it."""
    drive = arrays.drive
    target = rng.randrange(arrays.n_jobs)
    size = min(rng.choice(ROUTES_PER_MOVE), arrays.n_techs)

    def nearness(v: int) -> int:
        return int(min(drive[x, target] for x in (arrays.start_node(v), *routes[v])))

    vehicles = sorted(range(arrays.n_techs), key=nearness)[:size]
    chosen = set(vehicles)
    served = {j for route in routes for j in route}
    spare = sorted(
        (
            j
            for j in range(arrays.n_jobs)
            if j not in served and any(v in chosen for v in arrays.allowed[j])
        ),
        key=lambda j: int(drive[target, j]),
    )[:UNASSIGNED_PER_MOVE]
    own = sorted(j for v in vehicles for j in routes[v])
    return vehicles, own + spare
