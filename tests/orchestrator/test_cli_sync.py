"""`fsm-dispatch sync` reads every enabled account into the configured store."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from connectors.records import Job
from orchestrator.cli import app
from orchestrator.store import Store, make_engine


def test_sync_reads_the_sandbox_account_into_the_store(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    config = tmp_path / "config.yaml"
    config.write_text(
        f"database: {{url: 'sqlite:///{db}'}}\naccounts:\n  - id: demo\n    platform: sandbox\n"
    )
    result = CliRunner().invoke(app, ["sync", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "jobs 47" in result.output
    engine = make_engine(f"sqlite:///{db}")
    assert Store(engine).count(Job, account="demo") == 47
    engine.dispose()
    again = CliRunner().invoke(app, ["sync", "--config", str(config), "--account", "missing"])
    assert again.exit_code == 2 and "no account 'missing'" in again.output
