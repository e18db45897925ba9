"""Insertion of one new job into today's plan: every feasible (technician, position), ranked.

The same-day and emergency lanes call `rank_insertions`; each option says what it costs and
whom it delays by how much (the knock-on). Stops that started before `now` stay put; the rest
of the route is re-timed with the new job in it, and an option is kept only if every hard rule
still holds. `apply_insertion` turns an option into the revised problem and plan, and
`knock_on_of` reads the same knock-on off a job already in a plan (what its presence costs the
stops after it), for a coordinator asked to approve the move.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from optimizer.costs import told_room_short
from optimizer.matrices import compactness_units
from optimizer.plan import Plan, Route, Stop
from optimizer.problem import Job, Problem, Technician
from optimizer.schedule import RouteTiming, time_route
from optimizer.skill_reserve import reserve_cost, skill_loads
from optimizer.travel import OfflineTravel, TravelTimes

__all__ = ["InsertionOption", "apply_insertion", "knock_on_of", "rank_insertions"]


@dataclass(frozen=True, slots=True)
class InsertionOption:
    """One feasible place for the new job.

    Attributes:
        technician_id: Who would do it.
        position: Index in the technician's stops at which the new job goes.
        arrive: When the technician would arrive.
        start: When service would start.
        end: When service would end.
        cost_delta: Change of the route's objective terms (drive, compactness, lateness, told
            windows, overtime, emergency wait, preference, scarce skills) with the job in it.
        extra_drive_minutes: Added driving.
        knock_on: (job id, minutes of delay) for each later stop that moves later.
        late_minutes: Minutes past soft windows added (new job and knocked-on stops).
        told_windows_broken: Knocked-on stops pushed outside the window their customer was told.
    """

    technician_id: str
    position: int
    arrive: int
    start: int
    end: int
    cost_delta: float
    extra_drive_minutes: int
    knock_on: tuple[tuple[str, int], ...]
    late_minutes: int
    told_windows_broken: int

    @property
    def delayed_jobs(self) -> int:
        """How many customers see their visit move later."""
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
    """All feasible insertions of `job` into `plan`, cheapest first.

    Args:
        problem: The day the plan was made for (the new job need not be in it).
        plan: Today's plan.
        job: The new job.
        now: Minute of the day; stops started before it stay, nothing new starts before it.
        travel: The provider the plan was made with (offline by default).
        limit: Keep only this many options.
    """
    if _plan_has(plan, job.id):
        raise ValueError(f"job {job.id} is already in the plan")
    provider = travel or OfflineTravel()
    jobs = {j.id: j for j in problem.jobs}
    loads = skill_loads(problem, also=() if job.id in jobs else (job,))
    options: list[InsertionOption] = []
    for tech in problem.technicians:
        if not job.qualified(tech):
            continue
        route = plan.route_of(tech.id)
        stops = route.stops if route is not None else ()
        context = _Context(problem, tech, route, stops, jobs, job, provider, now)
        # The other stops' reserve costs are the same with the job or without it.
        reserve = reserve_cost(problem, loads, job, tech)
        for position in range(context.first_free, len(stops) + 1):
            option = context.option(position)
            if option is not None:
                options.append(replace(option, cost_delta=round(option.cost_delta + reserve, 2)))
    options.sort(key=lambda o: (o.cost_delta, o.start, o.technician_id))
    return options[:limit] if limit is not None else options


def _plan_has(plan: Plan, job_id: str) -> bool:
    return any(s.job_id == job_id for r in plan.routes for s in r.stops)


def apply_insertion(
    problem: Problem,
    plan: Plan,
    job: Job,
    option: InsertionOption,
    *,
    now: int | None = None,
    travel: TravelTimes | None = None,
) -> tuple[Problem, Plan]:
    """The problem with `job` added and the plan with `option` applied (times re-computed)."""
    provider = travel or OfflineTravel()
    tech = problem.technician(option.technician_id)
    jobs = {j.id: j for j in problem.jobs}
    route = plan.route_of(tech.id)
    stops = route.stops if route is not None else ()
    context = _Context(problem, tech, route, stops, jobs, job, provider, now)
    timing = context.timing(option.position)
    if not timing.feasible:
        raise ValueError(f"option {option.technician_id}@{option.position} is not feasible")
    new_route = context.route_with(option.position, timing)
    routes = tuple(new_route if r.technician_id == tech.id else r for r in plan.routes)
    if route is None:
        routes = (*routes, new_route)
    unassigned = tuple(u for u in plan.unassigned if u.job_id != job.id)
    revised = problem.replace(jobs=(*(j for j in problem.jobs if j.id != job.id), job))
    return revised, Plan(routes, unassigned, solver_status="insertion")


def knock_on_of(
    problem: Problem,
    plan: Plan,
    job_id: str,
    *,
    now: int | None = None,
    travel: TravelTimes | None = None,
) -> tuple[tuple[str, int], ...]:
    """(job id, minutes) for each later stop of `job_id`'s route that starts later because the
    job is in it: the rest of the route timed with it and without it, from the stop before.
    Delays the rest of the day brought (an overrun, another insertion) are not counted. Both
    timings place the lunch the same way, so a lunch the solver put elsewhere is no delay."""
    route = next((r for r in plan.routes if any(s.job_id == job_id for s in r.stops)), None)
    if route is None:
        raise ValueError(f"job {job_id} is not in the plan")
    position = next(k for k, s in enumerate(route.stops) if s.job_id == job_id)
    jobs = {j.id: j for j in problem.jobs}
    rest = (*route.stops[:position], *route.stops[position + 1 :])
    tech = problem.technician(route.technician_id)
    context = _Context(
        problem, tech, route, rest, jobs, jobs[job_id], travel or OfflineTravel(), now
    )
    with_it = context.timing(position).stops[1:]
    without = context.timing(position, with_job=False).stops
    knock = []
    for stop, later, alone in zip(rest[position:], with_it, without, strict=True):
        if later.start > alone.start:
            knock.append((stop.job_id, later.start - alone.start))
    return tuple(knock)


class _Context:
    """One technician's route and the travel times the new job needs, computed once."""

    def __init__(
        self,
        problem: Problem,
        tech: Technician,
        route: Route | None,
        stops: Sequence[Stop],
        jobs: dict[str, Job],
        job: Job,
        provider: TravelTimes,
        now: int | None,
    ) -> None:
        self.w, self.tech, self.route, self.stops, self.job, self.now = (
            problem.params,
            tech,
            route,
            stops,
            job,
            now,
        )
        self.old = [jobs[s.job_id] for s in stops]
        # A late start counts from the day's opening, as in the plan it goes into, not from
        # this technician's shift: else a later shift would look like a sooner arrival.
        self.day_opens = problem.day_opens
        # Node order: 0 start, 1 end, 2 new job, 3.. existing stops.
        points = [tech.start, tech.end_point, job.location, *(j.location for j in self.old)]
        self.m: list[list[int]] = provider.matrix(points).tolist()
        started = [k for k, s in enumerate(stops) if now is not None and s.start < now]
        heads = [
            k for k, j in enumerate(self.old) if j.pin is not None and j.pin.sequence is not None
        ]
        # Nothing goes ahead of a stop under way or of a route's pinned head.
        self.first_free = max((started[-1] + 1) if started else 0, (heads[-1] + 1) if heads else 0)
        self.lunch_start = route.lunch_start if route is not None else None
        self.before = self._route_terms(
            [2 + 1 + k for k in range(len(stops))],
            [s.start for s in stops],
            self.old,
            self.w.overtime(tech, route.end, route.return_minutes)
            if route is not None and stops
            else 0.0,
        )

    def timing(self, position: int, *, with_job: bool = True) -> RouteTiming:
        """Re-time the stops from `position` on with the new job in front of them (or, without
        it, as they would run if it were not there)."""
        tech, stops = self.tech, self.stops
        if position == 0:
            depart = None if self.now is None else max(tech.shift_start, self.now)
            start_node = 0
        else:
            prev = stops[position - 1]
            free = prev.end
            lunch = self.lunch_start
            if tech.lunch is not None and lunch is not None and prev.start <= lunch < prev.end:
                free += tech.lunch.minutes  # eaten on site: they drive on after it
            depart = free if self.now is None else max(free, self.now)
            start_node = 3 + position - 1
        lunch_taken = self.lunch_taken(position)
        suffix = [self.job, *self.old[position:]] if with_job else self.old[position:]
        nodes = [*([2] if with_job else []), *(3 + k for k in range(position, len(stops)))]
        fixed: list[int | None] = [None] if with_job else []
        fixed += [j.pin.start if j.pin is not None else None for j in self.old[position:]]
        return time_route(
            tech,
            [j.windows for j in suffix],
            [j.minutes_for(tech) for j in suffix],
            nodes,
            self.m,
            start_node,
            1,
            fixed_starts=fixed,
            depart=depart,
            lunch_taken=lunch_taken,
        )

    def lunch_taken(self, position: int) -> bool:
        """Whether the lunch is already behind when the technician heads for the new job."""
        if position == 0 or self.lunch_start is None:
            return False
        return self.lunch_start < self.stops[position - 1].end

    def option(self, position: int) -> InsertionOption | None:
        timing = self.timing(position)
        if not timing.feasible:
            return None
        if self.now is not None and timing.stops[0].start < self.now:
            return None
        new = timing.stops[0]
        order = (
            [3 + k for k in range(position)]
            + [2]
            + [3 + k for k in range(position, len(self.stops))]
        )
        starts = [s.start for s in self.stops[:position]] + [s.start for s in timing.stops]
        all_jobs = [*self.old[:position], self.job, *self.old[position:]]
        after = self._route_terms(
            order, starts, all_jobs, self.w.overtime(self.tech, timing.end, timing.back)
        )
        knock = []
        told_broken = 0
        for old_stop, later, job in zip(
            self.stops[position:], timing.stops[1:], self.old[position:], strict=True
        ):
            delay = later.start - old_stop.start
            if delay > 0:
                knock.append((old_stop.job_id, delay))
                told = job.told_window
                if told is not None and old_stop.start <= told.end < later.start:
                    told_broken += 1
        prev = 0 if position == 0 else 3 + position - 1
        nxt = 1 if position == len(self.stops) else 3 + position
        extra = self.m[prev][2] + self.m[2][nxt] - (self.m[prev][nxt] if self.stops else 0)
        return InsertionOption(
            self.tech.id,
            position,
            new.arrive,
            new.start,
            new.end,
            round(after[0] - self.before[0], 2),
            extra,
            tuple(knock),
            after[1] - self.before[1],
            told_broken,
        )

    def _route_terms(
        self, nodes: Sequence[int], starts: Sequence[int], jobs: Sequence[Job], overtime: float
    ) -> tuple[float, int]:
        """(route cost, soft-window lateness) of a route, with the objective's weights and its
        `overtime` cost."""
        w, tech = self.w, self.tech
        if not nodes:
            return 0.0, 0
        path = [0, *nodes, 1]
        legs = [self.m[a][b] for a, b in zip(path, path[1:], strict=False)]
        cost = w.drive_minute * sum(legs) + w.compactness * sum(
            float(compactness_units(leg)) for leg in legs
        )
        late = 0
        room = tech.start_room
        for job, start in zip(jobs, starts, strict=True):
            soft = [x for x in job.windows if not x.hard]
            if soft:
                late += max(0, start - soft[-1].end)
            if job.told_window is not None:
                told, due = job.told_window, w.told_due(job.told_window)
                cost += w.told_window_minute * (
                    max(0, start - due)
                    + max(0, told.start - start)
                    + told_room_short(start, due, room)
                )
            room = job.overrun_minutes
            rate = w.start_rate(job)
            if rate > 0:
                cost += rate * max(0, start - job.opens(self.day_opens))
            if job.preferred and tech.id not in job.preferred and job.pin is None:
                cost += w.preferred_tech_broken
        cost += w.lateness_minute * late + overtime
        return cost, late

    def route_with(self, position: int, timing: RouteTiming) -> Route:
        """The technician's route with the new job at `position`, as timed."""
        tech, stops = self.tech, self.stops
        kept = list(stops[:position])
        suffix_ids = [self.job.id, *(s.job_id for s in stops[position:])]
        explained = ["inserted", *(s.explanation for s in stops[position:])]
        retimed = [
            Stop(job_id, t.arrive, t.start, t.end, t.travel, why)
            for job_id, t, why in zip(suffix_ids, timing.stops, explained, strict=True)
        ]
        lunch = self.lunch_start if self.lunch_taken(position) else timing.lunch_start
        start = self.route.start if self.route is not None and kept else timing.depart
        return Route(
            technician_id=tech.id,
            stops=(*kept, *retimed),
            start=start,
            end=timing.end,
            return_minutes=timing.back,
            lunch_start=lunch,
            lunch_minutes=tech.lunch.minutes if tech.lunch is not None and lunch is not None else 0,
        )
