"""Trade and job type from a ticket's signals: hazards first, then the primary job.

The order follows the labelling rules. Hazards win whatever else the ticket is about (gas, an
electrical hazard, a CO alarm, sewage inside, water flowing uncontrolled); a request for a price is
an estimate unless something is already broken; otherwise each trade scores the evidence for it
(equipment named, problems described, the summary counting double) and the winning trade's rules
pick the job type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from orchestrator.classification.conditions import (
    box_at_risk,
    cool_loss,
    heat_loss,
    heating_season,
    water_contained,
)
from orchestrator.classification.signals import Signals
from orchestrator.classification.ticket import Ticket

__all__ = ["JobChoice", "choose_job", "trade_scores"]

# Evidence for each trade: concept → weight. Problems weigh more than an object in passing.
_TRADE_EVIDENCE: dict[str, dict[str, float]] = {
    "hvac": {
        "furnace": 3,
        "heat_pump": 3,
        "boiler": 3,
        "ac": 2.5,
        "thermostat": 2,
        "hvac_generic": 1,
        "no_heat": 2,
        "no_cool": 2,
        "refrigerant_strong": 3,
        "condensate": 2,
        "short_cycle": 1.5,
        "rooftop": 1,
        "equipment_install": 1,
        "setpoint_not_reached": 2,
    },
    "plumbing": {
        "water_heater": 4,
        "no_hot_water": 3,
        "drain": 1.5,
        "clog": 3,
        "leak": 1.5,
        "pipe": 2,
        "toilet": 2,
        "faucet": 2,
        "disposal": 2,
        "sump": 3,
        "backflow": 4,
        "gas_line": 3,
        "burst": 2,
        "wh_install": 2,
    },
    "electrical": {
        "electrical": 1,
        "ev": 4,
        "panel_upgrade": 4,
        "no_power": 3,
        "fixture_words": 1.5,
    },
    "appliance": {"appliance": 3, "home_cold": 1},
    "refrigeration": {"walk_in": 6},
}


@dataclass(frozen=True)
class JobChoice:
    trade: str
    job_type: str
    trade_reasons: tuple[str, ...]
    job_reasons: tuple[str, ...]
    confidence: float


def trade_scores(ticket: Ticket, sig: Signals) -> dict[str, float]:
    """Evidence for each trade; concepts in the summary count double."""
    scores: dict[str, float] = {}
    for trade, evidence in _TRADE_EVIDENCE.items():
        total = 0.0
        for concept, weight in evidence.items():
            if sig.has(concept):
                total += weight * (2 if concept in sig.summary_hits else 1)
        scores[trade] = total
    # Heating words about a water heater are plumbing evidence, not hvac.
    if sig.has("water_heater") and not sig.has(
        "furnace", "boiler", "heat_pump", "ac", "thermostat"
    ):
        scores["hvac"] = min(scores["hvac"], 1.0)
    # A fridge that is "not cooling" is an appliance, not an air conditioner.
    if sig.has("home_cold") and not sig.has("ac", "heat_pump", "furnace", "thermostat"):
        scores["hvac"] = min(scores["hvac"], 1.0)
    # An oven "not heating" or a dryer with "no heat" is an appliance.
    if sig.has("appliance") and not sig.has("furnace", "boiler", "heat_pump", "ac", "thermostat"):
        scores["hvac"] = min(scores["hvac"], 1.0)
    # A washer or dishwasher that "won't drain" is the appliance, not a plumbing clog.
    if (
        sig.has("appliance")
        and sig.has("clog")
        and (
            not sig.has("drain_fixture")
            or ("appliance" in sig.summary_hits and "drain_fixture" not in sig.summary_hits)
        )
    ):
        scores["plumbing"] -= 3 * (2 if "clog" in sig.summary_hits else 1)
    if ticket.is_commercial and sig.has("home_cold"):
        scores["refrigeration"] += 5
        scores["appliance"] = 0.0
    return scores


def _pick_trade(ticket: Ticket, sig: Signals) -> tuple[str, tuple[str, ...], float]:
    scores = trade_scores(ticket, sig)
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    (best, top), (_, second) = ranked[0], ranked[1]
    if top == 0:
        # Nothing recognisable: previous work for this customer is the best guess there is.
        for previous in ticket.previous_job_types:
            trade = previous.split(".", 1)[0]
            if trade in scores:
                return trade, (f"no trade vocabulary; customer's last job was {previous}",), 0.3
        return "hvac", ("no trade vocabulary found; defaulting to hvac",), 0.2
    margin = (top - second) / top
    evidence = [c for c in _TRADE_EVIDENCE[best] if sig.has(c)]
    shown = ", ".join(f"{c} {sig.phrase(c)}" for c in evidence[:3])
    confidence = 0.55 + 0.4 * margin
    return best, (f"{best} evidence {top:g} vs next {second:g}: {shown}",), confidence


def _hazard(ticket: Ticket, sig: Signals) -> JobChoice | None:
    if sig.has("gas_odour"):
        return JobChoice(
            "plumbing",
            "plumbing.gas_leak",
            ("gas work",),
            (f"gas odour or detector {sig.phrase('gas_odour')}: hazards win",),
            0.95,
        )
    spark = sig.has("sparking") and not sig.has("ignition_spark")
    if spark or sig.has("smoke", "burning_smell", "hot_electrical", "water_in_electrical"):
        which = (
            "sparking"
            if spark
            else next(
                c
                for c in ("smoke", "burning_smell", "hot_electrical", "water_in_electrical")
                if sig.has(c)
            )
        )
        return JobChoice(
            "electrical",
            "electrical.hazard",
            ("electrical hazard",),
            (f"{which.replace('_', ' ')} {sig.phrase(which)}: hazards win",),
            0.9,
        )
    if sig.has("co_alarm"):
        return JobChoice(
            "hvac",
            "hvac.repair",
            ("combustion appliance is the suspect",),
            (f"carbon monoxide alarm sounding {sig.phrase('co_alarm')}",),
            0.9,
        )
    if sig.has("sewage_up"):
        return JobChoice(
            "plumbing",
            "plumbing.sewer_backup",
            ("sewage inside",),
            (f"sewage coming up inside {sig.phrase('sewage_up')}",),
            0.9,
        )
    return None


def _is_estimate(ticket: Ticket, sig: Signals) -> str | None:
    if not sig.has("estimate_request") or sig.has("not_estimate"):
        return None
    # Something already broken is the job; the price question rides along.
    broken = heat_loss(ticket, sig) or cool_loss(ticket, sig) or sig.has("no_power", "no_hot_water")
    if broken and not sig.has("works_fine"):
        return None
    return sig.phrase("estimate_request")


_COMPONENTS = re.compile(
    r"\b(?:compressor|coil|txv|expansion valve|reversing valve|line ?set|metering device|"
    r"accumulator|filter drier|motor|capacitor|contactor|board|igniter|inducer)\b"
)


def _component_only(sig: Signals) -> bool:
    """The replacement named is a part of the equipment, not the equipment itself."""
    phrase = sig.hits.get("equipment_install", "")
    return bool(_COMPONENTS.search(phrase)) or (
        sig.has("component_replace") and not re.search(r"\b(?:install|new)\b", phrase)
    )


def _hvac(ticket: Ticket, sig: Signals) -> tuple[str, str]:
    heat = heat_loss(ticket, sig)
    cool = cool_loss(ticket, sig)
    refrigerant = sig.has("refrigerant_strong") and (sig.has("diagnosed") or not sig.has("guess"))
    if refrigerant:
        return (
            "hvac.refrigerant_leak",
            f"refrigerant loss known or leak work asked {sig.phrase('refrigerant_strong')}",
        )
    installing = sig.has("equipment_install") and not _component_only(sig)
    if installing and (sig.has("agreed") or not (heat or cool)):
        return "hvac.install", f"new or replacement equipment {sig.phrase('equipment_install')}"
    if heat and cool:
        if heating_season(ticket, sig):
            cool = None
        else:
            heat = None
    if heat:
        return "hvac.no_heat", f"heating lost or not keeping up: {heat}"
    if cool:
        return "hvac.no_cooling", f"cooling lost or poor: {cool}"
    problem = sig.has(
        "noise",
        "short_cycle",
        "condensate",
        "iced",
        "fault_stop",
        "fault_any",
        "unit_dead",
        "component_replace",
        "leak",
    )
    if sig.has("thermostat") and (
        not problem or sig.has("install") or "thermostat" in sig.summary_hits
    ):
        return (
            "hvac.thermostat",
            f"thermostat work with heating and cooling working {sig.phrase('thermostat')}",
        )
    if sig.has("maintenance") and not (problem and ticket.source != "recurring"):
        return "hvac.maintenance", f"planned maintenance {sig.phrase('maintenance')}"
    if ticket.source == "recurring" and not problem:
        return "hvac.maintenance", "recurring visit with no problem described"
    detail = sig.phrase(
        "condensate",
        "fault_stop",
        "fault_any",
        "short_cycle",
        "noise",
        "iced",
        "component_replace",
        "unit_dead",
    )
    return "hvac.repair", f"equipment problem while it still heats or cools {detail}".strip()


def _plumbing(ticket: Ticket, sig: Signals) -> tuple[str, str]:
    if sig.has("burst") and sig.has("sump") and not sig.has("pipe"):
        return "plumbing.fixture_install", f"sump pump failing {sig.phrase('sump')}"
    if (
        sig.has("burst")
        and not sig.has("tank_rupture")
        and (sig.has("pipe") or not sig.has("water_heater"))
    ):
        return "plumbing.burst_pipe", f"pipe or hose split {sig.phrase('burst')}"
    water_heater = sig.has("water_heater") or (
        sig.has("no_hot_water") and not sig.has("faucet", "toilet")
    )
    if water_heater:
        if sig.has("wh_install") and (
            sig.has("agreed") or not (sig.has("no_hot_water", "leak", "tank_rupture"))
        ):
            return (
                "plumbing.water_heater_install",
                f"agreed or new water heater {sig.phrase('wh_install')}",
            )
        return (
            "plumbing.water_heater_repair",
            f"water heater work short of replacement {sig.phrase('water_heater', 'no_hot_water')}",
        )
    if sig.has("clog"):
        return (
            "plumbing.drain_clog",
            f"blocked or slow drain, nothing coming up inside {sig.phrase('clog')}",
        )
    if sig.has("backflow") and not sig.has("leak"):
        return "plumbing.fixture_install", f"backflow assembly work {sig.phrase('backflow')}"
    if sig.has("gas_line"):
        return "plumbing.fixture_install", f"gas line to an appliance {sig.phrase('gas_line')}"
    fixture = sig.has("toilet", "faucet", "disposal", "sump")
    if sig.has("leak") and not (fixture and sig.has("install") and not sig.has("leak_active")):
        return "plumbing.leak", f"leak {sig.phrase('leak')}"
    if fixture:
        return (
            "plumbing.fixture_install",
            f"plumbing device work {sig.phrase('toilet', 'faucet', 'disposal', 'sump')}",
        )
    return "plumbing.fixture_install", "plumbing work with no more specific type"


def _electrical(ticket: Ticket, sig: Signals) -> tuple[str, str]:
    if sig.has("ev"):
        return "electrical.ev_charger_install", f"EV charging {sig.phrase('ev')}"
    if sig.has("panel_upgrade"):
        return "electrical.panel_upgrade", f"panel or service change {sig.phrase('panel_upgrade')}"
    if sig.has("no_power"):
        return "electrical.no_power", f"circuits without power {sig.phrase('no_power')}"
    return (
        "electrical.outlet_fixture",
        f"outlet, switch or fixture work {sig.phrase('fixture_words', 'electrical')}".strip(),
    )


def choose_job(ticket: Ticket, sig: Signals) -> JobChoice:
    """The primary job's trade and type, with the reasons and a confidence for each choice."""
    hazard = _hazard(ticket, sig)
    if hazard is not None:
        return hazard
    trade, trade_reasons, confidence = _pick_trade(ticket, sig)
    estimate = _is_estimate(ticket, sig)
    if estimate and not (trade == "refrigeration" and box_at_risk(ticket, sig)):
        return JobChoice(
            trade,
            "general.estimate",
            trade_reasons,
            (f"asks for a price rather than the work {estimate}",),
            confidence,
        )
    if trade == "hvac":
        job_type, why = _hvac(ticket, sig)
    elif trade == "plumbing":
        job_type, why = _plumbing(ticket, sig)
    elif trade == "electrical":
        job_type, why = _electrical(ticket, sig)
    elif trade == "appliance":
        job_type, why = "appliance.repair", f"household appliance {sig.phrase('appliance')}"
    else:
        job_type, why = (
            "refrigeration.commercial",
            f"commercial cold storage {sig.phrase('walk_in', 'home_cold')}",
        )
    if trade == "plumbing" and job_type == "plumbing.leak" and water_contained(sig):
        why += " (contained)"
    return JobChoice(trade, job_type, trade_reasons, (why,), confidence)
