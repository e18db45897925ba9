"""A sync from the fake ServiceTitan over loopback ends with exactly the server's records,
even when a tenth of the requests fail."""

from __future__ import annotations

from pathlib import Path

import httpx

from connectors.http import RetryParams
from connectors.mapping import load_mapping
from connectors.records import Appointment, Customer, Job, Location, Technician
from connectors.servicetitan import ServiceTitanAdapter, ServiceTitanClient
from orchestrator.store import Store
from orchestrator.sync import sync_account
from tests.fakes.knobs import Faults
from tests.fakes.servicetitan_server import FakeServiceTitan
from tests.live_server import serve

MAPPINGS = Path(__file__).resolve().parents[2] / "mappings" / "servicetitan.yaml"


async def _no_sleep(_: float) -> None:
    return None


def _adapter(
    fake: FakeServiceTitan, url: str, http: httpx.AsyncClient, **options: object
) -> ServiceTitanAdapter:
    client = ServiceTitanClient(
        http,
        tenant=fake.tenant,
        app_key=fake.app_key,
        client_id=fake.client_id,
        client_secret=fake.client_secret,
        base_url=url,
        token_url=url + "/connect/token",
        rate_per_second=1000,
        **options,  # type: ignore[arg-type]
    )
    return ServiceTitanAdapter(client, load_mapping(MAPPINGS), account="acme")


async def test_a_faulty_full_sync_loses_and_duplicates_nothing(store: Store) -> None:
    faults = Faults(rate=0.1, kinds=("500", "503", "429", "timeout"), slow_seconds=0.3, seed=3)
    fake = FakeServiceTitan(rate_limit=None, faults=faults)
    fake.seed(jobs=300, technicians=12)
    with serve(fake.app()) as url:
        async with httpx.AsyncClient() as http:
            adapter = _adapter(
                fake,
                url,
                http,
                timeout=0.15,
                page_size=40,
                retry=RetryParams(attempts=10, base_seconds=0.0, sleep=_no_sleep),
            )
            await sync_account(store, adapter, full=True)
            await sync_account(store, adapter)  # an incremental pass on top changes nothing
    assert sum(faults.injected.values()) > 0
    assert store.count(Job) == len(fake.jobs)
    assert store.count(Appointment) == len(fake.appointments)
    assert store.count(Technician) == len(fake.technicians)
    assert store.count(Customer) == len(fake.customers)
    assert store.count(Location) == len(fake.locations)
    customers_fetched_one_by_one = [p for m, p in fake.requests if "/customers/" in p]
    assert customers_fetched_one_by_one == []  # listed in pages, not one request each


async def test_values_no_mapping_covers_are_kept_and_listed_by_mappings_check(
    store: Store, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from orchestrator.cli import app

    fake = FakeServiceTitan(rate_limit=None)
    fake.seed(jobs=6, technicians=2)
    for job in fake.jobs.values():
        job["jobStatus"] = "Waiting On Parts Vendor"  # a status this tenant invented
    with serve(fake.app()) as url:
        async with httpx.AsyncClient() as http:
            adapter = _adapter(fake, url, http)
            await sync_account(store, adapter, full=True)
    assert {j.status.value for j in store.list(Job)} == {"unknown"}  # kept, not dropped
    [row] = [r for r in store.unmapped_values() if r.value == "Waiting On Parts Vendor"]
    assert row.seen == 6
    config = tmp_path / "config.yaml"
    config.write_text(
        f"database: {{url: '{store.engine.url.render_as_string(hide_password=False)}'}}\n"
    )
    result = CliRunner().invoke(app, ["mappings", "check", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "unmapped servicetitan" in result.output and "'Waiting On Parts Vendor'" in result.output
