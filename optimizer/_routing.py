"""The OR-Tools routing model. The only module that imports OR-Tools; none of its types leave.

Node layout: jobs 0..J-1, then each technician's start node, then each one's end node.
Costs are integers: every weight is multiplied by SCALE so fractional weights survive.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from optimizer.problem import Job, Problem, Technician

__all__ = ["RoutingOutcome", "SolveParams", "solve_routing"]

SCALE = 10
HORIZON = 48 * 60
# Per-vehicle arc-cost matrices (for preferred technicians and churn) cost n² cells each; past
# this many cells in total they are left out and only the warm start limits churn.
MAX_VEHICLE_MATRIX_CELLS = 40_000_000
# Distinct service-time profiles get their own transit matrix; past this many cells in total the
# technicians' speed factors are rounded to share matrices.
MAX_TRANSIT_MATRIX_CELLS = 40_000_000


@dataclass(frozen=True, slots=True)
class SolveParams:
    time_limit: float = 10.0
    solution_limit: int | None = None
    """Stop after this many improving solutions: with it, the same input gives the same plan."""
    first_solution: str = "auto"
    """auto, parallel_cheapest_insertion, local_cheapest_insertion, path_cheapest_arc, savings."""
    metaheuristic: str = "guided_local_search"
    gls_lambda: float = 0.1
    balance_dimension: bool = True


@dataclass(frozen=True, slots=True)
class RoutingOutcome:
    routes: dict[str, list[tuple[str, int]]]
    """Technician id → [(job id, service start)] in visiting order."""
    route_starts: dict[str, int]
    route_ends: dict[str, int]
    lunches: dict[str, int]
    status: str


def _first_solution(name: str, jobs: int) -> int:
    strategies = routing_enums_pb2.FirstSolutionStrategy
    if name == "auto":
        name = "parallel_cheapest_insertion" if jobs <= 400 else "local_cheapest_insertion"
    return int(getattr(strategies, name.upper()))


def solve_routing(
    problem: Problem,
    travel: np.ndarray,
    *,
    params: SolveParams,
    initial: Mapping[str, Sequence[str]] | None = None,
) -> RoutingOutcome | None:
    """Build and solve the model; None when OR-Tools found no solution at all."""
    techs, jobs = problem.technicians, problem.jobs
    n_jobs, n_techs = len(jobs), len(techs)
    if n_techs == 0:
        return None
    starts = [n_jobs + v for v in range(n_techs)]
    ends = [n_jobs + n_techs + v for v in range(n_techs)]
    manager = pywrapcp.RoutingIndexManager(n_jobs + 2 * n_techs, n_techs, starts, ends)
    model_params = pywrapcp.DefaultRoutingModelParameters()
    routing = pywrapcp.RoutingModel(manager, model_params)
    weights = problem.params
    n = n_jobs + 2 * n_techs

    # --- arc costs: drive minutes plus a convex compactness term against long hops ---------
    drive = travel.astype(np.int64)
    compact = np.maximum(drive - 10, 0) ** 2 / 10.0
    base_cost = np.rint(SCALE * (weights.drive_minute * drive + weights.compactness * compact))
    affinity_cols, vehicle_relief = _affinities(problem)
    if vehicle_relief and len(vehicle_relief) * n * n > MAX_VEHICLE_MATRIX_CELLS:
        affinity_cols, vehicle_relief = {}, {}
    for col, penalty in affinity_cols.items():
        base_cost[:, col] += penalty
    shared_cost = routing.RegisterTransitMatrix(_to_index_matrix(base_cost))
    for v in range(n_techs):
        relief = vehicle_relief.get(v)
        if relief:
            own = base_cost.copy()
            for col, amount in relief.items():
                own[:, col] -= amount
            routing.SetArcCostEvaluatorOfVehicle(
                routing.RegisterTransitMatrix(_to_index_matrix(own)), v
            )
        else:
            routing.SetArcCostEvaluatorOfVehicle(shared_cost, v)

    # --- time: service of the from-node plus driving; one matrix per service profile -------
    service = _service_profiles(problem, n)
    transit_ids: list[int] = []
    for minutes in service.values():
        matrix = drive + minutes[:, None]
        transit_ids.append(routing.RegisterTransitMatrix(_to_index_matrix(matrix)))
    vehicle_transit = [0] * n_techs
    for transit_index, key in zip(transit_ids, service, strict=True):
        for v in key:
            vehicle_transit[v] = transit_index
    routing.AddDimensionWithVehicleTransits(vehicle_transit, HORIZON, HORIZON, False, "Time")
    time = routing.GetDimensionOrDie("Time")
    solver = routing.solver()

    for v, tech in enumerate(techs):
        start, end = routing.Start(v), routing.End(v)
        time.CumulVar(start).SetRange(tech.shift_start, tech.shift_end)
        time.CumulVar(end).SetRange(tech.shift_start, tech.shift_end + tech.overtime_minutes)
        if weights.overtime_minute > 0:
            time.SetCumulVarSoftUpperBound(end, tech.shift_end, _cost(weights.overtime_minute))
        routing.AddVariableMaximizedByFinalizer(time.CumulVar(start))
        routing.AddVariableMinimizedByFinalizer(time.CumulVar(end))
        if tech.lunch is not None:
            lunch = solver.FixedDurationIntervalVar(
                tech.lunch.earliest, tech.lunch.latest, tech.lunch.minutes, False, f"lunch-{v}"
            )
            visit = [0] * routing.Size()
            for j, job in enumerate(jobs):
                visit[manager.NodeToIndex(j)] = job.minutes_for(tech)
            time.SetBreakIntervalsOfVehicle([lunch], v, visit)

    # --- jobs: who may serve, when, and what leaving them out costs -------------------------
    tech_index = {t.id: v for v, t in enumerate(techs)}
    day_opens = min(t.shift_start for t in techs)
    for j, job in enumerate(jobs):
        index = manager.NodeToIndex(j)
        allowed = [v for v, tech in enumerate(techs) if job.qualified(tech)]
        cumul = time.CumulVar(index)
        if job.pin is not None:
            routing.VehicleVar(index).SetValues([tech_index[job.pin.technician]])
            if job.pin.start is not None:
                cumul.SetRange(job.pin.start, job.pin.start)
        else:
            routing.VehicleVar(index).SetValues([-1, *allowed])
            routing.AddDisjunction([index], _cost(weights.unassigned_penalty(job)))
        if job.pin is None or job.pin.start is None:
            _windows(routing, time, index, job, weights, day_opens)
        routing.AddToAssignment(time.SlackVar(index))
    _pin_sequences(problem, routing, manager, tech_index)

    if params.balance_dimension and weights.balance > 0 and n_techs > 1:
        routing.AddDimensionWithVehicleTransits(vehicle_transit, 0, HORIZON, True, "Work")
        routing.GetDimensionOrDie("Work").SetGlobalSpanCostCoefficient(_cost(weights.balance))

    search = pywrapcp.DefaultRoutingSearchParameters()
    search.first_solution_strategy = _first_solution(params.first_solution, n_jobs)
    search.local_search_metaheuristic = int(
        getattr(routing_enums_pb2.LocalSearchMetaheuristic, params.metaheuristic.upper())
    )
    search.guided_local_search_lambda_coefficient = params.gls_lambda
    search.time_limit.FromMilliseconds(max(1, int(params.time_limit * 1000)))
    if params.solution_limit is not None:
        search.solution_limit = params.solution_limit
    search.log_search = False

    solution = None
    if initial:
        routes = [
            [manager.NodeToIndex(j) for j in _job_nodes(problem, initial.get(t.id, ()))]
            for t in techs
        ]
        routing.CloseModelWithParameters(search)
        start_from = routing.ReadAssignmentFromRoutes(routes, True)
        if start_from is not None:
            solution = routing.SolveFromAssignmentWithParameters(start_from, search)
    if solution is None:
        solution = routing.SolveWithParameters(search)
    if solution is None:
        return None
    return _read(problem, routing, manager, time, solution)


def _cost(weight: float) -> int:
    return int(round(weight * SCALE))


def _to_index_matrix(matrix: np.ndarray) -> list[list[int]]:
    """RegisterTransitMatrix takes a node-indexed matrix (it maps indices to nodes itself)."""
    return np.asarray(matrix, dtype=np.int64).tolist()  # type: ignore[no-any-return]


def _service_profiles(problem: Problem, n: int) -> dict[tuple[int, ...], np.ndarray]:
    """Service minutes per node, grouped: technicians with equal profiles share a matrix."""

    def profile(tech: Technician) -> tuple[int, ...]:
        return tuple(job.minutes_for(tech) for job in problem.jobs)

    groups: dict[tuple[int, ...], list[int]] = {}
    for v, tech in enumerate(problem.technicians):
        groups.setdefault(profile(tech), []).append(v)
    if len(groups) * n * n > MAX_TRANSIT_MATRIX_CELLS:
        # Share matrices between technicians of similar speed; the plan is re-timed exactly.
        groups = {}
        for v, tech in enumerate(problem.technicians):
            rounded = round(tech.speed_factor * 10) / 10
            key = tuple(round(job.service_minutes * rounded) for job in problem.jobs)
            groups.setdefault(key, []).append(v)
    out: dict[tuple[int, ...], np.ndarray] = {}
    for prof, vehicles in groups.items():
        minutes = np.zeros(n, dtype=np.int64)
        minutes[: len(prof)] = prof
        out[tuple(vehicles)] = minutes
    return out


def _affinities(problem: Problem) -> tuple[dict[int, float], dict[int, dict[int, float]]]:
    """Column penalties for jobs with preferred technicians or a previous technician.

    Every vehicle pays the penalty on arriving at such a job, except the preferred (or previous)
    technician, whose own matrix has it taken back: a soft bonus built from non-negative costs.
    """
    weights = problem.params
    tech_index = {t.id: v for v, t in enumerate(problem.technicians)}
    columns: dict[int, float] = {}
    relief: dict[int, dict[int, float]] = {}
    for j, job in enumerate(problem.jobs):
        if job.pin is not None:
            continue
        if job.preferred and weights.preferred_tech_broken > 0:
            penalty = SCALE * weights.preferred_tech_broken
            columns[j] = columns.get(j, 0) + penalty
            for tech_id in job.preferred:
                if tech_id in tech_index:
                    relief.setdefault(tech_index[tech_id], {})[j] = (
                        relief.get(tech_index[tech_id], {}).get(j, 0) + penalty
                    )
        previous = problem.previous.get(job.id)
        if previous in tech_index and weights.churn_moved_stop > 0:
            penalty = SCALE * weights.churn_moved_stop
            columns[j] = columns.get(j, 0) + penalty
            v = tech_index[previous]
            relief.setdefault(v, {})[j] = relief.get(v, {}).get(j, 0) + penalty
    return columns, relief


def _windows(
    routing: pywrapcp.RoutingModel,
    time: pywrapcp.RoutingDimension,
    index: int,
    job: Job,
    weights: object,
    day_opens: int,
) -> None:
    from optimizer.problem import ObjectiveParams

    assert isinstance(weights, ObjectiveParams)
    cumul = time.CumulVar(index)
    windows = sorted(job.windows, key=lambda w: w.start)
    if windows and windows[0].hard:
        cumul.SetRange(windows[0].start, windows[-1].end)
        for a, b in zip(windows, windows[1:], strict=False):
            cumul.RemoveInterval(a.end + 1, b.start - 1)
    elif windows:
        cumul.SetMin(windows[0].start)
    soft_end: int | None = None
    soft_weight = 0.0
    if windows and not windows[0].hard:
        soft_end, soft_weight = windows[-1].end, weights.lateness_minute
    if job.told_window is not None:
        if soft_end is None or job.told_window.end < soft_end:
            soft_end = job.told_window.end
        soft_weight = max(soft_weight, weights.told_window_minute)
        time.SetCumulVarSoftLowerBound(
            index, job.told_window.start, _cost(weights.told_window_minute)
        )
    if job.urgency == "emergency" and weights.emergency_start_minute > 0 and soft_end is None:
        soft_end = windows[0].start if windows else day_opens
        soft_weight = weights.emergency_start_minute
    if soft_end is not None and soft_weight > 0:
        time.SetCumulVarSoftUpperBound(index, soft_end, _cost(soft_weight))


def _pin_sequences(
    problem: Problem,
    routing: pywrapcp.RoutingModel,
    manager: pywrapcp.RoutingIndexManager,
    tech_index: dict[str, int],
) -> None:
    """Stops pinned to a position come first, in that order (a route's started head)."""
    by_tech: dict[str, list[tuple[int, int]]] = {}
    for j, job in enumerate(problem.jobs):
        if job.pin is not None and job.pin.sequence is not None:
            by_tech.setdefault(job.pin.technician, []).append((job.pin.sequence, j))
    for tech_id, pinned in by_tech.items():
        pinned.sort()
        previous = routing.Start(tech_index[tech_id])
        for _, j in pinned:
            index = manager.NodeToIndex(j)
            routing.NextVar(previous).SetValues([index])
            previous = index


def _job_nodes(problem: Problem, job_ids: Sequence[str]) -> list[int]:
    position = {job.id: j for j, job in enumerate(problem.jobs)}
    return [position[job_id] for job_id in job_ids if job_id in position]


def _read(
    problem: Problem,
    routing: pywrapcp.RoutingModel,
    manager: pywrapcp.RoutingIndexManager,
    time: pywrapcp.RoutingDimension,
    solution: pywrapcp.Assignment,
) -> RoutingOutcome:
    routes: dict[str, list[tuple[str, int]]] = {}
    starts: dict[str, int] = {}
    ends: dict[str, int] = {}
    for v, tech in enumerate(problem.technicians):
        index = routing.Start(v)
        starts[tech.id] = solution.Min(time.CumulVar(index))
        stops = []
        index = solution.Value(routing.NextVar(index))
        while not routing.IsEnd(index):
            node = manager.IndexToNode(index)
            stops.append((problem.jobs[node].id, solution.Min(time.CumulVar(index))))
            index = solution.Value(routing.NextVar(index))
        ends[tech.id] = solution.Min(time.CumulVar(index))
        routes[tech.id] = stops
    lunches: dict[str, int] = {}
    intervals = solution.IntervalVarContainer()
    for k in range(intervals.Size()):
        element = intervals.Element(k)
        name = element.Var().Name()
        if name.startswith("lunch-"):
            lunches[problem.technicians[int(name.split("-")[1])].id] = element.StartMin()
    status = {1: "optimal", 2: "feasible"}.get(routing.status(), "feasible")
    return RoutingOutcome(routes, starts, ends, lunches, status)
