"""`fsm-dispatch demo` plays the day with both dispatchers and writes the KPIs and the report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orchestrator.cli import app

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_demo_compares_both_dispatchers_and_writes_its_report(tmp_path: Path) -> None:
    scenario = tmp_path / "day.yaml"
    made = CliRunner().invoke(
        app,
        [
            "scenario",
            "generate",
            "--techs",
            "3",
            "--jobs",
            "10",
            "--seed",
            "5",
            "--out",
            str(scenario),
        ],
    )
    assert made.exit_code == 0, made.output
    html, kpis = tmp_path / "report.html", tmp_path / "kpis.json"
    result = CliRunner().invoke(
        app, ["demo", "--scenario", str(scenario), "--html", str(html), "--json", str(kpis)]
    )
    assert result.exit_code == 0, result.output
    runs = json.loads(kpis.read_text())["runs"]
    assert set(runs) == {"baseline", "fsm-dispatch"}
    assert runs["fsm-dispatch"]["wrong_skill_dispatches"] == 0
    page = html.read_text()
    assert '<table class="kpis">' in page and page.count('class="timeline"') == 2
    assert "http://" not in page and "https://" not in page  # nothing to fetch: renders offline
