"""Emergencies a coordinator hears about: who was sent, whom it bumps, and what else they could do.

An emergency cannot wait for a click, so the plan sends its technician at once. When the
approvals policy says so (safety-critical, SLA penalty, a cascade over N customers), the
coordinator is told in Slack with the alternatives: the best place in each of two other
technicians' days (arrival, customers bumped), or declining it. Approving, or no answer,
keeps what was sent; choosing another technician pins the visit to them in the next plans;
declining, or rejecting, sends nobody: the visit comes off the board and out of the day's plans.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo

import optimizer as opt
from connectors.records import Appointment, Job
from orchestrator.approvals import ProposedChange
from orchestrator.change_review import bumped_by
from orchestrator.store import ApprovalRow

__all__ = [
    "DECLINE",
    "EmergencyAnswers",
    "asked_about",
    "emergency_answers",
    "emergency_question",
    "new_emergencies",
]

DECLINE = "decline"
"""The option value that sends nobody."""

_TECH = "tech:"


@dataclass(frozen=True, slots=True)
class EmergencyAnswers:
    pins: dict[str, str]
    """Job id → the technician who goes: the one a coordinator chose instead, or the one sent
    when the coordinator approved or let the question expire."""
    declined: frozenset[str]
    """Jobs a coordinator declined: nobody goes today."""


def new_emergencies(
    plan: opt.Plan, problem: opt.Problem, appointments: Sequence[Appointment]
) -> list[str]:
    """Emergencies this plan sends someone to that the board has nobody on yet."""
    board = {a.job_id: a for a in appointments if not a.deleted}
    urgent = {j.id for j in problem.jobs if j.urgency == "emergency"}
    found = []
    for route in plan.routes:
        for stop in route.stops:
            visit = board.get(stop.job_id)
            if stop.job_id in urgent and visit is not None and not visit.technician_ids:
                found.append(stop.job_id)
    return found


def emergency_question(
    job_id: str,
    *,
    problem: opt.Problem,
    plan: opt.Plan,
    job: Job,
    names: Mapping[str, str],
    origin: datetime,
    zone: tzinfo,
    now_minute: int,
    travel: opt.TravelTimes | None = None,
    alternatives: int = 2,
) -> ProposedChange:
    """What a coordinator is told of an emergency the plan sends someone to.

    `origin` is the day's minute 0 (times in the plan count from it), shown in `zone`.
    """
    route = next(r for r in plan.routes if any(s.job_id == job_id for s in r.stops))
    stop = next(s for s in route.stops if s.job_id == job_id)
    sent = route.technician_id
    knock = opt.knock_on_of(problem, plan, job_id, now=now_minute, travel=travel)
    bumped = bumped_by(knock)

    def clock(minute: int) -> str:
        return f"{(origin + timedelta(minutes=minute)).astimezone(zone):%H:%M}"

    without = _plan_without(plan, job_id)
    seen = {sent}
    options: list[tuple[str, str]] = []
    for option in opt.rank_insertions(
        problem, without, problem.job(job_id), now=now_minute, travel=travel
    ):
        if option.technician_id in seen or len(options) >= alternatives:
            continue
        seen.add(option.technician_id)
        pushed = len(bumped_by(option.knock_on))
        who = names.get(option.technician_id, option.technician_id)
        options.append(
            (f"{_TECH}{option.technician_id}", f"{who} instead: arrives {clock(option.arrive)}, "
             f"bumps {pushed}")
        )  # fmt: skip
    options.append((DECLINE, "Decline: send nobody today"))
    who = names.get(sent, sent)
    classification = job.classification
    return ProposedChange(
        kind="emergency_insert",
        title=f"Emergency {job.summary or job.external_id}: {who} sent",
        why=(
            f"{who} was sent at once ({job.external_id}). Approve to keep it, choose another "
            "technician, or reject to send nobody."
        ),
        technician=who,
        eta=clock(stop.arrive),
        job_ids=(job_id,),
        sla_penalty_usd=job.sla.penalty_usd,
        safety_critical=bool(classification and classification.reasons.get("safety")),
        bumped=bumped,
        options=tuple(options),
        to_technician=sent,
    )


def emergency_answers(asked: Sequence[ApprovalRow]) -> EmergencyAnswers:
    """What the day's answers about emergencies ask of the next plans (oldest first: a later
    answer about the same visit wins)."""
    pins: dict[str, str] = {}
    declined: set[str] = set()
    for row in asked:
        job_ids: list[str] = list(row.change.get("job_ids") or [])
        if row.kind != "emergency_insert" or len(job_ids) != 1:
            continue
        job_id = job_ids[0]
        if row.status == "rejected" or (row.status == "chosen" and row.decision == DECLINE):
            declined.add(job_id)
            pins.pop(job_id, None)
        elif row.status == "chosen" and (row.decision or "").startswith(_TECH):
            pins[job_id] = row.decision.removeprefix(_TECH)  # type: ignore[union-attr]
            declined.discard(job_id)
        elif row.status in ("approved", "expired") and row.change.get("to_technician"):
            # Kept as sent, or left to stand: whoever was sent goes; a later plan that found
            # the visit a little cheaper elsewhere must not send a second technician.
            pins[job_id] = str(row.change["to_technician"])
            declined.discard(job_id)
    return EmergencyAnswers(pins, frozenset(declined))


def asked_about(asked: Sequence[ApprovalRow]) -> set[str]:
    """Emergencies already put to a coordinator today."""
    return {
        row.change["job_ids"][0]
        for row in asked
        if row.kind == "emergency_insert" and len(row.change.get("job_ids") or ()) == 1
    }


def _plan_without(plan: opt.Plan, job_id: str) -> opt.Plan:
    """`plan` with `job_id`'s stop taken out (its route's other times unchanged)."""
    routes = tuple(
        replace(r, stops=tuple(s for s in r.stops if s.job_id != job_id)) for r in plan.routes
    )
    return replace(plan, routes=routes)
