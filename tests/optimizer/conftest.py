"""Named planning scenarios, built once per session."""

from __future__ import annotations

import random
from collections.abc import Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import AbstractContextManager, contextmanager

import pytest

from bench.field import generate_day
from optimizer import (
    Break,
    Job,
    Plan,
    Point,
    Problem,
    SolveParams,
    Technician,
    Window,
    check_plan,
    solve,
)
from optimizer import workers as workers_module
from optimizer.construct import construct
from optimizer.matrices import ModelArrays
from optimizer.solve import travel_matrix

DENVER = Point(39.74, -104.99)
QUICK = SolveParams(stall_solutions=3000)
"""Searches that stop once stalled: deterministic, and well under a second on small days."""


def near(rng: random.Random, spread: float = 1.0) -> Point:
    return Point(
        DENVER.lat + rng.uniform(-0.12, 0.12) * spread,
        DENVER.lon + rng.uniform(-0.15, 0.15) * spread,
    )


def small_day(seed: int, techs: int = 4, jobs: int = 14) -> Problem:
    """A small day with skills, windows, lunches and a few preferences."""
    rng = random.Random(seed)
    skills = ["epa_608", "gas_fitter", "journeyman_electrician"]
    crew = tuple(
        Technician(
            f"T{i}",
            near(rng),
            450,
            990,
            skills=frozenset(rng.sample(skills, 2)),
            equipment=frozenset({"ladder_28ft"}) if i % 2 else frozenset(),
            lunch=Break(690, 810, 30),
            overtime_minutes=30,
        )
        for i in range(techs)
    )
    work = tuple(
        Job(
            f"J{k:02}",
            near(rng),
            rng.choice([30, 60, 90]),
            windows=rng.choice([(), (Window(480, 720),), (Window(720, 960),)]),
            skills=frozenset(rng.sample(skills, 1)) if rng.random() < 0.5 else frozenset(),
            urgency=rng.choice(["scheduled", "scheduled", "same_day"]),
            preferred=frozenset({"T0"}) if k % 5 == 0 else frozenset(),
        )
        for k in range(jobs)
    )
    return Problem(crew, work)


def solve_checked(problem: Problem, **kwargs: object) -> Plan:
    """Solve with a short deterministic search and insist the checker finds nothing."""
    kwargs.setdefault("time_limit", 2.0)
    kwargs.setdefault("params", QUICK)
    plan = solve(problem, **kwargs)  # type: ignore[arg-type]
    check_clean(problem, plan)
    return plan


def check_clean(problem: Problem, plan: Plan) -> None:
    """Insist the checker finds nothing wrong with `plan`."""
    violations = check_plan(problem, plan)
    assert violations == [], [str(v) for v in violations]


def constructed(
    problem: Problem, params: SolveParams | None = None
) -> tuple[ModelArrays, list[list[int]]]:
    """The day's model arrays and its construction (seed 0): where a search starts."""
    arrays = ModelArrays.build(problem, travel_matrix(problem), params or SolveParams())
    return arrays, construct(arrays, seed=0)


@pytest.fixture(scope="session")
def day_4x14() -> Problem:
    """Four technicians, fourteen jobs: skills, windows, lunches, preferences."""
    return small_day(1)


@pytest.fixture(scope="session")
def day_12x47() -> Problem:
    """The benchmark generator's 12 × 47 day: every constraint the model knows."""
    return generate_day(12, 47, 1)


@pytest.fixture(scope="session")
def plan_12x47(day_12x47: Problem) -> Plan:
    """The 12 × 47 day solved (and checked) once for the tests that read a plan."""
    return solve_checked(day_12x47)


@pytest.fixture(scope="session")
def day_40x150() -> Problem:
    """A day big enough to be solved part by part."""
    return generate_day(40, 150, 2)


@pytest.fixture(scope="session")
def tight_windows_day() -> Problem:
    """Six technicians, thirty jobs in one-hour hard windows: construction must still answer."""
    rng = random.Random(7)
    crew = tuple(
        Technician(f"T{i}", near(rng), 480, 1020, lunch=Break(690, 810, 30)) for i in range(6)
    )
    work = tuple(
        Job(f"J{k:02}", near(rng), 45, windows=(Window(opens, opens + 60),))
        for k, opens in enumerate(rng.choice(range(480, 960, 30)) for _ in range(30))
    )
    return Problem(crew, work)


@pytest.fixture(scope="session")
def emergency_gas_leak(day_4x14: Problem) -> Job:
    """A gas leak reported mid-morning: emergency, needs a gas fitter."""
    return Job(
        "GAS",
        Point(39.75, -104.98),
        60,
        skills=frozenset({"gas_fitter"}),
        urgency="emergency",
        priority=4,
    )


@contextmanager
def _one_worker_pool(replacement: Executor) -> Iterator[None]:
    """The one-worker pool replaced by `replacement`, which the search must retire; the real
    pool is given back afterwards."""
    saved = dict(workers_module.POOLS)
    workers_module.POOLS[1] = replacement
    try:
        yield
        assert 1 in workers_module.BROKEN and 1 not in workers_module.POOLS
    finally:
        workers_module.POOLS.clear()
        workers_module.POOLS.update(saved)
        workers_module.BROKEN.discard(1)


def dead_worker_pool() -> AbstractContextManager[None]:
    """A shut-down pool, as if its process had died."""
    dead = ProcessPoolExecutor(max_workers=1)
    dead.shutdown()
    return _one_worker_pool(dead)


class FailingPool(Executor):
    """A pool whose every search ends in an error, as a bug in the worker's code would."""

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def]
        future: Future[object] = Future()
        future.set_exception(ValueError("search went wrong"))
        return future


def failing_worker_pool() -> AbstractContextManager[None]:
    """A pool whose searches all fail."""
    return _one_worker_pool(FailingPool())


BROKEN_WORKERS = pytest.mark.parametrize(
    ("broken", "warning"),
    [(dead_worker_pool, "worker processes failed"), (failing_worker_pool, "search went wrong")],
    ids=["dead", "failing"],
)
"""Run a test once with a dead worker process and once with one whose searches fail."""
