"""The construction moves a stop out of the way of a job that insertion alone left out."""

from __future__ import annotations

from typing import Literal

from optimizer import Job, Point, Problem, SolveParams, Technician, Window
from optimizer.construct import construct
from optimizer.matrices import ModelArrays
from optimizer.solve import travel_matrix

HOME_A = Point(39.74, -104.99)
HOME_B = Point(39.80, -104.90)
NEAR_A = Point(39.742, -104.988)


def _routes(problem: Problem, initial: dict[int, list[int]] | None = None) -> dict[str, list[str]]:
    arrays = ModelArrays.build(problem, travel_matrix(problem), SolveParams())
    routes = construct(arrays, seed=0, initial=initial)
    return {
        tech.id: [problem.jobs[j].id for j in routes[v]]
        for v, tech in enumerate(problem.technicians)
    }


def _morning(
    job_id: str, *, skills: frozenset[str], urgency: Literal["same_day", "scheduled"]
) -> Job:
    # Arrival between 8 and 10, then over two hours of work: one such job fills a morning.
    return Job(job_id, NEAR_A, 130, windows=(Window(480, 600),), skills=skills, urgency=urgency)


def test_a_stop_that_can_go_elsewhere_makes_room_for_a_job_only_one_technician_can_do() -> None:
    crew = (
        Technician("A", HOME_A, 480, 1020, skills=frozenset({"boiler"})),
        Technician("B", HOME_B, 480, 1020),
    )
    # The same-day job is placed first, next door to A; then the boiler job fits nowhere
    # unless the same-day job moves over to B.
    problem = Problem(
        crew,
        (
            _morning("SAME-DAY", skills=frozenset(), urgency="same_day"),
            _morning("BOILER", skills=frozenset({"boiler"}), urgency="scheduled"),
        ),
    )
    assert _routes(problem) == {"A": ["BOILER"], "B": ["SAME-DAY"]}


def test_a_job_that_costs_more_to_leave_out_takes_the_place_of_one_that_costs_less() -> None:
    crew = (Technician("A", HOME_A, 480, 1020, skills=frozenset({"boiler"})),)
    routine = _morning("ROUTINE", skills=frozenset({"boiler"}), urgency="scheduled")
    urgent = _morning("URGENT", skills=frozenset({"boiler"}), urgency="same_day")
    # The previous plan gave A's morning to the routine job; the same-day job arrives since.
    assert _routes(Problem(crew, (routine, urgent)), initial={0: [0]}) == {"A": ["URGENT"]}
    assert _routes(Problem(crew, (routine, urgent))) == {"A": ["URGENT"]}
