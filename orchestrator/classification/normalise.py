"""Text normalisation before matching: case, accents, typos, shorthand and Spanish phrases.

Everything is rewritten to one plain-English spelling, so the lexicon needs one pattern per idea
instead of one per way of writing it. Replacements are whole-word regular expressions applied in
order: Spanish phrases first (they contain words the English rules would touch), then shorthand,
then misspellings; last, single-letter slips of known words (`spelling`).
"""

# ruff: noqa: E501  (patterns are data: one unbroken regex per line reads and diffs best)

from __future__ import annotations

import re
import unicodedata

from orchestrator.classification.spelling import correct_slips

__all__ = ["normalise"]

# Case matters for a few tokens before lowering: "CO" is carbon monoxide, "Co." a company.
_CASED: tuple[tuple[str, str], ...] = (
    (
        r"\bCO(?=\s*(?:alarm|detector|monitor|sensor|level|reading|ppm|ALARM|DETECTOR)|\b(?!\.))",
        " carbon monoxide ",
    ),
    (r"\bHP\b", " heat pump "),
    (r"\bWIF\b", " walk in freezer "),
    (r"\bWIC\b", " walk in cooler "),
)

# Spanish (accents already stripped) → English. Longer phrases before the words they contain.
_SPANISH: tuple[tuple[str, str], ...] = (
    (r"huele a gas|olor a gas|olor de gas|se huele gas|huele gas", "gas smell"),
    (r"fuga de gas|escape de gas", "gas leak"),
    (r"olor a quemado|huele a quemado", "burning smell"),
    (
        r"no (?:hay|tenemos|tengo|tiene) (?:luz|electricidad|corriente)|sin (?:luz|electricidad|corriente)|se fue la luz|no prende nada",
        "no power",
    ),
    (r"no (?:hay|tenemos|tengo|tiene) agua caliente|sin agua caliente", "no hot water"),
    (
        r"no (?:hay|tenemos|tengo|tiene) calefaccion|sin calefaccion|no calienta|no esta calentando|no da calor|no sale calor",
        "not heating",
    ),
    (
        r"no enfria|no esta enfriando|no sale frio|no sale aire frio|sale aire caliente",
        "not cooling",
    ),
    (r"aire acondicionado|el aire|la unidad de aire|minisplit", "air conditioner"),
    (r"drenaje tapado|desague tapado|drenaje lento", "clogged drain"),
    (r"aguas negras|aguas residuales", "sewage"),
    (
        r"se (?:reviento|rompio|partio) (?:la |el |una |un )?(?:tuberia|tubo|cano|pipa)",
        "pipe burst",
    ),
    (r"(?:tuberia|tubo|cano|pipa) (?:reventada|rota|reventado|roto)", "burst pipe"),
    (r"reviento|reventada|reventado", "burst"),
    (r"inundacion|inundado|inundada|inundando", "flooding"),
    (r"agua caliente", "hot water"),
    (r"calentador de agua|boiler de agua|calentador|boiler de paso", "water heater"),
    (r"calefaccion|calefactor|horno de calefaccion", "furnace"),
    (r"chispas|chispea|chispeando|echa chispas|saco chispas", "sparks"),
    (r"humo", "smoke"),
    (r"tuberias|tuberia|tubos|tubo|canerias|caneria", "pipe"),
    (r"esta goteando|gotea mucho|goteando|gotea|goteo", "dripping"),
    (r"fuga|fugas|tiene una fuga", "leak"),
    (r"se tapo|se atasco|tapado|tapada|atascado|atascada|tapon", "clogged"),
    (r"unico|unica|solo (?:hay )?(?:un|una)", "only"),
    (r"inodoro|excusado|la taza del bano|taza", "toilet"),
    (r"lavabo|lavamanos", "bathroom sink"),
    (r"fregadero|lavaplatos", "kitchen sink"),
    (r"regadera|ducha", "shower"),
    (r"tina|banera", "tub"),
    (r"refrigerador|refrigeradora|nevera|refri", "fridge"),
    (r"congelador", "freezer"),
    (r"lavadora", "washer"),
    (r"secadora", "dryer"),
    (r"estufa", "stove"),
    (r"cubeta|balde|cubo", "bucket"),
    (r"toallas", "towels"),
    (r"cotizacion|presupuesto|precio", "estimate"),
    (r"instalar|instalacion", "install"),
    (r"cuartos|recamaras|habitaciones", "bedrooms"),
    (r"cuarto|recamara|habitacion", "bedroom"),
    (r"cocina", "kitchen"),
    (r"bano", "bathroom"),
    (r"sotano", "basement"),
    (r"techo", "ceiling"),
    (r"apagador|interruptor", "switch"),
    (r"enchufe|contacto|tomacorriente", "outlet"),
    (
        r"mi (?:abuela|abuelo|abuelita|abuelito)|mis abuelos|anciana|anciano|la senora mayor",
        "elderly occupant",
    ),
    (r"bebe recien nacido|recien nacido|bebe", "infant"),
    (r"no funciona|no sirve|no jala|no trabaja", "not working"),
    (r"no prende|no enciende|no arranca", "wont turn on"),
    (r"mucho", "a lot"),
    (r"hoy", "today"),
    (r"urgente", "urgent"),
    (r"afuera|afuera hace", "outside"),
    (r"grados", "degrees"),
    (r"no (?:la|lo) puede cerrar|no cierra", "wont close"),
)

# Shorthand and brand-as-noun spellings → plain words.
_SHORTHAND: tuple[tuple[str, str], ...] = (
    (r"a\s*/\s*c|a\.c\.", " ac "),
    (
        r"h\s*/\s*w\s+(?:tank|heater)|hw\s+(?:tank|heater)|hwh|hwt|w\s*/\s*h|hot water tank|hot water heater",
        " water heater ",
    ),
    (r"t-?stat", "thermostat"),
    (r"gfci|gfi|g\.f\.i\.?|gfic", "gfci outlet"),
    (r"rtu(?:s)?(?:-?\s*\d+)?", "rooftop unit"),
    (r"roof\s*top", "rooftop"),
    (r"mini[\s-]?splits?|ductless", "mini split"),
    (
        r"evse|ev\s+charger|ev\s+charging\s+station|electric\s+vehicle\s+charger|car\s+charger",
        "ev charger",
    ),
    (r"wall\s+connector", "wall connector ev charger"),
    (r"ahu|air\s+handler", "air handler"),
    (r"cond\s+unit|condensing\s+unit|condensor|condensers?", "condenser"),
    (r"(?<!\d )pm", "preventive maintenance"),
    (r"qtrly|qtr", "quarterly"),
    (r"maint\.?", "maintenance"),
    (r"approx\.?", "approximately"),
    (r"cust\.?|cx|customer", "customer"),
    (r"tmrw|tmw|tomorow", "tomorrow"),
    (r"asap|a\.s\.a\.p\.?", "urgent"),
    (r"pls|plz", "please"),
    (r"w/", "with "),
    (r"w/o", "without "),
    (r"thru", "through"),
    (r"bldg", "building"),
    (r"bsmt|bsmnt", "basement"),
    (r"gal\.?|gallon", "gallon"),
    (r"temp\.?", "temperature"),
    (r"sp(?=\s*-?\d)", "setpoint"),
    (r"set\s*point", "setpoint"),
    (r"frig|fridg|refridgerator|refrigerater|refridge|refrig", "fridge"),
    (r"refrigerator", "fridge"),
    (r"dish\s*washer", "dishwasher"),
    (r"washing\s+machine|clothes\s+washer", "washer"),
    (r"disposer|garbage\s+disposal|insinkerator", "disposal"),
    (r"breaker\s+box|electrical\s+box|fuse\s+box|load\s+center", "electrical panel"),
    (r"co2\s+(?:alarm|detector)", "carbon monoxide alarm"),
    (r"co\s+(?:alarm|detector|monitor|sensor)s?", "carbon monoxide alarm"),
    (r"smoke\s*/\s*co|smoke\s+and\s+co", "smoke and carbon monoxide"),
    (r"carbon\s+monoxide\s+(?:detector|monitor|sensor)s?", "carbon monoxide alarm"),
    (r"fpe", "federal pacific"),
    (r"hvac", "hvac"),
    (r"hi\b", "high"),
    (r"lo\b", "low"),
    (r"r-?22|r-?410a?|r-?454b|r-?32|r-?404a?|r-?134a?|r-?290", "refrigerant"),
    (r"freon|refrigerent|refridgerant|refigerant", "refrigerant"),
)

# Misspellings seen in real tickets (and their obvious cousins).
_TYPOS: tuple[tuple[str, str], ...] = (
    (r"furnance|furnice|furnac|fernace|furnaces", "furnace"),
    (r"thermastat|thermostate|themostat|thermosat|termostat|termostato", "thermostat"),
    (r"heatpump", "heat pump"),
    (r"boilor|boiller", "boiler"),
    (r"heather|heatr|heeter", "heater"),
    (r"wather|watter|warer", "water"),
    (r"leeking|leakin|leakng|leaing|leakig", "leaking"),
    (r"leek", "leak"),
    (r"clogg?ed|cloged|clooged|clggd", "clogged"),
    (r"draning|drainning", "draining"),
    (r"toliet|toilette|toilit|tiolet|toilets", "toilet"),
    (r"faucett|facet|fawcet|fuacet", "faucet"),
    (r"outlit|outlett|oulet", "outlet"),
    (r"breakr|braker|breakers", "breaker"),
    (r"sparkin|sparkng", "sparking"),
    (r"smel|smelll", "smell"),
    (r"realy|rly|reely", "really"),
    (r"compresser|compresor", "compressor"),
    (r"evaporater|evap", "evaporator"),
    (r"sewage|sewerage|sewege", "sewage"),
    (r"disposel|dispossal", "disposal"),
    (r"recieved|recived", "received"),
    (r"emergancy|emergancy|emergecy|emergencey", "emergency"),
    (r"basment|bassment", "basement"),
    (r"celing|cieling|ceilling", "ceiling"),
    (r"panal|pannel", "panel"),
    (r"estimte|estamate|esimate", "estimate"),
    # "Singed" is a real word, so only its place before a proposal shows the slip.
    (r"singed(?=\s+(?:the\s+|our\s+|your\s+)?(?:proposal|estimate|quote|contract|bid))", "signed"),
    (r"replacment|replacemnt|replacemet", "replacement"),
    (r"instal|instll|intall", "install"),
    (r"installl|instaled|installd", "installed"),
    (r"guage", "gauge"),
    (r"tankles", "tankless"),
    (r"pilote", "pilot"),
    (r"working|workin|wrking", "working"),
    (r"ac unit|a c unit", "ac"),
    (r"airconditioner|air conditioning|air conditoner|air conditionar|air con", "air conditioner"),
    (r"air conditioner", "ac"),
)

# Contractions without apostrophes ("wont", "doesnt") are the common spelling; make them the only one.
_APOSTROPHES = re.compile(r"['’`´]")
_SPACES = re.compile(r"\s+")


def _compile(table: tuple[tuple[str, str], ...]) -> list[tuple[re.Pattern[str], str]]:
    return [
        (re.compile(rf"(?<![a-z0-9])(?:{pattern})(?![a-z0-9])"), repl) for pattern, repl in table
    ]


_SPANISH_RX = _compile(_SPANISH)
_SHORTHAND_RX = _compile(_SHORTHAND)
_TYPOS_RX = _compile(_TYPOS)
_CASED_RX = [(re.compile(pattern), repl) for pattern, repl in _CASED]


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalise(text: str) -> str:
    """One plain-English, lower-case spelling of a ticket's text.

    Args:
        text: the ticket's summary and description as written.

    Returns:
        Lower-case text without accents or apostrophes, with Spanish phrases translated, shorthand
        expanded and common misspellings fixed; sentence punctuation is kept for clause splitting.
    """
    for pattern, repl in _CASED_RX:
        text = pattern.sub(repl, text)
    text = _strip_accents(text).lower()
    text = _APOSTROPHES.sub("", text)
    text = text.replace("°", " degrees ")
    for table in (_SPANISH_RX, _SHORTHAND_RX, _TYPOS_RX):
        for pattern, repl in table:
            text = pattern.sub(repl, text)
    return correct_slips(_SPACES.sub(" ", text).strip())
