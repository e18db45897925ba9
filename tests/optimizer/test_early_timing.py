"""A day with room in it starts each visit as early as it can, not at the end of the shift."""

from __future__ import annotations

from optimizer import Job, Point, Problem, Technician, Window
from optimizer.params import SolveParams
from tests.optimizer.conftest import DENVER, QUICK, solve_checked

NORTH = Point(DENVER.lat + 0.004, DENVER.lon)


def _light_day() -> Problem:
    """Two half-hour visits, no window, for a technician on shift 08:00-17:00."""
    tech = Technician("T", DENVER, 480, 1020)
    return Problem((tech,), (Job("A", DENVER, 30), Job("B", NORTH, 30)))


def test_visits_without_windows_start_when_the_shift_does() -> None:
    for params in (QUICK, SolveParams(recreate=False, stall_solutions=3000)):
        route = solve_checked(_light_day(), params=params).routes[0]
        first, second = route.stops
        assert first.start == 480, params
        # Straight on to the next, not waiting for the end of the day.
        assert second.start == first.end + second.travel_minutes, params
        assert route.end < 600


def test_a_window_still_sets_when_the_technician_leaves() -> None:
    day = _light_day()
    booked = Job("B", NORTH, 30, windows=(Window(780, 840),))
    route = solve_checked(day.replace(jobs=(day.jobs[0], booked))).routes[0]
    starts = {s.job_id: s.start for s in route.stops}
    assert starts["B"] == 780
    assert starts["A"] < 780
