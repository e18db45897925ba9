"""The write-back conflict rule shared by every platform: did the FSM change it since our read?"""

from __future__ import annotations

from connectors.errors import WriteConflictError
from connectors.records import Appointment

__all__ = ["check_unchanged", "dispatch_view"]


def dispatch_view(appointment: Appointment) -> tuple[object, ...]:
    """The fields a dispatcher's change would touch and a re-plan depends on."""
    return (
        tuple(sorted(appointment.technician_ids)),
        appointment.window,
        appointment.arrival_window,
        appointment.status,
        appointment.deleted,
    )


def check_unchanged(expected: Appointment, current: Appointment) -> None:
    """Raise WriteConflictError when `current` differs from the `expected` we planned against.

    The modification time decides when both sides have one (the FSM may change fields we do not
    read); platforms without a reliable one are compared on the dispatch fields.
    """
    if expected.external_id != current.external_id:
        raise ValueError("expected and current are different appointments")
    if expected.modified_at is not None and current.modified_at is not None:
        if expected.modified_at != current.modified_at:
            raise WriteConflictError(
                f"appointment {current.external_id} was modified at "
                f"{current.modified_at.isoformat()}, after our read of "
                f"{expected.modified_at.isoformat()}"
            )
        return
    if dispatch_view(expected) != dispatch_view(current):
        raise WriteConflictError(
            f"appointment {current.external_id} changed in the platform since our read"
        )
