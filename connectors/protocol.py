"""The one connector protocol every platform implements, the sandbox included."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from typing import Literal, Protocol, runtime_checkable

from pydantic import AwareDatetime, BaseModel, ConfigDict

from connectors.records import (
    Appointment,
    Customer,
    Job,
    Location,
    StatusEvent,
    Technician,
    TimeWindow,
)

__all__ = ["ChangeHint", "Connector", "WriteResult"]


class ChangeHint(BaseModel):
    """What a webhook tells us: something changed; the record itself is re-read."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: str
    platform: str
    account: str
    resource: Literal["job", "appointment", "technician", "customer", "location"]
    external_id: str
    action: Literal["created", "updated", "deleted", "status_changed"] = "updated"
    occurred_at: AwareDatetime | None = None
    modified_at: AwareDatetime | None = None


class WriteResult(BaseModel):
    """The outcome of one write-back, as confirmed by the platform."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    appointment: Appointment
    changed: bool
    """False when the platform already had the requested state (an idempotent no-op)."""


@runtime_checkable
class Connector(Protocol):
    """Async access to one account on one platform, in canonical records.

    Listing methods yield pages so the caller can commit as it goes. Records modified at or
    after `modified_since` are returned; duplicates across pages or calls are possible and the
    caller dedupes by external id (at-least-once delivery).
    """

    platform: str
    account: str

    def fetch_technicians(self) -> AsyncIterator[Sequence[Technician]]: ...

    def fetch_jobs(self, modified_since: datetime | None) -> AsyncIterator[Sequence[Job]]: ...

    def fetch_appointments(
        self, modified_since: datetime | None
    ) -> AsyncIterator[Sequence[Appointment]]: ...

    def fetch_status_events(
        self, since: datetime | None
    ) -> AsyncIterator[Sequence[StatusEvent]]: ...

    async def fetch_job(self, external_id: str) -> Job: ...

    async def fetch_appointment(self, external_id: str) -> Appointment: ...

    async def fetch_customer(self, external_id: str) -> Customer: ...

    async def fetch_location(self, external_id: str) -> Location: ...

    async def write_assignment(
        self, appointment_id: str, technician_ids: Sequence[str], *, expected: Appointment
    ) -> WriteResult:
        """Make `technician_ids` exactly the assigned technicians.

        Raises WriteConflictError when the appointment differs from `expected` (the FSM changed
        it since our read).
        """
        ...

    async def write_window(
        self,
        appointment_id: str,
        window: TimeWindow,
        arrival_window: TimeWindow | None,
        *,
        expected: Appointment,
    ) -> WriteResult: ...

    def verify_webhook(self, headers: Mapping[str, str], body: bytes, now: datetime) -> None:
        """Raise WebhookVerificationError unless the body is authentic and fresh."""
        ...

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> Sequence[ChangeHint]: ...
