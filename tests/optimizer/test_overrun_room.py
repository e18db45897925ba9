"""A told window keeps room for the visit before it to run long (`Job.overrun_minutes`)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from optimizer import Job, Pin, Plan, Point, Problem, Route, Technician, Window
from optimizer.costs import told_room_short
from tests.optimizer.conftest import DENVER, solve_checked


def _day(overrun: int) -> Problem:
    """One technician at the customers' door all day: a 130-minute repair that may run
    `overrun` minutes long, and a 20-minute visit promised 540-660. The repair first ends the
    day inside the shift but starts the promise 50 minutes before its window closes; the
    promise first waits for its window and ends the day 10 minutes into overtime."""
    tech = Technician("T", DENVER, 480, 680, overtime_minutes=30, overtime_cost=3.0)
    told = Window(540, 660, hard=False)
    jobs = (
        Job("REPAIR", DENVER, 130, overrun_minutes=overrun),
        Job("VISIT", DENVER, 20, windows=(Window(540, 660),), told_window=told),
    )
    return Problem((tech,), jobs)


def test_the_room_short_is_what_a_start_leaves_of_the_overrun_before_the_window_closes() -> None:
    assert told_room_short(start=600, due=660, room=0) == 0
    assert told_room_short(start=580, due=660, room=60) == 0  # 20 minutes to spare
    assert told_room_short(start=610, due=660, room=60) == 10
    assert told_room_short(start=700, due=660, room=60) == 60  # late already: all of it


def test_without_room_the_promise_follows_the_long_visit_with_it_waits() -> None:
    plain = solve_checked(_day(overrun=0))
    assert [s.job_id for s in plain.routes[0].stops] == ["REPAIR", "VISIT"]
    assert plain.cost["told_window"] == 0 and plain.cost["overtime"] == 0

    roomy = solve_checked(_day(overrun=60))
    stops = roomy.routes[0].stops
    assert [s.job_id for s in stops] == ["VISIT", "REPAIR"]
    assert stops[0].start == 540
    # Ten minutes of overtime (3 a minute) beat 10 minutes short of room (20 a minute).
    assert roomy.cost["overtime"] == pytest.approx(30.0)
    assert roomy.cost["told_window"] == 0


def test_the_plan_charges_the_room_short_to_the_told_window() -> None:
    day = _day(overrun=60)
    # Pinned in the order that leaves the promise 10 minutes short of the repair's overrun.
    jobs = tuple(
        replace(job, windows=(Window(480, 480),)) if job.id == "REPAIR" else job for job in day.jobs
    )
    plan = solve_checked(day.replace(jobs=jobs))
    assert [s.job_id for s in plan.routes[0].stops] == ["REPAIR", "VISIT"]
    assert plan.routes[0].stops[1].start == 610
    assert plan.cost["told_window"] == pytest.approx(20 * 10)


def test_a_negative_overrun_is_refused() -> None:
    with pytest.raises(ValueError, match="overrun_minutes must be >= 0"):
        Job("J", DENVER, 30, overrun_minutes=-1)


def _on_site_day(start_room: int) -> Problem:
    """A technician on a visit planned to end at 480, which may run `start_room` minutes long,
    then a 30-minute promise told 480-540 and a 120-minute repair. A second technician is free
    at 480, 20 minutes' drive away from the promise and the repair."""
    far = Point(DENVER.lat + 0.09, DENVER.lon)
    on_site = Technician("ON_SITE", DENVER, 480, 1020, start_room=start_room)
    free = Technician("FREE", far, 480, 1020)
    told = Window(480, 540, hard=False)
    jobs = (
        Job("VISIT", DENVER, 30, windows=(Window(480, 540),), told_window=told),
        Job("REPAIR", DENVER, 120),
    )
    return Problem((on_site, free), jobs)


def test_the_first_promise_keeps_room_for_the_visit_under_way_at_the_start() -> None:
    near = solve_checked(_on_site_day(start_room=0))
    assert _serving(near, "VISIT").technician_id == "ON_SITE"

    # 90 minutes of room at 480 would leave the promise 30 minutes short (600 at 20 a minute):
    # the technician free elsewhere drives to it and reaches it in its window.
    roomy = solve_checked(_on_site_day(start_room=90))
    visit = _serving(roomy, "VISIT")
    assert visit.technician_id == "FREE"
    assert next(s.start for s in visit.stops if s.job_id == "VISIT") <= 540
    assert roomy.cost["told_window"] == 0


def test_the_plan_charges_the_room_short_at_the_start_to_the_told_window() -> None:
    day = _on_site_day(start_room=90)
    jobs = tuple(
        replace(job, pin=Pin("ON_SITE", start=480, sequence=0)) if job.id == "VISIT" else job
        for job in day.jobs
    )
    plan = solve_checked(day.replace(jobs=jobs))
    assert _serving(plan, "VISIT").technician_id == "ON_SITE"
    assert _serving(plan, "VISIT").stops[0].start == 480
    assert plan.cost["told_window"] == pytest.approx(20 * 30)


def _serving(plan: Plan, job_id: str) -> Route:
    return next(r for r in plan.routes if any(s.job_id == job_id for s in r.stops))


def test_a_negative_start_room_is_refused() -> None:
    with pytest.raises(ValueError, match="start_room must be >= 0"):
        Technician("T", DENVER, 480, 600, start_room=-1)
