"""The pipeline's classifier: a synced job and its customer, read as a ticket by the engine."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from connectors.records import Classification, Customer, Job
from orchestrator.classification.offline import classify_offline
from orchestrator.classification.ticket import Ticket

__all__ = ["OfflineTicketClassifier", "ticket_hash", "ticket_of"]


def ticket_hash(job: Job) -> str:
    """Identity of what a classifier reads: unchanged text needs no new classification."""
    text = f"{job.summary}\n{job.description}\n{job.source.value}"
    return hashlib.sha256(text.encode()).hexdigest()


def ticket_of(
    job: Job, customer: Customer | None, *, now: datetime, outdoor_temp_f: float | None
) -> Ticket:
    flags = frozenset(flag.value for flag in customer.flags) if customer else frozenset()
    return Ticket(
        summary=job.summary or job.description[:80] or "(no summary)",
        description=job.description,
        source=job.source.value,
        flags=flags,
        is_repeat=bool(customer and customer.is_repeat),
        preferred_tech=(
            customer.designated_technician or next(iter(customer.preferred_technicians), None)
        )
        if customer
        else None,
        outdoor_temp_f=outdoor_temp_f,
        month=now.month,
        property_type="commercial" if "commercial" in flags else "residential",
    )


@dataclass(frozen=True)
class OfflineTicketClassifier:
    """Classifies with the offline engine; `weather` gives the outdoor temperature at a time."""

    weather: Callable[[datetime], float | None] = lambda _: None

    def __call__(self, job: Job, customer: Customer | None, now: datetime) -> Classification:
        ticket = ticket_of(job, customer, now=now, outdoor_temp_f=self.weather(now))
        return classify_offline(ticket).to_record()
