"""After OR-Tools stalls on a part, string moves hand runs of stops between its routes: the
part stays valid and never gets dearer."""

from __future__ import annotations

from optimizer import SolveParams, check_plan
from optimizer import parts as parts_module
from optimizer._routing import solve_routing
from optimizer.assemble import assemble
from optimizer.construct import construct
from optimizer.matrices import ModelArrays
from optimizer.solve import travel_matrix
from tests.optimizer.conftest import small_day


def test_string_moves_keep_a_part_valid_never_dearer_and_often_cheaper() -> None:
    problem = small_day(11, techs=8, jobs=30)
    arrays = ModelArrays.build(problem, travel_matrix(problem), SolveParams())
    routes = construct(arrays, seed=0)
    vehicles = list(range(5))
    part = arrays.subset(vehicles, sorted(j for v in vehicles for j in routes[v]))
    # A search stopped early leaves the moves something to find.
    params = SolveParams(stall_solutions=20, first_solution="local_cheapest_insertion")
    outcome = solve_routing(part, time_limit=10, params=params, initial=None)
    assert outcome is not None
    before = assemble(part, outcome)
    cheaper = 0
    for seed in range(6):
        polished = parts_module._polish(part, outcome, params, seed=seed, deadline=1e12)
        plan = assemble(part, polished)
        assert check_plan(part.problem, plan) == []
        assert len(plan.unassigned) <= len(before.unassigned)
        assert plan.objective <= before.objective + 1e-6
        cheaper += plan.objective < before.objective - 1e-6
    assert cheaper >= 3
