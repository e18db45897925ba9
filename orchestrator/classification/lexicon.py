"""The offline engine's vocabulary: named concepts, each a list of patterns over normalised text.

Patterns are matched against the output of `normalise`, so they are written once, in plain
lower-case English ("ac", "water heater", "carbon monoxide alarm"). Each concept is an idea a rule
can ask about ("gas_odour", "walk_in", "contained"), never a sentence from a particular ticket.

Concepts listed in `NEGATABLE` are ignored when a negation ("no", "not", "never", "nothing") opens
the same clause shortly before them: "no gas smell", "nothing has come up".
"""

# ruff: noqa: E501  (patterns are data: one unbroken regex per line reads and diffs best)

from __future__ import annotations

__all__ = ["CONCEPTS", "NEGATABLE"]

_HVAC_BRANDS = (
    r"carrier|trane|lennox|goodman|rheem|ruud|york|bryant|amana|american standard|daikin|heil|payne|"
    r"coleman|mitsubishi|fujitsu|bosch heat pump|tempstar|comfortmaker|armstrong air|ducane|"
    r"frigidaire gallery|luxaire|nordyne|intertherm|weil-? ?mclain|burnham|buderus|viessmann|"
    r"peerless|utica|slant/fin|lochinvar|honeywell|nest|ecobee|emerson sensi|sensi"
)
_APPLIANCE_BRANDS = (
    r"whirlpool|ge|general electric|ge profile|samsung|lg|maytag|kitchenaid|kitchen aid|bosch|"
    r"frigidaire|sub-? ?zero|viking|wolf|thermador|kenmore|electrolux|miele|speed queen|jenn-? ?air|"
    r"haier|fisher (?:and |& )?paykel|dacor|bertazzoni|cafe|hotpoint|beko|smeg|asko|blomberg"
)

CONCEPTS: dict[str, tuple[str, ...]] = {
    # ---- hazards -------------------------------------------------------------------------
    "gas_odour": (
        r"gas (?:smell|odou?r|leak|leaking)",
        r"smell(?:s|ing|ed)? (?:of |like )?(?:natural |propane )?(?:gas|propane|mercaptan)",
        r"smell(?:s|ing|ed)? (?:a |some |faint |slight |strong )*gas",
        r"(?:rotten|sulfur|sulphur) eggs?",
        r"leak(?:ing|s)? (?:of )?(?:natural )?gas",
        r"(?:natural gas|propane|lp|methane) (?:detector|alarm|sensor|monitor)",
        r"gas (?:detector|alarm|sensor|monitor)",
        r"combustible gas",
        r"hiss(?:ing)? (?:from|at|near) (?:the )?gas",
        r"gas (?:meter|line|valve|pipe) (?:is )?hissing",
    ),
    "co_alarm": (
        r"carbon monoxide alarm.{0,40}(?:going off|goes off|went off|beep|sound|chirp|alarm|"
        r"trigger|reading|detect|ppm|keeps|screech|flash|red|high)",
        r"(?:going off|went off|beeping|sounding|alarming|triggered).{0,30}carbon monoxide",
        r"carbon monoxide (?:level|reading|detected|present|high)",
        r"carbon monoxide.{0,20}\d+ ?ppm",
        r"co\d? ?alarm (?:going off|went off)",
    ),
    "sparking": (
        r"spark(?:s|ed|ing|y)?",
        r"arc(?:ing|ed|s)",
        r"(?:got|get|getting) (?:a |an )?(?:shock|shocked|zapped)",
        r"shock(?:ed|s)? (?:me|him|her|us|when)",
        r"flash(?:ed)? (?:from|at|in) (?:the )?(?:outlet|panel|breaker|switch)",
    ),
    "ignition_spark": (
        r"spark (?:ignit\w*|module|electrode|plug|igniter|ignitor)|ignit\w*[^.]{0,30}\bspark\w*|"
        r"spark\w*[^.]{0,30}\b(?:ignit\w*|pilot|burner|wont light|doesnt light|clicking)|click\w* and spark\w*",
    ),
    "smoke": (
        r"smok(?:e|ing|ed|ey)(?!\s*(?:detector|alarm|detectors|alarms|and carbon|carbon|test|co\b|/|&|and co\b))",
    ),
    "burning_smell": (
        r"(?:burning|burnt|burned|melting|melted|electrical|hot plastic|scorched) (?:smell|odou?r|plastic smell)",
        r"smell(?:s|ing|ed)? (?:like )?(?:something )?(?:burning|burnt|burned|electrical|hot plastic|melting|melted)",
        r"scorch(?:ed|ing|marks?)?",
        r"melt(?:ed|ing) (?:outlet|wire|wires|plug|cover|breaker|insulation|receptacle)",
        r"(?:outlet|cover|plug|receptacle|breaker|switch) (?:is |are |turned |looks )?(?:black|blackened|charred|melted)",
        r"charred",
    ),
    "hot_electrical": (
        r"(?:panel|breaker|outlet|switch|meter|wire|wires|wiring|plug|cover plate|receptacle|dimmer)s?"
        r"\b[^.]{0,40}\b(?:hot(?! water| tub)|warm|buzz|buzzing|buzzes|crackl\w*|sizzl\w*|popping|pops)",
        r"(?:hot|warm|buzzing|crackling|sizzling|humming) (?:electrical )?(?:panel|breaker|outlet|switch|meter)",
    ),
    "water_in_electrical": (
        r"water[^.]{0,50}\b(?:in|inside|into|on|behind) (?:the |my |our )?(?:electrical panel|panel|breaker|"
        r"outlet|light fixture|fixture|switch|meter|junction box|light)",
        r"(?:electrical panel|breaker|outlet|light fixture|meter)s?[^.]{0,30}\b(?:wet|full of water|dripping|leaking|water)",
    ),
    "sewage_up": (
        r"(?:sewage|sewer water|raw sewage|brown(?:ish)? water|black water|dirty water|waste ?water|"
        r"feces|poop|toilet water)[^.]{0,60}\b(?:com\w* up|came up|back\w* up|up (?:in|into|through|out)|"
        r"in (?:the |my |our )?(?:tub|shower|basement|floor drain|bathtub|sink|laundry)|on the floor|overflow\w*|"
        r"bubbl\w*|everywhere)",
        r"(?:com\w*|came|bubbl\w*|back\w*) up (?:in|into|through|out of|from) (?:the |my |our )?(?:tub|bathtub|"
        r"shower|floor drain|basement|basement drain|laundry (?:sink|tub))",
        r"toilet\w*[^.]{0,30}\bfill\w* (?:up )?(?:on (?:its|their) own|by itself|by themselves)",
        r"sewer (?:is )?back(?:ing|ed)? up (?:in|into) (?:the )?(?:house|home|basement|building)",
        r"sewage (?:in|on|all over|coming|everywhere|backup|back up|backing)",
    ),
    "burst": (
        r"burst\w*",
        r"(?:pipe|line|hose|fitting|connector|supply)s? (?:has |have |just )?(?:broke|broken|split|cracked|blew|"
        r"busted|popped|came apart|came off|separated|froze and (?:split|broke))",
        r"(?:broken|busted|split|cracked|blown) (?:water )?(?:pipe|line|hose|fitting)",
        r"water (?:is )?(?:spraying|gushing|pouring|shooting|spewing|everywhere|pouring out)",
        r"flood(?!\s?lights?)\w*",
        r"(?:extreme|excessive|continuous|abnormal|very high|high) flow",
        r"water (?:wont|will not|doesnt) stop",
        r"standing in water|(?:an |\d+ |few |several )?inch(?:es)? of water|(?:ankle|inch) deep",
    ),
    # ---- whether water is under control ----------------------------------------------------
    "water_stopped": (
        r"shut (?:it |the water |the main |water |the valve |the supply |everything )?(?:off|down)",
        r"turned (?:the water |the main |it |off the water|off the main|the valve |water )?off",
        r"turned off (?:the )?(?:water|main|valve|supply)",
        r"(?:valve|main|water|supply) (?:is |was |has been |got )?(?:closed|shut|off|turned off)",
        r"closed (?:the )?(?:main|valve|shut ?off)",
        r"closed automatically|automatically closed|auto(?:matic)? shut ?off|shut ?off (?:valve )?(?:closed|engaged|activated|tripped)",
        r"(?:stopped|no longer) (?:leaking|dripping|flowing|spraying)",
        r"valve (?:status: )?closed",
    ),
    "water_stop_failed": (
        r"(?:cant|cannot|couldnt|unable to|trying to|try to|looking for|doesnt know how to) "
        r"(?:find|locate|get to|turn|shut|close|reach)",
        r"(?:valve|shut ?off|main)[^.]{0,20}\b(?:is |was )?(?:stuck|seized|broken|wont (?:close|turn|shut)|doesnt (?:close|work))",
        r"wont close|wont shut off",
        r"still (?:flowing|spraying|pouring|running|gushing)",
        r"no (?:shut ?off|shutoff)|not (?:shut off|closed)|valve open|shut ?off (?:did not|didnt|failed)",
    ),
    "contained": (
        r"bucket|buckets|towels?|drip pan|pan under|catch pan|tray|pot under|bowl under|tarp|trash can under",
        r"catching (?:it|the water)",
    ),
    # ---- plumbing ----------------------------------------------------------------------------
    "leak": (
        r"leak\w*",
        r"drip\w*",
        r"seep\w*",
        r"water (?:coming|dripping|running|pooling|on the floor|under|through|stain|spot)",
        r"puddle\w*",
        r"wet (?:spot|floor|ceiling|drywall|wall|carpet|cabinet)",
        r"soak\w*",
        r"water damage",
        r"(?:high|huge|crazy) water bill",
        r"leak sensor|water sensor|leak detector|moisture sensor",
        r"\bwet\b",
    ),
    "leak_minor": (
        r"(?:drip\w*|leak\w*) (?:from|out of|at) (?:the )?(?:spout|faucet|tap|shower ?head|handle)",
        r"(?:faucet|tap|spout|shower ?head|hose bib\w*|spigot)s? (?:\w+ )?(?:drip\w*|leak\w*)",
        r"slow (?:drip|leak)|small (?:drip|leak)|tiny|minor|occasional\w*|once in a while|little (?:drip|leak)|"
        r"slight\w* (?:drip|leak)",
        r"(?:shut|turned off|closed) tight",
        r"(?:old |dried )?(?:water )?stain",
    ),
    "leak_active": (
        r"constant\w*|steady|steadily|a lot|lots of|getting worse|pouring|soaked|soaking|all over|"
        r"puddle|running|non ?stop|heavy|fast|bad(?:ly)?|coming through|dripping (?:down|through|from the ceiling)",
        r"water (?:on the floor|everywhere|coming)",
    ),
    "pipe": (
        r"pipe\w*|supply line|water line|hose|fitting|pex|copper|galvanized|cpvc|pvc|shut ?off valve|"
        r"angle stop|main line|water main|slab",
    ),
    "clog": (
        r"clog\w*",
        r"block(?:ed|age)",
        r"back(?:ed|ing)? ?up",
        r"(?:wont|not|doesnt|isnt|will not|wouldnt) (?:drain|go down|flush)",
        r"slow (?:drain\w*|to drain)|drain\w* (?:really |very |super )?slow\w*",
        r"standing water",
        r"gurgl\w*",
        r"rooter|snake|snaked|hydro ?jet\w*|auger",
        r"stopped up",
        r"(?:toilet|sink|tub|shower|drain)\w*[^.]{0,20}\boverflow\w*",
        r"plung\w*",
    ),
    "drain": (
        r"drain\w*|sewer\w*|toilet|sink|tub|shower|floor drain|main line|cleanout|disposal|lav\b|urinal",
    ),
    "main_line": (
        r"main (?:line|drain|sewer|stack)|sewer (?:line|lateral|main|pipe)|cleanout|clean out|septic",
        r"(?:every|all (?:the |of the |our )?)(?:drains?|fixtures|sinks|toilets)",
        r"whole house|(?:multiple|several|many|two|2|three|3) (?:drains|fixtures|toilets) (?:are |were )?(?:clog|slow|block|back)",
        r"both (?:bathrooms|toilets|sinks|tubs|showers)",
        r"(?:tub|shower|sink|toilet|washer|laundry)\w*,? (?:and|&) (?:the )?(?:tub|shower|sinks?|toilets?|washer|"
        r"laundry|floor drain)",
        r"(?:roots|tree roots)",
        r"(?:toilet|tub|sink|shower)\w* gurgl\w* when",
        r"downstairs (?:toilet|tub|shower).{0,40}upstairs|upstairs.{0,40}downstairs",
    ),
    "recurring": (
        r"\bagain\b",
        r"keeps? (?:happening|clogging|backing|coming back|getting clogged|doing it|stopping up)",
        r"recurring|repeat\w*|chronic",
        r"every (?:few|couple(?: of)?|other|\d+) (?:weeks|months)",
        r"(?:second|third|fourth|2nd|3rd|4th|5th) time",
        r"(?:snaked|cleared|cleaned|rootered|jetted)[^.]{0,40}\b(?:before|last|ago|in (?:jan|feb|mar|apr|may|jun|"
        r"jul|aug|sep|oct|nov|dec)\w*)",
        r"happened before|same (?:drain|problem|issue|line|clog)",
        r"(?:twice|three times|several times|multiple times) (?:this|in the|last)",
    ),
    "only_toilet": (
        r"only (?:one )?(?:toilet|bathroom)|(?:one|single|1) bathroom|only one toilet",
    ),
    "toilet": (r"toilet\w*|commode|wc\b",),
    "drain_fixture": (
        r"sinks?|tubs?|bathtubs?|showers?|toilets?|floor drain|main line|sewer\w*|cleanout|lav\b|urinal|"
        r"kitchen drain|bathroom drain|laundry (?:sink|tub|drain)|stand ?pipe|drains\b",
    ),
    "faucet": (
        r"faucet|tap|spout|shower ?head|shower valve|mixing valve|cartridge|spigot|hose bib\w*",
    ),
    "disposal": (r"disposal",),
    "sump": (r"sump|ejector pump|sewage pump|lift station",),
    "backflow": (
        r"backflow|rpz|reduced pressure zone|double check (?:valve|assembly)|dcva|\bpvb\b|"
        r"pressure vacuum breaker|watts 009|febco|wilkins|zurn 975",
    ),
    "gas_line": (
        r"gas (?:line|pipe|piping|stub|hook ?up|connection|supply|run|valve|cock|flex)",
        r"gas (?:to|for) (?:the |a |an |our |my )?(?:range|stove|dryer|grill|fire ?pit|generator|"
        r"fireplace|pool heater|cooktop|oven|kitchen|garage heater|heater)",
        r"run (?:a )?gas|black (?:iron )?pipe|csst|gastite|trac ?pipe",
    ),
    "gas_line_upsize": (r"upsiz\w*|bigger gas line|larger gas line|increase (?:the )?gas",),
    # ---- water heaters -------------------------------------------------------------------
    "water_heater": (
        r"water heater\w*|tankless|hot water (?:tank|system|unit)|boiler for (?:hot|domestic) water|"
        r"a\.? ?o\.? smith|bradford white|state select|navien|rinnai|noritz|takagi|rheem (?:water|\d+ ?gallon)|"
        r"rheem performance|anode|\d+ ?gallon|(?:heat pump|hybrid) water heater|indirect water heater|"
        r"expansion tank|(?:t&p|tpr|t and p|relief) valve|stiebel|ecosmart|on[ -]demand",
    ),
    "tankless": (r"tankless|navien|rinnai|noritz|takagi|on[ -]demand|ecosmart|stiebel",),
    "gas_only_tankless": (r"navien|rinnai|noritz|takagi",),
    "electric_fuel": (
        r"electric (?:water heater|tank|tankless|heater)|heating element|element\w*|stiebel|ecosmart|"
        r"heat pump water heater|hybrid water heater|\d+ ?(?:volt|v)\b",
    ),
    "gas_fuel": (
        r"\bgas\b(?! (?:company|co\b|co\.|utility|station|bill|mileage))",
        r"pilot|burner|thermocouple|thermopile|flame sensor|natural gas|propane|\blp\b|gas valve|"
        r"igniter|ignitor|ignition|flue|venting|power vent|direct vent|draft",
        # An efficiency rating in percent (AFUE) is only ever quoted for fuel-burning furnaces.
        r"\b(?:[5-9]\d)(?:\.\d)? ?%(?: afue)? (?:\w+ ){0,2}furnace|\bafue\b|condensing furnace",
    ),
    "no_hot_water": (
        r"no (?:hot|warm) water",
        r"(?:not|isnt|wont|doesnt|never|cant) (?:get|getting|have|having|make|making|produc\w*|heat\w*|stay\w*)"
        r"(?: any)? (?:hot|warm)",
        r"hot water (?:is |has )?(?:out|gone|not working|stopped|went out|ran out|runs out)",
        r"(?:luke ?warm|only warm|barely warm|cold showers?|water (?:is|goes|turns|runs) cold|runs? out (?:of hot water|fast|quick))",
        r"hot water (?:comes and goes|in and out|on and off|intermittent\w*)|intermittent hot water",
        r"(?:pilot|burner)[^.]{0,30}\b(?:out|goes out|keeps going out|wont (?:light|stay lit)|wont stay)",
        r"(?:water heater|tankless|unit|heater)[^.]{0,20}\b(?:not working|stopped working|dead|wont turn on|"
        r"quit|died|broke|out|not heating|doesnt work|isnt working|no longer working|e\d{2,3}|error)",
        r"not heating (?:el |the )?water heater",
    ),
    "tank_rupture": (
        r"ruptur\w*|tank (?:failed|blew|burst|split|gave out)|bottom (?:fell|rusted) out|"
        r"(?:water heater|tank)[^.]{0,40}\b(?:pouring|gushing|flooding|everywhere)",
    ),
    "wh_service": (
        r"flush\w*|anode|descal\w*|sediment|de-?lim\w*|maintenance|annual service|inspection",
    ),
    "wh_noise": (r"rumbl\w*|popping|pops|crackl\w*|bang\w*|knock\w*|nois\w*|sizzl\w*",),
    # ---- hvac objects -----------------------------------------------------------------------
    "furnace": (r"furnace|forced air|gas heat|gas pack|package unit|packaged unit",),
    "heat_pump": (r"heat pump(?! water)",),
    "boiler": (
        r"boiler|radiator\w*|hydronic|radiant (?:floor )?heat\w*|(?:hot water|hydronic) baseboard|"
        r"baseboard (?:hot water|hydronic)|weil-? ?mclain|burnham|buderus|viessmann|peerless|utica|"
        r"slant/fin|lochinvar|steam heat|cast iron rad\w*|zone valve|circulator",
    ),
    "ac": (
        r"\bac\b|central air|cooling system|condenser|compressor|mini split|rooftop unit|chiller|"
        r"evaporator|evaporator coil|line ?set|outdoor unit|outside unit|split system",
    ),
    "rooftop": (
        r"rooftop|on the roof|roof (?:mounted|top|access|hatch|unit|condenser)|up on the roof|"
        r"(?:condenser|unit|units) (?:is |are |sits )?on (?:the |our )?roof",
    ),
    "thermostat": (r"thermostat|nest(?! of)|ecobee|sensi|honeywell|smart stat|wifi stat|\bstat\b",),
    "hvac_generic": (
        r"hvac|heating|vents?|ducts?|ductwork|blower|air handler|air filter|filters?|coil|"
        r"economizer|damper|heat\b|air conditioning|cooling",
        _HVAC_BRANDS,
    ),
    "space_heat": (r"heat(?:er)?\b|heating|warm",),
    # ---- hvac conditions --------------------------------------------------------------------
    "no_heat": (
        r"no (?:heat|heating)\b",
        r"(?:not|isnt|wont|doesnt|never|stopped|quit|cant|wasnt|arent) (?:\w+ )?(?:heat|heating|warm(?:ing)? up|"
        r"warm the house|getting warm|put(?:ting)? out heat|blowing (?:hot|warm)(?: air)?)\b",
        r"heat(?:ing)? (?:is |has |went |has gone )?(?:not working|out|dead|down|stopped|quit|off|gone|broke)",
        r"(?:blowing|blows|blew|coming out|air is|vents are|air from the vents is)\s(?:\w+\s)?(?:cold|cool|lukewarm|"
        r"luke warm|room temp\w*|not hot)",
        r"cold air (?:from|out of|coming)",
        r"(?:house|home|apartment|inside|place|it|rooms?|upstairs|downstairs|office|building) (?:is |are |gets |getting |feels? )?"
        r"(?:really |very |so |super |pretty |a bit |kinda |kind of |a little )?(?:cold|freezing|chilly|frigid|"
        r"an icebox|ice cold)",
        r"(?:cant|wont|not|doesnt|isnt|unable to) keep(?:ing)? (?:up|the house warm|warm|temp\w*)",
        r"barely warm|lukewarm|luke warm|not (?:getting|staying) warm|not warm enough|not very warm",
        r"radiator\w* (?:are |is )?(?:cold|barely|not|only|lukewarm)",
        r"(?:furnace|boiler|heat pump|heater|heat)[^.]{0,25}\b(?:is |has )?(?:out|dead|down|not working|stopped working|"
        r"wont (?:turn|come|start|kick|fire|light|ignite|run)|not (?:turning|coming|kicking|firing|starting|running)|"
        r"keeps (?:shutting|turning|cutting) off|quit|broke|died|failed|locked out|lock ?out|doesnt work|isnt working|"
        r"no longer works)",
        r"not heating",
        r"(?:heating|heat) (?:setpoint|set point) not (?:reached|met|achieved)",
        r"(?:unable|failed|failure) to (?:reach|maintain|meet) (?:heating )?setpoint",
    ),
    "no_cool": (
        r"no (?:ac|cool|cooling|cold air|air conditioning)\b",
        r"(?:not|isnt|wont|doesnt|never|stopped|quit|cant|wasnt|arent) (?:\w+ )?(?:cool|cooling|blowing cold|"
        r"getting cold|cold air)\b",
        r"(?:blowing|blows|blew|coming out|air is|vents are)\s(?:\w+\s)?(?:warm|hot|room temp\w*|not cold|humid)",
        r"warm air|hot air",
        r"ac (?:is |has )?(?:not working|out|dead|down|stopped|quit|broke|died|failed|off|completely dead|"
        r"wont (?:turn|come|start|kick|run)|not (?:turning|coming|kicking|starting|running)|doesnt work|isnt working)",
        r"(?:ac|cooling|air)[^.]{0,25}\b(?:not working|stopped working|wont (?:turn|come|start|kick)|died|quit)",
        r"wont get (?:below|under|down)|(?:cant|wont|not|doesnt|unable to) keep(?:ing)? (?:up|the house cool|cool|temp)",
        r"(?:house|home|apartment|inside|place|it|upstairs|downstairs|bedrooms?|office|building|store) "
        r"(?:is |are |gets |getting |feels? )?(?:really |very |so |super |pretty )?(?:hot|an oven|sweltering|"
        r"boiling|stuffy|warm)",
        r"not cooling",
        r"(?:cooling|cool) (?:setpoint|set point) not (?:reached|met|achieved)",
    ),
    "setpoint_not_reached": (
        r"setpoint not (?:reached|met|achieved|satisfied)|(?:unable|failed|failure|cannot|cant) (?:to )?"
        r"(?:reach|maintain|meet|satisfy) (?:the )?setpoint|not (?:reaching|meeting|holding) (?:the )?setpoint",
    ),
    "unit_dead": (
        r"(?:not working|dead|wont (?:turn|come|start|kick|run)|not (?:turning|coming|kicking|starting|running)|"
        r"stopped working|quit|died|broke|doesnt work|isnt working|no longer works|not blowing|wont blow|"
        r"nothing (?:comes|coming) out)",
    ),
    "iced": (
        r"iced|ice (?:on|build|up|all over)|icing|frozen|freez\w* up|froze|covered in ice|block of ice",
    ),
    "noise": (
        r"nois\w*|squeal\w*|squeak\w*|rattl\w*|bang\w*|grind\w*|humm\w*|buzz\w*|screech\w*|clank\w*|"
        r"whistl\w*|thump\w*|vibrat\w*|loud|knock\w*|clicking",
    ),
    "short_cycle": (
        r"short[- ]?cycl\w*|turns? on and off|cycl\w* on and off|on and off every|"
        r"(?:comes|turns|kicks|starts) on[^.]{0,40}\b(?:shuts|turns|cuts|goes) (?:back )?off",
    ),
    "condensate": (
        r"condensate|drain (?:line|pan)|float switch|safety switch|overflow (?:pan|switch)|pan is full|"
        r"(?:ac|air handler|furnace|unit|indoor unit|mini split|coil)[^.]{0,30}\b(?:leak\w*|drip\w*|water)",
        r"water[^.]{0,40}\b(?:from|out of|under|around|near) (?:the )?(?:ac|air handler|furnace|indoor unit|"
        r"mini split|attic unit|hvac)",
    ),
    "fault_stop": (
        r"lock ?out|locked out|fail\w*|tripped|trip\b|high (?:head )?pressure|low pressure|flame (?:fail|loss)|"
        r"ignition (?:fail|lockout)|shut ?down|offline|off line|not running|wont run|compressor (?:off|down)|"
        r"limit (?:trip|open)|(?:fan|blower|motor) (?:failure|fault|failed|down|not running)",
    ),
    "fault_any": (
        r"alarm|alert|fault|error|code\b|code [a-z]?\d|\be\d{1,3}\b|\bf\d{1,2}\b|warning",
    ),
    "advisory": (
        r"(?:filter|maintenance|service) (?:due|reminder|change due)|advisory|dirty filter|economizer|"
        r"runtime|informational|(?:unit|system|compressor) (?:still |is still )?(?:running|operating|cooling|heating)|"
        r"still (?:running|operating|cooling|heating)|low battery|battery low|wifi (?:lost|offline|disconnected)|"
        r"communication (?:lost|fault)",
    ),
    "works_fine": (
        r"(?:still|is|are) (?:working|cooling|heating|running)(?: fine| ok| okay| well| good)?|works fine|"
        r"(?:heat|ac|cooling|it|unit|system|heater|house) (?:works|working|is fine|is ok|is warm|stays warm)|"
        r"(?:heats|cools) fine|no problems with it|nothing wrong|works (?:great|ok|okay)|functioning|"
        r"house is (?:warm|comfortable|cool|fine)|(?:blowing|blows) (?:cold|warm|hot) fine",
    ),
    "maintenance": (
        r"tune[- ]?ups?|maintenance|service (?:agreement|plan|contract)|annual (?:service|check|inspection|cleaning|"
        r"visit)|seasonal (?:service|check|maintenance|visit)|check[- ]?up|inspection|clean(?:ing)?\b|"
        r"filter (?:change|replacement|swap)|precision|membership|comfort club|coil (?:rinse|cleaning|clean)|"
        r"safety check|start[- ]?up|quarterly|semi-?annual|biannual|bi-annual|pre-?season|agreement|club|plan visit",
    ),
    "equipment_install": (
        r"(?:install\w*|replac\w*|change[- ]?out|swap\w*|put in|new)\s(?:[\w%-]+\s){0,4}(?:furnace|ac|heat pump|"
        r"system|boiler|mini split|rooftop unit|air handler|package unit|gas pack|heating system|cooling system|"
        r"equipment|central air|unit)s?\b",
        r"(?:furnace|ac|heat pump|system|boiler|mini split|rooftop unit|air handler|package unit|central air)s? "
        r"(?:install\w*|replacement|change[- ]?out|swap)",
    ),
    "wh_install": (
        r"(?:install\w*|replac\w*|change[- ]?out|swap\w*|put in|new)\s(?:[\w%-]+\s){0,5}(?:water heater|tankless|"
        r"tank)\b",
        r"(?:water heater|tankless|tank) (?:install\w*|replacement|change[- ]?out|swap)",
        r"convert\w* to (?:a )?tankless",
    ),
    "install": (
        r"install\w*|replac\w*|change[- ]?out|swap\w*|put in|new (?:system|unit|furnace|ac|heat pump|water heater|"
        r"panel|boiler|tankless|condenser|air handler|mini split|rooftop unit|toilet|faucet|outlet|fixture|"
        r"circuit|charger)|upgrad\w*|add (?:a|an|another|new)|hook ?up|mount\w*|hang\w*|\brun (?:a|new)",
    ),
    "agreed": (
        r"accepted|approved|go ahead|green light|signed|per (?:the |our |your )?(?:quote|estimate|proposal|bid|contract)|"
        r"quote (?:#|number|no\b)|(?:quote|estimate|proposal|job|invoice) ?#? ?[a-z]{0,2}-?\d{2,}|deposit|"
        r"we (?:approved|accepted|agreed)|sold|contract|permit (?:is |was |has been )?(?:approved|pulled|issued)|"
        r"please schedule|schedule (?:the|our|my) (?:install|replacement|change)|ready to (?:schedule|go)|"
        r"decided to (?:go|replace|install)|want(?:s|ed)? (?:to )?(?:go ahead|move forward)|move forward",
    ),
    "estimate_request": (
        r"quotes?|estimates?|pricing|price|prices|bid|proposal|how much|ballpark|cost of|"
        r"consultation|options (?:and|for)|free estimate|what (?:would|will|does) it (?:cost|run)|cost to|costs? for",
    ),
    "not_estimate": (
        r"(?:accepted|approved|signed|per|go ahead with|went with|agreed to) (?:the |our |your |a |with the )?"
        r"(?:quote|estimate|proposal|bid)|(?:quote|estimate|proposal|bid)[^.]{0,15}\b(?:accepted|approved|signed)|"
        r"estimator (?:said|told|says|found|recommended)|(?:quote|estimate) (?:#|number|no\b)|"
        r"(?:quote|estimate|e|q)-\d",
    ),
    "refrigerant_strong": (
        r"leak (?:search|check|test|detection|repair|hunt)",
        r"refrigerant (?:leak\w*|loss|losing)",
        r"leak\w* (?:in|on|at) (?:the )?(?:coil|evaporator|condenser|line ?set|system|refrigerant|txv|"
        r"service valve|schrader)",
        r"(?:re)?charg(?:e|ed|ing) (?:the |it |again|twice)|recharg\w*|top(?:ped|ping)? (?:it )?(?:off|up)|"
        r"add(?:ed|ing)? refrigerant|refill\w*|more refrigerant",
        r"low (?:on )?(?:refrigerant|charge)|(?:refrigerant|charge) (?:is |was )?low|undercharged",
        r"refrigerant[^.]{0,20}\bagain|(?:again|twice|every (?:year|summer))[^.]{0,20}\brefrigerant",
        r"dye test|nitrogen (?:test|pressure)|pressure test|formicary",
    ),
    "diagnosed": (
        r"(?:tech|technician|your guy|the guy|he|they|previous company|other company|last company|someone)\w* "
        r"(?:was out|came out|said|found|told|diagnosed|determined|confirmed|thinks|recommended|noted|says)",
        r"diagnos\w*|was (?:found|told)|found (?:a |the )?leak|last (?:visit|time|service|summer|year)|"
        r"recommended|determined|confirmed|again|twice|already (?:been )?(?:recharged|charged|topped)|previous\w*",
    ),
    "guess": (
        r"maybe|might|probably|i think|guess\w*|could be|wonder\w*|possibly|perhaps|not sure|suspect\w*|"
        r"assum\w*|thinks? it",
    ),
    "component_replace": (
        r"(?:replac\w*|new|swap\w*|change\w*|install\w*)\s(?:\w+\s){0,3}(?:compressor|condenser coil|evaporator coil|"
        r"coil|txv|expansion valve|reversing valve|line ?set|metering device|accumulator|filter drier)",
        r"(?:compressor|coil|txv|expansion valve|reversing valve|line ?set)s? (?:replac\w*|swap|change\w*|"
        r"install\w*|job|is bad|is shot|went out|failed|died)",
    ),
    # ---- electrical ----------------------------------------------------------------------------
    "electrical": (
        r"electric\w*|panel|breaker\w*|outlet\w*|receptacle\w*|switch\w*|lights?\b|lighting|fixtures?|fan\b|fans\b|"
        r"wiring|wire\w*|circuit\w*|volt\w*|\bamps?\b|\d+ ?a\b|\d+ ?amp\w*|square d|eaton|siemens|cutler[- ]hammer|"
        r"zinsco|federal pacific|generator|transfer switch|sub-? ?panel|meter|smoke (?:detector|alarm)s?|dimmer|"
        r"recessed|can lights|chandelier|sconce|doorbell|gfci outlet|afci|surge|electrician|plugs?\b|power\b|"
        r"luz|junction box|ceiling fan",
    ),
    "ev": (
        r"ev charger|wall connector|chargepoint|juicebox|juice box|emporia|grizzl-?e|wallbox|clipper creek|"
        r"level 2|level ii|nema 14-50|14-50|\bev\b|electric (?:car|vehicle|truck)|tesla|model [3ysx]\b|ioniq|rivian|"
        r"lightning|mach-?e|bolt ev|chevy bolt|nissan leaf|id\.?4|plug-?in hybrid|polestar|lucid|kia ev\d|"
        r"charger for (?:my|our|the) (?:car|truck|vehicle)",
    ),
    "panel_upgrade": (
        r"(?:panel|service) (?:upgrade|replacement|change|swap|change ?out)",
        r"(?:upgrade|replac\w*|swap\w*|change) (?:out )?(?:the |my |our |an |a |old )?(?:old )?(?:main )?"
        r"(?:electrical |breaker |fuse )?(?:panel|service|fuse box)",
        r"upgrad\w* (?:\w+ ){0,3}to \d+ ?(?:a|amps?)\b|\d+ ?(?:a|amps?) (?:to|->) \d+ ?(?:a|amps?)?",
        r"\d+ ?(?:amp|a) (?:panel|service)[^.]{0,30}\b(?:upgrad\w*|to \d+)",
        r"meter (?:move|relocat\w*|base|socket replac\w*)|(?:move|relocat\w*) (?:the )?meter|heavy[- ]up",
        r"(?:federal pacific|zinsco|challenger|stab-?lok|pushmatic)[^.]{0,60}\b(?:replac\w*|upgrad\w*|swap|change|"
        r"insurance)|(?:replac\w*|upgrad\w*|swap|change)[^.]{0,40}\b(?:federal pacific|zinsco|challenger|stab-?lok|"
        r"pushmatic)",
        r"new (?:main )?panel|new service|sub-? ?panel|service entrance|service drop|underground service",
    ),
    "no_power": (
        r"no (?:power|electricity|lights)\b",
        r"(?:lost|losing|lose|without) (?:all )?(?:power|electricity)",
        r"power (?:is |went |has gone |keeps going )?(?:out|off|down)",
        r"(?:outlets|plugs|circuits?|lights|receptacles|half|rooms?)\w*[^.]{0,30}\b(?:are |is )?(?:dead|not working|out|"
        r"stopped working|went out|have no power|lost power)",
        r"dead (?:outlets|plugs|circuits?|room|rooms)",
        r"half (?:the|of the|of my|of our) (?:house|home)",
        r"wont (?:stay on|reset|stay reset|hold)|(?:keeps|keep|constantly) trip\w*|trips (?:immediately|right away|"
        r"every time|instantly)|won?t turn back on",
        r"nothing (?:works|turns on|has power)|lights went out|power loss|power outage|lost (?:half|part)",
        r"gfci outlet\w*[^.]{0,40}\b(?:wont|doesnt|will not|not) (?:reset|work|come back)",
        r"(?:reset|pushed|pressed|tried)[^.]{0,30}\bgfci[^.]{0,40}\b(?:nothing|no luck|still|dead|didnt)",
    ),
    "single_device": (
        r"(?:one|an|a|the|single) (?:outlet|switch|light|fixture|plug|receptacle)(?! and)",
    ),
    "fixture_words": (
        r"outlet\w*|receptacle\w*|switch\w*|light\w*|fixture\w*|ceiling fan\w*|fans?\b|smoke (?:detector|alarm)s?|"
        r"carbon monoxide alarm|dimmer\w*|recessed|can lights|chandelier|sconce|doorbell|gfci outlet|usb|"
        r"(?:new|dedicated|20 ?a|20 ?amp|240 ?v?|220 ?v?) circuit|circuit for|exhaust fan|bath fan|landscape|"
        r"under ?cabinet|pendant|track light|motion|flood ?light|sign|floodlight|wiring|rewire",
    ),
    "second_storey_exterior": (
        r"(?:2nd|second|third|3rd) (?:floor|story|storey|level)[^.]{0,60}\b(?:outside|exterior|above|over|eave|soffit|"
        r"garage|porch|deck|balcony|flood|sign|roof)",
        r"(?:outside|exterior|eave|soffit|gable|flood ?light|floodlight|sign)[^.]{0,60}\b(?:2nd|second|third|3rd) "
        r"(?:floor|story|storey|level)",
        r"(?:pretty |really |very |way )?high up|tall ladder|(?:28|24|32|extension) ?(?:ft|foot|feet)? ladder|"
        r"two[- ]stor(?:y|ey)|2[- ]stor(?:y|ey)|building sign|sign on the building|roof ?line|peak of the",
    ),
    # ---- appliances and refrigeration ----------------------------------------------------------
    "appliance": (
        r"fridge|freezer|washer|dryer|dishwasher|oven|range\b|stove|cooktop|microwave|ice ?maker|wine (?:cooler|fridge)|"
        r"beverage (?:fridge|center)|trash compactor|range hood|stovetop|chest freezer|upright freezer|kegerator",
        _APPLIANCE_BRANDS,
    ),
    "home_cold": (r"fridge|freezer|ice ?maker|wine (?:cooler|fridge)|kegerator|beverage fridge",),
    "walk_in": (
        r"walk[- ]?in(?: (?:cooler|freezer|box|refrigerator))?|reach[- ]?in|prep (?:table|unit|cooler)|sandwich (?:prep|unit)|"
        r"pizza prep|bar cooler|beer cooler|back ?bar|keg cooler|display case|merchandiser|deli case|"
        r"meat case|produce case|ice machine|blast chiller|glass door (?:cooler|freezer|merchandiser)|"
        r"kolpak|hoshizaki|manitowoc|scotsman|traulsen|beverage[- ]air|turbo air|norlake|heatcraft|master-?bilt|"
        r"delfield|bohn|true (?:t|gdm|tssu|tuc|refrigerat|freezer|cooler|reach)|hussmann|hill phoenix|"
        r"undercounter (?:cooler|freezer|refrigerator)|lowboy|cooler box|freezer box|rack system|compressor rack",
    ),
    "cold_warm": (
        r"warm|not cold|not (?:cooling|holding|keeping|staying cold)|not cold enough|high temp\w*|"
        r"above (?:setpoint|threshold|temp\w*)|temp\w* (?:rising|climbing|going up|up to)|losing temp\w*|"
        r"thaw\w*|melting|defrost\w*|(?:\d+) and rising|rising|climbing|over temp|out of range",
    ),
    "cold_holding": (
        r"holding|still (?:cold|cooling|at|holding|keeping|frozen)|keeping temp\w*|temp\w* (?:is )?(?:fine|ok|good|normal|"
        r"holding)|stays? cold",
    ),
    "product_moved": (
        r"moved (?:all |everything|the |our |it |product|food|stuff)|emptied|transferred|relocated|took (?:everything|it all|"
        r"all the (?:food|product)) out|no product|(?:is|box is) empty|nothing (?:in|inside)|not perishable|"
        r"only (?:drinks|beverages|soda|water|canned|bottled)|(?:put|moved) (?:it|everything|product|food|stuff) "
        r"(?:in|into|to)|(?:into|in) the (?:walk[- ]?in|other)|nothing perishable|empty",
    ),
    "product_present": (
        r"full of|product|food|inventory|stock|meat|seafood|fish|produce|dairy|perishable|ice cream|chicken|"
        r"beef|milk|cheese|frozen goods|groceries|\$\d+",
    ),
    "business": (
        r"restaurant|store|shop|grocery|market|cafe|diner|bar\b|kitchen line|taqueria|pizzeria|deli|bakery|"
        r"hotel|school|church|office|warehouse|site:|store #|unit #|tenant|building|facility|clinic",
    ),
}

NEGATABLE: frozenset[str] = frozenset(
    {
        "gas_odour",
        "co_alarm",
        "sparking",
        "smoke",
        "burning_smell",
        "hot_electrical",
        "water_in_electrical",
        "sewage_up",
        "burst",
        "leak",
        "water_stopped",
        "clog",
        "contained",
        "recurring",
        "noise",
        "tank_rupture",
        "product_moved",
        "product_present",
        "iced",
        "no_power",
    }
)
