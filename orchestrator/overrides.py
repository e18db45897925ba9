"""Coordinator overrides of a job's classification: stored, audited, and kept thereafter."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from connectors.records import Classification, RecordKey
from orchestrator.errors import NotFoundError
from orchestrator.store import Store

__all__ = ["OVERRIDABLE", "OverrideError", "override_classification"]

OVERRIDABLE = (
    "trade",
    "job_type",
    "skills",
    "equipment",
    "urgency",
    "complexity",
    "duration_minutes",
)


class OverrideError(ValueError):
    pass


def _parse(field: str, raw: str) -> Any:
    if field in ("skills", "equipment"):
        return frozenset(v.strip() for v in raw.split(",") if v.strip())
    if field == "complexity":
        return int(raw)
    if field == "duration_minutes":
        return float(raw)
    return raw


def override_classification(
    store: Store,
    key: RecordKey,
    *,
    field: str,
    value: str,
    actor: str,
    reason: str,
    known_values: dict[str, set[str]] | None = None,
) -> Classification:
    """Set one field of a job's classification by hand.

    The field is remembered as overridden, so the engine's next run keeps the person's value,
    and the change is audited (who, when, before, after, why). `known_values` lists what each
    identifier field may hold (the taxonomy), to refuse a typo.
    """
    if field not in OVERRIDABLE:
        raise OverrideError(f"field must be one of {', '.join(OVERRIDABLE)}; got {field!r}")
    if not reason.strip():
        raise OverrideError("an override needs a reason")
    found = store.get_classification(key)
    if found is None:
        raise NotFoundError(f"job {key.external_id} has no classification yet; classify it first")
    current, row = found
    parsed = _parse(field, value)
    allowed = (known_values or {}).get(field)
    if allowed is not None:
        values = parsed if isinstance(parsed, frozenset) else {parsed}
        unknown = sorted(str(v) for v in values if v not in allowed)
        if unknown:
            raise OverrideError(f"{field}: unknown value(s) {', '.join(unknown)}")
    try:
        # Validate the changed field like any input (model_copy would skip validation).
        updated = Classification.model_validate(
            {**current.model_dump(), field: parsed, "engine": "override"}
        )
    except ValidationError as exc:
        raise OverrideError(f"{field}: {exc.errors()[0]['msg']}") from exc
    reasons = dict(updated.reasons)
    reasons[field] = (f"set by {actor}: {reason}",)
    updated = updated.model_copy(update={"reasons": reasons})
    with store.transaction() as session:
        stored = store.save_classification(
            key,
            updated,
            needs_review=False,
            content_hash=row.content_hash,
            overridden=sorted({*row.overridden, field}),
            session=session,
        )
        store.audit(
            actor=actor,
            action="classification.override",
            subject=f"job:{key.account}:{key.external_id}",
            before={field: _plain(getattr(current, field))},
            after={field: _plain(getattr(stored, field))},
            reason=reason,
            session=session,
        )
    return stored


def _plain(value: Any) -> Any:
    if isinstance(value, frozenset | set):
        return sorted(value)
    return getattr(value, "value", value)
