"""`solve(problem) -> Plan`: the OR-Tools model, with a construction that always answers.

The plan is never "no plan": if the solver finds nothing in its budget (or fails on a warm
start), a greedy insertion builds a valid plan from the pinned stops, leaving the rest
unassigned with reasons.
"""

from __future__ import annotations

import time as clock
from collections.abc import Mapping, Sequence

import numpy as np

from optimizer._routing import RoutingOutcome, SolveParams, solve_routing
from optimizer.costs import plan_cost
from optimizer.plan import Plan, Route, Stop, UnassignedJob
from optimizer.problem import Job, Problem, Technician
from optimizer.travel import OfflineTravel, TravelTimes

__all__ = ["SolveParams", "node_points", "solve", "travel_matrix"]


def node_points(problem: Problem) -> list:  # type: ignore[type-arg]
    """Matrix order: job locations, technicians' starts, technicians' ends."""
    return (
        [job.location for job in problem.jobs]
        + [tech.start for tech in problem.technicians]
        + [tech.end_point for tech in problem.technicians]
    )


def travel_matrix(problem: Problem, travel: TravelTimes | None = None) -> np.ndarray:
    provider = travel or OfflineTravel()
    return np.asarray(provider.matrix(node_points(problem)), dtype=np.int64)


def solve(
    problem: Problem,
    *,
    time_limit: float = 10.0,
    seed: int = 0,
    params: SolveParams | None = None,
    initial: Plan | Mapping[str, Sequence[str]] | None = None,
    travel: TravelTimes | None = None,
) -> Plan:
    """Plan the whole fleet.

    Args:
        problem: technicians, jobs and weights.
        time_limit: seconds of search.
        seed: kept for the interface; the search is deterministic for a given
            `params.solution_limit` (OR-Tools' routing search takes no random seed).
        params: search settings; `time_limit` overrides theirs.
        initial: a previous plan (or job order per technician) to start from.
        travel: the travel-time provider; offline estimates by default.
    """
    del seed
    started = clock.perf_counter()
    settings = params or SolveParams()
    settings = SolveParams(
        time_limit=time_limit,
        solution_limit=settings.solution_limit,
        first_solution=settings.first_solution,
        metaheuristic=settings.metaheuristic,
        gls_lambda=settings.gls_lambda,
        balance_dimension=settings.balance_dimension,
    )
    matrix = travel_matrix(problem, travel)
    warm = _initial_routes(problem, initial)
    outcome = solve_routing(problem, matrix, params=settings, initial=warm)
    if outcome is None:
        outcome = construct(problem, matrix)
    plan = assemble(problem, matrix, outcome)
    return Plan(
        routes=plan.routes,
        unassigned=plan.unassigned,
        cost=plan.cost,
        solver_status=outcome.status,
        solve_seconds=clock.perf_counter() - started,
    )


def _initial_routes(
    problem: Problem, initial: Plan | Mapping[str, Sequence[str]] | None
) -> dict[str, list[str]] | None:
    if initial is None:
        return None
    known = {job.id for job in problem.jobs}
    if isinstance(initial, Plan):
        routes = {r.technician_id: [s.job_id for s in r.stops] for r in initial.routes}
    else:
        routes = {tech: list(jobs) for tech, jobs in initial.items()}
    return {tech: [j for j in jobs if j in known] for tech, jobs in routes.items()}


def construct(problem: Problem, matrix: np.ndarray) -> RoutingOutcome:
    """Greedy construction: pinned stops first, then each job where it adds least."""
    from optimizer.insertion import best_insertion

    routes: dict[str, list[str]] = {t.id: [] for t in problem.technicians}
    pinned = sorted(
        (j for j in problem.jobs if j.pin is not None),
        key=lambda j: j.pin.sequence if j.pin and j.pin.sequence is not None else 10**6,
    )
    for job in pinned:
        assert job.pin is not None
        routes[job.pin.technician].append(job.id)
    order = sorted(
        (j for j in problem.jobs if j.pin is None),
        key=lambda j: -problem.params.unassigned_penalty(j),
    )
    for job in order:
        choice = best_insertion(problem, matrix, routes, job)
        if choice is not None:
            tech_id, position = choice
            routes[tech_id].insert(position, job.id)
    return timed_outcome(problem, matrix, routes, status="construction")


def timed_outcome(
    problem: Problem, matrix: np.ndarray, routes: Mapping[str, Sequence[str]], *, status: str
) -> RoutingOutcome:
    from optimizer.schedule import time_route

    by_id = {job.id: (k, job) for k, job in enumerate(problem.jobs)}
    n_jobs, n_techs = len(problem.jobs), len(problem.technicians)
    timed: dict[str, list[tuple[str, int]]] = {}
    starts: dict[str, int] = {}
    ends: dict[str, int] = {}
    lunches: dict[str, int] = {}
    for v, tech in enumerate(problem.technicians):
        ids = list(routes.get(tech.id, ()))
        jobs = [by_id[i][1] for i in ids]
        nodes = [by_id[i][0] for i in ids]
        fixed = {j.id: j.pin.start for j in jobs if j.pin is not None and j.pin.start is not None}
        stops, end, lunch, _ = time_route(
            tech, jobs, matrix, nodes, n_jobs + v, n_jobs + n_techs + v, fixed_starts=fixed
        )
        timed[tech.id] = [(s.job.id, s.start) for s in stops]
        starts[tech.id] = (stops[0].arrive - stops[0].travel) if stops else tech.shift_start
        ends[tech.id] = end
        if lunch is not None:
            lunches[tech.id] = lunch
    return RoutingOutcome(timed, starts, ends, lunches, status)


def assemble(problem: Problem, matrix: np.ndarray, outcome: RoutingOutcome) -> Plan:
    """Turn solver output into a Plan with arrival times, reasons and explanations."""
    n_jobs, n_techs = len(problem.jobs), len(problem.technicians)
    position = {job.id: k for k, job in enumerate(problem.jobs)}
    jobs = {job.id: job for job in problem.jobs}
    qualified = {job.id: sum(job.qualified(t) for t in problem.technicians) for job in problem.jobs}
    routes = []
    for v, tech in enumerate(problem.technicians):
        prev_node, prev_end = n_jobs + v, outcome.route_starts[tech.id]
        lunch = outcome.lunches.get(tech.id)
        stops = []
        for job_id, start in outcome.routes.get(tech.id, []):
            job, node = jobs[job_id], position[job_id]
            drive = int(matrix[prev_node][node])
            leave = prev_end
            if tech.lunch and lunch is not None and prev_end <= lunch < start:
                leave = lunch + tech.lunch.minutes  # lunch before driving on
            arrive = min(start, leave + drive)
            end = start + job.minutes_for(tech)
            stops.append(
                Stop(
                    job_id, arrive, start, end, drive, _explain(job, tech, drive, qualified[job_id])
                )
            )
            prev_node, prev_end = node, end
        back = int(matrix[prev_node][n_jobs + n_techs + v])
        routes.append(
            Route(
                technician_id=tech.id,
                stops=tuple(stops),
                start=outcome.route_starts[tech.id],
                end=max(outcome.route_ends[tech.id], prev_end + back),
                return_minutes=back,
                lunch_start=lunch,
                lunch_minutes=tech.lunch.minutes if tech.lunch and lunch is not None else 0,
            )
        )
    served = {s.job_id for r in routes for s in r.stops}
    unassigned = tuple(
        _why_unassigned(problem, job) for job in problem.jobs if job.id not in served
    )
    plan = Plan(routes=tuple(routes), unassigned=unassigned)
    return Plan(routes=plan.routes, unassigned=plan.unassigned, cost=plan_cost(problem, plan))


def _explain(job: Job, tech: Technician, drive: int, qualified: int) -> str:
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
            else "preferred technician not available"
        )
    if job.pin is not None:
        parts.append("pinned")
    return "; ".join(parts)


def _why_unassigned(problem: Problem, job: Job) -> UnassignedJob:
    qualified = [t for t in problem.technicians if job.qualified(t)]
    if not qualified:
        missing = sorted(job.skills | job.equipment)
        detail = f"needs {', '.join(missing)}" if missing else "no technician may serve it"
        if job.designated:
            detail = f"designated technician {job.designated} lacks what it needs"
        return UnassignedJob(job.id, "no_qualified_technician", detail)
    if job.pin is not None:
        return UnassignedJob(job.id, "pinned_infeasible", f"pinned to {job.pin.technician}")
    if job.windows and all(w.hard for w in job.windows):
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
            job.id, "no_room_in_window", f"{len(qualified)} qualified, all full in its window"
        )
    return UnassignedJob(
        job.id, "no_room_in_shift", f"{len(qualified)} qualified, no room in their shifts"
    )
