"""The canonical job taxonomy (trades, job types, skills, equipment, urgencies), extendable in YAML.

The default is the one fixed in DESIGN.md. Admins may add job types, skills or equipment in a YAML
file shaped like::

    job_types:
      hvac: [hvac.duct_cleaning]
      pool: [pool.pump_repair]        # a new trade is allowed
    skills: [nate_certified]
    equipment: [lift_40ft]
    typical_minutes:                  # a visit's median, until the account has history of it
      hvac.duct_cleaning: 150
      plumbing.water_heater_install: 300   # a canonical type may be re-stated
    planned_work: [hvac.duct_cleaning]     # scope known before arrival (installs, cleanings)

Extensions only add; removing a canonical identifier would orphan history and mappings.
A job type added without typical minutes is planned from its trade's history, then the fleet's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import yaml

from orchestrator.classification.errors import TaxonomyError

__all__ = [
    "TYPICAL_MINUTES",
    "TYPICAL_SIGMA",
    "URGENCIES",
    "Taxonomy",
    "default_taxonomy",
    "load_taxonomy",
]

URGENCIES: tuple[str, ...] = ("emergency", "same_day", "scheduled")
"""Urgency tiers, most urgent first."""

_DEFAULT_JOB_TYPES: dict[str, tuple[str, ...]] = {
    "hvac": (
        "hvac.no_heat",
        "hvac.no_cooling",
        "hvac.repair",
        "hvac.maintenance",
        "hvac.install",
        "hvac.refrigerant_leak",
        "hvac.thermostat",
    ),
    "plumbing": (
        "plumbing.leak",
        "plumbing.burst_pipe",
        "plumbing.drain_clog",
        "plumbing.sewer_backup",
        "plumbing.water_heater_repair",
        "plumbing.water_heater_install",
        "plumbing.fixture_install",
        "plumbing.gas_leak",
    ),
    "electrical": (
        "electrical.no_power",
        "electrical.hazard",
        "electrical.panel_upgrade",
        "electrical.outlet_fixture",
        "electrical.ev_charger_install",
    ),
    "appliance": ("appliance.repair",),
    "refrigeration": ("refrigeration.commercial",),
}
_ANY_TRADE = ("general.estimate",)
_DEFAULT_SKILLS = (
    "epa_608",
    "gas_fitter",
    "journeyman_electrician",
    "master_electrician",
    "commercial_refrigeration",
    "boiler",
    "tankless_water_heater",
    "backflow",
    "ev_charger",
)
_DEFAULT_EQUIPMENT = (
    "drain_machine",
    "camera_inspection",
    "recovery_machine",
    "vacuum_pump",
    "ladder_28ft",
    "pipe_threader",
)
TYPICAL_MINUTES: Mapping[str, float] = MappingProxyType(
    {
        "hvac.no_heat": 90, "hvac.no_cooling": 90, "hvac.repair": 90, "hvac.maintenance": 60,
        "hvac.install": 360, "hvac.refrigerant_leak": 120, "hvac.thermostat": 45,
        "plumbing.leak": 75, "plumbing.burst_pipe": 120, "plumbing.drain_clog": 75,
        "plumbing.sewer_backup": 120, "plumbing.water_heater_repair": 90,
        "plumbing.water_heater_install": 240, "plumbing.fixture_install": 90,
        "plumbing.gas_leak": 90,
        "electrical.no_power": 75, "electrical.hazard": 75, "electrical.panel_upgrade": 360,
        "electrical.outlet_fixture": 60, "electrical.ev_charger_install": 180,
        "appliance.repair": 60, "refrigeration.commercial": 120, "general.estimate": 45,
    }
)  # fmt: skip
"""A typical visit's median minutes per canonical job type: the duration model's figure for a
type the account has no history of yet (its own history replaces it as soon as there is some)."""

_PLANNED = (
    "hvac.install", "hvac.maintenance", "hvac.thermostat", "plumbing.water_heater_install",
    "plumbing.fixture_install", "electrical.panel_upgrade", "electrical.ev_charger_install",
    "general.estimate",
)  # fmt: skip
PLANNED_SIGMA = 0.3
DIAGNOSIS_SIGMA = 0.45
TYPICAL_SIGMA: Mapping[str, float] = MappingProxyType(
    {
        job_type: (PLANNED_SIGMA if job_type in _PLANNED else DIAGNOSIS_SIGMA)
        for job_type in TYPICAL_MINUTES
    }
)
"""A typical spread of a visit's log minutes per canonical job type, used with its typical
median: booked work whose scope is known (an install, a maintenance visit, an estimate) runs
closer to its median than a diagnosis, whose cause is found on site. 0.3 puts the p80 1.29 times
the median, 0.45 puts it 1.46 times (installs and maintenance in a contractor's history run
0.25-0.3, repair calls 0.35-0.45)."""

_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$")


@dataclass(frozen=True)
class Taxonomy:
    """The identifiers a classification may use.

    Attributes:
        job_types: trade → its job types (without the any-trade types).
        any_trade: job types valid for every trade, such as `general.estimate`.
        skills: skill and certification identifiers.
        equipment: special-equipment identifiers.
        typical_minutes: job type → a visit's median minutes, for a type the account has no
            history of (`TYPICAL_MINUTES` and the admin's figures).
        typical_sigma: job type → the spread of a visit's log minutes, with its typical minutes.
    """

    job_types: Mapping[str, tuple[str, ...]]
    any_trade: tuple[str, ...] = _ANY_TRADE
    skills: frozenset[str] = frozenset(_DEFAULT_SKILLS)
    equipment: frozenset[str] = frozenset(_DEFAULT_EQUIPMENT)
    urgencies: tuple[str, ...] = field(default=URGENCIES)
    typical_minutes: Mapping[str, float] = field(default_factory=lambda: TYPICAL_MINUTES)
    typical_sigma: Mapping[str, float] = field(default_factory=lambda: TYPICAL_SIGMA)

    @property
    def trades(self) -> tuple[str, ...]:
        return tuple(self.job_types)

    @property
    def all_job_types(self) -> tuple[str, ...]:
        return tuple(t for types in self.job_types.values() for t in types) + self.any_trade

    def trade_of(self, job_type: str) -> str | None:
        """The trade a job type belongs to; None for any-trade types such as estimates."""
        for trade, types in self.job_types.items():
            if job_type in types:
                return trade
        if job_type in self.any_trade:
            return None
        raise TaxonomyError(f"unknown job type {job_type!r}")

    def check(
        self,
        *,
        trade: str,
        job_type: str,
        skills: frozenset[str] | set[str] = frozenset(),
        equipment: frozenset[str] | set[str] = frozenset(),
        urgency: str = "scheduled",
    ) -> list[str]:
        """Problems with a classification's identifiers, one line each; empty when valid."""
        problems: list[str] = []
        if trade not in self.job_types:
            problems.append(f"trade {trade!r} is not one of {sorted(self.job_types)}")
        elif job_type not in self.job_types[trade] and job_type not in self.any_trade:
            problems.append(f"job_type {job_type!r} is not a {trade} job type")
        for skill in sorted(set(skills) - self.skills):
            problems.append(f"skill {skill!r} is not in the taxonomy")
        for item in sorted(set(equipment) - self.equipment):
            problems.append(f"equipment {item!r} is not in the taxonomy")
        if urgency not in self.urgencies:
            problems.append(f"urgency {urgency!r} is not one of {list(self.urgencies)}")
        return problems


def default_taxonomy() -> Taxonomy:
    """The taxonomy of DESIGN.md, without extensions."""
    return Taxonomy(job_types=MappingProxyType(dict(_DEFAULT_JOB_TYPES)))


def load_taxonomy(extensions: Path | str | None = None) -> Taxonomy:
    """The default taxonomy plus the admin's YAML extensions, if a file is given.

    Raises:
        TaxonomyError: the file is missing, not YAML, has unknown keys, or adds an identifier that
            is malformed or whose prefix is not its trade.
    """
    base = default_taxonomy()
    if extensions is None:
        return base
    path = Path(extensions)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise TaxonomyError(f"{path}: cannot read taxonomy extensions ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise TaxonomyError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise TaxonomyError(f"{path}: expected a mapping at the top level")
    unknown = set(data) - {"job_types", "skills", "equipment", "typical_minutes", "planned_work"}
    if unknown:
        raise TaxonomyError(f"{path}: unknown keys {sorted(unknown)}")

    job_types = {trade: list(types) for trade, types in base.job_types.items()}
    added_types = data.get("job_types") or {}
    if not isinstance(added_types, dict):
        raise TaxonomyError(f"{path}: job_types must map a trade to a list of job types")
    for trade, types in added_types.items():
        if not isinstance(trade, str) or not _IDENTIFIER.match(trade) or "." in trade:
            raise TaxonomyError(f"{path}: job_types: bad trade name {trade!r}")
        if not isinstance(types, list):
            raise TaxonomyError(f"{path}: job_types.{trade} must be a list")
        for job_type in types:
            if not isinstance(job_type, str) or not _IDENTIFIER.match(job_type):
                raise TaxonomyError(f"{path}: job_types.{trade}: bad identifier {job_type!r}")
            if not job_type.startswith(f"{trade}."):
                raise TaxonomyError(
                    f"{path}: job_types.{trade}: {job_type!r} must start with '{trade}.'"
                )
            bucket = job_types.setdefault(trade, [])
            if job_type not in bucket:
                bucket.append(job_type)

    def _names(key: str) -> set[str]:
        values = data.get(key) or []
        if not isinstance(values, list):
            raise TaxonomyError(f"{path}: {key} must be a list")
        for value in values:
            if not isinstance(value, str) or not _IDENTIFIER.match(value) or "." in value:
                raise TaxonomyError(f"{path}: {key}: bad identifier {value!r}")
        return set(values)

    known = {t for types in job_types.values() for t in types} | set(base.any_trade)
    minutes, sigma = _typical(path, data, known)
    return Taxonomy(
        job_types=MappingProxyType({t: tuple(v) for t, v in job_types.items()}),
        skills=base.skills | _names("skills"),
        equipment=base.equipment | _names("equipment"),
        typical_minutes=MappingProxyType({**base.typical_minutes, **minutes}),
        typical_sigma=MappingProxyType({**base.typical_sigma, **sigma}),
    )


MAX_TYPICAL_MINUTES = 24 * 60
"""A visit longer than a day is several visits; a figure above this is a typo (hours for
minutes, say)."""


def _typical(
    path: Path, data: Mapping[str, object], known: set[str]
) -> tuple[dict[str, float], dict[str, float]]:
    """The admin's typical minutes and the spread each implies: `planned_work` runs closer to
    its median than a diagnosis. A canonical type keeps its own spread unless listed."""
    given = data.get("typical_minutes") or {}
    if not isinstance(given, dict):
        raise TaxonomyError(f"{path}: typical_minutes must map a job type to minutes")
    planned = data.get("planned_work") or []
    if not isinstance(planned, list):
        raise TaxonomyError(f"{path}: planned_work must be a list of job types")
    minutes: dict[str, float] = {}
    for job_type, value in given.items():
        if job_type not in known:
            raise TaxonomyError(f"{path}: typical_minutes: unknown job type {job_type!r}")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TaxonomyError(f"{path}: typical_minutes.{job_type} must be a number of minutes")
        if not 0 < value <= MAX_TYPICAL_MINUTES:
            raise TaxonomyError(
                f"{path}: typical_minutes.{job_type} must be over 0 and at most "
                f"{MAX_TYPICAL_MINUTES} minutes, got {value}"
            )
        minutes[job_type] = float(value)
    sigma: dict[str, float] = {}
    for job_type in planned:
        if job_type not in known:
            raise TaxonomyError(f"{path}: planned_work: unknown job type {job_type!r}")
        if job_type not in minutes and job_type not in TYPICAL_MINUTES:
            raise TaxonomyError(
                f"{path}: planned_work: {job_type!r} has no typical_minutes to plan around"
            )
        sigma[job_type] = PLANNED_SIGMA
    for job_type in minutes:
        sigma.setdefault(job_type, TYPICAL_SIGMA.get(job_type, DIAGNOSIS_SIGMA))
    return minutes, sigma
