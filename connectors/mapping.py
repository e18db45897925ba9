"""Mapping files: vendor statuses, job types, skills and priorities → canonical values.

A file `mappings/<platform>.yaml` holds tables keyed by the vendor's own strings (compared without
regard to case or repeated spaces, since vendors' casing drifts between documents):

    platform: servicetitan
    statuses:
      job: {Scheduled: scheduled, Completed: completed, ...}
      appointment: {Working: on_site, ...}
    job_types: {"AC Repair": hvac.no_cooling, ...}
    skills: {"EPA 608": [epa_608], "HVAC North": []}   # [] = known label, not a skill
    priorities: {Urgent: emergency, ...}

A value missing from a table never drops a record: the canonical field becomes `unknown` (or
stays empty) and the value is reported beside the record in `Mapped.unmapped`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

import yaml

from connectors.errors import MappingError
from connectors.records import UNKNOWN, Lifecycle, Record, Urgency

__all__ = [
    "TRADES",
    "Lookup",
    "Mapped",
    "MappingTables",
    "Unmapped",
    "load_mapping",
    "parse_mapping",
]

R = TypeVar("R", bound=Record)
Subject = Literal["job", "appointment"]

TRADES = ("hvac", "plumbing", "electrical", "appliance", "refrigeration", "general")
_JOB_TYPE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
_SKILL = re.compile(r"^[a-z][a-z0-9_]*$")
_TOP_KEYS = {"platform", "statuses", "job_types", "skills", "priorities"}


def normalise(value: str) -> str:
    """The form vendor strings are compared in: trimmed, case-folded, single spaces."""
    return " ".join(value.split()).casefold()


@dataclass(frozen=True, slots=True)
class Unmapped:
    """A vendor value no table entry matched."""

    table: str
    """Where it should be added, as a YAML path: `statuses.appointment`, `job_types`, …"""
    value: str

    def __str__(self) -> str:
        return f"{self.table}: {self.value!r}"


@dataclass(frozen=True, slots=True)
class Mapped(Generic[R]):
    """A canonical record and the vendor values that did not map while making it."""

    record: R
    unmapped: tuple[Unmapped, ...] = ()


@dataclass(frozen=True)
class MappingTables:
    """One platform's validated mapping file."""

    platform: str
    source: str
    job_statuses: Mapping[str, Lifecycle] = field(default_factory=dict)
    appointment_statuses: Mapping[str, Lifecycle] = field(default_factory=dict)
    job_types: Mapping[str, str] = field(default_factory=dict)
    skills: Mapping[str, frozenset[str]] = field(default_factory=dict)
    priorities: Mapping[str, Urgency] = field(default_factory=dict)

    def lookup(self) -> Lookup:
        """A fresh lookup that collects the unmapped values of one record."""
        return Lookup(self)


class Lookup:
    """Translates vendor values through the tables, noting each one that is missing."""

    def __init__(self, tables: MappingTables) -> None:
        self.tables = tables
        self.unmapped: list[Unmapped] = []

    def _miss(self, table: str, value: str) -> None:
        item = Unmapped(table, value)
        if item not in self.unmapped:
            self.unmapped.append(item)

    def status(self, subject: Subject, *candidates: str | None) -> Lifecycle:
        """The first candidate found wins (e.g. "In progress/En route" before "In progress")."""
        table = self.tables.job_statuses if subject == "job" else self.tables.appointment_statuses
        given = [c for c in candidates if c]
        for candidate in given:
            found = table.get(normalise(candidate))
            if found is not None:
                return found
        if given:
            self._miss(f"statuses.{subject}", given[-1])
        return Lifecycle.UNKNOWN

    def job_type(self, *candidates: str | None) -> str:
        given = [c for c in candidates if c]
        for candidate in given:
            found = self.tables.job_types.get(normalise(candidate))
            if found is not None:
                return found
        if given:
            self._miss("job_types", given[0])
        return UNKNOWN

    def skills(self, labels: Iterable[str]) -> frozenset[str]:
        out: set[str] = set()
        for label in labels:
            if not label or not label.strip():
                continue
            found = self.tables.skills.get(normalise(label))
            if found is None:
                self._miss("skills", label)
            else:
                out |= found
        return frozenset(out)

    def urgency(self, priority: str | None) -> Urgency | None:
        if not priority:
            return None
        found = self.tables.priorities.get(normalise(priority))
        if found is None:
            self._miss("priorities", priority)
        return found

    def done(self, record: R) -> Mapped[R]:
        return Mapped(record, tuple(self.unmapped))


def load_mapping(path: str | Path) -> MappingTables:
    """Read and validate one mapping file.

    Raises:
        MappingError: naming the file and the YAML path of the first problem.
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise MappingError(f"{file}: file not found") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        raise MappingError(f"{file}: not valid YAML at {where}") from exc
    return parse_mapping(data, source=str(file))


def parse_mapping(data: Any, *, source: str) -> MappingTables:
    """Validate already-parsed YAML (see `load_mapping`)."""

    def fail(where: str, problem: str) -> MappingError:
        return MappingError(f"{source}: {where}: {problem}")

    if not isinstance(data, dict):
        raise fail("(root)", "the top level must be a mapping of tables")
    for key in data:
        if key not in _TOP_KEYS:
            raise fail(str(key), f"unknown table (expected one of {', '.join(sorted(_TOP_KEYS))})")
    platform = data.get("platform")
    if not isinstance(platform, str) or not platform:
        raise fail("platform", "required: the platform this file maps")

    def table(where: str, node: Any) -> dict[str, Any]:
        if node is None:
            return {}
        if not isinstance(node, dict):
            raise fail(where, "must be a mapping of vendor value → canonical value")
        out: dict[str, Any] = {}
        firsts: dict[str, str] = {}
        for raw_key, value in node.items():
            if not isinstance(raw_key, str | int) or isinstance(raw_key, bool):
                raise fail(f"{where}.{raw_key}", "vendor values must be strings or ids")
            key = normalise(str(raw_key))
            if not key:
                raise fail(f"{where}.{raw_key!r}", "a vendor value must not be blank")
            if key in out:
                raise fail(
                    f"{where}.{raw_key}",
                    f"same vendor value as {firsts[key]!r} (case and spaces are ignored)",
                )
            firsts[key] = str(raw_key)
            out[key] = (str(raw_key), value)
        return out

    def lifecycle(where: str, value: Any) -> Lifecycle:
        try:
            return Lifecycle(value)
        except ValueError:
            allowed = ", ".join(s.value for s in Lifecycle)
            raise fail(where, f"{value!r} is not a lifecycle (one of {allowed})") from None

    statuses = data.get("statuses") or {}
    if not isinstance(statuses, dict):
        raise fail("statuses", "must have `job` and/or `appointment` tables")
    for key in statuses:
        if key not in ("job", "appointment"):
            raise fail(f"statuses.{key}", "unknown table (expected job or appointment)")
    job_statuses = {
        k: lifecycle(f"statuses.job.{raw}", v)
        for k, (raw, v) in table("statuses.job", statuses.get("job")).items()
    }
    appointment_statuses = {
        k: lifecycle(f"statuses.appointment.{raw}", v)
        for k, (raw, v) in table("statuses.appointment", statuses.get("appointment")).items()
    }

    job_types: dict[str, str] = {}
    for key, (raw, value) in table("job_types", data.get("job_types")).items():
        where = f"job_types.{raw}"
        if value != UNKNOWN:
            if not isinstance(value, str) or not _JOB_TYPE.match(value):
                raise fail(where, f"{value!r} is not a job type like hvac.no_heat")
            if value.split(".")[0] not in TRADES:
                raise fail(where, f"{value!r} names no trade (one of {', '.join(TRADES)})")
        job_types[key] = value

    skills: dict[str, frozenset[str]] = {}
    for key, (raw, value) in table("skills", data.get("skills")).items():
        where = f"skills.{raw}"
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list):
            raise fail(where, "must be a skill, a list of skills, or [] for 'not a skill'")
        for index, item in enumerate(values):
            if not isinstance(item, str) or not _SKILL.match(item):
                raise fail(f"{where}[{index}]", f"{item!r} is not a skill like epa_608")
        skills[key] = frozenset(values)

    priorities: dict[str, Urgency] = {}
    for key, (raw, value) in table("priorities", data.get("priorities")).items():
        try:
            priorities[key] = Urgency(value)
        except ValueError:
            allowed = ", ".join(u.value for u in Urgency)
            raise fail(f"priorities.{raw}", f"{value!r} is not an urgency ({allowed})") from None

    return MappingTables(
        platform=platform,
        source=source,
        job_statuses=job_statuses,
        appointment_statuses=appointment_statuses,
        job_types=job_types,
        skills=skills,
        priorities=priorities,
    )
