"""Housecall Pro webhooks: verify `Api-Signature`, then parse into change hints.

Signature per several independent integrators (reference §3.4; the vendor page was not
captured): headers `Api-Timestamp` and `Api-Signature` = hex HMAC-SHA256(secret,
"{timestamp}.{raw body}"), here accepted within 5 minutes. Saving the webhook URL in Housecall
Pro sends an unsigned `{"foo":"bar"}` that must get a 2xx: that exact body, and only it, passes
unsigned and yields no hints. Envelopes are `{"event", "company_id", "<resource>": {…}}`; no
event id is sent, so the body's digest is the id and a repeated delivery dedupes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from connectors.errors import MalformedResponseError, WebhookVerificationError
from connectors.protocol import ChangeHint

__all__ = ["REPLAY_WINDOW", "parse_webhook", "sign", "verify_webhook"]

SIGNATURE_HEADER = "api-signature"
TIMESTAMP_HEADER = "api-timestamp"
REPLAY_WINDOW = timedelta(minutes=5)
PLATFORM = "housecallpro"
_PING = {"foo": "bar"}

Action = Literal["created", "updated", "deleted", "status_changed"]


def sign(body: bytes, secret: str, timestamp: int | str) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def _is_ping(body: bytes) -> bool:
    try:
        return bool(json.loads(body) == _PING)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return False


def verify_webhook(
    headers: Mapping[str, str], body: bytes, now: datetime, *, secret: str | None
) -> None:
    given = headers.get(SIGNATURE_HEADER)
    stamp_text = headers.get(TIMESTAMP_HEADER)
    if not given and not stamp_text and _is_ping(body):
        return
    if not secret:
        raise WebhookVerificationError("no webhook secret configured for this account")
    if not given or not stamp_text:
        raise WebhookVerificationError("missing Api-Signature or Api-Timestamp")
    if not hmac.compare_digest(sign(body, secret, stamp_text.strip()), given.strip().lower()):
        raise WebhookVerificationError("bad signature")
    try:
        sent = datetime.fromtimestamp(int(stamp_text), UTC)
    except ValueError:
        try:
            sent = datetime.fromisoformat(stamp_text.replace("Z", "+00:00"))
        except ValueError as exc:
            raise WebhookVerificationError("Api-Timestamp is not a time") from exc
    if sent.tzinfo is None:
        sent = sent.replace(tzinfo=UTC)
    if abs(now - sent) > REPLAY_WINDOW:
        raise WebhookVerificationError("event is outside the replay window")


def _action(event: str) -> Action:
    last = event.rsplit(".", 1)[-1]
    if last in ("created", "deleted"):
        return last  # type: ignore[return-value]
    if last in ("completed", "canceled", "started", "on_my_way", "scheduled"):
        return "status_changed"
    return "updated"


def parse_webhook(body: bytes, *, account: str) -> Sequence[ChangeHint]:
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MalformedResponseError("webhook body is not JSON") from exc
    if not isinstance(data, dict):
        raise MalformedResponseError("webhook body is not an object")
    if data == _PING:
        return []
    event = data.get("event")
    if not isinstance(event, str) or not event:
        raise MalformedResponseError("webhook names no `event`")
    event_id = "sha256:" + hashlib.sha256(body).hexdigest()
    action = _action(event)

    def hint(resource: Any, external_id: str, modified: Any = None) -> ChangeHint:
        return ChangeHint(
            event_id=event_id,
            platform=PLATFORM,
            account=account,
            resource=resource,
            external_id=external_id,
            action=action,
            modified_at=_time(modified),
        )

    def record(key: str) -> dict[str, Any]:
        value = data.get(key)
        if not isinstance(value, dict) or not value.get("id"):
            raise MalformedResponseError(f"{event} event has no `{key}.id`")
        return value

    if event.startswith("job.appointment."):
        appointment = record("appointment")
        job_id = appointment.get("job_id") or (data.get("job") or {}).get("id")
        if not job_id:
            raise MalformedResponseError(f"{event} event has no `appointment.job_id`")
        return [hint("appointment", f"{job_id}/{appointment['id']}"), hint("job", str(job_id))]
    if event.startswith("job."):
        job = record("job")
        hints = [hint("job", str(job["id"]), job.get("updated_at"))]
        appointments = ((job.get("schedule") or {}).get("appointments")) or []
        ids = [
            f"{job['id']}/{a['id']}" for a in appointments if isinstance(a, dict) and a.get("id")
        ]
        for external_id in ids or [str(job["id"])]:
            hints.append(hint("appointment", external_id, job.get("updated_at")))
        return hints
    if event.startswith("customer."):
        return [hint("customer", str(record("customer")["id"]))]
    if event.startswith(("employee.", "pro.")):
        key = "employee" if "employee" in data else "pro"
        return [hint("technician", str(record(key)["id"]))]
    raise MalformedResponseError(f"unhandled event {event!r}")


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
