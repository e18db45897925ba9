"""Errors of ticket classification.

ClassificationError
├── TaxonomyError        the taxonomy or an admin extension file is invalid
├── TicketError          a ticket (or a labeled row) is malformed
├── OverrideError        an override names an unknown field or a value outside the taxonomy
└── EngineError          a model engine could not produce a valid classification
    (the reason is kept; callers fall back to the offline engine)
"""

from __future__ import annotations

__all__ = [
    "ClassificationError",
    "EngineError",
    "OverrideError",
    "TaxonomyError",
    "TicketError",
]


class ClassificationError(ValueError):
    """Base of the classification errors; a `ValueError` because it always means bad input."""


class TaxonomyError(ClassificationError):
    pass


class TicketError(ClassificationError):
    pass


class OverrideError(ClassificationError):
    pass


class EngineError(ClassificationError):
    """A model answered with something unusable, or did not answer; `reason` says which."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)
