"""Choosing and building an engine from the settings' `classification` section."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from orchestrator.classification.cache import ClassificationCache
from orchestrator.classification.claude import ClaudeEngine, ClaudeParams
from orchestrator.classification.offline import classify_offline
from orchestrator.classification.result import TicketClassification
from orchestrator.classification.taxonomy import Taxonomy
from orchestrator.classification.ticket import Ticket

if TYPE_CHECKING:
    from orchestrator.settings import ClassificationSettings

__all__ = ["Classifier", "build_classifier", "claude_params"]

Classifier = Callable[[Ticket], TicketClassification]

ENGINES = ("offline", "claude")


def claude_params(section: ClassificationSettings, *, base_url: str | None = None) -> ClaudeParams:
    """Model, timeout and retries from `classification.claude_model/timeout_s/max_retries`."""
    return ClaudeParams(
        model=section.claude_model,
        timeout_s=section.timeout_s,
        max_retries=section.max_retries,
        base_url=base_url,
    )


def build_classifier(
    section: ClassificationSettings,
    *,
    engine: str | None = None,
    base_url: str | None = None,
    cache: ClassificationCache | None = None,
    taxonomy: Taxonomy | None = None,
) -> Classifier:
    """A function classifying one ticket with the chosen engine (default: the settings' engine).

    Raises:
        ValueError: the engine name is unknown.
        TaxonomyError: the configured taxonomy extension file is invalid.
    """
    chosen = engine or section.engine
    if chosen not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {chosen!r}")
    taxonomy = taxonomy or section.taxonomy()
    if chosen == "offline":
        return lambda ticket: classify_offline(ticket, taxonomy=taxonomy)
    return ClaudeEngine(
        claude_params(section, base_url=base_url), cache=cache, taxonomy=taxonomy
    ).classify
