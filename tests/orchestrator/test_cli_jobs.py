"""`fsm-dispatch jobs review|override`: the coordinator's corrections from the command line."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from connectors.records import Classification, RecordKey, Urgency
from orchestrator.cli import app
from orchestrator.store import Store, make_engine, upgrade

KEY = RecordKey(platform="sandbox", account="demo", external_id="J7")


def test_review_lists_unsure_jobs_and_override_corrects_one(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    config = tmp_path / "config.yaml"
    config.write_text(
        f"database: {{url: 'sqlite:///{db}'}}\naccounts:\n  - id: demo\n    platform: sandbox\n"
    )
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    store = Store(engine)
    store.save_classification(
        KEY,
        Classification(
            trade="hvac", job_type="hvac.repair", urgency=Urgency.SCHEDULED, confidence=0.4
        ),
        needs_review=True,
    )
    runner = CliRunner()
    listed = runner.invoke(app, ["jobs", "review", "--account", "demo", "--config", str(config)])
    assert listed.exit_code == 0 and "J7" in listed.output and "0.40" in listed.output
    done = runner.invoke(
        app,
        [
            "jobs",
            "override",
            "J7",
            "--field",
            "job_type",
            "--value",
            "hvac.no_cooling",
            "--reason",
            "AC is out",
            "--account",
            "demo",
            "--actor",
            "ana",
            "--config",
            str(config),
        ],
    )
    assert done.exit_code == 0, done.output
    found = store.get_classification(KEY)
    assert found is not None and found[0].job_type == "hvac.no_cooling"
    bad = runner.invoke(
        app,
        [
            "jobs",
            "override",
            "J7",
            "--field",
            "job_type",
            "--value",
            "hvac.no_cooling_typo",
            "--reason",
            "x",
            "--account",
            "demo",
            "--config",
            str(config),
        ],
    )
    assert bad.exit_code == 2 and "unknown value(s) hvac.no_cooling_typo" in bad.output
    engine.dispose()
