"""`fsm-dispatch plan` plans a synced day on demand: routes, what was left out and why, and the
write-backs queued for `serve`."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

import optimizer as opt
from orchestrator.cli import app
from orchestrator.cli import plan as plan_command
from orchestrator.planning import preferences_passed_over
from orchestrator.store import Store, make_engine


def test_plan_prints_the_routes_and_queues_the_write_backs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The bundled day (2026-12-01) has not begun yet: it is planned whole, whatever the date
    # the test runs on (on the day itself only the rest of it would be).
    monkeypatch.setattr(plan_command, "_now", lambda: datetime(2026, 11, 30, 12, tzinfo=UTC))
    db = tmp_path / "s.db"
    config = tmp_path / "config.yaml"
    config.write_text(
        f"database: {{url: 'sqlite:///{db}'}}\naccounts:\n  - id: demo\n    platform: sandbox\n"
    )
    synced = CliRunner().invoke(app, ["sync", "--config", str(config)])
    assert synced.exit_code == 0, synced.output
    result = CliRunner().invoke(
        app, ["plan", "--config", str(config), "--day", "2026-12-01", "--seconds", "2"]
    )
    assert result.exit_code == 0, result.output
    assert "T01" in result.output and "write-backs queued" in result.output
    # Visits booked without a window are promised one, each with its chance of being kept.
    assert "windows promised to customers (new)" in result.output and "%" in result.output
    engine = make_engine(f"sqlite:///{db}")
    store = Store(engine)
    plan = store.current_plan("demo", date(2026, 12, 1))
    assert plan is not None and plan[0].kind == "manual" and len(plan[1]) > 30
    assert len(store.outbox()) > 30
    engine.dispose()


def test_plan_refuses_a_bad_day_or_account(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"database: {{url: 'sqlite:///{tmp_path / 's.db'}'}}\n"
        "accounts:\n  - id: demo\n    platform: sandbox\n"
    )
    bad_day = CliRunner().invoke(app, ["plan", "--config", str(config), "--day", "friday"])
    assert bad_day.exit_code == 2 and "expected today, tomorrow or YYYY-MM-DD" in bad_day.output
    missing = CliRunner().invoke(app, ["plan", "--config", str(config), "--account", "acme"])
    assert missing.exit_code == 2 and "no enabled account 'acme'" in missing.output


def test_the_preferences_a_plan_passes_over_are_listed_with_the_reason() -> None:
    home = opt.Point(39.74, -104.99)
    near = opt.Point(39.75, -104.99)
    plumber = opt.Technician("P", home, 480, 1020, skills=frozenset({"backflow"}))
    helper = opt.Technician("H", home, 480, 1020)
    problem = opt.Problem(
        (plumber, helper),
        (
            opt.Job("J-kept", near, 30, preferred=frozenset({"P"})),
            opt.Job(
                "J-skill", near, 30, skills=frozenset({"backflow"}), preferred=frozenset({"H"})
            ),
            opt.Job("J-none", near, 30),
        ),
    )
    plan = opt.solve(problem, time_limit=2, seed=1)
    assert opt.check_plan(problem, plan) == []
    rows = preferences_passed_over(plan, problem)
    assert rows == [("J-skill", "H", "P", "preferred technician H lacks backflow")]
