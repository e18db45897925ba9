"""String moves of a field day, compiled: ruin, recreate, cost and accept without Python.

A string move (`recreate.py`) cuts a run of stops out of each of a few routes near a random
job, offers the cut stops and the unassigned jobs near it back to the cheapest feasible places
(`_insert_kernel._reinsert`), times the changed routes and keeps the day if it is cheaper, or
less than a threshold dearer. In Python that loop cost 0.2 ms a move on a 12 × 47 day and
3.4-3.8 ms on a 180 × 800 one, most of it choosing routes, copying lists and costing routes;
here a whole batch of moves runs in one call.

A route's cost is `PlanScorer`'s (`costs.route_terms` of `assemble.assemble_route`), computed
from the arrays: drive, compactness, overtime, balance, lateness, told windows, preferences and
churn, emergency waits, less the unassigned penalties of its jobs (so a day costs every job's
penalty plus its routes' costs). A property test holds the two to the same values.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import numba as nb
import numpy as np
import numpy.typing as npt

from optimizer._insert_kernel import (
    COMMUTE,
    END_NODE,
    LUNCH,
    MINUTES,
    NONE,
    SHIFT_END,
    START_NODE,
    START_ROOM,
    FastReinserter,
    _reinsert,
    _time_route,
)
from optimizer._kernel_cache import forget_if_changed
from optimizer._routing import RoutingOutcome
from optimizer.matrices import COMPACT_FREE_MINUTES, ModelArrays
from optimizer.problem import DAY_LIMIT
from optimizer.skill_reserve import reserve_costs

# The string moves call the insertion's compiled timing and insertion.
forget_if_changed("_anneal_kernel", "_insert_kernel")

__all__ = [
    "STRING_LONGEST",
    "STRING_ROUTES",
    "UNASSIGNED_PER_MOVE",
    "FieldAnnealer",
    "compile_string_moves",
]

STRING_ROUTES = (2, 4)
"""Fewest and most routes a move cuts (drawn uniformly)."""
STRING_LONGEST = 6
"""Longest run of stops a move takes out of one route."""
UNASSIGNED_PER_MOVE = 8
"""Unassigned jobs offered to a move, nearest the chosen job first."""
DEAREST_FIRST = 0.5
"""Share of moves that offer their jobs dearest to leave out first (the others: random order)."""

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


class FieldAnnealer:
    """The current and the best day of a string-move search, held in arrays between batches.

    `load` a day, `run` batches of moves (each batch with its own acceptance threshold and
    seed), `restart_from_best` at the start of a cooling cycle, and read `best_routes`.
    Values are in the objective's units; `current` and `best` are whole-day objectives as
    the compiled timing costs them.
    """

    def __init__(self, arrays: ModelArrays, fast: FastReinserter | None = None) -> None:
        fast = fast or FastReinserter(arrays)
        problem = arrays.problem
        jobs, techs = problem.jobs, problem.technicians
        n_jobs, n_techs = len(jobs), len(techs)
        w = problem.params
        self._n_jobs, self._n_techs = n_jobs, n_techs
        packed = fast.packed()
        # The insertion keeps soft windows as hard ones (`_insert_kernel`), with a slack cache
        # of its own; routes are timed with soft windows open (`_soft_windows_open`).
        self._insertion = (*packed[:17], *(array.copy() for array in packed[17:]))
        self._timing = _soft_windows_open(arrays, packed)
        day_opens = problem.day_opens
        width = max(n_jobs, 1)
        penalty = np.zeros(width)
        soft_end = np.full(width, NONE, dtype=np.int64)
        told_start = np.full(width, NONE, dtype=np.int64)
        told_end = np.full(width, NONE, dtype=np.int64)
        opens = np.full(width, NONE, dtype=np.int64)
        start_rate = np.zeros(width)
        extra = np.zeros((max(n_techs, 1), width))
        extra[:n_techs, :n_jobs] = reserve_costs(problem, arrays.skill_loads)
        for j, job in enumerate(jobs):
            penalty[j] = w.unassigned_penalty(job)
            soft = [x.end for x in job.windows if not x.hard]
            if soft:
                soft_end[j] = max(soft)
            if job.told_window is not None:
                told_start[j], told_end[j] = job.told_window.start, w.told_due(job.told_window)
            start_rate[j] = w.start_rate(job)
            if start_rate[j] > 0:
                opens[j] = job.opens(day_opens)
            if job.pin is not None:
                continue
            previous = problem.previous.get(job.id)
            for v, tech in enumerate(techs):
                if job.preferred and tech.id not in job.preferred:
                    extra[v, j] += w.preferred_tech_broken
                if previous is not None and previous != tech.id:
                    extra[v, j] += w.churn_moved_stop
        # Float arrays whatever the settings' numbers: a kernel compiled for one dtype compiles
        # again, seconds inside a plan's budget, for another.
        rate = np.array([w.overtime_rate(t) for t in techs] or [0.0], dtype=np.float64)
        targets = np.array(arrays.balance_targets or (0,), dtype=np.int64)
        weights = np.array(
            [
                w.drive_minute,
                w.compactness,
                w.balance,
                w.lateness_minute,
                w.told_window_minute,
            ],
            dtype=np.float64,
        )
        room = np.array([job.overrun_minutes for job in jobs] or [0], dtype=np.int64)
        self._costs = (
            penalty,
            soft_end,
            told_start,
            told_end,
            opens,
            start_rate,
            extra,
            rate,
            targets,
            weights,
            room,
        )
        self._penalty_total = float(penalty[:n_jobs].sum())
        # Jobs by distance from each job (itself first): the routes and unassigned jobs near
        # a chosen job are found walking its row.
        drive = np.ascontiguousarray(arrays.drive[:n_jobs, :n_jobs])
        self._near = np.argsort(drive, axis=1, kind="stable").astype(np.int64)
        self._movable = np.array([job.pin is None for job in jobs] or [False])
        capacity = width + 1
        shape = (max(n_techs, 1), capacity)
        self._routes = np.zeros(shape, dtype=np.int64)
        self._lengths = np.zeros(max(n_techs, 1), dtype=np.int64)
        self._values = np.zeros(max(n_techs, 1))
        self._where = np.full(width, -1, dtype=np.int64)
        self._best_routes = np.zeros(shape, dtype=np.int64)
        self._best_lengths = np.zeros(max(n_techs, 1), dtype=np.int64)
        self._best_values = np.zeros(max(n_techs, 1))
        self._state = np.zeros(2)  # current, best
        self._scratch: tuple[Any, ...] = (
            np.zeros(shape, dtype=np.int64),  # routes before the move
            np.zeros(max(n_techs, 1), dtype=np.int64),  # lengths before the move
            np.zeros(max(n_techs, 1)),  # candidate values
            np.zeros(capacity + 1, dtype=np.int64),  # start times
            np.zeros(max(n_techs, 1), dtype=np.bool_),  # route cut this move
            np.zeros(width, dtype=np.bool_),  # job offered this move
            np.zeros(width, dtype=np.int64),  # offered jobs
        )

    @property
    def current(self) -> float:
        return float(self._state[0])

    @property
    def best(self) -> float:
        return float(self._state[1])

    def load(self, routes: Sequence[Sequence[int]]) -> None:
        """Make `routes` the current and the best day, costed with the compiled timing."""
        self._lengths[:] = 0
        self._where[:] = -1
        for v, route in enumerate(routes):
            self._lengths[v] = len(route)
            self._routes[v, : len(route)] = route
        _cost_all(
            self._routes, self._lengths, self._values, self._where, self._scratch[3],
            self._timing, self._costs,
        )  # fmt: skip
        self._state[0] = self._state[1] = self._penalty_total + float(self._values.sum())
        self._save_best()

    def run(self, moves: int, threshold: float, seed: int) -> bool:
        """`moves` string moves; a day up to `threshold` (a share) dearer than the current one
        replaces it. Returns whether the best day improved."""
        if self._n_jobs == 0 or self._n_techs == 0 or moves <= 0:
            return False
        before = self.best
        _anneal(
            self._routes, self._lengths, self._values, self._where, self._best_routes,
            self._best_lengths, self._best_values, self._state, moves, threshold, seed,
            self._near, self._movable, self._insertion, self._timing, self._costs, self._scratch,
        )  # fmt: skip
        return self.best < before - 1e-6

    def offer(self, changes: dict[int, list[int]], threshold: float) -> bool | None:
        """Put new routes for some vehicles (a rebuild's) to the same test as a string move.

        Returns None if a route is infeasible with the compiled timing or the day is too dear
        (nothing changes), else whether the best day improved."""
        value = self.current
        values: dict[int, float] = {}
        for v, route in changes.items():
            found = self.route_value(v, route)
            if found is None:
                return None
            values[v] = found
            value += found - float(self._values[v])
        if value >= self.current * (1.0 + threshold) - 1e-6:
            return None
        for v in changes:
            self._where[self._routes[v, : self._lengths[v]]] = -1
        for v, route in changes.items():
            self._lengths[v] = len(route)
            self._routes[v, : len(route)] = route
            self._where[route] = v
            self._values[v] = values[v]
        self._state[0] = value
        if value < self.best - 1e-6:
            self._state[1] = value
            self._save_best()
            return True
        return False

    def restart_from_best(self, source: FieldAnnealer | None = None) -> None:
        """The best day found (by this search, or by `source`, another search of the same day)
        becomes the current one, and this search's best."""
        if source is not None and source is not self:
            self._best_routes[:] = source._best_routes
            self._best_lengths[:] = source._best_lengths
            self._best_values[:] = source._best_values
            self._state[1] = source._state[1]
        self._routes[:] = self._best_routes
        self._lengths[:] = self._best_lengths
        self._values[:] = self._best_values
        self._state[0] = self._state[1]
        self._where[:] = -1
        for v in range(self._n_techs):
            self._where[self._routes[v, : self._lengths[v]]] = v

    def clone(self) -> FieldAnnealer:
        """Another search of the same day from the same current and best days, sharing the
        read-only arrays (and the insertion's slack cache, which is keyed by route)."""
        twin = copy.copy(self)
        for name in (
            "_routes", "_lengths", "_values", "_where", "_best_routes", "_best_lengths",
            "_best_values", "_state",
        ):  # fmt: skip
            setattr(twin, name, getattr(self, name).copy())
        twin._scratch = tuple(array.copy() for array in self._scratch)
        return twin

    def held(self) -> tuple[Ints, Ints, Floats]:
        """The current day as held: route `v` is `routes[v, :lengths[v]]`, costing
        `values[v]` (read-only views, valid until the next change)."""
        return self._routes, self._lengths, self._values

    def best_held(self) -> tuple[Ints, Ints, Floats]:
        """The best day found, held as `held` holds the current one."""
        return self._best_routes, self._best_lengths, self._best_values

    @property
    def unserved_total(self) -> float:
        """What leaving every job out costs: a day's value is this plus its route values."""
        return self._penalty_total

    def compiled(self) -> tuple[tuple[Any, ...], tuple[Any, ...], Ints, npt.NDArray[np.bool_]]:
        """What another compiled search of the same day needs (`ejection_chains.py`): the
        timing and cost arrays, the jobs by distance from each job, and which jobs may move."""
        return self._timing, self._costs, self._near, self._movable

    def best_routes(self) -> list[list[int]]:
        routes, lengths = self._best_routes, self._best_lengths
        return [routes[v, : lengths[v]].tolist() for v in range(self._n_techs)]

    def current_routes(self) -> list[list[int]]:
        return [self._routes[v, : self._lengths[v]].tolist() for v in range(self._n_techs)]

    def route_value(self, v: int, route: Sequence[int]) -> float | None:
        """Vehicle `v`'s `route` costed as the search costs it (None if it is infeasible)."""
        nodes = np.array(route if len(route) else [0], dtype=np.int64)
        starts = np.zeros(len(nodes) + 1, dtype=np.int64)
        ok, value = _timed_value(v, nodes, len(route), starts, self._timing, self._costs)
        return float(value) if ok else None

    def timing(self, v: int, route: Sequence[int]) -> tuple[list[int], int, int, int | None]:
        """Vehicle `v`'s route timed as the search times it: (service starts, departure, end
        back at the end location, lunch start or None)."""
        nodes = np.array(route if len(route) else [0], dtype=np.int64)
        starts = np.zeros(len(nodes) + 1, dtype=np.int64)
        packed = self._timing
        _, end, _, depart, lunch = _time_route(
            v, nodes, len(route), packed[1], packed[3], packed[4], packed[5], packed[10],
            packed[12], packed[13], starts,
        )  # fmt: skip
        return (
            starts[: len(route)].tolist(),
            int(depart),
            int(end),
            None if lunch == NONE else int(lunch),
        )

    def outcome(self, v: int, route: list[int]) -> RoutingOutcome:
        """Vehicle `v`'s route timed as the search times it, as a one-route solver outcome."""
        starts, depart, end, lunch = self.timing(v, route)
        return RoutingOutcome(
            {v: list(zip(route, starts, strict=True))},
            {v: depart},
            {v: end},
            {v: lunch} if lunch is not None else {},
            "feasible",
            0.0,
        )

    def _save_best(self) -> None:
        self._best_routes[:] = self._routes
        self._best_lengths[:] = self._lengths
        self._best_values[:] = self._values


def _soft_windows_open(arrays: ModelArrays, packed: tuple[Any, ...]) -> tuple[Any, ...]:
    """The insertion's arrays with a soft window's end moved to the end of the time horizon,
    for timing routes.

    A changed route may keep a stop that starts after its soft window (as guided local search
    or a rebuild may place it) and pays for it in the route's cost; otherwise such a route
    could never be changed, nor a rebuild that makes one be kept.
    """
    windows = packed[3].copy()
    for j, model in enumerate(arrays.windows):
        if model and not model[-1].hard:
            windows[j, len(model) - 1, 1] = DAY_LIMIT
    return (*packed[:3], windows, *packed[4:])


@nb.njit(cache=True, nogil=True)
def _route_value(  # noqa: PLR0913 - a compiled kernel takes its arrays one by one
    v: int,
    route: Ints,
    length: int,
    starts: Ints,
    depart: int,
    lunch: int,
    tech: Ints,
    drive: Ints,
    own: Ints,
    costs: tuple,  # type: ignore[type-arg]
) -> float:
    """`PlanScorer`'s cost of a timed route (`assemble_route` then `route_terms`), less the
    unassigned penalties of its jobs."""
    if length == 0:
        return 0.0
    (penalty, soft_end, told_start, told_end, opens, start_rate, extra, rate, targets, weights,
     room) = costs  # fmt: skip
    legs = 0
    compact = 0.0
    work = 0
    late = 0
    told = 0
    waited = 0.0
    bonus = 0.0
    served = 0.0
    prev = tech[v, START_NODE]
    prev_start = prev_end = depart
    # The visit before's overrun (at first, the one under way's), which a told window keeps
    # room for.
    spare = tech[v, START_ROOM]
    for k in range(length):
        j = route[k]
        start = starts[k]
        leg = drive[prev, j]
        legs += leg
        excess = leg - COMPACT_FREE_MINUTES
        if excess > 0:
            compact += excess * excess / 10.0
        minutes = own[v, j]
        work += minutes
        if soft_end[j] != NONE:
            late += max(0, start - soft_end[j])
        if told_start[j] != NONE:
            told += max(0, start - told_end[j]) + max(0, told_start[j] - start)
            told += min(spare, max(0, start + spare - told_end[j]))
        spare = room[j]
        if opens[j] != NONE:
            waited += start_rate[j] * max(0, start - opens[j])
        bonus += extra[v, j]
        served += penalty[j]
        prev, prev_start, prev_end = j, start, start + minutes
    back = drive[prev, tech[v, END_NODE]]
    legs += back
    excess = back - COMPACT_FREE_MINUTES
    if excess > 0:
        compact += excess * excess / 10.0
    finish = prev_end + back
    if lunch != NONE and tech[v, LUNCH] == 1:
        if lunch >= prev_end:
            finish = max(finish, lunch + tech[v, MINUTES] + back)
        elif prev_start <= lunch:
            finish += tech[v, MINUTES]
    ends = finish - back if tech[v, COMMUTE] == 1 else finish
    total = weights[0] * legs + weights[1] * compact
    total += weights[3] * late + rate[v] * max(0, ends - tech[v, SHIFT_END])
    total += bonus + weights[4] * told + waited
    total += weights[2] * max(0, work + legs - targets[v])
    return float(total - served)


@nb.njit(cache=True, nogil=True)
def _timed_value(
    v: int,
    route: Ints,
    length: int,
    starts: Ints,
    timing: tuple,  # type: ignore[type-arg]
    costs: tuple,  # type: ignore[type-arg]
) -> tuple[bool, float]:
    """The route timed (`_time_route`) and costed: (feasible, value)."""
    tech = timing[1]
    windows, n_windows, fixed = timing[3], timing[4], timing[5]
    drive, service, own = timing[10], timing[12], timing[13]
    ok, _, _, depart, lunch = _time_route(
        v, route, length, tech, windows, n_windows, fixed, drive, service, own, starts
    )
    if not ok:
        return False, 0.0
    return True, _route_value(v, route, length, starts, depart, lunch, tech, drive, own, costs)


@nb.njit(cache=True, nogil=True)
def _cost_all(
    routes: Ints,
    lengths: Ints,
    values: Floats,
    where: Ints,
    starts: Ints,
    timing: tuple,  # type: ignore[type-arg]
    costs: tuple,  # type: ignore[type-arg]
) -> None:
    """Every route's value (an infeasible route is costed as timed) and each job's route."""
    tech = timing[1]
    windows, n_windows, fixed = timing[3], timing[4], timing[5]
    drive, service, own = timing[10], timing[12], timing[13]
    for v in range(lengths.shape[0]):
        _, _, _, depart, lunch = _time_route(
            v, routes[v], lengths[v], tech, windows, n_windows, fixed, drive, service, own, starts
        )
        values[v] = _route_value(
            v, routes[v], lengths[v], starts, depart, lunch, tech, drive, own, costs
        )
        for k in range(lengths[v]):
            where[routes[v, k]] = v


@nb.njit(cache=True, nogil=True)
def _cut_string(
    v: int, near_job: int, routes: Ints, lengths: Ints, movable: npt.NDArray[np.bool_],
    where: Ints, offered: Ints, n_offered: int, is_offered: npt.NDArray[np.bool_],
) -> int:  # fmt: skip
    """Cut a run of up to `STRING_LONGEST` movable stops of route `v` around `near_job`;
    returns the new count of offered jobs."""
    length = lengths[v]
    n_movable = 0
    at = 0
    for k in range(length):
        if movable[routes[v, k]]:
            n_movable += 1
        if routes[v, k] == near_job:
            at = k
    run = np.random.randint(1, min(n_movable, STRING_LONGEST) + 1)
    first = max(0, min(at - np.random.randint(run), length - run))
    kept = 0
    for k in range(length):
        j = routes[v, k]
        if first <= k < first + run and movable[j]:
            offered[n_offered] = j
            n_offered += 1
            is_offered[j] = True
            where[j] = -1
        else:
            routes[v, kept] = j
            kept += 1
    lengths[v] = kept
    return n_offered


@nb.njit(cache=True, nogil=True)
def _anneal(  # noqa: PLR0912, PLR0913, PLR0915 - one compiled loop, kept whole for speed
    routes: Ints,
    lengths: Ints,
    values: Floats,
    where: Ints,
    best_routes: Ints,
    best_lengths: Ints,
    best_values: Floats,
    state: Floats,
    moves: int,
    threshold: float,
    seed: int,
    near: Ints,
    movable: npt.NDArray[np.bool_],
    insertion: tuple,  # type: ignore[type-arg]
    timing: tuple,  # type: ignore[type-arg]
    costs: tuple,  # type: ignore[type-arg]
    scratch: tuple,  # type: ignore[type-arg]
) -> None:
    np.random.seed(seed)
    saved, saved_lengths, trial_values, starts, cut, is_offered, offered = scratch
    n_techs = lengths.shape[0]
    n_jobs = near.shape[0]
    cut_routes = np.zeros(n_techs, dtype=np.int64)
    changed = np.zeros(n_techs, dtype=np.int64)
    current, best = state[0], state[1]
    for _ in range(moves):
        target = np.random.randint(n_jobs)
        wanted = min(np.random.randint(STRING_ROUTES[0], STRING_ROUTES[1] + 1), n_techs)
        saved_lengths[:] = lengths
        n_cut = 0
        n_offered = 0
        for rank in range(n_jobs):
            j = near[target, rank]
            v = where[j]
            if v < 0 or cut[v] or not movable[j]:
                continue
            cut[v] = True
            cut_routes[n_cut] = v
            n_cut += 1
            saved[v, : lengths[v]] = routes[v, : lengths[v]]
            n_offered = _cut_string(
                v, j, routes, lengths, movable, where, offered, n_offered, is_offered
            )
            if n_cut >= wanted:
                break
        spare = 0
        for rank in range(n_jobs):
            if spare >= UNASSIGNED_PER_MOVE:
                break
            j = near[target, rank]
            if where[j] < 0 and not is_offered[j]:
                offered[n_offered] = j
                n_offered += 1
                is_offered[j] = True
                spare += 1
        if n_offered == 0:
            for k in range(n_cut):
                cut[cut_routes[k]] = False
            continue
        # Offered in random order (Fisher-Yates), half the time then dearest to leave out
        # first: a job worth more than the stops in its way takes their place, and they look
        # for another.
        for k in range(n_offered - 1, 0, -1):
            other = np.random.randint(k + 1)
            offered[k], offered[other] = offered[other], offered[k]
        if np.random.random() < DEAREST_FIRST:
            penalty = costs[0]
            for k in range(1, n_offered):
                j = offered[k]
                p = k
                while p > 0 and penalty[offered[p - 1]] < penalty[j]:
                    offered[p] = offered[p - 1]
                    p -= 1
                offered[p] = j
        _reinsert(routes, lengths, offered[:n_offered], *insertion)
        n_changed = 0
        for v in range(n_techs):
            if cut[v] or lengths[v] != saved_lengths[v]:
                changed[n_changed] = v
                n_changed += 1
        feasible = True
        value = current
        for k in range(n_changed):
            v = changed[k]
            ok, trial_values[v] = _timed_value(v, routes[v], lengths[v], starts, timing, costs)
            if not ok:
                feasible = False
                break
            value += trial_values[v] - values[v]
        if feasible and value < current * (1.0 + threshold) - 1e-6:
            current = value
            for k in range(n_changed):
                v = changed[k]
                values[v] = trial_values[v]
                for p in range(lengths[v]):
                    where[routes[v, p]] = v
            if value < best - 1e-6:
                best = value
                for v in range(n_techs):
                    best_routes[v, : lengths[v]] = routes[v, : lengths[v]]
                best_lengths[:] = lengths
                best_values[:] = values
        else:
            for k in range(n_changed):
                v = changed[k]
                if cut[v]:
                    lengths[v] = saved_lengths[v]
                    routes[v, : lengths[v]] = saved[v, : lengths[v]]
                    for p in range(lengths[v]):
                        where[routes[v, p]] = v
                else:
                    kept = 0
                    for p in range(lengths[v]):
                        j = routes[v, p]
                        if not is_offered[j]:
                            routes[v, kept] = j
                            kept += 1
                    lengths[v] = kept
        for k in range(n_cut):
            cut[cut_routes[k]] = False
        for k in range(n_offered):
            is_offered[offered[k]] = False
    state[0], state[1] = current, best


def compile_string_moves() -> None:
    """Compile the string-move kernels (or load them from numba's disk cache), on a tiny day."""
    from optimizer.params import SolveParams
    from optimizer.problem import Job, Point, Problem, Technician
    from optimizer.travel import OfflineTravel

    home, site = Point(39.74, -104.99), Point(39.75, -104.98)
    crew = (Technician(id="T", start=home, shift_start=480, shift_end=1020),)
    problem = Problem(crew, (Job(id="J", location=site, service_minutes=30),))
    matrix = np.asarray(OfflineTravel().matrix([site, home, home]), dtype=np.int64)
    annealer = FieldAnnealer(ModelArrays.build(problem, matrix, SolveParams()))
    annealer.load([[0]])
    annealer.run(2, 0.0, 0)
    annealer.route_value(0, [0])
