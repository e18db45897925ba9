"""Insertion of one new job into today's plan: every feasible (technician, position), ranked.

The same-day and emergency lanes call `rank_insertions`; each option says what it costs and
whom it delays by how much (the cascade). Stops already started (before `now`) stay put.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from optimizer.plan import Plan, Route
from optimizer.problem import Job, Problem, Technician
from optimizer.schedule import earliest_start, time_route
from optimizer.travel import OfflineTravel, TravelTimes

__all__ = ["InsertionOption", "best_insertion", "rank_insertions"]


@dataclass(frozen=True, slots=True)
class InsertionOption:
    technician_id: str
    position: int
    """Index in the technician's stops at which the new job goes."""
    start: int
    end: int
    cost_delta: float
    extra_drive_minutes: int
    knock_on: tuple[tuple[str, int], ...]
    """(job id, minutes of delay) for each later stop that moves."""
    late_minutes: int
    """Minutes past soft windows (new job and knocked-on stops together)."""

    @property
    def delayed_jobs(self) -> int:
        return sum(1 for _, minutes in self.knock_on if minutes > 0)


def rank_insertions(
    problem: Problem,
    plan: Plan,
    job: Job,
    *,
    now: int | None = None,
    travel: TravelTimes | None = None,
    limit: int | None = None,
) -> list[InsertionOption]:
    """All feasible insertions of `job`, cheapest first."""
    provider = travel or OfflineTravel()
    jobs = {j.id: j for j in problem.jobs}
    jobs[job.id] = job
    w = problem.params
    options: list[InsertionOption] = []
    for tech in problem.technicians:
        if not job.qualified(tech):
            continue
        route = plan.route_of(tech.id) or Route(tech.id, (), tech.shift_start, tech.shift_start, 0)
        stops = route.stops
        points = [tech.start, job.location, tech.end_point] + [
            jobs[s.job_id].location for s in stops
        ]
        m = provider.matrix(points)
        new, home, end_node = 1, 0, 2

        def node(k: int) -> int:
            return 3 + k

        first_free = sum(1 for s in stops if now is not None and s.start < now)
        for position in range(first_free, len(stops) + 1):
            option = _try(
                tech, route, stops, jobs, job, position, m, new, home, end_node, node, now, w
            )
            if option is not None:
                options.append(option)
    options.sort(key=lambda o: (o.cost_delta, o.start))
    return options[:limit] if limit is not None else options


def _try(
    tech: Technician,
    route: Route,
    stops: Sequence,
    jobs: Mapping[str, Job],
    job: Job,  # type: ignore[type-arg]
    position: int,
    m: list[list[int]],
    new: int,
    home: int,
    end_node: int,
    node: object,
    now: int | None,
    w: object,
) -> InsertionOption | None:
    from optimizer.problem import ObjectiveParams

    assert isinstance(w, ObjectiveParams) and callable(node)
    lunch = tech.lunch
    lunch_block = (
        (route.lunch_start, route.lunch_start + route.lunch_minutes)
        if route.lunch_start is not None and route.lunch_minutes
        else None
    )
    prev_node = home if position == 0 else node(position - 1)
    prev_end = route.start if position == 0 else stops[position - 1].end
    if now is not None:
        prev_end = max(prev_end, now)
    drive_in = m[prev_node][new]
    arrive = prev_end + drive_in
    start, late = earliest_start(job.windows, arrive)
    minutes = job.minutes_for(tech)
    if lunch_block and start < lunch_block[1] and lunch_block[0] < start + minutes:
        start, late = earliest_start(job.windows, max(arrive, lunch_block[1]))
    if late and any(x.hard for x in job.windows):
        return None
    end = start + minutes
    next_node = end_node if position == len(stops) else node(position)
    old_leg = m[prev_node][next_node] if stops or position else 0
    extra_drive = drive_in + m[new][next_node] - (old_leg if stops else 0)
    lateness = late
    knock: list[tuple[str, int]] = []
    clock, here = end, new
    for k in range(position, len(stops)):
        stop = stops[k]
        later = jobs[stop.job_id]
        arrive_k = clock + m[here][node(k)]
        start_k, late_k = earliest_start(later.windows, max(arrive_k, stop.start))
        if (
            lunch_block
            and start_k < lunch_block[1]
            and lunch_block[0] < start_k + (stop.end - stop.start)
        ):
            start_k, late_k = earliest_start(
                later.windows, max(arrive_k, lunch_block[1], stop.start)
            )
        if late_k and any(x.hard for x in later.windows):
            return None
        delay = start_k - stop.start
        knock.append((stop.job_id, delay))
        lateness += late_k
        clock, here = start_k + (stop.end - stop.start), node(k)
    finish = clock + m[here][end_node]
    if lunch is not None and lunch_block is None and finish > lunch.latest + lunch.minutes:
        pass  # lunch not yet planned: the lanes re-plan the day after inserting
    if finish > tech.shift_end + tech.overtime_minutes:
        return None
    overtime_before = max(0, route.end - tech.shift_end) if stops else 0
    overtime = max(0, finish - tech.shift_end) - overtime_before
    cost = (
        w.drive_minute * extra_drive
        + w.lateness_minute * lateness
        + w.overtime_minute * max(0, overtime)
        + (w.preferred_tech_broken if job.preferred and tech.id not in job.preferred else 0)
        + (w.emergency_start_minute * start if job.urgency == "emergency" else 0)
        + sum(w.told_window_minute * d for _, d in knock if d > 0) * 0.1
    )
    return InsertionOption(
        tech.id,
        position,
        start,
        end,
        round(cost, 2),
        extra_drive,
        tuple(k for k in knock if k[1] > 0),
        lateness,
    )


def best_insertion(
    problem: Problem,
    matrix: np.ndarray,
    routes: Mapping[str, list[str]],
    job: Job,
) -> tuple[str, int] | None:
    """Cheapest feasible (technician, position) for `job` in routes of job ids (construction)."""
    index = {j.id: k for k, j in enumerate(problem.jobs)}
    by_id = {j.id: j for j in problem.jobs}
    n_jobs, n_techs = len(problem.jobs), len(problem.technicians)
    best: tuple[float, str, int] | None = None
    for v, tech in enumerate(problem.technicians):
        if not job.qualified(tech):
            continue
        current = routes[tech.id]
        base = _route_drive(matrix, [index[j] for j in current], n_jobs + v, n_jobs + n_techs + v)
        for position in range(len(current) + 1):
            ids = current[:position] + [job.id] + current[position:]
            jobs = [by_id[i] for i in ids]
            nodes = [index[i] for i in ids]
            fixed = {
                j.id: j.pin.start for j in jobs if j.pin is not None and j.pin.start is not None
            }
            timed, finish, lunch, _ = time_route(
                tech, jobs, matrix, nodes, n_jobs + v, n_jobs + n_techs + v, fixed_starts=fixed
            )
            if finish > tech.shift_end + tech.overtime_minutes:
                continue
            if any(s.late and any(x.hard for x in s.job.windows) for s in timed):
                continue
            if tech.lunch is not None and lunch is not None and lunch > tech.lunch.latest:
                continue
            delta = _route_drive(matrix, nodes, n_jobs + v, n_jobs + n_techs + v) - base
            if best is None or delta < best[0]:
                best = (delta, tech.id, position)
    return None if best is None else (best[1], best[2])


def _route_drive(matrix: np.ndarray, nodes: Sequence[int], start: int, end: int) -> int:
    path = [start, *nodes, end]
    return int(sum(matrix[a][b] for a, b in zip(path, path[1:], strict=False)))
