"""ServiceTitan webhooks: verify the HMAC over the raw body, then parse into change hints.

The V2 webhook header, digest encoding and payload are not public (reference §1.4). We follow the
third-party evidence: `X-ServiceTitan-Signature` is HMAC-SHA256 of the raw body with the app's
32–64 character key, sent hex- or base64-encoded (both are accepted; they carry the same digest).
The event's own timestamp (inside the signed body) bounds replays. The window is 15 minutes
because ServiceTitan retries a failed delivery after 10, 30, 60 and 300 seconds with the same
body. Webhooks are hints: the record named is re-read from the API.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from connectors.errors import MalformedResponseError, WebhookVerificationError
from connectors.protocol import ChangeHint

__all__ = ["REPLAY_WINDOW", "SIGNATURE_HEADER", "parse_webhook", "sign", "verify_webhook"]

SIGNATURE_HEADER = "x-servicetitan-signature"
REPLAY_WINDOW = timedelta(minutes=15)
PLATFORM = "servicetitan"

Resource = Literal["job", "appointment", "technician", "customer", "location"]
Action = Literal["created", "updated", "deleted", "status_changed"]
_RESOURCES: dict[str, Resource] = {
    "job": "job",
    "jobs": "job",
    "appointment": "appointment",
    "appointments": "appointment",
    "technician": "technician",
    "technicians": "technician",
    "customer": "customer",
    "customers": "customer",
    "location": "location",
    "locations": "location",
}
_ACTIONS: dict[str, Action] = {
    "created": "created",
    "updated": "updated",
    "deleted": "deleted",
    "canceled": "status_changed",
    "completed": "status_changed",
    "dispatched": "status_changed",
    "assigned": "updated",
    "unassigned": "updated",
    "rescheduled": "updated",
}


def sign(body: bytes, secret: str) -> str:
    """The hex signature ServiceTitan sends for `body` (also used by the test fake)."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _given_digest(value: str) -> bytes:
    text = value.strip().removeprefix("sha256=")
    try:
        return bytes.fromhex(text)
    except ValueError:
        pass
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise WebhookVerificationError("signature is neither hex nor base64") from exc


def _event_time(data: Mapping[str, Any]) -> datetime | None:
    for key in ("eventTime", "createdOn", "timestamp", "occurredOn"):
        value = data.get(key)
        if isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                continue
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return None


def verify_webhook(
    headers: Mapping[str, str], body: bytes, now: datetime, *, secret: str | None
) -> None:
    """Raise WebhookVerificationError unless `body` is signed with `secret` and fresh."""
    if not secret:
        raise WebhookVerificationError("no webhook key configured for this account")
    given = headers.get(SIGNATURE_HEADER)
    if not given:
        raise WebhookVerificationError(f"missing {SIGNATURE_HEADER} header")
    expected = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    if not hmac.compare_digest(expected, _given_digest(given)):
        raise WebhookVerificationError("bad signature")
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise WebhookVerificationError("signed body is not JSON") from exc
    moment = _event_time(data) if isinstance(data, dict) else None
    if moment is None:
        raise WebhookVerificationError("event carries no timestamp; freshness unprovable")
    if abs(now - moment) > REPLAY_WINDOW:
        raise WebhookVerificationError("event is outside the replay window")


def parse_webhook(body: bytes, *, account: str) -> Sequence[ChangeHint]:
    """`{eventId, eventType: "job.updated", eventTime, data: {id, modifiedOn, …}}` → hints."""
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MalformedResponseError("webhook body is not JSON") from exc
    if not isinstance(data, dict):
        raise MalformedResponseError("webhook body is not an object")
    event_type = str(data.get("eventType") or data.get("event") or data.get("type") or "")
    resource_name, _, action_name = event_type.partition(".")
    resource = _RESOURCES.get(resource_name.casefold())
    if resource is None:
        raise MalformedResponseError(f"unknown event type {event_type!r}")
    record = data.get("data") if isinstance(data.get("data"), dict) else {}
    assert isinstance(record, dict)
    record_id = record.get("id", data.get("id" if "eventId" in data else "entityId"))
    if record_id is None:
        raise MalformedResponseError("event names no record id (data.id)")
    event_id = data.get("eventId") or data.get("webhookEventId")
    if not event_id:
        event_id = "sha256:" + hashlib.sha256(body).hexdigest()
    modified = record.get("modifiedOn")
    modified_at = _event_time({"eventTime": modified}) if isinstance(modified, str) else None
    return [
        ChangeHint(
            event_id=str(event_id),
            platform=PLATFORM,
            account=account,
            resource=resource,
            external_id=str(record_id),
            action=_ACTIONS.get(action_name.casefold(), "updated"),
            occurred_at=_event_time(data),
            modified_at=modified_at,
        )
    ]
