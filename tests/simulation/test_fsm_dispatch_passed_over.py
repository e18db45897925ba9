"""fsm-dispatch keeps, per job, why its customer's preferred technician does not do it."""

from __future__ import annotations

from dataclasses import replace

import optimizer as opt
from orchestrator.simulation.fsm_dispatch import FsmDispatchDispatcher

HERE = opt.Point(39.74, -104.99)


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
    dispatcher._note_passed_over(morning, _solve(morning))
    assert dispatcher.passed_over == {"J1": "preferred technician B lacks backflow"}

    # Started with P: the plan now says the preferred technician may not take it (pinned);
    # the reason it was dispatched with stands.
    started = opt.Problem(fleet, (replace(job, pin=opt.Pin("P")),))
    plan = _solve(started)
    assert "pinned" in plan.routes[1].stops[0].explanation
    dispatcher._note_passed_over(started, plan)
    assert dispatcher.passed_over == {"J1": "preferred technician B lacks backflow"}

    # Re-classified as needing no licence, it goes to B, and the entry goes.
    anyone = opt.Problem(fleet, (replace(job, skills=frozenset()),))
    plan = _solve(anyone)
    assert plan.assignment() == {"J1": "B"}
    dispatcher._note_passed_over(anyone, plan)
    assert dispatcher.passed_over == {}
