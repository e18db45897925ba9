"""Reading a simulated day's status events the way a test states its expectations."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from connectors.records import Lifecycle
from orchestrator.simulation.loop import SimulationRecord


def status_times(
    record: SimulationRecord, zone: ZoneInfo, job: str, status: Lifecycle
) -> list[tuple[str, str | None]]:
    """(local HH:MM, technician) of each `status` event of the job's first appointment."""
    return [
        (e.occurred_at.astimezone(zone).strftime("%H:%M"), e.technician_id)
        for e in record.status_events
        if e.subject_id == f"{job}-1" and e.status is status
    ]
