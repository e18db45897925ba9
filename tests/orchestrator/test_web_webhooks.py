"""Webhook endpoints verify, persist, acknowledge and dedupe; processing re-reads the record."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from connectors.records import Job, Lifecycle
from orchestrator.store import Store
from orchestrator.web import create_app
from tests.live_server import serve
from tests.memory_platform import KEY, SECRET, MemoryPlatform, sign

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def _signed(body: bytes, *, at: datetime = NOW, secret: bytes = SECRET) -> dict[str, str]:
    return sign(body, at=at, secret=secret)


@pytest.fixture
def platform() -> MemoryPlatform:
    return MemoryPlatform()


@pytest.fixture
def base_url(store: Store, platform: MemoryPlatform) -> Iterator[str]:
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
    store: Store, platform: MemoryPlatform
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
    assert platform.job_reads == 1  # two events about one job: one re-read
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


def test_a_change_the_plan_cannot_stand_is_told_once_per_pass(
    store: Store, platform: MemoryPlatform
) -> None:
    """A new ticket and its cancellation are told to the listener (the service re-plans soon);
    the same record read again unchanged is not, and one pass tells each account once."""
    told: list[tuple[str, str]] = []
    app = create_app(
        store=store,
        connectors={("memory", "acme"): platform},
        process_in_background=False,
        on_change=lambda account, why: told.append((account, why)),
    )

    ids = itertools.count()

    def deliver(*jobs: str) -> None:
        for job in jobs:
            event_id = f"e{next(ids)}"
            body = json.dumps({"id": event_id, "job": job})
            store.record_webhook(
                platform="memory",
                account="acme",
                event_id=event_id,
                body=json.dumps({"headers": {}, "body": body}),
            )
        asyncio.run(app.state.processor.process_pending())

    platform.jobs["J1"] = Job(**KEY, external_id="J1", summary="No heat", modified_at=NOW)
    platform.jobs["J2"] = Job(**KEY, external_id="J2", summary="Leak", modified_at=NOW)
    deliver("J1", "J2")
    assert told == [("acme", "new ticket J1 (+1 more)")]
    deliver("J1")
    assert len(told) == 1  # read again, unchanged: the plan stands
    platform.jobs["J1"] = platform.jobs["J1"].model_copy(
        update={"status": Lifecycle.CANCELED, "modified_at": NOW + timedelta(minutes=5)}
    )
    deliver("J1")
    assert told[-1] == ("acme", "job J1 canceled")
