"""fsm-dispatch keeps, per job, why its customer's preferred technician does not do it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from zoneinfo import ZoneInfo

import optimizer as opt
from orchestrator.planning import DayFrame
from orchestrator.simulation.fsm_dispatch import FsmDispatchDispatcher

HERE = opt.Point(39.74, -104.99)
FRAME = DayFrame(date(2026, 12, 1), ZoneInfo("America/Denver"))


def _solve(problem: opt.Problem) -> opt.Plan:
    plan = opt.solve(problem, time_limit=0.5, params=opt.SolveParams(stall_solutions=50))
    assert opt.check_plan(problem, plan) == []
    return plan


def test_the_reason_follows_the_latest_plan_and_survives_the_visit_starting() -> None:
    fleet = (
        opt.Technician("B", HERE, 480, 1020),
        opt.Technician("P", HERE, 480, 1020, skills=frozenset({"backflow"})),
    )
    job = opt.Job("J1", HERE, 30, skills=frozenset({"backflow"}), preferred=frozenset({"B"}))
    dispatcher = FsmDispatchDispatcher()

    morning = opt.Problem(fleet, (job,))
    dispatcher._note_reasons(morning, _solve(morning), FRAME)
    assert dispatcher.passed_over == {"J1": "preferred technician B lacks backflow"}

    # Started with P: the plan now says the preferred technician may not take it (pinned);
    # the reason it was dispatched with stands.
    started = opt.Problem(fleet, (replace(job, pin=opt.Pin("P")),))
    plan = _solve(started)
    assert "pinned" in plan.routes[1].stops[0].explanation
    dispatcher._note_reasons(started, plan, FRAME)
    assert dispatcher.passed_over == {"J1": "preferred technician B lacks backflow"}

    # Re-classified as needing no licence, it goes to B, and the entry goes.
    anyone = opt.Problem(fleet, (replace(job, skills=frozenset()),))
    plan = _solve(anyone)
    assert plan.assignment() == {"J1": "B"}
    dispatcher._note_reasons(anyone, plan, FRAME)
    assert dispatcher.passed_over == {}


def test_a_job_left_out_keeps_the_plans_reason_until_a_plan_places_it() -> None:
    # Two hours of shift: one of the 90-minute visits fits, the emergency goes first.
    fleet = (opt.Technician("A", HERE, 480, 600, overtime_minutes=0),)
    scheduled = opt.Job("J1", HERE, 90)
    emergency = opt.Job("J3", HERE, 90, urgency="emergency")
    licensed = opt.Job("J2", HERE, 30, skills=frozenset({"backflow"}))
    dispatcher = FsmDispatchDispatcher()

    morning = opt.Problem(fleet, (scheduled, emergency, licensed))
    dispatcher._note_reasons(morning, _solve(morning), FRAME)
    assert dispatcher.left_out == {
        "J1": "no room in shift: 1 qualified (1 nearest considered), no room in their shifts",
        "J2": "no qualified technician: needs backflow",
    }

    # The emergency was canceled: the next plan places J1, and its entry goes.
    later = opt.Problem(fleet, (scheduled, licensed))
    dispatcher._note_reasons(later, _solve(later), FRAME)
    assert dispatcher.left_out == {"J2": "no qualified technician: needs backflow"}

    # At the end of the day the plan has no technician left for J1: why it was left out while
    # A worked stands, rather than "no qualified technician".
    dispatcher._note_reasons(morning, _solve(morning), FRAME)
    evening = opt.Problem((), (scheduled, licensed))
    dispatcher._note_reasons(evening, _solve(evening), FRAME)
    assert dispatcher.left_out["J1"].startswith("no room in shift")


def test_a_job_planned_until_the_day_ran_out_says_where_it_was_last_planned() -> None:
    """Placed all day, then the last technician able to do it went off shift: the report says
    where it was planned, not only that nobody qualified is left."""
    fleet = (opt.Technician("A", HERE, 480, 1020),)
    job = opt.Job("J1", HERE, 60, windows=(opt.Window(840, 900),))
    dispatcher = FsmDispatchDispatcher()
    afternoon = opt.Problem(fleet, (job,))
    plan = _solve(afternoon)
    start = plan.routes[0].stops[0].start  # local minutes of the day
    dispatcher._note_reasons(afternoon, plan, FRAME)
    assert dispatcher.left_out == {}
    evening = opt.Problem((), (job,))
    dispatcher._note_reasons(evening, _solve(evening), FRAME)
    planned = f"last planned for A at {start // 60:02d}:{start % 60:02d}; then no qualified"
    assert dispatcher.left_out["J1"].startswith(planned)
