"""Hard safety rules: run after any engine, only ever raise urgency, each firing a reason.

The nine emergency conditions of the labelling rules, checked against the ticket's own text and
context whatever the engine decided, so a model can never talk an emergency down:

1. gas odour, gas leak or gas-detector alarm            (people at risk)
2. a CO alarm going off                                 (people at risk)
3. sparking, smoke, burning smell, hot panel, water in electrical equipment (people at risk)
4. active flooding or a burst pipe still flowing        (property)
5. sewage coming up inside                              (people at risk)
6. no heat below 40 F                                   (people at risk)
7. no heat with a vulnerable occupant, November-March   (people at risk)
8. no cooling above 95 F with a vulnerable occupant     (people at risk)
9. commercial cold storage failing with product at risk (product)
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from orchestrator.classification.conditions import (
    WINTER_MONTHS,
    box_at_risk,
    cool_loss,
    heat_loss,
    outdoor_temp,
    uncontrolled_water,
    vulnerable_occupant,
)
from orchestrator.classification.result import TicketClassification
from orchestrator.classification.signals import Signals, read_signals
from orchestrator.classification.ticket import Ticket

__all__ = ["SafetyFinding", "apply_safety", "safety_findings"]

_NO_HEAT_BELOW_F = 40.0
_NO_COOLING_ABOVE_F = 95.0
_COOLING_TYPES = frozenset({"hvac.no_cooling", "hvac.refrigerant_leak"})


@dataclass(frozen=True)
class SafetyFinding:
    """One fired rule: its number, a reason, and whether people (not property) are at risk."""

    rule: int
    reason: str
    people_at_risk: bool


def safety_findings(
    ticket: Ticket, job_type: str, sig: Signals | None = None
) -> list[SafetyFinding]:
    """Every emergency rule the ticket triggers, given the job type an engine chose."""
    sig = sig if sig is not None else read_signals(ticket.summary, ticket.description)
    found: list[SafetyFinding] = []
    if sig.has("gas_odour"):
        found.append(SafetyFinding(1, f"gas odour or gas detector {sig.phrase('gas_odour')}", True))
    if sig.has("co_alarm"):
        found.append(
            SafetyFinding(2, f"carbon monoxide alarm going off {sig.phrase('co_alarm')}", True)
        )
    spark = sig.has("sparking") and not sig.has("ignition_spark")
    if spark or sig.has("smoke", "burning_smell", "hot_electrical", "water_in_electrical"):
        phrase = sig.phrase(
            *(("sparking",) if spark else ()),
            "smoke",
            "burning_smell",
            "hot_electrical",
            "water_in_electrical",
        )
        found.append(SafetyFinding(3, f"electrical hazard {phrase}", True))
    if job_type == "electrical.hazard" and not any(f.rule == 3 for f in found):
        found.append(SafetyFinding(3, "the engine found an electrical hazard", True))
    if job_type == "plumbing.gas_leak" and not any(f.rule == 1 for f in found):
        found.append(SafetyFinding(1, "the engine found a gas leak", True))
    water = uncontrolled_water(sig)
    if water and job_type.startswith("plumbing."):
        found.append(SafetyFinding(4, f"water still flowing uncontrolled {water}", False))
    if sig.has("sewage_up") or job_type == "plumbing.sewer_backup":
        found.append(
            SafetyFinding(5, f"sewage coming up inside {sig.phrase('sewage_up')}".strip(), True)
        )

    temp, temp_source = outdoor_temp(ticket, sig)
    vulnerable = vulnerable_occupant(ticket, sig)
    lost_heat = heat_loss(ticket, sig) if job_type.startswith("hvac.") else None
    if job_type == "hvac.no_heat" and lost_heat is None:
        lost_heat = "the engine found no heat"
    if lost_heat and job_type not in ("hvac.install", "general.estimate", "hvac.maintenance"):
        if temp is not None and temp < _NO_HEAT_BELOW_F:
            found.append(
                SafetyFinding(
                    6,
                    f"no heat ({lost_heat}) at {temp:g} F outside ({temp_source}), "
                    f"below {_NO_HEAT_BELOW_F:g} F",
                    True,
                )
            )
        elif vulnerable and ticket.month in WINTER_MONTHS:
            found.append(
                SafetyFinding(7, f"no heat ({lost_heat}) in a winter month with {vulnerable}", True)
            )
    lost_cool = cool_loss(ticket, sig) if job_type.startswith("hvac.") else None
    if job_type == "hvac.no_cooling" and lost_cool is None:
        lost_cool = "the engine found no cooling"
    hot = temp is not None and temp > _NO_COOLING_ABOVE_F
    if lost_cool and job_type in _COOLING_TYPES | {"hvac.repair"} and hot and vulnerable:
        found.append(
            SafetyFinding(
                8,
                f"no cooling ({lost_cool}) at {temp:g} F outside ({temp_source}) with {vulnerable}",
                True,
            )
        )
    if job_type == "refrigeration.commercial":
        risk = box_at_risk(ticket, sig)
        if risk:
            found.append(
                SafetyFinding(
                    9, f"commercial cold storage failing with product inside: {risk}", False
                )
            )
    return found


def apply_safety(
    ticket: Ticket, result: TicketClassification, sig: Signals | None = None
) -> TicketClassification:
    """Raise the result to emergency when a hard rule fires, recording each firing as a reason.

    The urgency is never lowered; `safety_escalation` is set when a people-at-risk rule fired.
    """
    findings = safety_findings(ticket, result.job_type, sig)
    if not findings:
        return result
    reasons = {k: tuple(v) for k, v in result.reasons.items()}
    reasons["safety"] = tuple(f"rule {f.rule}: {f.reason}" for f in findings)
    if result.urgency != "emergency":
        reasons["urgency"] = (
            *reasons.get("urgency", ()),
            f"raised from {result.urgency} to emergency by safety rule {findings[0].rule}",
        )
    return replace(
        result,
        urgency="emergency",
        reasons=reasons,
        safety_escalation=result.safety_escalation or any(f.people_at_risk for f in findings),
    )
