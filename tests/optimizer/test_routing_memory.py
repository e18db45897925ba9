"""A solved model is freed: the service re-plans all day, and a simulated 40-technician day
whose models were kept grew past 18 GB."""

from __future__ import annotations

import gc

from ortools.constraint_solver import pywrapcp

from optimizer import SolveParams, solve
from tests.optimizer.conftest import small_day


def _live_models() -> int:
    gc.collect()
    return sum(isinstance(o, pywrapcp.RoutingModel) for o in gc.get_objects())


def test_no_routing_model_outlives_its_solve() -> None:
    before = _live_models()
    problem = small_day(2)
    # Progress reporting and the stall limit both register callbacks on the model.
    for seed in range(3):
        solve(
            problem,
            time_limit=2,
            seed=seed,
            params=SolveParams(stall_solutions=500),
            progress=lambda at, value: None,
        )
    assert _live_models() == before
