"""An in-process platform behind the Connector protocol, for tests of the orchestrator's services.

It pages its records two at a time, can fail mid-listing, signs webhooks with HMAC-SHA256 over
`timestamp.body` (5 minutes of allowed skew), and checks writes against the caller's last read.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from connectors.errors import (
    MalformedResponseError,
    NotFoundError,
    TimeoutError_,
    WebhookVerificationError,
    WriteConflictError,
)
from connectors.protocol import ChangeHint, WriteResult
from connectors.records import (
    Appointment,
    Customer,
    Job,
    Location,
    StatusEvent,
    Technician,
    TimeWindow,
)

T0 = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
KEY = {"platform": "memory", "account": "acme"}
SECRET = b"whsec-test"

R = TypeVar("R")


class CrashError(RuntimeError):
    pass


def sign(body: bytes, *, at: datetime, secret: bytes = SECRET) -> dict[str, str]:
    stamp = int(at.timestamp())
    signature = hmac.new(secret, f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return {"x-timestamp": str(stamp), "x-signature": signature, "content-type": "application/json"}


class MemoryPlatform:
    platform = "memory"
    account = "acme"

    def __init__(self, jobs: int = 0) -> None:
        self.jobs: dict[str, Job] = {
            f"J{i:03}": Job(
                **KEY,
                external_id=f"J{i:03}",
                modified_at=T0 + timedelta(minutes=i),
                customer_id="C1",
                location_id="L1" if i % 2 else "L-missing",
            )
            for i in range(jobs)
        }
        self.appointments: dict[str, Appointment] = {}
        self.since_seen: list[datetime | None] = []
        self.crash_after_pages: int | None = None
        self.job_reads = 0
        self.writes = 0
        self.fail_next_write_after_applying = False

    async def _pages(self, records: Sequence[R]) -> AsyncIterator[Sequence[R]]:
        for start in range(0, len(records), 2):
            if self.crash_after_pages is not None and start // 2 >= self.crash_after_pages:
                raise CrashError("connection lost")
            yield records[start : start + 2]

    # --- reads ---------------------------------------------------------------------------------

    def fetch_technicians(self) -> AsyncIterator[Sequence[Technician]]:
        return self._pages([Technician(**KEY, external_id="T1", name="Mike")])

    def fetch_jobs(self, modified_since: datetime | None) -> AsyncIterator[Sequence[Job]]:
        self.since_seen.append(modified_since)
        chosen = [
            j
            for j in self.jobs.values()
            if modified_since is None
            or (j.modified_at is not None and j.modified_at >= modified_since)
        ]
        return self._pages(chosen)

    def fetch_appointments(
        self, modified_since: datetime | None
    ) -> AsyncIterator[Sequence[Appointment]]:
        return self._pages(list(self.appointments.values()))

    def fetch_status_events(self, since: datetime | None) -> AsyncIterator[Sequence[StatusEvent]]:
        return self._pages([])

    async def fetch_job(self, external_id: str) -> Job:
        self.job_reads += 1
        if external_id not in self.jobs:
            raise NotFoundError(external_id)
        return self.jobs[external_id]

    async def fetch_appointment(self, external_id: str) -> Appointment:
        if external_id not in self.appointments:
            raise NotFoundError(external_id)
        return self.appointments[external_id]

    async def fetch_customer(self, external_id: str) -> Customer:
        return Customer(**KEY, external_id=external_id, name="Dana")

    async def fetch_location(self, external_id: str) -> Location:
        if external_id == "L-missing":
            raise NotFoundError(external_id)
        return Location(**KEY, external_id=external_id)

    # --- writes --------------------------------------------------------------------------------

    def _check(self, appointment_id: str, expected: Appointment) -> Appointment:
        current = self.appointments.get(appointment_id)
        if current is None:
            raise NotFoundError(appointment_id)
        if current.modified_at != expected.modified_at:
            raise WriteConflictError(f"appointment {appointment_id} changed since it was read")
        return current

    def _apply(self, updated: Appointment) -> WriteResult:
        self.writes += 1
        self.appointments[updated.external_id] = updated
        if self.fail_next_write_after_applying:
            self.fail_next_write_after_applying = False
            raise TimeoutError_("read timeout after the request was sent")
        return WriteResult(appointment=updated, changed=True)

    async def write_assignment(
        self, appointment_id: str, technician_ids: Sequence[str], *, expected: Appointment
    ) -> WriteResult:
        current = self._check(appointment_id, expected)
        if set(current.technician_ids) == set(technician_ids):
            return WriteResult(appointment=current, changed=False)
        stamp = (current.modified_at or T0) + timedelta(seconds=1)
        return self._apply(
            current.model_copy(
                update={"technician_ids": tuple(technician_ids), "modified_at": stamp}
            )
        )

    async def write_window(
        self,
        appointment_id: str,
        window: TimeWindow,
        arrival_window: TimeWindow | None,
        *,
        expected: Appointment,
    ) -> WriteResult:
        current = self._check(appointment_id, expected)
        if current.window == window and current.arrival_window == arrival_window:
            return WriteResult(appointment=current, changed=False)
        stamp = (current.modified_at or T0) + timedelta(seconds=1)
        return self._apply(
            current.model_copy(
                update={"window": window, "arrival_window": arrival_window, "modified_at": stamp}
            )
        )

    # --- webhooks ------------------------------------------------------------------------------

    def verify_webhook(self, headers: Mapping[str, str], body: bytes, now: datetime) -> None:
        try:
            stamp = int(headers["x-timestamp"])
            given = headers["x-signature"]
        except (KeyError, ValueError) as exc:
            raise WebhookVerificationError("missing or bad signature headers") from exc
        if abs(now.timestamp() - stamp) > 300:
            raise WebhookVerificationError("outside the replay window")
        expected = hmac.new(SECRET, f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, given):
            raise WebhookVerificationError("bad signature")

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> Sequence[ChangeHint]:
        try:
            data = json.loads(body)
            return [ChangeHint(event_id=data["id"], resource="job", external_id=data["job"], **KEY)]
        except (json.JSONDecodeError, KeyError) as exc:
            raise MalformedResponseError(f"not an event: {exc}") from exc
