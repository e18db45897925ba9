"""Which moves are put to a coordinator, and what their answers keep."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from connectors.records import Appointment, Customer, Job, Lifecycle
from orchestrator.approvals import approval_reasons
from orchestrator.change_review import Move, decided_pins, moves, proposed_change, verdict
from orchestrator.settings import ApprovalSettings
from orchestrator.store import ApprovalRow, PlannedAssignment

T = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
KEY = {"platform": "memory", "account": "acme"}


def _visit(job: str, tech: str | None, status: Lifecycle = Lifecycle.SCHEDULED) -> Appointment:
    return Appointment(
        **KEY, external_id=f"A-{job}", job_id=job, status=status,
        technician_ids=(tech,) if tech else (),
    )  # fmt: skip


def _planned(job: str, tech: str) -> PlannedAssignment:
    return PlannedAssignment(job, tech, 0, T, T + timedelta(hours=1))


def _asked(job: str, origin: str, target: str, status: str) -> ApprovalRow:
    change = {"job_ids": [job], "from_technician": origin, "to_technician": target}
    return ApprovalRow(account="acme", kind="reassign", status=status, change=change,
                       reasons=["x"], expires_at=T)  # fmt: skip


def test_only_assigned_visits_not_under_way_whose_technician_could_still_go_are_moves() -> None:
    board = [
        _visit("J1", "A"),  # moved: a move
        _visit("J2", None),  # never assigned: planning it is no move
        _visit("J3", "A", Lifecycle.ON_SITE),  # under way
        _visit("J4", "GONE"),  # its technician is off today's roster
        _visit("J5", "B"),  # stays
        _visit("J6", "A", Lifecycle.DISPATCHED),  # loaded on A's app: a move
    ]
    plan = [_planned(j, "B") for j in ("J1", "J2", "J3", "J4", "J5", "J6")]
    assert moves(plan, board, roster=["A", "B"]) == [
        Move("J1", "A-J1", "A", "B"),
        Move("J6", "A-J6", "A", "B"),
    ]


def test_an_answer_keeps_the_visit_or_lets_it_go() -> None:
    board = [_visit("J1", "A"), _visit("J2", "A"), _visit("J3", "A"), _visit("J4", "C")]
    asked = [
        _asked("J1", "A", "B", "pending"),
        _asked("J2", "A", "B", "approved"),
        _asked("J3", "A", "B", "expired"),
        _asked("J4", "A", "B", "rejected"),  # the board has since moved it elsewhere
    ]
    assert decided_pins(asked, board) == {"J1": "A", "J2": "B", "J3": "A"}
    assert verdict(Move("J2", "A-J2", "A", "B"), asked) == "go"
    assert verdict(Move("J1", "A-J1", "A", "B"), asked) == "keep"
    assert verdict(Move("J1", "A-J1", "A", "C"), asked) is None  # another move: asked anew


def test_the_question_lays_at_the_moves_door_only_the_delays_it_causes() -> None:
    """The receiving technician's stops the move itself makes later by more than 15 minutes
    are the customers it bumps; the policy counts those and nothing else of the day."""
    move = Move("J1", "A-J1", "A", "B")
    job = Job(**KEY, external_id="J1", summary="No heat", customer_id="C1")
    fond = Customer(**KEY, external_id="C1", preferred_technicians=("A",))
    planned = {"J1": _planned("J1", "B"), "J2": _planned("J2", "B"), "J3": _planned("J3", "B")}
    knock_on = [("J2", 40), ("J3", 15), ("J4", 16)]
    change = proposed_change(
        move, job=job, customer=fond, planned=planned, knock_on=knock_on,
        names={"A": "Mike", "B": "Ana"}, zone=UTC,
    )  # fmt: skip
    assert change.bumped == (("J2", 40), ("J4", 16))
    assert change.title == "Move No heat from Mike to Ana" and change.eta == "15:00"
    assert change.breaks_preferred_tech and change.job_ids == ("J1",)
    assert approval_reasons(change, ApprovalSettings(cascade_customers_over=2)) == [
        "breaks a preferred technician pairing"
    ]
    lenient = ApprovalSettings(cascade_customers_over=1, preferred_tech_break=False)
    assert approval_reasons(change, lenient) == ["delays 2 customers (policy allows 1)"]
