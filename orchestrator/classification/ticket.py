"""The classifier's input: one ticket with its customer's flags and history and its context."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from orchestrator.classification.errors import TicketError

__all__ = ["SOURCES", "VULNERABLE_FLAGS", "Ticket", "ticket_from_row"]

SOURCES = frozenset({"phone", "portal", "iot_alert", "recurring", "email", "other"})
KNOWN_FLAGS = frozenset(
    {
        "elderly",
        "infant",
        "medical_equipment",
        "disability",
        "vip",
        "commercial",
        "designated_preferred_tech",
    }
)
VULNERABLE_FLAGS = frozenset({"elderly", "infant", "medical_equipment"})
"""Flags that make an occupant vulnerable for the weather rules (disability does not, by policy)."""


@dataclass(frozen=True)
class Ticket:
    """What the classifier may look at for one job.

    Attributes:
        summary: the title the CSR, portal or device gave the ticket.
        description: the free text as written.
        source: how it arrived: phone, portal, iot_alert, recurring, email or other.
        flags: the customer's flags (elderly, infant, medical_equipment, commercial, ...).
        is_repeat: the customer has had work done before.
        previous_job_types: canonical job types of the customer's earlier jobs, newest first.
        preferred_tech: the customer's preferred or designated technician, if any.
        outdoor_temp_f: outdoor temperature when the ticket arrived; None when unknown.
        month: month of the year the ticket arrived, 1-12; None when unknown.
        property_type: residential or commercial.
    """

    summary: str
    description: str = ""
    source: str = "other"
    flags: frozenset[str] = field(default_factory=frozenset)
    is_repeat: bool = False
    previous_job_types: tuple[str, ...] = ()
    preferred_tech: str | None = None
    outdoor_temp_f: float | None = None
    month: int | None = None
    property_type: str = "residential"

    def __post_init__(self) -> None:
        if not (self.summary.strip() or self.description.strip()):
            raise TicketError("a ticket needs a summary or a description")
        if self.source not in SOURCES:
            raise TicketError(f"source {self.source!r} is not one of {sorted(SOURCES)}")
        unknown = set(self.flags) - KNOWN_FLAGS
        if unknown:
            raise TicketError(f"unknown customer flags {sorted(unknown)}")
        if self.month is not None and not 1 <= self.month <= 12:
            raise TicketError(f"month must be 1-12, got {self.month}")
        if self.outdoor_temp_f is not None and not -80 <= self.outdoor_temp_f <= 140:
            raise TicketError(f"outdoor_temp_f {self.outdoor_temp_f} is not a plausible reading")
        if self.property_type not in ("residential", "commercial"):
            raise TicketError(
                f"property_type must be residential or commercial, not {self.property_type!r}"
            )

    @property
    def text(self) -> str:
        """Summary and description as one text."""
        return f"{self.summary.strip()}. {self.description.strip()}".strip()

    @property
    def is_commercial(self) -> bool:
        return "commercial" in self.flags or self.property_type == "commercial"

    @property
    def has_vulnerable_flag(self) -> bool:
        return bool(self.flags & VULNERABLE_FLAGS)

    def content_hash(self) -> str:
        """A stable hash of everything a classifier may look at (the cache key)."""
        payload = asdict(self)
        payload["flags"] = sorted(self.flags)
        blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _flags(value: Any, where: str) -> frozenset[str]:
    if value is None:
        return frozenset()
    if not isinstance(value, Iterable) or isinstance(value, str | bytes):
        raise TicketError(f"{where}: customer.flags must be a list")
    return frozenset(str(v) for v in value)


def ticket_from_row(row: Mapping[str, Any], *, where: str = "row") -> Ticket:
    """Build a ticket from one record of the labeled-ticket format (see datasets/README.md).

    Raises:
        TicketError: a required field is missing or has the wrong type; the message names `where`.
    """
    if not isinstance(row, Mapping):
        raise TicketError(f"{where}: expected a JSON object")
    customer = row.get("customer") or {}
    context = row.get("context") or {}
    if not isinstance(customer, Mapping) or not isinstance(context, Mapping):
        raise TicketError(f"{where}: customer and context must be objects")
    summary = row.get("summary")
    description = row.get("description", "")
    if not isinstance(summary, str) or not isinstance(description, str):
        raise TicketError(f"{where}: summary and description must be strings")
    temp = context.get("outdoor_temp_f")
    month = context.get("month")
    if temp is not None and not isinstance(temp, int | float):
        raise TicketError(f"{where}: context.outdoor_temp_f must be a number or null")
    if month is not None and not isinstance(month, int):
        raise TicketError(f"{where}: context.month must be an integer or null")
    previous = customer.get("previous_job_types") or ()
    try:
        return Ticket(
            summary=summary,
            description=description,
            source=str(row.get("source", "other")),
            flags=_flags(customer.get("flags"), where),
            is_repeat=bool(customer.get("is_repeat", False)),
            previous_job_types=tuple(str(p) for p in previous),
            preferred_tech=customer.get("preferred_tech"),
            outdoor_temp_f=float(temp) if temp is not None else None,
            month=month,
            property_type=str(customer.get("property_type", "residential")),
        )
    except TicketError as exc:
        raise TicketError(f"{where}: {exc}") from exc
