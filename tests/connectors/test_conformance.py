"""The conformance suite every platform adapter passes, each against its loopback fake."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from connectors.errors import (
    AuthError,
    MalformedResponseError,
    RequestRejectedError,
    WebhookVerificationError,
    WriteConflictError,
)
from connectors.protocol import Connector
from tests.connectors.platforms import JOBS, TECHS, Harness, running

PLATFORMS = ["servicetitan", "workiz", "housecallpro"]


@pytest.fixture(params=PLATFORMS)
def harness(request: pytest.FixtureRequest) -> Iterator[Harness]:
    with running(request.param) as h:
        yield h


@pytest.fixture
async def adapter(harness: Harness) -> AsyncIterator[Any]:
    async with httpx.AsyncClient() as http:
        yield harness.adapter(http)


async def collect(pages: AsyncIterator[Any]) -> list[Any]:
    return [record async for page in pages for record in page]


async def test_the_adapter_implements_the_connector_protocol(adapter: Any) -> None:
    assert isinstance(adapter, Connector)


async def test_a_full_fetch_returns_every_record_once(harness: Harness, adapter: Any) -> None:
    jobs = await collect(adapter.fetch_jobs(None))
    appointments = await collect(adapter.fetch_appointments(None))
    technicians = await collect(adapter.fetch_technicians())
    assert len({j.external_id for j in jobs}) == len(jobs) == JOBS
    assert len({a.external_id for a in appointments}) == len(appointments) == JOBS
    assert {a.job_id for a in appointments} == {j.external_id for j in jobs}
    assert len(technicians) == TECHS
    assert all(j.platform == harness.platform and j.account == "acme" for j in jobs)
    # every other seeded appointment has one technician
    assert sum(1 for a in appointments if a.technician_ids) == JOBS // 2


async def test_an_incremental_fetch_returns_what_changed_since_the_cursor(
    harness: Harness, adapter: Any
) -> None:
    full = await collect(adapter.fetch_jobs(None))
    cursor = max((j.modified_at for j in full if j.modified_at), default=None)
    since = (cursor + timedelta(seconds=1)) if cursor else datetime.now(UTC)
    changed = harness.touch()
    again = await collect(adapter.fetch_jobs(since))
    assert changed in {j.external_id for j in again}
    if harness.filters_by_cursor:
        assert [j.external_id for j in again] == [changed]
    else:  # no modified-since filter exists: the whole window is read again
        assert len(again) == JOBS


@pytest.mark.parametrize("fault", ["429", "500", "503", "timeout"])
async def test_transient_failures_are_retried_until_the_fetch_completes(
    harness: Harness, adapter: Any, fault: str
) -> None:
    harness.faults.queue = [fault, fault]
    jobs = await collect(adapter.fetch_jobs(None))
    assert len(jobs) == JOBS
    assert harness.faults.injected == {fault: 2}
    assert len(harness.sleeps) >= 2


async def test_retry_after_on_429_is_honoured(harness: Harness, adapter: Any) -> None:
    harness.faults.retry_after = "0.2"
    harness.faults.queue = ["429"]
    await collect(adapter.fetch_technicians())
    # the client's rate limiter holds every request back for the vendor's Retry-After
    assert adapter.client.transport.limiter.deferred_seconds == pytest.approx(0.2)


async def test_a_400_is_not_retried(harness: Harness, adapter: Any) -> None:
    harness.faults.queue = ["400"]
    with pytest.raises(RequestRejectedError) as caught:
        await collect(adapter.fetch_jobs(None))
    assert caught.value.status_code == 400
    assert harness.sleeps == []


async def test_malformed_json_is_reported_not_retried(harness: Harness, adapter: Any) -> None:
    harness.faults.queue = ["malformed"]
    with pytest.raises(MalformedResponseError):
        await collect(adapter.fetch_jobs(None))
    assert harness.sleeps == []


async def test_a_401_refreshes_the_token_once_where_the_platform_has_tokens(
    harness: Harness, adapter: Any
) -> None:
    await collect(adapter.fetch_technicians())
    if harness.refreshes_tokens:
        issued = harness.fake.tokens_issued
        harness.fake.revoke_tokens()
        await collect(adapter.fetch_technicians())
        assert harness.fake.tokens_issued == issued + 1
    before = len(harness.fake.requests)
    harness.break_credentials()
    with pytest.raises(AuthError):
        await collect(adapter.fetch_technicians())
    # refused at most twice (once, and once after one refresh), never retried in a loop
    assert len(harness.fake.requests) - before <= 2


async def test_a_duplicate_webhook_parses_to_the_same_event(harness: Harness, adapter: Any) -> None:
    now = datetime.now(UTC)
    headers, body = harness.webhook(now)
    adapter.verify_webhook(headers, body, now)
    first = adapter.parse_webhook(headers, body)
    second = adapter.parse_webhook(headers, body)
    assert first == second
    assert first[0].event_id == second[0].event_id
    assert {h.resource for h in first} >= {"job"}
    assert all(h.platform == harness.platform and h.account == "acme" for h in first)


async def test_webhook_signatures_are_verified(harness: Harness, adapter: Any) -> None:
    now = datetime.now(UTC)
    headers, body = harness.webhook(now)
    adapter.verify_webhook(headers, body, now)  # authentic and fresh
    with pytest.raises(WebhookVerificationError):
        adapter.verify_webhook(headers, body.replace(b"}", b" }", 1), now)  # tampered
    bad_headers, bad_body = harness.webhook(now, secret="not-the-secret-" * 3)
    with pytest.raises(WebhookVerificationError):
        adapter.verify_webhook(bad_headers, bad_body, now)
    with pytest.raises(WebhookVerificationError):
        adapter.verify_webhook({}, body, now)  # unsigned


async def test_a_replayed_webhook_outside_the_window_is_refused(
    harness: Harness, adapter: Any
) -> None:
    sent = datetime.now(UTC) - timedelta(hours=1)
    headers, body = harness.webhook(sent)
    adapter.verify_webhook(headers, body, sent + timedelta(seconds=30))
    with pytest.raises(WebhookVerificationError, match="replay window"):
        adapter.verify_webhook(headers, body, sent + timedelta(hours=1))


async def test_writing_the_same_assignment_twice_writes_once(
    harness: Harness, adapter: Any
) -> None:
    appointment = await adapter.fetch_appointment(harness.appointment())
    wanted = [harness.technician(1), harness.technician(2)]
    first = await adapter.write_assignment(appointment.external_id, wanted, expected=appointment)
    assert first.changed
    assert set(first.appointment.technician_ids) == set(wanted)
    assert harness.server_technicians(appointment.external_id) == set(wanted)
    writes = harness.writes()
    second = await adapter.write_assignment(appointment.external_id, wanted, expected=appointment)
    assert not second.changed
    assert harness.writes() == writes


async def test_a_window_change_is_written_and_idempotent(harness: Harness, adapter: Any) -> None:
    appointment = await adapter.fetch_appointment(harness.appointment())
    assert appointment.window is not None
    moved = appointment.window.model_copy(
        update={
            "start": appointment.window.start + timedelta(hours=3),
            "end": appointment.window.end + timedelta(hours=3),
        }
    )
    result = await adapter.write_window(appointment.external_id, moved, None, expected=appointment)
    assert result.changed and result.appointment.window == moved
    writes = harness.writes()
    again = await adapter.write_window(appointment.external_id, moved, None, expected=appointment)
    assert not again.changed and harness.writes() == writes


async def test_a_write_against_a_stale_read_is_refused_and_overwrites_nothing(
    harness: Harness, adapter: Any
) -> None:
    appointment = await adapter.fetch_appointment(harness.appointment())
    harness.dispatcher_moves(appointment.external_id)
    theirs = harness.server_technicians(appointment.external_id)
    with pytest.raises(WriteConflictError):
        await adapter.write_assignment(
            appointment.external_id, [harness.technician(1)], expected=appointment
        )
    assert harness.writes() == 0
    assert harness.server_technicians(appointment.external_id) == theirs


async def test_a_write_that_timed_out_after_landing_is_verified_not_repeated(
    harness: Harness, adapter: Any
) -> None:
    appointment = await adapter.fetch_appointment(harness.appointment())
    wanted = [harness.technician(3)]
    # The write request lands, then its reply is too slow: the re-read must see it.
    original = harness.fake.faults.next

    def next_fault() -> str | None:
        is_write = harness.fake.requests[-1][0] in ("POST", "PUT", "PATCH")
        return "timeout-after" if is_write and harness.writes() == 0 else original()

    harness.fake.faults.next = next_fault
    result = await adapter.write_assignment(appointment.external_id, wanted, expected=appointment)
    assert set(result.appointment.technician_ids) == set(wanted)
    assert harness.server_technicians(appointment.external_id) == set(wanted)
    assert harness.writes() == 1
