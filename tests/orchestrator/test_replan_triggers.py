"""Which re-read records call for a re-plan now: the field's news does, a plan's own echo not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from connectors.records import Appointment, Job, Lifecycle, Technician, TimeWindow
from orchestrator.replan_triggers import replan_reason

T = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
KEY = {"platform": "memory", "account": "acme"}


def _job(**update: object) -> Job:
    return Job(**KEY, external_id="J1", summary="No heat", modified_at=T).model_copy(update=update)


def _visit(**update: object) -> Appointment:
    base = Appointment(**KEY, external_id="A1", job_id="J1", modified_at=T)
    return base.model_copy(update=update)


def test_a_new_ticket_calls_for_a_plan_unless_it_is_already_over() -> None:
    assert replan_reason(None, _job()) == "new ticket J1"
    assert replan_reason(None, _job(status=Lifecycle.CANCELED)) is None
    assert replan_reason(None, _job(deleted=True)) is None


def test_a_job_canceled_deleted_or_reworded_calls_for_a_plan() -> None:
    later = T + timedelta(minutes=1)
    assert replan_reason(_job(), _job()) is None
    assert replan_reason(_job(), _job(status=Lifecycle.CANCELED, modified_at=later)) == (
        "job J1 canceled"
    )
    assert replan_reason(_job(), _job(deleted=True, modified_at=later)) == "job J1 deleted"
    assert replan_reason(_job(), _job(description="gas smell now", modified_at=later)) == (
        "job J1 reworded"
    )
    # Scheduling it is what a plan does.
    assert replan_reason(_job(), _job(status=Lifecycle.SCHEDULED, modified_at=later)) is None


def test_an_older_version_changes_nothing() -> None:
    newer = _job(status=Lifecycle.CANCELED, modified_at=T + timedelta(minutes=5))
    assert replan_reason(newer, _job()) is None


def test_the_field_moves_a_visit_and_a_plan_writing_its_own_visit_does_not() -> None:
    later = T + timedelta(minutes=1)
    window = TimeWindow(start=T, end=T + timedelta(hours=2))
    # What a plan writes: a technician, a scheduled time, a promise, a dispatch.
    echo = _visit(
        technician_ids=("T1",), window=window, arrival_window=window,
        status=Lifecycle.DISPATCHED, modified_at=later,
    )  # fmt: skip
    assert replan_reason(_visit(), echo) is None
    for status in (Lifecycle.EN_ROUTE, Lifecycle.ON_SITE, Lifecycle.ON_HOLD, Lifecycle.COMPLETED):
        assert replan_reason(echo, _visit(status=status, modified_at=later)) == (
            f"visit A1 {status.value}"
        )
    assert replan_reason(_visit(), _visit(deleted=True, modified_at=later)) == "visit A1 deleted"
    assert replan_reason(None, _visit()) == "new visit A1"


def test_a_roster_change_calls_for_a_plan() -> None:
    tech = Technician(**KEY, external_id="T1", name="Mike")
    assert replan_reason(None, tech) == "technician T1 added"
    assert replan_reason(tech, tech) is None
    assert replan_reason(tech, tech.model_copy(update={"active": False})) == (
        "technician T1 changed"
    )
