"""Webhook endpoints verify, persist, acknowledge and dedupe; processing re-reads the record."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from connectors.errors import MalformedResponseError, NotFoundError, WebhookVerificationError
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
from orchestrator.store import Store
from orchestrator.web import create_app
from tests.live_server import serve

SECRET = b"whsec-test"
NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
KEY = {"platform": "memory", "account": "acme"}


class SigningConnector:
    """A platform that signs `timestamp.body` with HMAC-SHA256 and allows 5 minutes of skew."""

    platform = "memory"
    account = "acme"

    def __init__(self) -> None:
        self.jobs: dict[str, Job] = {}
        self.reads = 0

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

    async def fetch_job(self, external_id: str) -> Job:
        self.reads += 1
        if external_id not in self.jobs:
            raise NotFoundError(external_id)
        return self.jobs[external_id]

    def fetch_technicians(self) -> AsyncIterator[Sequence[Technician]]:
        raise NotImplementedError

    def fetch_jobs(self, modified_since: datetime | None) -> AsyncIterator[Sequence[Job]]:
        raise NotImplementedError

    def fetch_appointments(
        self, modified_since: datetime | None
    ) -> AsyncIterator[Sequence[Appointment]]:
        raise NotImplementedError

    def fetch_status_events(self, since: datetime | None) -> AsyncIterator[Sequence[StatusEvent]]:
        raise NotImplementedError

    async def fetch_appointment(self, external_id: str) -> Appointment:
        raise NotFoundError(external_id)

    async def fetch_customer(self, external_id: str) -> Customer:
        raise NotFoundError(external_id)

    async def fetch_location(self, external_id: str) -> Location:
        raise NotFoundError(external_id)

    async def write_assignment(
        self, appointment_id: str, technician_ids: Sequence[str], *, expected: Appointment
    ) -> WriteResult:
        raise NotImplementedError

    async def write_window(
        self,
        appointment_id: str,
        window: TimeWindow,
        arrival_window: TimeWindow | None,
        *,
        expected: Appointment,
    ) -> WriteResult:
        raise NotImplementedError


def _signed(body: bytes, *, at: datetime = NOW, secret: bytes = SECRET) -> dict[str, str]:
    stamp = int(at.timestamp())
    signature = hmac.new(secret, f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return {"x-timestamp": str(stamp), "x-signature": signature, "content-type": "application/json"}


@pytest.fixture
def platform() -> SigningConnector:
    return SigningConnector()


@pytest.fixture
def base_url(store: Store, platform: SigningConnector) -> Iterator[str]:
    app = create_app(
        store=store,
        connectors={("memory", "acme"): platform},
        clock=lambda: NOW,
        process_in_background=False,
    )
    with serve(app) as url:
        yield url


def _post(url: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{url}/webhooks/memory/acme", content=body, headers=headers, timeout=5)


def test_a_signed_event_is_persisted_and_acknowledged(base_url: str, store: Store) -> None:
    body = b'{"id": "evt-1", "job": "J1"}'
    response = _post(base_url, body, _signed(body))
    assert response.status_code == 202
    assert response.json() == {"status": "accepted", "event_id": "evt-1"}
    [row] = store.pending_webhooks()
    assert row.event_id == "evt-1" and "J1" in row.body


def test_the_same_event_twice_is_acknowledged_once_stored_once(base_url: str, store: Store) -> None:
    body = b'{"id": "evt-1", "job": "J1"}'
    assert _post(base_url, body, _signed(body)).status_code == 202
    again = _post(base_url, body, _signed(body))
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert len(store.pending_webhooks()) == 1


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(lambda b: _signed(b, secret=b"wrong"), id="bad-signature"),
        pytest.param(lambda b: _signed(b, at=NOW - timedelta(minutes=6)), id="replayed"),
        pytest.param(lambda b: {"content-type": "application/json"}, id="unsigned"),
    ],
)
def test_an_unverified_event_gets_401_without_detail(base_url: str, store: Store, headers) -> None:  # type: ignore[no-untyped-def]
    body = b'{"id": "evt-2", "job": "J1"}'
    response = _post(base_url, body, headers(body))
    assert response.status_code == 401
    assert response.content == b""
    assert store.pending_webhooks() == []


def test_a_signed_but_malformed_event_gets_a_precise_400(base_url: str, store: Store) -> None:
    body = b'{"id": "evt-3"}'
    response = _post(base_url, body, _signed(body))
    assert response.status_code == 400
    assert "malformed event" in response.json()["error"] and "job" in response.json()["error"]
    assert store.pending_webhooks() == []


def test_an_unknown_account_is_404(base_url: str) -> None:
    response = httpx.post(f"{base_url}/webhooks/memory/nobody", content=b"{}", timeout=5)
    assert response.status_code == 404


def test_processing_rereads_the_record_once_and_out_of_order_events_keep_the_newest(
    store: Store, platform: SigningConnector
) -> None:
    newest = Job(**KEY, external_id="J1", summary="v2", modified_at=NOW)
    platform.jobs["J1"] = newest
    store.upsert(
        [
            Job(
                **KEY,
                external_id="J1",
                summary="v3-from-a-sync",
                modified_at=NOW + timedelta(minutes=1),
            )
        ]
    )
    for event_id in ("e1", "e2"):
        store.record_webhook(
            platform="memory",
            account="acme",
            event_id=event_id,
            body=json.dumps({"headers": {}, "body": json.dumps({"id": event_id, "job": "J1"})}),
        )
    app = create_app(
        store=store, connectors={("memory", "acme"): platform}, process_in_background=False
    )
    processed = asyncio.run(app.state.processor.process_pending())
    assert processed == 2
    assert platform.reads == 1  # two events about one job: one re-read
    stored = store.get(Job, newest.key)
    assert (
        stored is not None and stored.summary == "v3-from-a-sync"
    )  # older platform copy did not win
    assert store.pending_webhooks() == []


def test_health_and_metrics_report_what_happened(base_url: str) -> None:
    body = b'{"id": "evt-9", "job": "J1"}'
    _post(base_url, body, _signed(body))
    _post(base_url, body, _signed(body, secret=b"x"))
    assert httpx.get(f"{base_url}/healthz", timeout=5).json() == {"status": "ok", "database": True}
    metrics = httpx.get(f"{base_url}/metrics", timeout=5).text
    assert 'fsm_dispatch_webhooks_total{outcome="accepted",platform="memory"} 1.0' in metrics
    assert 'fsm_dispatch_webhooks_total{outcome="unauthorized",platform="memory"} 1.0' in metrics
