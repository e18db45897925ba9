"""`fsm-dispatch demo` runs the bundled day through sync into a fresh SQLite store."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

from connectors.records import Appointment, Job, Technician
from orchestrator.cli import app
from orchestrator.cli.demo import BUNDLED
from orchestrator.store import Store, make_engine


def test_the_demo_stores_every_technician_job_and_booking_of_the_day(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    scenario = yaml.safe_load(BUNDLED.read_text())
    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    try:
        store = Store(engine)
        assert store.count(Technician) == len(scenario["technicians"])
        assert store.count(Job) == len(scenario["jobs"])
        booked = [j for j in scenario["jobs"] if j.get("booked_window")]
        assert store.count(Appointment) == len(booked)
    finally:
        engine.dispose()
    assert "technicians" in result.output
