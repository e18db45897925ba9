"""What the coordinator's answers about an emergency ask of the next plans."""

from __future__ import annotations

from datetime import UTC, datetime

from orchestrator.emergency_review import DECLINE, emergency_answers
from orchestrator.store import ApprovalRow

NOON = datetime(2026, 12, 1, 12, tzinfo=UTC)


def _asked(status: str, decision: str | None = None, job: str = "J-GAS") -> ApprovalRow:
    change = {"job_ids": [job], "to_technician": "T06"}
    return ApprovalRow(
        account="demo", kind="emergency_insert", status=status, change=change,
        expires_at=NOON, decision=decision,
    )  # fmt: skip


def test_whoever_was_sent_goes_once_approved_or_left_to_stand() -> None:
    for status in ("approved", "expired"):
        answers = emergency_answers([_asked(status)])
        assert answers.pins == {"J-GAS": "T06"} and answers.declined == frozenset()
    # Still open: the plans may move it like any visit.
    assert emergency_answers([_asked("pending")]).pins == {}


def test_a_later_answer_about_the_same_visit_wins() -> None:
    chosen = _asked("chosen", "tech:T02")
    assert emergency_answers([_asked("expired"), chosen]).pins == {"J-GAS": "T02"}
    declined = emergency_answers([_asked("approved"), _asked("chosen", DECLINE)])
    assert declined.pins == {} and declined.declined == frozenset({"J-GAS"})
