"""A technician whose shift is over goes home: overtime finishes the visit at hand, and no
visit is left for after the technician's `last_departure`."""

from __future__ import annotations

from dataclasses import replace

import pytest

from optimizer import (
    Job,
    OfflineTravel,
    Point,
    Problem,
    SolveParams,
    Technician,
    Window,
    check_plan,
    solve,
)
from optimizer.schedule import time_route
from tests.optimizer.conftest import DENVER

NEAR = Point(39.75, -104.99)
NEXT_DOOR = Point(39.755, -104.99)


def _day(*, last_departure: int | None, long_first: int = 60) -> Problem:
    """Shift 8:00-10:00 with two hours of overtime. A is booked at 9:20 sharp and lasts
    `long_first` minutes (and is worth two of B); B, next door, may start any time from 9:30."""
    tech = Technician("T0", DENVER, 480, 600, overtime_minutes=120, last_departure=last_departure)
    first = Job("A", NEAR, long_first, windows=(Window(560, 560, hard=True),), priority=2)
    second = Job("B", NEXT_DOOR, 30, windows=(Window(570, 700, hard=True),))
    return Problem((tech,), (first, second))


def _time(problem: Problem, order: list[int]) -> bool:
    tech = problem.technicians[0]
    points = [tech.start, *(job.location for job in problem.jobs)]
    travel = OfflineTravel().matrix(points)
    return time_route(
        tech,
        [problem.jobs[k].windows for k in order],
        [problem.jobs[k].service_minutes for k in order],
        [k + 1 for k in order],
        travel,
        0,
        0,
    ).feasible


def test_a_route_that_leaves_for_a_visit_after_the_last_departure_does_not_time() -> None:
    # A ends at 10:20, after the shift: B would be left for then.
    assert _time(_day(last_departure=None), [0, 1])
    assert not _time(_day(last_departure=600), [0, 1])
    # A visit running past the shift is still the day's last: overtime is for finishing it.
    assert _time(_day(last_departure=600), [0])
    # A shorter first visit ends at 9:50: B is left for in time and runs into overtime.
    assert _time(_day(last_departure=600, long_first=30), [0, 1])


@pytest.mark.parametrize(
    "params",
    [
        SolveParams(stall_solutions=2000),
        SolveParams(first_solution="path_cheapest_arc", recreate=False, stall_solutions=2000),
        SolveParams(parts_above=0),
        SolveParams(parts_above=0, big_days="parts"),
    ],
    ids=["default", "or-tools-only", "recreate", "parts"],
)
def test_every_search_leaves_out_a_visit_it_could_only_leave_for_after_the_shift(
    params: SolveParams,
) -> None:
    free = solve(_day(last_departure=None), time_limit=1.5, params=params)
    assert [s.job_id for r in free.routes for s in r.stops] == ["A", "B"]
    problem = _day(last_departure=600)
    plan = solve(problem, time_limit=1.5, params=params)
    assert check_plan(problem, plan) == []
    assert [s.job_id for r in plan.routes for s in r.stops] == ["A"]
    assert [u.job_id for u in plan.unassigned] == ["B"]
    # Warm-started from the route that breaks it, the search still drops B.
    warm = solve(problem, time_limit=1.5, params=params, initial={"T0": ["A", "B"]})
    assert check_plan(problem, warm) == []
    assert [u.job_id for u in warm.unassigned] == ["B"]


def test_a_second_technician_still_on_shift_takes_the_visit() -> None:
    problem = _day(last_departure=600)
    late_shift = Technician("T1", DENVER, 540, 720, overtime_minutes=60, last_departure=720)
    both = problem.replace(technicians=(*problem.technicians, late_shift))
    plan = solve(both, time_limit=1.5, params=SolveParams(stall_solutions=2000))
    assert check_plan(both, plan) == []
    assert plan.unassigned == ()
    assert plan.assignment()["B"] == "T1"


def test_the_checker_names_a_departure_after_the_last_one() -> None:
    plan = solve(_day(last_departure=None), time_limit=1.0)
    strict = _day(last_departure=600)
    (violation,) = check_plan(strict, plan)
    assert violation.rule == "shift"
    assert violation.job_id == "B"
    assert "after their last departure 600" in violation.detail
    assert check_plan(_day(last_departure=640), plan) == []


def test_a_last_departure_outside_the_day_is_refused() -> None:
    tech = Technician("T0", DENVER, 480, 600)
    with pytest.raises(ValueError, match="last_departure"):
        replace(tech, last_departure=-5)
