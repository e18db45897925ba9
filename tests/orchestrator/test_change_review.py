"""Which moves are put to a coordinator, and what their answers keep."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from connectors.records import Appointment, Lifecycle
from orchestrator.change_review import Move, decided_pins, moves, verdict
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
