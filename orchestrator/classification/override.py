"""A coordinator's override of one classification field, with the audit record to store.

The store persists the audit record and the new classification; the overridden classification
then serves as a label for that ticket (engine "override", confidence 1).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from orchestrator.classification.errors import OverrideError
from orchestrator.classification.result import FIELDS, TicketClassification
from orchestrator.classification.taxonomy import Taxonomy, default_taxonomy

__all__ = ["apply_override"]


def _as_set(value: object, field: str) -> frozenset[str]:
    if isinstance(value, str):
        items = [v.strip() for v in value.split(",")]
    elif isinstance(value, Iterable):
        items = [str(v).strip() for v in value]
    else:
        raise OverrideError(f"{field} must be a list or a comma-separated string")
    return frozenset(v for v in items if v)


def _snapshot(result: TicketClassification, field: str) -> Any:
    value = getattr(result, field)
    return sorted(value) if isinstance(value, frozenset) else value


def apply_override(
    classification: TicketClassification,
    field: str,
    value: object,
    *,
    actor: str,
    reason: str,
    taxonomy: Taxonomy | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> tuple[TicketClassification, dict[str, Any]]:
    """Override one field; return the new classification and its audit record.

    Changing the job type also moves the trade to the job type's own trade (estimates keep theirs).

    Args:
        classification: the current classification.
        field: one of trade, job_type, skills, equipment, urgency, complexity.
        value: the new value (skills/equipment: a list or "a,b"; complexity: 1-3).
        actor: who overrides (a coordinator id); required.
        reason: why; required.
        taxonomy: identifiers allowed.
        now: the clock, for tests.

    Raises:
        OverrideError: unknown field, empty actor or reason, or a value outside the taxonomy.
    """
    taxonomy = taxonomy or default_taxonomy()
    if field not in FIELDS:
        raise OverrideError(f"cannot override {field!r}; fields are {', '.join(FIELDS)}")
    if not actor.strip():
        raise OverrideError("an override needs the actor")
    if not reason.strip():
        raise OverrideError("an override needs a reason")
    changes: dict[str, Any] = {}
    if field in ("skills", "equipment"):
        changes[field] = _as_set(value, field)
    elif field == "complexity":
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise OverrideError("complexity must be 1, 2 or 3")
        try:
            number = int(value)
        except ValueError as exc:
            raise OverrideError(f"complexity must be 1, 2 or 3, not {value!r}") from exc
        if not 1 <= number <= 3:
            raise OverrideError(f"complexity must be 1, 2 or 3, not {number}")
        changes["complexity"] = number
    else:
        if not isinstance(value, str) or not value.strip():
            raise OverrideError(f"{field} must be a non-empty identifier")
        changes[field] = value.strip()
        if field == "job_type" and value.strip() in taxonomy.all_job_types:
            trade = taxonomy.trade_of(value.strip())
            if trade is not None:
                changes["trade"] = trade
    merged = {
        f: changes.get(f, getattr(classification, f))
        for f in ("trade", "job_type", "skills", "equipment", "urgency")
    }
    problems = taxonomy.check(**merged)
    if problems:
        raise OverrideError("; ".join(problems))
    before = {f: _snapshot(classification, f) for f in changes}
    new = replace(classification, **changes, engine="override", confidence=1.0, fallback=None)
    new = new.with_reason(field, f"overridden by {actor}: {reason}")
    after = {f: _snapshot(new, f) for f in changes}
    audit = {
        "action": "classification.override",
        "actor": actor,
        "at": now().isoformat(),
        "field": field,
        "before": before,
        "after": after,
        "reason": reason,
    }
    return new, audit
