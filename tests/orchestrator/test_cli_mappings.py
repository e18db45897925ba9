"""`fsm-dispatch mappings explain|check` on fixture payloads, without database or network."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orchestrator.cli.app import app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"
runner = CliRunner()


def explain(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["mappings", "explain", *args])
    return result.exit_code, result.stdout, result.stderr


def test_explain_prints_the_canonical_job_as_json_and_the_unmapped_values() -> None:
    code, out, err = explain(
        "--platform",
        "servicetitan",
        "--resource",
        "job",
        str(FIXTURES / "servicetitan/api/job.json"),
        "--json",
    )
    assert code == 0
    job = json.loads(out)
    assert job["external_id"] == "61234567"
    assert job["status"] == "scheduled" and job["vendor_status"] == "Scheduled"
    assert job["job_type"] == "unknown" and job["vendor_job_type"] == "44"
    assert job["urgency"] == "scheduled"
    assert "unmapped job_types: '44'" in err


def test_explain_reads_a_workiz_list_envelope_in_the_account_time_zone() -> None:
    code, out, _ = explain(
        "--platform",
        "workiz",
        "--resource",
        "appointment",
        str(FIXTURES / "workiz/api/job.json"),
        "--json",
    )
    assert code == 0
    appointment = json.loads(out)
    # "2025-06-03 09:00:00" in the job's own zone, US/Pacific (UTC-7 in June)
    assert appointment["window"]["start"] == "2025-06-03T09:00:00-07:00"
    assert appointment["technician_ids"] == ["34637"]
    assert appointment["status"] == "scheduled"


def test_explain_refines_housecall_pro_in_progress_by_its_timestamps() -> None:
    code, out, _ = explain(
        "--platform",
        "housecallpro",
        "--resource",
        "job",
        str(FIXTURES / "housecallpro/api/job.json"),
        "--json",
    )
    assert code == 0
    job = json.loads(out)
    assert job["status"] == "en_route"  # on_my_way_at set, started_at null
    assert job["location_id"] == "cus_d9883383/adr_9812fd8f"
    assert job["job_type"] == "hvac.maintenance"


def test_explain_reads_an_appointment_from_a_webhook_envelope() -> None:
    code, out, _ = explain(
        "--platform",
        "housecallpro",
        "--resource",
        "appointment",
        str(FIXTURES / "housecallpro/api/appointment_webhook.json"),
        "--json",
    )
    assert code == 0
    appointment = json.loads(out)
    assert appointment["external_id"] == "job_16b6dd20/appt_42103180"
    assert appointment["technician_ids"] == ["pro_c4e07ab6"]
    assert appointment["arrival_window"]["end"] == "2025-06-03T17:00:00Z"


def test_explain_without_json_lists_fields_and_unmapped_values() -> None:
    code, out, _ = explain(
        "--platform",
        "housecallpro",
        "--resource",
        "technician",
        str(FIXTURES / "housecallpro/api/employee.json"),
    )
    assert code == 0
    assert "skills: ['epa_608']" in out
    assert "skills: 'Solar'" in out


def test_explain_accepts_extra_fields_and_nulls(tmp_path: Path) -> None:
    payload = {"id": 7, "jobId": 9, "start": None, "end": None, "status": None, "new": {"x": 1}}
    path = tmp_path / "a.json"
    path.write_text(json.dumps(payload))
    code, out, _ = explain("-p", "servicetitan", "-r", "appointment", str(path), "--json")
    assert code == 0
    assert json.loads(out)["window"] is None


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"jobId": 9}, "appointment: id: Field required"),
        ({"id": 7, "jobId": "nine"}, "appointment: jobId: Input should be a valid integer"),
        ({"id": 7, "jobId": 9, "start": "tomorrow"}, "appointment: start:"),
    ],
)
def test_explain_names_the_invalid_field_and_exits_2(
    tmp_path: Path, payload: dict[str, object], message: str
) -> None:
    path = tmp_path / "a.json"
    path.write_text(json.dumps(payload))
    code, out, err = explain("-p", "servicetitan", "-r", "appointment", str(path))
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and message in err


def test_explain_refuses_an_unknown_platform_and_a_file_that_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text("{nope")
    code, _, err = explain("-p", "fieldedge", "-r", "job", str(path))
    assert code == 2 and "unknown platform 'fieldedge'" in err
    code, _, err = explain("-p", "workiz", "-r", "job", str(path))
    assert code == 2 and "not valid JSON" in err


def test_check_validates_every_file_and_names_the_broken_one(tmp_path: Path) -> None:
    result = runner.invoke(app, ["mappings", "check"])
    assert result.exit_code == 0
    assert result.stdout.count("ok ") == 3
    for name in ("servicetitan", "workiz", "housecallpro"):
        shutil.copy(MAPPINGS / f"{name}.yaml", tmp_path)
    broken = tmp_path / "workiz.yaml"
    broken.write_text(broken.read_text().replace("Done: completed", "Done: finished"))
    result = runner.invoke(app, ["mappings", "check", "--mappings", str(tmp_path)])
    assert result.exit_code == 2
    assert "workiz.yaml: statuses.job.Done: 'finished' is not a lifecycle" in result.stderr


def test_every_mappings_command_has_help() -> None:
    for command in (["mappings"], ["mappings", "explain"], ["mappings", "check"]):
        result = runner.invoke(app, [*command, "--help"])
        assert result.exit_code == 0 and "Usage" in result.stdout
