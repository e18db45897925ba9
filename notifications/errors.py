"""Errors of message delivery, translated once from the providers' exceptions.

NotificationError
├── RetryableDeliveryError      try again later (network, 5xx, provider queue full)
│   └── RateLimitedError        429 / 20429 / 21611; carries retry_after seconds
├── PermanentDeliveryError      this message will never go (bad request, auth, filtered)
│   ├── OptedOutError           the recipient opted out (21610); never retry until START
│   └── UndeliverableNumberError   landline, invalid or dead number for SMS
└── TemplateError               a template is missing a value or renders too long
"""

from __future__ import annotations

__all__ = [
    "NotificationError",
    "OptedOutError",
    "PermanentDeliveryError",
    "RateLimitedError",
    "RetryableDeliveryError",
    "TemplateError",
    "UndeliverableNumberError",
]


class NotificationError(Exception):
    pass


class RetryableDeliveryError(NotificationError):
    pass


class RateLimitedError(RetryableDeliveryError):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentDeliveryError(NotificationError):
    pass


class OptedOutError(PermanentDeliveryError):
    pass


class UndeliverableNumberError(PermanentDeliveryError):
    pass


class TemplateError(NotificationError):
    pass
