"""Errors raised by connectors; every vendor failure is translated into one of these once.

ConnectorError
├── TransientError            retry later: the same call may succeed
│   ├── RateLimitedError      429; carries retry_after seconds when the vendor said
│   ├── ServerError           5xx
│   └── TimeoutError_         connect / read timeout, transport failure
├── AuthError                 401/403 that a token refresh did not cure: needs re-auth
├── NotFoundError             404
├── RequestRejectedError      other 4xx: our request is wrong; never retried
├── MalformedResponseError    the vendor answered with a body we cannot parse
├── WriteConflictError        the record changed in the FSM since we read it
├── UnknownWriteOutcomeError  a write timed out and a re-read could not tell if it landed
├── WebhookVerificationError  bad signature, missing header, or outside the replay window
└── MappingError              a mapping file is invalid
"""

from __future__ import annotations

__all__ = [
    "AuthError",
    "ConnectorError",
    "MalformedResponseError",
    "MappingError",
    "NotFoundError",
    "RateLimitedError",
    "RequestRejectedError",
    "ServerError",
    "TimeoutError_",
    "TransientError",
    "UnknownWriteOutcomeError",
    "WebhookVerificationError",
    "WriteConflictError",
]


class ConnectorError(Exception):
    """Base of every connector failure."""


class TransientError(ConnectorError):
    """The call may succeed if repeated later."""


class RateLimitedError(TransientError):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServerError(TransientError):
    def __init__(self, message: str, status_code: int) -> None:
        super().__init__(message)
        self.status_code = status_code


class TimeoutError_(TransientError):  # noqa: N801 - avoids shadowing the builtin
    """Connect or read timeout, or the transport failed."""


class AuthError(ConnectorError):
    """Credentials are wrong or revoked; an admin must act."""


class NotFoundError(ConnectorError):
    pass


class RequestRejectedError(ConnectorError):
    def __init__(self, message: str, status_code: int) -> None:
        super().__init__(message)
        self.status_code = status_code


class MalformedResponseError(ConnectorError):
    pass


class WriteConflictError(ConnectorError):
    """The FSM changed the record since our read; we did not overwrite it."""


class UnknownWriteOutcomeError(ConnectorError):
    pass


class WebhookVerificationError(ConnectorError):
    pass


class MappingError(ConnectorError):
    pass
