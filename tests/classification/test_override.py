"""Coordinator overrides: any field, validated, with an audit record."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from orchestrator.classification import OverrideError, TicketClassification, apply_override

BEFORE = TicketClassification(
    trade="hvac", job_type="hvac.repair", urgency="scheduled", skills=frozenset(), confidence=0.4
)
NOW = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def test_override_changes_the_field_and_returns_the_audit_record() -> None:
    new, audit = apply_override(
        BEFORE, "urgency", "same_day", actor="coord-7", reason="customer elderly", now=lambda: NOW
    )
    assert (new.urgency, new.engine, new.confidence) == ("same_day", "override", 1.0)
    assert new.reasons["urgency"][-1] == "overridden by coord-7: customer elderly"
    assert audit == {
        "action": "classification.override",
        "actor": "coord-7",
        "at": "2026-01-05T09:30:00+00:00",
        "field": "urgency",
        "before": {"urgency": "scheduled"},
        "after": {"urgency": "same_day"},
        "reason": "customer elderly",
    }


def test_changing_the_job_type_moves_the_trade() -> None:
    new, audit = apply_override(
        BEFORE, "job_type", "plumbing.leak", actor="c", reason="it is a pipe"
    )
    assert (new.trade, new.job_type) == ("plumbing", "plumbing.leak")
    assert audit["before"] == {"job_type": "hvac.repair", "trade": "hvac"}


def test_sets_accept_lists_or_comma_strings() -> None:
    new, audit = apply_override(BEFORE, "skills", "epa_608, boiler", actor="c", reason="r")
    assert new.skills == {"epa_608", "boiler"}
    assert audit["after"] == {"skills": ["boiler", "epa_608"]}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("mood", "happy", "cannot override"),
        ("urgency", "tomorrow", "urgency 'tomorrow'"),
        ("skills", ["wizard"], "skill 'wizard'"),
        ("complexity", 7, "1, 2 or 3"),
        ("job_type", "hvac.teleport", "not a hvac job type"),
    ],
)
def test_invalid_overrides_are_refused(field: str, value: object, message: str) -> None:
    with pytest.raises(OverrideError, match=message):
        apply_override(BEFORE, field, value, actor="c", reason="r")


def test_actor_and_reason_are_required() -> None:
    with pytest.raises(OverrideError, match="actor"):
        apply_override(BEFORE, "urgency", "same_day", actor=" ", reason="r")
    with pytest.raises(OverrideError, match="reason"):
        apply_override(BEFORE, "urgency", "same_day", actor="c", reason="")
