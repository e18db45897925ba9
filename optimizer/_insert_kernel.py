"""Cheapest feasible insertion, compiled: the recreate half of a ruin-and-recreate move.

The same rules as `construct._Builder.insert` with `schedule.time_route` and `slack.py`, as
`Reinserter` uses them (soft windows kept as hard ones), on integer arrays, compiled by numba:
a string move on a 12 × 47 day spent 1.8 ms in Python, most of it timing candidate routes.
`FastReinserter` packs a day once; each call then copies the routes in, inserts the offered
jobs in order and copies them out. The Python code stays the reference: a property test holds
the two to the same routes on random days and moves.

Times are whole minutes; "none" is `NONE` (a fixed start, a lunch start).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numba as nb
import numpy as np
import numpy.typing as npt

from optimizer.matrices import SCALE, ModelArrays

__all__ = [
    "ATTEMPTS_PER_JOB",
    "FEASIBLE_COMPARED",
    "FastReinserter",
    "FastTiming",
    "compile_insertion",
]

NONE = -(2**40)
NEVER = -np.inf
ATTEMPTS_PER_JOB = 400
"""Feasibility checks per job, cheapest positions first; beyond, the job is left out."""
FIRST_RANKS = 32
"""Places of a job sorted by arc cost before the first checks; the rest are sorted only if
these do not settle it. Sorting every place in every route cost a string move on a 180 × 800
day 133 µs against 115 µs (the same moves; 91 against 84 µs on a half of that day)."""
FEASIBLE_COMPARED = 6
"""Feasible places compared on their full cost (arcs and start times) before choosing."""

# Columns of the per-technician table.
SHIFT_START, SHIFT_END, OVERTIME, COMMUTE, LUNCH, EARLIEST, LATEST, MINUTES = range(8)
ON_SITE, LEAST, START_NODE, END_NODE, START_ROOM, LAST_DEPARTURE = range(8, 14)

Ints = npt.NDArray[np.int64]


class FastReinserter:
    """`construct.Reinserter.reinsert`, compiled (see the module docstring)."""

    def __init__(self, arrays: ModelArrays) -> None:
        problem = arrays.problem
        techs, jobs = problem.technicians, problem.jobs
        n_techs, n_jobs = len(techs), len(jobs)
        w = problem.params
        tech = np.zeros((max(n_techs, 1), 14), dtype=np.int64)
        rate = np.zeros(max(n_techs, 1), dtype=np.float64)
        for v, t in enumerate(techs):
            lunch = t.lunch
            least = 0
            if lunch is not None and lunch.on_site:
                least = lunch.on_site_after or max(lunch.latest - lunch.earliest, lunch.minutes)
            tech[v] = (
                t.shift_start,
                t.shift_end,
                t.overtime_minutes,
                int(t.commute_home),
                int(lunch is not None),
                lunch.earliest if lunch else 0,
                lunch.latest if lunch else 0,
                lunch.minutes if lunch else 0,
                int(lunch is not None and lunch.on_site),
                least,
                arrays.start_node(v),
                arrays.end_node(v),
                t.start_room,
                NONE if t.last_departure is None else t.last_departure,
            )
            rate[v] = w.overtime_rate(t)
        widest = max((len(ws) for ws in arrays.windows), default=0)
        self._windows = np.zeros((max(n_jobs, 1), max(widest, 1), 2), dtype=np.int64)
        self._n_windows = np.zeros(max(n_jobs, 1), dtype=np.int64)
        self._fixed = np.full(max(n_jobs, 1), NONE, dtype=np.int64)
        # Soft costs of a start time, from the job's own windows (as `_Builder.soft_cost`).
        self._late_end = np.full(max(n_jobs, 1), NONE, dtype=np.int64)
        self._told_end = np.full(max(n_jobs, 1), NONE, dtype=np.int64)
        self._opens = np.full(max(n_jobs, 1), NONE, dtype=np.int64)
        # What a minute past `_opens` costs (`ObjectiveParams.start_rate`).
        self._start_rate = np.zeros(max(n_jobs, 1), dtype=np.float64)
        day_opens = problem.day_opens
        for j, job in enumerate(jobs):
            model = arrays.windows[j]
            self._n_windows[j] = len(model)
            for k, window in enumerate(model):
                self._windows[j, k] = (window.start, window.end)
            if job.pin is not None and job.pin.start is not None:
                self._fixed[j] = job.pin.start
            if job.windows and not job.windows[0].hard:
                self._late_end[j] = job.windows[-1].end
            if job.told_window is not None:
                self._told_end[j] = w.told_due(job.told_window)
            self._start_rate[j] = w.start_rate(job)
            if self._start_rate[j] > 0:
                self._opens[j] = job.opens(day_opens)
        self._weights = np.array([w.lateness_minute, w.told_window_minute, float(SCALE)])
        # The room a told window keeps after each job for it to run long (`Job.overrun_minutes`).
        self._room = np.array([job.overrun_minutes for job in jobs] or [0], dtype=np.int64)
        self._tech, self._rate = tech, rate
        self._drive = np.ascontiguousarray(arrays.drive, dtype=np.int64)
        self._cost = np.ascontiguousarray(arrays.cost, dtype=np.int64)
        self._service = np.ascontiguousarray(arrays.service, dtype=np.int64)
        self._own = np.ascontiguousarray(arrays.own_minutes, dtype=np.int64)
        self._affinity = np.ascontiguousarray(arrays.affinity, dtype=np.int64)
        pointers = [0]
        members: list[int] = []
        for j in range(n_jobs):
            members += arrays.allowed[j]
            pointers.append(len(members))
        self._allowed_at = np.array(pointers, dtype=np.int64)
        self._allowed = np.array(members or [0], dtype=np.int64)
        sequenced = [job.pin is not None and job.pin.sequence is not None for job in jobs]
        self._sequenced = np.array(sequenced or [False], dtype=np.bool_)
        self._n_techs, self._n_jobs = n_techs, n_jobs
        capacity = max(n_jobs, 1)
        self._routes = np.zeros((max(n_techs, 1), capacity + 1), dtype=np.int64)
        self._lengths = np.zeros(max(n_techs, 1), dtype=np.int64)
        # Per vehicle, the route last looked at and its slack (`_Builder.known`).
        self._known_route = np.full((max(n_techs, 1), capacity + 1), -1, dtype=np.int64)
        self._known_length = np.full(max(n_techs, 1), -1, dtype=np.int64)
        self._known_feasible = np.zeros(max(n_techs, 1), dtype=np.bool_)
        self._known_ready = np.zeros((max(n_techs, 1), capacity + 2), dtype=np.int64)
        self._known_latest = np.zeros((max(n_techs, 1), capacity + 2), dtype=np.float64)
        self._known_soft = np.zeros(max(n_techs, 1), dtype=np.float64)

    def reinsert(self, routes: Sequence[Sequence[int]], jobs: Sequence[int]) -> list[list[int]]:
        """`routes` with each of `jobs` inserted, in order, at its cheapest feasible place
        (after any pinned head); a job with no feasible place stays out."""
        if self._n_techs == 0:
            return [list(r) for r in routes]
        for v, route in enumerate(routes):
            self._lengths[v] = len(route)
            self._routes[v, : len(route)] = route
        _reinsert(self._routes, self._lengths, np.array(jobs, dtype=np.int64), *self.packed())
        return [self._routes[v, : self._lengths[v]].tolist() for v in range(self._n_techs)]

    def packed(self) -> tuple[Any, ...]:
        """The day's arrays in `_reinsert`'s order after the offered jobs (also what
        `_anneal_kernel` passes on to it): constants, then the per-route slack cache."""
        return (
            self._sequenced,
            self._tech,
            self._rate,
            self._windows,
            self._n_windows,
            self._fixed,
            self._late_end,
            self._told_end,
            self._opens,
            self._weights,
            self._drive,
            self._cost,
            self._service,
            self._own,
            self._affinity,
            self._allowed_at,
            self._allowed,
            self._known_route,
            self._known_length,
            self._known_feasible,
            self._known_ready,
            self._known_latest,
            self._known_soft,
            self._room,
            self._start_rate,
        )

    def timing(self, v: int, route: Sequence[int]) -> FastTiming:
        """Vehicle `v`'s route timed as `Reinserter.timing` times it."""
        nodes = np.array(route if len(route) else [0], dtype=np.int64)
        starts = np.zeros(len(nodes), dtype=np.int64)
        feasible, end, back, depart, lunch = _time_route(
            v, nodes, len(route), self._tech, self._windows, self._n_windows, self._fixed,
            self._drive, self._service, self._own, starts,
        )  # fmt: skip
        return FastTiming(
            bool(feasible),
            tuple(starts[: len(route)].tolist()),
            int(depart),
            int(end),
            None if lunch == NONE else int(lunch),
            int(back),
        )


@dataclass(frozen=True, slots=True)
class FastTiming:
    """What a ruin-and-recreate move needs of a route's timing (`schedule.RouteTiming`)."""

    feasible: bool
    starts: tuple[int, ...]
    depart: int
    end: int
    lunch_start: int | None
    back: int


@nb.njit(cache=True, nogil=True)
def _earliest(windows: Ints, count: int, arrive: int) -> tuple[int, int]:
    """(start, lateness) arriving at `arrive` (`schedule.earliest_start`)."""
    if count == 0:
        return arrive, 0
    for k in range(count):
        if arrive <= windows[k, 1]:
            return max(arrive, windows[k, 0]), 0
    return arrive, arrive - windows[count - 1, 1]


@nb.njit(cache=True, nogil=True)
def _time_route(  # noqa: PLR0913 - a compiled kernel takes its arrays one by one
    v: int,
    route: Ints,
    length: int,
    tech: Ints,
    windows: Ints,
    n_windows: Ints,
    fixed: Ints,
    drive: Ints,
    service: Ints,
    own: Ints,
    starts: Ints,
) -> tuple[bool, int, int, int, int]:
    """`schedule.time_route` for `_Builder.timing`: writes each stop's start into `starts`;
    returns (feasible, end back at the end location, last drive back, departure, lunch start
    or `NONE`)."""
    lunch = tech[v, LUNCH] == 1 and length > 0
    lunch_start = NONE
    clock = tech[v, SHIFT_START]
    feasible = True
    prev = tech[v, START_NODE]
    earliest, latest, minutes = tech[v, EARLIEST], tech[v, LATEST], tech[v, MINUTES]
    depart = clock
    for k in range(length):
        node = route[k]
        leg = drive[prev, node]
        pinned = fixed[node]
        count = n_windows[node]
        if k == 0:
            opens = NONE
            if pinned != NONE:
                opens = pinned
            elif count > 0:
                opens = windows[node, 0, 0]
            if opens != NONE:
                clock = max(clock, opens - leg)
                if lunch:
                    eat = min(latest, opens - minutes)
                    leave = max(tech[v, SHIFT_START], eat - leg)
                    if max(leave + leg, earliest) <= eat:
                        clock = min(clock, leave)
                    elif clock > latest:
                        clock = max(tech[v, SHIFT_START], latest)
        on_site = False
        if lunch and lunch_start == NONE:
            if pinned != NONE:
                start_without = max(clock + leg, pinned)
            else:
                start_without = _earliest(windows[node], count, clock + leg)[0]
            stay = own[v, node]
            doorstep = max(clock + leg, earliest)
            eat_first = max(clock, earliest)
            if doorstep <= latest and doorstep + minutes <= start_without:
                lunch_start = doorstep
            elif eat_first <= latest and eat_first + minutes + leg <= start_without:
                lunch_start = eat_first
                clock = eat_first + minutes
            elif (
                tech[v, ON_SITE] == 1
                and stay >= tech[v, LEAST]
                and max(start_without, earliest) <= latest
                and start_without + stay > earliest
            ):
                on_site = True
            elif clock >= earliest or start_without + service[v, node] > latest:
                lunch_start = max(clock, earliest)
                clock = lunch_start + minutes
        if k == 0:
            depart = clock
        if tech[v, LAST_DEPARTURE] != NONE and clock > tech[v, LAST_DEPARTURE]:
            feasible = False
        arrive = clock + leg
        if pinned != NONE:
            start = max(arrive, pinned)
            if arrive > pinned:
                feasible = False
        else:
            start, late = _earliest(windows[node], count, arrive)
            if late > 0:  # every window holds, soft ones too
                feasible = False
        starts[k] = start
        end = start + service[v, node]
        clock = end
        if on_site:
            lunch_start = max(start, earliest)
            clock = end + minutes
        prev = node
    if lunch and lunch_start == NONE:
        lunch_start = max(clock, earliest)
        clock = lunch_start + minutes
    if lunch and lunch_start > latest:
        feasible = False
    back = drive[prev, tech[v, END_NODE]] if length > 0 else 0
    finish = clock + back
    ends = finish - back if tech[v, COMMUTE] == 1 else finish
    if ends > tech[v, SHIFT_END] + tech[v, OVERTIME]:
        feasible = False
    return feasible, finish, back, depart, lunch_start


@nb.njit(cache=True, nogil=True)
def _soft_cost(
    v: int,
    route: Ints,
    length: int,
    starts: Ints,
    finish: int,
    back: int,
    tech: Ints,
    rate: npt.NDArray[np.float64],
    late_end: Ints,
    told_end: Ints,
    opens: Ints,
    weights: npt.NDArray[np.float64],
    room: Ints,
    start_rate: npt.NDArray[np.float64],
) -> float:
    """`_Builder.soft_cost`: scaled costs of start times (lateness, told windows and the room
    they keep, emergencies and long jobs started late) and the route's overtime."""
    total = 0.0
    for k in range(length):
        j = route[k]
        if late_end[j] != NONE:
            total += weights[0] * max(0, starts[k] - late_end[j])
        if told_end[j] != NONE:
            total += weights[1] * max(0, starts[k] - told_end[j])
            spare = room[route[k - 1]] if k > 0 else tech[v, START_ROOM]
            total += weights[1] * min(spare, max(0, starts[k] + spare - told_end[j]))
        if opens[j] != NONE:
            total += start_rate[j] * max(0, starts[k] - opens[j])
    if length > 0:
        ends = finish - back if tech[v, COMMUTE] == 1 else finish
        total += rate[v] * max(0, ends - tech[v, SHIFT_END])
    return float(weights[2] * total)


@nb.njit(cache=True, nogil=True)
def _latest_arrival(windows: Ints, count: int, pinned: int, latest_start: float) -> float:
    """`slack.latest_arrival`, every window held."""
    if pinned != NONE:
        return float(pinned) if pinned <= latest_start else NEVER
    if count > 0:
        best = NEVER
        for k in range(count):
            if windows[k, 0] <= latest_start:
                best = max(best, min(float(windows[k, 1]), latest_start))
        return best
    return latest_start


@nb.njit(cache=True, nogil=True)
def _slack(  # noqa: PLR0913
    v: int,
    route: Ints,
    length: int,
    starts: Ints,
    tech: Ints,
    windows: Ints,
    n_windows: Ints,
    fixed: Ints,
    drive: Ints,
    service: Ints,
    ready: Ints,
    latest: npt.NDArray[np.float64],
) -> None:
    """`slack.route_slack` of a feasible route, into `ready` and `latest`."""
    ready[0] = tech[v, SHIFT_START]
    for k in range(length):
        ready[k + 1] = starts[k] + service[v, route[k]]
    latest[length] = tech[v, SHIFT_END] + tech[v, OVERTIME]
    end_node = tech[v, END_NODE]
    following = end_node
    for k in range(length - 1, -1, -1):
        j = route[k]
        leg = 0 if following == end_node and tech[v, COMMUTE] == 1 else drive[j, following]
        latest_start = latest[k + 1] - leg - service[v, j]
        latest[k] = _latest_arrival(windows[j], n_windows[j], fixed[j], latest_start)
        following = j


@nb.njit(cache=True, nogil=True)
def _cheapest(keys: Ints, count: int) -> Ints:
    """Indices of the `count` smallest of `keys` (unique), smallest first."""
    if count <= 0:
        return np.zeros(0, dtype=np.int64)
    if count >= keys.shape[0]:
        return np.argsort(keys)
    last = np.partition(keys, count - 1)[count - 1]
    head = np.nonzero(keys <= last)[0]
    return head[np.argsort(keys[head])]


@nb.njit(cache=True, nogil=True)
def _reinsert(  # noqa: PLR0913, PLR0912, PLR0915 - one compiled loop, kept whole for speed
    routes: Ints,
    lengths: Ints,
    offered: Ints,
    sequenced: npt.NDArray[np.bool_],
    tech: Ints,
    rate: npt.NDArray[np.float64],
    windows: Ints,
    n_windows: Ints,
    fixed: Ints,
    late_end: Ints,
    told_end: Ints,
    opens: Ints,
    weights: npt.NDArray[np.float64],
    drive: Ints,
    cost: Ints,
    service: Ints,
    own: Ints,
    affinity: Ints,
    allowed_at: Ints,
    allowed: Ints,
    known_route: Ints,
    known_length: Ints,
    known_feasible: npt.NDArray[np.bool_],
    known_ready: Ints,
    known_latest: npt.NDArray[np.float64],
    known_soft: npt.NDArray[np.float64],
    room: Ints,
    start_rate: npt.NDArray[np.float64],
) -> None:
    n_techs = lengths.shape[0]
    capacity = routes.shape[1]
    heads = np.zeros(n_techs, dtype=np.int64)
    for v in range(n_techs):
        h = 0
        while h < lengths[v] and sequenced[routes[v, h]]:
            h += 1
        heads[v] = h
    starts = np.zeros(capacity + 1, dtype=np.int64)
    candidate = np.zeros(capacity + 1, dtype=np.int64)
    seen = np.zeros(n_techs, dtype=np.bool_)
    for j in offered:
        # Every place in every allowed route, by arc cost (ties: vehicle, then position).
        n_options = 0
        for a in range(allowed_at[j], allowed_at[j + 1]):
            v = allowed[a]
            n_options += lengths[v] + 1 - heads[v]
        deltas = np.empty(n_options, dtype=np.int64)
        places = np.empty((n_options, 2), dtype=np.int64)
        o = 0
        for a in range(allowed_at[j], allowed_at[j + 1]):
            v = allowed[a]
            bonus = affinity[v, j]
            length = lengths[v]
            for p in range(heads[v], length + 1):
                before = routes[v, p - 1] if p > 0 else tech[v, START_NODE]
                after = routes[v, p] if p < length else tech[v, END_NODE]
                deltas[o] = cost[before, j] + cost[j, after] - cost[before, after] + bonus
                places[o, 0] = v
                places[o, 1] = p
                o += 1
        # Keys are unique: delta first, then vehicle and position (deltas are small integers).
        keys = deltas * (n_techs * capacity) + places[:, 0] * capacity + places[:, 1]
        limit = min(n_options, ATTEMPTS_PER_JOB)
        order = _cheapest(keys, min(limit, FIRST_RANKS))
        seen[:] = False
        best_total = 0.0
        best_v = -1
        best_p = -1
        feasible_seen = 0
        rank = 0
        while rank < limit:
            if rank == order.shape[0]:
                order = np.argsort(keys)  # the cheapest few did not settle it: all, in order
            o = order[rank]
            rank += 1
            delta, v, p = deltas[o], places[o, 0], places[o, 1]
            if best_v >= 0 and delta >= best_total:
                break  # start times only add cost: no later place can be cheaper
            length = lengths[v]
            if not seen[v]:
                seen[v] = True
                same = known_length[v] == length
                if same:
                    for k in range(length):
                        if known_route[v, k] != routes[v, k]:
                            same = False
                            break
                if not same:
                    # The route changed since last looked at: time it and take its slack.
                    ok, finish, back, _, _ = _time_route(
                        v, routes[v], length, tech, windows, n_windows, fixed, drive, service,
                        own, starts,
                    )  # fmt: skip
                    known_feasible[v] = ok
                    if ok:
                        _slack(
                            v, routes[v], length, starts, tech, windows, n_windows, fixed,
                            drive, service, known_ready[v], known_latest[v],
                        )  # fmt: skip
                    known_soft[v] = _soft_cost(
                        v, routes[v], length, starts, finish, back, tech, rate, late_end,
                        told_end, opens, weights, room, start_rate,
                    )  # fmt: skip
                    known_length[v] = length
                    known_route[v, :length] = routes[v, :length]
            if known_feasible[v]:
                before = routes[v, p - 1] if p > 0 else tech[v, START_NODE]
                after = routes[v, p] if p < length else tech[v, END_NODE]
                leg_in, leg_out = drive[before, j], drive[j, after]
                if tech[v, COMMUTE] == 1 and p == length:
                    leg_out = 0  # the shift ends with the last visit
                if tech[v, LAST_DEPARTURE] != NONE and known_ready[v, p] > tech[v, LAST_DEPARTURE]:
                    continue  # free only after the last departure: gone home
                arrive = known_ready[v, p] + leg_in
                if fixed[j] != NONE:
                    if arrive > fixed[j]:
                        continue
                    start = fixed[j]
                else:
                    start, late = _earliest(windows[j], n_windows[j], arrive)
                    if late > 0:
                        continue
                if start + service[v, j] + leg_out > known_latest[v, p]:
                    continue  # surely infeasible: not worth timing
            candidate[:p] = routes[v, :p]
            candidate[p] = j
            candidate[p + 1 : length + 1] = routes[v, p:length]
            ok, finish, back, _, _ = _time_route(
                v, candidate, length + 1, tech, windows, n_windows, fixed, drive, service,
                own, starts,
            )  # fmt: skip
            if not ok:
                continue
            # Among the cheapest feasible places, count what their start times cost too.
            soft = _soft_cost(
                v, candidate, length + 1, starts, finish, back, tech, rate, late_end, told_end,
                opens, weights, room, start_rate,
            )  # fmt: skip
            total = delta + soft - known_soft[v]
            if best_v < 0 or total < best_total:
                best_total, best_v, best_p = total, v, p
            feasible_seen += 1
            if feasible_seen >= FEASIBLE_COMPARED:
                break
        if best_v < 0:
            continue
        length = lengths[best_v]
        routes[best_v, best_p + 1 : length + 1] = routes[best_v, best_p:length].copy()
        routes[best_v, best_p] = j
        lengths[best_v] = length + 1


def compile_insertion() -> None:
    """Compile the insertion kernels (or load them from numba's disk cache), on a one-stop day."""
    from optimizer.params import SolveParams
    from optimizer.problem import Job, Point, Problem, Technician
    from optimizer.travel import OfflineTravel

    home, site = Point(39.74, -104.99), Point(39.75, -104.98)
    problem = Problem(
        (Technician(id="T", start=home, shift_start=480, shift_end=1020),),
        (Job(id="J", location=site, service_minutes=30),),
    )
    matrix = np.asarray(OfflineTravel().matrix([site, home, home]), dtype=np.int64)
    fast = FastReinserter(ModelArrays.build(problem, matrix, SolveParams()))
    fast.reinsert([[]], [0])
    fast.timing(0, [0])
