"""The service wires settings into a running app whose scheduler syncs every account."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from structlog.testing import capture_logs

from connectors.records import Job
from orchestrator.approvals import ProposedChange, request_approval
from orchestrator.errors import ConfigError
from orchestrator.platforms import PlatformRegistry
from orchestrator.runtime import build_runtime_app, build_senders
from orchestrator.settings import load_secrets, load_settings
from orchestrator.store import Store, make_engine
from tests.live_server import serve
from tests.memory_platform import KEY, T0, MemoryPlatform, sign


def _settings(tmp_path: Path, extra: str = ""):  # type: ignore[no-untyped-def]
    path = tmp_path / "config.yaml"
    path.write_text(
        f"database: {{url: 'sqlite:///{tmp_path / 'svc.db'}'}}\n"
        "accounts:\n  - id: acme\n    platform: sandbox\n" + extra
    )
    return load_settings(path)


def test_the_running_app_syncs_its_accounts_and_reports_health(tmp_path: Path) -> None:
    platform = MemoryPlatform(jobs=4)
    registry = PlatformRegistry()
    registry.register("sandbox", lambda account, secrets, http: platform)  # type: ignore[arg-type, return-value]
    app = build_runtime_app(_settings(tmp_path), registry=registry)
    assert set(app.state.service.pipelines) == {"acme"}  # planned on a schedule too
    with serve(app) as url:
        assert httpx.get(f"{url}/healthz", timeout=5).json()["status"] == "ok"
        engine = make_engine(f"sqlite:///{tmp_path / 'svc.db'}")
        deadline = time.monotonic() + 10
        while Store(engine).count(Job) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)  # the scheduler's first sync runs as the app starts
        assert Store(engine).count(Job) == 4
        engine.dispose()


def test_an_account_on_a_platform_without_a_connector_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"accounts\[0\].platform: sandbox cannot be served"):
        build_runtime_app(_settings(tmp_path), registry=PlatformRegistry())


def test_enabled_channels_without_their_secrets_are_config_errors(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path,
        "notifications:\n  sms: {enabled: true, from_number: '+13035550100'}\n"
        "  slack: {enabled: true, channel: C1}\n",
    )
    with pytest.raises(ConfigError) as info:
        build_senders(settings, load_secrets(settings, {}))
    assert info.value.problems == [
        "notifications.sms.enabled: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN",
        "notifications.slack.enabled: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET",
    ]
    env = {
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": "t",
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "s",
    }
    assert set(build_senders(settings, load_secrets(settings, env))) == {
        "sms",
        "slack",
        "slack_update",
        "slack_response",
    }


def test_a_servicetitan_account_needs_its_tenant_and_secrets(tmp_path: Path) -> None:
    import httpx as _httpx

    from orchestrator.platforms import build_connectors

    path = tmp_path / "config.yaml"
    path.write_text(
        "accounts:\n  - id: acme-hvac\n    platform: servicetitan\n    tenant_id: '123'\n"
    )
    settings = load_settings(path)
    with pytest.raises(ConfigError) as info:
        build_connectors(settings, load_secrets(settings, {}), _httpx.AsyncClient())
    assert "FSM_DISPATCH_ACCOUNT_ACME_HVAC_CLIENT_SECRET" in str(info.value)
    env = {
        f"FSM_DISPATCH_ACCOUNT_ACME_HVAC_{n}": "x"
        for n in ("CLIENT_ID", "CLIENT_SECRET", "APP_KEY")
    }
    connectors = build_connectors(settings, load_secrets(settings, env), _httpx.AsyncClient())
    [(key, connector)] = connectors.items()
    assert key == ("servicetitan", "acme-hvac") and connector.account == "acme-hvac"


@pytest.mark.parametrize(
    ("platform", "variables"),
    [("workiz", ("API_KEY", "API_SECRET")), ("housecallpro", ("API_KEY",))],
)
def test_workiz_and_housecall_pro_accounts_build_from_their_secrets(
    tmp_path: Path, platform: str, variables: tuple[str, ...]
) -> None:
    import httpx as _httpx

    from orchestrator.platforms import build_connectors

    path = tmp_path / "config.yaml"
    path.write_text(
        f"timezone: America/Chicago\naccounts:\n  - id: shop\n    platform: {platform}\n"
    )
    settings = load_settings(path)
    with pytest.raises(ConfigError, match=f"FSM_DISPATCH_ACCOUNT_SHOP_{variables[0]}"):
        build_connectors(settings, load_secrets(settings, {}), _httpx.AsyncClient())
    env = {f"FSM_DISPATCH_ACCOUNT_SHOP_{v}": "x" for v in variables}
    [connector] = build_connectors(
        settings, load_secrets(settings, env), _httpx.AsyncClient()
    ).values()
    assert connector.platform == platform and connector.account == "shop"


def test_a_webhook_with_a_new_ticket_brings_the_accounts_plan_forward(tmp_path: Path) -> None:
    """The running app wires its webhook processing to its planner: a new ticket is planned
    within `planning.replan_after_change_seconds`, not at the next quarter-hour run. The first
    sync, which reads the whole day as news, brings the first plan forward the same way."""
    platform = MemoryPlatform(jobs=1)
    registry = PlatformRegistry()
    registry.register("sandbox", lambda account, secrets, http: platform)  # type: ignore[arg-type, return-value]
    settings = _settings(tmp_path, "planning:\n  replan_after_change_seconds: 2\n")
    app = build_runtime_app(settings, registry=registry)
    # Logs are captured before the server starts: its first sync may finish before `serve` returns.
    with capture_logs() as logs, serve(app) as url:
        deadline = time.monotonic() + 10
        while not _brought_forward(logs) and time.monotonic() < deadline:
            time.sleep(0.05)  # the first sync is in: J9 comes by webhook only
        [first] = _brought_forward(logs)
        assert first["reason"] == "technician T1 added (+1 more)"
        # Past the run it called for, so the webhook's change is not joined to it.
        time.sleep(
            max(0.0, (datetime.fromisoformat(first["due"]) - datetime.now(UTC)).total_seconds() + 1)
        )
        platform.jobs["J9"] = Job(**KEY, external_id="J9", summary="Burst pipe", modified_at=T0)
        body = json.dumps({"id": "evt-9", "job": "J9"}).encode()
        headers = sign(body, at=datetime.now(UTC))
        response = httpx.post(f"{url}/webhooks/sandbox/acme", content=body, headers=headers)
        assert response.status_code == 202
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(_brought_forward(logs)) < 2:
            time.sleep(0.05)
    [_, event] = _brought_forward(logs)
    assert event["account"] == "acme" and event["reason"] == "new ticket J9"
    due = datetime.fromisoformat(event["due"])
    assert due <= datetime.now(UTC) + timedelta(seconds=2)


def _brought_forward(logs: list[dict[str, object]]) -> list[dict[str, object]]:
    return [e for e in logs if e["event"] == "re-plan brought forward"]


def test_only_the_configured_approvers_decide_and_the_answer_reads_in_local_time(
    tmp_path: Path,
) -> None:
    """`notifications.slack.approvers` reaches the running app: a click from anyone else is
    refused, and the message is replaced with the time in the account's zone."""
    platform = MemoryPlatform()
    registry = PlatformRegistry()
    registry.register("sandbox", lambda account, secrets, http: platform)  # type: ignore[arg-type, return-value]
    settings = _settings(
        tmp_path,
        "notifications:\n  slack: {enabled: true, channel: C1, approvers: [U01ANA]}\n",
    )
    secret = "slack-signing-secret"
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": secret}
    app = build_runtime_app(settings, registry=registry, secrets=load_secrets(settings, env))
    store: Store = app.state.service.store
    change = ProposedChange(kind="reassign", title="Move J1", why="w", technician="Ana",
                            eta="10:40", job_ids=("J1",), safety_critical=True)  # fmt: skip
    approval_id = request_approval(
        store, account="acme", change=change, policy=settings.approvals, channel="C1",
        now=datetime.now(UTC),
    )  # fmt: skip
    assert approval_id is not None
    with serve(app) as url:
        for user in ("U09EVE", "U01ANA"):
            body = _slack_click(approval_id, user)
            stamp = str(int(time.time()))
            mac = hmac.new(secret.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256)
            headers = {
                "x-slack-request-timestamp": stamp,
                "x-slack-signature": "v0=" + mac.hexdigest(),
                "content-type": "application/x-www-form-urlencoded",
            }
            response = httpx.post(f"{url}/slack/interactions", content=body, headers=headers)
            assert response.status_code == 200
            row = store.get_approval(approval_id)
            assert row is not None
            assert (row.status, row.decided_by) == (
                ("pending", None) if user == "U09EVE" else ("approved", "U01ANA")
            )
    (reply,) = [m for m in store.outbox() if m.channel == "slack_response"]
    assert reply.payload["text"].startswith("Approved by <@U01ANA> at ")
    assert reply.payload["text"].endswith((" MST", " MDT"))


def _slack_click(approval_id: int, user: str) -> bytes:
    action = {"action_id": "approve", "block_id": f"approval:{approval_id}:v1", "value": "x"}
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower()},
        "actions": [action],
        "response_url": "https://hooks.slack.test/actions/T1/B1/xyz",
    }
    return urlencode({"payload": json.dumps(payload)}).encode()
