"""Solver output turned into a `Plan`, and candidate plans scored route by route.

The search scores thousands of candidate days that differ from the current one in two to
four routes. `PlanScorer` costs each timed route once and remembers it, so a candidate costs
what its changed routes cost, not the whole day.
"""

from __future__ import annotations

from collections.abc import Sequence

from optimizer._routing import RoutingOutcome
from optimizer.costs import plan_cost, route_terms
from optimizer.matrices import ModelArrays
from optimizer.plan import Plan, Route, Stop, UnassignedJob
from optimizer.problem import Job, Problem, Technician
from optimizer.schedule import RouteTiming, time_route

__all__ = [
    "PlanScorer",
    "assemble",
    "assemble_route",
    "first_routes",
    "merge_timings",
    "timed_outcome",
]

REMEMBERED_ROUTES = 200_000
"""Costed routes `PlanScorer` keeps (a few hundred bytes each) before it starts afresh."""

TimedStops = list[tuple[int, int]]
"""A route as the solver times it: (job node, start minute) per stop."""


def first_routes(outcome: RoutingOutcome, n_techs: int) -> list[list[int]]:
    """The job nodes of each vehicle's route, in order."""
    return [[j for j, _ in outcome.routes.get(v, [])] for v in range(n_techs)]


def merge_timings(timings: dict[int, RoutingOutcome], base: RoutingOutcome) -> RoutingOutcome:
    """`base` with the routes re-solved in `timings` (vehicle → its solver timing) in place."""
    out = RoutingOutcome(
        dict(base.routes),
        dict(base.route_starts),
        dict(base.route_ends),
        dict(base.lunches),
        base.status,
        0.0,
    )
    for v, timing in timings.items():
        out.routes[v] = timing.routes[v]
        out.route_starts[v] = timing.route_starts[v]
        out.route_ends[v] = timing.route_ends[v]
        out.lunches.pop(v, None)
        if v in timing.lunches:
            out.lunches[v] = timing.lunches[v]
    return out


def assemble(arrays: ModelArrays, outcome: RoutingOutcome) -> Plan:
    """Turn solver output into a Plan with arrival times, reasons and explanations."""
    problem = arrays.problem
    routes = tuple(
        assemble_route(
            arrays,
            v,
            outcome.routes.get(v, []),
            outcome.route_starts[v],
            outcome.lunches.get(v),
        )
        for v in range(arrays.n_techs)
    )
    served = {s.job_id for r in routes for s in r.stops}
    unassigned = tuple(
        _why_unassigned(problem, job, arrays.allowed[j])
        for j, job in enumerate(problem.jobs)
        if job.id not in served
    )
    plan = Plan(routes=routes, unassigned=unassigned)
    return Plan(
        routes=routes,
        unassigned=unassigned,
        cost=plan_cost(problem, plan),
        solver_status=outcome.status,
    )


def assemble_route(
    arrays: ModelArrays, v: int, stops_in: TimedStops, route_start: int, lunch: int | None
) -> Route:
    """One technician's route with arrivals, travel, the lunch and the way home."""
    problem = arrays.problem
    tech = problem.technicians[v]
    drive = arrays.drive
    qualified = arrays.qualified_counts
    lunch = lunch if stops_in else None
    prev_node, prev_end = arrays.start_node(v), route_start
    prev_start = prev_end
    stops = []
    for j, start in stops_in:
        job = problem.jobs[j]
        leg = int(drive[prev_node, j])
        leave = prev_end
        if tech.lunch is not None and lunch is not None:
            if prev_end <= lunch < start:
                leave = max(prev_end, lunch + tech.lunch.minutes)  # lunch, then drive on
            elif prev_start <= lunch < prev_end:
                leave = prev_end + tech.lunch.minutes  # eaten on site during a long visit
        arrive = min(start, leave + leg)
        end = start + job.minutes_for(tech)
        why = _explain(job, tech, leg, qualified[j], problem.technicians)
        stops.append(Stop(job.id, arrive, start, end, leg, why))
        prev_node, prev_start, prev_end = j, start, end
    back = int(drive[prev_node, arrays.end_node(v)]) if stops else 0
    finish = prev_end + back
    if lunch is not None and tech.lunch is not None:
        if lunch >= prev_end:
            finish = max(finish, lunch + tech.lunch.minutes + back)
        elif stops and prev_start <= lunch:
            finish += tech.lunch.minutes  # eaten on site during the last visit
    return Route(
        technician_id=tech.id,
        stops=tuple(stops),
        start=route_start if stops else tech.shift_start,
        end=finish if stops else tech.shift_start,
        return_minutes=back,
        lunch_start=lunch,
        lunch_minutes=tech.lunch.minutes if tech.lunch and lunch is not None else 0,
    )


class PlanScorer:
    """The objective of candidate days, each given as a base outcome and re-timed routes.

    Equal to `assemble(arrays, merge_timings(timings, base)).objective` for a whole day; a part
    (`ModelArrays.subset`) is charged balance against the whole day's targets. A timed route
    already seen is not costed again, and a vehicle whose outcome is the very object it had
    last time is not even looked up. A candidate day never has a job on two routes, so the
    penalty of what is left out is the total less what each route serves. String moves cost
    their candidates in compiled code (`_anneal_kernel.py`, held to this scorer by a property
    test); this scores the days a search returns and the halves and parts written back.
    """

    def __init__(self, arrays: ModelArrays, base: RoutingOutcome) -> None:
        self._arrays = arrays
        self._base = base
        problem = arrays.problem
        # A part's targets are the whole day's (`ModelArrays.subset`), so it is scored as the
        # whole would score it.
        self._targets = arrays.balance_targets
        self._day_opens = min((t.shift_start for t in problem.technicians), default=0)
        self._loads = arrays.skill_loads
        self._jobs = {job.id: job for job in problem.jobs}
        self._penalty = [problem.params.unassigned_penalty(job) for job in problem.jobs]
        self._left_out = sum(self._penalty)
        self._seen: dict[tuple[int, tuple[tuple[int, int], ...], int, int | None], float] = {}
        self._last: list[tuple[RoutingOutcome, float] | None] = [None] * arrays.n_techs
        """Per vehicle: the outcome last scored, and its route's cost less its jobs' penalties."""

    def __call__(self, timings: dict[int, RoutingOutcome]) -> float:
        total = self._left_out
        base, last = self._base, self._last
        for v in range(self._arrays.n_techs):
            outcome = timings.get(v, base)
            known = last[v]
            if known is None or known[0] is not outcome:
                stops = outcome.routes.get(v, [])
                value = self._route(v, stops, outcome.route_starts[v], outcome.lunches.get(v))
                known = last[v] = (outcome, value - sum(self._penalty[j] for j, _ in stops))
            total += known[1]
        return total

    def _route(self, v: int, stops: TimedStops, start: int, lunch: int | None) -> float:
        key = (v, tuple(stops), start, lunch)
        value = self._seen.get(key)
        if value is None:
            if len(self._seen) >= REMEMBERED_ROUTES:
                self._seen.clear()
            route = assemble_route(self._arrays, v, stops, start, lunch)
            problem = self._arrays.problem
            terms = route_terms(
                problem,
                problem.technicians[v],
                route,
                self._targets[v],
                self._day_opens,
                self._jobs,
                self._loads,
            )
            value = self._seen[key] = sum(terms.values())
        return value


def _explain(
    job: Job, tech: Technician, drive: int, qualified: int, fleet: Sequence[Technician]
) -> str:
    parts = [
        f"{qualified} qualified technician{'s' if qualified != 1 else ''}",
        f"{drive} min drive",
    ]
    if job.designated:
        parts.append("designated technician")
    elif job.preferred:
        parts.append(
            "preferred technician kept"
            if tech.id in job.preferred
            else _preference_passed_over(job, fleet)
        )
    if job.pin is not None:
        parts.append("pinned")
    return "; ".join(parts)


def _preference_passed_over(job: Job, fleet: Sequence[Technician]) -> str:
    """Why the customer's preferred technician does not do the job: what they lack, or, when
    they could, that the plan gave them other work (the objective found it cheaper)."""
    preferred = sorted((t for t in fleet if t.id in job.preferred), key=lambda t: t.id)
    able = [t for t in fleet if t.id in job.preferred and job.qualified(t)]
    if able:
        names = ", ".join(t.id for t in able)
        return f"preferred technician {names} passed over for other stops"
    if not preferred:
        return "preferred technician not on shift"
    lacks = sorted((job.skills - preferred[0].skills) | (job.equipment - preferred[0].equipment))
    detail = f" lacks {', '.join(lacks)}" if lacks else " may not take it"
    return f"preferred technician {preferred[0].id}{detail}"


def _why_unassigned(problem: Problem, job: Job, allowed: Sequence[int]) -> UnassignedJob:
    qualified = [t for t in problem.technicians if job.qualified(t)]
    if not qualified:
        missing = sorted(job.skills | job.equipment)
        detail = f"needs {', '.join(missing)}" if missing else "no technician may serve it"
        if job.designated:
            detail = f"designated technician {job.designated} lacks what it needs"
        return UnassignedJob(job.id, "no_qualified_technician", detail)
    if job.pin is not None:
        return UnassignedJob(job.id, "pinned_infeasible", f"pinned to {job.pin.technician}")
    # Naming what the job needs tells a coordinator which skill is short when few hold it.
    needs = sorted(job.skills | job.equipment)
    who = f"{len(qualified)} qualified" + (f" for {', '.join(needs)}" if needs else "")
    if job.hard_windows:
        open_ = any(
            w.start <= t.shift_end + t.overtime_minutes and w.end >= t.shift_start
            for w in job.windows
            for t in qualified
        )
        if not open_:
            return UnassignedJob(
                job.id, "no_room_in_window", "no qualified shift overlaps its window"
            )
        return UnassignedJob(
            job.id,
            "no_room_in_window",
            f"{who} ({len(allowed)} nearest considered), all full in its window",
        )
    return UnassignedJob(
        job.id,
        "no_room_in_shift",
        f"{who} ({len(allowed)} nearest considered), no room in their shifts",
    )


def timed_outcome(arrays: ModelArrays, routes: Sequence[Sequence[int]]) -> RoutingOutcome:
    """Routes timed with each technician's exact minutes; stops that do not fit are left out."""
    problem = arrays.problem
    drive = arrays.drive.tolist()
    timed: dict[int, list[tuple[int, int]]] = {}
    starts: dict[int, int] = {}
    ends: dict[int, int] = {}
    lunches: dict[int, int] = {}
    for v, tech in enumerate(problem.technicians):
        kept: list[int] = []
        timing = _time(arrays, drive, v, tech, kept)
        for j in routes[v]:
            trial = _time(arrays, drive, v, tech, [*kept, j])
            if trial.feasible:
                kept, timing = [*kept, j], trial
        timed[v] = [(j, s.start) for j, s in zip(kept, timing.stops, strict=True)]
        starts[v], ends[v] = timing.depart, timing.end
        if timing.lunch_start is not None:
            lunches[v] = timing.lunch_start
    return RoutingOutcome(timed, starts, ends, lunches, "construction", 0.0)


def _time(
    arrays: ModelArrays, drive: list[list[int]], v: int, tech: Technician, route: list[int]
) -> RouteTiming:
    jobs = arrays.problem.jobs
    return time_route(
        tech,
        [arrays.windows[j] for j in route],
        [jobs[j].minutes_for(tech) for j in route],
        route,
        drive,
        arrays.start_node(v),
        arrays.end_node(v),
        fixed_starts=[
            jobs[j].pin.start if jobs[j].pin is not None else None  # type: ignore[union-attr]
            for j in route
        ],
    )
