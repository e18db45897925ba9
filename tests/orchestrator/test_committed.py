"""A dispatched visit its technician can no longer fit is handed on, not dropped."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import optimizer as opt
from connectors.records import Appointment, Lifecycle, TimeWindow
from orchestrator.committed import only_dispatched, solve_handing_on

HERE = opt.Point(39.74, -104.99)
NEAR = opt.Point(39.75, -104.98)
QUICK = opt.SolveParams(stall_solutions=500)


def _day(pin: opt.Pin) -> opt.Problem:
    # T0's shift ends before the visit's window opens: it cannot keep the visit. (The drive
    # home is a commute: the shift bounds the end of the last visit.)
    crew = (
        opt.Technician("T0", HERE, 480, 600, commute_home=True),
        opt.Technician("T1", HERE, 480, 1020, commute_home=True),
    )
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


def _stop(plan: opt.Plan, job_id: str) -> opt.Stop:
    return next(s for r in plan.routes for s in r.stops if s.job_id == job_id)


def _with_overtime(problem: opt.Problem, tech_id: str, minutes: int) -> opt.Problem:
    techs = tuple(
        replace(t, overtime_minutes=minutes) if t.id == tech_id else t for t in problem.technicians
    )
    return replace(problem, technicians=techs)


def test_visits_under_way_or_driven_to_stay_with_their_technician_in_overtime() -> None:
    # Not dispatched-only (driven to, say): never handed on. T0 goes anyway, so the plan
    # keeps the visit on T0's day, in overtime, rather than in no route at all.
    for pin in (opt.Pin("T0"), opt.Pin("T0", sequence=0)):
        problem = _day(pin)
        movable = {"J1"} if pin.sequence == 0 else set()
        plan = solve_handing_on(problem, movable, time_limit=5, params=QUICK)
        assert _tech_of(plan, "J1") == "T0"
        assert plan.unassigned == ()
        # Its window opens at 700, past T0's shift (480-600): the hour of work ends at 760.
        assert (_stop(plan, "J1").start, _stop(plan, "J1").end) == (700, 760)
        # The other job goes to T1: T0's stretched overtime holds the visit and nothing else.
        assert _tech_of(plan, "J2") == "T1"
        assert opt.check_plan(_with_overtime(problem, "T0", 160), plan) == []
        assert opt.check_plan(_with_overtime(problem, "T0", 159), plan) != []


def _install_day(install_minutes: int) -> opt.Problem:
    """T0, the only gas fitter, has an install loaded that runs past their overtime; T1 is
    free all day but cannot do it; a short job could go to either."""
    fitter = opt.Technician(
        "T0", HERE, 480, 720, skills=frozenset({"gas_fitter"}), overtime_minutes=30,
        commute_home=True,
    )  # fmt: skip
    other = opt.Technician("T1", HERE, 480, 1020, commute_home=True)
    install = opt.Job(
        "INSTALL",
        NEAR,
        install_minutes,
        skills=frozenset({"gas_fitter"}),
        windows=(opt.Window(540, 600, hard=False),),
        pin=opt.Pin("T0"),
    )
    return opt.Problem((fitter, other), (install, opt.Job("SHORT", NEAR, 20)))


def test_a_loaded_visit_nobody_else_can_take_stays_with_its_technician() -> None:
    problem = _install_day(240)
    # Pinned, it cannot end by 12:30 (720 + 30): the plain solve leaves it in no route.
    assert [u.job_id for u in opt.solve(problem, time_limit=5, params=QUICK).unassigned] == [
        "INSTALL"
    ]
    plan = solve_handing_on(problem, {"INSTALL"}, time_limit=5, params=QUICK)
    # Handed on, nobody else may do it: it stays with the fitter, 09:00-13:00.
    assert _tech_of(plan, "INSTALL") == "T0"
    assert (_stop(plan, "INSTALL").start, _stop(plan, "INSTALL").end) == (540, 780)
    assert plan.unassigned == ()
    assert opt.check_plan(_with_overtime(problem, "T0", 60), plan) == []
    # Before 09:00 the fitter has time on their hands for the short job; after, none.
    short = _stop(plan, "SHORT")
    assert _tech_of(plan, "SHORT") == "T1" or short.end <= 540


def test_overtime_is_only_stretched_for_visits_that_need_it() -> None:
    # A two-hour install fits T0's day as it is: nothing changes.
    problem = _install_day(120)
    plan = solve_handing_on(problem, {"INSTALL"}, time_limit=5, params=QUICK)
    assert _tech_of(plan, "INSTALL") == "T0" and plan.unassigned == ()
    assert opt.check_plan(problem, plan) == []


def _late_day(other_start: int) -> opt.Problem:
    """T0 is on a visit until 10:00 (pinned first); the install loaded next on T0's app was
    promised 09:00-09:30. T1 starts at `other_start`, a few minutes' drive away."""
    crew = (
        opt.Technician("T0", HERE, 480, 1020, commute_home=True),
        opt.Technician("T1", HERE, other_start, 1020, commute_home=True),
    )
    under_way = opt.Job("ON_SITE", HERE, 120, pin=opt.Pin("T0", start=480, sequence=0))
    promise = opt.Window(540, 570, hard=False)
    install = opt.Job(
        "INSTALL", NEAR, 90, windows=(promise,), told_window=promise, pin=opt.Pin("T0"),
        preferred=frozenset({"T0"}),
    )  # fmt: skip
    return opt.Problem(crew, (under_way, install))


def test_a_loaded_visit_that_would_break_its_promise_goes_to_someone_who_can_keep_it() -> None:
    problem = _late_day(480)
    # Pinned to T0, it starts after the visit under way: half an hour past its window.
    pinned = opt.solve(problem, time_limit=5, params=QUICK)
    assert _tech_of(pinned, "INSTALL") == "T0" and _stop(pinned, "INSTALL").start > 570 + 10
    plan = solve_handing_on(problem, {"INSTALL"}, time_limit=5, params=QUICK)
    assert _tech_of(plan, "INSTALL") == "T1"
    assert 540 <= _stop(plan, "INSTALL").start <= 570
    assert sum(plan.cost.values()) < sum(pinned.cost.values())


def test_a_late_loaded_visit_stays_when_nobody_else_would_be_sooner() -> None:
    # T1 starts at 11:00, later than T0 is free: moving it would only add the cost of a move.
    problem = _late_day(660)
    plan = solve_handing_on(problem, {"INSTALL"}, time_limit=5, params=QUICK)
    assert _tech_of(plan, "INSTALL") == "T0"
    assert opt.check_plan(problem, plan) == []


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
    # Not a movable visit: it stays with the fitter, who stays late for the leak instead
    # (`staying_late.py`), by no more than the leak's 90 minutes.
    plan = solve_handing_on(_leak_day(frozenset({"gas_fitter"})), set(), time_limit=5, params=QUICK)
    assert _tech_of(plan, "INSTALL") == "T0" and _tech_of(plan, "LEAK") == "T0"
    (route,) = [r for r in plan.routes if r.technician_id == "T0"]
    assert 780 < route.end <= 780 + 90
