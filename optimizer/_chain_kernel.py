"""Ejection chains, compiled: stops handed round several routes at once, each taking the
place of the next.

A chain moves x0 into route R1 in place of x1, x1 into R2 in place of x2, and so on; it
closes as a *cycle* (the last one takes x0's place) or as a *path* (the last one goes into
another route without displacing anything, or is left out; x0 was unassigned or leaves a
gap). Each x is a *unit*: one stop, or two stops of one route at most `SPAN` places apart,
which go into their new route side by side, either way round. Every route of a chain is a
different one, and a day's cost is its routes' costs added up (`_anneal_kernel._route_value`,
less the penalties of the jobs each serves), so a chain's cost is the sum of its steps'
costs, each computed on one route alone: the *improvement graph* of Thompson and
Psaraftis's cyclic transfers. A depth-first search extends a chain only while its steps so
far save something, counted without the penalties of the jobs served (a step's route serves
x instead of y; along a cycle those cancel): that finds every improving cycle (any negative
cycle has a rotation whose partial sums are all negative), and a path from an unassigned job
may cost up to that job's penalty before it closes.

This is the move string moves cannot make: on a 12 × 47 day (seed 7) the search held a stop
hours outside its told window for seconds (6,240), where handing four stops round four
routes keeps it (3,855, then 3,452 once the string moves settle the rest). Two stops that
only pay their way together (both on the far side of town) move as one unit.
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
"""How a chain closes: its last unit takes the first one's place, is left out, or goes into
another route without displacing anything."""


@nb.njit(cache=True, nogil=True)
def best_insertion(  # noqa: PLR0913 - a compiled kernel takes its arrays one by one
    v: int,
    route: Ints,
    length: int,
    skip: int,
    skip_too: int,
    first: int,
    second: int,
    head: int,
    trial: Ints,
    starts: Ints,
    timing: tuple,  # type: ignore[type-arg]
    costs: tuple,  # type: ignore[type-arg]
) -> tuple[float, int, bool]:
    """Route `v` (`route[:length]`) without the stops at positions `skip` and `skip_too` (-1:
    none), with `first` (and `second`, if not -1, beside it either way round) at the cheapest
    feasible position after the route's first `head` stops (its pinned head): (value,
    position in the route without the skipped stops, whether `second` goes first), or
    (inf, -1, False) if it fits nowhere."""
    kept = length - (skip >= 0) - (skip_too >= 0)
    best, where, turned = np.inf, -1, False
    for turn in range(2 if second >= 0 else 1):
        a, b = (first, second) if turn == 0 else (second, first)
        for p in range(head, kept + 1):
            n = 0
            for k in range(length + 1):
                if n == p:
                    trial[n] = a
                    n += 1
                    if b >= 0:
                        trial[n] = b
                        n += 1
                if k == length:
                    break
                if k != skip and k != skip_too:
                    trial[n] = route[k]
                    n += 1
            ok, value = _timed_value(v, trial, n, starts, timing, costs)
            if ok and value < best:
                best, where, turned = value, p, turn == 1
    return best, where, turned


@nb.njit(cache=True, nogil=True)
def _put(unit: Ints, n: int, a: int, b: int, v: int, k: int, q: int) -> None:  # noqa: PLR0913
    unit[n, 0], unit[n, 1], unit[n, 2], unit[n, 3], unit[n, 4] = a, b, v, k, q


@nb.njit(cache=True, nogil=True)
def units_of(  # noqa: PLR0913 - a compiled kernel takes its arrays one by one
    routes: Ints,
    lengths: Ints,
    where: Ints,
    heads: Ints,
    movable: Flags,
    span: int,
    unit: Ints,
) -> tuple[int, Ints, Ints]:
    """The day's units, written into `unit` (one row each: first job, second job or -1, route
    or -1, first's position, second's position or -1): every movable stop after its route's
    pinned head and every unassigned movable job, alone, then every two such stops of one
    route at most `span` places apart. Returns (how many, and each job's units as
    `listed[at[x]:at[x + 1]]`)."""
    n_jobs, n_techs = where.shape[0], lengths.shape[0]
    n = 0
    for v in range(n_techs):
        for k in range(heads[v], lengths[v]):
            if movable[routes[v, k]]:
                _put(unit, n, routes[v, k], -1, v, k, -1)
                n += 1
    for x in range(n_jobs):
        if where[x] < 0 and movable[x]:
            _put(unit, n, x, -1, -1, -1, -1)
            n += 1
    for v in range(n_techs):
        for k in range(heads[v], lengths[v]):
            for q in range(k + 1, min(k + span + 1, lengths[v])):
                if movable[routes[v, k]] and movable[routes[v, q]]:
                    _put(unit, n, routes[v, k], routes[v, q], v, k, q)
                    n += 1
    counts = np.zeros(n_jobs + 1, dtype=np.int64)
    for u in range(n):
        counts[unit[u, 0] + 1] += 1
        if unit[u, 1] >= 0:
            counts[unit[u, 1] + 1] += 1
    at = np.cumsum(counts)
    listed = np.zeros(max(int(at[n_jobs]), 1), dtype=np.int64)
    filled = at[:n_jobs].copy()
    for u in range(n):
        for c in range(2):
            x = unit[u, c]
            if x >= 0:
                listed[filled[x]] = u
                filled[x] += 1
    return n, at, listed


@nb.njit(cache=True, nogil=True)
def _step_costs(  # noqa: PLR0912, PLR0913 - a compiled kernel takes its arrays one by one
    routes: Ints,
    lengths: Ints,
    values: Floats,
    heads: Ints,
    allowed: Flags,
    near: Ints,
    neighbours: int,
    pair_neighbours: int,
    unit: Ints,
    n_units: int,
    at: Ints,
    listed: Ints,
    timing: tuple,  # type: ignore[type-arg]
    costs: tuple,  # type: ignore[type-arg]
) -> tuple[Floats, Floats, Floats]:
    """(step[x, y]: unit x in unit y's place in y's route; insert[x, v]: x added to route
    v; gap[x]: x taken out of its route), each the route's change in value; inf where not
    allowed or infeasible. Steps are computed for the units of the `neighbours` jobs nearest
    the first job of each displaced unit; the `pair_neighbours` nearest where either unit is
    a pair."""
    n_jobs, n_techs = near.shape[0], lengths.shape[0]
    capacity = routes.shape[1] + 2
    trial = np.zeros(capacity, dtype=np.int64)
    starts = np.zeros(capacity + 1, dtype=np.int64)
    step = np.full((n_units, n_units), np.inf)
    insert = np.full((n_units, n_techs), np.inf)
    gap = np.full(n_units, np.inf)
    seen = np.full(n_units, -1, dtype=np.int64)
    for uy in range(n_units):
        y, y2, v, k, k2 = unit[uy, 0], unit[uy, 1], unit[uy, 2], unit[uy, 3], unit[uy, 4]
        if v < 0:
            continue
        length = lengths[v]
        n = 0
        for q in range(length):
            if q != k and q != k2:
                trial[n] = routes[v, q]
                n += 1
        ok, value = _timed_value(v, trial, n, starts, timing, costs)
        if ok:
            gap[uy] = value - values[v]
        reach = pair_neighbours if y2 >= 0 else neighbours
        for rank in range(min(reach + 1, n_jobs)):
            x = near[y, rank]
            for e in range(at[x], at[x + 1]):
                ux = listed[e]
                x1, x2, home = unit[ux, 0], unit[ux, 1], unit[ux, 2]
                if seen[ux] == uy or home == v:
                    continue
                seen[ux] = uy
                if x2 >= 0 and rank > pair_neighbours:
                    continue
                if not allowed[v, x1] or (x2 >= 0 and not allowed[v, x2]):
                    continue
                value, _, _ = best_insertion(
                    v, routes[v], length, k, k2, x1, x2, heads[v], trial, starts, timing, costs
                )
                if value < np.inf:
                    step[ux, uy] = value - values[v]
    for ux in range(n_units):
        x1, x2, home = unit[ux, 0], unit[ux, 1], unit[ux, 2]
        for v in range(n_techs):
            if home == v or not allowed[v, x1] or (x2 >= 0 and not allowed[v, x2]):
                continue
            value, _, _ = best_insertion(
                v, routes[v], lengths[v], -1, -1, x1, x2, heads[v], trial, starts, timing, costs
            )
            if value < np.inf:
                insert[ux, v] = value - values[v]
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
    pair_neighbours: int,
    span: int,
    depth: int,
    expansions: int,
    timing: tuple,  # type: ignore[type-arg]
    costs: tuple,  # type: ignore[type-arg]
    unit: Ints,
    chain: Ints,
) -> tuple[float, int, int, int]:
    """The most improving chain of at most `depth` routes from the day `routes`, of units of
    two stops at most `span` places apart (0: single stops only), exploring at most
    `expansions` chain extensions from each first unit: (its change in the day's value, its
    length, how it closes, the route the last unit goes into for `INSERTED`). Its units, in
    order, are written into `chain` as rows of `unit` (`units_of`, which `unit` must have
    room for). A change of 0 means none improves."""
    n_units, at, listed = units_of(routes, lengths, where, heads, movable, span, unit)
    step, insert, gap = _step_costs(
        routes, lengths, values, heads, allowed, near, neighbours, pair_neighbours,
        unit, n_units, at, listed, timing, costs,
    )  # fmt: skip
    n_techs = lengths.shape[0]
    penalty = np.zeros(n_units)
    for u in range(n_units):
        penalty[u] = costs[0][unit[u, 0]] + (costs[0][unit[u, 1]] if unit[u, 1] >= 0 else 0.0)
    # Each unit's steps, cheapest first without the penalties (`reduced`), so an extension
    # that saves nothing ends the list.
    counts = np.zeros(n_units + 1, dtype=np.int64)
    for x in range(n_units):
        for y in range(n_units):
            if step[x, y] < np.inf:
                counts[x + 1] += 1
    first = np.cumsum(counts)
    targets = np.zeros(max(int(first[n_units]), 1), dtype=np.int64)
    for x in range(n_units):
        n = 0
        for y in range(n_units):
            if step[x, y] < np.inf:
                targets[first[x] + n] = y
                n += 1
        listed_x = targets[first[x] : first[x] + n]
        order = np.argsort(step[x][listed_x] - penalty[listed_x], kind="mergesort")
        targets[first[x] : first[x] + n] = listed_x[order]
    used = np.zeros(n_techs, dtype=np.bool_)
    path = np.zeros(depth + 1, dtype=np.int64)
    sums = np.zeros(depth + 1)
    reduced = np.zeros(depth + 1)
    cursor = np.zeros(depth + 1, dtype=np.int64)
    best, best_length, best_kind, best_route = -1e-6, 0, CYCLE, -1
    for s in range(n_units):
        home = unit[s, 2]
        if home >= 0:
            if gap[s] == np.inf:
                continue
            used[home] = True
        opening = gap[s] if home >= 0 else 0.0
        # What the chain may cost before it closes: for a cycle nothing; for a path, what
        # the gap saves, or the penalty of the unassigned job it serves.
        reduced[0] = min(0.0, gap[s] - penalty[s]) if home >= 0 else -penalty[s]
        path[0], sums[0], cursor[0] = s, 0.0, first[s]
        d, spent = 0, 0
        while d >= 0:
            x = path[d]
            if cursor[d] == first[x] and d >= 1:
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
                    for i in range(d + 1):
                        chain[i] = unit[path[i]]
            extended = False
            while d < depth - 1 and cursor[d] < first[x + 1] and spent < expansions:
                y = targets[cursor[d]]
                cursor[d] += 1
                saving = reduced[d] + step[x, y] + penalty[x] - penalty[y]
                if saving >= 0.0:
                    cursor[d] = first[x + 1]  # the rest of the list saves less still
                    break
                if used[unit[y, 2]]:
                    continue
                spent += 1
                used[unit[y, 2]] = True
                d += 1
                path[d], sums[d], cursor[d] = y, sums[d - 1] + step[x, y], first[y]
                reduced[d] = saving
                extended = True
                break
            if not extended:
                if d >= 1:
                    used[unit[path[d], 2]] = False
                d -= 1
        if home >= 0:
            used[home] = False
    if best_length == 0:
        return 0.0, 0, CYCLE, -1
    return best, best_length, best_kind, best_route
