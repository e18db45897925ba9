"""The checker catches each broken rule, on hand-made plans and on mutated solved plans."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer import Job, Plan, Problem, Route, Stop, UnassignedJob, Window, check_plan
from tests.optimizer.conftest import DENVER, small_day


def test_the_checker_catches_each_broken_rule() -> None:
    problem = small_day(10, techs=2, jobs=3)
    tech = problem.technicians[0]
    job = Job(
        "X",
        DENVER,
        60,
        windows=(Window(480, 500),),
        skills=frozenset({"backflow"}),
        designated="T1",
    )
    bad = Plan(
        routes=(
            Route(
                tech.id,
                (Stop("X", 700, 700, 730, 5), Stop("X", 800, 800, 860, 5)),
                start=400,
                end=2000,
                return_minutes=5,
                lunch_start=900,
                lunch_minutes=30,
            ),
        ),
        unassigned=(),
    )
    rules = {v.rule for v in check_plan(problem.replace(jobs=(job,)), bad)}
    assert {"skills", "designation", "window", "duration", "duplicate", "shift", "lunch"} <= rules


def test_a_missing_job_and_a_double_listing_are_caught(day_4x14: Problem) -> None:
    empty = Plan(routes=(), unassigned=())
    assert {v.rule for v in check_plan(day_4x14, empty)} == {"missing"}
    all_out = tuple(UnassignedJob(j.id, "no_room_in_shift") for j in day_4x14.jobs)
    assert check_plan(day_4x14, Plan((), all_out)) == []
    assert {v.rule for v in check_plan(day_4x14, Plan((), (*all_out, all_out[0])))} == {"duplicate"}


MUTATIONS = ("earlier", "shorter", "lunch_early", "swap_tech", "late_back", "overlap")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(mutation=st.sampled_from(MUTATIONS), pick=st.integers(0, 10_000))
def test_any_single_corruption_of_a_valid_plan_is_caught(
    day_12x47: Problem, plan_12x47: Plan, mutation: str, pick: int
) -> None:
    assert check_plan(day_12x47, plan_12x47) == []
    busy = [r for r in plan_12x47.routes if len(r.stops) >= 2]
    route = busy[pick % len(busy)]
    k = pick % len(route.stops)
    stops = list(route.stops)
    stop = stops[k]
    changed = route
    if mutation == "earlier":
        # Starting before the technician can arrive (or before the window) is impossible.
        shift = stop.start - (stops[k - 1].end if k else route.start)
        stops[k] = replace(stop, start=stop.start - shift - 1, end=stop.end - shift - 1)
        changed = replace(route, stops=tuple(stops))
    elif mutation == "shorter":
        stops[k] = replace(stop, end=stop.end - 1)
        changed = replace(route, stops=tuple(stops))
    elif mutation == "lunch_early":
        tech = day_12x47.technician(route.technician_id)
        assert tech.lunch is not None
        changed = replace(route, lunch_start=tech.lunch.earliest - 1)
    elif mutation == "swap_tech":
        # Give the route to a technician who lacks something one of its jobs needs, or to
        # one whose shift or lunch does not fit; either way the checker must object.
        other = next(r for r in plan_12x47.routes if r.technician_id != route.technician_id)
        changed = replace(route, technician_id=other.technician_id)
    elif mutation == "late_back":
        tech = day_12x47.technician(route.technician_id)
        late = tech.shift_end + tech.overtime_minutes + 1 - route.return_minutes
        tail = stops[-1]
        moved = late - tail.end
        stops[-1] = replace(tail, start=tail.start + moved, end=tail.end + moved)
        changed = replace(route, stops=tuple(stops), end=late + route.return_minutes)
    elif mutation == "overlap":
        j = (k + 1) % len(stops)
        stops[j] = replace(
            stops[j], start=stop.start, end=stop.start + (stops[j].end - stops[j].start)
        )
        changed = replace(route, stops=tuple(stops))
    routes = tuple(changed if r is route else r for r in plan_12x47.routes)
    if mutation == "swap_tech":
        routes = tuple(
            r for r in routes if r.technician_id != changed.technician_id or r is changed
        )
    corrupted = Plan(routes, plan_12x47.unassigned)
    if mutation == "swap_tech":
        # The displaced technician's jobs are now missing: always caught.
        assert check_plan(day_12x47, corrupted)
        return
    assert check_plan(day_12x47, corrupted), mutation
