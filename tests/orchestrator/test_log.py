"""Personal data never reaches the log output, whatever the call site passes."""

from __future__ import annotations

import io
import json

import pytest
import structlog

from orchestrator.log import bind_correlation, configure_logging, redact_text


@pytest.fixture
def log_output() -> io.StringIO:
    stream = io.StringIO()
    configure_logging("DEBUG", "json", stream=stream)
    yield stream
    structlog.reset_defaults()


def test_phone_email_and_street_address_are_masked_in_every_field(log_output: io.StringIO) -> None:
    log = structlog.get_logger()
    log.info(
        "customer called +13035550199 about 1450 S Example St, Denver",
        note="reach her at dana.w@example.com or (303) 555-0101",
        nested={"contact": "303.555.0102", "where": "77 Elm Avenue Apt 4"},
        phone="anything at all",
        job_id="J001",
    )
    line = log_output.getvalue()
    for secret in (
        "3035550199",
        "1450 S Example St",
        "dana.w@example.com",
        "555-0101",
        "555.0102",
        "77 Elm Avenue",
        "anything at all",
    ):
        assert secret not in line
    event = json.loads(line)
    assert event["job_id"] == "J001"  # identifiers survive
    assert "[redacted]" in event["event"]


def test_identifiers_times_and_counts_are_not_mistaken_for_personal_data() -> None:
    text = "synced 10000 jobs in 12.5 s at 2026-12-01T08:00:00Z, job 4412345678 page 3"
    assert redact_text("synced 10000 jobs in 12.5 s") == "synced 10000 jobs in 12.5 s"
    assert "2026-12-01T08:00:00Z" in redact_text(text)


def test_correlation_ids_ride_on_every_event_in_their_block(log_output: io.StringIO) -> None:
    with bind_correlation("sync", account="acme") as correlation_id:
        structlog.get_logger().info("page fetched", page=1)
    structlog.get_logger().info("outside")
    inside, outside = (json.loads(line) for line in log_output.getvalue().splitlines())
    assert inside["correlation_id"] == correlation_id and correlation_id.startswith("sync-")
    assert inside["account"] == "acme"
    assert "correlation_id" not in outside
