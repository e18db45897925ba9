"""The offline engine: no key, no network; lexicon, labelling rules, then the safety rules."""

from __future__ import annotations

from orchestrator.classification.errors import ClassificationError
from orchestrator.classification.result import TicketClassification
from orchestrator.classification.safety import apply_safety
from orchestrator.classification.scoring import choose_job
from orchestrator.classification.signals import Signals, read_signals
from orchestrator.classification.skills import required_equipment, required_skills
from orchestrator.classification.taxonomy import Taxonomy, default_taxonomy
from orchestrator.classification.ticket import Ticket
from orchestrator.classification.urgency import base_urgency

__all__ = ["classify_offline"]

_LONG_JOBS = frozenset(
    {
        "hvac.install",
        "plumbing.water_heater_install",
        "electrical.panel_upgrade",
        "plumbing.sewer_backup",
        "hvac.refrigerant_leak",
        "plumbing.burst_pipe",
    }
)
_SHORT_JOBS = frozenset(
    {"general.estimate", "hvac.maintenance", "hvac.thermostat", "electrical.outlet_fixture"}
)


def _complexity(
    sig: Signals, job_type: str, skills: frozenset[str], equipment: frozenset[str]
) -> tuple[int, str]:
    if job_type in _LONG_JOBS or len(equipment) >= 2:
        return 3, "install, service change, or work needing several pieces of equipment"
    if job_type in _SHORT_JOBS and not skills - {"journeyman_electrician"}:
        return 1, "routine visit"
    return 2, "diagnosis and repair"


def classify_offline(
    ticket: Ticket, *, taxonomy: Taxonomy | None = None, signals: Signals | None = None
) -> TicketClassification:
    """Classify one ticket with the offline rules, safety rules included.

    Args:
        ticket: the ticket to classify.
        taxonomy: identifiers the result must use (default: DESIGN.md's taxonomy).
        signals: the ticket's signals when the caller already read them.

    Returns:
        The classification, every field with its reasons.
    """
    taxonomy = taxonomy or default_taxonomy()
    sig = signals or read_signals(ticket.summary, ticket.description)
    choice = choose_job(ticket, sig)
    urgency, urgency_why = base_urgency(ticket, sig, choice.job_type)
    skills, skill_reasons = required_skills(ticket, sig, choice.job_type)
    equipment, equipment_reasons = required_equipment(ticket, sig, choice.job_type)
    complexity, complexity_why = _complexity(sig, choice.job_type, skills, equipment)
    problems = taxonomy.check(
        trade=choice.trade,
        job_type=choice.job_type,
        skills=skills,
        equipment=equipment,
        urgency=urgency,
    )
    if problems:  # the rules only emit canonical identifiers; this guards edits to them
        raise ClassificationError("; ".join(problems))
    result = TicketClassification(
        trade=choice.trade,
        job_type=choice.job_type,
        urgency=urgency,
        skills=skills,
        equipment=equipment,
        complexity=complexity,
        confidence=choice.confidence,
        reasons={
            "trade": choice.trade_reasons,
            "job_type": choice.job_reasons,
            "urgency": (urgency_why,),
            "skills": skill_reasons,
            "equipment": equipment_reasons,
            "complexity": (complexity_why,),
        },
        engine="offline",
        safety_escalation=False,
    )
    return apply_safety(ticket, result, sig)
