"""Evaluation harness: run an engine over labeled tickets and score it field by field."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestrator.classification.errors import TicketError
from orchestrator.classification.result import TicketClassification
from orchestrator.classification.ticket import Ticket, ticket_from_row

__all__ = ["EvalReport", "Label", "LabeledTicket", "evaluate", "load_labeled"]

_URGENCIES = ("emergency", "same_day", "scheduled")


@dataclass(frozen=True)
class Label:
    trade: str
    job_type: str
    urgency: str
    skills: frozenset[str]
    equipment: frozenset[str]
    safety_escalation: bool


@dataclass(frozen=True)
class LabeledTicket:
    id: str
    ticket: Ticket
    label: Label


@dataclass
class EvalReport:
    """Scores of one engine on one labeled file. Fractions are 0-1."""

    n: int
    job_type_accuracy: float
    trade_accuracy: float
    urgency_accuracy: float
    emergency_recall: float
    skills_exact: float
    equipment_exact: float
    safety_escalation_accuracy: float
    fallbacks: int
    errors: list[dict[str, Any]] = field(default_factory=list)
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)
    """Urgency confusion: expected tier → got tier → count."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "job_type_accuracy": self.job_type_accuracy,
            "trade_accuracy": self.trade_accuracy,
            "urgency_accuracy": self.urgency_accuracy,
            "emergency_recall": self.emergency_recall,
            "skills_exact": self.skills_exact,
            "equipment_exact": self.equipment_exact,
            "safety_escalation_accuracy": self.safety_escalation_accuracy,
            "fallbacks": self.fallbacks,
            "urgency_confusion": self.confusion,
            "errors": self.errors,
        }


def _strings(value: Any, where: str, name: str) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TicketError(f"{where}: label.{name} must be a list of strings")
    return frozenset(value)


def _label(row: dict[str, Any], where: str) -> Label:
    label = row.get("label")
    if not isinstance(label, dict):
        raise TicketError(f"{where}: missing label object")
    for key in ("trade", "job_type", "urgency"):
        if not isinstance(label.get(key), str):
            raise TicketError(f"{where}: label.{key} must be a string")
    if label["urgency"] not in _URGENCIES:
        raise TicketError(
            f"{where}: label.urgency {label['urgency']!r} is not one of {list(_URGENCIES)}"
        )
    return Label(
        trade=label["trade"],
        job_type=label["job_type"],
        urgency=label["urgency"],
        skills=_strings(label.get("skills", []), where, "skills"),
        equipment=_strings(label.get("equipment", []), where, "equipment"),
        safety_escalation=bool(label.get("safety_escalation", False)),
    )


def load_labeled(path: Path | str) -> list[LabeledTicket]:
    """Read a labeled JSONL file (the format of datasets/README.md).

    Raises:
        TicketError: a line is not JSON or misses a field; the message names the file and line.
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise TicketError(f"{path}: cannot read ({exc.strerror})") from exc
    out: list[LabeledTicket] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TicketError(f"{where}: not valid JSON ({exc.msg})") from exc
        if not isinstance(row, dict):
            raise TicketError(f"{where}: expected a JSON object")
        ident = str(row.get("id") or f"line-{number}")
        if ident in seen:
            raise TicketError(f"{where}: duplicate id {ident!r}")
        seen.add(ident)
        out.append(
            LabeledTicket(
                id=ident, ticket=ticket_from_row(row, where=where), label=_label(row, where)
            )
        )
    if not out:
        raise TicketError(f"{path}: no labeled tickets")
    return out


def evaluate(
    rows: Sequence[LabeledTicket], classify: Callable[[Ticket], TicketClassification]
) -> EvalReport:
    """Classify every ticket and compare with its label.

    Emergency recall is the share of tickets labelled emergency that the engine also called an
    emergency (1.0 when the file has none).
    """
    if not rows:
        raise TicketError("nothing to evaluate")
    hits = {"job_type": 0, "trade": 0, "urgency": 0, "skills": 0, "equipment": 0, "safety": 0}
    emergencies = caught = fallbacks = 0
    errors: list[dict[str, Any]] = []
    confusion: dict[str, dict[str, int]] = {u: dict.fromkeys(_URGENCIES, 0) for u in _URGENCIES}
    for row in rows:
        got = classify(row.ticket)
        fallbacks += got.fallback is not None
        expected = row.label
        pairs: dict[str, tuple[Any, Any]] = {
            "job_type": (expected.job_type, got.job_type),
            "trade": (expected.trade, got.trade),
            "urgency": (expected.urgency, got.urgency),
            "skills": (sorted(expected.skills), sorted(got.skills)),
            "equipment": (sorted(expected.equipment), sorted(got.equipment)),
            "safety": (expected.safety_escalation, got.safety_escalation),
        }
        for name, (want, have) in pairs.items():
            if want == have:
                hits[name] += 1
            else:
                errors.append({"id": row.id, "field": name, "expected": want, "got": have})
        confusion[expected.urgency][got.urgency] += 1
        if expected.urgency == "emergency":
            emergencies += 1
            caught += got.urgency == "emergency"
    n = len(rows)
    return EvalReport(
        n=n,
        job_type_accuracy=hits["job_type"] / n,
        trade_accuracy=hits["trade"] / n,
        urgency_accuracy=hits["urgency"] / n,
        emergency_recall=caught / emergencies if emergencies else 1.0,
        skills_exact=hits["skills"] / n,
        equipment_exact=hits["equipment"] / n,
        safety_escalation_accuracy=hits["safety"] / n,
        fallbacks=fallbacks,
        errors=errors,
        confusion=confusion,
    )
