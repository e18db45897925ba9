"""Messages are values; each carries the idempotency key that makes it sendable once."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["SendReceipt", "SlackMessage", "SlackResponse", "SlackUpdate", "SmsMessage"]

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


@dataclass(frozen=True, slots=True)
class SmsMessage:
    idempotency_key: str
    to: str
    body: str
    validity_seconds: int | None = None
    """Drop the text at the provider if it cannot leave within this time (on-my-way texts)."""
    status_callback: str | None = None

    def __post_init__(self) -> None:
        if not _E164.match(self.to):
            raise ValueError("SMS recipient must be an E.164 number such as +13035550101")
        if not self.body.strip():
            raise ValueError("SMS body must not be empty")
        if self.validity_seconds is not None and not 1 <= self.validity_seconds <= 36_000:
            raise ValueError("validity_seconds must be between 1 and 36000")


@dataclass(frozen=True, slots=True)
class SlackMessage:
    idempotency_key: str
    channel: str
    text: str
    """Always sent, also as the notification fallback of `blocks`."""
    blocks: tuple[dict[str, Any], ...] = ()
    thread_ts: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.text.strip():
            raise ValueError("Slack messages need a text fallback")


@dataclass(frozen=True, slots=True)
class SlackResponse:
    """An update of the message a coordinator clicked, through its `response_url`.

    Replacing a message with the same content twice changes nothing, so a resend is harmless.
    """

    idempotency_key: str
    response_url: str
    text: str
    blocks: tuple[dict[str, Any], ...] = ()
    replace_original: bool = True


@dataclass(frozen=True, slots=True)
class SlackUpdate:
    """A new text for a message we posted earlier (channel id and ts), buttons removed.

    Editing to the same content twice changes nothing, so a resend is harmless.
    """

    idempotency_key: str
    channel: str
    ts: str
    text: str


@dataclass(frozen=True, slots=True)
class SendReceipt:
    provider_id: str
    status: str
