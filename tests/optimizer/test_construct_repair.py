"""The construction moves a stop out of the way of a job that insertion alone left out."""

from __future__ import annotations

from dataclasses import replace
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


def test_a_designated_job_that_needs_the_whole_day_clears_its_technician_s_route() -> None:
    crew = (
        Technician("A", HOME_A, 480, 1020, skills=frozenset({"boiler"})),
        Technician("B", HOME_B, 480, 1020),
    )
    # Three same-day calls next door to A go in first and fill A's day; the boiler
    # replacement designated to A then needs all of it, so all three must move over to B.
    calls = tuple(
        Job(f"CALL-{k}", NEAR_A, 110, windows=(Window(480, 900),), urgency="same_day")
        for k in range(3)
    )
    boiler = Job(
        "BOILER",
        NEAR_A,
        440,
        windows=(Window(480, 560),),
        skills=frozenset({"boiler"}),
        designated="A",
    )
    routes = _routes(Problem(crew, (*calls, boiler)))
    assert routes["A"] == ["BOILER"]
    assert sorted(routes["B"]) == ["CALL-0", "CALL-1", "CALL-2"]


def _late_day(lateness_minute: float) -> Problem:
    crew = (Technician("A", HOME_A, 480, 1020, skills=frozenset({"boiler"})),)
    # The install holds A from 08:10 to 11:30; the repair, promised by 10:00, can then only
    # start around 11:30: about 90 minutes late on its soft window.
    install = Job("INSTALL", NEAR_A, 200, windows=(Window(490, 500),), skills=frozenset({"boiler"}))
    repair = Job(
        "REPAIR", NEAR_A, 60, windows=(Window(480, 600, hard=False),), skills=frozenset({"boiler"})
    )
    problem = Problem(crew, (install, repair))
    return problem.replace(params=replace(problem.params, lateness_minute=lateness_minute))


def test_a_soft_window_job_that_only_fits_late_is_placed_late_rather_than_left_out() -> None:
    # 90 minutes at 50 a minute cost less than leaving the job out (5,000).
    assert _routes(_late_day(50)) == {"A": ["INSTALL", "REPAIR"]}


def test_a_job_so_late_that_leaving_it_out_costs_less_stays_out() -> None:
    # At 200 a minute, 90 minutes late cost 18,000: more than leaving the job out.
    assert _routes(_late_day(200)) == {"A": ["INSTALL"]}
