"""What stood in a job's way, and what led to a late arrival, in the words a report uses: shared
by the HTML report and `fsm-dispatch kpis`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from orchestrator.analytics import MissedJob
from orchestrator.analytics.arrivals import PromisedArrival

__all__ = ["OUTCOMES", "led_to", "why_missed"]

OUTCOMES = {
    "canceled": "canceled",
    "no_show": "no-show",
    "unqualified": "no one qualified",
    "not_reached": "not reached",
}


def why_missed(m: MissedJob, reasons: Mapping[str, str]) -> str:
    """Why a job was not completed; `reasons` is the dispatcher's word per job, if any."""
    if m.outcome == "canceled":
        return "canceled before it was done"
    if m.outcome == "no_show":
        return "the technician came; the visit ended on hold (customer not there)"
    if m.outcome == "unqualified" and m.designated is not None and not m.unmet:
        only = f"only {m.designated} may serve this customer"
        if m.designated_lacks is None:
            return f"{only}, and {m.designated} was not on shift"
        return f"{only}, and {m.designated} lacks {', '.join(m.designated_lacks)}"
    if m.outcome == "unqualified":
        held = ", ".join(m.unmet) if m.unmet else f"all of {', '.join(m.needs)}"
        return f"no technician on shift holds {held}"
    said = f"the plan said: {reasons[m.job_id]}" if m.job_id in reasons else ""
    if m.qualified and m.designated is not None:
        return f"designated technician {m.designated} on shift; {said or 'not completed'}"
    if m.qualified:
        names = ", ".join(m.qualified[:4]) + (" …" if len(m.qualified) > 4 else "")
        return f"{len(m.qualified)} qualified on shift ({names}); {said or 'not completed'}"
    return said or "(no reason recorded)"


def led_to(a: PromisedArrival, job_of: Mapping[str, str], zone: ZoneInfo) -> str:
    """What led to an arrival outside its promise: arriving early, the visit before it, and
    when it was first scheduled past the promise."""

    def hm(moment: datetime) -> str:
        return moment.astimezone(zone).strftime("%H:%M")

    causes = []
    if a.minutes_late < 0:
        causes.append("arrived before the window opened")
    before = a.came_from
    if before is not None and before.ended_at is not None:
        job = job_of.get(before.appointment_id, before.appointment_id)
        causes.append(
            f"came straight from {job} (on site {hm(before.arrived_at)}-"
            f"{hm(before.ended_at)}, {before.on_site_minutes:.0f} min)"
        )
    if a.scheduled_late_at is not None:
        causes.append(f"scheduled past its promise from {hm(a.scheduled_late_at)}")
    return "; ".join(causes) or "(nothing recorded)"
