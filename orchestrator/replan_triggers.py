"""Which platform changes call for a re-plan now rather than at the next scheduled run.

A webhook names a record that changed; once it is re-read, the stored version before and the
platform's version after say what happened. A new ticket, a visit a technician set out for,
reached, finished or put on hold, a cancellation, a deleted record or a roster change all make
the current plan wrong (an emergency waits for it). A change of technician, scheduled time or
promise is what a plan writes itself: its echo must not set off another plan, or every plan
would call the next one.
"""

from __future__ import annotations

from connectors.records import Appointment, Job, Lifecycle, Record, Technician

__all__ = ["replan_reason"]

_FIELD_EVENTS = frozenset(
    {Lifecycle.EN_ROUTE, Lifecycle.ON_SITE, Lifecycle.ON_HOLD, Lifecycle.COMPLETED,
     Lifecycle.CANCELED}
)  # fmt: skip
"""Statuses a technician or a customer sets; scheduling and dispatching are what plans do."""


def replan_reason(before: Record | None, after: Record) -> str | None:
    """Why the change from `before` (None: not stored yet) to `after` calls for a re-plan now,
    or None when it does not (no change, an older version, or a plan's own write echoed)."""
    if before is not None and _older(after, before):
        return None  # the store keeps the newer version
    if isinstance(after, Technician):
        if before is None:
            return f"technician {after.external_id} added"
        return f"technician {after.external_id} changed" if before != after else None
    if isinstance(after, Job):
        return _job_reason(before if isinstance(before, Job) else None, after)
    if isinstance(after, Appointment):
        return _appointment_reason(before if isinstance(before, Appointment) else None, after)
    return None


def _job_reason(before: Job | None, after: Job) -> str | None:
    if before is None:
        gone = after.deleted or after.status.is_terminal
        return None if gone else f"new ticket {after.external_id}"
    if after.deleted and not before.deleted:
        return f"job {after.external_id} deleted"
    if after.status is not before.status and after.status in _FIELD_EVENTS:
        return f"job {after.external_id} {after.status.value}"
    if (after.summary, after.description) != (before.summary, before.description):
        return f"job {after.external_id} reworded"  # may change its urgency or skills
    return None


def _appointment_reason(before: Appointment | None, after: Appointment) -> str | None:
    if before is None:
        # Booked on the platform (a portal, a call taker), or a plan's own new visit: either
        # way the day has a visit the plan has not placed.
        return None if after.deleted else f"new visit {after.external_id}"
    if after.deleted and not before.deleted:
        return f"visit {after.external_id} deleted"
    if after.status is not before.status and after.status in _FIELD_EVENTS:
        return f"visit {after.external_id} {after.status.value}"
    return None


def _older(after: Record, before: Record) -> bool:
    return (
        after.modified_at is not None
        and before.modified_at is not None
        and after.modified_at < before.modified_at
    )
