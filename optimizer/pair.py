"""Small days on two cores: two ruin-and-recreate searches of the whole day at once.

A 12 × 47 day has deep basins: one search's 30 s plan varied by 7-12 % from run to run (seed 8:
2,343 to 2,539; seed 10: 2,181 to 2,450), depending on where it settled; on seed 7 a plan that
leaves a job out (7,270) and one that serves it outside a told window (6,126) are far apart in
moves. Here a worker process searches the whole day with another seed while this process does
too, and at the end of each cooling cycle (`recreate.cooling_cycles`) both start the next one
from the better day. The worker's first search starts from the construction while this process
runs its first guided local search. Between meetings the worker posts each better day it finds,
and the search here takes it as soon as it is cheaper than its own (`exchange.py`).

Measured on 12 × 47 days against one search, solver seeds s and s + 100: at 10 s, seeds 1-10,
median 0.31 % above the best plan ever found for the day (one search: 0.48 %), 15 of 20 runs
within 2 % (12); at 5 s, seeds 7 and 8, five runs each, 2 of 10 runs stuck with a job left out
(5 of 10). At 2 s no difference showed (median 2.1 % against 1.6 %, 10 of 30 runs within 0.5 %
against 11). The first solve in a process waits about 0.4 s for the worker to start.
"""

from __future__ import annotations

import contextlib
import random
import time as clock
from collections.abc import Callable
from concurrent.futures import BrokenExecutor, Executor, Future

from optimizer._routing import RoutingOutcome
from optimizer._splice import splice
from optimizer.exchange import ExchangeFolder, Mailbox
from optimizer.halves import search_here, search_part
from optimizer.matrices import ModelArrays
from optimizer.params import SolveParams
from optimizer.promise_probe import probe_of
from optimizer.recreate import cooling_cycles, idled
from optimizer.route_pool import RoutePool
from optimizer.workers import cores, retire_pool, worker_pool

__all__ = ["Partner", "improve_by_pair", "improve_here"]

PROBE_TRIES = 2
"""Searches the worker spends on one set of promises broken by hours (`promise_probe.py`)
before it searches the day as it is again."""

PROBE_SHARE = 0.25
"""Share of the time left that a search without a worker spends keeping promises broken by
hours, once, before it searches the day as it is."""

RESULT_GRACE = 0.5
"""Seconds past its end that the worker's search is waited for (a worker just started, or a
machine under load); a later result is not used."""

Score = Callable[[list[list[int]], dict[int, RoutingOutcome]], float]


class Partner:
    """The worker process's side of a pair: one search of the whole day at a time."""

    def __init__(self, arrays: ModelArrays, params: SolveParams, seed: int) -> None:
        alone = params.stall_solutions is not None or params.part_workers == 0
        usable = not alone and cores() >= 2 and arrays.n_jobs > 0
        self.pool: Executor | None = worker_pool(1) if usable else None
        self.arrays, self.params = arrays, params
        self.rng = random.Random(seed ^ 0x5EED)
        self.pending: Future[RoutingOutcome | None] | None = None
        self.until = 0.0
        self.probes: dict[frozenset[int], int] = {}
        # The worker posts each better day as it finds it; the search here reads them.
        self.exchange: ExchangeFolder | None = None
        if self.pool is not None:
            # Nowhere to write (a read-only or full disk): days wait for the meetings.
            with contextlib.suppress(OSError):
                self.exchange = ExchangeFolder()
        self.theirs: Mailbox | None = None
        self.ours: Mailbox | None = None
        if self.exchange is not None:
            self.theirs, self.ours = self.exchange.mailboxes()

    def start(self, routes: list[list[int]], until: float, began: float | None = None) -> None:
        """Search from `routes` until `until` (cooling from `began`, default now).

        If `routes` break promises by hours, the first `PROBE_TRIES` searches of them keep
        those promises (`promise_probe.py`): the stops are taken out and may only come back
        inside their told windows."""
        if self.pool is None:
            return
        cooling = (began if began is not None else clock.perf_counter(), until)
        arrays = self.arrays
        probe = probe_of(arrays, routes)
        mailbox = self.theirs
        if probe is not None and self.probes.get(probe.kept, 0) < PROBE_TRIES:
            self.probes[probe.kept] = self.probes.get(probe.kept, 0) + 1
            arrays, routes = probe.arrays, probe.routes
            mailbox = None  # its days are of other arrays, their costs not comparable
        try:
            self.pending = self.pool.submit(
                search_part,
                arrays,
                routes,
                self.params,
                self.rng.randrange(2**31),
                until,
                cooling,
                mailbox,
            )
        except (BrokenExecutor, RuntimeError) as exc:
            retire_pool(self.pool, exc)
            self.pool = None
        self.until = until

    def result(self) -> RoutingOutcome | None:
        """The day the running search found (None if nothing got cheaper, it failed, or it is
        not back `RESULT_GRACE` after its end)."""
        pending, self.pending = self.pending, None
        if pending is None or self.pool is None:
            return None
        wait = max(0.0, self.until - clock.perf_counter()) + RESULT_GRACE
        try:
            return pending.result(timeout=wait)
        except TimeoutError:
            return None
        except Exception as exc:
            # Whatever failed over there (a dead process, a pickling error, a bug), this
            # process's search holds the day: the worker is retired, the plan goes on.
            retire_pool(self.pool, exc)
            self.pool = None
            return None

    @property
    def running(self) -> bool:
        return self.pending is not None


def improve_by_pair(
    arrays: ModelArrays,
    routes: list[list[int]],
    *,
    deadline: float,
    seed: int,
    params: SolveParams,
    score: Score,
    on_improvement: Callable[[float], None] | None = None,
    partner: Partner | None = None,
) -> tuple[list[list[int]], dict[int, RoutingOutcome]]:
    """Ruin and recreate here and in a worker until `deadline` (with `params.idle_seconds`,
    until a cycle brings no gain), meeting after each cycle.

    `partner` may already be searching (from the construction, say); its first cycle then
    ends when that search does. Without a worker process (one core, `params.part_workers`
    0, or a counted search whose plan must not depend on timing) this is ruin and recreate
    here alone, after a search of its own that keeps promises broken by hours (not in a
    counted search). A worker that fails is retired and the cycles left run here alone.
    """
    partner = partner or Partner(arrays, params, seed)
    if partner.pool is None:
        return improve_here(
            arrays,
            routes,
            deadline=deadline,
            seed=seed,
            params=params,
            score=score,
            on_improvement=on_improvement,
        )
    rng = random.Random(seed)
    routes = [list(r) for r in routes]
    timings: dict[int, RoutingOutcome] = {}
    now = clock.perf_counter()
    cycles = cooling_cycles(now, deadline)
    if partner.running and now + 0.1 < partner.until < deadline:
        cycles = [(now, partner.until), *cooling_cycles(partner.until, deadline)]
    gained_at = now
    # One pool for all cycles: a route held in one can complete a day in another.
    pool = RoutePool(arrays.n_techs)
    for began, ends in cycles:
        if clock.perf_counter() >= deadline or idled(params, gained_at):
            break
        if not partner.running:
            partner.start(routes, ends, began)
        before = score(routes, timings)
        # The search here starts from the best day, so each gain it reports is a new best.
        routes, timings = search_here(
            arrays,
            routes,
            timings,
            deadline=ends,
            seed=rng.randrange(2**31),
            params=params,
            score=score,
            on_improvement=on_improvement,
            cooling=(began, ends),
            pool=pool,
            mailbox=partner.ours,
        )
        there = partner.result()
        if there is not None:
            routes, timings = _taken_if_cheaper(
                arrays, routes, timings, there, score, on_improvement
            )
        if score(routes, timings) < before - 1e-6:
            gained_at = clock.perf_counter()
    return routes, timings


def improve_here(
    arrays: ModelArrays,
    routes: list[list[int]],
    *,
    deadline: float,
    seed: int,
    params: SolveParams,
    score: Score,
    on_improvement: Callable[[float], None] | None = None,
) -> tuple[list[list[int]], dict[int, RoutingOutcome]]:
    """Ruin and recreate in this process alone until `deadline`, after a search that keeps
    promises broken by hours (not in a counted search): the pair's search without a worker,
    and a small day's search when its budget is too short to start one."""
    kept, probed = _probed_here(arrays, routes, deadline, seed, params, score, on_improvement)
    return search_here(
        arrays,
        kept,
        probed,
        deadline=deadline,
        seed=seed,
        params=params,
        score=score,
        on_improvement=on_improvement,
    )


def _probed_here(
    arrays: ModelArrays,
    routes: list[list[int]],
    deadline: float,
    seed: int,
    params: SolveParams,
    score: Score,
    on_improvement: Callable[[float], None] | None,
) -> tuple[list[list[int]], dict[int, RoutingOutcome]]:
    """Without a worker: if `routes` break promises by hours, `PROBE_SHARE` of the time left
    goes to a search that keeps them, here; its day is taken if cheaper. Returns the day to go
    on from and the timings of the routes it changed."""
    probe = probe_of(arrays, routes) if params.stall_solutions is None else None
    if probe is None:
        return routes, {}
    now = clock.perf_counter()
    until = now + PROBE_SHARE * (deadline - now)
    found = search_part(probe.arrays, probe.routes, params, seed ^ 0x5EED, until, (now, until))
    if found is None:
        return routes, {}
    return _taken_if_cheaper(arrays, routes, {}, found, score, on_improvement)


def _taken_if_cheaper(
    arrays: ModelArrays,
    routes: list[list[int]],
    timings: dict[int, RoutingOutcome],
    found: RoutingOutcome,
    score: Score,
    on_improvement: Callable[[float], None] | None,
) -> tuple[list[list[int]], dict[int, RoutingOutcome]]:
    """The day with `found` (a search of the whole day elsewhere) in place of every route, if
    that scores lower (and is reported); else the day as it was."""
    everyone, every_job = list(range(arrays.n_techs)), list(range(arrays.n_jobs))
    trial_routes, trial_timings = splice(routes, timings, everyone, every_job, found)
    value = score(trial_routes, trial_timings)
    if value >= score(routes, timings) - 1e-6:
        return routes, timings
    if on_improvement is not None:
        on_improvement(value)
    return trial_routes, trial_timings
