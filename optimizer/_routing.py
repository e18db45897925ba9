"""The OR-Tools routing model. The only module that imports OR-Tools; none of its types leave.

Dimensions:
- Time: driving plus the from-node's service (one transit matrix per service profile), with
  shifts, hard windows (and told windows' openings) as cumul domains, soft windows, told
  windows' ends and emergencies as soft upper bounds, overtime as a soft upper bound on the
  route end, lunch as a break interval.
- Work (when balancing): the same transits from zero, with a soft upper bound at each
  technician's fair share, so work beyond it is charged.
Preferred and previous technicians (affinities) are per-vehicle arc costs. (A dimension of
unary per-vehicle transits would cost less memory, but OR-Tools then refused every warm start
that left a job unassigned.)
"""

from __future__ import annotations

import time as clock
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from ortools.constraint_solver import pywrapcp, routing_enums_pb2
from ortools.util.optional_boolean_pb2 import BOOL_TRUE

from optimizer.matrices import SCALE, ModelArrays, scaled
from optimizer.params import SolveParams
from optimizer.problem import DAY_LIMIT, Job, ObjectiveParams, Window

__all__ = ["RoutingOutcome", "solve_routing"]

HORIZON = DAY_LIMIT
T = TypeVar("T")

Progress = Callable[[float, float], None]
"""Called with (seconds since the search began, objective in cost units) on each new best."""


@dataclass(frozen=True, slots=True)
class RoutingOutcome:
    routes: dict[int, list[tuple[int, int]]]
    """Vehicle → [(job node, service start)] in visiting order."""
    route_starts: dict[int, int]
    route_ends: dict[int, int]
    lunches: dict[int, int]
    status: str
    objective: float
    """The model's objective, in cost units."""


def solve_routing(
    arrays: ModelArrays,
    *,
    time_limit: float,
    params: SolveParams,
    initial: Sequence[Sequence[int]] | None,
    progress: Progress | None = None,
    started: float | None = None,
) -> RoutingOutcome | None:
    """Build and solve the model; None when OR-Tools found no solution at all."""
    problem = arrays.problem
    techs, jobs = problem.technicians, problem.jobs
    n_jobs, n_techs = len(jobs), len(techs)
    if n_techs == 0 or n_jobs == 0:
        return None
    t0 = clock.perf_counter() if started is None else started
    n = n_jobs + 2 * n_techs
    starts = [arrays.start_node(v) for v in range(n_techs)]
    ends = [arrays.end_node(v) for v in range(n_techs)]
    manager = pywrapcp.RoutingIndexManager(n, n_techs, starts, ends)
    routing = pywrapcp.RoutingModel(manager)
    weights = problem.params
    solver = routing.solver()

    # Arc costs; a vehicle with affinities (preferences, churn) pays its row on arrival, so it
    # gets its own matrix. Big days are solved by parts, which keeps these matrices small.
    matrices: dict[bytes, int] = {}
    for v in range(n_techs):
        row = arrays.affinity[v]
        key = row.tobytes()
        if key not in matrices:
            matrices[key] = routing.RegisterTransitMatrix((arrays.cost + row[None, :]).tolist())
        routing.SetArcCostEvaluatorOfVehicle(matrices[key], v)

    # --- time ------------------------------------------------------------------------------
    vehicle_transit = [0] * n_techs
    for group in arrays.groups:
        matrix = arrays.drive + arrays.service[group[0]][:, None]
        # A commute home is no shift time: the route's end is when its last visit ends. Only
        # vehicle v reaches its own end node, so the group shares one matrix.
        commuters = [arrays.end_node(v) for v in group if techs[v].commute_home]
        if commuters:
            matrix[:, commuters] = arrays.service[group[0]][:, None]
        callback = routing.RegisterTransitMatrix(matrix.tolist())
        for v in group:
            vehicle_transit[v] = callback
    routing.AddDimensionWithVehicleTransits(vehicle_transit, HORIZON, HORIZON, False, "Time")
    time = routing.GetDimensionOrDie("Time")
    for v, tech in enumerate(techs):
        start, end = routing.Start(v), routing.End(v)
        time.CumulVar(start).SetRange(tech.shift_start, tech.shift_end)
        time.CumulVar(end).SetRange(tech.shift_start, tech.shift_end + tech.overtime_minutes)
        overtime = weights.overtime_rate(tech)
        if overtime > 0 and tech.overtime_minutes > 0:
            time.SetCumulVarSoftUpperBound(end, tech.shift_end, scaled(overtime))
        routing.AddVariableMaximizedByFinalizer(time.CumulVar(start))
        routing.AddVariableMinimizedByFinalizer(time.CumulVar(end))
        if tech.lunch is not None:
            lunch = solver.FixedDurationIntervalVar(
                tech.lunch.earliest, tech.lunch.latest, tech.lunch.minutes, False, f"lunch-{v}"
            )
            visits = [0] * routing.Size()
            service = arrays.service[v]
            for j in range(n_jobs):
                # A visit that may host the lunch (judged on the job's own minutes, as the plan
                # and its checker see them) lets the break overlap all but its first minute, so
                # a lunch never straddles the arrival; the break's minutes are still added
                # before the technician drives on.
                hosts = tech.lunch.hosted_by(jobs[j].minutes_for(tech))
                visits[manager.NodeToIndex(j)] = 1 if hosts else int(service[j])
            time.SetBreakIntervalsOfVehicle([lunch], v, visits)

    if any(tech.last_departure is not None for tech in techs):
        _leave_by_last_departure(arrays, routing, manager, time)

    # --- jobs --------------------------------------------------------------------------------
    day_opens = problem.day_opens
    placed = {j for route in initial for j in route} if initial is not None else None
    chained = _pin_sequences(arrays, routing, manager, placed)
    for j, job in enumerate(jobs):
        index = manager.NodeToIndex(j)
        allowed = list(arrays.allowed[j])
        sequenced = j in chained
        if job.pin is not None and job.pin.sequence is not None and not sequenced:
            allowed = []  # a pinned head the construction could not time: reported dropped
        if not allowed:
            routing.VehicleVar(index).SetValues([-1])
            routing.AddDisjunction([index], arrays.penalty[j])
            continue
        routing.VehicleVar(index).SetValues(allowed if sequenced else [-1, *allowed])
        if not sequenced:
            routing.AddDisjunction([index], arrays.penalty[j])
        cumul = time.CumulVar(index)
        if job.pin is not None and job.pin.start is not None:
            cumul.SetRange(job.pin.start, job.pin.start)
        else:
            _windows(time, index, job, arrays.windows[j], weights, day_opens)

    if params.balance and weights.balance > 0:
        # Minutes of work beyond the technician's fair share cost `balance` each: a per-route
        # soft bound, where a global span cost would need a fleet-wide LP at every move.
        routing.AddDimensionWithVehicleTransits(vehicle_transit, 0, HORIZON, True, "Work")
        work = routing.GetDimensionOrDie("Work")
        for v, target in enumerate(arrays.balance_targets):
            work.SetCumulVarSoftUpperBound(routing.End(v), target, scaled(weights.balance))

    search = _search_parameters(params, time_limit - (clock.perf_counter() - t0), n_jobs)
    best = [float("inf")]
    cost = _cost_reader(routing)

    def on_solution() -> None:
        value = cost() / SCALE
        if value < best[0]:
            best[0] = value
            if progress is not None:
                progress(clock.perf_counter() - t0, value)

    interrupt = _Interrupt(routing)
    routing.AddAtSolutionCallback(interrupt.guard(on_solution, None))
    if params.stall_solutions is not None:
        _add_stall_limit(routing, params.stall_solutions, interrupt)

    routing.CloseModelWithParameters(search)
    solution = _solved(routing, manager, search, initial)
    interrupt.raise_caught()
    if solution is None:
        return None
    return _read(arrays, routing, manager, time, solution)


def _leave_by_last_departure(
    arrays: ModelArrays,
    routing: pywrapcp.RoutingModel,
    manager: pywrapcp.RoutingIndexManager,
    time: pywrapcp.RoutingDimension,
) -> None:
    """A technician leaves for no visit after their `last_departure`: whatever is followed by
    a visit (the day's start, or a visit) is left by then. Only the last visit may run on."""
    solver = routing.solver()
    techs = arrays.problem.technicians
    size = routing.Size()
    # Indexed by vehicle + 1, so that an unperformed visit (vehicle -1) is never bound.
    limits = [HORIZON] + [HORIZON if t.last_departure is None else t.last_departure for t in techs]
    for v, tech in enumerate(techs):
        if tech.last_departure is None:
            continue
        start = routing.Start(v)
        empty = solver.IsGreaterOrEqualCstVar(routing.NextVar(start), size)
        solver.Add(time.CumulVar(start) <= tech.last_departure + HORIZON * empty)
    for j in range(len(arrays.problem.jobs)):
        index = manager.NodeToIndex(j)
        vehicle = routing.VehicleVar(index) + 1
        last = solver.IsGreaterOrEqualCstVar(routing.NextVar(index), size)
        service = [0] + [int(arrays.service[v][j]) for v in range(len(techs))]
        done = time.CumulVar(index) + solver.Element(service, vehicle)
        solver.Add(done <= solver.Element(limits, vehicle) + HORIZON * last)


def _solved(
    routing: pywrapcp.RoutingModel,
    manager: pywrapcp.RoutingIndexManager,
    search: pywrapcp.RoutingSearchParameters,
    initial: Sequence[Sequence[int]] | None,
) -> pywrapcp.Assignment | None:
    """The search from `initial` if OR-Tools accepts those routes, else from its own first
    solution."""
    if initial is not None:
        routes = [[manager.NodeToIndex(j) for j in route] for route in initial]
        start_from = routing.ReadAssignmentFromRoutes(routes, True)
        if start_from is not None:
            # If the routes were valid but the search ended without keeping a solution (a
            # stall limit met inside its first move does that), None: the caller's routes beat
            # OR-Tools' own first solution, which on a mid-day re-plan dropped a pinned job.
            return routing.SolveFromAssignmentWithParameters(start_from, search)
    if search.first_solution_strategy == routing_enums_pb2.FirstSolutionStrategy.AUTOMATIC:
        search.first_solution_strategy = (
            routing_enums_pb2.FirstSolutionStrategy.LOCAL_CHEAPEST_INSERTION
        )
    return routing.SolveWithParameters(search)


class _Interrupt:
    """A Ctrl-C that arrives while OR-Tools runs one of our callbacks. OR-Tools swallows an
    exception raised there and searches on, so the Ctrl-C would be lost: it is kept here, the
    search is finished, and it is raised again once the solve returns."""

    def __init__(self, routing: pywrapcp.RoutingModel) -> None:
        self.caught = False
        self._model = weakref.ref(routing)  # weakly, as `_cost_reader` and for its reason

    def guard(self, callback: Callable[[], T], fallback: T) -> Callable[[], T]:
        """`callback`, returning `fallback` and finishing the search on a Ctrl-C."""

        def guarded() -> T:
            try:
                return callback()
            except KeyboardInterrupt:
                self.caught = True
                model = self._model()
                if model is not None:
                    model.solver().FinishCurrentSearch()
                return fallback

        return guarded

    def raise_caught(self) -> None:
        if self.caught:
            raise KeyboardInterrupt


def _search_parameters(
    params: SolveParams, seconds: float, n_jobs: int
) -> pywrapcp.RoutingSearchParameters:
    search = pywrapcp.DefaultRoutingSearchParameters()
    strategies = routing_enums_pb2.FirstSolutionStrategy
    if params.first_solution == "construction":
        # Only used if OR-Tools must find its own first solution (our routes were refused).
        search.first_solution_strategy = strategies.AUTOMATIC
    else:
        search.first_solution_strategy = int(getattr(strategies, params.first_solution.upper()))
    search.local_search_metaheuristic = int(
        getattr(routing_enums_pb2.LocalSearchMetaheuristic, params.metaheuristic.upper())
    )
    search.guided_local_search_lambda_coefficient = params.gls_lambda
    # Moves that bring a left-out job back by making room for it; without them, a start
    # that leaves one job out tends to keep it out (measured on the 12 × 47 field day).
    if params.reinsertion_moves:
        operators = search.local_search_operators
        operators.use_relocate_and_make_active = BOOL_TRUE
        operators.use_exchange_and_make_active = BOOL_TRUE
        operators.use_inactive_lns = BOOL_TRUE
        operators.use_local_cheapest_insertion_close_nodes_lns = BOOL_TRUE
    search.time_limit.FromMilliseconds(max(10, int(seconds * 1000)))
    if params.solution_limit is not None:
        search.solution_limit = params.solution_limit
    search.log_search = False
    return search


def _cost_reader(routing: pywrapcp.RoutingModel) -> Callable[[], float]:
    """The current solution's cost, for callbacks registered on `routing`.

    It holds the model weakly: OR-Tools keeps callbacks alive from C++, where Python's collector
    cannot see the cycle, and a strong reference kept every model until the process ended (a
    40 × 160 day grew by 55 to 120 MB per 3 s solve).
    """
    model = weakref.ref(routing)

    def read() -> float:
        alive = model()
        return float("inf") if alive is None else float(alive.CostVar().Value())

    return read


def _add_stall_limit(routing: pywrapcp.RoutingModel, stall: int, interrupt: _Interrupt) -> None:
    """Finish the search after `stall` limit checks (search steps) without a better solution.

    Counting steps rather than seconds keeps the stop deterministic. (OR-Tools reports only
    improving solutions to callbacks under guided local search, so a count of solutions
    would never stall.)
    """
    state = {"best": float("inf"), "since": 0}
    cost = _cost_reader(routing)

    def improved() -> None:
        value = cost()
        if value < state["best"]:
            state["best"], state["since"] = value, 0

    def stalled() -> bool:
        if state["best"] == float("inf"):
            return False  # still looking for a first solution
        state["since"] += 1
        return state["since"] >= stall

    routing.AddAtSolutionCallback(interrupt.guard(improved, None))
    routing.AddSearchMonitor(routing.solver().CustomLimit(interrupt.guard(stalled, True)))


def _windows(
    time: pywrapcp.RoutingDimension,
    index: int,
    job: Job,
    windows: Sequence[Window],
    weights: ObjectiveParams,
    day_opens: int,
) -> None:
    """The model's windows become the cumul's domain; soft ones, told windows, emergencies and
    long jobs costs.

    `windows` already keep service from starting before a told window opens (a soft lower
    bound would make OR-Tools solve an LP at every move). OR-Tools keeps one soft upper bound
    per variable: when several apply, the earliest bound is kept with the largest of their
    weights (the plan's cost breakdown stays exact).
    """
    cumul = time.CumulVar(index)
    if windows and windows[0].hard:
        cumul.SetRange(windows[0].start, windows[-1].end)
        for a, b in zip(windows, windows[1:], strict=False):
            cumul.RemoveInterval(a.end + 1, b.start - 1)
    elif windows:
        cumul.SetMin(windows[0].start)
    bounds: list[tuple[int, float]] = []
    if job.windows and not job.windows[0].hard and weights.lateness_minute > 0:
        bounds.append((job.windows[-1].end, weights.lateness_minute))
    if job.told_window is not None and weights.told_window_minute > 0:
        bounds.append((weights.told_due(job.told_window), weights.told_window_minute))
    rate = weights.start_rate(job)
    if rate > 0:
        bounds.append((job.opens(day_opens), rate))
    if bounds:
        time.SetCumulVarSoftUpperBound(
            index, min(b for b, _ in bounds), scaled(max(w for _, w in bounds))
        )


def _pin_sequences(
    arrays: ModelArrays,
    routing: pywrapcp.RoutingModel,
    manager: pywrapcp.RoutingIndexManager,
    placed: set[int] | None,
) -> set[int]:
    """Stops pinned to a position come first, in that order (a route's started head).

    With initial routes, the chain stops at the first pinned stop they leave out (it could
    not be timed), so the model stays solvable. Returns the chained job nodes.
    """
    chained: set[int] = set()
    problem = arrays.problem
    tech_index = {t.id: v for v, t in enumerate(problem.technicians)}
    by_tech: dict[int, list[tuple[int, int]]] = {}
    for j, job in enumerate(problem.jobs):
        if job.pin is not None and job.pin.sequence is not None:
            by_tech.setdefault(tech_index[job.pin.technician], []).append((job.pin.sequence, j))
    for v, pinned in by_tech.items():
        pinned.sort()
        previous = routing.Start(v)
        for _, j in pinned:
            if placed is not None and j not in placed:
                break
            index = manager.NodeToIndex(j)
            routing.NextVar(previous).SetValues([index])
            chained.add(j)
            previous = index
    return chained


def _read(
    arrays: ModelArrays,
    routing: pywrapcp.RoutingModel,
    manager: pywrapcp.RoutingIndexManager,
    time: pywrapcp.RoutingDimension,
    solution: pywrapcp.Assignment,
) -> RoutingOutcome:
    routes: dict[int, list[tuple[int, int]]] = {}
    starts: dict[int, int] = {}
    ends: dict[int, int] = {}
    for v in range(arrays.n_techs):
        index = routing.Start(v)
        starts[v] = solution.Min(time.CumulVar(index))
        stops = []
        index = solution.Value(routing.NextVar(index))
        while not routing.IsEnd(index):
            stops.append((manager.IndexToNode(index), solution.Min(time.CumulVar(index))))
            index = solution.Value(routing.NextVar(index))
        ends[v] = solution.Min(time.CumulVar(index))
        routes[v] = stops
    lunches: dict[int, int] = {}
    intervals = solution.IntervalVarContainer()
    for k in range(intervals.Size()):
        element = intervals.Element(k)
        name = element.Var().Name()
        if name.startswith("lunch-"):
            lunches[int(name.split("-")[1])] = element.StartMin()
    status = "optimal" if routing.status() == 1 else "feasible"
    return RoutingOutcome(routes, starts, ends, lunches, status, solution.ObjectiveValue() / SCALE)
