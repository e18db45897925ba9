"""A coordinator's correction is audited and survives the engine classifying the job again."""

from __future__ import annotations

import pytest

from connectors.records import Classification, Job, RecordKey, Urgency
from orchestrator.errors import NotFoundError
from orchestrator.overrides import OverrideError, override_classification
from orchestrator.store import Store

KEY = RecordKey(platform="sandbox", account="demo", external_id="J1")
ENGINE = Classification(
    trade="hvac",
    job_type="hvac.maintenance",
    urgency=Urgency.SCHEDULED,
    confidence=0.55,
    engine="offline",
)


def test_an_override_is_stored_audited_and_kept_when_the_engine_runs_again(store: Store) -> None:
    store.save_classification(KEY, ENGINE, needs_review=True)
    stored = override_classification(
        store,
        KEY,
        field="urgency",
        value="emergency",
        actor="coordinator:ana",
        reason="customer smells gas",
    )
    assert stored.urgency is Urgency.EMERGENCY and stored.engine == "override"
    [audit] = store.audit_log("job:demo:J1")
    assert (audit.actor, audit.before, audit.after, audit.reason) == (
        "coordinator:ana",
        {"urgency": "scheduled"},
        {"urgency": "emergency"},
        "customer smells gas",
    )
    # The engine classifies the ticket again (new text arrived): urgency stays the person's.
    again = store.save_classification(KEY, ENGINE.model_copy(update={"job_type": "hvac.repair"}))
    assert again.urgency is Urgency.EMERGENCY and again.job_type == "hvac.repair"
    found = store.get_classification(KEY)
    assert found is not None and found[1].overridden == ["urgency"] and not found[1].needs_review
    assert [r.job_external_id for r in store.overridden_classifications("demo")] == ["J1"]


def test_a_sync_of_the_job_does_not_erase_its_classification(store: Store) -> None:
    store.save_classification(KEY, ENGINE)
    store.upsert([Job(platform="sandbox", account="demo", external_id="J1", summary="new text")])
    assert store.classifications("demo", "sandbox")["J1"] == ENGINE


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("colour", "red", "field must be one of"),
        ("complexity", "7", "complexity: Input should be less than or equal to 3"),
        ("job_type", "hvac.no_heet", "job_type: unknown value(s) hvac.no_heet"),
        ("urgency", "whenever", "urgency: Input should be"),
    ],
)
def test_a_bad_override_is_refused_precisely(
    store: Store, field: str, value: str, message: str
) -> None:
    store.save_classification(KEY, ENGINE)
    with pytest.raises(OverrideError, match=message.replace("(", r"\(").replace(")", r"\)")):
        override_classification(
            store,
            KEY,
            field=field,
            value=value,
            actor="a",
            reason="r",
            known_values={"job_type": {"hvac.no_heat", "hvac.repair"}},
        )
    assert store.audit_log("job:demo:J1") == []


def test_overriding_an_unclassified_job_says_so(store: Store) -> None:
    with pytest.raises(NotFoundError, match="no classification yet"):
        override_classification(
            store, KEY, field="urgency", value="emergency", actor="a", reason="r"
        )
