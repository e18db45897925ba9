"""Big days on two cores: ruin and recreate on the two halves of the day at once.

A string move touches two to four neighbouring routes, so on a 180-technician day the moves in
one half of the map hardly ever meet those in the other. Each round splits the fleet in two
along a random line through the map (the unassigned jobs go with the half of their nearest
allowed technician), searches one half here and the other in a worker process for the same
time, then writes both back: each half is kept only if the whole day gets cheaper. The line
turns every round, so no boundary stays in the way.
"""

from __future__ import annotations

import math
import random
import time as clock
from collections.abc import Callable, Sequence
from concurrent.futures import BrokenExecutor, Executor

import numpy as np

from optimizer._anneal_kernel import FieldAnnealer
from optimizer._routing import RoutingOutcome
from optimizer._splice import splice
from optimizer.assemble import PlanScorer, merge_timings, timed_outcome
from optimizer.exchange import Mailbox
from optimizer.geometry import job_location, route_centres
from optimizer.matrices import ModelArrays
from optimizer.params import SolveParams
from optimizer.recreate import cooling_cycles, idled, improve_by_recreate
from optimizer.route_pool import RoutePool
from optimizer.workers import POOLS, cores, retire_pool, worker_pool

__all__ = ["improve_by_halves", "search_here", "search_part"]

FIRST_ROUND = 1.0
"""Seconds of the first round; each later one is a second longer, up to `LONGEST_ROUND`
(short rounds early, so progress is reported while the day still improves fast)."""
LONGEST_ROUND = 4.0
FIRST_COOLING = 30.0
"""Seconds of the first cooling cycle; a longer budget restarts the cooling from the best day
for a second cycle twice as long, and so on. One cooling over a whole 120 s budget kept the
rounds wandering for most of it: on 180 × 800 (seed 3, solver seeds 3-5) those runs ended at
43,291 / 40,899 / 39,103, where 30 s runs reached 38,909 / 38,856 / 39,611. With this first
cycle they end at 39,586 / 38,199 / 38,753, and a budget up to 45 s cools once, as before.
Cycles from 0.5 s, as on a whole day, were as steady at 120 s (38,937 / 38,997 / 38,863) and
no better at 30 s (40,145 / 40,580 / 39,293; 30 s runs of this size spread about 3 % from one
batch to the next)."""

HANDBACK = 0.05
"""Seconds before the deadline that the last round ends, so that both halves are back, spliced
into the day and reported by then (a round ending at the deadline reported its gain, often the
biggest of the search, 20-100 ms after it, and a caller timing the search missed it)."""

Half = tuple[list[int], list[int]]
"""Vehicles, and jobs (their routes' jobs, then unassigned jobs) of one half."""


def improve_by_halves(
    arrays: ModelArrays,
    routes: list[list[int]],
    *,
    deadline: float,
    seed: int,
    params: SolveParams,
    score: Callable[[list[list[int]], dict[int, RoutingOutcome]], float],
    on_improvement: Callable[[float], None] | None = None,
) -> tuple[list[list[int]], dict[int, RoutingOutcome]]:
    """Ruin and recreate on two halves of the day at once until `deadline` (with
    `params.idle_seconds`, until a round brings no gain).

    Without a worker process (one core, `params.part_workers` 0, or a counted search,
    `params.stall_solutions`, whose plan must not depend on timing), this is
    `improve_by_recreate` on the whole day.
    """
    alone = params.stall_solutions is not None or params.part_workers == 0
    pool = None if alone or cores() < 2 else worker_pool(1)
    if pool is None or arrays.n_techs < 4:
        return improve_by_recreate(
            arrays,
            routes,
            deadline=deadline,
            seed=seed,
            params=params,
            score=score,
            on_improvement=on_improvement,
        )
    rng = random.Random(seed)
    cycles = cooling_cycles(clock.perf_counter(), deadline, FIRST_COOLING)
    routes = [list(r) for r in routes]
    timings: dict[int, RoutingOutcome] = {}
    current = score(routes, timings)
    seconds = FIRST_ROUND
    last_end = deadline - HANDBACK
    gained_at = clock.perf_counter()
    while clock.perf_counter() < last_end - 0.05:
        if idled(params, gained_at):
            break
        end = min(last_end, clock.perf_counter() + seconds)
        seconds = min(LONGEST_ROUND, seconds + 1.0)
        while len(cycles) > 1 and cycles[0][1] <= clock.perf_counter():
            cycles.pop(0)
        cooling = cycles[0]
        halves = _split(arrays, routes, rng.uniform(0, math.pi))
        parts = [_part(arrays, routes, half) for half in halves]
        seeds = [rng.randrange(2**31) for _ in halves]
        try:
            future = pool.submit(search_part, *parts[1], params, seeds[1], end, cooling)
        except (BrokenExecutor, RuntimeError) as exc:
            retire_pool(pool, exc)
            break
        here = search_part(*parts[0], params, seeds[0], end, cooling)
        try:
            there = future.result()
        except Exception as exc:  # a dead process, a pickling error, a bug: all retire it
            retire_pool(pool, exc)
            there = None
        for half, found in zip(halves, (here, there), strict=True):
            if found is None:
                continue
            trial_routes, trial_timings = splice(routes, timings, *half, found)
            value = score(trial_routes, trial_timings)
            if value < current - 1e-6:
                current, routes, timings = value, trial_routes, trial_timings
                gained_at = clock.perf_counter()
                if on_improvement is not None:
                    on_improvement(current)
        if there is None and not _usable(pool):
            break
    else:
        return routes, timings
    # The worker is gone: the rest of the time in this process.
    return search_here(
        arrays,
        routes,
        timings,
        deadline=deadline,
        seed=seed,
        params=params,
        score=score,
        on_improvement=on_improvement,
    )


def _usable(pool: Executor) -> bool:
    return pool in POOLS.values()


def search_here(
    arrays: ModelArrays,
    routes: list[list[int]],
    timings: dict[int, RoutingOutcome],
    *,
    deadline: float,
    seed: int,
    params: SolveParams,
    score: Callable[[list[list[int]], dict[int, RoutingOutcome]], float],
    on_improvement: Callable[[float], None] | None = None,
    cooling: tuple[float, float] | None = None,
    pool: RoutePool | None = None,
    mailbox: Mailbox | None = None,
) -> tuple[list[list[int]], dict[int, RoutingOutcome]]:
    """Ruin and recreate in this process from a day part-way through a search: `routes` and
    the timings re-solved so far (the rest are the caller's base), pooling the routes it holds
    in `pool` and trading days through `mailbox` (`recreate.improve_by_recreate`). Returns the
    same pair."""
    more_routes, more = improve_by_recreate(
        arrays,
        routes,
        deadline=deadline,
        seed=seed,
        params=params,
        score=lambda r, t: score(r, {**timings, **t}),
        on_improvement=on_improvement,
        cooling=cooling,
        pool=pool,
        mailbox=mailbox,
    )
    return more_routes, {**timings, **more}


def _split(arrays: ModelArrays, routes: Sequence[Sequence[int]], angle: float) -> list[Half]:
    """The fleet cut in two equal halves by a line at `angle` through the route centres."""
    centres = route_centres(arrays, routes)
    along = centres @ np.array([math.cos(angle), math.sin(angle)])
    order = [int(v) for v in np.argsort(along, kind="stable")]
    middle = len(order) // 2
    sides = [sorted(order[:middle]), sorted(order[middle:])]
    side_of = {v: k for k, side in enumerate(sides) for v in side}
    spare: list[list[int]] = [[], []]
    served = {j for route in routes for j in route}
    for j in range(arrays.n_jobs):
        allowed = arrays.allowed[j]
        if j in served or not allowed:
            continue
        location = job_location(arrays, j)
        nearest = min(allowed, key=lambda v: float(np.hypot(*(centres[v] - location))))
        spare[side_of[nearest]].append(j)
    return [
        (side, sorted(j for v in side for j in routes[v]) + spare[k])
        for k, side in enumerate(sides)
    ]


def _part(
    arrays: ModelArrays, routes: Sequence[Sequence[int]], half: Half
) -> tuple[ModelArrays, list[list[int]]]:
    vehicles, jobs = half
    index = {j: k for k, j in enumerate(jobs)}
    return arrays.subset(vehicles, jobs), [[index[j] for j in routes[v]] for v in vehicles]


def search_part(
    model: ModelArrays,
    routes: list[list[int]],
    params: SolveParams,
    seed: int,
    deadline: float,
    cooling: tuple[float, float],
    mailbox: Mailbox | None = None,
) -> RoutingOutcome | None:
    """Ruin and recreate on one half (or on the whole day) until `deadline`: its whole timed
    outcome, or None if nothing got cheaper. Better days go to `mailbox` as they are found."""
    base = _timed(model, routes)
    if base is None:
        return None
    scorer = PlanScorer(model, base)
    found, timings = improve_by_recreate(
        model,
        routes,
        deadline=deadline,
        seed=seed,
        params=params,
        score=lambda r, t: scorer(t),
        cooling=cooling,
        mailbox=mailbox,
    )
    if not timings:
        return None
    return merge_timings(timings, base)


def _timed(model: ModelArrays, routes: Sequence[Sequence[int]]) -> RoutingOutcome | None:
    """The half's routes timed with each technician's own minutes; None if a stop no longer
    fits.

    A route the string moves made is timed as they time it (its service profile's minutes):
    with the shorter own minutes the lunch can fall later and the day end a minute past the
    shift. Such a route keeps the moves' timing rather than costing the half its round (on a
    180 × 800 day, after the first rounds, most halves were given up that way).
    """
    outcome = timed_outcome(model, routes)
    short = [v for v, route in enumerate(routes) if len(outcome.routes[v]) != len(route)]
    if not short:
        return outcome
    moves = FieldAnnealer(model)
    if any(moves.route_value(v, routes[v]) is None for v in short):
        return None
    return merge_timings({v: moves.outcome(v, list(routes[v])) for v in short}, outcome)
