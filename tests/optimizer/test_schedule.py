"""Forward timing of a route: where the lunch goes decides whether the day fits."""

from __future__ import annotations

from optimizer import Break, Technician, Window
from optimizer.schedule import time_route
from tests.optimizer.conftest import DENVER

DRIVE = 20


def _time(lunch: Break, windows: list[tuple[int, int]], minutes: list[int]):  # type: ignore[no-untyped-def]
    tech = Technician("T0", DENVER, 480, 1020, lunch=lunch)
    n = len(windows)
    # Nodes 0..n-1 are the stops, n the start and n + 1 the end: every leg is 20 minutes.
    travel = [[0 if a == b else DRIVE for b in range(n + 2)] for a in range(n + 2)]
    return time_route(
        tech,
        [(Window(start, end),) for start, end in windows],
        minutes,
        list(range(n)),
        travel,
        n,
        n + 1,
    )


def test_the_lunch_fits_in_the_wait_before_a_window_opens() -> None:
    # A runs to 10:50; B is booked for 12:00 sharp, so the technician waits there from 11:10.
    # Eating in that wait keeps C (13:50 at the latest) reachable; eating after B misses it.
    timing = _time(
        Break(690, 810, 30, on_site=False), [(500, 500), (720, 720), (820, 830)], [150, 87, 60]
    )
    assert timing.feasible
    first, second, third = timing.stops
    assert timing.lunch_start == 690
    assert first.end + DRIVE <= timing.lunch_start
    assert timing.lunch_start + 30 <= second.start == 720
    assert third.start == 827 and third.late == 0


def test_a_wait_too_short_for_the_lunch_does_not_hold_it() -> None:
    # B opens at 11:40: only 20 minutes of wait once there, too few for a 30-minute lunch.
    timing = _time(
        Break(690, 810, 30, on_site=False), [(500, 500), (700, 700), (820, 830)], [150, 87, 60]
    )
    assert timing.lunch_start is not None
    second = timing.stops[1]
    assert timing.lunch_start >= second.end  # eaten after B, when the technician is free
    assert not timing.feasible  # which makes C late on its hard window


def test_the_lunch_is_eaten_on_site_only_if_the_visit_itself_is_long_enough() -> None:
    # The model may time a visit with a slower colleague's 120 minutes; the technician's own
    # 110 are too short to hold a lunch whose window is 120 minutes wide.
    lunch = Break(690, 810, 30)
    tech = Technician("T0", DENVER, 480, 1020, lunch=lunch)
    travel = [[0, 5, 5], [5, 0, 5], [5, 5, 0]]
    as_model = time_route(tech, [()], [120], [0], travel, 1, 2, depart=600)
    assert as_model.lunch_start == 690  # inside the 605-725 visit
    own = time_route(tech, [()], [120], [0], travel, 1, 2, depart=600, own_minutes=[110])
    assert own.lunch_start is not None
    assert own.lunch_start >= own.stops[0].end  # after the visit, never inside it


def test_a_wait_before_a_long_visit_holds_the_lunch_rather_than_the_visit() -> None:
    # B could host the lunch (290 minutes spans the window), but the technician waits at its
    # door from 11:10 anyway: eating then ends B at 16:40, home by 17:00. On site, B and the
    # lunch would end 30 minutes past the shift.
    timing = _time(Break(690, 810, 30), [(500, 500), (720, 960)], [150, 280])
    assert timing.feasible
    first, second = timing.stops
    assert first.end + DRIVE <= timing.lunch_start == 690
    assert second.start == 720 and second.end == 1000
    assert timing.end == second.end + DRIVE == 1020


def test_a_first_visit_after_the_lunch_window_opens_is_reached_in_time_to_eat_first() -> None:
    # Alone on the route, B would be reached just in time for 12:00 and would hold the lunch,
    # ending at 17:30. Leaving 30 minutes earlier, the technician eats at the door.
    timing = _time(Break(690, 810, 30), [(720, 960)], [280])
    assert timing.feasible
    (stop,) = timing.stops
    assert timing.depart == 670 and timing.lunch_start == 690
    assert stop.start == 720 and timing.end == 1020


def test_a_first_visit_opening_too_early_for_the_lunch_is_still_reached_just_in_time() -> None:
    timing = _time(Break(690, 810, 30), [(700, 960)], [280])
    assert timing.depart == 680  # 11:40 leaves no room for a lunch from 11:30 before it
    assert timing.lunch_start is not None and timing.lunch_start >= 700


def test_a_day_starting_with_the_lunch_due_eats_before_leaving_for_a_later_visit() -> None:
    # Free at 08:00 with the lunch to start by 08:10 (a re-plan after a morning on site); the
    # first visit opens at 10:00. Leaving just in time (09:40) would pass the lunch window.
    timing = _time(Break(480, 490, 30), [(600, 700)], [60])
    assert timing.feasible
    (stop,) = timing.stops
    assert timing.lunch_start == 490 and timing.depart == 520
    assert stop.arrive == 540 and stop.start == 600
