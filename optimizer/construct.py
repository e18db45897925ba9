"""Cheapest-insertion construction: a valid plan in one pass, whatever the windows.

It is the solver's first solution (fed to OR-Tools as initial routes) and the plan returned
when the solver finds none. OR-Tools' default first solution (path cheapest arc) found no plan
at all on tight-window instances; inserting the most costly-to-drop and most constrained jobs
first, each at its cheapest feasible place, always yields one, leaving out what does not fit.
Feasibility uses the model's own service minutes (`ModelArrays.service`), so the solver
accepts the routes as they are.
"""

from __future__ import annotations

import random
import time as clock
from collections.abc import Mapping, Sequence
from itertools import combinations

from optimizer._insert_kernel import (
    ATTEMPTS_PER_JOB,
    FEASIBLE_COMPARED,
    FastReinserter,
    FastTiming,
)
from optimizer.costs import told_room_short
from optimizer.matrices import SCALE, ModelArrays
from optimizer.schedule import RouteTiming, time_route
from optimizer.slack import RouteSlack, route_slack

__all__ = ["Reinserter", "construct"]

EJECT_VEHICLES = 12
"""Routes nearest a left-out job in which one stop may be moved out of its way."""
EJECT_PAIR_VEHICLES = 3
"""Routes nearest a left-out job in which two stops may be moved out of its way."""
REPAIR_SECONDS = 1.5
"""Longest time spent moving stops out of left-out jobs' way."""


def construct(
    arrays: ModelArrays,
    *,
    seed: int = 0,
    initial: Mapping[int, Sequence[int]] | None = None,
) -> list[list[int]]:
    """Routes (job nodes per vehicle) that satisfy every hard rule of the model.

    Args:
        arrays: The model's arrays.
        seed: Breaks ties in the insertion order.
        initial: Routes to start from (a previous plan, vehicle → job nodes). Stops that no
            longer fit are removed, in order, and inserted again like new jobs.
    """
    builder = _Builder(arrays)
    problem = arrays.problem
    jobs = problem.jobs
    placed: set[int] = set()
    # Pinned heads first, in their positions; then other pinned jobs; then warm-start routes.
    heads: dict[int, list[tuple[int, int]]] = {}
    tech_index = {t.id: v for v, t in enumerate(problem.technicians)}
    for j, job in enumerate(jobs):
        if job.pin is not None and job.pin.sequence is not None:
            heads.setdefault(tech_index[job.pin.technician], []).append((job.pin.sequence, j))
    for v, pinned in heads.items():
        for _, j in sorted(pinned):
            builder.routes[v].append(j)
            placed.add(j)
        builder.heads[v] = len(builder.routes[v])
        if not builder.feasible(v, builder.routes[v]):
            # A pinned head that cannot be timed: keep what can be, in order.
            kept: list[int] = []
            for j in builder.routes[v]:
                if builder.feasible(v, [*kept, j]):
                    kept.append(j)
                else:
                    placed.discard(j)
            builder.routes[v] = kept
            builder.heads[v] = len(kept)
    if initial:
        for v, route in initial.items():
            for j in route:
                if j in placed or v not in arrays.allowed[j]:
                    continue
                candidate = [*builder.routes[v], j]
                if builder.feasible(v, candidate):
                    builder.routes[v] = candidate
                    placed.add(j)
    rng = random.Random(seed)
    ties = [rng.random() for _ in jobs]
    order = sorted(
        (j for j in range(len(jobs)) if j not in placed),
        key=lambda j: (
            jobs[j].pin is None,
            -arrays.penalty[j],
            len(arrays.allowed[j]),
            _window_width(arrays, j),
            ties[j],
        ),
    )
    left_out = [j for j in order if not builder.insert(j)]
    # What did not fit may fit after moving a stop or two out of its way: on a 180 × 800 day
    # this places most of the 6-10 jobs that insertion alone left out, which the local search
    # otherwise takes many seconds to bring back.
    left_out = _repair(builder, left_out)
    if left_out:
        # Late on a soft window beats left out: what still does not fit may now run late,
        # as long as its lateness costs less than leaving it out.
        builder.late_allowed = True
        left_out = _repair(builder, [j for j in left_out if not builder.insert(j)])
    return builder.routes


class Reinserter:
    """Cheapest feasible insertion of a few jobs into routes that are otherwise kept: the
    recreate half of a small ruin-and-recreate move. The lookups are built once, so a move
    costs a few milliseconds on a 12 × 47 day."""

    def __init__(self, arrays: ModelArrays, *, compiled: bool = True) -> None:
        self._builder = _Builder(arrays)
        jobs = arrays.problem.jobs
        self._sequenced = [job.pin is not None and job.pin.sequence is not None for job in jobs]
        # The same insertion compiled: a tenth of the time on a 12 × 47 day.
        self._fast = FastReinserter(arrays) if compiled else None

    def reinsert(self, routes: Sequence[Sequence[int]], jobs: Sequence[int]) -> list[list[int]]:
        """`routes` with each of `jobs` inserted, in the given order, at its cheapest feasible
        place (after any pinned head); a job with no feasible place stays out."""
        if self._fast is not None:
            return self._fast.reinsert(routes, jobs)
        builder = self._builder
        builder.routes = [list(route) for route in routes]
        for v, route in enumerate(builder.routes):
            builder.heads[v] = self._head(route)
        for j in jobs:
            builder.insert(j)
        return builder.routes

    @property
    def compiled(self) -> FastReinserter | None:
        """The compiled insertion, if this reinserter uses it."""
        return self._fast

    def timing(self, v: int, route: Sequence[int]) -> RouteTiming:
        """The route timed with the model's minutes, as the solver would time it."""
        return self._builder.timing(v, route)

    def starts(self, v: int, route: Sequence[int]) -> FastTiming:
        """The same timing, reduced to what a move keeps (service starts, departure, end,
        lunch), compiled when the insertion is."""
        if self._fast is not None:
            return self._fast.timing(v, route)
        timing = self.timing(v, route)
        return FastTiming(
            timing.feasible,
            tuple(stop.start for stop in timing.stops),
            timing.depart,
            timing.end,
            timing.lunch_start,
            timing.back,
        )

    def fit(self, route: Sequence[int], v: int, j: int) -> list[int] | None:
        """Vehicle `v`'s `route` with `j` at its cheapest feasible place (after any pinned
        head, every other stop kept), or None if it fits nowhere in it."""
        self._builder.heads[v] = self._head(route)
        return self._builder._cheapest_in(v, j, list(route))

    def _head(self, route: Sequence[int]) -> int:
        """How many stops at the front of `route` are pinned in sequence."""
        head = 0
        while head < len(route) and self._sequenced[route[head]]:
            head += 1
        return head


def _repair(builder: _Builder, left_out: list[int]) -> list[int]:
    """Make room for left-out jobs, for up to `REPAIR_SECONDS`; returns those still out."""
    deadline = clock.perf_counter() + REPAIR_SECONDS
    left_out = list(left_out)
    tried = 0
    while tried < len(left_out) and clock.perf_counter() < deadline:
        # A job left out in exchange costs less to leave out than the one placed, so this ends.
        j = left_out.pop(tried)
        out = builder.eject_for(j)
        if out is not None:
            left_out.append(out)
        elif not builder.placed(j):
            left_out.insert(tried, j)
            tried += 1
    return left_out


def _window_width(arrays: ModelArrays, j: int) -> int:
    job = arrays.problem.jobs[j]
    if job.pin is not None and job.pin.start is not None:
        return 0
    windows = arrays.windows[j]
    if not windows:
        return 24 * 60
    return sum(w.end - w.start for w in windows)


class _Builder:
    """Routes under construction, with the lookups the insertion loop needs as plain lists."""

    def __init__(self, arrays: ModelArrays) -> None:
        self.arrays = arrays
        problem = arrays.problem
        self.techs = problem.technicians
        self.routes: list[list[int]] = [[] for _ in self.techs]
        self.heads = [0] * len(self.techs)
        self.cost = arrays.cost.tolist()
        self.drive = arrays.drive.tolist()
        self.service = arrays.service.tolist()
        self.affinity = arrays.affinity.tolist()
        self.windows = list(arrays.windows)
        exact = arrays.own_minutes[:, : len(problem.jobs)].tolist()
        self.grouped = {v for v, row in enumerate(exact) if row != self.service[v][: len(row)]}
        """Vehicles whose model minutes are a slower colleague's (see `ModelArrays.service`)."""
        self.own = exact
        self.starts = [arrays.start_node(v) for v in range(len(self.techs))]
        self.ends = [arrays.end_node(v) for v in range(len(self.techs))]
        self.day_opens = problem.day_opens
        self.late_allowed = False
        """Soft windows may be missed (at their lateness cost); else they count as hard."""
        self.fixed = [
            job.pin.start if job.pin is not None and job.pin.start is not None else None
            for job in problem.jobs
        ]
        hard = [bool(w) and w[0].hard for w in self.windows]
        self._hard = {False: [True] * len(hard), True: hard}
        """Per job, whether its windows hold, without and with `late_allowed`."""
        self._known: dict[int, tuple[tuple[int, ...], bool, RouteSlack | None, float]] = {}
        """Per vehicle: the route last looked at, `late_allowed` then, its slack, start costs."""

    def feasible(self, v: int, route: Sequence[int]) -> bool:
        return self.timing(v, route).feasible

    def timing(self, v: int, route: Sequence[int]) -> RouteTiming:
        return time_route(
            self.techs[v],
            [self.windows[j] for j in route],
            [self.service[v][j] for j in route],
            route,
            self.drive,
            self.starts[v],
            self.ends[v],
            fixed_starts=[self.fixed[j] for j in route],
            soft_as_hard=not self.late_allowed,
            own_minutes=[self.own[v][j] for j in route] if v in self.grouped else None,
        )

    def known(self, v: int) -> tuple[RouteSlack | None, float]:
        """The current route's slack (None if it does not time as feasible) and start costs,
        remembered until the route changes."""
        route = tuple(self.routes[v])
        seen = self._known.get(v)
        if seen is not None and seen[0] == route and seen[1] == self.late_allowed:
            return seen[2], seen[3]
        timing = self.timing(v, route)
        slack = None
        if timing.feasible:
            slack = route_slack(
                self.techs[v],
                route,
                timing,
                windows=self.windows,
                minutes=self.service[v],
                fixed=self.fixed,
                hard=self._hard[self.late_allowed],
                drive=self.drive,
                end_node=self.ends[v],
            )
        soft = self.soft_cost(v, route, timing)
        self._known[v] = (route, self.late_allowed, slack, soft)
        return slack, soft

    def placed(self, j: int) -> bool:
        return any(j in route for route in self.routes)

    def insert(self, j: int) -> bool:
        a = self.arrays
        cost = self.cost
        options: list[tuple[int, int, int]] = []
        for v in a.allowed[j]:
            route = self.routes[v]
            path = [self.starts[v], *route, self.ends[v]]
            bonus = self.affinity[v][j]
            to_j = [row[j] for row in (cost[x] for x in path)]
            from_j = cost[j]
            for p in range(self.heads[v], len(route) + 1):
                before, after = path[p], path[p + 1]
                delta = to_j[p] + from_j[after] - cost[before][after] + bonus
                options.append((delta, v, p))
        options.sort()
        best: tuple[float, int, list[int]] | None = None
        feasible_seen = 0
        windows, fixed, hard = self.windows[j], self.fixed[j], self._hard[self.late_allowed][j]
        drive = self.drive
        known: dict[int, tuple[RouteSlack | None, float]] = {}
        for delta, v, p in options[:ATTEMPTS_PER_JOB]:
            if best is not None and delta >= best[0]:
                break  # start times only add cost: no later place can be cheaper
            route = self.routes[v]
            if v not in known:
                known[v] = self.known(v)
            slack, soft = known[v]
            if slack is not None:
                before = route[p - 1] if p else self.starts[v]
                after = route[p] if p < len(route) else self.ends[v]
                leg_in, leg_out = drive[before][j], drive[j][after]
                if not slack.admits(p, leg_in, leg_out, windows, fixed, hard, self.service[v][j]):
                    continue  # surely infeasible: not worth timing
            candidate = [*route[:p], j, *route[p:]]
            timing = self.timing(v, candidate)
            if not timing.feasible:
                continue
            # Among the cheapest feasible places, count what their start times cost too.
            total = delta + self.soft_cost(v, candidate, timing) - soft
            if self.late_allowed and total >= self.arrays.penalty[j]:
                continue  # so late that leaving the job out costs less
            if best is None or total < best[0]:
                best = (total, v, candidate)
            feasible_seen += 1
            if feasible_seen >= FEASIBLE_COMPARED:
                break
        if best is None:
            return False
        self.routes[best[1]] = best[2]
        return True

    def eject_for(self, j: int) -> int | None:
        """Place `j` by moving stops of a nearby route out of its way.

        The moved stops go elsewhere if they can. If no move places every stop, `j` may take
        the place of a single stop that costs less to leave out, which then is left out.

        Returns:
            The job left out instead of `j` (None if `j` was placed without loss, or not at
            all).
        """
        nearest = self._nearest(j)
        placed, swap = self._make_room(j, nearest)
        if placed or self._clear_for(j, nearest):
            return None
        if swap is None:
            return None
        v, with_j, out = swap
        self.routes[v] = with_j
        return out

    def _nearest(self, j: int) -> list[int]:
        a, cost = self.arrays, self.cost

        def nearness(v: int) -> int:
            return int(min(cost[x][j] for x in (self.starts[v], *self.routes[v])))

        return sorted(a.allowed[j], key=nearness)

    def _make_room(
        self, j: int, nearest: Sequence[int]
    ) -> tuple[bool, tuple[int, list[int], int] | None]:
        """Place `j` by moving one stop of a near route (or two of the nearest) elsewhere.

        Returns:
            Whether `j` was placed; if not, the cheapest swap seen: a vehicle, its route with
            `j` and the single stop that route would then leave out (which costs less to leave
            out than `j`).
        """
        penalty = self.arrays.penalty
        swap: tuple[int, list[int], int] | None = None
        for size, vehicles in ((1, nearest[:EJECT_VEHICLES]), (2, nearest[:EJECT_PAIR_VEHICLES])):
            for v in vehicles:
                route = self.routes[v]
                for moved in combinations(range(self.heads[v], len(route)), size):
                    rest = [k for i, k in enumerate(route) if i not in moved]
                    with_j = self._cheapest_in(v, j, rest)
                    if with_j is None:
                        continue
                    self.routes[v] = with_j
                    if self._insert_all([route[i] for i in moved]):
                        return True, None
                    self.routes[v] = route
                    out = route[moved[0]]
                    if size == 1 and penalty[out] < penalty[swap[2] if swap else j]:
                        swap = (v, with_j, out)
        return False, swap

    def _clear_for(self, j: int, nearest: Sequence[int]) -> bool:
        """Place `j` by clearing a near route of every stop that is not pinned.

        A job only one or two technicians may do can need most of a day: `j` and the cleared
        stops then go in wherever they fit, the most constrained first (so designated stops
        return to their technician first), each making room for itself if it must.
        """
        for v in nearest[:EJECT_PAIR_VEHICLES]:
            route = self.routes[v]
            movable = route[self.heads[v] :]
            if len(movable) <= 2:
                continue  # `_make_room` already tried moving these
            self.routes[v] = route[: self.heads[v]]
            if self._insert_all(sorted([j, *movable], key=self._difficulty), make_room=True):
                return True
            self.routes[v] = route
        return False

    def _difficulty(self, j: int) -> tuple[int, int]:
        """Sort key putting jobs with fewer technicians, then costlier to leave out, first."""
        return (len(self.arrays.allowed[j]), -self.arrays.penalty[j])

    def _insert_all(self, jobs: list[int], *, make_room: bool = False) -> bool:
        """Insert every job of `jobs`, or none (the routes are left as they were)."""
        saved = [list(r) for r in self.routes]
        for k in jobs:
            if self.insert(k):
                continue
            if make_room and self._make_room(k, self._nearest(k))[0]:
                continue
            self.routes = saved
            return False
        return True

    def _cheapest_in(self, v: int, j: int, route: list[int]) -> list[int] | None:
        """`route` with `j` at its cheapest feasible position (by arcs), or None."""
        path = [self.starts[v], *route, self.ends[v]]
        cost = self.cost
        positions = sorted(
            range(self.heads[v], len(route) + 1),
            key=lambda p: cost[path[p]][j] + cost[j][path[p + 1]] - cost[path[p]][path[p + 1]],
        )
        for p in positions:
            candidate = [*route[:p], j, *route[p:]]
            if self.feasible(v, candidate):
                return candidate
        return None

    def soft_cost(self, v: int, route: Sequence[int], timing: RouteTiming) -> float:
        """Scaled costs of start times along a route: lateness, told windows (and the room
        they keep after the visit before), emergencies and long jobs started late."""
        jobs = self.arrays.problem.jobs
        w = self.arrays.problem.params
        total = 0.0
        room = self.techs[v].start_room
        for j, stop in zip(route, timing.stops, strict=True):
            job = jobs[j]
            if job.windows and not job.windows[0].hard:
                total += w.lateness_minute * max(0, stop.start - job.windows[-1].end)
            if job.told_window is not None:
                due = w.told_due(job.told_window)
                total += w.told_window_minute * (
                    max(0, stop.start - due) + told_room_short(stop.start, due, room)
                )
            room = job.overrun_minutes
            rate = w.start_rate(job)
            if rate > 0:
                total += rate * max(0, stop.start - job.opens(self.day_opens))
        if route:
            total += w.overtime(self.techs[v], timing.end, timing.back)
        return SCALE * total
