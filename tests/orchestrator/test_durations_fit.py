"""Fitting durations from history files, the backtest, and `fsm-dispatch durations`."""

from __future__ import annotations

import json
import math
import random
from datetime import date, timedelta
from pathlib import Path
from statistics import NormalDist

import pytest
from typer.testing import CliRunner

from optimizer.durations import DurationParams, fit_durations
from orchestrator.classification.taxonomy import TYPICAL_MINUTES, load_taxonomy
from orchestrator.cli.app import app
from orchestrator.durations_fit import (
    HistoryError,
    backtest,
    duration_params,
    load_history,
    samples_from_rows,
)

# The bundled copy of the shared seed day: present on every machine.
SCENARIO = (
    Path(__file__).resolve().parents[2] / "connectors" / "sandbox" / "data" / "seed-day-12x47.yaml"
)


def _rows(n: int, *, seed: int = 0, shift_after: int | None = None) -> list[dict[str, object]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        median = 90 if shift_after is None or i < shift_after else 180
        rows.append(
            {
                "job_type": "hvac.no_heat" if i % 2 else "plumbing.leak",
                "technician": f"T0{i % 3 + 1}",
                "minutes": round(median * math.exp(rng.gauss(0, 0.3)), 1),
                "date": (date(2026, 1, 1) + timedelta(days=i)).isoformat(),
            }
        )
    return rows


def _jsonl(tmp_path: Path, rows: list[dict[str, object]]) -> Path:
    path = tmp_path / "history.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_history_loads_from_jsonl_and_from_a_scenario(tmp_path: Path) -> None:
    rows = _rows(20)
    rows.reverse()
    samples = load_history(_jsonl(tmp_path, rows))
    assert len(samples) == 20
    assert [s.day for s in samples] == sorted(s.day for s in samples)  # oldest first
    scenario = load_history(SCENARIO)
    assert len(scenario) > 100 and all(s.minutes > 0 for s in scenario)


@pytest.mark.parametrize(
    ("content", "suffix", "message"),
    [
        ('{"job_type": "hvac.no_heat"}\n', ".jsonl", r"\[0\]: minutes must be a number"),
        ('{"job_type": "hvac.no_heat", "minutes": -5}\n', ".jsonl", "positive"),
        ('{"job_type": "x", "minutes": 5, "date": "May 1"}\n', ".jsonl", "YYYY-MM-DD"),
        ("{oops\n", ".jsonl", r"history.jsonl:1: not valid JSON"),
        ("name: day\n", ".yaml", "no history: list"),
        ("history: []\n", ".yaml", "history is empty"),
    ],
)
def test_bad_history_is_refused_with_its_place(
    tmp_path: Path, content: str, suffix: str, message: str
) -> None:
    path = tmp_path / f"history{suffix}"
    path.write_text(content)
    with pytest.raises(HistoryError, match=message):
        load_history(path)


def test_an_account_with_no_history_plans_an_install_tighter_than_a_diagnosis() -> None:
    """A new account's first plans: a booked install runs closer to its typical length than a
    no-heat call, whose cause is found on site, so it is planned with less to spare."""
    model = fit_durations([], duration_params(0.8))
    install, no_heat = model.estimate("hvac.install"), model.estimate("hvac.no_heat")
    assert (install.p50, no_heat.p50) == (
        TYPICAL_MINUTES["hvac.install"],
        TYPICAL_MINUTES["hvac.no_heat"],
    )
    assert install.routing / install.p50 < 1.3 < 1.4 < no_heat.routing / no_heat.p50
    assert install.sigma < no_heat.sigma


def test_backtest_flags_a_type_whose_durations_shifted(tmp_path: Path) -> None:
    steady = backtest(load_history(_jsonl(tmp_path, _rows(400))), DurationParams(), window=20)
    assert not any(s.needs_refit for s in steady.drift)
    assert 0.65 <= steady.routing_coverage <= 0.95
    shifted = backtest(
        load_history(_jsonl(tmp_path, _rows(400, shift_after=320))), DurationParams(), window=20
    )
    assert {s.job_type for s in shifted.drift if s.needs_refit} == {"hvac.no_heat", "plumbing.leak"}
    assert shifted.routing_coverage < 0.3


def test_backtest_needs_something_on_both_sides() -> None:
    with pytest.raises(ValueError, match="too few"):
        backtest([], DurationParams())


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FSM_DISPATCH_CONFIG", raising=False)
    return CliRunner()


def test_durations_fit_prints_and_writes_the_table(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "fit.json"
    result = runner.invoke(
        app,
        ["durations", "fit", "--history", str(SCENARIO), "--quantile", "0.75", "--json", str(out)],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(out.read_text())
    assert payload["routing_quantile"] == 0.75
    row = next(r for r in payload["job_types"] if r["job_type"] == "hvac.no_heat")
    assert row["p75"] > row["p50"] > 0 and row["source"] == "history"
    assert "hvac.no_heat" in result.output


def test_durations_fit_lists_what_types_without_history_are_planned_at(
    runner: CliRunner, tmp_path: Path
) -> None:
    """A type the account never did is planned at its typical minutes (the admin's, for a
    type the admin added): the table shows those rows too, marked as such, after the fitted
    ones."""
    config = tmp_path / "config.yaml"
    config.write_text(f"classification:\n  taxonomy_extensions: {_extensions(tmp_path)}\n")
    history = _jsonl(tmp_path, _rows(40))
    out = tmp_path / "fit.json"
    result = runner.invoke(
        app,
        ["durations", "fit", "--history", str(history), "-q", "0.8", "--json", str(out),
         "--config", str(config)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = json.loads(out.read_text())["job_types"]
    sources = [r["source"] for r in rows]
    assert sources[:2] == ["history", "history"] and set(sources[2:]) == {"typical"}
    assert [r["job_type"] for r in rows[:2]] == ["hvac.no_heat", "plumbing.leak"]
    cleaning = next(r for r in rows if r["job_type"] == "hvac.duct_cleaning")
    assert (cleaning["samples"], cleaning["p50"]) == (0, 150)
    assert cleaning["p80"] == pytest.approx(150 * math.exp(0.3 * NormalDist().inv_cdf(0.8)), 0.01)
    listed = {r["job_type"] for r in rows}
    assert set(TYPICAL_MINUTES) <= listed and "hvac.duct_cleaning" in result.output


def test_durations_report_shows_coverage_and_drift(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["durations", "report", "--history", str(_jsonl(tmp_path, _rows(200)))]
    )
    assert result.exit_code == 0, result.output
    # The default routing quantile is the median: its coverage is printed once.
    assert result.output.count("p50 covers") == 1 and "rolling MAE" in result.output
    p80 = runner.invoke(
        app, ["durations", "report", "--history", str(_jsonl(tmp_path, _rows(200))), "-q", "0.8"]
    )
    assert "p80 covers" in p80.output and "p50 covers" in p80.output


def test_durations_commands_refuse_bad_input(runner: CliRunner, tmp_path: Path) -> None:
    missing = runner.invoke(app, ["durations", "fit", "--history", str(tmp_path / "none.jsonl")])
    assert missing.exit_code == 2 and "cannot read" in missing.output
    bad_q = runner.invoke(
        app, ["durations", "fit", "--history", str(SCENARIO), "--quantile", "1.5"]
    )
    assert bad_q.exit_code == 2 and "routing_quantile" in bad_q.output


@pytest.mark.parametrize(
    "command",
    [["durations", "--help"], ["durations", "fit", "--help"], ["durations", "report", "--help"]],
)
def test_durations_commands_have_help(runner: CliRunner, command: list[str]) -> None:
    assert runner.invoke(app, command).exit_code == 0


def _extensions(tmp_path: Path) -> Path:
    path = tmp_path / "taxonomy.yaml"
    path.write_text(
        "job_types:\n  hvac: [hvac.duct_cleaning]\n"
        "typical_minutes:\n  hvac.duct_cleaning: 150\n"
        "planned_work: [hvac.duct_cleaning]\n"
    )
    return path


def test_a_job_type_the_admin_added_is_planned_from_its_typical_minutes(tmp_path: Path) -> None:
    """Before the account has done any, a duct cleaning is planned at the admin's 150 minutes
    with the spread of planned work, not at the fleet's default for an unknown type."""
    plain = fit_durations([], duration_params(0.8)).estimate("hvac.duct_cleaning")
    model = fit_durations([], duration_params(0.8, load_taxonomy(_extensions(tmp_path))))
    cleaning = model.estimate("hvac.duct_cleaning")
    assert plain.source != "typical" and plain.p50 != 150
    assert (cleaning.source, cleaning.p50) == ("typical", 150)
    assert cleaning.routing == pytest.approx(150 * math.exp(0.3 * NormalDist().inv_cdf(0.8)))
    # Its own history, once there is some, replaces the figure.
    rows = [{"job_type": "hvac.duct_cleaning", "minutes": 200 + k} for k in range(12)]
    fitted = fit_durations(
        samples_from_rows(rows), duration_params(0.8, load_taxonomy(_extensions(tmp_path)))
    ).estimate("hvac.duct_cleaning")
    assert fitted.source == "type" and fitted.p50 > 190


def test_a_config_naming_a_bad_taxonomy_file_is_refused_before_anything_runs(
    runner: CliRunner, tmp_path: Path
) -> None:
    extensions = tmp_path / "taxonomy.yaml"
    extensions.write_text("typical_minutes:\n  hvac.no_heat: 0\n")
    config = tmp_path / "config.yaml"
    config.write_text(f"classification:\n  taxonomy_extensions: {extensions}\n")
    result = runner.invoke(
        app, ["durations", "fit", "--history", str(SCENARIO), "--config", str(config)]
    )
    assert result.exit_code == 2
    flat = "".join(result.output.split())
    assert "hvac.no_heatmustbeover0" in flat and "taxonomy_extensions" in flat
