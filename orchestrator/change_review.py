"""Moves a coordinator approves first: a visit the board shows with one technician that a
re-plan would give to another, when the approvals policy says so (`approvals.py`).

While the question is open the visit stays where the board has it and the day is planned
around it; approved, the next plan may make the move; rejected or expired, the visit stays
for the rest of the day. The same move is asked about once a day. A visit whose technician is
no longer on the day's roster, or one already under way, is never held: there is nothing to
keep it with, or nothing to move.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta, tzinfo
from typing import Literal

import optimizer as opt
from connectors.records import Appointment, Customer, Job, Lifecycle
from orchestrator.approvals import ProposedChange
from orchestrator.store import ApprovalRow, PlannedAssignment

__all__ = [
    "BUMP_TOLERANCE",
    "Move",
    "MoveVerdict",
    "bumped_by",
    "decided_pins",
    "moves",
    "pin_jobs",
    "proposed_change",
    "verdict",
]

BUMP_TOLERANCE = timedelta(minutes=15)
"""A stop of the receiving technician the move makes later by more than this counts as bumped."""


def bumped_by(knock_on: Sequence[tuple[str, int]]) -> tuple[tuple[str, int], ...]:
    """The (job, minutes) of a knock-on that count as bumping a customer: over the tolerance."""
    tolerance = BUMP_TOLERANCE.total_seconds() / 60
    return tuple((job_id, minutes) for job_id, minutes in knock_on if minutes > tolerance)


@dataclass(frozen=True, slots=True)
class Move:
    job_id: str
    appointment_id: str
    from_technician: str
    to_technician: str


MoveVerdict = Literal["go", "keep"]
""""go": the move was approved; "keep": it waits for an answer, or was turned down."""


def moves(
    assignments: Sequence[PlannedAssignment],
    appointments: Sequence[Appointment],
    roster: Sequence[str],
) -> list[Move]:
    """Visits assigned on the board that the plan gives to someone else, whose technician is
    on `roster` (could still do them) and that are not under way."""
    board = {a.job_id: a for a in appointments if not a.deleted}
    on_roster = set(roster)
    out = []
    for planned in assignments:
        visit = board.get(planned.job_external_id)
        if visit is None or not visit.technician_ids or visit.status.is_terminal:
            continue
        if visit.status in (Lifecycle.EN_ROUTE, Lifecycle.ON_SITE):
            continue
        if planned.technician_external_id in visit.technician_ids:
            continue
        if visit.technician_ids[0] not in on_roster:
            continue
        out.append(
            Move(
                planned.job_external_id,
                visit.external_id,
                visit.technician_ids[0],
                planned.technician_external_id,
            )
        )
    return out


def proposed_change(
    move: Move,
    *,
    job: Job,
    customer: Customer | None,
    planned: Mapping[str, PlannedAssignment],
    knock_on: Sequence[tuple[str, int]],
    names: Mapping[str, str],
    zone: tzinfo,
) -> ProposedChange:
    """The question put to a coordinator: the move, why the plan wants it, who it pushes back.

    `planned` maps job ids to this plan's assignments; `knock_on` is (job id, minutes) for each
    of the receiving technician's later stops the visit itself makes later
    (`optimizer.knock_on_of`), so delays the rest of the day brought are not laid at its door;
    `names` maps technician ids to names; times are shown in the account's `zone`.
    """
    preferred = set(customer.preferred_technicians) if customer else set()
    classification = job.classification
    target = planned[move.job_id]
    bumped = bumped_by(knock_on)
    who, to = (
        names.get(move.from_technician, move.from_technician),
        names.get(move.to_technician, move.to_technician),
    )
    return ProposedChange(
        kind="reassign",
        title=f"Move {job.summary or job.external_id} from {who} to {to}",
        why=f"The plan gives {to} this visit ({job.external_id}); {who} has it on the board.",
        technician=to,
        eta=f"{target.planned_start.astimezone(zone):%H:%M}",
        job_ids=(move.job_id,),
        sla_penalty_usd=job.sla.penalty_usd,
        safety_critical=bool(classification and classification.reasons.get("safety")),
        breaks_preferred_tech=move.from_technician in preferred
        and move.to_technician not in preferred,
        bumped=bumped,
        from_technician=move.from_technician,
        to_technician=move.to_technician,
    )


def verdict(move: Move, asked: Sequence[ApprovalRow]) -> MoveVerdict | None:
    """What the day's approvals say of `move`: "go" once approved, "keep" while asked or once
    rejected or expired, None when it was never asked."""
    rows = [
        row
        for row in asked
        if _reassignment(row) == (move.job_id, move.from_technician, move.to_technician)
    ]
    if not rows:
        return None
    return "go" if any(_approved(row) for row in rows) else "keep"


def decided_pins(
    asked: Sequence[ApprovalRow], appointments: Sequence[Appointment]
) -> dict[str, str]:
    """Job id → the technician the day's answers keep it with: the board's while a move is
    asked, rejected or expired; the new one once approved. A visit the board has since moved
    elsewhere is the board's again."""
    board = {a.job_id: a for a in appointments if not a.deleted}
    pins: dict[str, str] = {}
    for row in asked:  # oldest first: a later answer about the same visit wins
        found = _reassignment(row)
        if found is None:
            continue
        job_id, origin, target = found
        visit = board.get(job_id)
        if visit is None or not visit.technician_ids or visit.status.is_terminal:
            continue
        if visit.technician_ids[0] in (origin, target):
            pins[job_id] = target if _approved(row) else origin
    return pins


def _reassignment(row: ApprovalRow) -> tuple[str, str, str] | None:
    """(job, from technician, to technician) of a reassignment question, else None."""
    job_ids = row.change.get("job_ids", ())
    origin, target = row.change.get("from_technician"), row.change.get("to_technician")
    if row.kind != "reassign" or len(job_ids) != 1 or not origin or not target:
        return None
    return job_ids[0], origin, target


def _approved(row: ApprovalRow) -> bool:
    return row.status in ("approved", "chosen")


def pin_jobs(problem: opt.Problem, pins: Mapping[str, str]) -> opt.Problem:
    """`problem` with each job of `pins` kept with its technician, where that technician is
    on the day's roster and qualified, and the job is not pinned already."""
    techs = {t.id: t for t in problem.technicians}
    jobs = []
    for job in problem.jobs:
        tech = techs.get(pins.get(job.id, ""))
        if tech is not None and job.pin is None and job.qualified(tech):
            job = replace(job, pin=opt.Pin(tech.id))
        jobs.append(job)
    return replace(problem, jobs=tuple(jobs))
