"""Scenario files (FORMAT.md): one contractor's service day, with the truth kept apart.

A scenario holds what a dispatcher may see (technicians, customers, jobs with their ticket text,
booked windows, history) and, under every `truth` key, what only the simulator may read: true job
types and durations, whether the customer is home, how fast each technician really drives.

`load_scenario(path)` reads YAML or JSON and raises `ScenarioError` listing every problem with the
path of the bad field, for example ``jobs[3].customer: unknown customer 'C999'``.

Two readings go beyond the letter of FORMAT.md, both backward compatible:

- `truth` of a job may also carry `urgency`, `skills` and `equipment`, the true requirements; when
  absent they follow from the job type (see `connectors.sandbox.truth`).
- Clock times are read as strings even when unquoted: YAML 1.1 would read ``9:15`` as the
  sexagesimal integer 555, so the loader switches that rule off.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from connectors.records import CustomerFlag, JobSource, SlaTier, Urgency
from connectors.sandbox.errors import ScenarioError

__all__ = [
    "CancelEvent",
    "ClockWindow",
    "HistoryRow",
    "JobLocation",
    "JobTruth",
    "LunchRule",
    "NewJobEvent",
    "OverrunEvent",
    "Point",
    "Scenario",
    "ScenarioCustomer",
    "ScenarioEvent",
    "ScenarioJob",
    "ScenarioTechnician",
    "SlaSpec",
    "TechUnavailableEvent",
    "TechnicianTruth",
    "TravelModel",
    "Weather",
    "dump_scenario",
    "load_scenario",
    "parse_scenario",
    "scenario_from_data",
]

_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_IDENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_JOB_TYPE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def _clock(value: object) -> time:
    if isinstance(value, time):
        return value
    if isinstance(value, str) and (match := _CLOCK.match(value.strip())):
        return time(int(match.group(1)), int(match.group(2)))
    raise ValueError(f"must be a clock time 'HH:MM', got {value!r}")


def _ident(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not _IDENT.match(value):
        raise ValueError(f"must be an identifier (letters, digits, '_', '-', '.'), got {value!r}")
    return value


def _name(value: object) -> str:
    if not isinstance(value, str) or not _NAME.match(value):
        raise ValueError(f"must be a lower-case identifier like 'epa_608', got {value!r}")
    return value


def _job_type(value: object) -> str:
    if not isinstance(value, str) or not _JOB_TYPE.match(value):
        raise ValueError(f"must be a job type like 'hvac.no_heat', got {value!r}")
    return value


Clock = Annotated[time, BeforeValidator(_clock)]
Ident = Annotated[str, BeforeValidator(_ident)]
Name = Annotated[str, BeforeValidator(_name)]
JobType = Annotated[str, BeforeValidator(_job_type)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Point(_Model):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class JobLocation(Point):
    address: str | None = None


class TravelModel(_Model):
    """True driving: great-circle distance × circuity ÷ speed, × the tech's factor, ± noise."""

    circuity: float = Field(default=1.35, ge=1.0, le=3.0)
    speed_kmh: float = Field(default=38.0, gt=0, le=130)
    noise_pct: float = Field(default=15.0, ge=0, lt=100)


class Weather(_Model):
    model_config = ConfigDict(frozen=True, extra="allow")

    outdoor_temp_f: float | None = None


class ClockWindow(_Model):
    start: Clock
    end: Clock

    @model_validator(mode="after")
    def _ordered(self) -> ClockWindow:
        if self.end <= self.start:
            raise ValueError(f"end {self.end:%H:%M} is not after start {self.start:%H:%M}")
        return self


class LunchRule(_Model):
    earliest: Clock
    latest: Clock
    minutes: int = Field(gt=0, le=180)

    @model_validator(mode="after")
    def _ordered(self) -> LunchRule:
        if self.latest < self.earliest:
            raise ValueError(f"latest {self.latest:%H:%M} is before earliest {self.earliest:%H:%M}")
        return self


class TechnicianTruth(_Model):
    speed_factor: float = Field(default=1.0, gt=0.2, le=5.0)
    """Multiplies every drive; below 1 means faster than the fleet average."""


class ScenarioTechnician(_Model):
    id: Ident
    name: str = Field(min_length=1)
    phone: str | None = None
    home: Point
    shift: ClockWindow
    lunch: LunchRule | None = None
    skills: tuple[Name, ...] = ()
    certifications_expire: dict[Name, date] = Field(default_factory=dict)
    equipment: tuple[Name, ...] = ()
    truth: TechnicianTruth = TechnicianTruth()


class ScenarioCustomer(_Model):
    id: Ident
    name: str | None = None
    phone: str | None = None
    flags: tuple[CustomerFlag, ...] = ()
    preferred_tech: Ident | None = None
    designated_tech: Ident | None = None


class SlaSpec(_Model):
    tier: SlaTier = SlaTier.STANDARD
    respond_by: Clock | None = None
    penalty_usd: float = Field(default=0, ge=0)


class JobTruth(_Model):
    job_type: JobType
    duration_minutes: int = Field(gt=0, le=24 * 60)
    customer_home: bool = True
    urgency: Urgency | None = None
    skills: tuple[Name, ...] | None = None
    equipment: tuple[Name, ...] | None = None


class ScenarioJob(_Model):
    id: Ident
    customer: Ident
    location: JobLocation
    source: JobSource = JobSource.PHONE
    summary: str = ""
    description: str = ""
    booked_window: ClockWindow | None = None
    sla: SlaSpec = SlaSpec()
    truth: JobTruth


class NewJobEvent(_Model):
    """A ticket arriving during the day."""

    at: Clock
    type: Literal["new_job"]
    job: ScenarioJob


class OverrunEvent(_Model):
    """The job really takes `extra_minutes` more than its true duration."""

    at: Clock
    type: Literal["overrun"]
    job: Ident
    extra_minutes: int = Field(gt=0, le=24 * 60)


class CancelEvent(_Model):
    at: Clock
    type: Literal["cancel"]
    job: Ident


class TechUnavailableEvent(_Model):
    at: Clock
    type: Literal["tech_unavailable"]
    technician: Ident
    until: Clock

    @model_validator(mode="after")
    def _ordered(self) -> TechUnavailableEvent:
        if self.until <= self.at:
            raise ValueError(f"until {self.until:%H:%M} is not after at {self.at:%H:%M}")
        return self


ScenarioEvent = Annotated[
    NewJobEvent | OverrunEvent | CancelEvent | TechUnavailableEvent, Field(discriminator="type")
]
_EVENT_TAGS = frozenset({"new_job", "overrun", "cancel", "tech_unavailable"})


class HistoryRow(_Model):
    job_type: JobType
    technician: Ident
    minutes: float = Field(gt=0, le=24 * 60)
    day: date = Field(alias="date")


class Scenario(_Model):
    """One scenario file, validated; identifiers cross-checked by `scenario_from_data`."""

    name: str = Field(min_length=1)
    timezone: str
    day: date = Field(alias="date")
    days: int = Field(default=1, ge=1, le=31)
    weather: Weather | None = None
    travel: TravelModel = TravelModel()
    technicians: tuple[ScenarioTechnician, ...] = Field(min_length=1)
    customers: tuple[ScenarioCustomer, ...] = ()
    jobs: tuple[ScenarioJob, ...] = ()
    events: tuple[ScenarioEvent, ...] = ()
    history: tuple[HistoryRow, ...] = ()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {value!r}") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def dates(self) -> tuple[date, ...]:
        return tuple(self.day + timedelta(days=i) for i in range(self.days))

    def at(self, clock: time, day_index: int = 0) -> datetime:
        """The aware local datetime of `clock` on the scenario's `day_index`-th day."""
        return datetime.combine(self.day + timedelta(days=day_index), clock, self.zone)

    def all_jobs(self) -> Iterator[ScenarioJob]:
        """Jobs known at the start of the day, then jobs that arrive as events."""
        yield from self.jobs
        for event in self.events:
            if isinstance(event, NewJobEvent):
                yield event.job

    def job(self, job_id: str) -> ScenarioJob:
        for job in self.all_jobs():
            if job.id == job_id:
                return job
        raise KeyError(job_id)

    @property
    def outdoor_temp_f(self) -> float | None:
        return self.weather.outdoor_temp_f if self.weather else None


def _path(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for i, item in enumerate(loc):
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif i == 2 and loc[0] == "events" and item in _EVENT_TAGS:
            continue  # the union's tag, not a field of the file
        else:
            parts.append(("." if parts else "") + item)
    return "".join(parts) or "(top level)"


def _describe(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "required field is missing"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def _references(s: Scenario) -> list[str]:
    problems: list[str] = []

    def unique(kind: str, items: list[tuple[str, str]]) -> set[str]:
        first: dict[str, str] = {}
        for path, ident in items:
            if ident in first:
                problems.append(f"{path}: duplicate {kind} {ident!r} (first at {first[ident]})")
            else:
                first[ident] = path
        return set(first)

    techs = unique(
        "technician", [(f"technicians[{i}].id", t.id) for i, t in enumerate(s.technicians)]
    )
    customers = unique(
        "customer", [(f"customers[{i}].id", c.id) for i, c in enumerate(s.customers)]
    )
    job_paths = [(f"jobs[{i}]", j) for i, j in enumerate(s.jobs)]
    job_paths += [
        (f"events[{i}].job", e.job) for i, e in enumerate(s.events) if isinstance(e, NewJobEvent)
    ]
    unique("job", [(f"{p}.id", j.id) for p, j in job_paths])
    arrives = {j.id: None for j in s.jobs} | {
        e.job.id: (i, e.at) for i, e in enumerate(s.events) if isinstance(e, NewJobEvent)
    }

    for i, t in enumerate(s.technicians):
        for cert in t.certifications_expire:
            if cert not in t.skills:
                problems.append(
                    f"technicians[{i}].certifications_expire.{cert}: not among the skills"
                )
    for i, c in enumerate(s.customers):
        for field in ("preferred_tech", "designated_tech"):
            ref = getattr(c, field)
            if ref is not None and ref not in techs:
                problems.append(f"customers[{i}].{field}: unknown technician {ref!r}")
    for path, j in job_paths:
        if j.customer not in customers:
            problems.append(f"{path}.customer: unknown customer {j.customer!r}")
    for i, e in enumerate(s.events):
        if isinstance(e, OverrunEvent | CancelEvent):
            if e.job not in arrives:
                problems.append(f"events[{i}].job: unknown job {e.job!r}")
            elif (arrival := arrives[e.job]) is not None and e.at < arrival[1]:
                problems.append(
                    f"events[{i}].at: {e.at:%H:%M} is before job {e.job!r} arrives"
                    f" at {arrival[1]:%H:%M} (events[{arrival[0]}])"
                )
        elif isinstance(e, TechUnavailableEvent) and e.technician not in techs:
            problems.append(f"events[{i}].technician: unknown technician {e.technician!r}")
    for i, h in enumerate(s.history):
        if h.technician not in techs:
            problems.append(f"history[{i}].technician: unknown technician {h.technician!r}")
    return problems


def scenario_from_data(data: object, source: str = "<scenario>") -> Scenario:
    """Validate already-parsed YAML/JSON data into a Scenario.

    Raises:
        ScenarioError: listing each bad field as ``path: reason``.
    """
    if not isinstance(data, Mapping):
        raise ScenarioError(source, [f"(top level): expected a mapping, got {type(data).__name__}"])
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems = [f"{_path(tuple(e['loc']))}: {_describe(e)}" for e in exc.errors()]
        raise ScenarioError(source, problems) from None
    if problems := _references(scenario):
        raise ScenarioError(source, problems)
    return scenario


class _ScenarioYamlLoader(yaml.SafeLoader):
    """Safe YAML without the YAML 1.1 sexagesimal numbers, so ``9:15`` stays a clock time."""


_ScenarioYamlLoader.yaml_implicit_resolvers = {
    first: [
        (tag, rx)
        for tag, rx in resolvers
        if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_ScenarioYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"),
    list("-+0123456789"),
)
_ScenarioYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)"
        r"|\.[0-9_]+(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


def parse_scenario(text: str, source: str = "<scenario>", *, fmt: str | None = None) -> Scenario:
    """Parse scenario text; `fmt` is 'yaml' or 'json' (default: JSON when it starts with '{')."""
    fmt = fmt or ("json" if text.lstrip().startswith("{") else "yaml")
    try:
        if fmt == "json":
            data = json.loads(text)
        elif fmt == "yaml":
            data = yaml.load(text, Loader=_ScenarioYamlLoader)  # noqa: S506 - a SafeLoader
        else:
            raise ValueError(f"unknown scenario format {fmt!r}; use 'yaml' or 'json'")
    except json.JSONDecodeError as exc:
        raise ScenarioError(source, [f"line {exc.lineno}: invalid JSON: {exc.msg}"]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(file)"
        raise ScenarioError(source, [f"{where}: invalid YAML: {exc}"]) from None
    return scenario_from_data(data, source)


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario file (.yaml, .yml or .json).

    Raises:
        ScenarioError: the file is unreadable or breaks FORMAT.md.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(str(path), [f"(file): cannot read: {exc}"]) from None
    fmt = "json" if path.suffix.lower() == ".json" else "yaml"
    return parse_scenario(text, str(path), fmt=fmt)


def dump_scenario(scenario: Scenario, fmt: str = "yaml") -> str:
    """Write a scenario in the file format, clock times as 'HH:MM' strings."""
    data = scenario.model_dump(mode="json", by_alias=True, exclude_none=False)
    _clocks_to_text(data)
    for job in [*data["jobs"], *(e["job"] for e in data["events"] if e["type"] == "new_job")]:
        # The optional truth extensions are written only when set.
        job["truth"] = {k: v for k, v in job["truth"].items() if v is not None}
    if fmt == "json":
        return json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def _clocks_to_text(node: Any) -> None:
    # model_dump writes times as 'HH:MM:SS'; the format uses 'HH:MM'.
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, str) and re.fullmatch(r"\d\d:\d\d:00", value):
                node[key] = value[:5]
            else:
                _clocks_to_text(value)
    elif isinstance(node, list):
        for item in node:
            _clocks_to_text(item)
