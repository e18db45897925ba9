"""What a ticket's text says: the lexicon's concepts found in it, and the numbers it states.

`read_signals` normalises the text once, finds every concept of the lexicon (skipping negated
mentions of the negatable ones), and pulls out the figures rules depend on: an outdoor temperature
stated in the text, an indoor temperature, a refrigerated box's reading and setpoint, and any sign
of a vulnerable occupant.
"""

# ruff: noqa: E501  (patterns are data: one unbroken regex per line reads and diffs best)

from __future__ import annotations

import re
from dataclasses import dataclass, field

from orchestrator.classification.lexicon import CONCEPTS, NEGATABLE
from orchestrator.classification.normalise import normalise

__all__ = ["Signals", "read_signals"]

_COMPILED: dict[str, list[re.Pattern[str]]] = {
    name: [re.compile(rf"(?<![a-z0-9])(?:{p})(?![a-z0-9])") for p in patterns]
    for name, patterns in CONCEPTS.items()
}
_NEGATOR = re.compile(
    r"\b(?:no|not|never|nothing|without|dont|doesnt|didnt|isnt|arent|wasnt|werent|havent|hasnt|hadnt|"
    r"cant|cannot|nor|zero|ruled out|denies|negative for)\b"
)
# Phrases that contain a negator without negating what follows.
_NOT_NEGATION = re.compile(
    r"\b(?:not sure|no idea|no rush|not urgent|no hurry|not a big deal|no big deal|not an emergency|"
    r"no problem|not certain|dont know|doesnt know|didnt know|cant tell|not positive|no clue|"
    r"no longer|no one|nobody|not only|cant get (?:anyone|someone)|wasnt sure)\b"
)
_CLAUSE_BREAK = re.compile(r"[.;!?,:()\n]| but | and | so | then | now | however ")
_NEGATION_WINDOW_WORDS = 5

_VULNERABLE = (
    (
        "elderly",
        re.compile(
            r"\b(?:elderly|senior citizen|seniors?\b|aged? (?:7[5-9]|[89]\d|1[01]\d)|retiree|"
            r"in (?:their|his|her|my|our) (?:late )?(?:80s|90s|eighties|nineties)|"
            r"(?:7[5-9]|[89]\d|1[01]\d)[- ]?(?:years?|yrs?|yo|y/o|year-old)(?:[- ]old)?"
            r"(?! (?:old )?(?:house|home|building|furnace|unit|system|ac|boiler|heater|tank|panel|pipes?))|"
            r"(?:mom|mother|dad|father|grandma|grandmother|grandpa|grandfather|parents|grandparents|"
            r"husband|wife|aunt|uncle|neighbor|he|she|tenant|resident)\w* (?:is|are|who is|whos) "
            r"(?:7[5-9]|[89]\d|1[01]\d)\b|elderly occupant|lives? alone and (?:is )?(?:7[5-9]|[89]\d))"
        ),
    ),
    (
        "infant",
        re.compile(
            r"\b(?:newborn|new born|infant|baby|babies|preemie|"
            r"\d+[- ](?:day|days|week|weeks|wk|wks|month|months|mo)[- ]old(?! (?:unit|system|furnace|"
            r"water heater|heater|tank|ac|house|panel|pump|fridge|appliance|boiler|install))|"
            r"(?:day|week|weeks|wk|month|months)-old)\b"
        ),
    ),
    (
        "medical_equipment",
        re.compile(
            r"\b(?:oxygen|o2 concentrator|home o2|concentrator|ventilator|cpap|bipap|dialysis|nebuli[sz]er|"
            r"medical equipment|hospital bed|life support|feeding pump|apnea monitor|on a vent|"
            r"suction machine|infusion pump)\b"
        ),
    ),
)

_DEGREES = r"(?:\s?(?:degrees|deg|f)\b)?"
_OUTDOOR_AFTER = re.compile(
    rf"(?<![\d.])(minus |-)?(\d{{1,3}}){_DEGREES}\s?(?:\w+\s){{0,2}}?(?:outside|outdoors?|out there|"
    r"this morning|tonight|overnight|today|with (?:the )?wind ?chill|wind ?chill|out|forecast|low)\b"
)
_OUTDOOR_BEFORE = re.compile(
    r"(?:outside|outdoors?|out there|wind ?chill|porch thermometer|thermometer outside|forecast|weather|"
    r"low of|high of|temps? (?:are|is|outside|of|around|near)|temperatures?(?: outside)? (?:is|are|of|around|near)|"
    r"supposed to (?:get|be|hit|drop)(?: down| up)?(?: to)?|getting down to|dropping to|"
    r"heat index(?: of| is)?)\s(?:\w+\s){0,3}?(minus |-)?(\d{1,3})" + _DEGREES
)
_OUTDOOR_WORDS = (
    (re.compile(r"\b(?:below zero|sub-?zero|negative (?:degrees|temps))\b"), -1.0),
    (re.compile(r"\bsingle digits\b"), 5.0),
    (re.compile(r"\b(?:in the teens|teens (?:outside|tonight|today|out))\b"), 15.0),
    (
        re.compile(
            r"\b(?:below freezing|freezing (?:outside|out|temps|temperatures|weather|tonight)|hard freeze)\b"
        ),
        30.0,
    ),
    (re.compile(r"\b(?:triple digits|heat wave|heatwave|excessive heat|heat advisory)\b"), 100.0),
)
_INDOOR = re.compile(
    r"(?:(?<![\d.])(\d{2})"
    + _DEGREES
    + r"\s?(?:inside|in the (?:house|home|bedroom|bedrooms|apartment|living room|"
    r"office|store|building|room)|indoors|in here|upstairs|downstairs)\b)|"
    r"(?:(?:house|home|inside|apartment|it|living room|bedroom|indoor|upstairs|office|store)\w* "
    r"(?:is |its |was |has |reads |temp\w* )?(?:down to|up to|at|only|reading|is|sitting at|dropped to|climbed to)\s"
    r"(?:about |around )?(\d{2})" + _DEGREES + r")|"
    r"(?:wont get (?:below|under|down to|past)|cant get (?:it )?(?:below|under|above|past)|never gets (?:above|below|past)|"
    r"stuck at|only gets (?:to|up to))\s(\d{2})"
)
_SET_TO = re.compile(r"\bset (?:to|at|for) (\d{2})")
_BOX = re.compile(
    r"(?:box|cabinet|case|unit|cooler|freezer|walk in \w+|table|inside|product|air)?\s?"
    r"(?:temperature|temp|reading|reads|at|is|showing|shows)\s(?:is |at |of |reading )?(?:now |about |around )?"
    r"(-?\d{1,2})\s?(?:degrees|deg|f)\b"
)
_SETPOINT = re.compile(r"setpoint\s?(?:is |of |at |=|: )?(-?\d{1,2})")


_FIXTURE_KINDS = (
    ("kitchen sink", re.compile(r"\bkitchen (?:sink|drain)s?\b")),
    (
        "bathroom sink",
        re.compile(r"\b(?:bathroom|bath|vanity|lav) (?:sink|drain)s?\b|\bbathroom sinks\b"),
    ),
    ("sink", re.compile(r"\bsinks?\b")),
    ("tub", re.compile(r"\b(?:bath)?tubs?\b(?! (?:is |was )?(?:full|overflow))")),
    ("shower", re.compile(r"\bshowers?\b")),
    ("toilet", re.compile(r"\btoilets?\b")),
    ("laundry", re.compile(r"\b(?:washer|laundry|washing)\b")),
    ("floor drain", re.compile(r"\bfloor drains?\b")),
)
_PLURAL_FIXTURE = re.compile(
    r"\b(?:both|all|two|2|three|3|several|multiple) (?:\w+ )?(?:sinks|toilets|tubs|showers|drains)\b"
)


def _fixture_kinds(text: str) -> int:
    """How many distinct drain fixtures the text names (a plural counts as two)."""
    kinds = {name for name, pattern in _FIXTURE_KINDS if pattern.search(text)}
    if (
        "tub" in kinds
        and re.search(r"\b(?:washer|washing machine|dishwasher)\b", text)
        and not re.search(r"\bbath ?tub|\btub (?:and|&)|(?:and|&) (?:the )?tub\b", text)
    ):
        kinds.discard("tub")  # the drum of a washer, not a bathtub
    if "sink" in kinds and kinds & {"kitchen sink", "bathroom sink"}:
        kinds.discard("sink")
    count = len(kinds)
    if _PLURAL_FIXTURE.search(text):
        count += 1
    return count


@dataclass(frozen=True)
class Signals:
    """The evidence found in one ticket's text.

    Attributes:
        text: the normalised text.
        hits: concept → the first non-negated phrase that matched it.
        summary_hits: the concepts found in the summary alone.
        outdoor_temp_f: an outdoor temperature the text states, if any.
        indoor_temp_f: an indoor temperature the text states, if any.
        setpoint_f: a thermostat setting the text states ("set to 70"), if any.
        box_temp_f: a refrigerated box's reading, if any.
        box_setpoint_f: the box's setpoint, if stated.
        vulnerable: (kind, phrase) when the text names a vulnerable occupant.
        fixture_kinds: how many distinct drain fixtures the text names.
    """

    text: str
    hits: dict[str, str] = field(default_factory=dict)
    summary_hits: frozenset[str] = frozenset()
    outdoor_temp_f: float | None = None
    indoor_temp_f: float | None = None
    setpoint_f: float | None = None
    box_temp_f: float | None = None
    box_setpoint_f: float | None = None
    vulnerable: tuple[str, str] | None = None
    fixture_kinds: int = 0

    def has(self, *names: str) -> bool:
        """True when any of the named concepts was found."""
        return any(name in self.hits for name in names)

    def all(self, *names: str) -> bool:
        return all(name in self.hits for name in names)

    def phrase(self, *names: str) -> str:
        """The phrase that matched the first of `names` found, quoted for a reason line."""
        for name in names:
            if name in self.hits:
                return f'"{self.hits[name]}"'
        return ""


def _negated(text: str, start: int) -> bool:
    prefix = text[max(0, start - 80) : start]
    pieces = _CLAUSE_BREAK.split(prefix)
    clause = pieces[-1] if pieces else ""
    clause = _NOT_NEGATION.sub(" ", clause)
    words = clause.split()[-_NEGATION_WINDOW_WORDS:]
    return bool(_NEGATOR.search(" ".join(words)))


def _find(text: str) -> dict[str, str]:
    hits: dict[str, str] = {}
    for name, patterns in _COMPILED.items():
        for pattern in patterns:
            for match in pattern.finditer(text):
                if name in NEGATABLE and _negated(text, match.start()):
                    continue
                hits[name] = match.group(0).strip()
                break
            if name in hits:
                break
    return hits


def _number(sign: str | None, digits: str) -> float:
    value = float(digits)
    return -value if sign else value


def _outdoor_temp(text: str) -> float | None:
    for pattern in (_OUTDOOR_BEFORE, _OUTDOOR_AFTER):
        for match in pattern.finditer(text):
            tail = text[match.end() : match.end() + 20]
            if re.match(r"\s?(?:inside|in the house|indoors|in here|on the thermostat)", tail):
                continue
            value = _number(match.group(1), match.group(2))
            if -60 <= value <= 130:
                return value
    for pattern, value in _OUTDOOR_WORDS:
        if pattern.search(text):
            return value
    return None


def _indoor_temp(text: str) -> float | None:
    for match in _INDOOR.finditer(text):
        digits = next((g for g in match.groups() if g), None)
        if digits is not None and 35 <= int(digits) <= 110:
            return float(digits)
    return None


def _vulnerable(text: str) -> tuple[str, str] | None:
    for kind, pattern in _VULNERABLE:
        match = pattern.search(text)
        if match and not _negated(text, match.start()):
            return kind, match.group(0)
    return None


def read_signals(summary: str, description: str) -> Signals:
    """Find every concept and figure in a ticket's summary and description."""
    norm_summary = normalise(summary)
    text = f"{norm_summary}. {normalise(description)}"
    box = _BOX.search(text)
    box_setpoint = _SETPOINT.search(text)
    set_to = _SET_TO.search(text)
    return Signals(
        text=text,
        hits=_find(text),
        summary_hits=frozenset(_find(norm_summary)),
        outdoor_temp_f=_outdoor_temp(text),
        indoor_temp_f=_indoor_temp(text),
        setpoint_f=float(set_to.group(1)) if set_to else None,
        box_temp_f=float(box.group(1)) if box else None,
        box_setpoint_f=float(box_setpoint.group(1)) if box_setpoint else None,
        vulnerable=_vulnerable(text),
        fixture_kinds=_fixture_kinds(text),
    )
