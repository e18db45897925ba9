"""Coordinator messages in Slack (slack-sdk WebClient, injected) and approval blocks."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.webhook import WebhookClient

from notifications.errors import PermanentDeliveryError, RateLimitedError, RetryableDeliveryError
from notifications.messages import SendReceipt, SlackMessage, SlackResponse, SlackUpdate

__all__ = [
    "ApprovalRequest",
    "SlackResponder",
    "SlackSender",
    "SlackUpdater",
    "approval_blocks",
]

METADATA_EVENT = "dispatch_outbox"


class SlackSender:
    def __init__(self, client: WebClient) -> None:
        self._client = client

    async def send(self, message: SlackMessage) -> SendReceipt:
        return await asyncio.to_thread(self._send, message)

    def _send(self, message: SlackMessage) -> SendReceipt:
        try:
            response = self._client.chat_postMessage(
                channel=message.channel,
                text=message.text,
                blocks=list(message.blocks) or None,
                thread_ts=message.thread_ts,
                # Tag the post so an uncertain send can be found again by its outbox key.
                metadata={
                    "event_type": METADATA_EVENT,
                    "event_payload": {"outbox_key": message.idempotency_key, **message.metadata},
                },
            )
        except SlackApiError as exc:
            raise _translate(exc) from exc
        except (SlackRequestError, OSError) as exc:
            raise RetryableDeliveryError(f"Slack unreachable: {type(exc).__name__}") from exc
        return SendReceipt(provider_id=f"{response['channel']}:{response['ts']}", status="sent")

    async def find_sent(self, message: SlackMessage, since: datetime) -> SendReceipt | None:
        return await asyncio.to_thread(self._find_sent, message, since)

    def _find_sent(self, message: SlackMessage, since: datetime) -> SendReceipt | None:
        try:
            history = self._client.conversations_history(
                channel=message.channel,
                oldest=str(since.timestamp()),
                include_all_metadata=True,
                limit=100,
            )
        except SlackApiError as exc:
            raise _translate(exc) from exc
        posted: dict[str, Any]
        for posted in history.get("messages", []):
            payload: dict[str, Any] = (posted.get("metadata") or {}).get("event_payload") or {}
            if payload.get("outbox_key") == message.idempotency_key:
                return SendReceipt(provider_id=f"{message.channel}:{posted['ts']}", status="sent")
        return None


class SlackUpdater:
    """Edits a message we posted (chat.update): used when an approval expires unanswered."""

    def __init__(self, client: WebClient) -> None:
        self._client = client

    async def send(self, message: SlackUpdate) -> SendReceipt:
        return await asyncio.to_thread(self._send, message)

    def _send(self, message: SlackUpdate) -> SendReceipt:
        try:
            # `blocks: []` clears the buttons; omitting it would keep them.
            self._client.chat_update(
                channel=message.channel, ts=message.ts, text=message.text, blocks=[]
            )
        except SlackApiError as exc:
            raise _translate(exc) from exc
        except (SlackRequestError, OSError) as exc:
            raise RetryableDeliveryError(f"Slack unreachable: {type(exc).__name__}") from exc
        return SendReceipt(provider_id=f"{message.channel}:{message.ts}", status="sent")

    async def find_sent(self, message: SlackUpdate, since: datetime) -> SendReceipt | None:
        return None  # an edit to the same text is harmless to repeat


class SlackResponder:
    """Updates a clicked message through its response_url (slack-sdk WebhookClient)."""

    def __init__(self, timeout: float = 10) -> None:
        self._timeout = int(timeout)

    async def send(self, message: SlackResponse) -> SendReceipt:
        return await asyncio.to_thread(self._send, message)

    def _send(self, message: SlackResponse) -> SendReceipt:
        client = WebhookClient(message.response_url, timeout=self._timeout)
        try:
            response = client.send(
                text=message.text,
                blocks=list(message.blocks) or None,
                replace_original=message.replace_original,
            )
        except OSError as exc:
            raise RetryableDeliveryError(f"Slack unreachable: {type(exc).__name__}") from exc
        if response.status_code == 429:
            retry_after = response.headers.get("Retry-After") or response.headers.get("retry-after")
            raise RateLimitedError("Slack rate limit", float(retry_after) if retry_after else None)
        if response.status_code >= 500:
            raise RetryableDeliveryError(f"Slack temporary failure: {response.status_code}")
        if response.status_code != 200:
            # response_url uses run out (5 uses / 30 minutes): nothing more can be done here.
            raise PermanentDeliveryError(f"Slack refused the update: {response.body!r}"[:200])
        return SendReceipt(provider_id=message.response_url.rsplit("/", 1)[-1], status="sent")

    async def find_sent(self, message: SlackResponse, since: datetime) -> SendReceipt | None:
        return None  # replacing with the same content again is harmless


def _translate(exc: SlackApiError) -> Exception:
    status = exc.response.status_code
    error = exc.response.get("error", "unknown_error") if exc.response is not None else "unknown"
    if status == 429:
        retry_after = exc.response.headers.get("Retry-After") or exc.response.headers.get(
            "retry-after"
        )
        return RateLimitedError("Slack rate limit", float(retry_after) if retry_after else None)
    if status >= 500 or error in ("internal_error", "fatal_error", "service_unavailable"):
        return RetryableDeliveryError(f"Slack temporary failure: {error}")
    return PermanentDeliveryError(f"Slack refused the message: {error}")


@dataclass(frozen=True, slots=True)
class ApprovalRequest:
    approval_id: str
    version: int
    title: str
    why: str
    technician: str
    eta: str
    bumped: Sequence[tuple[str, int]]
    """(customer label, minutes of delay) for each job the change pushes."""
    sla_risk: str | None = None
    options: Sequence[tuple[str, str]] = ()
    """(value, label) alternatives to the proposed change."""
    expires: str | None = None
    reject_means: str = "The current plan stays as it is."
    """What rejecting does, shown in the confirmation dialog."""


def approval_blocks(request: ApprovalRequest) -> tuple[dict[str, Any], ...]:
    """Block Kit for one approval; ids carry the version so stale clicks are recognised."""
    block_id = f"approval:{request.approval_id}:v{request.version}"
    bumped = "\n".join(f"• {who}: +{minutes} min" for who, minutes in request.bumped) or "nobody"
    fields = [
        {"type": "mrkdwn", "text": f"*Technician*\n{request.technician} (ETA {request.eta})"},
        {"type": "mrkdwn", "text": f"*Pushed back*\n{bumped}"},
    ]
    if request.sla_risk:
        fields.append({"type": "mrkdwn", "text": f"*SLA risk*\n{request.sla_risk}"})
    elements: list[dict[str, Any]] = [
        {
            "type": "button",
            "action_id": "approve",
            "style": "primary",
            "value": request.approval_id,
            "text": {"type": "plain_text", "text": "Approve"},
        },
    ]
    if request.options:
        elements.append(
            {
                "type": "static_select",
                "action_id": "choose_option",
                "placeholder": {"type": "plain_text", "text": "Other options"},
                "options": [
                    {"text": {"type": "plain_text", "text": label[:75]}, "value": value}
                    for value, label in request.options
                ],
            }
        )
    elements.append(
        {
            "type": "button",
            "action_id": "reject",
            "style": "danger",
            "value": request.approval_id,
            "text": {"type": "plain_text", "text": "Reject"},
            "confirm": {
                "title": {"type": "plain_text", "text": "Reject this change?"},
                "text": {"type": "mrkdwn", "text": request.reject_means},
                "confirm": {"type": "plain_text", "text": "Reject"},
                "deny": {"type": "plain_text", "text": "Keep open"},
            },
        }
    )
    context = f"approval {request.approval_id} v{request.version}"
    if request.expires:
        context += f" · expires {request.expires}"
    return (
        {"type": "header", "text": {"type": "plain_text", "text": request.title[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": request.why}},
        {"type": "section", "fields": fields},
        {"type": "actions", "block_id": block_id, "elements": elements},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": context}]},
    )
