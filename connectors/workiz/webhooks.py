"""Workiz webhooks: verify, then parse into change hints.

Workiz documents neither a signature nor retries (reference §2.4). We verify the same way as
Housecall Pro's documented-by-integrators scheme, which a relay in front of Workiz (or a future
Workiz signature) can produce: `X-Workiz-Timestamp` (Unix seconds) and `X-Workiz-Signature` =
hex HMAC-SHA256(secret, "{timestamp}.{raw body}"), within 5 minutes. Payload keys are camelCase
(`{"data": {"uuid", "status", …}}`, rebuilt from Zapier-flattened keys, unconfirmed). Event ids
are not sent, so the body's digest is the id: a repeated delivery dedupes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from connectors.errors import MalformedResponseError, WebhookVerificationError
from connectors.protocol import ChangeHint

__all__ = ["REPLAY_WINDOW", "SIGNATURE_HEADER", "TIMESTAMP_HEADER", "parse_webhook", "sign"]

SIGNATURE_HEADER = "x-workiz-signature"
TIMESTAMP_HEADER = "x-workiz-timestamp"
REPLAY_WINDOW = timedelta(minutes=5)
PLATFORM = "workiz"


def sign(body: bytes, secret: str, timestamp: int) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify_webhook(
    headers: Mapping[str, str], body: bytes, now: datetime, *, secret: str | None
) -> None:
    if not secret:
        raise WebhookVerificationError("no webhook secret configured for this account")
    given = headers.get(SIGNATURE_HEADER)
    stamp_text = headers.get(TIMESTAMP_HEADER)
    if not given or not stamp_text:
        raise WebhookVerificationError("missing signature or timestamp header")
    try:
        stamp = int(stamp_text)
    except ValueError as exc:
        raise WebhookVerificationError("timestamp is not Unix seconds") from exc
    if not hmac.compare_digest(sign(body, secret, stamp), given.strip().lower()):
        raise WebhookVerificationError("bad signature")
    sent = datetime.fromtimestamp(stamp, UTC)
    if abs(now - sent) > REPLAY_WINDOW:
        raise WebhookVerificationError("event is outside the replay window")


def parse_webhook(body: bytes, *, account: str) -> Sequence[ChangeHint]:
    """A job event names a job, which is also its own appointment in Workiz."""
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MalformedResponseError("webhook body is not JSON") from exc
    record = data.get("data") if isinstance(data, dict) else None
    if not isinstance(record, dict):
        raise MalformedResponseError("webhook body has no `data` object")
    uuid = record.get("uuid") or record.get("UUID")
    if not isinstance(uuid, str) or not uuid:
        raise MalformedResponseError("webhook names no job (data.uuid)")
    event_id = "sha256:" + hashlib.sha256(body).hexdigest()
    return [
        ChangeHint(
            event_id=event_id,
            platform=PLATFORM,
            account=account,
            resource=resource,
            external_id=uuid,
            action="updated",
        )
        for resource in ("job", "appointment")
    ]
