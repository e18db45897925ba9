"""`solve(problem) -> Plan`: the construction, then OR-Tools' local search, never "no plan".

The construction heuristic (`construct.py`) gives a valid plan in one pass; it is fed to the
OR-Tools model as its first solution. Days of up to `SolveParams.parts_above` technicians are
searched as one model until the search first stalls, then by ruin and recreate
(`recreate.py`). Bigger days, whose one model takes seconds just to load, go from the
construction straight to ruin and recreate (or, with `SolveParams.big_days="parts"`, are
improved part by part, `parts.py`). If the solver finds nothing in its budget (or refuses the
routes), the construction's own plan is returned, timed and checked, with whatever did not fit
left unassigned with its reason.
"""

from __future__ import annotations

import functools
import time as clock
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

import numpy as np

from optimizer._routing import RoutingOutcome, solve_routing
from optimizer.assemble import (
    PlanScorer,
    assemble,
    first_routes,
    merge_timings,
    timed_outcome,
)
from optimizer.construct import construct
from optimizer.halves import improve_by_halves
from optimizer.matrices import ModelArrays
from optimizer.pair import Partner, improve_by_pair, improve_here
from optimizer.params import SolveParams
from optimizer.parts import improve_by_parts
from optimizer.plan import Plan
from optimizer.preferences import explain_passed_over
from optimizer.problem import Point, Problem
from optimizer.travel import OfflineTravel, TravelMatrix, TravelTimes
from optimizer.workers import worker_running

__all__ = ["Progress", "node_points", "solve", "travel_matrix"]

FIRST_STALL = 500
"""Search steps without improvement that end the whole-model search before ruin and recreate.
At 2,000 the plateau alone took up to 1.8 s of a 12 × 47 day (seed 2); at 500 ruin and recreate
starts within about 0.5 s, and with its cooling cycles (`recreate.FIRST_CYCLE`) 12 × 47 days,
seeds 1-10, one 30 s run each: 8 of 10 better after 2 s, 9 of 10 as good or better at 30 s
(seed 6 0.03 % dearer), and 5 of 10 (was 2) within 0.5 % of their 30 s plan after 2 s."""

PAIR_FROM = 3.0
"""Small days with at least this many seconds left after the construction are searched by two
processes (`pair.py`) when the worker process has yet to start: starting it takes 0.2-0.4 s of
the search's time."""
PAIR_WARM_FROM = 1.0
"""The same when the worker is already running (`start_workers`: `serve`, `simulate` and the
benchmarks start it). 12 × 47 days of seeds 7 and 8, solver seeds 2000-2019, solves of 1, 1.5
and 2 s, runs within 0.5 % of the best plan known: 12, 23 and 28 of 40 with two processes, 6,
11 and 19 in one; days 1-6, 9 and 10 (six runs each) 47 and 48 of 48 at 1.5 and 2 s, against
45 and 43. Below a second, two processes did no better (0.5 and 0.75 s: median value 0.2-0.6 %
higher on seeds 7 and 8)."""
PARTNER_FIRST = 0.5
"""Seconds of the worker's first search of a small day (from the construction, while guided
local search runs here); the two meet when it ends. A promise the construction breaks by hours
is kept in that search (`pair.Partner.start`), so the sooner they meet, the sooner both search
from it. 12 × 47 days 1-10, solver seeds s, s + 100, s + 200, value at 2 s within 0.5 % of the
best plan known, three batches: 59 of 90 runs at 0.5 s, 50 of 90 at 1.0 s."""

FINISH_PER_JOB = 0.0002
"""Seconds per job kept back from the search to turn its routes into the plan (assembly and
the passed-over preferences' explanations: 0.13 s on a 180 × 800 day), so `solve` returns
within its time limit; at most `FINISH_SHARE` of it."""
FINISH_SHARE = 0.1

Progress = Callable[[float, float], None]
"""Called with (seconds since `solve` began, objective) each time a better plan is found."""


Improver = Callable[..., tuple[list[list[int]], dict[int, RoutingOutcome]]]
"""`improve_by_parts`, `improve_by_halves`, `improve_by_pair` or `improve_here`: routes in,
better routes and their timings out."""


def node_points(problem: Problem) -> list[Point]:
    """Matrix order: job locations, technicians' starts, technicians' ends."""
    return (
        [job.location for job in problem.jobs]
        + [tech.start for tech in problem.technicians]
        + [tech.end_point for tech in problem.technicians]
    )


def travel_matrix(problem: Problem, travel: TravelTimes | None = None) -> TravelMatrix:
    """The day's driving minutes between every node of the model."""
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
    progress: Progress | None = None,
) -> Plan:
    """Plan the whole fleet.

    Args:
        problem: Technicians, jobs and weights.
        time_limit: Seconds for the whole call (matrix, construction and search).
        seed: Breaks ties in the construction's insertion order. With a `solution_limit` or
            `stall_solutions` that stops the search before the time limit, the same input and
            seed give the same plan (the search itself is deterministic).
        params: Search settings.
        initial: A previous plan (or job order per technician) to start from.
        travel: The travel-time provider; offline estimates by default. Check the plan with
            the same provider.
        progress: Told the objective each time a better plan is found.

    Returns:
        The plan, always: routes, unassigned jobs with reasons, the cost by term.
    """
    if time_limit <= 0:
        raise ValueError(f"time_limit must be > 0, got {time_limit}")
    started = clock.perf_counter()
    settings = params or SolveParams()
    matrix = travel_matrix(problem, travel)
    arrays = ModelArrays.build(problem, matrix, settings)
    warm = _initial_routes(problem, initial)
    routes: list[list[int]] | None = None
    if settings.first_solution == "construction" or warm is not None:
        routes = construct(arrays, seed=seed, initial=warm)
    searched = time_limit - min(FINISH_PER_JOB * arrays.n_jobs, FINISH_SHARE * time_limit)
    if arrays.n_techs > settings.parts_above and settings.big_days == "parts":
        plan = _by_parts(
            arrays,
            routes or construct(arrays, seed=seed),
            settings,
            seed,
            started + searched,
            progress,
            started,
        )
        return _finished(arrays, plan, started)
    if arrays.n_techs > settings.parts_above or settings.recreate:
        plan = _recreated(arrays, routes, settings, seed, started + searched, progress, started)
        return _finished(arrays, plan, started)
    outcome = solve_routing(
        arrays,
        time_limit=searched,
        params=settings,
        initial=routes,
        progress=progress,
        started=started,
    )
    if outcome is None:
        if routes is None:
            routes = construct(arrays, seed=seed)
        plan = _timed_plan(arrays, routes, "construction")
        if progress is not None:
            progress(clock.perf_counter() - started, plan.objective)
    else:
        plan = assemble(arrays, _exactly_timed(arrays, outcome))
    return _finished(arrays, plan, started)


def _finished(arrays: ModelArrays, plan: Plan, started: float) -> Plan:
    """The plan as returned: its passed-over preferences explained, its solve time set."""
    return replace(explain_passed_over(arrays, plan), solve_seconds=clock.perf_counter() - started)


def _by_parts(
    arrays: ModelArrays,
    routes: list[list[int]],
    settings: SolveParams,
    seed: int,
    deadline: float,
    progress: Progress | None,
    started: float,
) -> Plan:
    """The construction, improved part by part until the deadline."""
    first = timed_outcome(arrays, routes)
    routes, timings = _improve(
        improve_by_parts, arrays, first, settings, seed, deadline, progress, started
    )
    status = "feasible" if timings else "construction"
    merged = merge_timings(timings, first)
    return assemble(
        arrays,
        RoutingOutcome(
            merged.routes, merged.route_starts, merged.route_ends, merged.lunches, status, 0.0
        ),
    )


def _recreated(
    arrays: ModelArrays,
    routes: list[list[int]] | None,
    settings: SolveParams,
    seed: int,
    deadline: float,
    progress: Progress | None,
    started: float,
) -> Plan:
    """Guided local search to its first plateau (on days of up to `parts_above` technicians),
    then ruin and recreate until the deadline, from the cheaper start (`_cheapest_start`)."""
    if routes is None:
        routes = construct(arrays, seed=seed)
    first: RoutingOutcome | None = None
    partner: Partner | None = None
    if arrays.n_techs <= settings.parts_above:
        pair_from = PAIR_WARM_FROM if worker_running() else PAIR_FROM
        if deadline - clock.perf_counter() >= pair_from:
            # The worker searches from the construction while guided local search runs here.
            partner = Partner(arrays, settings, seed)
            partner.start(routes, min(deadline, clock.perf_counter() + PARTNER_FIRST))
        if progress is not None:
            progress(clock.perf_counter() - started, _timed_plan(arrays, routes, "").objective)
        first = solve_routing(
            arrays,
            time_limit=deadline - clock.perf_counter(),
            params=replace(settings, stall_solutions=settings.stall_solutions or FIRST_STALL),
            initial=routes,
        )
    first = _cheapest_start(arrays, first, routes)
    improver: Improver = improve_by_halves
    if partner is not None:
        improver = functools.partial(improve_by_pair, partner=partner)
    elif arrays.n_techs <= settings.parts_above:
        improver = improve_here
    routes, timings = _improve(improver, arrays, first, settings, seed, deadline, progress, started)
    return assemble(arrays, merge_timings(timings, first))


def _cheapest_start(
    arrays: ModelArrays, searched: RoutingOutcome | None, built: list[list[int]]
) -> RoutingOutcome:
    """The day ruin and recreate starts from: the guided local search's, each route timed as
    OR-Tools timed it or as the exact timing does, whichever costs less, unless the
    construction's day costs less still.

    OR-Tools' model does not price everything the plan is scored on (a told window, overtime
    by the minute), so its times can be later than they need be, and a warm start that was
    already good (a re-plan a minute after the last) can come back dearer: 12 × 47 re-plans
    were up to 40 % dearer than the plan they started from. Ruin and recreate re-times only the
    routes it changes, so the rest would keep those times. At the same cost the exact timing
    is kept: it starts each visit as early as it can, where OR-Tools, leaving home as late as
    the route allows, pushes a day with room in it to the end of the shift (and a visit with
    no window yet is promised for then)."""
    day = timed_outcome(arrays, built)
    if searched is None:
        return day
    searched = _exactly_timed(arrays, searched)
    if PlanScorer(arrays, day)({}) < PlanScorer(arrays, searched)({}) - 1e-6:
        return day
    return searched


def _exactly_timed(arrays: ModelArrays, searched: RoutingOutcome) -> RoutingOutcome:
    """`searched` with each route timed as the exact timing does wherever that costs no more
    (`_cheapest_start`)."""
    scorer = PlanScorer(arrays, searched)
    retimed = timed_outcome(arrays, first_routes(searched, arrays.n_techs))
    kept = scorer({})
    better: dict[int, RoutingOutcome] = {}
    for v in range(arrays.n_techs):
        trial = scorer({**better, v: retimed})
        if trial <= kept + 1e-6:
            better[v], kept = retimed, trial
    return merge_timings(better, searched)


def _improve(
    improve: Improver,
    arrays: ModelArrays,
    first: RoutingOutcome,
    settings: SolveParams,
    seed: int,
    deadline: float,
    progress: Progress | None,
    started: float,
) -> tuple[list[list[int]], dict[int, RoutingOutcome]]:
    """Run an improver from `first`, scoring candidate routes as whole plans.

    Routes the improver did not re-solve keep `first`'s timings. The starting plan is reported
    to `progress`, then every improvement.
    """

    scorer = PlanScorer(arrays, first)

    def score(current: list[list[int]], timings: dict[int, RoutingOutcome]) -> float:
        return scorer(timings)

    def report(value: float) -> None:
        assert progress is not None
        progress(clock.perf_counter() - started, value)

    start = first_routes(first, arrays.n_techs)
    if progress is not None:
        report(score(start, {}))
    return improve(
        arrays,
        start,
        deadline=deadline,
        seed=seed,
        params=settings,
        score=score,
        on_improvement=report if progress is not None else None,
    )


def _initial_routes(
    problem: Problem, initial: Plan | Mapping[str, Sequence[str]] | None
) -> dict[int, list[int]] | None:
    if initial is None:
        return None
    node = {job.id: j for j, job in enumerate(problem.jobs)}
    vehicle = {tech.id: v for v, tech in enumerate(problem.technicians)}
    if isinstance(initial, Plan):
        by_tech = {r.technician_id: [s.job_id for s in r.stops] for r in initial.routes}
    else:
        by_tech = {tech: list(jobs) for tech, jobs in initial.items()}
    return {
        vehicle[tech]: [node[j] for j in jobs if j in node]
        for tech, jobs in by_tech.items()
        if tech in vehicle
    }


def _timed_plan(arrays: ModelArrays, routes: Sequence[Sequence[int]], status: str) -> Plan:
    """Time routes with each technician's exact minutes, dropping stops that no longer fit."""
    outcome = timed_outcome(arrays, routes)
    return assemble(
        arrays,
        RoutingOutcome(
            outcome.routes, outcome.route_starts, outcome.route_ends, outcome.lunches, status, 0.0
        ),
    )
