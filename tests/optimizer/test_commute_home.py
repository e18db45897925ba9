"""The drive home as a commute: the shift bounds the last visit, not the way back."""

from __future__ import annotations

from dataclasses import replace

import pytest

from optimizer import Job, Point, Problem, SolveParams, Technician, Window, check_plan, solve
from optimizer.schedule import time_route
from tests.optimizer.conftest import DENVER

FAR = Point(39.40, -104.99)
"""About 38 km south of home: a drive of well over an hour each way."""


def _day(*, commute_home: bool, start: int = 900, minutes: int = 120) -> Problem:
    # Shift 8:00-17:00 with 30 minutes of overtime; one far visit booked at `start` sharp.
    tech = Technician("T0", DENVER, 480, 1020, overtime_minutes=30, commute_home=commute_home)
    job = Job("J0", FAR, minutes, windows=(Window(start, start, hard=True),))
    return Problem((tech,), (job,))


@pytest.mark.parametrize(
    "params",
    [
        SolveParams(stall_solutions=2000),
        # OR-Tools' own first solution and search alone: its time dimension must agree.
        SolveParams(first_solution="path_cheapest_arc", recreate=False, stall_solutions=2000),
    ],
    ids=["default", "or-tools-only"],
)
def test_a_last_visit_ending_with_the_shift_is_planned_when_the_drive_home_is_a_commute(
    params: SolveParams,
) -> None:
    problem = _day(commute_home=True)
    plan = solve(problem, time_limit=2.0, params=params)
    assert check_plan(problem, plan) == []
    (route,) = plan.routes
    assert [s.job_id for s in route.stops] == ["J0"]
    assert route.stops[0].end == 1020
    assert route.return_minutes > 30  # home after 17:30: past the shift and its overtime
    assert route.end > 1050
    assert plan.cost.get("overtime", 0) == 0  # the visit ends with the shift


def test_the_same_visit_does_not_fit_when_the_drive_home_is_part_of_the_shift() -> None:
    problem = _day(commute_home=False)
    plan = solve(problem, time_limit=2.0, params=SolveParams(stall_solutions=2000))
    assert check_plan(problem, plan) == []
    assert [(u.job_id, u.reason) for u in plan.unassigned] == [("J0", "no_room_in_window")]


def test_the_checker_holds_the_way_home_to_the_shift_only_for_a_depot() -> None:
    commuting = _day(commute_home=True)
    plan = solve(commuting, time_limit=1.0, params=SolveParams(stall_solutions=500))
    assert check_plan(commuting, plan) == []
    depot = commuting.replace(
        technicians=tuple(replace(t, commute_home=False) for t in commuting.technicians)
    )
    (violation,) = check_plan(depot, plan)
    assert violation.rule == "shift"
    assert "T0 is back at" in violation.detail


def test_a_visit_running_past_the_shift_pays_overtime_up_to_its_end_only() -> None:
    # Booked at 15:20: the visit ends at 17:20, 20 minutes into overtime; the drive home after
    # it is no overtime.
    problem = _day(commute_home=True, start=920)
    plan = solve(problem, time_limit=1.0, params=SolveParams(stall_solutions=500))
    assert check_plan(problem, plan) == []
    assert plan.routes[0].stops[0].end == 1040
    assert plan.cost["overtime"] == pytest.approx(20 * problem.params.overtime_minute)
    late = _day(commute_home=True, start=940)  # would end at 17:40, past 17:30
    assert [u.job_id for u in solve(late, time_limit=1.0).unassigned] == ["J0"]


@pytest.mark.parametrize("commute_home", [True, False])
def test_a_route_times_as_feasible_when_its_last_visit_ends_in_the_shift(
    commute_home: bool,
) -> None:
    # 20 minutes out, a 60-minute visit from 8:20 to 9:20, 90 minutes home: back at 10:50,
    # after a shift that ends at 10:00.
    tech = Technician("T0", DENVER, 480, 600, commute_home=commute_home)
    travel = [[0, 20, 90], [20, 0, 0], [90, 0, 0]]  # nodes: the job, the start, the end
    timing = time_route(tech, [()], [60], [0], travel, 1, 2)
    assert timing.stops[0].end == 560
    assert (timing.end, timing.back) == (650, 90)
    assert timing.feasible is commute_home
