"""`fsm-dispatch kpis` measures a synced day of an account with the simulation's own KPI code:
the bundled day played by the coordinator, stored, then read back and measured per backend."""

from __future__ import annotations

import asyncio
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from connectors.records import Appointment, TimeWindow
from connectors.sandbox import load_scenario
from orchestrator.analytics import compute_kpis
from orchestrator.analytics.arrivals import promised_arrivals
from orchestrator.bundled import BUNDLED_SCENARIO
from orchestrator.cli import app
from orchestrator.cli import kpis as kpis_command
from orchestrator.simulation import run_simulation
from orchestrator.simulation.loop import SimulationRecord
from orchestrator.simulation.registry import dispatcher_named
from orchestrator.store import Store, make_engine, upgrade


@pytest.fixture(scope="module")
def played() -> SimulationRecord:
    return asyncio.run(
        run_simulation(load_scenario(BUNDLED_SCENARIO), dispatcher_named("baseline"))
    )


def _final(appointments: list[Appointment]) -> list[Appointment]:
    latest: dict[str, Appointment] = {}
    for version in appointments:  # oldest first
        latest[version.external_id] = version
    return list(latest.values())


def test_kpis_of_a_synced_day_match_the_simulations_measure(
    played: SimulationRecord, db_url: str, tmp_path: Path
) -> None:
    appointments = list(played.appointments)  # every version, oldest first
    # A late arrival's window moved afterwards to cover it: still late against the promise.
    late = next(a for a in promised_arrivals(appointments, played.status_events) if not a.on_time)
    current = _final(appointments)
    moved = next(a for a in current if a.external_id == late.appointment_id).model_copy(
        update={
            "arrival_window": TimeWindow(
                start=late.visit.arrived_at - timedelta(minutes=30),
                end=late.visit.arrived_at + timedelta(minutes=30),
            ),
            "modified_at": max(a.modified_at for a in appointments if a.modified_at)
            + timedelta(minutes=1),
        }
    )
    appointments.append(moved)
    # The next day's visit is in the store too, and is not part of the day.
    first = current[0].window
    assert first is not None
    tomorrow = TimeWindow(start=first.start + timedelta(days=1), end=first.end + timedelta(days=1))
    later = current[0].model_copy(
        update={
            "external_id": "NEXT-1",
            "job_id": "NEXT",
            "window": tomorrow,
            "arrival_window": None,
        }
    )
    engine = make_engine(db_url)
    upgrade(engine)
    store = Store(engine)
    store.upsert([*played.technicians, *played.customers])
    store.upsert([j.model_copy(update={"classification": None}) for j in played.jobs])
    store.upsert([played.jobs[0].model_copy(update={"external_id": "NEXT"}), later])
    for version in appointments:  # as syncs would see them, one after another
        store.upsert([version])
    store.upsert(played.status_events)
    for job in played.jobs:
        assert job.classification is not None
        store.save_classification(job.key, job.classification)
    # Two plans of the day gave windows with a chance: the late arrival's given 0.9 (the later
    # plan's 0.5 for it does not count), an on-time one 0.7; a plan of the day before, none.
    on_time = next(a for a in promised_arrivals(appointments, played.status_events) if a.on_time)
    for service_date, promises in (
        (date(2026, 12, 1), {late.appointment_id: 0.9, on_time.appointment_id: 0.7}),
        (date(2026, 12, 1), {late.appointment_id: 0.5}),
        (date(2026, 11, 30), {on_time.appointment_id: 0.1}),
    ):
        plan_id = store.save_plan(
            account="sandbox", platform="sandbox", service_date=service_date, kind="replan",
            assignments=[],
        )  # fmt: skip
        store.annotate_plan(plan_id, {"promises": {a: {"chance": c} for a, c in promises.items()}})
    engine.dispose()
    config = tmp_path / "config.yaml"
    config.write_text(
        f"database: {{url: '{db_url}'}}\ntimezone: America/Denver\n"
        "accounts:\n  - id: sandbox\n    platform: sandbox\n"
    )
    out = tmp_path / "kpis.json"
    result = CliRunner().invoke(
        app, ["kpis", "--config", str(config), "--day", "2026-12-01", "--json", str(out)]
    )
    assert result.exit_code == 0, result.output
    measured = json.loads(out.read_text())
    assert (measured["account"], measured["date"]) == ("sandbox", "2026-12-01")
    expected = compute_kpis(
        played.jobs, appointments, played.status_events, played.technicians, played.customers
    ).to_json()
    assert measured["kpis"] == expected
    judged_now = compute_kpis(
        played.jobs, _final(appointments), played.status_events, played.technicians
    )
    assert judged_now.on_time_arrivals == expected["on_time_arrivals"] + 1
    # The coordinator's day as the demo reports it: 36 of 49 done, 4 no one could do.
    assert (expected["jobs_total"], expected["jobs_completed"]) == (49, 36)
    assert expected["jobs_unqualified"] == 4
    assert "no technician qualified" in result.output
    # Then why: every job not completed, every arrival outside its first promise.
    not_done = {m["job"]: m for m in measured["not_completed"]}
    assert len(not_done) == 49 - 36
    assert not_done["J011"]["outcome"] == "unqualified"
    assert not_done["J011"]["why"] == "no technician on shift holds ev_charger"
    off = {a["job"]: a for a in measured["late_arrivals"]}
    assert len(off) == expected["promised_arrivals"] - expected["on_time_arrivals"]
    assert late.job_id in off and off[late.job_id]["minutes_late"] == round(late.minutes_late)
    assert "not completed" in result.output and "off promise" in result.output
    # The windows the plans promised, judged with their chances: one kept of the two.
    assert measured["promises"]["new_promises"] == 2
    assert measured["promises"]["new_promises_expected_kept_rate"] == 0.8
    assert measured["promises"]["new_promises_kept_rate"] == 0.5
    assert "2 windows newly promised by the plans, expected kept 80%, kept 50%" in result.output


def test_kpis_refuses_a_bad_day(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"database: {{url: 'sqlite:///{tmp_path / 's.db'}'}}\n"
        "accounts:\n  - id: demo\n    platform: sandbox\n"
    )
    bad = CliRunner().invoke(app, ["kpis", "--config", str(config), "--day", "monday"])
    assert bad.exit_code == 2 and "expected yesterday, today or YYYY-MM-DD" in bad.output


def test_kpis_measures_yesterday_by_default_and_an_empty_day_as_nothing_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(kpis_command, "_today", lambda zone: date(2026, 12, 2))
    config = tmp_path / "config.yaml"
    config.write_text(
        f"database: {{url: 'sqlite:///{tmp_path / 's.db'}'}}\n"
        "accounts:\n  - id: demo\n    platform: sandbox\n"
    )
    out = tmp_path / "kpis.json"
    result = CliRunner().invoke(app, ["kpis", "--config", str(config), "--json", str(out)])
    assert result.exit_code == 0, result.output
    measured = json.loads(out.read_text())
    assert measured["date"] == "2026-12-01"
    assert (measured["kpis"]["jobs_total"], measured["kpis"]["on_time_rate"]) == (0, None)
    assert measured["not_completed"] == [] and measured["late_arrivals"] == []
