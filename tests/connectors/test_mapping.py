"""Mapping files: valid tables load; each mistake is named by file and YAML path."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.errors import MappingError
from connectors.mapping import Unmapped, load_mapping, parse_mapping
from connectors.records import UNKNOWN, Lifecycle, Urgency

MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"


@pytest.mark.parametrize("platform", ["servicetitan", "workiz", "housecallpro"])
def test_the_bundled_mapping_files_load(platform: str) -> None:
    tables = load_mapping(MAPPINGS / f"{platform}.yaml")
    assert tables.platform == platform
    assert set(tables.appointment_statuses.values()) >= {Lifecycle.SCHEDULED, Lifecycle.COMPLETED}


def test_lookups_ignore_case_and_spaces_and_report_what_is_missing() -> None:
    tables = parse_mapping(
        {
            "platform": "p",
            "statuses": {"job": {"In progress": "dispatched", "In progress/En route": "en_route"}},
            "job_types": {"AC Repair": "hvac.repair"},
            "skills": {"EPA 608": ["epa_608"], "HVAC North": []},
            "priorities": {"Urgent": "emergency"},
        },
        source="p.yaml",
    )
    lookup = tables.lookup()
    assert lookup.status("job", "in  PROGRESS/en route", "In progress") == Lifecycle.EN_ROUTE
    assert lookup.status("job", "In progress/Waiting", "in progress") == Lifecycle.DISPATCHED
    assert lookup.status("job", "Paused") == Lifecycle.UNKNOWN
    assert lookup.job_type("ac repair") == "hvac.repair"
    assert lookup.job_type("Solar") == UNKNOWN
    assert lookup.skills(["epa 608", "HVAC North", "Solar"]) == frozenset({"epa_608"})
    assert lookup.urgency("URGENT") == Urgency.EMERGENCY
    assert lookup.unmapped == [
        Unmapped("statuses.job", "Paused"),
        Unmapped("job_types", "Solar"),
        Unmapped("skills", "Solar"),
    ]


ERRORS = [
    (
        {"platform": "p", "statuses": {"job": {"Done": "finished"}}},
        "statuses.job.Done: 'finished' is not a lifecycle",
    ),
    ({"platform": "p", "statuses": {"visit": {}}}, "statuses.visit: unknown table"),
    (
        {"platform": "p", "job_types": {"AC": "cooling"}},
        "job_types.AC: 'cooling' is not a job type",
    ),
    (
        {"platform": "p", "job_types": {"AC": "solar.panel"}},
        "job_types.AC: 'solar.panel' names no trade",
    ),
    ({"platform": "p", "skills": {"EPA": ["EPA 608"]}}, "skills.EPA[0]: 'EPA 608' is not a skill"),
    ({"platform": "p", "skills": {"EPA": {"x": 1}}}, "skills.EPA: must be a skill"),
    ({"platform": "p", "priorities": {"Hot": "asap"}}, "priorities.Hot: 'asap' is not an urgency"),
    (
        {"platform": "p", "job_types": {"AC": "hvac.repair", "ac": "hvac.install"}},
        "job_types.ac: same vendor value as 'AC'",
    ),
    ({"platform": "p", "colours": {}}, "colours: unknown table"),
    ({"statuses": {}}, "platform: required"),
    (["not", "a", "mapping"], "(root): the top level must be a mapping"),
]


@pytest.mark.parametrize(("data", "message"), ERRORS)
def test_each_mistake_is_named_by_file_and_path(data: object, message: str) -> None:
    with pytest.raises(MappingError) as caught:
        parse_mapping(data, source="mappings/p.yaml")
    assert str(caught.value) == f"mappings/p.yaml: {message}" or str(caught.value).startswith(
        f"mappings/p.yaml: {message}"
    )


def test_a_file_that_is_not_yaml_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "x.yaml"
    bad.write_text("platform: x\nstatuses: [unclosed\n")
    with pytest.raises(MappingError, match=r"x\.yaml: not valid YAML at line 3"):
        load_mapping(bad)
    with pytest.raises(MappingError, match="file not found"):
        load_mapping(tmp_path / "missing.yaml")
