"""Inserting one new job into today's plan: feasible options, ranked, with their knock-on."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer import (
    Job,
    Plan,
    Point,
    Problem,
    Technician,
    Window,
    apply_insertion,
    check_plan,
    knock_on_of,
    rank_insertions,
)
from tests.optimizer.conftest import DENVER, solve_checked


def test_options_are_ranked_by_cost_and_each_one_applies_cleanly(
    day_12x47: Problem, plan_12x47: Plan
) -> None:
    new = Job("NEW", Point(39.75, -104.95), 45, windows=(Window(600, 840),))
    options = rank_insertions(day_12x47, plan_12x47, new)
    assert options
    assert [o.cost_delta for o in options] == sorted(o.cost_delta for o in options)
    for option in options[:15]:
        problem, plan = apply_insertion(day_12x47, plan_12x47, new, option)
        assert check_plan(problem, plan) == [], option
        route = plan.route_of(option.technician_id)
        assert route is not None and route.stops[option.position].job_id == "NEW"
        assert route.stops[option.position].start == option.start
        before = {s.job_id: s.start for s in plan_12x47.route_of(option.technician_id).stops}  # type: ignore[union-attr]
        after = {s.job_id: s.start for s in route.stops}
        moved = {j: after[j] - before[j] for j in before if after[j] > before[j]}
        assert dict(option.knock_on) == moved


def test_the_knock_on_of_a_planned_job_is_what_inserting_it_cost(day_12x47: Problem) -> None:
    """Read back off the plan, a job's knock-on is the delay its insertion gave the stops after
    it, not the delays of the rest of the day. (Without lunches, so the solver's timing of each
    route is the earliest one and both readings time the routes alike.)"""
    day = day_12x47.replace(
        technicians=tuple(replace(t, lunch=None) for t in day_12x47.technicians)
    )
    before = solve_checked(day)
    new = Job("NEW", Point(39.75, -104.95), 45, windows=(Window(600, 840),))
    options = rank_insertions(day, before, new)
    assert sum(1 for o in options[:15] if o.knock_on) >= 5
    for option in options[:15]:
        problem, plan = apply_insertion(day, before, new, option)
        assert knock_on_of(problem, plan, "NEW") == option.knock_on, option


def test_a_job_with_nothing_after_it_or_not_planned(day_12x47: Problem, plan_12x47: Plan) -> None:
    last = [r.stops[-1].job_id for r in plan_12x47.routes if r.stops]
    assert last and all(knock_on_of(day_12x47, plan_12x47, j) == () for j in last)
    with pytest.raises(ValueError, match="not in the plan"):
        knock_on_of(day_12x47, plan_12x47, "NOPE")


def test_nothing_is_inserted_before_now_or_ahead_of_a_started_stop(
    day_4x14: Problem, emergency_gas_leak: Job
) -> None:
    from tests.optimizer.conftest import solve_checked

    plan = solve_checked(day_4x14)
    options = rank_insertions(day_4x14, plan, emergency_gas_leak, now=600)
    assert options
    for option in options:
        tech = day_4x14.technician(option.technician_id)
        assert "gas_fitter" in tech.skills
        assert option.start >= 600
        route = plan.route_of(option.technician_id)
        started = [s for s in route.stops if s.start < 600] if route else []
        assert option.position >= len(started)


def test_a_hard_window_nobody_can_reach_gives_no_options(
    day_12x47: Problem, plan_12x47: Plan
) -> None:
    far = Job("FAR", Point(40.6, -105.9), 30, windows=(Window(430, 435),))
    assert rank_insertions(day_12x47, plan_12x47, far) == []


def test_a_job_already_planned_is_refused(day_12x47: Problem, plan_12x47: Plan) -> None:
    planned = next(iter(plan_12x47.assignment()))
    with pytest.raises(ValueError, match="already in the plan"):
        rank_insertions(day_12x47, plan_12x47, day_12x47.job(planned))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    dlat=st.floats(-0.1, 0.1),
    dlon=st.floats(-0.12, 0.12),
    minutes=st.integers(10, 150),
    opens=st.integers(420, 900),
    width=st.integers(30, 300),
    hard=st.booleans(),
    now=st.one_of(st.none(), st.integers(480, 840)),
)
def test_every_option_for_any_job_keeps_the_plan_valid(
    day_12x47: Problem,
    plan_12x47: Plan,
    dlat: float,
    dlon: float,
    minutes: int,
    opens: int,
    width: int,
    hard: bool,
    now: int | None,
) -> None:
    job = Job(
        "NEW",
        Point(DENVER.lat + dlat, DENVER.lon + dlon),
        minutes,
        windows=(Window(opens, opens + width, hard=hard),),
    )
    options = rank_insertions(day_12x47, plan_12x47, job, now=now, limit=5)
    for option in options:
        problem, plan = apply_insertion(day_12x47, plan_12x47, job, option, now=now)
        assert check_plan(problem, plan) == []
        if hard:
            assert opens <= option.start <= opens + width
        if now is not None:
            assert option.start >= now


def test_a_knock_on_past_a_told_window_is_counted(day_4x14: Problem) -> None:
    from tests.optimizer.conftest import solve_checked

    told = tuple(replace(j, told_window=Window(450, 1000, hard=False)) for j in day_4x14.jobs)
    problem = day_4x14.replace(jobs=told)
    plan = solve_checked(problem)
    # A long job at the front of a route delays everyone after it.
    job = Job("LONG", DENVER, 240)
    options = rank_insertions(problem, plan, job)
    assert options
    assert all(o.told_windows_broken <= len(o.knock_on) for o in options)


def test_an_emergency_goes_to_whoever_reaches_it_first_whatever_their_shift_start() -> None:
    """Its wait counts from the day's opening, as in the plan: the technician who started at
    09:00 and is further away does not look sooner than the one on since 07:00."""
    near = Technician("EARLY", DENVER, 420, 960)
    far = Technician("LATE", Point(DENVER.lat + 0.15, DENVER.lon), 540, 1080)
    problem = Problem(technicians=(near, far), jobs=())
    leak = Job("LEAK", DENVER, 60, urgency="emergency")
    options = rank_insertions(problem, Plan((), ()), leak, now=600)
    first = {o.technician_id: o for o in reversed(options)}
    assert first["EARLY"].start < first["LATE"].start
    assert options[0].technician_id == "EARLY"
    waited = problem.params.emergency_start_minute * (first["LATE"].start - problem.day_opens)
    assert first["LATE"].cost_delta >= waited
