"""Scenario files: the seed day loads, every broken field is named by its path."""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from connectors.sandbox import ScenarioError, dump_scenario, load_scenario, parse_scenario
from connectors.sandbox.scenario import NewJobEvent, OverrunEvent, scenario_from_data
from tests.sandbox.conftest import BUNDLED, SEED

MINIMAL = """
name: tiny
timezone: America/Denver
date: 2026-12-01
technicians:
  - {id: T1, name: Ann, home: {lat: 39.7, lon: -105.0}, shift: {start: 7:30, end: "16:30"}}
customers:
  - {id: C1}
jobs:
  - id: J1
    customer: C1
    location: {lat: 39.71, lon: -105.01}
    summary: Furnace out
    booked_window: {start: 8:00, end: "10:00"}
    truth: {job_type: hvac.no_heat, duration_minutes: 90}
events:
  - {at: 9:15, type: overrun, job: J1, extra_minutes: 30}
"""


@functools.cache
def _seed_text() -> str:
    return json.dumps(yaml.safe_load(BUNDLED.read_text(encoding="utf-8")), default=str)


def _seed_data() -> dict[str, Any]:
    return json.loads(_seed_text())


def test_the_shared_seed_day_loads_with_its_counts() -> None:
    """The seed file has 12 technicians, 47 jobs known at the start and 2 arriving later."""
    if not SEED.exists():
        pytest.skip(f"{SEED} is not present on this machine")
    scenario = load_scenario(SEED)
    assert scenario.name == "seed-day-12x47"
    assert len(scenario.technicians) == 12
    assert len(scenario.jobs) == 47
    assert sum(isinstance(e, NewJobEvent) for e in scenario.events) == 2
    assert len(list(scenario.all_jobs())) == 49
    assert str(scenario.at(scenario.technicians[0].shift.start)) == "2026-12-01 07:30:00-07:00"


def test_the_bundled_copy_is_the_shared_seed() -> None:
    """The package ships the same day the shared folder holds."""
    if not SEED.exists():
        pytest.skip(f"{SEED} is not present on this machine")
    assert load_scenario(BUNDLED) == load_scenario(SEED)


def test_unquoted_clock_times_are_clock_times_not_sexagesimal_numbers() -> None:
    """`9:15` in YAML 1.1 is the number 555; the loader reads it as 09:15."""
    scenario = parse_scenario(MINIMAL)
    assert scenario.technicians[0].shift.start.isoformat() == "07:30:00"
    event = scenario.events[0]
    assert isinstance(event, OverrunEvent) and event.at.isoformat() == "09:15:00"


def test_json_and_yaml_give_the_same_scenario(tmp_path: Path) -> None:
    """The same structure written as JSON loads to an equal scenario."""
    scenario = parse_scenario(MINIMAL)
    path = tmp_path / "tiny.json"
    path.write_text(dump_scenario(scenario, "json"), encoding="utf-8")
    assert load_scenario(path) == scenario
    assert parse_scenario(dump_scenario(scenario)) == scenario


def _break(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(data)
    node: Any = data
    keys = [int(k) if k.isdigit() else k for k in path.split("/")]
    for key in keys[:-1]:
        node = node[key]
    if value is _DELETE:
        del node[keys[-1]]
    else:
        node[keys[-1]] = value
    return data


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("jobs/3/customer", "C999", "jobs[3].customer: unknown customer 'C999'"),
        (
            "jobs/0/booked_window/start",
            "25:00",
            "jobs[0].booked_window.start: must be a clock time",
        ),
        (
            "jobs/0/booked_window/end",
            "07:00",
            "jobs[0].booked_window: end 07:00 is not after start 08:00",
        ),
        ("jobs/5/id", "J001", "jobs[5].id: duplicate job 'J001' (first at jobs[0].id)"),
        ("jobs/2/truth/job_type", "furnace", "jobs[2].truth.job_type: must be a job type"),
        (
            "jobs/2/truth/duration_minutes",
            0,
            "jobs[2].truth.duration_minutes: Input should be greater than 0",
        ),
        ("jobs/2/truth", _DELETE, "jobs[2].truth: required field is missing"),
        ("jobs/2/colour", "red", "jobs[2].colour: unknown field"),
        ("technicians/1/id", "T01", "technicians[1].id: duplicate technician 'T01'"),
        (
            "technicians/0/certifications_expire",
            {"boiler": "2027-01-01"},
            "technicians[0].certifications_expire.boiler: not among the skills",
        ),
        (
            "customers/7/preferred_tech",
            "T99",
            "customers[7].preferred_tech: unknown technician 'T99'",
        ),
        ("events/1/job", "J777", "events[1].job: unknown job 'J777'"),
        ("events/0/job/customer", "C404", "events[0].job.customer: unknown customer 'C404'"),
        ("events/2/type", "meteor", "events[2]: Input tag 'meteor'"),
        ("history/4/technician", "T77", "history[4].technician: unknown technician 'T77'"),
        ("timezone", "Mars/Olympus", "timezone: unknown IANA time zone 'Mars/Olympus'"),
        ("technicians", [], "technicians: Tuple should have at least 1 item"),
    ],
)
def test_a_broken_field_is_reported_with_its_path(path: str, value: Any, expected: str) -> None:
    """Each fault names the YAML path of the bad field; the unbroken file loads."""
    data = _seed_data()
    scenario_from_data(data, "seed")  # the valid case, next to the broken one
    with pytest.raises(ScenarioError) as caught:
        scenario_from_data(_break(data, path, value), "seed")
    assert any(p.startswith(expected) for p in caught.value.problems), caught.value.problems


def test_an_event_on_a_job_before_it_arrives_is_rejected() -> None:
    """Canceling J049 at 09:00 is impossible: its ticket arrives at 09:15."""
    data = _seed_data()
    data["events"].append({"at": "09:00", "type": "cancel", "job": "J049"})
    with pytest.raises(ScenarioError) as caught:
        scenario_from_data(data, "seed")
    assert caught.value.problems == (
        "events[4].at: 09:00 is before job 'J049' arrives at 09:15 (events[0])",
    )


def test_every_problem_is_listed_not_only_the_first() -> None:
    """Two broken references give two lines."""
    data = _break(_seed_data(), "jobs/3/customer", "C999")
    data = _break(data, "history/0/technician", "T77")
    with pytest.raises(ScenarioError) as caught:
        scenario_from_data(data, "seed")
    assert len(caught.value.problems) == 2
    assert "seed: 2 problem(s)" in str(caught.value)


def test_unreadable_and_malformed_files_raise_scenario_errors(tmp_path: Path) -> None:
    """A missing file, bad YAML and bad JSON are ScenarioErrors, not crashes."""
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="invalid YAML"):
        load_scenario(bad)
    with pytest.raises(ScenarioError, match="line 1: invalid JSON"):
        parse_scenario("{nope", fmt="json")
    with pytest.raises(ScenarioError, match="expected a mapping"):
        parse_scenario(json.dumps([1, 2]), fmt="json")
