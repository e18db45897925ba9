"""Sync and webhook-ingest figures against the loopback fake ServiceTitan.

Run from the repository root:

    .venv/bin/python -m bench.sync --jobs 10000 --techs 200 --json out/sync.json

1. A full sync of JOBS jobs and TECHS technicians at the vendor's documented rate limit
   (60 requests/s per app and tenant), enforced by the fake as well as by our client: wall time
   and achieved requests/s.
2. The same with FAULTS of the requests failing (5xx, 429, timeouts): the store must end with
   exactly the server's records, none lost and none duplicated.
3. Webhook ingest: signed deliveries posted concurrently to our ASGI app (uvicorn, loopback):
   events acknowledged per second and the p50/p99 acknowledgement latency.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from connectors.http import RetryParams
from connectors.mapping import load_mapping
from connectors.records import Appointment, Customer, Job, Location, Technician
from connectors.servicetitan import ServiceTitanAdapter, ServiceTitanClient
from orchestrator.log import configure_logging
from orchestrator.store import Store, make_engine, upgrade
from orchestrator.sync import sync_account
from orchestrator.web import create_app
from tests.fakes.knobs import Faults
from tests.fakes.servicetitan_server import FakeServiceTitan
from tests.live_server import serve

MAPPINGS = Path(__file__).resolve().parents[1] / "mappings" / "servicetitan.yaml"
RATE = 60.0


def _adapter(
    fake: FakeServiceTitan, url: str, http: httpx.AsyncClient, *, timeout: float
) -> ServiceTitanAdapter:
    client = ServiceTitanClient(
        http,
        tenant=fake.tenant,
        app_key=fake.app_key,
        client_id=fake.client_id,
        client_secret=fake.client_secret,
        base_url=url,
        token_url=url + "/connect/token",
        timeout=timeout,
        rate_per_second=RATE,
        retry=RetryParams(attempts=8, base_seconds=0.05),
        page_size=500,
    )
    return ServiceTitanAdapter(
        client, load_mapping(MAPPINGS), account="bench", webhook_secret=fake.webhook_key
    )


def _counts(store: Store) -> dict[str, int]:
    return {
        kind.__name__: store.count(kind, account="bench")
        for kind in (Job, Appointment, Technician, Customer, Location)
    }


def _server_counts(fake: FakeServiceTitan) -> dict[str, int]:
    return {
        "Job": len(fake.jobs),
        "Appointment": len(fake.appointments),
        "Technician": len(fake.technicians),
        "Customer": len(fake.customers),
        "Location": len(fake.locations),
    }


async def _full_sync(jobs: int, techs: int, fault_rate: float) -> dict[str, Any]:
    faults = Faults(
        rate=fault_rate, kinds=("500", "503", "429", "timeout"), slow_seconds=2.5, retry_after="1"
    )
    fake = FakeServiceTitan(rate_limit=RATE, faults=faults)
    fake.seed(jobs=jobs, technicians=techs)
    with tempfile.TemporaryDirectory() as folder, serve(fake.app()) as url:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        upgrade(engine)
        store = Store(engine)
        async with httpx.AsyncClient() as http:
            adapter = _adapter(fake, url, http, timeout=1.0)
            started = time.perf_counter()
            await sync_account(store, adapter, full=True)
            seconds = time.perf_counter() - started
        stored, server = _counts(store), _server_counts(fake)
        requests = len(fake.requests)
        engine.dispose()
    return {
        "fault_rate": fault_rate,
        "seconds": round(seconds, 2),
        "requests": requests,
        "requests_per_second": round(requests / seconds, 1),
        "rate_limit": RATE,
        "faults_injected": dict(faults.injected),
        "stored": stored,
        "server": server,
        "lost": sum(max(0, server[k] - stored.get(k, 0)) for k in server),
        "duplicated": sum(max(0, stored.get(k, 0) - server[k]) for k in server),
    }


async def _webhooks(events: int, concurrency: int) -> dict[str, Any]:
    fake = FakeServiceTitan(rate_limit=None)
    fake.seed(jobs=50, technicians=5)
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'hooks.db'}")
        upgrade(engine)
        store = Store(engine)
        async with httpx.AsyncClient() as http:
            adapter = _adapter(fake, "http://127.0.0.1:9", http, timeout=1.0)
            app = create_app(
                store=store,
                connectors={("servicetitan", "bench"): adapter},
                process_in_background=False,
            )
            now = datetime.now(UTC)
            deliveries = [
                fake.webhook("job.updated", 10_001 + i % 50, event_id=f"evt-{i}", at=now)
                for i in range(events)
            ]
            latencies: list[float] = []
            with serve(app) as url:
                target = f"{url}/webhooks/servicetitan/bench"
                queue: asyncio.Queue[tuple[dict[str, str], bytes]] = asyncio.Queue()
                for delivery in deliveries:
                    queue.put_nowait(delivery)
                statuses: dict[int, int] = {}

                async def worker(client: httpx.AsyncClient) -> None:
                    while not queue.empty():
                        headers, body = queue.get_nowait()
                        sent = time.perf_counter()
                        response = await client.post(target, content=body, headers=headers)
                        latencies.append(time.perf_counter() - sent)
                        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

                started = time.perf_counter()
                async with httpx.AsyncClient(timeout=10) as client:
                    await asyncio.gather(*(worker(client) for _ in range(concurrency)))
                seconds = time.perf_counter() - started
            persisted = len(store.pending_webhooks(limit=events + 10))
        engine.dispose()
    latencies.sort()
    return {
        "events": events,
        "concurrency": concurrency,
        "seconds": round(seconds, 2),
        "events_per_second": round(events / seconds, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[int(0.99 * (len(latencies) - 1))] * 1000, 2),
        "statuses": statuses,
        "persisted": persisted,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--techs", type=int, default=200)
    parser.add_argument("--faults", type=float, default=0.10)
    parser.add_argument("--webhooks", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    configure_logging("ERROR")

    results = {
        "clean": asyncio.run(_full_sync(args.jobs, args.techs, 0.0)),
        "faulty": asyncio.run(_full_sync(args.jobs, args.techs, args.faults)),
        "webhooks": asyncio.run(_webhooks(args.webhooks, args.concurrency)),
    }
    for name in ("clean", "faulty"):
        r = results[name]
        print(
            f"{name:7} sync: {r['seconds']:7.2f} s, {r['requests']} requests, "
            f"{r['requests_per_second']} req/s (limit {r['rate_limit']}), "
            f"faults {r['faults_injected']}, "
            f"lost {r['lost']}, duplicated {r['duplicated']}"
        )
        print(f"         stored {r['stored']}")
    w = results["webhooks"]
    print(
        f"webhooks: {w['events']} in {w['seconds']} s = {w['events_per_second']} events/s, "
        f"p50 {w['p50_ms']} ms, p99 {w['p99_ms']} ms, statuses {w['statuses']}, "
        f"persisted {w['persisted']}"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
