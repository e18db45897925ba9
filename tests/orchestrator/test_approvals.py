"""Risky changes wait for one coordinator decision in Slack; everything else goes through."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import httpx
import pytest

from orchestrator.approvals import (
    ProposedChange,
    approval_reasons,
    expire_due,
    request_approval,
)
from orchestrator.settings import ApprovalSettings
from orchestrator.store import Store
from orchestrator.web import create_app
from tests.live_server import serve

NOW = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
SIGNING_SECRET = "slack-signing-secret"
POLICY = ApprovalSettings()

ROUTINE = ProposedChange(
    kind="reassign",
    title="Move J012 to Ana",
    why="Ana is 12 min closer",
    technician="Ana",
    eta="10:40",
    job_ids=("J012",),
    bumped=(("C031", 10),),
)
GAS_LEAK = ProposedChange(
    kind="emergency_insert",
    title="Gas smell at C049: send Mike now",
    why="Gas odor reported",
    technician="Mike",
    eta="10:25",
    job_ids=("J049",),
    safety_critical=True,
    sla_penalty_usd=900,
    bumped=(("C003", 45), ("C017", 30), ("C022", 20)),
    options=(("reassign:T05", "Send Tom instead (ETA 10:50)"),),
)


def test_a_routine_change_needs_no_approval() -> None:
    assert approval_reasons(ROUTINE, POLICY) == []


def test_each_policy_rule_gives_its_reason() -> None:
    reasons = approval_reasons(GAS_LEAK, POLICY)
    assert reasons == [
        "SLA penalty $900 over $500",
        "safety-critical job",
        "delays 3 customers (policy allows 2)",
    ]
    relaxed = ApprovalSettings(
        sla_penalty_usd_over=1000, safety_critical=False, cascade_customers_over=5
    )
    assert approval_reasons(GAS_LEAK, relaxed) == []


def test_requesting_stores_the_approval_and_queues_its_message_together(store: Store) -> None:
    assert (
        request_approval(
            store, account="acme", change=ROUTINE, policy=POLICY, channel="C-DISPATCH", now=NOW
        )
        is None
    )
    approval_id = request_approval(
        store, account="acme", change=GAS_LEAK, policy=POLICY, channel="C-DISPATCH", now=NOW
    )
    assert approval_id is not None
    row = store.get_approval(approval_id)
    assert row is not None and row.status == "pending"
    assert row.expires_at == NOW + timedelta(minutes=POLICY.timeout_minutes)
    [message] = store.outbox()
    assert message.channel == "slack" and message.payload["channel"] == "C-DISPATCH"
    actions = [b for b in message.payload["blocks"] if b["type"] == "actions"]
    assert actions[0]["block_id"] == f"approval:{approval_id}:v1"
    # Due when the caller's clock asked for it, whatever the wall clock says.
    assert message.available_at == NOW
    assert [m.id for m in store.claim_outbox(NOW, channel="slack")] == [message.id]


def _click_body(
    approval_id: int, action: str, user: str, version: int = 1, value: str | None = None
) -> bytes:
    act: dict[str, object] = {"action_id": action, "block_id": f"approval:{approval_id}:v{version}"}
    if action == "choose_option":
        act["selected_option"] = {"value": value, "text": {"type": "plain_text", "text": "Ana"}}
    else:
        act["value"] = str(approval_id)
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower()},
        "actions": [act],
        "response_url": "https://hooks.slack.test/actions/T1/B1/xyz",
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def _signed(body: bytes, *, at: datetime = NOW, secret: str = SIGNING_SECRET) -> dict[str, str]:
    stamp = str(int(at.timestamp()))
    base = f"v0:{stamp}:".encode() + body
    signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "x-slack-request-timestamp": stamp,
        "x-slack-signature": signature,
        "content-type": "application/x-www-form-urlencoded",
    }


@pytest.fixture
def slack_url(store: Store) -> Iterator[str]:
    app = create_app(
        store=store,
        connectors={},
        clock=lambda: NOW,
        process_in_background=False,
        slack_signing_secret=SIGNING_SECRET,
        slack_approvers=["U1", "U2"],
    )
    with serve(app) as url:
        yield f"{url}/slack/interactions"


def _request(store: Store) -> int:
    approval_id = request_approval(
        store, account="acme", change=GAS_LEAK, policy=POLICY, channel="C1", now=NOW
    )
    assert approval_id is not None
    return approval_id


def test_the_first_click_decides_and_a_second_changes_nothing(store: Store, slack_url: str) -> None:
    approval_id = _request(store)
    first = _click_body(approval_id, "approve", "U1")
    second = _click_body(approval_id, "reject", "U2")
    assert httpx.post(slack_url, content=first, headers=_signed(first)).status_code == 200
    assert httpx.post(slack_url, content=second, headers=_signed(second)).status_code == 200
    row = store.get_approval(approval_id)
    assert row is not None and (row.status, row.decided_by) == ("approved", "U1")
    updates = [m for m in store.outbox() if m.channel == "slack_response"]
    assert len(updates) == 1 and updates[0].payload["text"].startswith("Approved by <@U1>")
    assert [a.action for a in store.audit_log(f"approval:{approval_id}")] == ["approval.approved"]


def test_choosing_an_option_records_which(store: Store, slack_url: str) -> None:
    approval_id = _request(store)
    body = _click_body(approval_id, "choose_option", "U2", value="reassign:T05")
    assert httpx.post(slack_url, content=body, headers=_signed(body)).status_code == 200
    row = store.get_approval(approval_id)
    assert row is not None and (row.status, row.decision) == ("chosen", "reassign:T05")
    # The message is replaced with the option as the coordinator read it, not its code.
    (update,) = [m for m in store.outbox() if m.channel == "slack_response"]
    assert update.payload["text"].startswith("Option chosen by <@U2>")
    assert update.payload["text"].endswith(": Ana")


def test_someone_not_on_the_approvers_list_cannot_decide(store: Store, slack_url: str) -> None:
    approval_id = _request(store)
    body = _click_body(approval_id, "approve", "U9")
    httpx.post(slack_url, content=body, headers=_signed(body))
    row = store.get_approval(approval_id)
    assert row is not None and row.status == "pending"


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(lambda b: _signed(b, secret="wrong"), id="bad-signature"),
        pytest.param(lambda b: _signed(b, at=NOW - timedelta(minutes=6)), id="stale"),
    ],
)
def test_an_unverified_click_is_refused(store: Store, slack_url: str, headers) -> None:  # type: ignore[no-untyped-def]
    approval_id = _request(store)
    body = _click_body(approval_id, "approve", "U1")
    assert httpx.post(slack_url, content=body, headers=headers(body)).status_code == 401
    row = store.get_approval(approval_id)
    assert row is not None and row.status == "pending"


def test_a_malformed_click_is_a_precise_400(store: Store, slack_url: str) -> None:
    body = urlencode({"payload": json.dumps({"actions": [{"block_id": "weird"}]})}).encode()
    response = httpx.post(slack_url, content=body, headers=_signed(body))
    assert (
        response.status_code == 400 and "malformed interaction payload" in response.json()["error"]
    )


def test_an_approval_nobody_decides_expires_and_a_late_click_loses(
    store: Store, slack_url: str
) -> None:
    approval_id = _request(store)
    assert expire_due(store, now=NOW + timedelta(minutes=5)) == []
    assert expire_due(store, now=NOW + timedelta(minutes=11)) == [approval_id]
    body = _click_body(approval_id, "approve", "U1")
    httpx.post(slack_url, content=body, headers=_signed(body))
    row = store.get_approval(approval_id)
    assert row is not None and row.status == "expired"


async def test_an_expired_approval_edits_its_slack_message_and_removes_the_buttons(
    store: Store,
) -> None:
    from slack_sdk import WebClient

    from notifications import OutboxWorker, SlackSender, SlackUpdater
    from tests.fakes.slack_server import FakeSlack

    fake = FakeSlack()
    with serve(fake.app()) as url:
        client = WebClient(token=fake.token, base_url=f"{url}/api/")
        senders = {"slack": SlackSender(client), "slack_update": SlackUpdater(client)}
        approval_id = _request(store)
        now = [NOW + timedelta(seconds=1)]
        worker = OutboxWorker(store, senders, clock=lambda: now[0])  # type: ignore[arg-type]
        assert (await worker.drain()).sent == 1  # the question is posted
        assert fake.posts[0]["blocks"]
        now[0] = NOW + timedelta(minutes=11)
        expire_due(store, now=now[0])
        assert (await worker.drain()).sent == 1  # and edited once expired
    [post] = fake.posts
    assert post["blocks"] == [] and "Expired" in post["text"]
    row = store.get_approval(approval_id)
    assert row is not None and row.status == "expired"


def test_an_approval_that_expires_before_it_was_posted_is_never_posted(store: Store) -> None:
    _request(store)
    expire_due(store, now=NOW + timedelta(minutes=11))
    [post] = store.outbox()
    assert post.status == "dead" and "expired" in (post.last_error or "")


def test_a_decision_asks_for_the_accounts_plan_soon_and_a_late_click_does_not(
    store: Store,
) -> None:
    """An answer changes what the plan may do with the visit: the service re-plans soon."""
    told: list[tuple[str, str]] = []
    app = create_app(
        store=store,
        connectors={},
        clock=lambda: NOW,
        process_in_background=False,
        slack_signing_secret=SIGNING_SECRET,
        on_change=lambda account, why: told.append((account, why)),
    )
    approval_id = _request(store)
    with serve(app) as url:
        for user in ("U1", "U2"):
            body = _click_body(approval_id, "approve", user)
            response = httpx.post(f"{url}/slack/interactions", content=body, headers=_signed(body))
            assert response.status_code == 200
    assert told == [("acme", f"approval {approval_id} approve")]
