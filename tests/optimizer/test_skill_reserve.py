"""Scarce skills are kept for the work that needs them, at a cost the whole objective shares."""

from __future__ import annotations

from dataclasses import replace

import pytest

from optimizer import Break, Job, ObjectiveParams, Pin, Point, Problem, Technician, Window
from optimizer.insertion import rank_insertions
from optimizer.matrices import SCALE, ModelArrays
from optimizer.params import SolveParams
from optimizer.plan import Plan
from optimizer.skill_reserve import (
    FREE_LOAD,
    FULL_LOAD,
    booked,
    reserve_cost,
    reserve_costs,
    skill_loads,
)
from optimizer.solve import travel_matrix
from tests.optimizer.conftest import DENVER, solve_checked

ELECTRIC = frozenset({"journeyman_electrician"})
EAST = Point(DENVER.lat, DENVER.lon + 0.02)
"""About 1.7 km east of the depot: a few minutes' drive."""


def _day(weight: float, electrical_minutes: int = 300) -> Problem:
    """An electrician at the estimate's door and a generalist a few minutes away; the
    electrician's own work, from late morning, takes `electrical_minutes`."""
    electrician = Technician("E", EAST, 480, 1020, skills=ELECTRIC)
    generalist = Technician("G", DENVER, 480, 1020)
    estimate = Job("EST", EAST, 60, windows=(Window(480, 600),))
    wiring = Job("WIRE", DENVER, electrical_minutes, windows=(Window(600, 660),), skills=ELECTRIC)
    # No balance term: only driving and the reserve decide who takes the estimate.
    params = ObjectiveParams(skill_reserve_minute=weight, balance=0)
    return Problem((electrician, generalist), (estimate, wiring), params)


def test_a_skills_load_is_its_jobs_minutes_over_its_holders_shift_less_lunch() -> None:
    day = _day(1.0, electrical_minutes=255)
    # E works 480-1020: 540 minutes; less a 30-minute lunch, 510; the wiring needs 255.
    assert skill_loads(day) == {"journeyman_electrician": pytest.approx(255 / 540)}
    electrician = replace(day.technicians[0], lunch=Break(690, 810, 30))
    lunching = day.replace(technicians=(electrician, day.technicians[1]))
    assert skill_loads(lunching) == {"journeyman_electrician": pytest.approx(0.5)}
    nobody = _day(1.0).replace(technicians=(_day(1.0).technicians[1],))
    assert skill_loads(nobody) == {}


def test_a_skill_is_booked_from_a_third_of_its_holders_shifts_and_full_at_three_quarters() -> None:
    assert [booked(load) for load in (0.0, FREE_LOAD, 0.55, FULL_LOAD, 1.7)] == [
        0,
        0,
        pytest.approx(0.5),
        1,
        1,
    ]


def test_the_cost_is_weight_times_minutes_times_how_booked_the_fullest_spare_skill_is() -> None:
    day = _day(0.5, electrical_minutes=270)
    electrician, generalist = day.technicians
    estimate, wiring = day.jobs
    loads = skill_loads(day)
    # Load 0.5: booked (0.5 - 0.35) / 0.4 = 0.375.
    assert reserve_cost(day, loads, estimate, electrician) == pytest.approx(0.5 * 60 * 0.375)
    assert reserve_cost(day, loads, estimate, generalist) == 0
    assert reserve_cost(day, loads, wiring, electrician) == 0  # the work the skill is for
    pinned = replace(estimate, pin=Pin("E"))
    assert reserve_cost(day, loads, pinned, electrician) == 0  # under way: nothing to choose
    # A skill booked past its holders' day costs at the full rate, no more.
    busy = _day(0.5, electrical_minutes=900)
    assert reserve_cost(busy, skill_loads(busy), estimate, electrician) == pytest.approx(30)
    assert reserve_costs(day)[0].tolist() == [pytest.approx(11.25), 0]
    # Electrical work filling a quarter of the electrician's day leaves them free for more.
    light = _day(0.5, electrical_minutes=135)
    assert reserve_cost(light, skill_loads(light), estimate, electrician) == 0
    assert not reserve_costs(_with_weight(day, 0)).any()


def _with_weight(day: Problem, weight: float) -> Problem:
    return day.replace(params=replace(day.params, skill_reserve_minute=weight))


def test_an_estimate_goes_to_the_generalist_when_the_electricians_work_is_waiting() -> None:
    kept = solve_checked(_day(0.5))
    assert kept.assignment() == {"EST": "G", "WIRE": "E"}
    assert kept.cost["skill_reserve"] == 0
    # Without the reserve the electrician, already at the door, takes the estimate.
    nearest = solve_checked(_day(0.0))
    assert nearest.assignment()["EST"] == "E"
    assert nearest.cost["drive"] < kept.cost["drive"]


def test_the_plans_term_is_the_sum_over_its_visits() -> None:
    day = _day(0.5, electrical_minutes=270)
    only_electrician = day.replace(jobs=tuple(replace(j, designated="E") for j in day.jobs))
    plan = solve_checked(only_electrician)
    assert plan.assignment() == {"EST": "E", "WIRE": "E"}
    assert plan.cost["skill_reserve"] == pytest.approx(0.5 * 60 * 0.375)
    assert plan.objective == pytest.approx(sum(plan.cost.values()))


def test_an_inserted_estimate_ranks_the_generalist_first() -> None:
    day = _day(0.5)
    estimate = day.jobs[0]
    without = day.replace(jobs=day.jobs[1:])
    plan: Plan = solve_checked(without)
    options = rank_insertions(without, plan, estimate)
    assert options[0].technician_id == "G"
    by_tech = {o.technician_id: o for o in reversed(options)}
    loads = skill_loads(day)
    assert by_tech["E"].extra_drive_minutes < by_tech["G"].extra_drive_minutes
    assert by_tech["E"].cost_delta > by_tech["G"].cost_delta
    assert reserve_cost(day, loads, estimate, day.technicians[0]) > 0
    plain = rank_insertions(_with_weight(without, 0), plan, estimate)
    assert plain[0].technician_id == "E"


def test_a_part_of_the_day_is_costed_with_the_whole_days_loads() -> None:
    day = _day(0.5)
    arrays = ModelArrays.build(day, travel_matrix(day), SolveParams())
    # The electrician and the estimate alone: the part holds no electrical work of its own.
    part = arrays.subset([0], [0])
    assert skill_loads(part.problem) == {"journeyman_electrician": 0.0}
    assert part.skill_loads == arrays.skill_loads == skill_loads(day)
    expected = reserve_cost(day, skill_loads(day), day.jobs[0], day.technicians[0])
    assert expected > 0 and part.affinity[0, 0] == round(SCALE * expected)
