"""`fsm-dispatch db` migrates the configured database and reports where it stands."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from orchestrator.cli import app


def _config(tmp_path: Path, url: str) -> str:
    path = tmp_path / "config.yaml"
    path.write_text(f"database:\n  url: '{url}'\n")
    return str(path)


def test_db_current_is_behind_until_upgrade_then_up_to_date(tmp_path: Path, db_url: str) -> None:
    runner = CliRunner()
    config = _config(tmp_path, db_url)
    before = runner.invoke(app, ["db", "current", "--config", config])
    assert before.exit_code == 1 and "empty" in before.output
    upgraded = runner.invoke(app, ["db", "upgrade", "--config", config])
    assert upgraded.exit_code == 0, upgraded.output
    after = runner.invoke(app, ["db", "current", "--config", config])
    assert after.exit_code == 0 and "up to date" in after.output
    down = runner.invoke(app, ["db", "downgrade", "base", "--config", config])
    assert down.exit_code == 0 and "base" in down.output


def test_an_unreachable_database_is_one_clear_line(tmp_path: Path) -> None:
    config = _config(tmp_path, "postgresql://nobody@127.0.0.1:1/none")
    result = CliRunner().invoke(app, ["db", "upgrade", "--config", config])
    assert result.exit_code == 1
    assert "database.url: cannot connect" in result.output
