"""The urgency tier before the safety rules: same day or scheduled, from conditions, never tone.

"URGENT", "ASAP" and "no rush" decide nothing. Emergencies are the safety rules' business
(`safety.py`), applied afterwards; this module decides whether a non-emergency ticket needs someone
today.
"""

from __future__ import annotations

from orchestrator.classification.conditions import (
    box_at_risk,
    cool_loss,
    heat_loss,
    main_line_blocked,
)
from orchestrator.classification.signals import Signals
from orchestrator.classification.ticket import Ticket

__all__ = ["base_urgency"]

_PLANNED = frozenset(
    {
        "general.estimate",
        "hvac.install",
        "hvac.maintenance",
        "hvac.thermostat",
        "plumbing.water_heater_install",
        "plumbing.fixture_install",
        "electrical.panel_upgrade",
        "electrical.outlet_fixture",
        "electrical.ev_charger_install",
    }
)


def _leak_today(sig: Signals) -> str | None:
    """An active leak being caught or stopped needs someone today; a minor drip does not."""
    if sig.has("water_stopped") and not sig.has("water_stop_failed") and sig.has("leak", "burst"):
        return f"leak stopped or shut off {sig.phrase('water_stopped')}"
    if sig.has("contained") and sig.has("leak"):
        return f"active leak being caught {sig.phrase('contained')}"
    if sig.has("leak_active") and not sig.has("leak_minor") and sig.has("leak"):
        return f"active leak {sig.phrase('leak_active')}"
    if sig.has("leak") and "sensor" in sig.text and sig.has("fault_any", "leak"):
        return "leak sensor reports water"
    return None


def base_urgency(ticket: Ticket, sig: Signals, job_type: str) -> tuple[str, str]:
    """The tier and its reason, before the safety rules may raise it to emergency."""
    if job_type in ("plumbing.gas_leak", "electrical.hazard", "plumbing.sewer_backup"):
        return "emergency", "hazard job type"
    if job_type in _PLANNED:
        if job_type == "plumbing.fixture_install" and sig.has("clog") and sig.has("only_toilet"):
            return "same_day", "the only toilet is blocked"
        return "scheduled", "planned work, estimate or install: scheduled whatever the tone"
    if job_type in ("hvac.no_heat", "hvac.no_cooling"):
        return "same_day", "heating or cooling lost"
    if job_type == "hvac.refrigerant_leak":
        if cool_loss(ticket, sig) or heat_loss(ticket, sig):
            return "same_day", "diagnosed refrigerant leak and the system is not cooling now"
        return "scheduled", "refrigerant leak work on a system that still works"
    if job_type == "hvac.repair":
        if sig.has("condensate") and (sig.has("contained", "leak_active") or sig.has("leak")):
            return "same_day", f"active condensate leak {sig.phrase('condensate')}"
        if sig.has("fault_stop") and not sig.has("advisory"):
            return "same_day", f"equipment faulted or locked out {sig.phrase('fault_stop')}"
        if sig.has("iced") and not sig.has("works_fine"):
            return "same_day", f"equipment iced over {sig.phrase('iced')}"
        if sig.has("unit_dead") and not sig.has("works_fine"):
            return "same_day", f"equipment stopped {sig.phrase('unit_dead')}"
        return "scheduled", "minor repair, noise, advisory alarm or work after a diagnosis"
    if job_type == "refrigeration.commercial":
        if box_at_risk(ticket, sig) or sig.has("product_moved"):
            return "same_day", "commercial box failing (product moved or not at risk)"
        if sig.has("maintenance") and not sig.has(
            "fault_any",
            "fault_stop",
            "unit_dead",
            "cold_warm",
            "noise",
            "short_cycle",
            "iced",
            "leak",
        ):
            return "scheduled", "planned refrigeration maintenance"
        if sig.has(
            "fault_any", "fault_stop", "unit_dead", "cold_warm", "short_cycle", "iced", "no_cool"
        ):
            return "same_day", "commercial refrigeration faulting while still holding temperature"
        return "scheduled", "commercial refrigeration work with nothing failing"
    if job_type == "plumbing.burst_pipe":
        return "same_day", "burst pipe with the water shut off"
    if job_type == "plumbing.leak":
        why = _leak_today(sig)
        return ("same_day", why) if why else ("scheduled", "minor or hidden leak")
    if job_type == "plumbing.water_heater_repair":
        if sig.has("no_hot_water"):
            return "same_day", f"no or little hot water {sig.phrase('no_hot_water')}"
        if sig.has("leak", "tank_rupture") and not sig.has("leak_minor"):
            return "same_day", f"water heater leaking {sig.phrase('leak', 'tank_rupture')}"
        if not sig.has("wh_service", "wh_noise", "leak"):
            return "same_day", "water heater reported not working: no hot water"
        return "scheduled", "water heater service or minor issue"
    if job_type == "plumbing.drain_clog":
        main = main_line_blocked(sig)
        if main:
            return "same_day", f"main line or several fixtures blocked: {main}"
        if sig.has("only_toilet") and sig.has("toilet"):
            return "same_day", "the only toilet is blocked"
        return "scheduled", "one slow or blocked drain"
    if job_type == "electrical.no_power":
        return "same_day", "partial or whole-house power loss"
    if job_type == "appliance.repair":
        if sig.has("home_cold") and (sig.has("no_cool", "cold_warm") or sig.has("unit_dead")):
            return "same_day", "home fridge or freezer not cooling"
        return "scheduled", "appliance repair with nothing at risk"
    return "scheduled", "no condition needing a visit today"
