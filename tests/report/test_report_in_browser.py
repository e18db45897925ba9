"""The report renders completely in headless Chromium with the network shut off."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from connectors.sandbox import load_scenario
from orchestrator.analytics import compute_kpis
from orchestrator.bundled import BUNDLED_SCENARIO
from orchestrator.report import render_report
from orchestrator.simulation import run_simulation
from orchestrator.simulation.registry import dispatcher_named

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Any fetch would fail: the page must not need one.
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled day played by the baseline, reported."""
    record = asyncio.run(
        run_simulation(load_scenario(BUNDLED_SCENARIO), dispatcher_named("baseline"))
    )
    kpis = compute_kpis(
        record.jobs, record.appointments, record.status_events, record.technicians, record.customers
    ).to_json()
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(render_report("seed-day-12x47", {"baseline": record}, {"baseline": kpis}))
    return path


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (CI installs it)")
def test_the_report_renders_its_table_timelines_and_maps_offline(
    report: Path, tmp_path: Path
) -> None:
    assert CHROMIUM is not None
    profile = tmp_path / "profile"
    dom = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", report.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert '<table class="kpis">' in dom
    assert dom.count('class="route"') == 12  # one map per technician of the day
    assert dom.count('class="work"') >= 30 and 'class="lunch"' in dom
    # The coordinator sent J013's walk-in cooler to T07: T09, preferred, holds no refrigeration.
    assert "<td>J013</td>" in dom and "T09 lacks commercial_refrigeration" in dom
    # Four jobs of the day need a licence nobody on the roster holds: no plan could do them.
    assert dom.count("<td>no one qualified</td>") == 4
    assert "no technician on shift holds ev_charger" in dom
    # The coordinator's late arrivals are listed, each with what led to it.
    late = re.search(r"<p>(\d+) of (\d+) promised arrivals outside their window", dom)
    assert late is not None and int(late.group(1)) >= 1
    assert dom.count("came straight from") >= 1
    shot = tmp_path / "report.png"
    subprocess.run(
        [
            CHROMIUM,
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--screenshot={shot}",
            "--window-size=1200,1600",
            report.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one


def test_the_report_is_self_contained(report: Path) -> None:
    page = report.read_text()
    assert "<script" not in page and "http://" not in page and "https://" not in page
    assert page.count("<svg") >= 13  # a timeline and a map per technician
