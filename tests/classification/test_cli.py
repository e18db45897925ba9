"""`fsm-dispatch classify ticket` and `classify eval`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orchestrator.cli.app import app
from tests.classification.conftest import HELDOUT_SET


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.chdir(tmp_path)  # no config.yaml here: defaults
    monkeypatch.delenv("FSM_DISPATCH_CONFIG", raising=False)
    return CliRunner()


def test_classify_ticket_prints_fields_and_reasons(runner: CliRunner) -> None:
    result = runner.invoke(
        app,
        ["classify", "ticket", "Gas smell", "-d", "faint gas smell by the water heater", "--json"],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["job_type"], data["urgency"], data["safety_escalation"]) == (
        "plumbing.gas_leak",
        "emergency",
        True,
    )
    assert data["reasons"]["safety"]


def test_classify_ticket_rejects_an_invalid_month(runner: CliRunner) -> None:
    result = runner.invoke(app, ["classify", "ticket", "No heat", "--month", "14"])
    assert result.exit_code == 2
    assert "month must be 1-12" in result.output


def test_classify_eval_writes_the_json_report(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = runner.invoke(
        app, ["classify", "eval", "--labeled", str(HELDOUT_SET), "--json", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "job_type_accuracy" in result.output
    report = json.loads(out.read_text())
    assert report["n"] == 61
    assert report["emergency_recall"] == 1.0
    assert isinstance(report["errors"], list)


def test_classify_eval_refuses_an_unknown_engine(runner: CliRunner) -> None:
    result = runner.invoke(
        app, ["classify", "eval", "--labeled", str(HELDOUT_SET), "--engine", "oracle"]
    )
    assert result.exit_code == 2
    assert "engine must be one of" in result.output


@pytest.mark.parametrize(
    "command",
    [["classify", "--help"], ["classify", "ticket", "--help"], ["classify", "eval", "--help"]],
)
def test_every_command_has_help(runner: CliRunner, command: list[str]) -> None:
    assert runner.invoke(app, command).exit_code == 0
