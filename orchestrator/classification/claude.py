"""The Claude engine: forced tool use whose input schema is the classification.

The model sees the taxonomy, the labelling policy and the customer's history, and must answer by
calling one tool whose input schema enumerates every identifier. Its answer is validated against
the taxonomy; the hard safety rules then run on it exactly as on the offline engine's answer.

On a timeout, an API error, a missing key or an answer that fails validation, the engine falls
back to the offline engine and records why in `fallback`. Good answers are cached by the hash of
the ticket's content (plus model and prompt version), so re-running a ticket makes no call.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from orchestrator.classification.cache import ClassificationCache, MemoryCache, cache_key
from orchestrator.classification.errors import EngineError
from orchestrator.classification.offline import classify_offline
from orchestrator.classification.result import FIELDS, TicketClassification
from orchestrator.classification.safety import apply_safety
from orchestrator.classification.taxonomy import Taxonomy, default_taxonomy
from orchestrator.classification.ticket import Ticket

if TYPE_CHECKING:
    import anthropic

__all__ = ["PROMPT_VERSION", "TOOL_NAME", "ClaudeEngine", "ClaudeParams", "tool_schema"]

PROMPT_VERSION = "2"
TOOL_NAME = "record_classification"
API_KEY_ENV = "ANTHROPIC_API_KEY"

_POLICY = """\
You classify field-service tickets for a contractor's dispatch system. Answer only by calling the
tool. Rules:
- One primary job per ticket: the most urgent problem, else the customer's main complaint.
- Hazards win: any gas odour/leak/detector alarm is plumbing.gas_leak; sparking, smoke, burning
  smell, hot/buzzing panel or water in electrical equipment is electrical.hazard; a sounding CO
  alarm is hvac.repair. A ticket that rules out gas odour is not a gas leak.
- Tone never decides urgency. emergency: gas; CO alarm; electrical hazard; water flowing
  uncontrolled; sewage coming up inside; no heat below 40 F outdoors; no heat with an elderly,
  infant or medical-equipment occupant in November-March; no cooling above 95 F with such an
  occupant; commercial cold storage above its safe temperature with product inside.
  same_day: no heat/cooling, contained active leak, no hot water, only toilet or main line blocked,
  power loss, home fridge not cooling, equipment faulted or locked out. scheduled: the rest.
- general.estimate when the customer asks for a price rather than the work (hazards still win).
- Skills: epa_608 for refrigerant circuit work and all commercial refrigeration; gas_fitter only
  when gas is visible in the text (gas leaks, gas lines, gas water heaters, gas furnace/boiler
  installs); journeyman_electrician for electrical work except panel/service changes
  (master_electrician); ev_charger for EV chargers; boiler for boiler/hydronic; tankless for
  tankless heaters; backflow for backflow assemblies. Estimates and appliances need none.
- Equipment: drain_machine for clogs and sewer backups; camera_inspection for sewer backups,
  main-line/multi-fixture or recurring clogs; recovery_machine + vacuum_pump when the refrigerant
  circuit is opened; ladder_28ft for roof or second-storey exterior work; pipe_threader for gas
  pipe work. Estimates carry none.
- Give a short reason for each field, quoting the words of the ticket that decided it.
"""


@dataclass(frozen=True)
class ClaudeParams:
    """How to call the model; the orchestrator fills these from `classification.*` settings.

    Attributes:
        model: the model name, e.g. `claude-sonnet-4-5`.
        timeout_s: per-request timeout in seconds (the SDK default of 600 s is far too long).
        max_retries: SDK retries on 408/409/429/5xx and connection errors.
        base_url: the API's base URL; None for the SDK default (tests point it at a fake).
        max_tokens: cap on the reply.
    """

    model: str = "claude-sonnet-4-5"
    timeout_s: float = 20.0
    max_retries: int = 2
    base_url: str | None = None
    max_tokens: int = 1024

    def __post_init__(self) -> None:
        if not self.model.strip():
            raise ValueError("model must not be blank")
        if self.timeout_s <= 0:
            raise ValueError(f"timeout_s must be positive, got {self.timeout_s}")
        if self.max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {self.max_retries}")
        if self.max_tokens < 64:
            raise ValueError(f"max_tokens must be at least 64, got {self.max_tokens}")


def tool_schema(taxonomy: Taxonomy) -> dict[str, Any]:
    """The tool whose input is the classification, every identifier an enum."""
    reasons = {name: {"type": "array", "items": {"type": "string"}} for name in FIELDS}
    return {
        "name": TOOL_NAME,
        "description": "Record the classification of the ticket.",
        "input_schema": {
            "type": "object",
            "properties": {
                "trade": {"type": "string", "enum": sorted(taxonomy.trades)},
                "job_type": {"type": "string", "enum": sorted(taxonomy.all_job_types)},
                "urgency": {"type": "string", "enum": list(taxonomy.urgencies)},
                "skills": {
                    "type": "array",
                    "items": {"type": "string", "enum": sorted(taxonomy.skills)},
                },
                "equipment": {
                    "type": "array",
                    "items": {"type": "string", "enum": sorted(taxonomy.equipment)},
                },
                "complexity": {"type": "integer", "enum": [1, 2, 3]},
                "confidence": {"type": "number"},
                "safety_escalation": {"type": "boolean"},
                "reasons": {
                    "type": "object",
                    "properties": reasons,
                    "additionalProperties": False,
                },
            },
            "required": [
                "trade",
                "job_type",
                "urgency",
                "skills",
                "equipment",
                "complexity",
                "confidence",
                "reasons",
            ],
            "additionalProperties": False,
        },
    }


def _system_prompt(taxonomy: Taxonomy) -> str:
    lines = [_POLICY, "Taxonomy:"]
    for trade, types in taxonomy.job_types.items():
        lines.append(f"- {trade}: {', '.join(types)}")
    lines.append(f"- any trade: {', '.join(taxonomy.any_trade)}")
    lines.append(f"Skills: {', '.join(sorted(taxonomy.skills))}")
    lines.append(f"Equipment: {', '.join(sorted(taxonomy.equipment))}")
    return "\n".join(lines)


def _user_message(ticket: Ticket) -> str:
    payload = {
        "summary": ticket.summary,
        "description": ticket.description,
        "source": ticket.source,
        "customer": {
            "flags": sorted(ticket.flags),
            "is_repeat": ticket.is_repeat,
            "previous_job_types": list(ticket.previous_job_types),
            "has_preferred_tech": ticket.preferred_tech is not None,
            "property_type": ticket.property_type,
        },
        "context": {"outdoor_temp_f": ticket.outdoor_temp_f, "month": ticket.month},
    }
    return "Classify this ticket:\n" + json.dumps(payload, ensure_ascii=False)


def _str_list(value: Any, name: str) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise EngineError("invalid_tool_input", f"{name} must be a list of strings")
    return frozenset(value)


def parse_tool_input(data: Any, taxonomy: Taxonomy) -> TicketClassification:
    """Validate the model's tool input against the taxonomy and ranges.

    Raises:
        EngineError: reason `invalid_tool_input`, with the first problem as detail.
    """
    if not isinstance(data, Mapping):
        raise EngineError("invalid_tool_input", "tool input is not an object")
    for key in ("trade", "job_type", "urgency"):
        if not isinstance(data.get(key), str):
            raise EngineError("invalid_tool_input", f"{key} missing or not a string")
    skills = _str_list(data.get("skills"), "skills")
    equipment = _str_list(data.get("equipment"), "equipment")
    problems = taxonomy.check(
        trade=data["trade"],
        job_type=data["job_type"],
        skills=skills,
        equipment=equipment,
        urgency=data["urgency"],
    )
    if problems:
        raise EngineError("invalid_tool_input", problems[0])
    complexity = data.get("complexity")
    if not isinstance(complexity, int) or isinstance(complexity, bool) or not 1 <= complexity <= 3:
        raise EngineError("invalid_tool_input", f"complexity {complexity!r} is not 1, 2 or 3")
    confidence = data.get("confidence")
    if (
        not isinstance(confidence, int | float)
        or isinstance(confidence, bool)
        or not 0 <= confidence <= 1
    ):
        raise EngineError("invalid_tool_input", f"confidence {confidence!r} is not between 0 and 1")
    raw_reasons = data.get("reasons") or {}
    if not isinstance(raw_reasons, Mapping):
        raise EngineError("invalid_tool_input", "reasons must be an object")
    reasons: dict[str, tuple[str, ...]] = {}
    for name, value in raw_reasons.items():
        if name not in FIELDS:
            raise EngineError("invalid_tool_input", f"reasons has unknown field {name!r}")
        reasons[name] = tuple(_str_list(value, f"reasons.{name}"))
    return TicketClassification(
        trade=data["trade"],
        job_type=data["job_type"],
        urgency=data["urgency"],
        skills=skills,
        equipment=equipment,
        complexity=complexity,
        confidence=float(confidence),
        reasons=reasons,
        engine="claude",
        safety_escalation=bool(data.get("safety_escalation", False)),
    )


class ClaudeEngine:
    """Classify tickets with Claude, falling back to the offline engine.

    Args:
        params: model, timeout, retries and base URL.
        api_key: the key; read from `ANTHROPIC_API_KEY` when not given. Without one every ticket
            falls back to the offline engine with reason `no_api_key`.
        client: an `anthropic.Anthropic` to use instead of building one (tests, shared pools).
        cache: where good answers are kept; an in-memory cache by default.
        taxonomy: identifiers the model may use.
    """

    def __init__(
        self,
        params: ClaudeParams,
        *,
        api_key: str | None = None,
        client: anthropic.Anthropic | None = None,
        cache: ClassificationCache | None = None,
        taxonomy: Taxonomy | None = None,
    ) -> None:
        self.params = params
        self.taxonomy = taxonomy or default_taxonomy()
        self.cache: ClassificationCache = cache if cache is not None else MemoryCache()
        self._tool = tool_schema(self.taxonomy)
        self._system = _system_prompt(self.taxonomy)
        key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
        self._client = client
        if self._client is None and key:
            import anthropic

            self._client = anthropic.Anthropic(
                api_key=key,
                base_url=params.base_url,
                timeout=params.timeout_s,
                max_retries=params.max_retries,
            )
        self.calls = 0

    def _ask(self, ticket: Ticket) -> TicketClassification:
        import anthropic

        if self._client is None:
            raise EngineError("no_api_key", f"{API_KEY_ENV} is not set")
        self.calls += 1
        try:
            # The SDK's overloads want its TypedDicts; our dicts match the wire format exactly.
            create: Any = self._client.messages.create
            message = create(
                model=self.params.model,
                max_tokens=self.params.max_tokens,
                system=[
                    {"type": "text", "text": self._system, "cache_control": {"type": "ephemeral"}}
                ],
                messages=[{"role": "user", "content": _user_message(ticket)}],
                tools=[self._tool],
                tool_choice={"type": "tool", "name": TOOL_NAME},
            )
        except anthropic.APITimeoutError as exc:
            raise EngineError("timeout", f"no answer within {self.params.timeout_s:g} s") from exc
        except anthropic.APIConnectionError as exc:
            raise EngineError("connection_error", type(exc).__name__) from exc
        except anthropic.APIStatusError as exc:
            raise EngineError("api_error", f"HTTP {exc.status_code} {type(exc).__name__}") from exc
        blocks = [b for b in message.content if getattr(b, "type", None) == "tool_use"]
        chosen = [b for b in blocks if getattr(b, "name", None) == TOOL_NAME]
        if not chosen:
            raise EngineError("invalid_tool_input", f"no {TOOL_NAME} tool call in the reply")
        result = parse_tool_input(getattr(chosen[0], "input", None), self.taxonomy)
        reasons = {k: tuple(v) for k, v in result.reasons.items()}
        reasons["engine"] = (f"{self.params.model}, prompt v{PROMPT_VERSION}",)
        return replace(result, reasons=reasons)

    def classify(self, ticket: Ticket) -> TicketClassification:
        """The model's answer with the safety rules applied, or the offline one on failure."""
        key = cache_key(
            ticket.content_hash(), model=self.params.model, prompt_version=PROMPT_VERSION
        )
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        try:
            answer = self._ask(ticket)
        except EngineError as exc:
            fallback = classify_offline(ticket, taxonomy=self.taxonomy)
            return fallback.with_reason("engine", f"claude failed: {exc}", fallback=exc.reason)
        result = apply_safety(ticket, answer)
        self.cache.put(key, result)
        return result
