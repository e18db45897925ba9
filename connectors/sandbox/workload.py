"""How much work a scenario offers: the utilization of a day on which every doable job is done.

Utilization is on-site minutes over shift minutes, so no dispatcher can exceed the true minutes
of the jobs that can be done: those not canceled, whose customer is at home, and that someone
on the fleet holds the skills and equipment for (the designated technician, when the customer
has one). A lift in utilization reads against this: on a day whose work fills 70 % of the
shift minutes, a coordinator at 62 % leaves at most 8 points to gain. It is a ceiling, not a
target: driving, windows and who can do what leave some of it out of reach.
"""

from __future__ import annotations

from datetime import time

from connectors.sandbox.scenario import (
    CancelEvent,
    OverrunEvent,
    Scenario,
    TechUnavailableEvent,
)
from connectors.sandbox.truth import can_do

__all__ = ["work_on_offer"]


def work_on_offer(scenario: Scenario) -> float | None:
    """True minutes of the doable jobs (overruns included) over the fleet's shift minutes on
    the scenario's days, less time called away; None when the fleet has no shift minutes."""
    canceled = {e.job for e in scenario.events if isinstance(e, CancelEvent)}
    extra: dict[str, int] = {}
    for event in scenario.events:
        if isinstance(event, OverrunEvent):
            extra[event.job] = extra.get(event.job, 0) + event.extra_minutes
    customers = {c.id: c for c in scenario.customers}
    work = 0
    for job in scenario.all_jobs():
        if job.id in canceled or not job.truth.customer_home:
            continue
        customer = customers.get(job.customer)
        designated = customer.designated_tech if customer else None
        if any(
            (designated is None or t.id == designated) and can_do(t, job, scenario.day)
            for t in scenario.technicians
        ):
            work += job.truth.duration_minutes + extra.get(job.id, 0)
    shift = scenario.days * sum(_minutes(t.shift.start, t.shift.end) for t in scenario.technicians)
    by_id = {t.id: t for t in scenario.technicians}
    for event in scenario.events:
        if isinstance(event, TechUnavailableEvent) and event.technician in by_id:
            tech = by_id[event.technician]
            start, end = max(event.at, tech.shift.start), min(event.until, tech.shift.end)
            shift -= max(0, _minutes(start, end))
    return work / shift if shift > 0 else None


def _minutes(start: time, end: time) -> int:
    return (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
