"""Conditions the labelling rules are written in, decided from a ticket and its signals.

Each predicate answers one question the rules ask ("has heating been lost?", "is the water still
flowing?", "is product at risk in the box?") and returns the phrase that decided it, or None. The
job-type scorer, the urgency rules and the safety rules all ask these same questions, so they can
never disagree about the facts.
"""

from __future__ import annotations

from orchestrator.classification.signals import Signals
from orchestrator.classification.ticket import Ticket

__all__ = [
    "WINTER_MONTHS",
    "box_at_risk",
    "cool_loss",
    "heat_loss",
    "heating_season",
    "main_line_blocked",
    "outdoor_temp",
    "uncontrolled_water",
    "vulnerable_occupant",
    "water_contained",
]

WINTER_MONTHS = frozenset({11, 12, 1, 2, 3})
_COOLER_SAFE_F = 41.0
_FREEZER_SAFE_F = 10.0
_SETPOINT_MARGIN_F = 5.0


def outdoor_temp(ticket: Ticket, sig: Signals) -> tuple[float | None, str]:
    """The outdoor temperature the rules use, and where it came from.

    The ticket's context wins; when it is unknown, a temperature stated in the text is used.
    """
    if ticket.outdoor_temp_f is not None:
        return ticket.outdoor_temp_f, "context"
    if sig.outdoor_temp_f is not None:
        return sig.outdoor_temp_f, "text"
    return None, "unknown"


def vulnerable_occupant(ticket: Ticket, sig: Signals) -> str | None:
    """Why the occupant counts as vulnerable (a flag or the text), or None."""
    flags = sorted(ticket.flags & {"elderly", "infant", "medical_equipment"})
    if flags:
        return f"customer flag {flags[0]}"
    if sig.vulnerable is not None:
        kind, phrase = sig.vulnerable
        return f'text names a vulnerable occupant ({kind}: "{phrase}")'
    return None


def heating_season(ticket: Ticket, sig: Signals) -> bool:
    """Whether a generic 'not working' on heating-or-cooling equipment means heating."""
    temp, _ = outdoor_temp(ticket, sig)
    if temp is not None and temp < 60:
        return True
    if temp is not None and temp > 72:
        return False
    if ticket.month is not None:
        if ticket.month in WINTER_MONTHS:
            return True
        if 5 <= ticket.month <= 9:
            return False
    if sig.has("furnace", "boiler"):
        return True
    return not sig.has("ac")


def _heating_object(sig: Signals) -> bool:
    return sig.has("furnace", "boiler", "heat_pump") or (
        sig.has("space_heat") and not sig.has("water_heater", "ac", "appliance")
    )


def _only_water_heater(sig: Signals) -> bool:
    return sig.has("water_heater") and not sig.has("furnace", "boiler", "heat_pump", "thermostat")


def heat_loss(ticket: Ticket, sig: Signals) -> str | None:
    """The phrase showing that space heating is lost or not keeping up, or None.

    A noise, a mis-set thermostat or a fault while the heat still works is not a loss.
    """
    if sig.has("works_fine") and not sig.has("no_heat"):
        return None
    if _only_water_heater(sig) or sig.has("walk_in"):
        return None
    if sig.has("appliance") and not _heating_object(sig):
        return None
    heating = heating_season(ticket, sig)
    if sig.has("no_heat"):
        phrase = sig.hits["no_heat"]
        # "blowing cold" / "house is cold" read as heat loss only with heating equipment or in
        # heating season; in July the same words describe an air conditioner working.
        heating_words = heating or sig.has("furnace", "boiler") or "heat" in phrase
        cooling_instead = sig.has("no_cool") and not heating and not sig.has("furnace", "boiler")
        if heating_words and not cooling_instead:
            return f'"{phrase}"'
    if (
        sig.indoor_temp_f is not None
        and sig.indoor_temp_f <= 64
        and heating
        and _heating_object(sig)
    ):
        return f"{sig.indoor_temp_f:.0f} F inside"
    if (
        sig.setpoint_f is not None
        and sig.indoor_temp_f is not None
        and sig.indoor_temp_f <= sig.setpoint_f - 4
        and heating
    ):
        return f"set to {sig.setpoint_f:.0f} F but {sig.indoor_temp_f:.0f} F inside"
    if sig.has("setpoint_not_reached") and heating:
        return sig.phrase("setpoint_not_reached")
    if sig.has("unit_dead") and heating and sig.has("furnace", "boiler", "heat_pump"):
        return sig.phrase("unit_dead")
    return None


def cool_loss(ticket: Ticket, sig: Signals) -> str | None:
    """The phrase showing that cooling is lost or poor, or None."""
    if sig.has("works_fine") and not sig.has("no_cool"):
        return None
    if sig.has("walk_in") or (sig.has("home_cold") and not sig.has("ac", "heat_pump")):
        return None
    heating = heating_season(ticket, sig)
    cooling_object = sig.has("ac", "heat_pump", "rooftop") or "cool" in sig.text
    if sig.has("no_cool") and not (heating and sig.has("no_heat")):
        phrase = sig.hits["no_cool"]
        if cooling_object or not heating:
            return f'"{phrase}"'
    if sig.indoor_temp_f is not None and sig.indoor_temp_f >= 80 and not heating and cooling_object:
        return f"{sig.indoor_temp_f:.0f} F inside"
    if sig.has("setpoint_not_reached") and not heating:
        return sig.phrase("setpoint_not_reached")
    if sig.has("unit_dead") and not heating and sig.has("ac", "heat_pump"):
        return sig.phrase("unit_dead")
    return None


def main_line_blocked(sig: Signals) -> str | None:
    """Why a blockage is on the main line or several fixtures, or None for a single fixture."""
    if sig.has("main_line"):
        return sig.phrase("main_line")
    if sig.fixture_kinds >= 2:
        return f"{sig.fixture_kinds} fixtures affected"
    return None


def water_contained(sig: Signals) -> bool:
    """Water is stopped or caught (valve closed, auto shut-off, bucket, towels)."""
    stopped = sig.has("water_stopped") and not sig.has("water_stop_failed")
    return stopped or sig.has("contained")


def uncontrolled_water(sig: Signals) -> str | None:
    """The phrase showing water still flowing uncontrolled (burst, flooding), or None."""
    if not (sig.has("burst") or sig.has("tank_rupture")):
        return None
    stopped = sig.has("water_stopped") and not sig.has("water_stop_failed")
    if stopped:
        return None
    return sig.phrase("burst", "tank_rupture")


def box_at_risk(ticket: Ticket, sig: Signals) -> str | None:
    """Why a commercial box's product is at risk (too warm with product inside), or None."""
    if sig.has("product_moved"):
        return None
    freezer = "freezer" in sig.text
    above = None
    if sig.box_temp_f is not None:
        if sig.box_setpoint_f is not None:
            if sig.box_temp_f > sig.box_setpoint_f + _SETPOINT_MARGIN_F:
                above = (
                    f"box at {sig.box_temp_f:.0f} F against a setpoint of "
                    f"{sig.box_setpoint_f:.0f} F"
                )
        else:
            limit = _FREEZER_SAFE_F if freezer else _COOLER_SAFE_F
            if sig.box_temp_f > limit:
                above = f"box at {sig.box_temp_f:.0f} F, above the {limit:.0f} F food-safe limit"
    if above is None and sig.has("cold_warm") and not sig.has("cold_holding"):
        above = f"box not holding temperature ({sig.phrase('cold_warm')})"
    if above is None:
        return None
    if sig.has("cold_holding") and sig.box_temp_f is None:
        return None
    return above
