"""Ejection chains, compiled: stops handed round several routes at once, each taking the
place of the next.

A chain moves job x0 into route R1 in place of x1, x1 into R2 in place of x2, and so on; it
closes as a *cycle* (the last job takes x0's place) or as a *path* (the last job goes into
another route without displacing anyone, or is left out; x0 was unassigned or leaves a gap).
Every route of a chain is a different one, and a day's cost is its routes' costs added up
(`_anneal_kernel._route_value`, less the penalties of the jobs each serves), so a chain's
cost is the sum of its steps' costs, each computed on one route alone: the *improvement
graph* of Thompson and Psaraftis's cyclic transfers. A depth-first search extends a chain only
while its steps so far save something, counted without the penalties of the jobs served (a
step's route serves x instead of y; along a cycle those cancel): that finds every improving
cycle (any negative cycle has a rotation whose partial sums are all negative), and a path
from an unassigned job may cost up to that job's penalty before it closes.

This is the move string moves cannot make: on a 12 × 47 day (seed 7) the search held a stop
hours outside its told window for seconds (6,240), where handing four stops round four
routes keeps it (3,855, then 3,452 once the string moves settle the rest).
"""

from __future__ import annotations

import numba as nb
import numpy as np
import numpy.typing as npt

from optimizer._anneal_kernel import _timed_value
from optimizer._kernel_cache import forget_if_changed

# The chains time and cost routes with the string moves' compiled code.
forget_if_changed("_chain_kernel", "_anneal_kernel", "_insert_kernel")

__all__ = ["best_chain", "best_insertion"]

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Flags = npt.NDArray[np.bool_]

CYCLE, LEFT_OUT, INSERTED = 0, 1, 2
"""How a chain closes: its last job takes the first one's place, is left out, or goes into
another route without displacing anyone."""


@nb.njit(cache=True, nogil=True)
def best_insertion(  # noqa: PLR0913 - a compiled kernel takes its arrays one by one
    v: int,
    route: Ints,
    length: int,
    skip: int,
    job: int,
    head: int,
    trial: Ints,
    starts: Ints,
    timing: tuple,  # type: ignore[type-arg]
    costs: tuple,  # type: ignore[type-arg]
) -> tuple[float, int]:
    """Route `v` (`route[:length]`) without the stop at position `skip` (-1: none), with `job`
    at its cheapest feasible position after the route's first `head` stops (its pinned head):
    (value, position in the route without `skip`), or (inf, -1) if it fits nowhere."""
    kept = length - 1 if skip >= 0 else length
    best, where = np.inf, -1
    for p in range(head, kept + 1):
        n = 0
        for k in range(length):
            if k == skip:
                continue
            if n == p:
                trial[n] = job
                n += 1
            trial[n] = route[k]
            n += 1
        if n == p:
            trial[n] = job
            n += 1
        ok, value = _timed_value(v, trial, n, starts, timing, costs)
        if ok and value < best:
            best, where = value, p
    return best, where


@nb.njit(cache=True, nogil=True)
def _step_costs(  # noqa: PLR0913 - a compiled kernel takes its arrays one by one
    routes: Ints,
    lengths: Ints,
    values: Floats,
    where: Ints,
    heads: Ints,
    movable: Flags,
    allowed: Flags,
    near: Ints,
    neighbours: int,
    timing: tuple,  # type: ignore[type-arg]
    costs: tuple,  # type: ignore[type-arg]
) -> tuple[Floats, Floats, Floats]:
    """(step[x, y]: x in y's place in y's route; insert[x, v]: x added to route v; gap[x]: x
    taken out of its route), each the route's change in value; inf where not allowed or
    infeasible. Steps are computed for the `neighbours` jobs nearest each displaced one."""
    n_jobs, n_techs = where.shape[0], lengths.shape[0]
    capacity = routes.shape[1] + 1
    trial = np.zeros(capacity, dtype=np.int64)
    starts = np.zeros(capacity + 1, dtype=np.int64)
    step = np.full((n_jobs, n_jobs), np.inf)
    insert = np.full((n_jobs, n_techs), np.inf)
    gap = np.full(n_jobs, np.inf)
    for v in range(n_techs):
        length = lengths[v]
        for k in range(heads[v], length):
            y = routes[v, k]
            if not movable[y]:
                continue
            n = 0
            for q in range(length):
                if q != k:
                    trial[n] = routes[v, q]
                    n += 1
            ok, value = _timed_value(v, trial, n, starts, timing, costs)
            if ok:
                gap[y] = value - values[v]
            for rank in range(min(neighbours + 1, n_jobs)):
                x = near[y, rank]
                if x == y or not movable[x] or where[x] == v or not allowed[v, x]:
                    continue
                value, _ = best_insertion(
                    v, routes[v], length, k, x, heads[v], trial, starts, timing, costs
                )
                if value < np.inf:
                    step[x, y] = value - values[v]
    for x in range(n_jobs):
        if not movable[x]:
            continue
        for v in range(n_techs):
            if where[x] == v or not allowed[v, x]:
                continue
            value, _ = best_insertion(
                v, routes[v], lengths[v], -1, x, heads[v], trial, starts, timing, costs
            )
            if value < np.inf:
                insert[x, v] = value - values[v]
    return step, insert, gap


@nb.njit(cache=True, nogil=True)
def best_chain(  # noqa: PLR0912, PLR0913, PLR0915 - one compiled search, kept whole for speed
    routes: Ints,
    lengths: Ints,
    values: Floats,
    where: Ints,
    heads: Ints,
    movable: Flags,
    allowed: Flags,
    near: Ints,
    neighbours: int,
    depth: int,
    expansions: int,
    timing: tuple,  # type: ignore[type-arg]
    costs: tuple,  # type: ignore[type-arg]
    chain: Ints,
) -> tuple[float, int, int, int]:
    """The most improving chain of at most `depth` routes from the day `routes`, exploring at
    most `expansions` chain extensions from each first job: (its change in the day's value,
    its length, how it closes, the route the last job goes into for `INSERTED`). Its jobs, in
    order, are written into `chain`. A change of 0 means none improves."""
    step, insert, gap = _step_costs(
        routes, lengths, values, where, heads, movable, allowed, near, neighbours, timing, costs
    )
    n_jobs, n_techs = where.shape[0], lengths.shape[0]
    penalty = costs[0]
    # Each job's steps, cheapest first without the penalties (`reduced`), so an extension
    # that saves nothing ends the list.
    counts = np.zeros(n_jobs + 1, dtype=np.int64)
    for x in range(n_jobs):
        for y in range(n_jobs):
            if step[x, y] < np.inf:
                counts[x + 1] += 1
    at = np.cumsum(counts)
    targets = np.zeros(max(int(at[n_jobs]), 1), dtype=np.int64)
    for x in range(n_jobs):
        first = at[x]
        n = 0
        for y in range(n_jobs):
            if step[x, y] < np.inf:
                targets[first + n] = y
                n += 1
        listed = targets[first : first + n]
        order = np.argsort(step[x][listed] - penalty[listed], kind="mergesort")
        targets[first : first + n] = targets[first : first + n][order]
    used = np.zeros(n_techs, dtype=np.bool_)
    path = np.zeros(depth + 1, dtype=np.int64)
    sums = np.zeros(depth + 1)
    reduced = np.zeros(depth + 1)
    cursor = np.zeros(depth + 1, dtype=np.int64)
    best, best_length, best_kind, best_route = -1e-6, 0, CYCLE, -1
    for s in range(n_jobs):
        if not movable[s]:
            continue
        home = where[s]
        if home >= 0:
            if gap[s] == np.inf:
                continue
            used[home] = True
        opening = gap[s] if home >= 0 else 0.0
        # What the chain may cost before it closes: for a cycle nothing; for a path, what
        # the gap saves, or the penalty of the unassigned job it serves.
        reduced[0] = min(0.0, gap[s] - penalty[s]) if home >= 0 else -penalty[s]
        path[0], sums[0], cursor[0] = s, 0.0, at[s]
        d, spent = 0, 0
        while d >= 0:
            x = path[d]
            if cursor[d] == at[x] and d >= 1:
                # First visit of this chain: every way to close it.
                kind, total, route = -1, np.inf, -1
                if home >= 0 and step[x, s] < np.inf:
                    kind, total = CYCLE, sums[d] + step[x, s]
                if opening + sums[d] < total:
                    kind, total = LEFT_OUT, opening + sums[d]
                for v in range(n_techs):
                    if not used[v] and opening + sums[d] + insert[x, v] < total:
                        kind, total, route = INSERTED, opening + sums[d] + insert[x, v], v
                if total < best - 1e-9:
                    best, best_length, best_kind, best_route = total, d + 1, kind, route
                    chain[: d + 1] = path[: d + 1]
            extended = False
            while d < depth - 1 and cursor[d] < at[x + 1] and spent < expansions:
                y = targets[cursor[d]]
                cursor[d] += 1
                saving = reduced[d] + step[x, y] + penalty[x] - penalty[y]
                if saving >= 0.0:
                    cursor[d] = at[x + 1]  # the rest of the list saves less still
                    break
                if used[where[y]]:
                    continue
                spent += 1
                used[where[y]] = True
                d += 1
                path[d], sums[d], cursor[d] = y, sums[d - 1] + step[x, y], at[y]
                reduced[d] = saving
                extended = True
                break
            if not extended:
                if d >= 1:
                    used[where[path[d]]] = False
                d -= 1
        if home >= 0:
            used[home] = False
    if best_length == 0:
        return 0.0, 0, CYCLE, -1
    return best, best_length, best_kind, best_route
