"""How well customers were told of a late arrival: in time, too late, or for nothing.

A delay notice is worth something when it reaches a customer before their promised window
closes and the technician is indeed late; one sent to a customer then reached inside the
window was a false alarm. The notices come from the outbox (or a simulated run's record of
what it queued): appointment id → when its first delay notice was decided.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from orchestrator.analytics.arrivals import PromisedArrival

__all__ = ["DelayNoticeOutcome", "delay_notice_outcome"]


@dataclass(frozen=True, slots=True)
class DelayNoticeOutcome:
    notices: int
    """Delay notices sent (each slip of a customer's arrival may bring one)."""
    late: int
    """Arrivals after the end of their promised window."""
    warned: int
    """Of those, customers told before their window closed."""
    told_after: int
    """Of those, customers told only once their window had closed."""
    needless: int
    """Customers told of a delay, then reached inside their window."""

    def to_json(self) -> dict[str, int]:
        return {
            "delay_notices": self.notices,
            "late_arrivals": self.late,
            "late_arrivals_warned": self.warned,
            "late_arrivals_told_after_window": self.told_after,
            "needless_delay_notices": self.needless,
        }


def delay_notice_outcome(
    arrivals: Sequence[PromisedArrival], first_notice: Mapping[str, datetime], notices: int
) -> DelayNoticeOutcome:
    """Judge the notices against the arrivals they were about."""
    late = warned = told_after = needless = 0
    for arrival in arrivals:
        told = first_notice.get(arrival.appointment_id)
        if arrival.visit.arrived_at > arrival.promise.end:
            late += 1
            if told is not None and told <= arrival.promise.end:
                warned += 1
            elif told is not None:
                told_after += 1
        elif told is not None:
            needless += 1
    return DelayNoticeOutcome(notices, late, warned, told_after, needless)
