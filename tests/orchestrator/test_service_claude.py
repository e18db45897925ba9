"""`serve`'s scheduled planning with the Claude engine: tickets go to the Messages API (a
loopback fake) through the real SDK, and an API that fails leaves the offline engine's reading,
never a day unplanned."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from connectors.sandbox import load_scenario
from connectors.sandbox.platform import SandboxFSM
from optimizer import check_plan
from orchestrator.bundled import BUNDLED_SCENARIO as BUNDLED
from orchestrator.runtime import build_pipelines
from orchestrator.service import DispatchService
from orchestrator.settings import load_settings
from orchestrator.store import Store
from tests.classification.test_claude import GOOD_ANSWER
from tests.fakes.anthropic_server import FakeAnthropic
from tests.live_server import serve

ZONE = ZoneInfo("America/Denver")
ACCOUNT, PLATFORM = "demo", "sandbox"
MORNING = datetime(2026, 12, 1, 6, 45, tzinfo=ZONE)


@pytest.fixture(scope="module")
def fake_and_url() -> Iterator[tuple[FakeAnthropic, str]]:
    fake = FakeAnthropic()
    with serve(fake.app()) as url:
        yield fake, url


@pytest.fixture
def fake(fake_and_url: tuple[FakeAnthropic, str], monkeypatch: pytest.MonkeyPatch) -> FakeAnthropic:
    fake, url = fake_and_url
    fake.script.clear()
    fake.requests.clear()
    fake.tool_input = dict(GOOD_ANSWER)
    monkeypatch.setenv("ANTHROPIC_API_KEY", fake.api_key)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", url)
    return fake


def _service(store: Store, tmp_path: Path) -> tuple[DispatchService, SandboxFSM]:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"accounts:\n  - id: {ACCOUNT}\n    platform: {PLATFORM}\n"
        "classification:\n  engine: claude\n  claude_model: claude-test\n  max_retries: 0\n"
        "planning:\n  time_limit_seconds: 1\n"
    )
    settings = load_settings(config)
    platform = SandboxFSM(load_scenario(BUNDLED), account=ACCOUNT)
    pipelines = build_pipelines(settings, store, [(PLATFORM, ACCOUNT)])
    service = DispatchService(
        settings, store, {(PLATFORM, ACCOUNT): platform}, pipelines=pipelines, clock=lambda: MORNING
    )
    return service, platform


async def test_a_scheduled_run_classifies_every_ticket_with_claude(
    store: Store, tmp_path: Path, fake: FakeAnthropic
) -> None:
    service, platform = _service(store, tmp_path)
    await service.sync_once(platform)
    (today,) = await service.plan_once(ACCOUNT)
    assert today.classified == len(fake.requests) > 40
    assert {body["model"] for body in fake.requests} == {"claude-test"}
    stored = store.classifications(ACCOUNT, PLATFORM)
    assert {c.engine for c in stored.values()} == {"claude"}
    assert {c.job_type for c in stored.values()} == {GOOD_ANSWER["job_type"]}
    assert check_plan(today.problem, today.plan) == []
    # Tickets whose text did not change are not sent again.
    (again,) = await service.plan_once(ACCOUNT)
    assert again.classified == 0 and today.classified == len(fake.requests)


async def test_a_failing_api_falls_back_to_the_offline_engine_and_the_day_is_planned(
    store: Store, tmp_path: Path, fake: FakeAnthropic
) -> None:
    fake.script.extend(["500"] * 200)
    service, platform = _service(store, tmp_path)
    await service.sync_once(platform)
    (today,) = await service.plan_once(ACCOUNT)
    assert today.classified == len(fake.requests) > 40
    stored = store.classifications(ACCOUNT, PLATFORM)
    assert "claude" not in {c.engine for c in stored.values()}
    assert len({c.job_type for c in stored.values()}) > 5  # the offline engine's own readings
    assert today.plan.routes and check_plan(today.problem, today.plan) == []
