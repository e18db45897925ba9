"""Where ruin and recreate starts: the cheaper timing of each route, or the construction."""

from __future__ import annotations

from optimizer import Job, Point, Problem, Technician, Window
from optimizer._routing import RoutingOutcome
from optimizer.assemble import PlanScorer, assemble, timed_outcome
from optimizer.solve import _cheapest_start
from tests.optimizer.conftest import DENVER, check_clean, constructed

NEARBY = Point(DENVER.lat + 0.02, DENVER.lon + 0.02)


def _day() -> Problem:
    """Two technicians on a 480-600 shift with an hour of overtime allowed, two short visits
    each, all told 480-540."""
    told = Window(480, 540, hard=False)
    techs = (
        Technician("NORTH", DENVER, 480, 600, overtime_minutes=60),
        Technician("SOUTH", NEARBY, 480, 600, overtime_minutes=60),
    )
    jobs = tuple(
        Job(f"J{k}", where, 30, windows=(Window(480, 660, hard=False),), told_window=told)
        for k, where in enumerate((DENVER, DENVER, NEARBY, NEARBY))
    )
    return Problem(techs, jobs)


def _later(outcome: RoutingOutcome, v: int, minutes: int) -> RoutingOutcome:
    """`outcome` with vehicle `v` leaving `minutes` later and every stop shifted with it, as
    a model that does not price the difference may time it."""
    routes = dict(outcome.routes)
    routes[v] = [(j, start + minutes) for j, start in outcome.routes[v]]
    starts = {**outcome.route_starts, v: outcome.route_starts[v] + minutes}
    ends = {**outcome.route_ends, v: outcome.route_ends[v] + minutes}
    return RoutingOutcome(routes, starts, ends, dict(outcome.lunches), "late", 0.0)


def _cost(arrays: object, outcome: RoutingOutcome) -> float:
    return PlanScorer(arrays, outcome)({})  # type: ignore[arg-type]


def test_a_route_timed_later_than_it_need_be_is_retimed_and_the_other_kept() -> None:
    problem = _day()
    arrays, built = constructed(problem)
    exact = timed_outcome(arrays, built)
    assert all(exact.routes[v] for v in (0, 1)), "both technicians serve the day"
    late = _later(exact, 0, 60)  # NORTH ends an hour past shift, its visits past 540
    assert _cost(arrays, late) > _cost(arrays, exact)

    start = _cheapest_start(arrays, late, built)

    assert start.routes[0] == exact.routes[0]
    assert start.route_ends[0] == exact.route_ends[0] <= 600
    assert start.routes[1] == late.routes[1]
    assert _cost(arrays, start) == _cost(arrays, exact)
    check_clean(problem, assemble(arrays, start))


def test_the_construction_is_kept_when_the_search_left_a_visit_out() -> None:
    problem = _day()
    arrays, built = constructed(problem)
    exact = timed_outcome(arrays, built)
    dropped = exact.routes[1][-1][0]
    short = RoutingOutcome(
        {**exact.routes, 1: exact.routes[1][:-1]},
        dict(exact.route_starts),
        dict(exact.route_ends),
        dict(exact.lunches),
        "left one out",
        0.0,
    )

    start = _cheapest_start(arrays, short, built)

    assert dropped in [j for j, _ in start.routes[1]]
    assert _cost(arrays, start) == _cost(arrays, exact) < _cost(arrays, short)


def test_a_search_cheaper_than_the_construction_is_kept() -> None:
    problem = _day()
    arrays, built = constructed(problem)
    exact = timed_outcome(arrays, built)
    worse = [list(built[0]) + list(built[1]), []]  # one technician does all four

    start = _cheapest_start(arrays, exact, worse)

    assert start.routes == exact.routes
    assert _cost(arrays, start) < _cost(arrays, timed_outcome(arrays, worse))


def test_without_a_search_the_construction_timed_exactly_is_the_start() -> None:
    problem = _day()
    arrays, built = constructed(problem)

    start = _cheapest_start(arrays, None, built)

    assert start.routes == timed_outcome(arrays, built).routes
