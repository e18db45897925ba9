"""An account with an OSRM server plans on its road times, and on the estimate while it fails."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError
from structlog.testing import capture_logs

import optimizer as opt
from connectors.sandbox import load_scenario
from connectors.sandbox.platform import SandboxFSM
from orchestrator.bundled import BUNDLED_SCENARIO as BUNDLED
from orchestrator.runtime import build_pipelines, planning_travel
from orchestrator.settings import Settings, load_settings
from orchestrator.store import Store
from orchestrator.sync import sync_account
from tests.fakes.osrm_server import FakeOsrm, straight_seconds
from tests.live_server import serve

ZONE = ZoneInfo("America/Denver")
DAY = date(2026, 12, 1)


@pytest.fixture
def osrm() -> Iterator[tuple[FakeOsrm, str]]:
    fake = FakeOsrm(max_table_size=100)
    with serve(fake.app()) as url:
        yield fake, url


def _legs(result: opt.Plan, problem: opt.Problem) -> list[tuple[opt.Point, opt.Point, int]]:
    legs = []
    for route in result.routes:
        here = problem.technician(route.technician_id).start
        for stop in route.stops:
            there = problem.job(stop.job_id).location
            legs.append((here, there, stop.travel_minutes))
            here = there
    return legs


def _plan(store: Store, tmp_path: Path, url: str) -> tuple[opt.Plan, opt.Problem]:
    asyncio.run(sync_account(store, SandboxFSM(load_scenario(BUNDLED), account="demo"), full=True))
    config = tmp_path / "config.yaml"
    config.write_text(
        "accounts:\n  - id: demo\n    platform: sandbox\n"
        f"planning:\n  osrm_url: {url}\n  time_limit_seconds: 1\n"
    )
    pipeline = build_pipelines(load_settings(config), store, [("sandbox", "demo")])["demo"]
    result = pipeline.plan_day(DAY, now=datetime(2026, 12, 1, 7, tzinfo=ZONE))
    return result.plan, result.problem


def test_plans_drive_the_road_servers_minutes(
    store: Store, tmp_path: Path, osrm: tuple[FakeOsrm, str]
) -> None:
    fake, url = osrm
    plan, problem = _plan(store, tmp_path, url)
    legs = [leg for leg in _legs(plan, problem) if leg[0] != leg[1]]
    assert len(legs) > 10 and fake.requests
    for here, there, minutes in legs:
        seconds = straight_seconds((here.lon, here.lat), (there.lon, there.lat))
        assert minutes == math.ceil(seconds / 60)


def test_while_the_road_server_fails_plans_use_the_estimate_and_say_so(
    store: Store, tmp_path: Path, osrm: tuple[FakeOsrm, str]
) -> None:
    fake, url = osrm
    fake.fail_next = [500] * 50
    with capture_logs() as logs:
        plan, problem = _plan(store, tmp_path, url)
    estimate = opt.OfflineTravel()
    legs = _legs(plan, problem)
    assert len(legs) > 10
    for here, there, minutes in legs:
        assert minutes == estimate.matrix([here, there])[0, 1]
    failed = [e for e in logs if e["event"] == "osrm failed; planning on the offline estimate"]
    assert failed and failed[0]["log_level"] == "warning" and "500" in failed[0]["error"]


def test_no_road_server_is_the_estimate_and_a_bad_address_is_refused() -> None:
    assert planning_travel(Settings()) is None
    with pytest.raises(ValidationError, match="osrm_url"):
        Settings(planning={"osrm_url": "osrm:5000"})
