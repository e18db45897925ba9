"""An emergency is sent at once; when the policy says so, a coordinator is told in Slack whom it
bumps and what else could be done (another technician, or nobody), and their answer changes the
next plans: another technician takes it, or it comes off the board."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from connectors.records import Appointment, Job, Sla, SlaTier, Technician, TimeWindow
from connectors.sandbox import load_scenario
from connectors.sandbox.platform import SandboxFSM
from optimizer import check_plan
from orchestrator.bundled import BUNDLED_SCENARIO as BUNDLED
from orchestrator.emergency_review import DECLINE
from orchestrator.pipeline import DispatchPipeline
from orchestrator.settings import load_settings
from orchestrator.store import ApprovalRow, Store
from orchestrator.store.tables import OutboxRow
from orchestrator.sync import sync_account
from orchestrator.ticket_classifier import OfflineTicketClassifier

ZONE = ZoneInfo("America/Denver")
ACCOUNT, PLATFORM = "demo", "sandbox"
DAY = date(2026, 12, 1)
CONFIG = """\
accounts:
  - id: demo
    platform: sandbox
    name: Front Range Home Services
notifications:
  slack:
    enabled: true
    channel: "#dispatch"
"""
WITH_TEXTS = (
    CONFIG
    + """\
  sms:
    enabled: true
    from_number: "+13035550100"
    quiet_hours: ["21:00", "06:00"]
"""
)
GAS = "J-GAS"
SUMMARY = "Pipe burst in the basement"
DESCRIPTION = "Water pouring out of a burst pipe, can't find the shutoff, please hurry"


def _at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, 1, hour, minute, tzinfo=ZONE)


def _day_with_a_gas_leak(
    store: Store,
    tmp_path: Path,
    config: str = CONFIG,
    *,
    summary: str = SUMMARY,
    description: str = DESCRIPTION,
) -> DispatchPipeline:
    """The bundled day planned at 07:00 and on the board; at 09:00 a customer on a gold
    contract ($1,500 if not reached by 13:00) calls in a burst pipe: an emergency anyone can
    take, and the policy tells a coordinator of one with an SLA penalty over $500."""
    asyncio.run(sync_account(store, SandboxFSM(load_scenario(BUNDLED), account=ACCOUNT), full=True))
    path = tmp_path / "config.yaml"
    path.write_text(config)
    pipeline = DispatchPipeline(
        store,
        load_settings(path),
        ACCOUNT,
        PLATFORM,
        OfflineTicketClassifier(),
        durations=lambda job, tech: 50,
        time_limit=0.5,
        clock=lambda: _at(7),
    )
    first = pipeline.plan_day(DAY, now=_at(7))
    visits = {a.job_id: a for a in store.list(Appointment, account=ACCOUNT)}
    store.upsert(
        [
            visits[stop.job_id].model_copy(
                update={"technician_ids": (route.technician_id,), "modified_at": _at(7, 1)}
            )
            for route in first.plan.routes
            for stop in route.stops
            if stop.job_id in visits
        ]
    )
    some = next(j for j in store.list(Job, account=ACCOUNT) if j.location_id and j.customer_id)
    store.upsert(
        [
            some.model_copy(
                update={
                    "external_id": GAS,
                    "summary": summary,
                    "description": description,
                    "sla": Sla(tier=SlaTier.GOLD, respond_by=_at(13), penalty_usd=1500),
                    "created_at": _at(9),
                    "modified_at": _at(9),
                    "classification": None,
                }
            ),
            Appointment(
                platform=PLATFORM, account=ACCOUNT, external_id="A-GAS", job_id=GAS,
                window=TimeWindow(start=_at(9), end=_at(17)), modified_at=_at(9),
            ),
        ]
    )  # fmt: skip
    return pipeline


def _landed(store: Store, told: ApprovalRow) -> None:
    """The emergency's assignment to whom `told` says was sent reached the platform at 09:01."""
    sent = told.change["to_technician"]
    gas = next(a for a in store.list(Appointment, account=ACCOUNT) if a.job_id == GAS)
    store.upsert([gas.model_copy(update={"technician_ids": (sent,), "modified_at": _at(9, 1)})])


def _told(store: Store) -> list[ApprovalRow]:
    return [a for a in store.approvals(ACCOUNT, since=_at(0)) if a.kind == "emergency_insert"]


def _assigned(store: Store) -> list[list[str]]:
    return [
        row.payload["technician_ids"]
        for row in store.outbox()
        if row.channel == "writeback"
        and row.payload.get("kind") == "assign"
        and row.payload["appointment_id"] == "A-GAS"
    ]


def test_an_emergency_goes_at_once_and_the_coordinator_is_told_its_cascade_and_options(
    store: Store, tmp_path: Path
) -> None:
    pipeline = _day_with_a_gas_leak(store, tmp_path)
    result = pipeline.plan_day(DAY, now=_at(9))
    sent = result.plan.assignment()[GAS]
    assert _assigned(store) == [[sent]]  # not held for the answer
    assert check_plan(result.problem, result.plan) == []
    (told,) = _told(store)
    assert told.status == "pending" and "SLA penalty $1,500 over $500" in told.reasons
    change = told.change
    assert change["job_ids"] == [GAS] and change["to_technician"] == sent
    names = {t.external_id: t.name for t in store.list(Technician, account=ACCOUNT)}
    assert change["title"] == f"Emergency {SUMMARY}: {names[sent]} sent"
    values = [value for value, _ in change["options"]]
    assert values[-1] == DECLINE and 1 <= len(values) - 1 <= 2
    others = [v.removeprefix("tech:") for v in values[:-1]]
    assert sent not in others and all(t in names for t in others)
    route = result.plan.route_of(sent)
    assert route is not None
    after = [s.job_id for s in route.stops][[s.job_id for s in route.stops].index(GAS) + 1 :]
    assert all(job in after and minutes > 15 for job, minutes in change["bumped"])
    (post,) = [r for r in store.outbox() if r.idempotency_key == f"approval:{told.id}:v1:post"]
    blocks = post.payload["blocks"]
    assert "Nobody is sent" in str(blocks) and "Other options" in str(blocks)
    # It expires within the policy's timeout, shown in the account's time, as the ETA is.
    assert timedelta(0) < told.expires_at.astimezone(ZONE) - _at(9) <= timedelta(minutes=10)
    assert f"expires {told.expires_at.astimezone(ZONE):%H:%M} MST" in str(blocks)
    # Planned again before anyone answers: told once, and the technician stays sent.
    pipeline.plan_day(DAY, now=_at(9, 5))
    assert len(_told(store)) == 1


def test_another_technician_chosen_takes_the_emergency_without_a_second_question(
    store: Store, tmp_path: Path
) -> None:
    pipeline = _day_with_a_gas_leak(store, tmp_path)
    pipeline.plan_day(DAY, now=_at(9))
    (told,) = _told(store)
    choice = told.change["options"][0][0]
    assert choice.startswith("tech:") and told.id is not None
    _landed(store, told)
    assert store.decide_approval(
        told.id, version=told.version, status="chosen", decision=choice,
        decided_by="U1", now=_at(9, 2),
    )  # fmt: skip
    result = pipeline.plan_day(DAY, now=_at(9, 5))
    other = choice.removeprefix("tech:")
    assert result.plan.assignment()[GAS] == other
    assert _assigned(store)[-1] == [other]
    about = [a.kind for a in store.approvals(ACCOUNT, since=_at(0)) if a.change["job_ids"] == [GAS]]
    assert about == ["emergency_insert"]  # the chosen move is not asked about again


@pytest.mark.parametrize("answer", ["rejected", "declined"])
def test_a_declined_emergency_comes_off_the_board(
    store: Store, tmp_path: Path, answer: str
) -> None:
    pipeline = _day_with_a_gas_leak(store, tmp_path, WITH_TEXTS)
    pipeline.plan_day(DAY, now=_at(9))
    (told,) = _told(store)
    assert told.id is not None
    _landed(store, told)
    assert _declined_texts(store) == []
    status, decision = ("rejected", None) if answer == "rejected" else ("chosen", DECLINE)
    assert store.decide_approval(
        told.id, version=told.version, status=status, decision=decision,
        decided_by="U1", now=_at(9, 2),
    )  # fmt: skip
    for minute in (5, 20):
        result = pipeline.plan_day(DAY, now=_at(9, minute))
        assert GAS not in result.plan.assignment()
        assert GAS not in {j.id for j in result.problem.jobs}
    assert _assigned(store)[-1] == []
    assert len(_told(store)) == 1
    # The customer hears it once, from the first plan after the answer, not from every plan.
    (text,) = _declined_texts(store)
    assert text.payload["appointment_id"] == "A-GAS"
    assert text.payload["body"].startswith("Front Range Home Services: we're sorry, we cannot")
    assert "plumbing" in text.payload["body"] and "office will call" in text.payload["body"]
    assert text.available_at == _at(9, 5)


def _declined_texts(store: Store) -> list[OutboxRow]:
    return [r for r in store.outbox() if r.channel == "sms" and r.payload["kind"] == "declined"]


def test_an_approved_or_unanswered_emergency_stays_with_whom_was_sent(
    store: Store, tmp_path: Path
) -> None:
    pipeline = _day_with_a_gas_leak(store, tmp_path)
    pipeline.plan_day(DAY, now=_at(9))
    (told,) = _told(store)
    assert told.id is not None
    _landed(store, told)
    assert store.decide_approval(
        told.id, version=told.version, status="expired", decided_by="policy", now=_at(9, 10)
    )
    writes = _assigned(store)
    pipeline.plan_day(DAY, now=_at(9, 12))
    assert _assigned(store) == writes  # nothing unassigned, nobody else sent
    assert len(_told(store)) == 1


def test_a_policy_that_lets_emergencies_through_tells_nobody(store: Store, tmp_path: Path) -> None:
    config = CONFIG + (
        "approvals:\n  sla_penalty_usd_over: 2000\n  safety_critical: false\n"
        "  cascade_customers_over: 50\n"
    )
    pipeline = _day_with_a_gas_leak(store, tmp_path, config)
    result = pipeline.plan_day(DAY, now=_at(9))
    assert [a for a in store.approvals(ACCOUNT, since=_at(0)) if a.change["job_ids"] == [GAS]] == []
    assert _assigned(store) == [[result.plan.assignment()[GAS]]]
