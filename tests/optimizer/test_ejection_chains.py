"""Ejection chains: stops handed round several routes at once, each taking the next one's
place, where no move of one stop and no swap of two improves the day."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer import (
    Job,
    Plan,
    Point,
    Problem,
    SolveParams,
    Technician,
    check_plan,
    ejection_chains,
)
from optimizer._anneal_kernel import FieldAnnealer
from optimizer._chain_kernel import best_insertion
from optimizer.assemble import PlanScorer, assemble, timed_outcome
from optimizer.construct import construct
from optimizer.ejection_chains import ChainSearch
from optimizer.matrices import ModelArrays
from optimizer.recreate import _chained, _Day, _walker_chained
from optimizer.solve import travel_matrix

HOMES = {"A": Point(39.60, -105.10), "B": Point(39.75, -104.85), "C": Point(39.90, -105.10)}


def _tech(name: str, skills: set[str]) -> Technician:
    return Technician(
        id=name, start=HOMES[name], shift_start=480, shift_end=1020, skills=frozenset(skills)
    )


def _job(name: str, near: str, skill: str, **extra: object) -> Job:
    home = HOMES[near]
    return Job(
        id=name,
        location=Point(home.lat + 0.005, home.lon + 0.005),
        service_minutes=300,  # one visit fills most of a shift: no route can take a second
        skills=frozenset({skill}),
        **extra,  # type: ignore[arg-type]
    )


def _cycle_day() -> Problem:
    """Job a may go to A or B, b to B or C, c to C or A; each lies near its own letter's home."""
    return Problem(
        (_tech("A", {"sa", "sc"}), _tech("B", {"sa", "sb"}), _tech("C", {"sb", "sc"})),
        (_job("a", "A", "sa"), _job("b", "B", "sb"), _job("c", "C", "sc")),
    )


def _path_day() -> Problem:
    """Only A can take the emergency u; A's visit x can go to B, B's visit y to C."""
    return Problem(
        (_tech("A", {"su", "sx"}), _tech("B", {"sx", "sy"}), _tech("C", {"sy"})),
        (
            _job("x", "A", "sx"),
            _job("y", "B", "sy"),
            _job("u", "A", "su", urgency="emergency"),
        ),
    )


def _search(problem: Problem) -> tuple[ModelArrays, FieldAnnealer, ChainSearch]:
    arrays = ModelArrays.build(problem, travel_matrix(problem), SolveParams())
    annealer = FieldAnnealer(arrays)
    return arrays, annealer, ChainSearch(arrays, annealer)


def _value(annealer: FieldAnnealer, routes: list[list[int]]) -> float:
    annealer.load(routes)
    return annealer.current


def _descend(
    problem: Problem, start: list[list[int]]
) -> tuple[ModelArrays, list[list[int]], float]:
    """The chains' descent from `start`: the arrays, the day, and its predicted change, checked
    against the change the annealer costs."""
    arrays, annealer, chains = _search(problem)
    before = _value(annealer, start)
    found = chains.descend(start)
    assert found is not None
    day, change = found
    assert _value(annealer, day) == pytest.approx(before + change)
    return arrays, day, change


def test_three_stops_each_on_the_wrong_side_of_town_go_home_in_one_cycle() -> None:
    # Each job may go to its own side's technician or one other: a to A or B, b to B or C,
    # c to C or A. Each technician holds the one it may do that is far away; any swap of
    # two would give someone a job they cannot do, and nobody has room for a second visit.
    problem = _cycle_day()
    far = [[2], [0], [1]]  # A holds c, B holds a, C holds b
    arrays, day, change = _descend(problem, far)
    assert [list(a) for a in arrays.allowed] == [[0, 1], [1, 2], [0, 2]]
    assert day == [[0], [1], [2]]
    assert change < -50  # three long drives each way saved
    assert check_plan(problem, assemble(arrays, timed_outcome(arrays, day))) == []


def test_a_waiting_emergency_goes_in_and_the_stops_in_its_way_move_down_a_path() -> None:
    # Only A can take the emergency; A's visit can go to B, whose visit can go to C, idle.
    problem = _path_day()
    arrays, day, change = _descend(problem, [[0], [1], []])
    assert day == [[2], [0], [1]]
    # The emergency's penalty for being left out is gone.
    assert change < -problem.params.unassigned_penalty(problem.jobs[2]) / 2
    assert check_plan(problem, assemble(arrays, timed_outcome(arrays, day))) == []


def test_a_left_out_visit_goes_in_when_the_one_in_its_way_has_somewhere_to_go() -> None:
    # x's only free place is B's, further from x than it saves on its own: the chain pays
    # once B's visit y goes to C, who is idle. A search that stopped extending a chain at its
    # first dearer step would not find it.
    _, day, _ = _descend(_path_day(), [[2], [1], []])
    assert day == [[2], [0], [1]]


def _pairs_day(minutes: int = 180) -> Problem:
    """A and C live across town from each other; a1 and a2 are next door to each other by A's
    home, c1 and c2 by C's. At 180 minutes a job, no route has room for a third."""
    crew = tuple(_tech(name, {"s"}) for name in ("A", "C"))
    jobs = tuple(
        Job(
            id=f"{side.lower()}{k}",
            location=Point(HOMES[side].lat + 0.004, HOMES[side].lon + 0.003),
            service_minutes=minutes,
            skills=frozenset({"s"}),
        )
        for side in ("A", "C")
        for k in (1, 2)
    )
    return Problem(crew, jobs)


def test_two_stops_on_the_wrong_side_of_town_go_home_together(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each technician holds the other side's two jobs. Swapping one job each way leaves each
    # still crossing town twice (out and back), so no chain of single stops improves the day;
    # swapping the pairs ends all four crossings.
    problem = _pairs_day()
    crossed = [[2, 3], [0, 1]]
    monkeypatch.setattr(ejection_chains, "SPAN", 0)
    assert _search(problem)[2].descend(crossed) is None
    monkeypatch.undo()
    arrays, day, change = _descend(problem, crossed)
    assert sorted(day[0]) == [0, 1]
    assert sorted(day[1]) == [2, 3]
    assert change < -30
    assert check_plan(problem, assemble(arrays, timed_outcome(arrays, day))) == []


def test_two_stops_apart_leave_their_route_and_go_in_side_by_side() -> None:
    # The kernel under the chains: C's route c1, a1, c2 without its first and third stops,
    # with c1 and c2 put back together, either way round, wherever the route costs least.
    problem = _pairs_day(minutes=100)
    _, annealer, chains = _search(problem)
    route = np.array([2, 0, 3], dtype=np.int64)
    trial = np.zeros(8, dtype=np.int64)
    starts = np.zeros(9, dtype=np.int64)
    value, at, turned = best_insertion(
        1, route, 3, 0, 2, 2, 3, 0, trial, starts, chains.timing, chains.costs
    )
    string = [3, 2] if turned else [2, 3]
    placed = [0]
    placed[at:at] = string
    assert value == pytest.approx(annealer.route_value(1, placed))
    # No other place or order is cheaper.
    others = [[0, 2, 3], [0, 3, 2], [2, 3, 0], [3, 2, 0]]
    assert value <= min(annealer.route_value(1, other) or np.inf for other in others) + 1e-9
    # C's own jobs come before or after a1 as one run: never with a1 between them.
    assert placed in others


def test_a_route_that_cannot_be_timed_is_left_out_of_every_chain() -> None:
    # D's day holds two long visits that overrun the shift (as a pinned visit running long
    # can): nothing goes into it or leaves it, and the cycle among A, B and C is still found.
    problem = Problem(
        (
            _tech("A", {"sa", "sc"}),
            _tech("B", {"sa", "sb"}),
            _tech("C", {"sb", "sc"}),
            Technician(
                id="D",
                start=HOMES["B"],
                shift_start=480,
                shift_end=1020,
                skills=frozenset({"sa", "sb", "sc"}),
            ),
        ),
        (
            _job("a", "A", "sa"),
            _job("b", "B", "sb"),
            _job("c", "C", "sc"),
            _job("d1", "B", "sa"),
            _job("d2", "B", "sb"),
        ),
    )
    arrays, annealer, chains = _search(problem)
    assert annealer.route_value(3, [3, 4]) is None
    found = chains.descend([[2], [0], [1], [3, 4]])
    assert found is not None
    assert found[0] == [[0], [1], [2], [3, 4]]


def test_a_day_no_chain_improves_is_left_alone() -> None:
    problem = _cycle_day()
    _, _, chains = _search(problem)
    assert chains.descend([[0], [1], [2]]) is None


def _routes_of(problem: Problem, plan: Plan) -> list[list[int]]:
    index = {job.id: j for j, job in enumerate(problem.jobs)}
    by_tech = {r.technician_id: [index[s.job_id] for s in r.stops] for r in plan.routes}
    return [by_tech.get(t.id, []) for t in problem.technicians]


def test_chains_on_a_field_day_predict_their_value_and_break_no_rule(
    day_12x47: Problem,
) -> None:
    arrays, annealer, chains = _search(day_12x47)
    built = construct(arrays, seed=3)
    before = _value(annealer, built)
    found = chains.descend(built)
    assert found is not None  # a construction is never that good
    day, change = found
    assert _value(annealer, day) == pytest.approx(before + change)
    served = [j for route in day for j in route]
    assert len(served) == len(set(served))
    # Pinned stops stay with their technician, in their place.
    for v, route in enumerate(built):
        pinned = [j for j in route if day_12x47.jobs[j].pin is not None]
        assert [j for j in day[v] if day_12x47.jobs[j].pin is not None] == pinned
    plan = assemble(arrays, timed_outcome(arrays, day))
    assert check_plan(day_12x47, plan) == []


def test_the_search_hands_the_chained_day_to_the_walker_furthest_behind(
    day_12x47: Problem,
) -> None:
    arrays, annealer, chains = _search(day_12x47)
    built = construct(arrays, seed=3)
    scorer = PlanScorer(arrays, timed_outcome(arrays, built))
    day = _Day(arrays, built, lambda routes, timings: scorer(timings), walkers=2)
    start = day.leader.best
    assert _chained(day, chains)
    assert day.leader.best < start - 1e-6
    # Both walkers were at the construction; one now holds the chained day as its own.
    assert sorted(w.current for w in day.walkers)[0] == pytest.approx(day.leader.best)
    assert sorted(w.current for w in day.walkers)[1] == pytest.approx(start)


def test_a_walker_steps_to_its_own_day_improved_by_chains(day_12x47: Problem) -> None:
    # Between batches the search runs the chains on the day a walker is at, not only on the
    # best day: a walk that has settled in a basin is taken out of it as its next step.
    arrays, annealer, chains = _search(day_12x47)
    built = construct(arrays, seed=3)
    annealer.load(built)
    found = chains.descend(built)
    assert found is not None
    assert _walker_chained(annealer, chains)
    assert annealer.current == pytest.approx(annealer.best)
    assert annealer.current == pytest.approx(_value(FieldAnnealer(arrays), built) + found[1])
    assert annealer.current_routes() == found[0]
