"""Ticket classification: offline rules, a Claude engine, safety rules, overrides, evaluation."""

from orchestrator.classification.cache import FileCache, MemoryCache, cache_key
from orchestrator.classification.claude import ClaudeEngine, ClaudeParams, tool_schema
from orchestrator.classification.errors import (
    ClassificationError,
    EngineError,
    OverrideError,
    TaxonomyError,
    TicketError,
)
from orchestrator.classification.eval import EvalReport, LabeledTicket, evaluate, load_labeled
from orchestrator.classification.offline import classify_offline
from orchestrator.classification.override import apply_override
from orchestrator.classification.result import TicketClassification
from orchestrator.classification.safety import SafetyFinding, apply_safety, safety_findings
from orchestrator.classification.taxonomy import Taxonomy, default_taxonomy, load_taxonomy
from orchestrator.classification.ticket import Ticket, ticket_from_row

__all__ = [
    "ClassificationError",
    "ClaudeEngine",
    "ClaudeParams",
    "EngineError",
    "EvalReport",
    "FileCache",
    "LabeledTicket",
    "MemoryCache",
    "OverrideError",
    "SafetyFinding",
    "Taxonomy",
    "TaxonomyError",
    "Ticket",
    "TicketClassification",
    "TicketError",
    "apply_override",
    "apply_safety",
    "cache_key",
    "classify_offline",
    "default_taxonomy",
    "evaluate",
    "load_labeled",
    "load_taxonomy",
    "safety_findings",
    "ticket_from_row",
    "tool_schema",
]
