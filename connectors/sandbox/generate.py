"""Realistic service days, written in the scenario format.

A generated day has the shape of a real residential/light-commercial contractor's day:

- geography: a metro area with a handful of neighbourhood clusters where the jobs concentrate,
  technicians living around the metro;
- a fleet whose trades, skills and equipment follow the job mix (HVAC heavy in winter and summer,
  plumbers with drain machines, electricians, commercial-refrigeration techs for that share of the
  work once the fleet is big enough), with a few gas certifications that expire;
- jobs whose trade mix follows the season, each written as customers write tickets (shorthand,
  typos, brand names, calm words on emergencies), with the true requirements stated in `truth`;
- booked 2- and 4-hour windows for most jobs, long-tailed (log-normal) true durations, and no
  more booked ahead for a skill than its holders have room for (`BOOKING_FILL`);
- during the day: emergencies and same-day tickets arriving, overruns, cancellations, no-shows,
  and sometimes a technician called away;
- history rows of past visits per technician, for the duration model.

The same seed gives the same day.
"""

# ruff: noqa: E501 - the ticket texts below read better one per line

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from connectors.sandbox.scenario import Scenario, scenario_from_data
from connectors.sandbox.truth import holds, true_equipment, true_skills

__all__ = ["GenerateParams", "generate_scenario"]


@dataclass(frozen=True, slots=True)
class GenerateParams:
    technicians: int
    jobs: int
    seed: int = 0
    day: date | None = None
    """The service day; default: a weekday chosen by the seed in winter or summer."""
    new_job_share: float = 0.08
    """Tickets arriving during the day, as a share of the jobs known in the morning."""

    def __post_init__(self) -> None:
        if not 1 <= self.technicians <= 500:
            raise ValueError(f"technicians must be between 1 and 500, got {self.technicians}")
        if not 0 <= self.jobs <= 5000:
            raise ValueError(f"jobs must be between 0 and 5000, got {self.jobs}")
        if not 0 <= self.new_job_share <= 1:
            raise ValueError(f"new_job_share must be within [0, 1], got {self.new_job_share}")


@dataclass(frozen=True, slots=True)
class _Metro:
    name: str
    zone: str
    lat: float
    lon: float
    area_code: str
    winter_f: tuple[int, int]
    summer_f: tuple[int, int]


_METROS = (
    _Metro("Denver", "America/Denver", 39.7392, -104.9903, "303", (8, 42), (84, 99)),
    _Metro("Phoenix", "America/Phoenix", 33.4484, -112.0740, "602", (38, 62), (98, 114)),
    _Metro("Dallas", "America/Chicago", 32.7767, -96.7970, "214", (28, 55), (92, 106)),
    _Metro("Minneapolis", "America/Chicago", 44.9778, -93.2650, "612", (-8, 30), (80, 95)),
    _Metro("Atlanta", "America/New_York", 33.7490, -84.3880, "404", (28, 55), (86, 98)),
)

_STREETS = (
    "Maple", "Oak", "Cedar", "Elm", "Pine", "Birch", "Willow", "Aspen", "Juniper", "Spruce",
    "Lincoln", "Grant", "Sherman", "Logan", "Pearl", "Race", "Vine", "Gaylord", "Columbine",
    "Harrison", "Jackson", "Monroe", "Madison", "Adams", "Quebec", "Yosemite", "Holly", "Dahlia",
)  # fmt: skip
_SUFFIXES = ("St", "Ave", "Ct", "Dr", "Way", "Pl", "Ln", "Blvd")
_FIRST = (
    "Mike", "Sarah", "Luis", "Priya", "Tom", "Ana", "Jake", "Maria", "Chris", "Dana", "Kevin",
    "Rosa", "Omar", "Beth", "Tyler", "Grace", "Ivan", "Nina", "Sam", "Leah", "Raj", "Carmen",
    "Ben", "Tasha", "Eli", "Mei", "Jorge", "Kim", "Drew", "Fatima",
)  # fmt: skip
_LAST = (
    "Alvarez", "Hughes", "Ortiz", "Brooks", "Ito", "Patel", "Chen", "Garcia", "Novak", "Reyes",
    "Kowalski", "Nguyen", "Baker", "Hansen", "Silva", "Murphy", "Okafor", "Schmidt", "Rossi",
    "Kim", "Walsh", "Haddad", "Lund", "Moreno", "Price", "Tran", "Wolfe", "Young",
)  # fmt: skip

# (summary, description, extras) per job type; extras may name skills/equipment/urgency/trigger.
# Texts are written the way tickets arrive: CSR shorthand, portal free text, device alarms.
_T = dict[str, Any]
_TICKETS: dict[str, list[tuple[str, str, _T]]] = {
    "hvac.no_heat": [
        ("Furnace not heating", "{brand} furnace runs but blows cold air since last night. {temp_note}", {}),
        ("No heat", "heat went out this morning, t-stat says heating but nothing comes out the vents. {temp_note}", {}),
        ("furnace acting up", "Cust says furnace is 'acting up a little', house is 58 and dropping. No rush she says.", {}),
        ("Boiler no heat", "Radiators upstairs cold, boiler making a clicking noise and not firing.", {"skills": ["boiler"]}),
        ("Heat pump not heating", "Heat pump running nonstop but house wont get above 60. Aux heat light on.", {}),
    ],
    "hvac.no_cooling": [
        ("AC not cooling", "AC running but blowing warm air, house is 84 inside. {brand} unit about 12 yrs old.", {}),
        ("A/C out", "upstairs not cooling at all, downstairs ok-ish. pls call before coming", {}),
    ],
    "hvac.repair": [
        ("Furnace making noise", "Loud squealing from the furnace when the blower kicks on. Still heats fine.", {}),
        ("AC leaking water thru ceiling", "Water dripping from hall ceiling under the attic air handler, bucket under it. AC still cools.", {}),
        ("Short cycling", "{brand} furnace turns on and off every couple minutes. House stays warm-ish.", {}),
        ("RTU fault", "RTU-2 supply fan failure alarm, unit locked out. Store is getting warm.", {"equipment": ["ladder_28ft"], "urgency": "same_day"}),
    ],
    "hvac.maintenance": [
        ("Annual furnace tune-up", "Yearly maintenance per comfort club agreement. Has 2 dogs, gate code 4411.", {}),
        ("Qtrly PM - RTU 1-3", "Quarterly PM on 3 rooftop units: filters, belts, coil rinse. Roof access in back.", {"equipment": ["ladder_28ft"]}),
        ("Boiler maintenance", "Annual boiler service + check the expansion tank, radiator in den bangs.", {"skills": ["boiler"]}),
    ],
    "hvac.install": [
        ("Install new AC + furnace", "Signed proposal for {brand} 3 ton AC and 96% furnace. Old equipment haul away.", {"skills": ["epa_608", "gas_fitter"], "equipment": ["recovery_machine", "vacuum_pump"]}),
        ("Mini split install", "Install 1 zone ductless mini-split in garage office, quote accepted.", {"skills": ["epa_608"], "equipment": ["recovery_machine", "vacuum_pump"]}),
        ("Replace furnace", "Approved estimate - replace 25 yr old furnace, gas, same location.", {"skills": ["gas_fitter"]}),
    ],
    "hvac.refrigerant_leak": [
        ("Freon again", "AC low on freon AGAIN, 3rd time in 2 yrs. Want leak search this time not just recharge.", {}),
        ("Leak search", "Tech last visit found low charge, cust approved leak search + repair.", {}),
    ],
    "hvac.thermostat": [
        ("Install smart thermostat", "Bought a {tstat}, need it installed and wired. No C wire i think.", {}),
        ("t-stat wifi", "New router, t-stat wont connect to wifi anymore, heat works fine", {}),
    ],
    "plumbing.leak": [
        ("Leak under kitchen sink", "Slow drip under the kitchen sink, put a bowl under it. Not urgent.", {}),
        ("Water coming thru ceiling", "Water stain growing on living rm ceiling under upstairs bath. Shut off the valve to the toilet.", {}),
        ("Flo by Moen: Leak detected - water shut off", "Smart shutoff detected a possible leak (2.1 gpm for 38 min). Valve CLOSED automatically.", {}),
    ],
    "plumbing.burst_pipe": [
        ("Pipe burst", "Pipe burst in the basement, water spraying everywhere, cant find the shut off!!", {}),
        ("water everywhere", "supply line to washing machine split, water flowing on the floor. pls hurry", {}),
    ],
    "plumbing.drain_clog": [
        ("Kitchen drain clogged", "Kitchen sink backing up, tried drano twice. Dishwasher drains into it too.", {}),
        ("Main line slow", "All the drains in the house are slow and the toilet gurgles. Happened last yr too.", {"equipment": ["drain_machine", "camera_inspection"]}),
        ("tub wont drain", "Master bath tub takes forever to drain, hair probably.", {}),
    ],
    "plumbing.sewer_backup": [
        ("Sewage in basement", "Sewage coming up through the floor drain in the basement, smells terrible.", {}),
    ],
    "plumbing.water_heater_repair": [
        ("No hot water", "Water heater not working, no hot water since yesterday. {wh_brand} 50 gal gas, pilot wont stay lit.", {"skills": ["gas_fitter"]}),
        ("HWH leaking", "HW tank leaking from the bottom, small puddle. Electric unit in garage.", {}),
        ("Tankless error", "{tankless} tankless showing error 11, no hot water.", {"skills": ["tankless_water_heater", "gas_fitter"]}),
    ],
    "plumbing.water_heater_install": [
        ("Replace water heater", "Approved quote - replace 40 gal gas water heater, same spot.", {"skills": ["gas_fitter"]}),
        ("Tankless install", "Install {tankless} tankless per signed estimate, remove old tank.", {"skills": ["tankless_water_heater", "gas_fitter"]}),
    ],
    "plumbing.fixture_install": [
        ("Install new toilet", "Cust bought a new toilet at home depot, needs it installed. Upstairs bath.", {}),
        ("Annual backflow test", "Annual backflow test for the irrigation system, city deadline end of month.", {"skills": ["backflow"]}),
        ("Garbage disposal replace", "Disposal humming but not spinning, cust wants it replaced with a new one.", {}),
    ],
    "plumbing.gas_leak": [
        ("Smell gas", "Cust smells gas near the water heater, rotten egg smell. Opened windows.", {}),
        ("Gas detector going off", "Gas alarm in the basement keeps beeping. Not sure if its real, no smell she says.", {}),
    ],
    "electrical.no_power": [
        ("Half the house has no power", "Lost power to kitchen and 2 bedrooms, one breaker wont stay on. {panel} panel.", {}),
        ("Garage & outdoor outlets dead", "No power to garage outlets or outside plugs. Pushed reset on every GFI.", {}),
    ],
    "electrical.hazard": [
        ("Outlet sparked", "Outlet in living room sparked when plugging in the vacuum, now smells burnt. Breaker didnt trip.", {}),
        ("Panel buzzing", "Not urgent but electrical panel feels warm and buzzes at night. Whenever you have an opening.", {}),
    ],
    "electrical.panel_upgrade": [
        ("Panel upgrade", "Approved quote - upgrade 100A panel to 200A, utility disconnect scheduled.", {}),
    ],
    "electrical.outlet_fixture": [
        ("Install ceiling fans", "Install 2 ceiling fans in bedrooms, boxes already there. Cust has the fans.", {}),
        ("Add outlets", "Add 2 outlets in the basement office + replace a dead switch in the hall.", {}),
        ("Exterior lights", "Replace 2nd story exterior flood lights, need a tall ladder.", {"equipment": ["ladder_28ft"]}),
    ],
    "electrical.ev_charger_install": [
        ("EV charger install", "Just got a {ev}, want a level 2 charger in the garage. Panel has room i think.", {}),
    ],
    "appliance.repair": [
        ("Oven not heating right", "{appl} oven takes forever to preheat and never gets past 300.", {}),
        ("Dryer no heat", "Dryer tumbles but no heat, electric. Clothes still wet after 2 cycles.", {}),
        ("Fridge not cold", "Kitchen fridge at 50 degrees, freezer still ok. Moved food to a cooler.", {"urgency": "same_day"}),
    ],
    "refrigeration.commercial": [
        ("Walk-in cooler warm", "Walk-in at 47F and climbing, full of product for tonight. Compressor not running!!", {"urgency": "emergency"}),
        ("Prep table warm", "Sandwich prep table reading 45F, moved everything to the walk-in. Need it back for dinner.", {"urgency": "same_day"}),
        ("Reach-in freezer icing", "Reach-in freezer iced over on the back wall, still holding temp.", {"urgency": "scheduled"}),
    ],
    "general.estimate": [
        ("Estimate - AC replacement", "20 yr old AC still working but want options and pricing to replace before summer.", {}),
        ("Quote for water heater", "Want a price on a tankless vs tank replacement, no rush.", {}),
        ("Bid - basement finish electrical", "Need a bid for wiring a basement finish, 6 rooms.", {}),
    ],
}  # fmt: skip

_BRANDS = ("Trane", "Carrier", "Lennox", "Rheem", "Goodman", "Bryant", "York", "Amana")
_WH = ("Rheem", "AO Smith", "Bradford White", "State")
_TANKLESS = ("Navien", "Rinnai", "Noritz", "Takagi")
_TSTATS = ("Nest", "Ecobee", "Honeywell T6")
_PANELS = ("Square D", "Siemens", "Eaton", "GE")
_EVS = ("Tesla model Y", "Rivian", "Ioniq 5", "Mach-E")
_APPL = ("KitchenAid", "Whirlpool", "GE Profile", "Samsung", "Bosch")

# Median true minutes per job type and the log-normal spread (long right tail).
_DURATION: dict[str, tuple[float, float]] = {
    "hvac.no_heat": (85, 0.40), "hvac.no_cooling": (85, 0.40), "hvac.repair": (95, 0.45),
    "hvac.maintenance": (60, 0.30), "hvac.install": (300, 0.25), "hvac.refrigerant_leak": (130, 0.40),
    "hvac.thermostat": (50, 0.35), "plumbing.leak": (70, 0.45), "plumbing.burst_pipe": (100, 0.45),
    "plumbing.drain_clog": (70, 0.45), "plumbing.sewer_backup": (130, 0.40),
    "plumbing.water_heater_repair": (80, 0.40), "plumbing.water_heater_install": (210, 0.25),
    "plumbing.fixture_install": (80, 0.35), "plumbing.gas_leak": (80, 0.45),
    "electrical.no_power": (70, 0.45), "electrical.hazard": (90, 0.45),
    "electrical.panel_upgrade": (300, 0.20), "electrical.outlet_fixture": (80, 0.35),
    "electrical.ev_charger_install": (160, 0.30), "appliance.repair": (60, 0.35),
    "refrigeration.commercial": (120, 0.45), "general.estimate": (40, 0.30),
}  # fmt: skip

_WINTER_MIX: dict[str, float] = {
    "hvac.no_heat": 9, "hvac.repair": 6, "hvac.maintenance": 4, "hvac.install": 2,
    "hvac.refrigerant_leak": 1, "hvac.thermostat": 2, "hvac.no_cooling": 0.5,
    "plumbing.leak": 5, "plumbing.drain_clog": 5, "plumbing.water_heater_repair": 4,
    "plumbing.water_heater_install": 1.5, "plumbing.fixture_install": 3, "plumbing.sewer_backup": 0.5,
    "electrical.no_power": 3, "electrical.outlet_fixture": 3, "electrical.panel_upgrade": 1,
    "electrical.ev_charger_install": 1.5, "appliance.repair": 4, "refrigeration.commercial": 2.5,
    "general.estimate": 4,
}  # fmt: skip
_SUMMER_MIX = _WINTER_MIX | {"hvac.no_heat": 0.3, "hvac.no_cooling": 10, "hvac.refrigerant_leak": 3}
_EMERGENCY_MIX: dict[str, float] = {
    "plumbing.gas_leak": 3, "plumbing.burst_pipe": 3, "electrical.hazard": 3,
    "plumbing.sewer_backup": 1, "refrigeration.commercial": 1, "hvac.no_heat": 3,
}  # fmt: skip
_SUMMER_EMERGENCY_MIX = {k: v for k, v in _EMERGENCY_MIX.items() if k != "hvac.no_heat"} | {
    "hvac.no_cooling": 3
}
# Urgent heating and cooling calls say why they cannot wait: the weather and who is at home.
_URGENT_HVAC: dict[str, list[tuple[str, str, str]]] = {
    "hvac.no_heat": [
        ("No heat, elderly mother", "Furnace quit overnight, house is 54 and my mom is 88. Its {temp} out.", "elderly"),
        ("No heat - baby at home", "No heat since this morning, we have a 4 month old. Its {temp} out. Pls hurry", "infant"),
    ],
    "hvac.no_cooling": [
        ("AC out, elderly dad", "AC stopped this morning, 92 inside and my dad is 90. Its {temp} out.", "elderly"),
        ("No AC - newborn", "AC blowing hot air, house is 90 with a newborn. Its {temp} out!", "infant"),
    ],
}  # fmt: skip

_WINDOWS = (("08:00", "10:00"), ("10:00", "12:00"), ("12:00", "14:00"), ("14:00", "16:00"),
            ("08:00", "12:00"), ("12:00", "16:00"))  # fmt: skip
_WINDOW_WEIGHTS = (3, 3, 3, 2, 5, 4)
_ALL_DAY_MINUTES = 180
"""Job types whose typical visit lasts this long (installs, panel upgrades) are booked to start
in the morning, as an office books them: a six-hour install arriving at 14:00 would run into
the evening."""
BOOKING_FILL = 0.8
"""Share of a technician's working minutes (shift less lunch) a booking desk fills with the
typical minutes of the jobs it books ahead; driving and overruns take the rest. Without it a
40-truck day booked 16 hours of EV installs for its one EV installer, or 30 hours of panel
work for two master electricians."""
_MORNING_WINDOWS = (("08:00", "10:00"), ("08:00", "12:00"))
_MORNING_WEIGHTS = (3, 5)
_SHIFTS = (("07:00", "16:00"), ("07:30", "16:30"), ("08:00", "17:00"))
_ABBREVIATIONS = {
    "please": "pls", "through": "thru", "customer": "cust", "tomorrow": "tmrw", "because": "bc",
    "thermostat": "t-stat", "water heater": "HWH", "air conditioner": "AC", "with": "w/",
    "night": "nite", "around": "arnd",
}  # fmt: skip


def _misspell(rng: random.Random, text: str) -> str:
    """Shorthand, a dropped or swapped letter, sloppy case: tickets as people type them."""
    for word, short in _ABBREVIATIONS.items():
        if word in text and rng.random() < 0.35:
            text = text.replace(word, short, 1)
    words = text.split(" ")
    for _ in range(rng.choice((0, 0, 1, 1, 2))):
        i = rng.randrange(len(words))
        w = words[i]
        if len(w) > 4 and w.isalpha():
            j = rng.randrange(1, len(w) - 1)
            words[i] = (
                w[:j] + w[j + 1 :]
                if rng.random() < 0.5
                else w[: j - 1] + w[j] + w[j - 1] + w[j + 1 :]
            )
    text = " ".join(words)
    if rng.random() < 0.15:
        text = text.lower()
    return text


def _lognormal_minutes(rng: random.Random, median: float, sigma: float, lo: int, hi: int) -> int:
    return int(min(hi, max(lo, round(median * math.exp(rng.gauss(0.0, sigma))))))


def _staffing(n: int, mix: dict[str, float]) -> list[str]:
    """Trades of `n` technicians in proportion to the season's work, as a contractor staffs.

    HVAC, plumbing and electrical are shared out by the mix (largest remainders), each present
    from three technicians up; drawing each trade at random left some 12-truck fleets with one
    plumber for a quarter of the work. Appliance repairs and estimates go to any trade.
    """
    trades = ("hvac", "plumbing", "electrical")
    work = [sum(w for kind, w in mix.items() if kind.startswith(t + ".")) for t in trades]
    quotas = [n * w / sum(work) for w in work]
    counts = [math.floor(q) for q in quotas]
    if n >= len(trades):
        counts = [max(c, 1) for c in counts]
    while sum(counts) > n:
        counts[counts.index(max(counts))] -= 1
    by_remainder = sorted(range(len(trades)), key=lambda i: counts[i] - quotas[i])
    for i in by_remainder[: n - sum(counts)]:
        counts[i] += 1
    return [t for t, c in zip(trades, counts, strict=True) for _ in range(c)]


def _refrigeration_techs(n: int, mix: dict[str, float]) -> int:
    """Commercial-refrigeration technicians on a fleet of `n`: none below six trucks, then that
    trade's share of the work in minutes, at least one.

    Counted in minutes because refrigeration calls run long; a single one for any fleet size left
    a 40-truck day with 8 refrigeration calls (22 hours of work) for one technician.
    """
    if n < 6:
        return 0
    minutes = {kind: w * _DURATION[kind][0] for kind, w in mix.items()}
    share = sum(m for kind, m in minutes.items() if kind.startswith("refrigeration.")) / sum(
        minutes.values()
    )
    return max(1, round(n * share))


def _minute_of(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, [weights[k] for k in keys])[0]


class _Builder:
    def __init__(self, params: GenerateParams) -> None:
        self.p = params
        self.rng = random.Random(params.seed)
        self.metro = self.rng.choice(_METROS)
        self.day = params.day or self._weekday()
        self.winter = self.day.month in (10, 11, 12, 1, 2, 3, 4)
        lo, hi = self.metro.winter_f if self.winter else self.metro.summer_f
        self.temp_f = self.rng.randint(lo, hi)
        self.clusters = self._clusters()
        self.techs: list[dict[str, Any]] = []
        self.customers: list[dict[str, Any]] = []
        self.job_count = 0
        # Typical minutes booked ahead, by the group of technicians qualified for the job.
        self.booked_minutes: defaultdict[frozenset[str], float] = defaultdict(float)
        self.working: dict[str, int] = {}

    def _weekday(self) -> date:
        start = date(2026, 1, 5) if self.rng.random() < 0.5 else date(2026, 6, 1)
        offset = self.rng.randrange(0, 120)
        day = start + timedelta(days=offset)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        return day

    def _clusters(self) -> list[tuple[float, float, float, float]]:
        # (lat, lon, spread km, weight): neighbourhoods where the work concentrates.
        count = max(3, min(12, self.p.technicians // 3 + 2))
        clusters = []
        for _ in range(count):
            r, a = self.rng.uniform(3, 26), self.rng.uniform(0, 2 * math.pi)
            lat, lon = self._offset(self.metro.lat, self.metro.lon, r, a)
            clusters.append((lat, lon, self.rng.uniform(1.5, 4.0), self.rng.uniform(0.5, 2.0)))
        return clusters

    @staticmethod
    def _offset(lat: float, lon: float, km: float, angle: float) -> tuple[float, float]:
        dlat = km * math.cos(angle) / 111.0
        dlon = km * math.sin(angle) / (111.0 * math.cos(math.radians(lat)))
        return round(lat + dlat, 5), round(lon + dlon, 5)

    def _point(self) -> tuple[float, float]:
        lat, lon, spread, _ = self.rng.choices(self.clusters, [c[3] for c in self.clusters])[0]
        return self._offset(
            lat, lon, abs(self.rng.gauss(0, spread)), self.rng.uniform(0, 2 * math.pi)
        )

    def _phone(self, n: int, block: str) -> str:
        return f"+1{self.metro.area_code}555{block}{n:03d}"[:12]

    # -- fleet ---------------------------------------------------------------------------------
    def fleet(self) -> None:
        n = self.p.technicians
        mix = _WINTER_MIX if self.winter else _SUMMER_MIX
        refrigeration = _refrigeration_techs(n, mix)
        trades = _staffing(n - refrigeration, mix)
        self.rng.shuffle(trades)
        trades += ["refrigeration"] * refrigeration
        for i, trade in enumerate(trades):
            skills: set[str] = set()
            equipment: set[str] = set()
            chance = self.rng.random
            if trade == "hvac":
                skills |= {"epa_608"} if chance() < 0.9 else set()
                skills |= {"gas_fitter"} if chance() < 0.4 else set()
                skills |= {"boiler"} if chance() < 0.25 else set()
                equipment |= {"recovery_machine", "vacuum_pump"} if chance() < 0.9 else set()
                equipment |= {"ladder_28ft"} if chance() < 0.45 else set()
            elif trade == "plumbing":
                skills |= {"gas_fitter"} if chance() < 0.55 else set()
                skills |= {"backflow"} if chance() < 0.5 else set()
                skills |= {"tankless_water_heater"} if chance() < 0.4 else set()
                equipment |= {"drain_machine"} if chance() < 0.9 else set()
                equipment |= {"camera_inspection"} if chance() < 0.5 else set()
                equipment |= {"pipe_threader"} if chance() < 0.6 else set()
            elif trade == "electrical":
                skills |= {"journeyman_electrician"}
                skills |= {"master_electrician"} if chance() < 0.4 else set()
                skills |= {"ev_charger"} if chance() < 0.5 else set()
                equipment |= {"ladder_28ft"} if chance() < 0.5 else set()
            else:
                skills |= {"commercial_refrigeration", "epa_608"}
                equipment |= {"recovery_machine", "vacuum_pump"}
            certs = {}
            if "gas_fitter" in skills and chance() < 0.3:
                # Mostly valid for a while; now and then already expired on the day.
                days = self.rng.choice((-20, 45, 200, 400))
                certs["gas_fitter"] = (self.day + timedelta(days=days)).isoformat()
            home = self._offset(
                self.metro.lat,
                self.metro.lon,
                self.rng.uniform(2, 22),
                self.rng.uniform(0, 2 * math.pi),
            )
            start, end = self.rng.choices(_SHIFTS, (2, 3, 4))[0]
            tech: dict[str, Any] = {
                "id": f"T{i + 1:02d}",
                "name": f"{self.rng.choice(_FIRST)} {self.rng.choice(_LAST)}",
                "phone": self._phone(i, "1"),
                "home": {"lat": home[0], "lon": home[1]},
                "shift": {"start": start, "end": end},
                "lunch": {"earliest": "11:30", "latest": "13:30", "minutes": 30},
                "skills": sorted(skills),
                "equipment": sorted(equipment),
                "truth": {"speed_factor": round(math.exp(self.rng.gauss(0, 0.08)), 2)},
                "_trade": trade,
            }
            if certs:
                tech["certifications_expire"] = certs
            self.techs.append(tech)
            lunch = tech["lunch"]["minutes"]
            self.working[tech["id"]] = _minute_of(end) - _minute_of(start) - lunch

    def _qualified(self, job: dict[str, Any]) -> list[dict[str, Any]]:
        parsed = scenario_from_data(
            {
                "name": "probe",
                "timezone": "UTC",
                "date": self.day.isoformat(),
                "technicians": [self._public(self.techs[0])],
                "customers": [{"id": job["customer"]}],
                "jobs": [{k: v for k, v in job.items() if not k.startswith("_")}],
            }
        ).jobs[0]
        skills, equipment = true_skills(parsed), true_equipment(parsed)
        out = []
        for t in self.techs:
            held = set(t["skills"])
            expires = t.get("certifications_expire", {})
            held -= {c for c, d in expires.items() if date.fromisoformat(d) < self.day}
            if holds(frozenset(held), skills) and equipment <= set(t["equipment"]):
                out.append(t)
        return out

    # -- jobs ----------------------------------------------------------------------------------
    def _ticket(self, job_type: str) -> tuple[str, str, dict[str, Any]]:
        summary, description, extras = self.rng.choice(_TICKETS[job_type])
        cold = self.temp_f < 40
        temp_note = (
            f"Its {self.temp_f} out." if cold and self.rng.random() < 0.5 else "Pls come asap."
        )
        fill = {
            "brand": self.rng.choice(_BRANDS),
            "wh_brand": self.rng.choice(_WH),
            "tankless": self.rng.choice(_TANKLESS),
            "tstat": self.rng.choice(_TSTATS),
            "panel": self.rng.choice(_PANELS),
            "ev": self.rng.choice(_EVS),
            "appl": self.rng.choice(_APPL),
            "temp_note": temp_note,
        }
        return summary, _misspell(self.rng, description.format(**fill)), dict(extras)

    def job(self, mix: dict[str, float], *, booked: bool, arriving: bool) -> dict[str, Any]:
        """The next ticket: one someone on the fleet can do and, booked ahead, one its qualified
        technicians still have room for today (a desk books the EV installer's third install on
        another day). A call arriving during the day is taken as it comes."""
        fallback: tuple[dict[str, Any], frozenset[str]] | None = None
        for _ in range(30):
            job = self._job(_pick(self.rng, mix), booked=booked, arriving=arriving)
            qualified = frozenset(t["id"] for t in self._qualified(job))
            if qualified and (arriving or self._has_room(qualified, job)):
                chosen, able = job, qualified
                break
            if fallback is None or (qualified and not fallback[1]):
                fallback = (job, qualified)
        else:
            assert fallback is not None
            chosen, able = fallback  # the qualified have no room left: an overbooked day
        if able and not arriving:
            self.booked_minutes[able] += _DURATION[chosen["truth"]["job_type"]][0]
        self.customers.append(chosen.pop("_customer"))
        self.job_count += 1
        return chosen

    def _has_room(self, qualified: frozenset[str], job: dict[str, Any]) -> bool:
        """Whether the work only `qualified` technicians can do, this job with it, stays within
        `BOOKING_FILL` of their working minutes; and the same for every wider group already
        booked that includes them (the EV installer is also one of the electricians)."""
        minutes = _DURATION[job["truth"]["job_type"]][0]
        for group in {qualified} | {g for g in self.booked_minutes if qualified <= g}:
            load = sum(m for g, m in self.booked_minutes.items() if g <= group)
            if load + minutes > BOOKING_FILL * sum(self.working[t] for t in group):
                return False
        return True

    def _job(self, job_type: str, *, booked: bool, arriving: bool) -> dict[str, Any]:
        n = self.job_count + 1
        summary, description, extras = self._ticket(job_type)
        commercial = job_type == "refrigeration.commercial" or "RTU" in summary
        flags = ["commercial"] if commercial else []
        if not commercial:
            for flag, share in (("elderly", 0.08), ("infant", 0.03), ("medical_equipment", 0.02),
                                ("disability", 0.02), ("vip", 0.04)):  # fmt: skip
                if self.rng.random() < share:
                    flags.append(flag)
        customer = {
            "id": f"C{n:03d}",
            "name": f"{self.rng.choice(_FIRST)} {self.rng.choice(_LAST)}",
            "phone": self._phone(n, "0"),
            "flags": flags,
            "preferred_tech": None,
            "designated_tech": None,
        }
        lat, lon = self._point()
        median, sigma = _DURATION[job_type]
        truth: dict[str, Any] = {
            "job_type": job_type,
            "duration_minutes": _lognormal_minutes(self.rng, median, sigma, 15, 480),
            "customer_home": self.rng.random() > (0.0 if arriving else 0.05),
        }
        for key in ("skills", "equipment", "urgency"):
            if key in extras:
                truth[key] = extras[key]
        tier = self.rng.choices(("standard", "gold", "platinum"), (88, 8, 4))[0]
        window = None
        if booked:
            long_job = median >= _ALL_DAY_MINUTES
            start, end = self.rng.choices(
                _MORNING_WINDOWS if long_job else _WINDOWS,
                _MORNING_WEIGHTS if long_job else _WINDOW_WEIGHTS,
            )[0]
            window = {"start": start, "end": end}
        street = f"{self.rng.randint(100, 9899)} {self.rng.choice(_STREETS)} {self.rng.choice(_SUFFIXES)}"
        job = {
            "id": f"J{n:03d}",
            "customer": customer["id"],
            "location": {"lat": lat, "lon": lon, "address": f"{street}, {self.metro.name}"},
            "source": "phone"
            if arriving
            else self.rng.choices(
                ("phone", "portal", "email", "recurring", "iot_alert"), (45, 25, 12, 12, 6)
            )[0],
            "summary": summary,
            "description": description,
            "booked_window": window,
            "sla": {
                "tier": tier,
                "respond_by": None,
                "penalty_usd": {"standard": 0, "gold": 150, "platinum": 500}[tier],
            },
            "truth": truth,
            "_customer": customer,
        }
        return job

    def _public(self, tech: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in tech.items() if not k.startswith("_")}

    def relationships(self, jobs: list[dict[str, Any]]) -> None:
        by_id = {c["id"]: c for c in self.customers}
        for job in jobs:
            qualified = self._qualified(job)
            roll = self.rng.random()
            customer = by_id[job["customer"]]
            if qualified and roll < 0.03:
                customer["designated_tech"] = self.rng.choice(qualified)["id"]
                customer["flags"].append("designated_preferred_tech")
            elif qualified and roll < 0.22:
                customer["preferred_tech"] = self.rng.choice(qualified)["id"]

    def events(self, morning: list[dict[str, Any]]) -> list[dict[str, Any]]:
        rng = self.rng
        events: list[dict[str, Any]] = []
        arriving = max(1, round(self.p.jobs * self.p.new_job_share)) if self.p.jobs else 0
        mix = dict(_WINTER_MIX if self.winter else _SUMMER_MIX)
        for i in range(arriving):
            emergency = i % 2 == 0
            urgent_mix = _EMERGENCY_MIX if self.winter else _SUMMER_EMERGENCY_MIX
            job = self.job(urgent_mix if emergency else mix, booked=False, arriving=True)
            kind = job["truth"]["job_type"]
            if emergency and kind in _URGENT_HVAC:
                # An emergency when the weather and the household make it one: the truth
                # rules decide, as they do for every ticket.
                summary, text, flag = rng.choice(_URGENT_HVAC[kind])
                job["summary"] = summary
                job["description"] = _misspell(rng, text.format(temp=self.temp_f))
                for key in ("skills", "equipment", "urgency"):  # what the old text implied
                    job["truth"].pop(key, None)
                customer = next(c for c in self.customers if c["id"] == job["customer"])
                customer["flags"] = sorted({*customer["flags"], flag} - {"commercial"})
            elif emergency and kind == "refrigeration.commercial":
                summary, text, _ = next(
                    t for t in _TICKETS[kind] if t[2].get("urgency") == "emergency"
                )
                job["summary"], job["description"] = summary, _misspell(rng, text)
                for key in ("skills", "equipment"):  # what the replaced text implied
                    job["truth"].pop(key, None)
                job["truth"]["urgency"] = "emergency"
            minute = rng.randint(8 * 60 + 15, 14 * 60 + 30)
            events.append(
                {"at": f"{minute // 60:02d}:{minute % 60:02d}", "type": "new_job", "job": job}
            )
        booked = [j for j in morning if j["booked_window"]]
        for job in rng.sample(morning, k=min(len(morning), max(1, round(len(morning) * 0.06)))):
            start = int(job["booked_window"]["start"][:2]) * 60 if job["booked_window"] else 9 * 60
            minute = min(15 * 60, start + rng.randint(45, 150))
            events.append({
                "at": f"{minute // 60:02d}:{minute % 60:02d}", "type": "overrun",
                "job": job["id"], "extra_minutes": rng.choice((30, 45, 60, 90, 120)),
            })  # fmt: skip
        for job in rng.sample(booked, k=min(len(booked), round(len(morning) * 0.03))):
            minute = rng.randint(7 * 60 + 30, 13 * 60)
            events.append(
                {"at": f"{minute // 60:02d}:{minute % 60:02d}", "type": "cancel", "job": job["id"]}
            )
        if self.p.technicians >= 6 and rng.random() < 0.5:
            tech = rng.choice(self.techs)
            minute = rng.randint(10 * 60, 13 * 60)
            events.append({
                "at": f"{minute // 60:02d}:{minute % 60:02d}", "type": "tech_unavailable",
                "technician": tech["id"], "until": tech["shift"]["end"],
            })  # fmt: skip
        events.sort(key=lambda e: e["at"])
        return events

    def history(self) -> list[dict[str, Any]]:
        rows = []
        trade_types = {t: [k for k in _DURATION if k.startswith(t + ".")] for t in
                       ("hvac", "plumbing", "electrical", "appliance", "refrigeration")}  # fmt: skip
        for tech in self.techs:
            factor = math.exp(self.rng.gauss(0, 0.1))
            kinds = trade_types[tech["_trade"]] + ["general.estimate", "appliance.repair"]
            for _ in range(self.rng.randint(25, 40)):
                kind = self.rng.choice(kinds)
                median, sigma = _DURATION[kind]
                rows.append({
                    "job_type": kind, "technician": tech["id"],
                    "minutes": _lognormal_minutes(self.rng, median * factor, sigma, 10, 600),
                    "date": (self.day - timedelta(days=self.rng.randint(1, 180))).isoformat(),
                })  # fmt: skip
        return rows

    def build(self) -> dict[str, Any]:
        self.fleet()
        mix = _WINTER_MIX if self.winter else _SUMMER_MIX
        morning = [
            self.job(mix, booked=self.rng.random() < 0.7, arriving=False)
            for _ in range(self.p.jobs)
        ]
        events = self.events(morning)
        self.relationships(morning)
        return {
            "name": f"generated-{self.metro.name.lower()}-{self.p.technicians}x{self.p.jobs}-s{self.p.seed}",
            "timezone": self.metro.zone,
            "date": self.day.isoformat(),
            "days": 1,
            "weather": {"outdoor_temp_f": self.temp_f},
            "travel": {
                "circuity": 1.35,
                "speed_kmh": round(self.rng.uniform(34, 44), 1),
                "noise_pct": 15,
            },
            "technicians": [self._public(t) for t in self.techs],
            "customers": self.customers,
            "jobs": morning,
            "events": events,
            "history": self.history(),
        }


def generate_scenario(params: GenerateParams) -> Scenario:
    """Generate one realistic day; the same parameters give the same scenario.

    Raises:
        ValueError: a parameter is out of range.
    """
    data = _Builder(params).build()
    return scenario_from_data(data, f"generated (seed {params.seed})")
