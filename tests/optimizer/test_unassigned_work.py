"""Work left undone: between two jobs of which only one fits, the longer one is kept."""

from __future__ import annotations

from optimizer import Job, ObjectiveParams, Point, Problem, SolveParams, Technician, Window
from tests.optimizer.conftest import DENVER, solve_checked


def test_the_penalty_adds_the_work_minutes_to_the_urgency_cost() -> None:
    params = ObjectiveParams(unassigned_scheduled=5000, unassigned_work_minute=50)
    long = Job("L", DENVER, 300, priority=2)
    assert params.unassigned_penalty(long) == 5000 * 2 + 50 * 300
    assert ObjectiveParams().unassigned_penalty(long) == 5000 * 2  # off by default


def test_when_only_one_job_fits_the_one_with_more_work_is_kept() -> None:
    # Four hours of shift, no overtime; both visits are booked for 8:30, the short one next
    # door, the long one a few kilometres further: by driving alone the short one would win.
    tech = Technician("T0", DENVER, 480, 720)
    window = (Window(510, 520, hard=True),)
    jobs = (
        Job("SHORT", Point(DENVER.lat + 0.01, DENVER.lon), 60, windows=window),
        Job("LONG", Point(DENVER.lat + 0.06, DENVER.lon), 180, windows=window),
    )
    kept = {}
    for weight in (0, 50):
        day = Problem((tech,), jobs, ObjectiveParams(unassigned_work_minute=weight))
        plan = solve_checked(day, params=SolveParams(stall_solutions=500), time_limit=1.0)
        kept[weight] = [s.job_id for r in plan.routes for s in r.stops]
    assert kept == {0: ["SHORT"], 50: ["LONG"]}
