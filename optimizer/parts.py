"""Big days improved part by part: OR-Tools on a few neighbouring routes at a time.

One OR-Tools model of 180 technicians × 800 jobs with lunch breaks took longer to load its
first solution (`ReadAssignmentFromRoutes`, ~7 s) than the whole budget for a first plan, and
its local search made a handful of moves in 10 s. A part of a dozen neighbouring routes and the
unassigned jobs near them solves in well under a second, and each accepted part only lowers the
whole day's objective (a part's objective is the whole's, restricted to its routes). Parts are
visited in a seeded order, so the same seed and stall limit give the same plan.

A part whose routes have not changed since it last gained nothing is skipped, so later rounds
only search around what changed; once two rounds of one size gain nothing, parts grow (10, 15,
20, 30, then 40 routes by default). Disjoint parts are searched two at a time, the second in a
worker process: on 2 cores that is 644 parts in 30 s instead of 382. Measured with `bench
field` on 180 × 800 days (seeds 1, 2, 3), one process against two: objective at 30 s 25,956 /
35,128 / 43,739 against 25,922 / 35,049 / 43,462.
"""

from __future__ import annotations

import random
import time as clock
from collections.abc import Callable, Sequence
from concurrent.futures import BrokenExecutor, Executor
from dataclasses import dataclass, replace

import numpy as np

from optimizer._routing import RoutingOutcome, solve_routing
from optimizer._splice import splice
from optimizer.assemble import PlanScorer, first_routes, merge_timings
from optimizer.geometry import job_location, route_centres
from optimizer.matrices import ModelArrays
from optimizer.params import SolveParams
from optimizer.recreate import improve_by_recreate
from optimizer.workers import cores, retire_pool, worker_pool

__all__ = ["improve_by_parts"]

UNASSIGNED_PER_PART = 25
"""Unassigned jobs offered to each part, nearest first."""
PART_STALL = 3000
"""Search steps without improvement after which a part's search ends (unless params say)."""
PART_STRING_MOVES = 50
"""String moves (`recreate.py`) tried on each part once OR-Tools' search of it has stalled.
Measured with `bench field` on a 180 × 800 day (seed 1), against none: objective at 5 / 10 /
30 s 28,556 / 26,672 / 24,763 against 28,021 / 26,981 / 25,971, and the 120 s reference
23,834 against 25,567 (150 moves: 25,114 at 30 s). On 40 × 160 days (seeds 1-3) at 2 / 5 /
10 s the summed objective moves −0.3 / −0.1 / −0.6 %."""


@dataclass(frozen=True, slots=True)
class _Part:
    vehicles: list[int]
    jobs: list[int]
    """The part's own jobs (sorted), then the unassigned jobs offered to it."""
    model: ModelArrays
    warm: list[list[int]] | None


def improve_by_parts(
    arrays: ModelArrays,
    routes: list[list[int]],
    *,
    deadline: float,
    seed: int,
    params: SolveParams,
    score: Callable[[list[list[int]], dict[int, RoutingOutcome]], float],
    on_improvement: Callable[[float], None] | None = None,
) -> tuple[list[list[int]], dict[int, RoutingOutcome]]:
    """Re-solve parts of the day until `deadline` (a `perf_counter` time).

    Parts are taken in batches of disjoint parts (no shared route, no shared offered job),
    one per worker: the batches, and the order in which their results are kept or dropped,
    do not depend on how many processes solved them.

    Returns:
        The routes, and for each vehicle whose route a part re-solved, the solver's timing of
        that part (the caller times the other routes itself).
    """
    n_techs = arrays.n_techs
    # Once parts of one size change nothing, bigger parts allow moves the smaller could not
    # (a job handed across two routes that never shared a part).
    sizes = [min(params.part_size * k // 2, n_techs) for k in (2, 3, 4, 6, 8)]
    size = sizes.pop(0)
    rng = random.Random(seed)
    # A part stops early once its search stalls; the time cap only guards slow parts.
    part_params = replace(
        params,
        stall_solutions=params.stall_solutions or PART_STALL,
        first_solution="local_cheapest_insertion",
        reinsertion_moves=False,
    )
    batch_size = params.part_batch
    workers = params.part_workers
    if workers is None:
        workers = cores() - 1
    pool = worker_pool(min(workers, batch_size - 1))
    timings: dict[int, RoutingOutcome] = {}
    current = score(routes, timings)
    order: list[int] = []
    tried: set[int] = set()
    rounds_without_gain = 0
    gained = False
    while clock.perf_counter() < deadline:
        if not order:
            if rounds_without_gain >= 2:
                if not sizes or sizes[0] == size:
                    break  # two full rounds of the biggest parts changed nothing: converged
                size, rounds_without_gain = sizes.pop(0), 0
            order = list(range(n_techs))
            rng.shuffle(order)
            # Parts around jobs still unassigned go first: that is where most cost lies.
            first = _nearest_to_unassigned(arrays, routes)
            order = [v for v in order if v not in first] + sorted(first, key=order.index)
            rounds_without_gain = rounds_without_gain + 1 if not gained else 0
            gained = False
        batch = _next_batch(arrays, routes, order, size, batch_size, tried)
        if not batch:
            continue
        seconds = min(params.part_seconds, deadline - clock.perf_counter())
        if seconds <= 0.05:
            break
        seeds = [rng.randrange(2**31) for _ in batch]
        for part, outcome in zip(
            batch, _solve_parts(pool, batch, seconds, part_params, seeds), strict=True
        ):
            if outcome is None:
                continue
            trial_routes, trial_timings = splice(routes, timings, part.vehicles, part.jobs, outcome)
            value = score(trial_routes, trial_timings)
            if value >= current - 1e-6:
                continue
            gained = True
            current = value
            routes[:] = trial_routes
            timings = trial_timings
            if on_improvement is not None:
                on_improvement(current)
    return routes, timings


def _next_batch(
    arrays: ModelArrays,
    routes: list[list[int]],
    order: list[int],
    size: int,
    batch_size: int,
    tried: set[int],
) -> list[_Part]:
    """Up to `batch_size` disjoint parts, centred on vehicles popped from `order`.

    A centre whose part would share a route or an offered job with one already in the batch
    goes back to the end of `order` (where it is popped from), for the next batch.
    """
    centres = route_centres(arrays, routes)
    served = {j for route in routes for j in route}
    taken_vehicles: set[int] = set()
    taken_spare: set[int] = set()
    batch: list[_Part] = []
    deferred: list[int] = []
    while order and len(batch) < batch_size:
        v0 = order.pop()
        distance = np.hypot(*(centres - centres[v0]).T)
        vehicles = [int(v) for v in np.argsort(distance, kind="stable")[:size]]
        if taken_vehicles.intersection(vehicles):
            deferred.append(v0)
            continue
        own = [j for v in vehicles for j in routes[v]]
        local_vehicles = set(vehicles)
        spare = [
            j
            for j in range(arrays.n_jobs)
            if j not in served and any(v in local_vehicles for v in arrays.allowed[j])
        ]
        if spare:
            centre = centres[vehicles].mean(axis=0)
            spare.sort(key=lambda j: float(np.hypot(*(job_location(arrays, j) - centre))))
            spare = spare[:UNASSIGNED_PER_PART]
        if taken_spare.intersection(spare):
            deferred.append(v0)
            continue
        jobs = sorted(own) + spare
        if not jobs:
            continue
        # The search of a part is deterministic up to its time cap: a part whose routes and
        # offered jobs are as they were when it last gained nothing is not searched again.
        state = hash((tuple(vehicles), tuple(tuple(routes[v]) for v in vehicles), tuple(spare)))
        if state in tried:
            continue
        tried.add(state)
        # A part offered unassigned jobs is rebuilt from scratch (OR-Tools' local cheapest
        # insertion, then guided local search): warm starts rarely re-inserted them. A part
        # without any continues from its current routes, where the search has less to redo.
        # Either way the part is kept only if the day gets cheaper.
        warm = None
        if not spare:
            index = {j: k for k, j in enumerate(jobs)}
            warm = [[index[j] for j in routes[v]] for v in vehicles]
        batch.append(_Part(vehicles, jobs, arrays.subset(vehicles, jobs), warm))
        taken_vehicles.update(vehicles)
        taken_spare.update(spare)
    order.extend(reversed(deferred))
    return batch


def _solve_part(
    model: ModelArrays,
    seconds: float,
    params: SolveParams,
    warm: list[list[int]] | None,
    seed: int,
) -> RoutingOutcome | None:
    began = clock.perf_counter()
    outcome = solve_routing(model, time_limit=seconds, params=params, initial=warm)
    if outcome is None or PART_STRING_MOVES <= 0:
        return outcome
    return _polish(model, outcome, params, seed=seed, deadline=began + seconds)


def _polish(
    model: ModelArrays, outcome: RoutingOutcome, params: SolveParams, *, seed: int, deadline: float
) -> RoutingOutcome:
    """String moves on a part OR-Tools has left: they hand runs of stops between routes, which
    its one- and two-stop moves rarely do."""
    scorer = PlanScorer(model, outcome)

    def score(routes: list[list[int]], timings: dict[int, RoutingOutcome]) -> float:
        return scorer(timings)

    routes, timings = improve_by_recreate(
        model,
        first_routes(outcome, model.n_techs),
        deadline=deadline,
        seed=seed,
        params=params,
        score=score,
        rebuilds=False,
        moves=PART_STRING_MOVES,
    )
    if not timings:
        return outcome
    return merge_timings(timings, outcome)


def _solve_parts(
    pool: Executor | None,
    batch: Sequence[_Part],
    seconds: float,
    params: SolveParams,
    seeds: Sequence[int],
) -> list[RoutingOutcome | None]:
    """Solve a batch: all but the first in worker processes, the first here meanwhile.

    If the workers fail (a process killed, a main script without a `__main__` guard that
    they cannot import), their parts are solved here and the pool is not used again.
    """
    if pool is None:
        return [
            _solve_part(p.model, seconds, params, p.warm, s)
            for p, s in zip(batch, seeds, strict=True)
        ]
    try:
        futures = [
            pool.submit(_solve_part, p.model, seconds, params, p.warm, s)
            for p, s in zip(batch[1:], seeds[1:], strict=True)
        ]
    except (BrokenExecutor, RuntimeError) as exc:
        retire_pool(pool, exc)
        return _solve_parts(None, batch, seconds, params, seeds)
    first = _solve_part(batch[0].model, seconds, params, batch[0].warm, seeds[0])
    rest: list[RoutingOutcome | None] = []
    for part, seed, future in zip(batch[1:], seeds[1:], futures, strict=True):
        try:
            rest.append(future.result())
        except Exception as exc:  # a dead process, a pickling error, a bug: all retire it
            retire_pool(pool, exc)
            rest.append(_solve_part(part.model, seconds, params, part.warm, seed))
    return [first, *rest]


def _nearest_to_unassigned(arrays: ModelArrays, routes: Sequence[Sequence[int]]) -> set[int]:
    """For each unassigned job, the allowed technician whose route centre is nearest to it."""
    served = {j for route in routes for j in route}
    centres = route_centres(arrays, routes)
    out: set[int] = set()
    for j in range(arrays.n_jobs):
        allowed = list(arrays.allowed[j])
        if j in served or not allowed:
            continue
        gaps = np.hypot(*(centres[allowed] - job_location(arrays, j)).T)
        out.add(int(allowed[int(np.argmin(gaps))]))
    return out
