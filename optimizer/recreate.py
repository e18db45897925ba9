"""Ruin and recreate: parts of the day taken apart and put back, kept if the day is cheaper.

OR-Tools' local search moves one or two stops at a time. On 12 × 47 field days, guided local
search on the whole model needed 13 to 28 s (seeds 1-3) to find cheaper plans that hand stops
round four or five neighbouring routes at once. Two kinds of move do that here, each kept only
if the whole day's objective drops (early in the search, if it rises by less than a shrinking
threshold):

- A *string move* cuts a run of stops out of each of a few routes near a random job and puts
  the cut stops, with the unassigned jobs near it, back wherever each is cheapest, in random
  order: SISR's ruin and recreate. The moves run in compiled batches
  (`_anneal_kernel.py`): about 20 µs a move on a 12 × 47 day and 150 µs on a 180 × 800 one,
  against 0.2 and 3.6 ms when each move went through Python.
- A *rebuild* takes the 3-5 routes nearest a random job (their stops and the unassigned jobs
  they could do), rebuilds them from nothing with the construction heuristic and a short
  descent of OR-Tools on that part alone: 20-60 ms a move, but it reorders whole routes.

On days of up to `WALKERS_UP_TO` technicians, a *recombination* every `RECOMBINE_SECONDS`
picks the cheapest day made of routes the search has held (`route_pool.py`), and on days of up
to `CHAIN_TECHS` a descent by *ejection chains* hands stops round several routes at once
(`ejection_chains.py`): of the best day when it is new, and of each walker's day between its
batches.
"""

from __future__ import annotations

import math
import random
import time as clock
from collections.abc import Callable, Sequence
from dataclasses import replace

from optimizer._anneal_kernel import FieldAnnealer
from optimizer._routing import RoutingOutcome, solve_routing
from optimizer._splice import splice
from optimizer.construct import Reinserter, construct
from optimizer.ejection_chains import ChainSearch
from optimizer.exchange import Mailbox
from optimizer.matrices import ModelArrays
from optimizer.params import SolveParams
from optimizer.route_pool import RoutePool

__all__ = ["cooling_cycles", "idled", "improve_by_recreate"]

ROUTES_PER_MOVE = (3, 4, 5)
"""How many neighbouring routes one move rebuilds, drawn at random."""
UNASSIGNED_PER_MOVE = 8
"""Unassigned jobs offered to a rebuild, nearest first (more only slow it down)."""
DESCENT_STALL = 500
"""Search steps without improvement that end the descent of a rebuilt part."""
ACCEPT_WORSE = 0.03
"""At the start, a changed day up to this share dearer than the current one replaces it (on
days of up to `WANDER_TECHS` technicians; on bigger days, a share as much smaller). Measured
with the compiled moves on 12 × 47 days, seeds 1-10 with three solver seeds each, 5 s in one
process, mean gap to the best plan known for the day at 2 s / 5 s: 1.40 / 1.19 % at 0.03,
2.43 / 2.36 % at 0.01 (fewer runs stuck with a job left out)."""
WANDER_TECHS = 12
"""A move changes a few routes: on a 180-technician day, 1 % of the day's cost is more than
any move could lose, and the search wandered for a third of its time before improving.
Measured on a 180 × 800 day (seed 1), the threshold scaled by 12 / 180 against not: objective
at 10 / 30 s 24,235 / 22,817 against 28,685 / 23,835."""
STALL_STEPS = 40
"""With `SolveParams.stall_solutions` set: batches and rebuilds in a row without gain that end
the search."""
COUNTED_BATCH = 100
"""String moves per batch in a counted search, and in the first batch of a timed one."""
BATCH_SECONDS = 0.005
"""Seconds a batch of a timed search should take (the compiled batch cannot read the clock:
the threshold and the deadline are looked at between batches)."""
MIN_BATCH = 8
REBUILD_CHANCE = 0.05
"""Chance of a rebuild after a batch that found no better day: with 5 ms batches and 20-60 ms
rebuilds, about a fifth of the time. At 0.3 (about 60 %) the same 30 runs as `ACCEPT_WORSE`
(at 0.02) ended no better: mean gap 1.47 % at 5 s."""
WALKERS = 4
"""Searches of the day taking turns, all from the best day any of them found at the start of
each cooling cycle: different basins early, the best one later. Measured as `ACCEPT_WORSE`
(at 0.01): runs within 0.5 % of the best known at 1 s 17 of 30 with four, 16 with one; mean gap
at 5 s 2.36 % against 3.16 %."""
WALKERS_UP_TO = 30
"""Technicians beyond which one search walks alone: a big day (or half of one) is far from
settled for most of its time, and every move spent elsewhere is one fewer toward it."""
REPORT_SECONDS = 0.05
"""Least time between two reports of a better day (each one times and scores it in Python)."""
FIRST_CYCLE = 0.5
"""Seconds of the first cooling cycle of a search that owns its whole budget. Each later cycle
restarts from the best day at the full threshold and lasts twice as long as the one before;
the last one ends at the deadline. A single cooling over a 30 s budget still wandered at 1 %
after 2 s, so the plan a caller could take early was a wanderer's, not a settled one."""

RECOMBINE_SECONDS = 0.25
"""Seconds between two recombinations of the routes the search has held (`route_pool.py`), on
days of up to `WALKERS_UP_TO` technicians."""
RECOMBINE_STEPS = 50
"""In a counted search: batches and rebuilds between two recombinations."""
RECOMBINE_LIMIT = 0.1
"""Longest recombination, in seconds (a counted search: CP-SAT's deterministic time)."""
CHAIN_TECHS = 15
"""Technicians up to which the search runs ejection chains. Measured on 12 × 47 days (see
`ejection_chains.py`); on the 20-technician halves of 40 × 160 days a descent costs five times
as much, and three simulated days with them completed 460 jobs at 0.739 utilization, against
462 at 0.746 without."""
CHAIN_SHARE = 0.2
"""Most of a timed search's time spent on ejection chains: a descent took 15 ms on a 12 × 47
day, 75 ms on a 20 × 80 one (the half of a 40 × 160 day) and 175 ms on a 30 × 120 one, from
their constructions. With the chains (of pairs too) on each walker's day, 0.1 and 0.35 did no
better on the 12 × 47 days of seeds 7 and 8 (40 runs each, within 0.5 % at 2 s: 32 and 31, 35
and 26, against 34 and 29)."""

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
    rebuilds: bool = True,
    moves: int | None = None,
    cooling: tuple[float, float] | None = None,
    pool: RoutePool | None = None,
    mailbox: Mailbox | None = None,
) -> tuple[list[list[int]], dict[int, RoutingOutcome]]:
    """Ruin and recreate parts of the day until `deadline` (a `perf_counter` time).

    String moves run in compiled batches (`_anneal_kernel.FieldAnnealer`); between two, after
    a batch that found no better day, a rebuild is drawn with `REBUILD_CHANCE` (never without
    `rebuilds`). With `params.stall_solutions` set, batches have a fixed size and the search
    ends after `STALL_STEPS` batches and rebuilds in a row without gain; every step is seeded
    or counted, so the same input gives the same plan (unless the deadline comes first). With
    `moves`, it ends after that many string moves and rebuilds. With `params.idle_seconds`, it
    ends once that long has passed without a day better than the best so far. `cooling`
    (start, end) is the span over which dearer days stop being accepted, when this call is
    one round of a longer search (default: `cooling_cycles` from now to `deadline`).

    On days of up to `WALKERS_UP_TO` technicians every day the walkers hold goes into a
    `RoutePool` (`pool`, kept by a caller across rounds, or a new one), and every
    `RECOMBINE_SECONDS` (`RECOMBINE_STEPS` in a counted search) the cheapest day made of its
    routes replaces the day of the walker furthest behind, if cheaper than the best; then, on
    days of up to `CHAIN_TECHS`, if the best day is new, ejection chains improve it, and the
    result goes to that walker.

    With a `mailbox` (`exchange.py`), each better day is posted to it, and a day read from it
    that beats the best of every walker goes to the walker furthest behind.

    Returns:
        The routes, and for each vehicle whose route changed, its timing. Never a day that
        `score` finds dearer than the one given.
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
    if arrays.n_jobs == 0 or arrays.n_techs == 0:
        return routes, {}  # nothing to move: do not spin until the deadline
    day = _Day(arrays, routes, score, WALKERS if arrays.n_techs <= WALKERS_UP_TO else 1)
    counted = params.stall_solutions is not None
    # Bound by time alone (not by a count of moves or of stalls): the chains also run on
    # each walker's day.
    free = not counted and moves is None
    # A search that ends after `idle_seconds` without a gain must settle within that time,
    # not still be wandering when it ends.
    first = FIRST_CYCLE if params.idle_seconds is None else min(FIRST_CYCLE, params.idle_seconds)
    cycles = [cooling] if cooling else cooling_cycles(clock.perf_counter(), deadline, first)
    began, cooled = cycles.pop(0)
    made = since_gain = steps = 0
    batch = COUNTED_BATCH
    unreported = unposted = False
    reported_at = -math.inf
    best, best_at = day.leader.best, clock.perf_counter()
    if pool is None and arrays.n_techs <= WALKERS_UP_TO:
        pool = RoutePool(arrays.n_techs)
    chains: ChainSearch | None = None
    if pool is not None:
        for walker in day.walkers:
            pool.add(*walker.held())
        if arrays.n_techs <= CHAIN_TECHS:
            chains = ChainSearch(arrays, day.walkers[0])
    recombine_at, pooled = clock.perf_counter() + RECOMBINE_SECONDS, pool.added if pool else 0
    chained, chain_at = math.inf, -math.inf
    while clock.perf_counter() < deadline and (moves is None or made < moves):
        if counted and since_gain >= STALL_STEPS:
            break
        if idled(params, best_at):
            break
        if cycles and clock.perf_counter() >= cooled and not counted:
            # A new cycle starts from the best day found, free to wander again.
            began, cooled = cycles.pop(0)
            day.restart()
        threshold = _threshold(params, arrays, began, cooled)
        walker = day.walkers[steps % len(day.walkers)]
        steps += 1
        if rebuilds and since_gain > 0 and rng.random() < REBUILD_CHANCE:
            made += 1
            improved = _rebuild(day.arrays, walker, rng, descent, deadline, threshold)
        else:
            size = batch if moves is None else min(batch, moves - made)
            tick = clock.perf_counter()
            improved = walker.run(size, threshold, rng.randrange(2**31))
            made += size
            if not counted:
                spent = max(clock.perf_counter() - tick, 1e-6)
                left = max(deadline - clock.perf_counter(), 0.0)
                batch = max(MIN_BATCH, int(size / spent * min(BATCH_SECONDS, left)))
        if chains is not None and free and clock.perf_counter() >= chain_at:
            # The walker's own day, where the string moves may hold it in a basin.
            tick = clock.perf_counter()
            improved |= _walker_chained(walker, chains)
            chain_at = clock.perf_counter() + _chain_pause(clock.perf_counter() - tick)
        if pool is not None:
            pool.add(*walker.held())
            if counted:
                recombine = steps % RECOMBINE_STEPS == 0
            else:
                recombine = clock.perf_counter() >= recombine_at
            if recombine:
                if pool.added > pooled:
                    improved |= _recombined(day, pool, counted, deadline)
                    pooled = pool.added
                fresh = day.leader.best < chained - 1e-6
                if chains is not None and fresh and (counted or clock.perf_counter() >= chain_at):
                    tick = clock.perf_counter()
                    improved |= _chained(day, chains)
                    chained = day.leader.best
                    chain_at = clock.perf_counter() + _chain_pause(clock.perf_counter() - tick)
                recombine_at = clock.perf_counter() + RECOMBINE_SECONDS
        if mailbox is not None:
            unposted |= improved
            if unposted and mailbox.due():
                mailbox.post(day.leader.best, day.leader.best_routes())
                unposted = False
            improved |= _taken(day, mailbox)
        since_gain = 0 if improved else since_gain + 1
        unreported |= improved
        if improved and day.leader.best < best - 1e-6:
            best, best_at = day.leader.best, clock.perf_counter()
        due = clock.perf_counter() - reported_at >= REPORT_SECONDS
        if unreported and due and on_improvement is not None:
            on_improvement(day.value(day.kept()))
            unreported, reported_at = False, clock.perf_counter()
    if pool is not None:
        if counted and pool.added > pooled:
            unreported |= _recombined(day, pool, counted, deadline)
        if counted and chains is not None and day.leader.best < chained - 1e-6:
            unreported |= _chained(day, chains)
        pool.add(*day.leader.best_held())  # for a caller that keeps the pool
    if mailbox is not None and unposted and mailbox.post_to is not None:
        mailbox.post(day.leader.best, day.leader.best_routes(), force=True)
    kept = day.kept()
    value = day.value(kept)
    if value >= day.start_value - 1e-6:
        return routes, {}
    if unreported and on_improvement is not None:
        on_improvement(value)
    return kept


class _Day:
    """The search's day: compiled, with the caller's scoring of the start and of results.

    Routes the search did not change keep the caller's timings (an OR-Tools solution's, say);
    changed ones are timed as the compiled moves time them, so `score` and the moves agree on
    them exactly.
    """

    def __init__(
        self, arrays: ModelArrays, routes: list[list[int]], score: Score, walkers: int
    ) -> None:
        self.arrays = arrays
        first = FieldAnnealer(arrays, Reinserter(arrays).compiled)
        first.load(routes)
        self.walkers = [first, *(first.clone() for _ in range(walkers - 1))]
        self.start = routes
        self.score = score
        self.start_value = score(routes, {})

    @property
    def leader(self) -> FieldAnnealer:
        return min(self.walkers, key=lambda walker: walker.best)

    def restart(self) -> None:
        """Every walker goes on from the best day any of them found."""
        leader = self.leader
        for walker in self.walkers:
            walker.restart_from_best(leader)

    def hand_to_hindmost(self, routes: list[list[int]]) -> None:
        """A better day found outside the walks goes to the walker furthest behind."""
        max(self.walkers, key=lambda walker: walker.current).load(routes)

    def kept(self) -> tuple[list[list[int]], dict[int, RoutingOutcome]]:
        """The best day found, with the timings of its changed routes."""
        return self.timed(self.leader.best_routes())

    def timed(self, routes: list[list[int]]) -> tuple[list[list[int]], dict[int, RoutingOutcome]]:
        timings: dict[int, RoutingOutcome] = {}
        for v, route in enumerate(routes):
            if route == self.start[v]:
                continue
            timings[v] = self.walkers[0].outcome(v, route)
        return routes, timings

    def value(self, day: tuple[list[list[int]], dict[int, RoutingOutcome]]) -> float:
        return self.score(*day)


def _recombined(day: _Day, pool: RoutePool, counted: bool, deadline: float) -> bool:
    """The cheapest day of pooled routes given to the walker furthest behind, if it beats the
    best day of every walker. Returns whether it did."""
    leader = day.leader
    pool.add(*leader.best_held())
    seconds = RECOMBINE_LIMIT if counted else min(RECOMBINE_LIMIT, deadline - clock.perf_counter())
    if seconds <= 0.005:
        return False
    found = pool.cheapest_day(leader.best_routes(), seconds=seconds, deterministic=counted)
    if found is None or leader.unserved_total + found[1] >= leader.best - 1e-6:
        return False
    day.hand_to_hindmost(found[0])
    return True


def _taken(day: _Day, mailbox: Mailbox) -> bool:
    """The day the other search posted, given to the walker furthest behind, if it beats the
    best day of every walker. Returns whether it did."""
    posted = mailbox.take()
    if posted is None or posted.value >= day.leader.best - 1e-6:
        return False
    day.hand_to_hindmost(posted.routes)
    return True


def _chained(day: _Day, chains: ChainSearch) -> bool:
    """The best day improved by ejection chains, given to the walker furthest behind.
    Returns whether any chain improved it."""
    found = chains.descend(day.leader.best_routes())
    if found is None:
        return False
    day.hand_to_hindmost(found[0])
    return True


def _walker_chained(walker: FieldAnnealer, chains: ChainSearch) -> bool:
    """The walker's current day improved by ejection chains, as its next step. Returns
    whether its best day improved."""
    held = walker.current_routes()
    found = chains.descend(held)
    if found is None:
        return False
    changes = {v: route for v, route in enumerate(found[0]) if route != held[v]}
    return bool(walker.offer(changes, 0.0))


def _chain_pause(spent: float) -> float:
    """Seconds of other moves after a descent that took `spent`, so that descents take at
    most `CHAIN_SHARE` of the time."""
    return spent * (1 - CHAIN_SHARE) / CHAIN_SHARE


def _rebuild(
    arrays: ModelArrays,
    walker: FieldAnnealer,
    rng: random.Random,
    descent: SolveParams,
    deadline: float,
    threshold: float,
) -> bool:
    """The routes nearest a random job rebuilt from nothing, then a short OR-Tools descent,
    offered to a walker's current day. Returns whether its best day improved."""
    routes = walker.current_routes()
    vehicles, jobs = _ruin(arrays, routes, rng)
    if not jobs:
        return False
    part = arrays.subset(vehicles, jobs)
    rebuilt = construct(part, seed=rng.randrange(2**31))
    seconds = deadline - clock.perf_counter()
    if seconds <= 0.01:
        return False
    outcome = solve_routing(part, time_limit=seconds, params=descent, initial=rebuilt)
    if outcome is None:
        return False
    trial, _ = splice(routes, {}, vehicles, jobs, outcome)
    return bool(walker.offer({v: trial[v] for v in vehicles}, threshold))


def idled(params: SolveParams, gained_at: float) -> bool:
    """Whether `params.idle_seconds` have passed since `gained_at`, the last time the day got
    cheaper (never without `idle_seconds`)."""
    idle = params.idle_seconds
    return idle is not None and clock.perf_counter() - gained_at >= idle


def cooling_cycles(
    began: float, deadline: float, first: float = FIRST_CYCLE
) -> list[tuple[float, float]]:
    """(start, end) of each cooling cycle from `began` to `deadline` (`first` seconds, then
    doubling; a last cycle shorter than the one before is merged into it)."""
    cycles: list[tuple[float, float]] = []
    start, length = began, first
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
