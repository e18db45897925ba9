"""Why a job is left out late in the day: whoever could do it has gone off shift.

A plan holds only the technicians still on shift (`planning.build_problem`), so once the last
one qualified for a job is done for the day, or called away, the optimizer finds nobody able
to do it and says `no_qualified_technician: needs boiler`. Read in the evening, that tells a
coordinator the fleet lacks the skill. The reason stays (nobody can do it now); its detail
names who could have. The same holds for a day ahead, planned without those not working it.

A job left out for want of room is read the same way: at 15:30 "2 qualified for
journeyman_electrician, no room in their shifts" counts the two electricians still working,
not the six on the payroll. Its detail goes on to name the ones gone home, so the coordinator
sees the skill is short this afternoon, not on the fleet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

import optimizer as opt
from connectors.records import Technician
from orchestrator.planning import DESIGNATED

__all__ = ["name_off_shift", "off_shift_detail"]

NAMED = 3
"""Technicians named in a detail; the rest are counted."""
_NAMING = frozenset({"no_qualified_technician", "no_room_in_shift", "no_room_in_window"})
"""Reasons whose detail names the qualified technicians off shift."""


def name_off_shift(
    plan: opt.Plan, problem: opt.Problem, fleet: Sequence[Technician], day: date
) -> opt.Plan:
    """`plan` with each `no_qualified_technician` detail naming the technicians of `fleet`
    not in `problem` (off shift, done for the day, or away) who hold what the job needs on
    `day`, and each `no_room_in_shift` or `no_room_in_window` detail ending with them;
    unchanged where none of them does."""
    on_plan = {tech.id for tech in problem.technicians}
    jobs = {job.id: job for job in problem.jobs}
    changed = False
    unassigned: list[opt.UnassignedJob] = []
    for left in plan.unassigned:
        job = jobs.get(left.job_id)
        able = (
            [t.external_id for t in fleet if t.external_id not in on_plan and _could(job, t, day)]
            if job is not None and left.reason in _NAMING
            else []
        )
        if able:
            gone = off_shift_detail(sorted(able))
            detail = gone if left.reason == "no_qualified_technician" else f"{left.detail}; {gone}"
            left = replace(left, detail=detail)
            changed = True
        unassigned.append(left)
    return replace(plan, unassigned=tuple(unassigned)) if changed else plan


def off_shift_detail(technicians: Sequence[str]) -> str:
    """ "T03, T15, T24 +2 qualify but are off shift" (gone home, called away, or not working
    the day planned)."""
    names = ", ".join(technicians[:NAMED])
    more = f" +{len(technicians) - NAMED}" if len(technicians) > NAMED else ""
    if len(technicians) == 1:
        return f"{names} qualifies but is off shift"
    return f"{names}{more} qualify but are off shift"


def _could(job: opt.Job, tech: Technician, day: date) -> bool:
    # A designated technician off shift is named by a skill of their own (`planning.py`).
    only = {s.removeprefix(DESIGNATED) for s in job.skills if s.startswith(DESIGNATED)}
    if job.designated is not None:
        only.add(job.designated)
    if only and only != {tech.external_id}:
        return False
    needs = {s for s in job.skills if not s.startswith(DESIGNATED)}
    return needs <= tech.qualifications_on(day) and job.equipment <= tech.equipment
