"""Synced jobs are read as tickets with their customer's flags and the day's weather."""

from __future__ import annotations

from datetime import UTC, datetime

from connectors.records import Customer, CustomerFlag, Job, JobSource, Urgency
from orchestrator.ticket_classifier import OfflineTicketClassifier, ticket_of

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
JOB = Job(
    platform="sandbox",
    account="demo",
    external_id="J1",
    summary="Furnace not heating",
    description="Runs but blows cold air since last night.",
    source=JobSource.PHONE,
)


def test_the_ticket_carries_flags_repeat_preference_weather_and_month() -> None:
    customer = Customer(
        platform="sandbox",
        account="demo",
        external_id="C1",
        is_repeat=True,
        flags=frozenset({CustomerFlag.ELDERLY, CustomerFlag.COMMERCIAL}),
        preferred_technicians=("T3",),
    )
    ticket = ticket_of(JOB, customer, now=NOW, outdoor_temp_f=18)
    assert ticket.flags == {"elderly", "commercial"} and ticket.property_type == "commercial"
    assert (ticket.is_repeat, ticket.preferred_tech, ticket.month) == (True, "T3", 12)
    assert ticket.outdoor_temp_f == 18 and ticket.source == "phone"


def test_the_weather_decides_whether_no_heat_is_an_emergency() -> None:
    cold = OfflineTicketClassifier(weather=lambda _: 18)(JOB, None, NOW)
    mild = OfflineTicketClassifier(weather=lambda _: 62)(JOB, None, NOW)
    assert cold.job_type == mild.job_type == "hvac.no_heat"
    assert cold.urgency is Urgency.EMERGENCY
    assert mild.urgency is not Urgency.EMERGENCY
