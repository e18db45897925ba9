"""Ruin and recreate: parts of the day taken apart and put back, kept if the day is cheaper.

OR-Tools' local search moves one or two stops at a time. On 12 × 47 field days, guided local
search on the whole model needed 13 to 28 s (seeds 1-3) to find cheaper plans that hand stops
round four or five neighbouring routes at once. Two kinds of move do that here, each kept only
if the whole day's objective drops (early in the search, if it rises by less than a shrinking
threshold):

- A *string move* (most moves, `STRING_SHARE`) cuts a run of stops out of each of a few routes
  near a random job and puts the cut stops, with the unassigned jobs near it, back wherever each
  is cheapest, in random order: SISR's ruin and recreate, 0.2 ms a move with the compiled
  insertion (`_insert_kernel.py`; 1.8 ms in Python).
- A *rebuild* takes the 3-5 routes nearest a random job (their stops and the unassigned jobs
  they could do), rebuilds them from nothing with the construction heuristic and a short
  descent of OR-Tools on that part alone: 20-60 ms a move, but it reorders whole routes.

Measured with `bench field`-style runs on 12 × 47 days, rebuilds alone against 95 % string
moves: at 10 s, 5 of seeds 7-12 better (one job more placed on seed 8, −5.5 % on seed 10) and
one 0.4 % worse; at 30 s, seeds 1-6 equal or better (−6.2 % on seed 2).
"""

from __future__ import annotations

import random
import time as clock
from collections.abc import Callable, Sequence
from dataclasses import replace

from optimizer._routing import RoutingOutcome, solve_routing
from optimizer._splice import splice
from optimizer.construct import Reinserter, construct
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
"""At the start, a changed day up to this share dearer than the current one replaces it (on
days of up to `WANDER_TECHS` technicians; on bigger days, a share as much smaller)."""
WANDER_TECHS = 12
"""A move changes a few routes: on a 180-technician day, 1 % of the day's cost is more than
any move could lose, and the search wandered for a third of its time before improving.
Measured on a 180 × 800 day (seed 1), the threshold scaled by 12 / 180 against not: objective
at 10 / 30 s 24,235 / 22,817 against 28,685 / 23,835."""
STALL_MOVES = 40
"""With `SolveParams.stall_solutions` set: moves in a row without gain that end the search."""
STRING_SHARE = 0.99
"""Share of moves that are string moves rather than rebuilds. With the compiled insertion a
string move costs about 0.2 ms on a 12 × 47 day against 40-60 ms for a rebuild, so at 0.95
rebuilds took nine tenths of the time. Measured on 12 × 47 days, seeds 1-10, one process,
5 s runs with 4-8 solver seeds each, runs within 0.5 % of the best plan known for their day
after 2 s: 0.95 13 of 40, 0.98 14 of 40, 0.99 37 of 80, 0.995 18 of 40 (Python insertion at
0.95: 11 of 40)."""
STRING_PATIENCE = 100
"""String moves in a row without a better day before rebuilds are drawn as well."""
STRING_ROUTES = (2, 3, 4)
"""How many routes near the chosen job a string move cuts, drawn at random."""
STRING_LONGEST = 6
"""Longest run of stops a string move takes out of one route."""
FIRST_CYCLE = 0.5
"""Seconds of the first cooling cycle of a search that owns its whole budget. Each later cycle
restarts from the best day at the full threshold and lasts twice as long as the one before;
the last one ends at the deadline. A single cooling over a 30 s budget still wandered at 1 %
after 2 s, so the plan a caller could take early was a wanderer's, not a settled one."""

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
    string_share: float = STRING_SHARE,
    moves: int | None = None,
    cooling: tuple[float, float] | None = None,
) -> tuple[list[list[int]], dict[int, RoutingOutcome]]:
    """Ruin and recreate parts of the day until `deadline` (a `perf_counter` time).

    With `params.stall_solutions` set, the search also ends after `STALL_MOVES` rebuilds without
    gain; every step is then seeded or counted, so the same input gives the same plan (unless
    the deadline comes first). With `moves`, it ends after that many moves. `cooling` (start,
    end) is the span over which dearer days stop being accepted, when this call is one round
    of a longer search (default: `cooling_cycles` from now to `deadline`).

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
    reinserter = Reinserter(arrays)
    cycles = [cooling] if cooling else cooling_cycles(clock.perf_counter(), deadline)
    began, cooled = cycles.pop(0)
    made = last_best = 0
    while clock.perf_counter() < deadline and (moves is None or made < moves):
        if params.stall_solutions is not None and since_gain >= STALL_MOVES:
            break
        if cycles and clock.perf_counter() >= cooled:
            # A new cycle starts from the best day found, free to wander again.
            began, cooled = cycles.pop(0)
            current, (routes, timings) = best, kept
        made += 1
        trial: tuple[list[list[int]], dict[int, RoutingOutcome]] | None
        if rng.random() < string_share or made - last_best < STRING_PATIENCE:
            trial = _string_move(arrays, reinserter, routes, timings, rng)
        else:
            # Only rebuilds count toward the stall: string moves are many and small.
            since_gain += 1
            trial = _rebuild(arrays, routes, timings, rng, descent, deadline)
        if trial is None:
            continue
        value = score(*trial)
        if value < current * (1 + _threshold(params, arrays, began, cooled)) - 1e-6:
            current, (routes, timings) = value, trial
        if value >= best - 1e-6:
            continue
        best, kept, since_gain, last_best = value, trial, 0, made
        if on_improvement is not None:
            on_improvement(best)
    return kept


def _rebuild(
    arrays: ModelArrays,
    routes: list[list[int]],
    timings: dict[int, RoutingOutcome],
    rng: random.Random,
    descent: SolveParams,
    deadline: float,
) -> tuple[list[list[int]], dict[int, RoutingOutcome]] | None:
    """The routes nearest a random job rebuilt from nothing, then a short OR-Tools descent."""
    vehicles, jobs = _ruin(arrays, routes, rng)
    if not jobs:
        return None
    part = arrays.subset(vehicles, jobs)
    rebuilt = construct(part, seed=rng.randrange(2**31))
    seconds = deadline - clock.perf_counter()
    if seconds <= 0.01:
        return None
    outcome = solve_routing(part, time_limit=seconds, params=descent, initial=rebuilt)
    if outcome is None:
        return None
    return splice(routes, timings, vehicles, jobs, outcome)


def _string_move(
    arrays: ModelArrays,
    reinserter: Reinserter,
    routes: list[list[int]],
    timings: dict[int, RoutingOutcome],
    rng: random.Random,
) -> tuple[list[list[int]], dict[int, RoutingOutcome]] | None:
    """A run of stops cut from each of a few routes near a random job, and the cut stops and
    the unassigned jobs near it put back wherever each is cheapest (SISR's ruin and recreate,
    without the OR-Tools model: a few milliseconds a move)."""
    drive = arrays.drive
    jobs = arrays.problem.jobs
    target = rng.randrange(arrays.n_jobs)
    size = min(rng.choice(STRING_ROUTES), arrays.n_techs)

    def nearness(v: int) -> int:
        return int(min(drive[x, target] for x in (arrays.start_node(v), *routes[v])))

    cut: list[int] = []
    trial = [list(route) for route in routes]
    for v in sorted(range(arrays.n_techs), key=nearness)[:size]:
        route = trial[v]
        movable = [i for i, j in enumerate(route) if jobs[j].pin is None]
        if not movable:
            continue
        nearest = min(movable, key=lambda i: int(drive[route[i], target]))
        length = rng.randint(1, min(len(movable), STRING_LONGEST))
        first = max(0, min(nearest - rng.randrange(length), len(route) - length))
        taken = [j for j in route[first : first + length] if jobs[j].pin is None]
        cut += taken
        trial[v] = [j for j in route if j not in taken]
    served = {j for route in trial for j in route}.union(cut)
    spare = sorted(
        (j for j in range(arrays.n_jobs) if j not in served),
        key=lambda j: int(drive[target, j]),
    )[:UNASSIGNED_PER_MOVE]
    offered = cut + spare
    rng.shuffle(offered)
    trial = reinserter.reinsert(trial, offered)
    trial_timings = dict(timings)
    for v, route in enumerate(trial):
        if route == routes[v]:
            continue
        timing = reinserter.starts(v, route)
        if not timing.feasible:
            return None
        trial_timings[v] = RoutingOutcome(
            {v: list(zip(route, timing.starts, strict=True))},
            {v: timing.depart},
            {v: timing.end},
            {v: timing.lunch_start} if timing.lunch_start is not None else {},
            "feasible",
            0.0,
        )
    return trial, trial_timings


def cooling_cycles(began: float, deadline: float) -> list[tuple[float, float]]:
    """(start, end) of each cooling cycle from `began` to `deadline` (`FIRST_CYCLE`, then
    doubling; a last cycle shorter than the one before is merged into it)."""
    cycles: list[tuple[float, float]] = []
    start, length = began, FIRST_CYCLE
    while start + length < deadline:
        cycles.append((start, start + length))
        start, length = start + length, length * 2
    if cycles and deadline - start < length / 2:
        start = cycles.pop()[0]
    cycles.append((start, deadline))
    return cycles


def _threshold(params: SolveParams, arrays: ModelArrays, began: float, deadline: float) -> float:
    """How much worse than the current plan a changed one may be and still be moved to.

    It shrinks to nothing by the deadline, so the search wanders early and settles late.
    A counted (stalling) search only ever accepts gains.
    """
    if params.stall_solutions is not None or deadline <= began:
        return 0.0
    left = max(0.0, deadline - clock.perf_counter()) / (deadline - began)
    return ACCEPT_WORSE * left * min(1.0, WANDER_TECHS / arrays.n_techs)


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
