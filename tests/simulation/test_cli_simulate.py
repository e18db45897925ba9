"""`fsm-dispatch simulate`: KPIs printed and written as JSON; bad choices fail clearly."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from orchestrator.cli.app import app

SEED = (
    Path(__file__).resolve().parents[2] / "connectors" / "sandbox" / "data" / "seed-day-12x47.yaml"
)


def test_simulate_writes_the_kpi_json(tmp_path: Path) -> None:
    """The JSON has the scenario name and the baseline's KPIs with the required keys."""
    out = tmp_path / "kpis.json"
    result = CliRunner().invoke(
        app, ["simulate", "--scenario", str(SEED), "--dispatcher", "baseline", "--json", str(out)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["scenario"] == "seed-day-12x47"
    kpis = data["runs"]["baseline"]
    assert kpis["jobs_total"] == 49
    assert 0 < kpis["utilization"] < 1 and 0 < kpis["on_time_rate"] <= 1
    assert kpis["wrong_skill_dispatches"] == 0 and kpis["double_bookings"] == 0


def test_by_default_both_dispatchers_play_the_day(tmp_path: Path) -> None:
    """The command exists to compare: without --dispatcher, the JSON holds both runs."""
    scenario = tmp_path / "small.yaml"
    scenario.write_text(SMALL_DAY)
    out = tmp_path / "kpis.json"
    page = tmp_path / "report.html"
    result = CliRunner().invoke(
        app, ["simulate", "--scenario", str(scenario), "--json", str(out), "--html", str(page)]
    )
    assert result.exit_code == 0, result.output
    assert "<p>Work on offer: 25% of shift minutes" in page.read_text()
    data = json.loads(out.read_text())
    runs = data["runs"]
    assert set(runs) == {"baseline", "fsm-dispatch"}
    # Two one-hour jobs in an eight-hour shift: a quarter of it is work.
    assert data["work_on_offer"] == 0.25 and "work on offer: 25% of shift minutes" in result.output
    # One technician able to do both jobs, with the hours for them: all of it within reach.
    assert data["work_within_reach"] == 0.25 and "work within reach" not in result.output
    assert all(kpis["jobs_completed"] == 2 for kpis in runs.values())
    # fsm-dispatch texts customers: a day kept on time needs no delay notice.
    assert runs["fsm-dispatch"]["delay_notices"] == runs["fsm-dispatch"]["late_arrivals"] == 0
    assert "delay_notices" not in runs["baseline"]
    assert "0 customer delay notices" in result.output
    # Two short drives barely move the learned driving speed off the estimate.
    assert 0.9 <= runs["fsm-dispatch"]["drive_factor"] <= 1.1
    assert "drive_factor" not in runs["baseline"]


SMALL_DAY = """
name: small
timezone: America/Denver
date: 2026-12-01
technicians:
  - {id: T, name: Tess, home: {lat: 39.70, lon: -105.00}, shift: {start: "08:00", end: "16:00"}}
customers:
  - {id: C1}
  - {id: C2}
jobs:
  - {id: J1, customer: C1, location: {lat: 39.71, lon: -105.01}, summary: Toilet install,
     description: new toilet, booked_window: {start: "08:00", end: "10:00"},
     truth: {job_type: plumbing.fixture_install, duration_minutes: 60}}
  - {id: J2, customer: C2, location: {lat: 39.72, lon: -105.02}, summary: Faucet replace,
     description: kitchen faucet, booked_window: {start: "12:00", end: "16:00"},
     truth: {job_type: plumbing.fixture_install, duration_minutes: 60}}
"""


def test_an_unknown_dispatcher_or_a_bad_file_exits_with_a_reason(tmp_path: Path) -> None:
    """An unknown dispatcher is named; a broken scenario names its bad field."""
    runner = CliRunner()
    result = runner.invoke(app, ["simulate", "--scenario", str(SEED), "--dispatcher", "nobody"])
    assert result.exit_code == 2 and "unknown dispatcher 'nobody'" in result.output
    broken = tmp_path / "broken.yaml"
    broken.write_text(SEED.read_text().replace("customer: C004", "customer: C999", 1))
    result = runner.invoke(app, ["simulate", "--scenario", str(broken)])
    assert result.exit_code == 2 and "jobs[3].customer: unknown customer 'C999'" in result.output


def test_an_emergency_booked_for_the_afternoon_is_reached_in_the_morning(tmp_path: Path) -> None:
    """A burst pipe booked through the portal into the 13:00 slot at 09:00: fsm-dispatch goes
    now, brings the promise forward (texting the customer) and is on time by it; the coordinator
    keeps the booked slot."""
    scenario = tmp_path / "burst.yaml"
    scenario.write_text(
        SMALL_DAY.replace("  - {id: C2}\n", "  - {id: C2}\n  - {id: C3}\n") + BURST_PIPE
    )
    out = tmp_path / "kpis.json"
    result = CliRunner().invoke(app, ["simulate", "--scenario", str(scenario), "--json", str(out)])
    assert result.exit_code == 0, result.output
    runs = json.loads(out.read_text())["runs"]
    ours, baseline = runs["fsm-dispatch"], runs["baseline"]
    assert ours["emergencies_brought_forward"] == 1
    assert "emergencies brought forward: 1" in " ".join(result.output.split())
    assert ours["emergency_response_minutes_p50"] < 120
    assert baseline["emergency_response_minutes_p50"] >= 240
    assert ours["on_time_rate"] == 1.0 and ours["jobs_completed"] == 3


BURST_PIPE = """
events:
  - {at: "09:00", type: new_job, job: {id: J3, customer: C3, location: {lat: 39.705, lon: -105.0},
     source: portal, summary: "Burst pipe", description: "pipe burst in the basement, water
     everywhere, can't find the shutoff", booked_window: {start: "13:00", end: "15:00"},
     truth: {job_type: plumbing.burst_pipe, duration_minutes: 60}}}
"""


def test_fsm_dispatch_plays_the_settings_file(tmp_path: Path) -> None:
    """An account that keeps every booked window, emergencies included, sees the simulated
    fsm-dispatch keep the burst pipe's afternoon slot: the settings file is what is played."""
    scenario = tmp_path / "burst.yaml"
    scenario.write_text(
        SMALL_DAY.replace("  - {id: C2}\n", "  - {id: C2}\n  - {id: C3}\n") + BURST_PIPE
    )
    config = tmp_path / "config.yaml"
    config.write_text("planning:\n  emergencies_sooner: false\n")
    out = tmp_path / "kpis.json"
    result = CliRunner().invoke(
        app,
        ["simulate", "--scenario", str(scenario), "--dispatcher", "fsm-dispatch",
         "--config", str(config), "--json", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    # The console wraps a long temporary path wherever it likes, even inside a name.
    assert f"playsthesettingsof{config}" in "".join(result.output.split())
    ours = json.loads(out.read_text())["runs"]["fsm-dispatch"]
    assert ours["emergencies_brought_forward"] == 0
    assert ours["emergency_response_minutes_p50"] >= 240  # reported at 09:00, reached at 13:00


def test_an_invalid_settings_file_exits_naming_the_setting(tmp_path: Path) -> None:
    """A bad settings file stops the run before the day is played, naming the setting."""
    config = tmp_path / "config.yaml"
    config.write_text("planning:\n  routing_quantile: 2\n")
    args = ["simulate", "--scenario", str(SEED), "--dispatcher", "baseline"]
    result = CliRunner().invoke(app, [*args, "--config", str(config)])
    assert result.exit_code == 2
    assert "planning.routing_quantile" in result.output


def test_ctrl_c_says_where_the_day_stopped_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Ctrl-C mid-day (here raised from the progress report a few steps in) exits 130 with
    one line naming the dispatcher and the simulated time, not silently, and writes no file:
    a half-played day's KPIs would read as a bad day."""
    import orchestrator.simulation as simulation

    real = simulation.run_simulation

    async def interrupted(*args: object, progress: Any = None, **kwargs: object) -> object:
        steps: list[str] = []

        def report(share: float, note: str) -> None:
            progress(share, note)
            steps.append(note)
            if len(steps) == 5:
                raise KeyboardInterrupt

        return await real(*args, progress=report, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(simulation, "run_simulation", interrupted)
    out, html = tmp_path / "kpis.json", tmp_path / "report.html"
    result = CliRunner().invoke(
        app,
        ["simulate", "--scenario", str(SEED), "--dispatcher", "baseline"]
        + ["--json", str(out), "--html", str(html)],
    )
    assert result.exit_code == 130, result.output
    said = r"interrupted: baseline stopped at (\d\d:\d\d); no report written"
    line = re.search(said, result.output)
    assert line is not None, result.output
    assert "07:00" <= line.group(1) <= "12:00"
    assert not out.exists() and not html.exists()


def test_ctrl_c_while_the_optimizer_loads_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first run on a new machine compiles the search kernels for a while before the day
    begins: a Ctrl-C then is reported too, not a silent exit."""
    import optimizer

    def interrupted(**_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(optimizer, "compile_kernels", interrupted)
    out = tmp_path / "kpis.json"
    result = CliRunner().invoke(
        app,
        ["simulate", "--scenario", str(SEED), "--dispatcher", "fsm-dispatch", "--json", str(out)],
    )
    assert result.exit_code == 130, result.output
    assert "interrupted before the day began; no report written" in result.output
    assert not out.exists()


def test_work_beyond_the_able_technicians_hours_is_reported_out_of_reach(tmp_path: Path) -> None:
    """Tess, alone, is offered two 300-minute installs: 600 minutes of work in a 480-minute
    shift, 540 with the hour of overtime a plan may keep her."""
    scenario = tmp_path / "long.yaml"
    scenario.write_text(SMALL_DAY.replace("duration_minutes: 60}}", "duration_minutes: 300}}"))
    out = tmp_path / "kpis.json"
    result = CliRunner().invoke(
        app,
        ["simulate", "--scenario", str(scenario), "--dispatcher", "baseline", "--json", str(out)],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["work_on_offer"] == pytest.approx(600 / 480)
    assert data["work_within_reach"] == pytest.approx(540 / 480)
    printed = " ".join(result.output.split())
    assert "work within reach: 112% (the doable work the able technicians' hours" in printed
    assert "with 60 minutes' overtime, can hold)" in printed
