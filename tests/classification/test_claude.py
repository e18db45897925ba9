"""The Claude engine over real HTTP against a loopback fake of the Messages API."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from orchestrator.classification import ClaudeEngine, ClaudeParams, MemoryCache, Ticket, tool_schema
from orchestrator.classification.claude import TOOL_NAME
from orchestrator.classification.taxonomy import default_taxonomy
from tests.fakes.anthropic_server import FakeAnthropic
from tests.live_server import serve

GOOD_ANSWER: dict[str, Any] = {
    "trade": "plumbing",
    "job_type": "plumbing.leak",
    "urgency": "same_day",
    "skills": [],
    "equipment": [],
    "complexity": 1,
    "confidence": 0.82,
    "safety_escalation": False,
    "reasons": {"job_type": ["drip under the sink"], "urgency": ["bucket under it"]},
}


@pytest.fixture(scope="module")
def fake_and_url() -> Iterator[tuple[FakeAnthropic, str]]:
    """One fake Anthropic API for the module; each test resets its knobs."""
    fake = FakeAnthropic(slow_seconds=1.0)
    with serve(fake.app()) as url:
        yield fake, url


@pytest.fixture
def fake(fake_and_url: tuple[FakeAnthropic, str]) -> FakeAnthropic:
    fake, _ = fake_and_url
    fake.script.clear()
    fake.requests.clear()
    fake.tool_input = dict(GOOD_ANSWER)
    return fake


@pytest.fixture
def engine_for(fake_and_url: tuple[FakeAnthropic, str]) -> Callable[..., ClaudeEngine]:
    _, url = fake_and_url

    def build(**overrides: Any) -> ClaudeEngine:
        params = ClaudeParams(
            model="claude-test",
            timeout_s=overrides.pop("timeout_s", 5.0),
            max_retries=overrides.pop("max_retries", 0),
            base_url=url,
        )
        return ClaudeEngine(params, api_key=overrides.pop("api_key", "sk-ant-test"), **overrides)

    return build


def _leak(make_ticket: Callable[..., Ticket]) -> Ticket:
    return make_ticket("Leak under sink", "pipe under the kitchen sink drips, bucket under it")


def test_a_good_tool_call_becomes_the_classification(
    fake: FakeAnthropic, engine_for: Callable[..., ClaudeEngine], make_ticket: Callable[..., Ticket]
) -> None:
    result = engine_for().classify(_leak(make_ticket))
    assert (result.engine, result.job_type, result.urgency) == (
        "claude",
        "plumbing.leak",
        "same_day",
    )
    assert result.fallback is None
    assert result.confidence == pytest.approx(0.82)
    assert result.reasons["job_type"] == ("drip under the sink",)
    sent = fake.requests[0]
    assert sent["model"] == "claude-test"
    assert sent["tool_choice"] == {"type": "tool", "name": TOOL_NAME}
    assert sent["tools"][0]["input_schema"]["properties"]["job_type"]["enum"]
    assert "Leak under sink" in sent["messages"][0]["content"]


def test_the_answer_is_cached_by_ticket_content(
    fake: FakeAnthropic, engine_for: Callable[..., ClaudeEngine], make_ticket: Callable[..., Ticket]
) -> None:
    engine = engine_for(cache=MemoryCache())
    first = engine.classify(_leak(make_ticket))
    again = engine.classify(_leak(make_ticket))
    other = engine.classify(make_ticket("Leak under sink", "a different text"))
    assert first == again
    assert other.job_type == "plumbing.leak"
    assert len(fake.requests) == 2


def test_safety_rules_raise_what_the_model_says(
    fake: FakeAnthropic, engine_for: Callable[..., ClaudeEngine], make_ticket: Callable[..., Ticket]
) -> None:
    fake.tool_input = {
        **GOOD_ANSWER,
        "job_type": "appliance.repair",
        "trade": "appliance",
        "urgency": "scheduled",
    }
    ticket = make_ticket("Dryer", "dryer not heating and there's a gas smell in the laundry")
    result = engine_for().classify(ticket)
    assert result.engine == "claude"
    assert result.urgency == "emergency" and result.safety_escalation
    assert any("rule 1" in r for r in result.reasons["safety"])


def test_a_429_is_retried_by_the_sdk(
    fake: FakeAnthropic, engine_for: Callable[..., ClaudeEngine], make_ticket: Callable[..., Ticket]
) -> None:
    fake.script[:] = ["429"]
    result = engine_for(max_retries=1).classify(_leak(make_ticket))
    assert result.engine == "claude"
    assert len(fake.requests) == 2


@pytest.mark.parametrize(
    ("script", "reason"),
    [
        (["529"], "api_error"),
        (["500"], "api_error"),
        (["429"], "api_error"),
        (["malformed"], "invalid_tool_input"),
        (["text"], "invalid_tool_input"),
    ],
)
def test_failures_fall_back_to_offline_and_say_why(
    fake: FakeAnthropic,
    engine_for: Callable[..., ClaudeEngine],
    make_ticket: Callable[..., Ticket],
    script: list[str],
    reason: str,
) -> None:
    fake.script[:] = script
    result = engine_for(max_retries=0).classify(_leak(make_ticket))
    assert result.engine == "offline"
    assert result.fallback == reason
    assert result.job_type == "plumbing.leak"  # the offline engine's own answer
    assert any("claude failed" in r for r in result.reasons["engine"])
    assert "fell back to offline" in result.to_record().reasons["engine"][-1]


def test_a_slow_reply_times_out_and_falls_back(
    fake: FakeAnthropic, engine_for: Callable[..., ClaudeEngine], make_ticket: Callable[..., Ticket]
) -> None:
    fake.script[:] = ["slow"]
    result = engine_for(timeout_s=0.2, max_retries=0).classify(_leak(make_ticket))
    assert (result.engine, result.fallback) == ("offline", "timeout")


def test_fallbacks_are_not_cached(
    fake: FakeAnthropic, engine_for: Callable[..., ClaudeEngine], make_ticket: Callable[..., Ticket]
) -> None:
    engine = engine_for(max_retries=0)
    fake.script[:] = ["500"]
    assert engine.classify(_leak(make_ticket)).fallback == "api_error"
    assert engine.classify(_leak(make_ticket)).engine == "claude"


def test_without_a_key_the_engine_falls_back_without_calling(
    fake: FakeAnthropic,
    engine_for: Callable[..., ClaudeEngine],
    make_ticket: Callable[..., Ticket],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    result = engine_for(api_key="").classify(_leak(make_ticket))
    assert result.fallback == "no_api_key"
    assert fake.requests == []


def test_a_wrong_key_is_an_api_error(
    fake: FakeAnthropic, engine_for: Callable[..., ClaudeEngine], make_ticket: Callable[..., Ticket]
) -> None:
    result = engine_for(api_key="sk-ant-wrong").classify(_leak(make_ticket))
    assert result.fallback == "api_error"


@pytest.mark.parametrize(
    "bad",
    [
        {"job_type": "plumbing.teleport"},
        {"trade": "hvac"},  # plumbing.leak is not an hvac job type
        {"skills": ["wizard"]},
        {"complexity": 5},
        {"confidence": 1.5},
        {"reasons": {"mood": ["happy"]}},
    ],
)
def test_answers_outside_the_taxonomy_or_ranges_are_rejected(
    fake: FakeAnthropic,
    engine_for: Callable[..., ClaudeEngine],
    make_ticket: Callable[..., Ticket],
    bad: dict[str, Any],
) -> None:
    fake.tool_input = {**GOOD_ANSWER, **bad}
    assert engine_for().classify(_leak(make_ticket)).fallback == "invalid_tool_input"


def test_tool_schema_enumerates_the_taxonomy() -> None:
    schema = tool_schema(default_taxonomy())["input_schema"]
    assert schema["additionalProperties"] is False
    assert "general.estimate" in schema["properties"]["job_type"]["enum"]
    assert schema["properties"]["urgency"]["enum"] == ["emergency", "same_day", "scheduled"]


def test_params_refuse_nonsense() -> None:
    with pytest.raises(ValueError, match="timeout_s"):
        ClaudeParams(timeout_s=0)
    with pytest.raises(ValueError, match="max_retries"):
        ClaudeParams(max_retries=-1)
