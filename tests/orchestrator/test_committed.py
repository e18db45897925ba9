"""A dispatched visit its technician can no longer fit is handed on, not dropped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import optimizer as opt
from connectors.records import Appointment, Lifecycle, TimeWindow
from orchestrator.committed import only_dispatched, solve_handing_on

HERE = opt.Point(39.74, -104.99)
NEAR = opt.Point(39.75, -104.98)
QUICK = opt.SolveParams(stall_solutions=500)


def _day(pin: opt.Pin) -> opt.Problem:
    # T0's shift ends before the visit's window opens: it cannot keep the visit.
    crew = (opt.Technician("T0", HERE, 480, 600), opt.Technician("T1", HERE, 480, 1020))
    visit = opt.Job(
        "J1", NEAR, 60, windows=(opt.Window(700, 800, hard=False),), urgency="emergency", pin=pin
    )
    return opt.Problem(crew, (visit, opt.Job("J2", NEAR, 30)))


def _tech_of(plan: opt.Plan, job_id: str) -> str | None:
    return next((r.technician_id for r in plan.routes for s in r.stops if s.job_id == job_id), None)


def test_plain_solve_drops_the_visit_its_pinned_technician_cannot_fit() -> None:
    plan = opt.solve(_day(opt.Pin("T0")), time_limit=5, params=QUICK)
    assert [(u.job_id, u.reason) for u in plan.unassigned] == [("J1", "pinned_infeasible")]


def test_a_dispatched_visit_goes_to_a_technician_who_can_fit_it() -> None:
    problem = _day(opt.Pin("T0"))
    plan = solve_handing_on(problem, {"J1"}, time_limit=5, params=QUICK)
    assert _tech_of(plan, "J1") == "T1"
    assert plan.unassigned == ()
    released = opt.Problem(problem.technicians, (opt.Job("J1", NEAR, 60), problem.jobs[1]))
    assert opt.check_plan(released, plan) == []


def test_visits_under_way_or_driven_to_stay_pinned() -> None:
    # Not dispatched-only (on site, say): never handed on.
    plan = solve_handing_on(_day(opt.Pin("T0")), set(), time_limit=5, params=QUICK)
    assert _tech_of(plan, "J1") is None
    # The stop being driven to (a fixed position) is not released either.
    plan = solve_handing_on(_day(opt.Pin("T0", sequence=0)), {"J1"}, time_limit=5, params=QUICK)
    assert _tech_of(plan, "J1") is None


def test_only_visits_loaded_but_not_driven_to_are_movable() -> None:
    at = datetime(2026, 11, 30, 9, tzinfo=UTC)
    window = TimeWindow(start=at, end=at + timedelta(hours=2))

    def appointment(n: int, status: Lifecycle, techs: tuple[str, ...]) -> Appointment:
        return Appointment(
            external_id=f"A{n}",
            account="acme",
            platform="sandbox",
            modified_at=at,
            job_id=f"J{n}",
            window=window,
            technician_ids=techs,
            status=status,
        )

    appointments = [
        appointment(1, Lifecycle.DISPATCHED, ("T0",)),
        appointment(2, Lifecycle.EN_ROUTE, ("T0",)),
        appointment(3, Lifecycle.ON_SITE, ("T1",)),
        appointment(4, Lifecycle.DISPATCHED, ()),
        appointment(5, Lifecycle.SCHEDULED, ("T1",)),
    ]
    assert only_dispatched(appointments) == {"J1"}


def _leak_day(leak_skills: frozenset[str]) -> opt.Problem:
    """T0, the only gas fitter, has a four-hour install loaded; a gas leak comes in."""
    fitter = opt.Technician("T0", HERE, 480, 780, skills=frozenset({"gas_fitter"}))
    other = opt.Technician("T1", HERE, 480, 1020)
    install = opt.Job(
        "INSTALL", NEAR, 240, windows=(opt.Window(500, 620, hard=False),), pin=opt.Pin("T0")
    )
    leak = opt.Job("LEAK", NEAR, 90, skills=leak_skills, urgency="emergency")
    return opt.Problem((fitter, other), (install, leak))


def test_a_dispatched_visit_in_an_emergencys_way_is_handed_on() -> None:
    problem = _leak_day(frozenset({"gas_fitter"}))
    # Pinned, the install fills the fitter's day and the leak waits.
    held = opt.solve(problem, time_limit=5, params=QUICK)
    assert [u.job_id for u in held.unassigned] == ["LEAK"]
    plan = solve_handing_on(problem, {"INSTALL"}, time_limit=5, params=QUICK)
    assert (_tech_of(plan, "LEAK"), _tech_of(plan, "INSTALL")) == ("T0", "T1")
    assert plan.unassigned == ()
    released = opt.Problem(
        problem.technicians, (opt.Job("INSTALL", NEAR, 240), problem.jobs[1]), problem.params
    )
    assert opt.check_plan(released, plan) == []


def test_visits_stay_put_when_releasing_them_reaches_no_more_emergencies() -> None:
    # Nobody holds the skill the leak needs: moving the install would not help it.
    problem = _leak_day(frozenset({"boiler"}))
    plan = solve_handing_on(problem, {"INSTALL"}, time_limit=5, params=QUICK)
    assert _tech_of(plan, "INSTALL") == "T0"
    assert [(u.job_id, u.reason) for u in plan.unassigned] == [("LEAK", "no_qualified_technician")]
    # Not a movable visit (under way): it stays, and so does the leak's wait.
    plan = solve_handing_on(_leak_day(frozenset({"gas_fitter"})), set(), time_limit=5, params=QUICK)
    assert _tech_of(plan, "INSTALL") == "T0" and _tech_of(plan, "LEAK") is None
