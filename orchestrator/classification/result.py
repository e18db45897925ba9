"""The classifier's output: every field with the reasons that produced it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from connectors.records import Classification, Urgency

__all__ = ["FIELDS", "URGENCY_RANK", "TicketClassification", "more_urgent"]

FIELDS = ("trade", "job_type", "skills", "equipment", "urgency", "complexity")
URGENCY_RANK = {"scheduled": 0, "same_day": 1, "emergency": 2}


def more_urgent(a: str, b: str) -> str:
    """The more urgent of two tiers."""
    return a if URGENCY_RANK[a] >= URGENCY_RANK[b] else b


@dataclass(frozen=True)
class TicketClassification:
    """What a ticket needs, how sure the engine is, and why.

    Attributes:
        trade: hvac, plumbing, electrical, appliance or refrigeration (or an admin-added trade).
        job_type: one job type of the taxonomy.
        skills: skills and certifications the primary job needs.
        equipment: special equipment the primary job needs.
        urgency: emergency, same_day or scheduled.
        complexity: 1 (simple) to 3 (long or multi-visit).
        confidence: 0-1; below the review threshold the job is marked for review.
        reasons: field name → the reasons that produced it (including fired safety rules).
        engine: "offline", "claude", or "override" after a coordinator's change.
        safety_escalation: people are at risk (gas, CO, electrical hazard, sewage, weather rules).
        fallback: why a model engine fell back to the offline one, if it did.
    """

    trade: str
    job_type: str
    urgency: str
    skills: frozenset[str] = frozenset()
    equipment: frozenset[str] = frozenset()
    complexity: int = 2
    confidence: float = 0.5
    reasons: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    engine: str = "offline"
    safety_escalation: bool = False
    fallback: str | None = None

    def needs_review(self, threshold: float) -> bool:
        """Low confidence marks the job for a coordinator's review."""
        return self.confidence < threshold

    def with_reason(self, name: str, reason: str, **changes: Any) -> TicketClassification:
        """A copy with `reason` appended to field `name`'s reasons and `changes` applied."""
        reasons = {k: tuple(v) for k, v in self.reasons.items()}
        reasons[name] = (*reasons.get(name, ()), reason)
        return replace(self, reasons=reasons, **changes)

    def to_record(self) -> Classification:
        """The canonical `connectors.records.Classification` for storing on the job."""
        reasons = {k: tuple(v) for k, v in self.reasons.items()}
        if self.fallback:
            reasons["engine"] = (
                *reasons.get("engine", ()),
                f"fell back to offline: {self.fallback}",
            )
        return Classification(
            trade=self.trade,
            job_type=self.job_type,
            skills=frozenset(self.skills),
            equipment=frozenset(self.equipment),
            urgency=Urgency(self.urgency),
            complexity=self.complexity,
            confidence=round(self.confidence, 3),
            reasons=reasons,
            engine=self.engine,
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view (sets as sorted lists)."""
        return {
            "trade": self.trade,
            "job_type": self.job_type,
            "urgency": self.urgency,
            "skills": sorted(self.skills),
            "equipment": sorted(self.equipment),
            "complexity": self.complexity,
            "confidence": round(self.confidence, 3),
            "safety_escalation": self.safety_escalation,
            "engine": self.engine,
            "fallback": self.fallback,
            "reasons": {k: list(v) for k, v in self.reasons.items()},
        }
