"""A long job started late costs by the minute and by its length: installs go early."""

from __future__ import annotations

from dataclasses import replace

import pytest

from optimizer import Job, ObjectiveParams, Point, Problem, Technician, Window
from optimizer.costs import plan_cost
from optimizer.insertion import rank_insertions
from tests.optimizer.conftest import DENVER, solve_checked

FAR = Point(DENVER.lat, DENVER.lon + 0.12)
"""About 10 km east of the depot."""


def _day(weight: float) -> Problem:
    """Two short visits at the depot and a five-hour install out east, where the technician's
    day ends: by driving alone, the install goes last."""
    tech = Technician("T", DENVER, 480, 1020, end=FAR, overtime_minutes=60)
    jobs = (
        Job("S1", DENVER, 30),
        Job("S2", Point(DENVER.lat + 0.004, DENVER.lon), 30),
        Job("INSTALL", FAR, 300),
    )
    return Problem((tech,), jobs, ObjectiveParams(long_job_start_minute=weight, balance=0))


def test_the_rate_is_the_weight_per_hour_past_the_threshold_an_emergency_keeps_its_own() -> None:
    params = ObjectiveParams(
        long_job_start_minute=2, long_job_minutes=120, emergency_start_minute=7
    )
    install = Job("I", DENVER, 300)
    assert params.start_rate(install) == pytest.approx(2 * 180 / 60)
    assert params.start_rate(Job("Q", DENVER, 120)) == 0
    assert params.start_rate(Job("E", DENVER, 300, urgency="emergency")) == 7
    assert ObjectiveParams().start_rate(install) == 0


def test_by_driving_alone_the_install_goes_last() -> None:
    plan = solve_checked(_day(0))
    order = [s.job_id for s in plan.routes[0].stops]
    assert order[-1] == "INSTALL"
    assert plan.cost["long_job_start"] == 0


def test_with_the_weight_the_install_goes_first_and_its_cost_is_its_wait() -> None:
    day = _day(1)
    plan = solve_checked(day)
    stops = plan.routes[0].stops
    assert stops[0].job_id == "INSTALL"
    # Rate 1 × 3 hours past 120 minutes, from 08:00 (480) to the start after the drive out.
    assert plan.cost["long_job_start"] == pytest.approx(3 * (stops[0].start - 480))
    assert plan_cost(day, plan)["long_job_start"] == pytest.approx(plan.cost["long_job_start"])


def test_a_window_is_where_the_wait_counts_from() -> None:
    day = _day(1)
    booked = Job("INSTALL", FAR, 300, windows=(Window(600, 720),))
    plan = solve_checked(day.replace(jobs=(*day.jobs[:2], booked)))
    start = next(s.start for s in plan.routes[0].stops if s.job_id == "INSTALL")
    assert start == 600
    assert plan.cost["long_job_start"] == 0


def test_the_same_day_lane_prices_a_late_start_of_a_long_job() -> None:
    install = _day(1).jobs[2]
    options = {}
    for weight in (0, 1):
        day = _day(weight)
        # Booked this morning: the install goes after them.
        morning = tuple(replace(j, windows=(Window(480, 560),)) for j in day.jobs[:2])
        shorts = day.replace(jobs=morning)
        plan = solve_checked(shorts)
        options[weight] = {o.position: o for o in rank_insertions(shorts, plan, install)}
    # After the morning's two bookings (the only place that keeps them): 3 a minute past 08:00.
    last = options[1][2]
    assert last.start > 540
    assert last.cost_delta - options[0][2].cost_delta == pytest.approx(3 * (last.start - 480))
