"""Parts solved in worker processes give the plan one process gives, and survive their loss."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from contextlib import AbstractContextManager
from types import MappingProxyType

import pytest

from optimizer import Job, Plan, Problem, SolveParams, check_plan, solve
from optimizer import workers as workers_module
from tests.optimizer.conftest import BROKEN_WORKERS, DENVER, small_day

# Parts of 2 to 8 routes on an 8-technician day: it converges long before the limit, so both
# runs search every part to its stall limit and nothing depends on the clock.
BY_PARTS = SolveParams(parts_above=4, big_days="parts", part_size=2, stall_solutions=500)


def _solve(problem: Problem, workers: int) -> Plan:
    params = SolveParams(**{**_fields(BY_PARTS), "part_workers": workers})
    plan = solve(problem, time_limit=60, seed=3, params=params)
    assert check_plan(problem, plan) == []
    return plan


def _fields(params: SolveParams) -> dict[str, object]:
    return {name: getattr(params, name) for name in params.__dataclass_fields__}


def _routes(plan: Plan) -> dict[str, list[str]]:
    return {r.technician_id: [s.job_id for s in r.stops] for r in plan.routes}


@pytest.fixture(scope="module")
def day() -> Problem:
    return small_day(5, techs=8, jobs=26)


def test_a_worker_process_changes_the_speed_not_the_plan(day: Problem) -> None:
    alone = _solve(day, workers=0)
    shared = _solve(day, workers=1)
    assert 1 in workers_module.POOLS  # the second run did use a worker process
    assert _routes(shared) == _routes(alone)
    assert shared.objective == pytest.approx(alone.objective)
    assert len(alone.unassigned) < len(day.jobs)


@BROKEN_WORKERS
def test_parts_are_solved_here_when_the_worker_fails(
    day: Problem, broken: Callable[[], AbstractContextManager[None]], warning: str
) -> None:
    alone = _solve(day, workers=0)
    with broken(), pytest.warns(RuntimeWarning, match=warning):
        rescued = _solve(day, workers=1)
    assert _routes(rescued) == _routes(alone)


def test_a_problem_survives_the_trip_to_a_worker() -> None:
    day = small_day(1)
    tech = day.technicians[0]
    job = Job("J1", DENVER, 60, service_minutes_by_technician={tech.id: 45})
    problem = day.replace(jobs=(job,))
    copy = pickle.loads(pickle.dumps(problem))
    assert copy == problem
    assert isinstance(copy.jobs[0].service_minutes_by_technician, MappingProxyType)
    assert copy.jobs[0].minutes_for(tech) == 45
