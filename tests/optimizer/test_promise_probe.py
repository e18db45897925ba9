"""Promises broken by hours: found, turned into constraints, and searched by the worker."""

from __future__ import annotations

import time as clock
from dataclasses import replace
from typing import Any

import pytest

from optimizer import Job, Pin, Point, Problem, SolveParams, Technician, Window
from optimizer import pair as pair_module
from optimizer._routing import RoutingOutcome
from optimizer._splice import splice
from optimizer.assemble import PlanScorer, assemble, merge_timings, timed_outcome
from optimizer.matrices import ModelArrays
from optimizer.pair import PROBE_TRIES, Partner, improve_by_pair
from optimizer.problem import ObjectiveParams
from optimizer.promise_probe import (
    BROKEN_MINUTES,
    broken_promises,
    keeping_promises,
    probe_of,
)
from optimizer.solve import PAIR_WARM_FROM, solve, travel_matrix
from optimizer.workers import start_workers
from tests.optimizer.conftest import DENVER, check_clean

TIMED = SolveParams()
MORNING_THEN_AFTERNOON = (Window(480, 600), Window(780, 900))


def _day(*, margin: int = 0) -> Problem:
    """A boiler technician with a 130-minute repair and a boiler visit told 480-600 (hard
    windows 480-600 and 780-900); a second technician, a short drive away, without the
    boiler skill. Repair first pushes the visit to the afternoon."""
    across = Point(DENVER.lat + 0.03, DENVER.lon)
    techs = (
        Technician("BOILER", DENVER, 480, 1020, skills=frozenset({"boiler"})),
        Technician("OTHER", across, 480, 1020),
    )
    jobs = (
        Job("REPAIR", DENVER, 130),
        Job(
            "VISIT",
            DENVER,
            90,
            windows=MORNING_THEN_AFTERNOON,
            skills=frozenset({"boiler"}),
            told_window=Window(480, 600, hard=False),
        ),
        Job(
            "SOFT",
            across,
            30,
            windows=(Window(600, 700, hard=False),),
            told_window=Window(600, 660, hard=False),
        ),
        Job(
            "ELSEWHERE",
            across,
            60,
            windows=(Window(780, 900),),
            told_window=Window(480, 540, hard=False),
        ),
    )
    return Problem(techs, jobs, ObjectiveParams(told_margin_minutes=margin))


def _arrays(problem: Problem) -> ModelArrays:
    return ModelArrays.build(problem, travel_matrix(problem), TIMED)


REPAIR, VISIT, SOFT, ELSEWHERE = range(4)


def test_a_promise_counts_as_broken_from_an_hour_past_its_window() -> None:
    arrays = _arrays(_day())
    # Repair then visit: the visit waits for its afternoon window, three hours past 600.
    assert broken_promises(arrays, [[REPAIR, VISIT], [SOFT]]) == [VISIT]
    # Visit then repair: the promise is kept; the soft visit at 600 is inside its window.
    assert broken_promises(arrays, [[VISIT, REPAIR], [SOFT]]) == []
    # No told window among the stops: nothing to time.
    assert broken_promises(arrays, [[REPAIR], []]) == []
    # A visit pinned where it is (under way, say) is not the search's to move.
    problem = _day()
    pinned = tuple(
        replace(job, pin=Pin("BOILER", sequence=1)) if job.id == "VISIT" else job
        for job in problem.jobs
    )
    held = _arrays(problem.replace(jobs=pinned))
    assert broken_promises(held, [[REPAIR, VISIT], [SOFT]]) == []


@pytest.mark.parametrize(("before", "broken"), [(230, False), (239, False), (240, True)])
def test_a_promise_missed_by_less_than_the_hour_is_left_to_the_search(
    before: int, broken: bool
) -> None:
    """The soft visit (told 600-660) after a `before`-minute visit at the same door from 480:
    it starts `before` - 180 minutes past its due minute."""
    assert BROKEN_MINUTES == 60
    problem = _day()
    long_visit = Job("LONG", problem.jobs[SOFT].location, before)
    arrays = _arrays(problem.replace(jobs=(*problem.jobs, long_visit)))
    routes = [[], [4, SOFT]]
    assert dict(timed_outcome(arrays, routes).routes[1])[SOFT] == 480 + before
    assert broken_promises(arrays, routes) == ([SOFT] if broken else [])


def test_keeping_a_promise_narrows_the_windows_to_the_told_one() -> None:
    arrays = _arrays(_day(margin=15))
    kept, narrowed = keeping_promises(arrays, [VISIT, SOFT, ELSEWHERE])
    # Hard windows: the morning one only, up to the told window's due minute (600 - 15).
    assert kept.windows[VISIT] == (Window(480, 585),)
    # Soft windows: the told window, as a hard one (a subset of what the day allows).
    assert kept.windows[SOFT] == (Window(600, 645),)
    assert kept.windows[SOFT][0].hard
    # Hard windows that miss the told window entirely: that promise cannot be kept.
    assert kept.windows[ELSEWHERE] == arrays.windows[ELSEWHERE]
    assert narrowed == [VISIT, SOFT]
    # Everything else is the model as it was.
    assert kept.windows[REPAIR] == arrays.windows[REPAIR]
    assert kept.penalty == arrays.penalty and kept.allowed == arrays.allowed
    with pytest.raises(ValueError, match="REPAIR has no told window"):
        keeping_promises(arrays, [REPAIR])


def test_a_promise_no_qualified_technician_can_reach_in_time_is_left_alone() -> None:
    # A re-plan at 10:10: the only boiler technician is free from 610, the visit was told
    # 480-600. Narrowing it to its told window would only leave it out.
    problem = _day()
    late = replace(problem.technicians[0], shift_start=610)
    arrays = _arrays(replace(problem, technicians=(late, problem.technicians[1])))
    kept, narrowed = keeping_promises(arrays, [VISIT, SOFT])
    assert narrowed == [SOFT]
    assert kept.windows[VISIT] == arrays.windows[VISIT]
    # The day breaks that promise by hours, and no other that could be kept: nothing to probe.
    routes = [[REPAIR, VISIT], [SOFT]]
    assert broken_promises(arrays, routes) == [VISIT]
    assert probe_of(arrays, routes) is None


def test_the_worker_first_searches_the_day_with_the_broken_promise_kept() -> None:
    problem = _day()
    arrays = _arrays(problem)
    routes = [[REPAIR, VISIT], [SOFT]]
    first = timed_outcome(arrays, routes)
    scorer = PlanScorer(arrays, first)
    assert start_workers()  # the worker is up before the clock runs, as in a service
    partner = Partner(arrays, TIMED, seed=1)
    assert partner.pool is not None
    partner.start(routes, clock.perf_counter() + 1.0)
    assert partner.probes == {frozenset({VISIT}): 1}
    found = partner.result()
    assert found is not None
    everyone, every_job = list(range(arrays.n_techs)), list(range(arrays.n_jobs))
    trial_routes, trial_timings = splice(routes, {}, everyone, every_job, found)
    visit_start = next(s for v in found.routes.values() for j, s in v if j == VISIT)
    assert visit_start <= 600
    assert scorer(trial_timings) < scorer({})
    plan = assemble(arrays, merge_timings(trial_timings, first))
    check_clean(problem, plan)
    # Only the promise no window allows is still broken: 240 minutes at 20.
    assert plan.cost["told_window"] == pytest.approx(20 * (780 - 540))


def test_a_promise_is_probed_a_limited_number_of_times() -> None:
    arrays = _arrays(_day())
    partner = Partner(arrays, TIMED, seed=2)
    assert partner.pool is not None
    routes = [[REPAIR, VISIT], [SOFT]]
    for _ in range(PROBE_TRIES + 1):
        partner.start(routes, clock.perf_counter() + 0.2)
        partner.result()
    # The tries are spent; the last search was of the day as it is.
    assert partner.probes == {frozenset({VISIT}): PROBE_TRIES}
    # Routes that keep every promise are searched as they are.
    partner.start([[VISIT, REPAIR], [SOFT]], clock.perf_counter() + 0.2)
    partner.result()
    assert partner.probes == {frozenset({VISIT}): PROBE_TRIES}


def _spied_searches(monkeypatch: pytest.MonkeyPatch) -> list[ModelArrays]:
    """The models `pair.search_part` is handed in this process, as it runs them."""
    seen: list[ModelArrays] = []
    real = pair_module.search_part

    def spy(model: ModelArrays, *args: Any) -> RoutingOutcome | None:
        seen.append(model)
        return real(model, *args)

    monkeypatch.setattr(pair_module, "search_part", spy)
    return seen


def test_without_a_worker_a_share_of_the_time_keeps_the_broken_promise_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    problem = _day()
    arrays = _arrays(problem)
    routes = [[REPAIR, VISIT], [SOFT]]
    first = timed_outcome(arrays, routes)
    scorer = PlanScorer(arrays, first)
    seen = _spied_searches(monkeypatch)
    reported: list[float] = []
    alone = SolveParams(part_workers=0)
    better, timings = improve_by_pair(
        arrays,
        routes,
        deadline=clock.perf_counter() + 1.0,
        seed=4,
        params=alone,
        score=lambda r, t: scorer(t),
        on_improvement=reported.append,
    )
    # One search ran here, on the model that keeps the promise.
    assert [model.windows[VISIT] for model in seen] == [(Window(480, 600),)]
    plan = assemble(arrays, merge_timings(timings, first))
    check_clean(problem, plan)
    visit = next(s for r in plan.routes for s in r.stops if s.job_id == "VISIT")
    assert visit.start <= 600
    assert reported and plan.objective == pytest.approx(reported[-1])
    assert plan.objective < scorer({})


def test_a_counted_search_without_a_worker_does_not_probe(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    arrays = _arrays(_day())
    routes = [[REPAIR, VISIT], [SOFT]]
    scorer = PlanScorer(arrays, timed_outcome(arrays, routes))
    seen = _spied_searches(monkeypatch)
    improve_by_pair(
        arrays,
        routes,
        deadline=clock.perf_counter() + 1.0,
        seed=4,
        params=SolveParams(stall_solutions=50),
        score=lambda r, t: scorer(t),
    )
    assert seen == []


def test_a_small_day_solved_too_briefly_for_the_worker_probes_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Below `PAIR_WARM_FROM` seconds the worker takes no part, running or not. The search
    # here still first keeps the promises its start breaks by hours (`improve_here`, tested
    # above through the pair without a worker): on the generator's 12 x 47 day 7, 2 s solves
    # in one process kept a morning promise in 12 runs of 20 with it, 2 of 20 without.
    problem = _day()
    handed: list[list[list[int]]] = []
    real = pair_module._probed_here

    def spy(arrays: ModelArrays, routes: list[list[int]], *args: Any) -> Any:
        handed.append([list(route) for route in routes])
        return real(arrays, routes, *args)

    monkeypatch.setattr(pair_module, "_probed_here", spy)
    plan = solve(problem, time_limit=PAIR_WARM_FROM / 2, seed=5, params=TIMED)
    assert len(handed) == 1
    assert sorted(j for route in handed[0] for j in route) == [REPAIR, VISIT, SOFT, ELSEWHERE]
    check_clean(problem, plan)
