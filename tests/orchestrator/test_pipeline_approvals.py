"""A re-plan that would take a visit off the technician the board shows asks a coordinator first
when the approvals policy says so: the visit stays put while they decide, the question is asked
once, an approval lets the next plan make the move, a rejection keeps the visit where it is."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from connectors.records import Appointment, Customer, Job, Lifecycle, StatusEvent, Technician
from connectors.sandbox import load_scenario
from connectors.sandbox.platform import SandboxFSM
from optimizer import check_plan
from orchestrator.bundled import BUNDLED_SCENARIO as BUNDLED
from orchestrator.pipeline import DispatchPipeline
from orchestrator.settings import Settings, load_settings
from orchestrator.store import ApprovalRow, Store
from orchestrator.sync import sync_account
from tests.orchestrator.test_pipeline import CountingClassifier

ZONE = ZoneInfo("America/Denver")
ACCOUNT, PLATFORM = "demo", "sandbox"
DAY = date(2026, 12, 1)
CONFIG = """\
accounts:
  - id: demo
    platform: sandbox
notifications:
  slack:
    enabled: true
    channel: "#dispatch"
approvals:
  # Other moves of the re-plan push back a few customers each: only the pairing is asked here.
  cascade_customers_over: 50
"""


def _at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, 1, hour, minute, tzinfo=ZONE)


@dataclass
class Day:
    pipeline: DispatchPipeline
    job: str
    """The visit the plan wants to move."""
    appointment: str
    held_by: str
    """The technician the board (and the customer's preference) has it with."""


def _settings(tmp_path: Path, approvals: str = "") -> Settings:
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG + approvals)
    return load_settings(config)


def _a_morning_gone_long(store: Store, settings: Settings) -> Day:
    """The bundled day planned at 07:00 and on the board; then the technician of one visit is
    held up at the visit before it until the afternoon, and that visit's customer prefers them."""
    asyncio.run(sync_account(store, SandboxFSM(load_scenario(BUNDLED), account=ACCOUNT), full=True))
    long: dict[str, int] = {}
    pipeline = DispatchPipeline(
        store,
        settings,
        ACCOUNT,
        PLATFORM,
        CountingClassifier(),
        durations=lambda job, tech: long.get(job.external_id, 50),
        time_limit=0.5,
        clock=lambda: _at(7),
    )
    first = pipeline.plan_day(DAY, now=_at(7))
    assert store.approvals(ACCOUNT, since=_at(0)) == []  # nothing on the board to move yet
    visits = {a.job_id: a for a in store.list(Appointment, account=ACCOUNT)}
    landed = [
        visits[stop.job_id].model_copy(
            update={"technician_ids": (route.technician_id,), "modified_at": _at(7, 1)}
        )
        for route in first.plan.routes
        for stop in route.stops
        if stop.job_id in visits
    ]
    store.upsert(landed)  # the writes reached the platform
    jobs = {j.id: j for j in first.problem.jobs}
    techs = first.problem.technicians
    for route in first.plan.routes:
        stops = [s for s in route.stops if s.job_id in visits]
        if len(stops) < 2:
            continue
        head, then = stops[0], stops[1]
        job = jobs[then.job_id]
        others = [t for t in techs if t.id != route.technician_id and job.qualified(t)]
        booked = job.windows[0].end <= 12 * 60
        if then.start > 11 * 60 or not booked or len(others) < 2:
            continue
        long[head.job_id] = 420  # running long: busy until the afternoon
        on_site = visits[head.job_id].model_copy(
            update={"technician_ids": (route.technician_id,), "status": Lifecycle.ON_SITE,
                    "modified_at": _at(7, 30)}
        )  # fmt: skip
        event = StatusEvent(
            platform=PLATFORM, account=ACCOUNT, external_id="arrived-1", subject="appointment",
            subject_id=on_site.external_id, status=Lifecycle.ON_SITE, occurred_at=_at(7, 30),
            technician_id=route.technician_id,
        )  # fmt: skip
        record = next(j for j in store.list(Job, account=ACCOUNT) if j.external_id == then.job_id)
        customer = next(
            c for c in store.list(Customer, account=ACCOUNT) if c.external_id == record.customer_id
        )
        fond = customer.model_copy(
            update={"preferred_technicians": (route.technician_id,), "modified_at": _at(7, 30)}
        )
        store.upsert([on_site, event, fond])
        return Day(pipeline, then.job_id, visits[then.job_id].external_id, route.technician_id)
    raise AssertionError("no visit with a second qualified technician in the bundled morning")


def _about(store: Store, job: str) -> list[ApprovalRow]:
    return [a for a in store.approvals(ACCOUNT, since=_at(0)) if a.change["job_ids"] == [job]]


def _assigned(store: Store, appointment: str) -> list[list[str]]:
    return [
        row.payload["technician_ids"]
        for row in store.outbox()
        if row.channel == "writeback"
        and row.payload.get("kind") == "assign"
        and row.payload["appointment_id"] == appointment
    ]


def test_a_move_off_the_preferred_technician_waits_for_a_coordinator_and_is_asked_once(
    store: Store, tmp_path: Path
) -> None:
    day = _a_morning_gone_long(store, _settings(tmp_path))
    writes_before = _assigned(store, day.appointment)
    result = day.pipeline.plan_day(DAY, now=_at(8))
    (asked,) = _about(store, day.job)
    assert asked.status == "pending" and asked.kind == "reassign"
    assert asked.change["job_ids"] == [day.job]
    assert asked.change["from_technician"] == day.held_by
    assert asked.change["to_technician"] not in (None, day.held_by)
    assert "breaks a preferred technician pairing" in asked.reasons
    (post,) = [r for r in store.outbox() if r.idempotency_key == f"approval:{asked.id}:v1:post"]
    assert post.channel == "slack" and post.payload["channel"] == "#dispatch"
    # Meanwhile the visit stays with its technician, in the plan and on the board.
    assert result.plan.assignment()[day.job] == day.held_by
    assert check_plan(result.problem, result.plan) == []
    assert _assigned(store, day.appointment) == writes_before
    # Planned again before anyone answers: the same question is not asked twice.
    again = day.pipeline.plan_day(DAY, now=_at(8, 5))
    assert len(_about(store, day.job)) == 1
    assert again.plan.assignment()[day.job] == day.held_by


def test_an_approved_move_is_made_by_the_next_plan(store: Store, tmp_path: Path) -> None:
    day = _a_morning_gone_long(store, _settings(tmp_path))
    day.pipeline.plan_day(DAY, now=_at(8))
    (asked,) = _about(store, day.job)
    assert asked.id is not None
    assert store.decide_approval(
        asked.id, version=asked.version, status="approved", decided_by="U1", now=_at(8, 3)
    )
    result = day.pipeline.plan_day(DAY, now=_at(8, 5))
    target = asked.change["to_technician"]
    assert result.plan.assignment()[day.job] == target
    assert _assigned(store, day.appointment)[-1] == [target]
    assert len(_about(store, day.job)) == 1


@pytest.mark.parametrize("answer", ["rejected", "expired"])
def test_a_rejected_or_unanswered_move_keeps_the_visit_where_it_is(
    store: Store, tmp_path: Path, answer: str
) -> None:
    day = _a_morning_gone_long(store, _settings(tmp_path))
    day.pipeline.plan_day(DAY, now=_at(8))
    (asked,) = _about(store, day.job)
    assert asked.id is not None
    assert store.decide_approval(
        asked.id, version=asked.version, status=answer, decided_by="U1", now=_at(8, 3)
    )
    writes = _assigned(store, day.appointment)
    for minute in (5, 20):
        result = day.pipeline.plan_day(DAY, now=_at(8, minute))
        assert result.plan.assignment()[day.job] == day.held_by
    assert _assigned(store, day.appointment) == writes
    assert len(_about(store, day.job)) == 1


def test_a_move_the_policy_lets_through_is_made_at_once(store: Store, tmp_path: Path) -> None:
    settings = _settings(tmp_path, "  preferred_tech_break: false\n")
    day = _a_morning_gone_long(store, settings)
    result = day.pipeline.plan_day(DAY, now=_at(8))
    moved_to = result.plan.assignment()[day.job]
    assert moved_to != day.held_by
    assert _about(store, day.job) == []
    assert _assigned(store, day.appointment)[-1] == [moved_to]


def test_without_slack_nobody_is_asked(store: Store, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("accounts:\n  - id: demo\n    platform: sandbox\n")
    day = _a_morning_gone_long(store, load_settings(config))
    result = day.pipeline.plan_day(DAY, now=_at(8))
    assert result.plan.assignment()[day.job] != day.held_by
    assert store.approvals(ACCOUNT, since=_at(0)) == []
    assert store.list(Technician, account=ACCOUNT)  # the day is there, only nobody to ask


def test_the_question_names_the_move_and_who_it_pushes_back(store: Store, tmp_path: Path) -> None:
    day = _a_morning_gone_long(store, _settings(tmp_path))
    day.pipeline.plan_day(DAY, now=_at(8))
    (asked,) = _about(store, day.job)
    names = {t.external_id: t.name for t in store.list(Technician, account=ACCOUNT)}
    title = asked.change["title"]
    assert title.startswith("Move ") and f"from {names[day.held_by]} to " in title
    # The coordinator reads the account's local time, as the board shows it.
    hour, minute = map(int, asked.change["eta"].split(":"))
    assert _at(8) <= _at(hour, minute) <= _at(19)
    assert all(minutes > 15 for _, minutes in asked.change["bumped"])
    assert timedelta(0) < asked.expires_at.astimezone(ZONE) - _at(8) <= timedelta(minutes=10)
