"""How an experienced coordinator reads a ticket: trade, job type, skills, equipment, urgency.

Plain keyword knowledge any dispatcher of a mixed-trade shop has ("furnace" is HVAC, a gas smell
needs a gas fitter and goes first, sewage inside is an emergency, a walk-in full of product is an
emergency, an EV charger needs the EV-certified electrician). Hazards are looked for first, then
quotes, then the specific trades. It reads the summary, the description and the platform's own
job type, nothing else.
"""

# ruff: noqa: E501 - one keyword rule per line reads as the rule book it is

from __future__ import annotations

import re
from dataclasses import dataclass

from connectors.records import Customer, Job, Urgency

__all__ = ["TicketReading", "read_ticket"]


@dataclass(frozen=True, slots=True)
class TicketReading:
    trade: str
    job_type: str
    skills: frozenset[str]
    equipment: frozenset[str]
    urgency: Urgency


def _has(text: str, *patterns: str) -> bool:
    return any(re.search(p, text) for p in patterns)


_WINTER = frozenset({11, 12, 1, 2, 3})


def read_ticket(
    job: Job, customer: Customer | None, outdoor_temp_f: float | None, month: int
) -> TicketReading:
    """Read one ticket the way a competent human coordinator would."""
    text = f"{job.summary} \n {job.description} \n {job.vendor_job_type or ''}".lower()
    vulnerable = customer is not None and customer.is_vulnerable
    commercial = customer is not None and any(f.value == "commercial" for f in customer.flags)
    cold = outdoor_temp_f is not None and outdoor_temp_f < 40

    def reading(
        trade: str, job_type: str, skills: set[str], equipment: set[str], urgency: Urgency
    ) -> TicketReading:
        return TicketReading(trade, job_type, frozenset(skills), frozenset(equipment), urgency)

    gas = _has(text, r"smell(s|ed|ing)? (of )?gas", r"gas (smell|leak|odou?r)", r"rotten egg",
               r"gas (alarm|detector)") and not _has(text, r"no gas smell", r"no smell of gas")  # fmt: skip
    if gas:
        return reading(
            "plumbing", "plumbing.gas_leak", {"gas_fitter"}, {"pipe_threader"}, Urgency.EMERGENCY
        )
    if _has(text, r"spark", r"smok", r"burn(t|ing) smell", r"smells? burn", r"panel.{0,40}(warm|hot|buzz|crackl)",
            r"(buzz|crackl).{0,30}(panel|breaker)"):  # fmt: skip
        return reading(
            "electrical", "electrical.hazard", {"journeyman_electrician"}, set(), Urgency.EMERGENCY
        )
    if _has(text, r"sewage", r"sewer.{0,30}(coming|backing) up"):
        return reading(
            "plumbing",
            "plumbing.sewer_backup",
            set(),
            {"drain_machine", "camera_inspection"},
            Urgency.EMERGENCY,
        )
    if _has(
        text, r"burst", r"spraying", r"water everywhere", r"flood(ing|ed)\b", r"split.{0,40}water"
    ):
        return reading("plumbing", "plumbing.burst_pipe", set(), set(), Urgency.EMERGENCY)
    if _has(text, r"walk-?in", r"reach-?in", r"prep table", r"bar cooler", r"cooler") and (
        commercial or _has(text, r"product", r"restaurant", r"store", r"dinner service")
    ):
        urgent = _has(
            text, r"climbing", r"full of product", r"product (inside|at risk)", r"not running"
        )
        moved = _has(text, r"moved", r"holding temp")
        urgency = Urgency.EMERGENCY if urgent and not moved else Urgency.SAME_DAY
        if _has(text, r"icing|iced") and moved:
            urgency = Urgency.SCHEDULED
        return reading(
            "refrigeration",
            "refrigeration.commercial",
            {"commercial_refrigeration", "epa_608"},
            set(),
            urgency,
        )
    agreed = _has(
        text,
        r"\bap\w{3,6}d (quote|estimate|proposal)",
        r"signed",
        r"accepted",
        r"per (signed )?estimate",
    )
    if _has(text, r"estimate", r"\bquote\b", r"\bbid\b", r"pricing", r"a price") and not agreed:
        trade = "hvac" if _has(text, r"\bac\b", r"furnace", r"heat pump") else (
            "electrical" if _has(text, r"wir", r"electric", r"panel") else "plumbing"
        )  # fmt: skip
        return reading(trade, "general.estimate", set(), set(), Urgency.SCHEDULED)
    if _has(text, r"\bev\b", r"charger", r"tesla", r"level 2", r"wall connector"):
        upgrade = _has(text, r"panel upgrade", r"service upgrade", r"upgrade.{0,20}(panel|service)")
        skills = (
            {"master_electrician", "ev_charger"}
            if upgrade
            else {"journeyman_electrician", "ev_charger"}
        )
        return reading(
            "electrical", "electrical.ev_charger_install", skills, set(), Urgency.SCHEDULED
        )
    if _has(
        text,
        r"panel upgrade",
        r"200 ?a",
        r"service upgrade",
        r"upgrade.{0,20}panel",
        r"replace.{0,30}panel",
    ):
        return reading(
            "electrical",
            "electrical.panel_upgrade",
            {"master_electrician"},
            set(),
            Urgency.SCHEDULED,
        )
    if _has(text, r"no power", r"lost power", r"outlets? (are )?dead", r"breaker.{0,20}(won'?t|wont) stay", r"\bgfi",
            r"sin luz", r"no hay luz", r"se fue la luz"):  # fmt: skip
        return reading(
            "electrical", "electrical.no_power", {"journeyman_electrician"}, set(), Urgency.SAME_DAY
        )
    summary = job.summary.lower()
    if _has(
        summary,
        r"oven",
        r"dryer",
        r"washer",
        r"fridge",
        r"refrigerator",
        r"dishwasher",
        r"freezer",
        r"\brange\b",
        r"stove",
    ):
        cold_food = _has(text, r"fridge", r"refrigerator", r"freezer") and _has(
            text, r"not cold", r"warm", r"degrees", r"not cooling"
        )
        return reading(
            "appliance",
            "appliance.repair",
            set(),
            set(),
            Urgency.SAME_DAY if cold_food else Urgency.SCHEDULED,
        )
    tankless = _has(text, r"tankless", r"navien", r"rinnai", r"noritz", r"takagi")
    if tankless or _has(text, r"water heater", r"\bhwh\b", r"hw tank", r"no hot water", r"pilot"):
        install = _has(text, r"replace", r"install", r"new unit") and not _has(text, r"leak")
        skills = {"tankless_water_heater", "gas_fitter"} if tankless else set()
        if _has(text, r"\bgas\b", r"pilot", r"burner"):
            skills.add("gas_fitter")
        kind = "plumbing.water_heater_install" if install else "plumbing.water_heater_repair"
        urgency = Urgency.SCHEDULED if install else Urgency.SAME_DAY
        return reading("plumbing", kind, skills, set(), urgency)
    if _has(text, r"freon", r"refrigerant", r"leak search", r"recharge", r"low charge"):
        return reading(
            "hvac",
            "hvac.refrigerant_leak",
            {"epa_608"},
            {"recovery_machine", "vacuum_pump"},
            Urgency.SCHEDULED,
        )
    if _has(
        text, r"leak", r"drip", r"water stain", r"thru ceiling|through the ceiling|thru the ceiling"
    ) and not _has(text, r"air handler", r"\bac\b", r"condensate", r"furnace"):
        return reading("plumbing", "plumbing.leak", set(), set(), Urgency.SAME_DAY)
    if _has(text, r"drain", r"clog", r"backing up", r"gurgl"):
        camera = _has(text, r"main line", r"all the drains", r"last (yr|year)", r"again")
        equipment = {"drain_machine", "camera_inspection"} if camera else {"drain_machine"}
        return reading(
            "plumbing",
            "plumbing.drain_clog",
            set(),
            equipment,
            Urgency.SAME_DAY if camera else Urgency.SCHEDULED,
        )
    if _has(text, r"backflow", r"toilet", r"faucet", r"disposal", r"sump"):
        return reading(
            "plumbing",
            "plumbing.fixture_install",
            {"backflow"} if "backflow" in text else set(),
            set(),
            Urgency.SCHEDULED,
        )
    if _has(text, r"outlet", r"switch", r"ceiling fan", r"fixture", r"flood ?lights?", r"exterior lights?", r"smoke alarm",
            r"new circuit"):  # fmt: skip
        ladder = (
            {"ladder_28ft"}
            if _has(text, r"2nd (stor|floor)", r"second (stor|floor)", r"tall ladder")
            else set()
        )
        return reading(
            "electrical",
            "electrical.outlet_fixture",
            {"journeyman_electrician"},
            ladder,
            Urgency.SCHEDULED,
        )
    if (
        _has(text, r"install", r"replace")
        and _has(text, r"\bac\b", r"furnace", r"mini-?split", r"heat pump", r"rtu")
        and (agreed or _has(text, r"proposal", r"approved"))
    ):
        skills = set()
        equipment = set()
        if _has(text, r"\bac\b", r"mini-?split", r"heat pump", r"rtu"):
            skills.add("epa_608")
            equipment |= {"recovery_machine", "vacuum_pump"}
        if _has(text, r"\bgas\b", r"furnace"):
            skills.add("gas_fitter")
        return reading("hvac", "hvac.install", skills, equipment, Urgency.SCHEDULED)
    boiler = _has(text, r"boiler", r"radiator", r"baseboard")
    if _has(text, r"no heat", r"not heating", r"cold air", r"heat went out", r"radiators?.{0,20}cold", r"heat (is )?not working",
            r"won'?t get above", r"wont get above", r"acting up", r"furnace (out|dead)", r"\d\d in the house"):  # fmt: skip
        urgent = cold or (vulnerable and month in _WINTER)
        return reading("hvac", "hvac.no_heat", {"boiler"} if boiler else set(), set(),
                       Urgency.EMERGENCY if urgent else Urgency.SAME_DAY)  # fmt: skip
    if _has(
        text, r"not cooling", r"warm air", r"a/?c out", r"no (ac|cooling)", r"\bac\b.{0,20}dead"
    ):
        hot = outdoor_temp_f is not None and outdoor_temp_f > 95 and vulnerable
        return reading(
            "hvac", "hvac.no_cooling", set(), set(), Urgency.EMERGENCY if hot else Urgency.SAME_DAY
        )
    if _has(text, r"thermostat", r"t-stat", r"\bnest\b", r"ecobee"):
        return reading("hvac", "hvac.thermostat", set(), set(), Urgency.SCHEDULED)
    if _has(text, r"tune-?up", r"maintenance", r"\bpm\b", r"service agreement", r"comfort club"):
        ladder = {"ladder_28ft"} if _has(text, r"rtu", r"rooftop", r"roof") else set()
        return reading(
            "hvac", "hvac.maintenance", {"boiler"} if boiler else set(), ladder, Urgency.SCHEDULED
        )
    if _has(
        text,
        r"furnace",
        r"\bac\b",
        r"a/c",
        r"heat pump",
        r"rtu",
        r"air handler",
        r"boiler",
        r"blower",
    ):
        ladder = {"ladder_28ft"} if _has(text, r"rtu", r"rooftop") else set()
        stopped = _has(text, r"locked out", r"failure", r"not running")
        return reading("hvac", "hvac.repair", {"boiler"} if boiler else set(), ladder,
                       Urgency.SAME_DAY if stopped else Urgency.SCHEDULED)  # fmt: skip
    if _has(
        text,
        r"oven",
        r"dryer",
        r"washer",
        r"fridge",
        r"refrigerator",
        r"dishwasher",
        r"freezer",
        r"stove",
    ):
        return reading("appliance", "appliance.repair", set(), set(), Urgency.SCHEDULED)
    return reading(
        "general",
        "general.estimate" if "estimate" in text else "unknown",
        set(),
        set(),
        Urgency.SCHEDULED,
    )
