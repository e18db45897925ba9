"""The sandbox platform's webhooks: an HMAC-SHA256 signature over the timestamp and raw body.

Headers of one delivery::

    X-Sandbox-Event-Id:   evt-000042
    X-Sandbox-Timestamp:  1764601200                      (Unix seconds)
    X-Sandbox-Signature:  v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>

The body is ``{"event_id", "resource", "id", "action", "occurred_at"}``: a hint that the record
changed; the receiver re-reads it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from datetime import datetime

from pydantic import ValidationError

from connectors.errors import MalformedResponseError, WebhookVerificationError
from connectors.protocol import ChangeHint

__all__ = ["REPLAY_WINDOW_SECONDS", "parse_webhook", "sign_webhook", "verify_webhook"]

REPLAY_WINDOW_SECONDS = 300


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def _digest(secret: bytes, timestamp: str, body: bytes) -> str:
    return hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def sign_webhook(secret: bytes, event_id: str, body: bytes, sent_at: datetime) -> dict[str, str]:
    """Headers that make `body` a delivery the receiver can verify."""
    timestamp = str(int(sent_at.timestamp()))
    return {
        "X-Sandbox-Event-Id": event_id,
        "X-Sandbox-Timestamp": timestamp,
        "X-Sandbox-Signature": "v1=" + _digest(secret, timestamp, body),
    }


def verify_webhook(secret: bytes, headers: Mapping[str, str], body: bytes, now: datetime) -> None:
    """Raise WebhookVerificationError unless the signature matches and the delivery is fresh."""
    if not secret:
        raise WebhookVerificationError("no webhook secret is configured")
    h = _lower(headers)
    timestamp, signature = h.get("x-sandbox-timestamp"), h.get("x-sandbox-signature")
    if not timestamp or not signature:
        raise WebhookVerificationError("missing X-Sandbox-Timestamp or X-Sandbox-Signature")
    try:
        sent = int(timestamp)
    except ValueError:
        raise WebhookVerificationError("X-Sandbox-Timestamp is not an integer") from None
    if abs(now.timestamp() - sent) > REPLAY_WINDOW_SECONDS:
        raise WebhookVerificationError("timestamp outside the replay window")
    expected = "v1=" + _digest(secret, timestamp, body)
    if not hmac.compare_digest(expected, signature):
        raise WebhookVerificationError("signature does not match")


def parse_webhook(
    platform: str, account: str, headers: Mapping[str, str], body: bytes
) -> Sequence[ChangeHint]:
    """The change hint carried by a verified delivery."""
    try:
        data = json.loads(body)
        return [
            ChangeHint(
                event_id=data["event_id"],
                platform=platform,
                account=account,
                resource=data["resource"],
                external_id=data["id"],
                action=data["action"],
                occurred_at=data["occurred_at"],
            )
        ]
    except (ValueError, KeyError, TypeError, ValidationError) as exc:
        raise MalformedResponseError(f"webhook body is not a sandbox change: {exc}") from None
