"""Skills, certifications and special equipment the primary job needs.

The rules are per job type and per fact in the text: a certification is required only when the
text shows what it is for (gas must be visible for `gas_fitter`; an unknown fuel adds nothing).
"""

from __future__ import annotations

import re

from orchestrator.classification.conditions import main_line_blocked
from orchestrator.classification.signals import Signals
from orchestrator.classification.ticket import Ticket

__all__ = ["required_equipment", "required_skills"]

_REFRIGERANT_EQUIPMENT = re.compile(
    r"\b(?:ac|heat pump|mini split|rooftop unit|condenser|central air|split system|cooling|"
    r"air conditioner|"
    r"package unit|gas pack|evaporator|line ?set|coil)\b"
)
_FURNACE_ONLY = re.compile(
    r"\b(?:furnace only|no (?:central )?(?:ac|air conditioning|air conditioner|central air))\b"
)


def _gas_shown(sig: Signals) -> bool:
    return sig.has("gas_fuel", "gas_only_tankless", "gas_line") and not (
        sig.has("electric_fuel") and not sig.has("gas_only_tankless")
    )


def _opens_refrigerant_circuit(ticket: Ticket, sig: Signals, job_type: str) -> bool:
    if job_type == "hvac.refrigerant_leak":
        return True
    if job_type == "hvac.install":
        if _FURNACE_ONLY.search(sig.text):
            return False
        if sig.has("heat_pump") and "water heater" in sig.text and not sig.has("ac"):
            return False
        return bool(_REFRIGERANT_EQUIPMENT.search(sig.text))
    if job_type in ("hvac.repair", "refrigeration.commercial", "hvac.no_cooling", "hvac.no_heat"):
        return sig.has("component_replace") and sig.has("diagnosed", "agreed", "install")
    return False


def required_skills(
    ticket: Ticket, sig: Signals, job_type: str
) -> tuple[frozenset[str], tuple[str, ...]]:
    """Skills for the job type and text, with one reason per skill."""
    skills: dict[str, str] = {}
    if job_type in ("general.estimate", "appliance.repair"):
        return frozenset(), ("estimates and appliance repairs need no certification",)
    trade = job_type.split(".", 1)[0]
    if _opens_refrigerant_circuit(ticket, sig, job_type):
        skills["epa_608"] = "refrigerant circuit work"
    if job_type == "refrigeration.commercial":
        skills["epa_608"] = "all commercial refrigeration work"
        skills["commercial_refrigeration"] = "commercial refrigeration"
    if job_type == "plumbing.gas_leak":
        skills["gas_fitter"] = "gas leak"
    elif job_type in (
        "plumbing.water_heater_repair",
        "plumbing.water_heater_install",
    ) and _gas_shown(sig):
        skills["gas_fitter"] = (
            f"gas-fired water heater {sig.phrase('gas_fuel', 'gas_only_tankless')}"
        )
    elif job_type == "plumbing.fixture_install" and sig.has("gas_line"):
        skills["gas_fitter"] = f"new or altered gas line {sig.phrase('gas_line')}"
    elif job_type == "hvac.install" and sig.has("furnace", "boiler") and sig.has("gas_fuel"):
        skills["gas_fitter"] = "gas furnace or boiler install"
    if trade == "electrical":
        if job_type == "electrical.panel_upgrade" or (
            job_type == "electrical.ev_charger_install" and sig.has("panel_upgrade")
        ):
            skills["master_electrician"] = "panel upgrade or service change"
        else:
            skills["journeyman_electrician"] = "electrical work"
        if job_type == "electrical.ev_charger_install":
            skills["ev_charger"] = "EV charger install"
    if trade == "hvac" and sig.has("boiler"):
        skills["boiler"] = f"boiler or hydronic system {sig.phrase('boiler')}"
    if job_type.startswith("plumbing.water_heater") and sig.has("tankless"):
        skills["tankless_water_heater"] = f"tankless water heater {sig.phrase('tankless')}"
    if (
        trade == "plumbing"
        and sig.has("backflow")
        and job_type in ("plumbing.fixture_install", "plumbing.leak")
    ):
        skills["backflow"] = f"backflow preventer assembly {sig.phrase('backflow')}"
    reasons = tuple(f"{skill}: {why}" for skill, why in sorted(skills.items())) or (
        "no certification needed",
    )
    return frozenset(skills), reasons


def required_equipment(
    ticket: Ticket, sig: Signals, job_type: str
) -> tuple[frozenset[str], tuple[str, ...]]:
    """Special equipment for the job type and text, with one reason per item."""
    items: dict[str, str] = {}
    if job_type == "general.estimate":
        return frozenset(), ("estimates carry no equipment",)
    if job_type in ("plumbing.drain_clog", "plumbing.sewer_backup"):
        items["drain_machine"] = "every clog and sewer backup"
        recurring_history = "plumbing.drain_clog" in ticket.previous_job_types
        if job_type == "plumbing.sewer_backup":
            items["camera_inspection"] = "sewer backup"
        elif main_line_blocked(sig):
            items["camera_inspection"] = (
                f"main-line or multi-fixture blockage: {main_line_blocked(sig)}"
            )
        elif sig.has("recurring") or recurring_history:
            why = sig.phrase("recurring") or "customer history has a clog"
            items["camera_inspection"] = f"recurring clog {why}"
    if _opens_refrigerant_circuit(ticket, sig, job_type):
        items["recovery_machine"] = "refrigerant circuit will be opened"
        items["vacuum_pump"] = "refrigerant circuit will be opened"
    if sig.has("rooftop") and job_type.split(".", 1)[0] in ("hvac", "refrigeration"):
        items["ladder_28ft"] = f"roof work {sig.phrase('rooftop')}"
    if job_type.startswith("electrical.") and sig.has("second_storey_exterior"):
        items["ladder_28ft"] = f"second-storey exterior work {sig.phrase('second_storey_exterior')}"
    if job_type == "plumbing.gas_leak" or (
        sig.has("gas_line")
        and job_type in ("plumbing.fixture_install", "plumbing.water_heater_install")
        and (sig.has("gas_line_upsize") or job_type == "plumbing.fixture_install")
    ):
        items["pipe_threader"] = "gas pipe work"
    reasons = tuple(f"{item}: {why}" for item, why in sorted(items.items())) or (
        "no special equipment",
    )
    return frozenset(items), reasons
