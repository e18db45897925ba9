"""The outbox worker: delivers queued SMS and Slack messages exactly once, or says why not.

The orchestrator's store implements `Outbox`; this package never imports it. A row moves
pending → sending → sent, back to pending with a delay on a retryable failure, or to dead on a
permanent one. A row left `uncertain` by a crashed worker is first looked up at the provider
(neither Twilio nor Slack takes an idempotency key) and resent only when not found.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from notifications.errors import (
    NotificationError,
    OptedOutError,
    PermanentDeliveryError,
    RateLimitedError,
    RetryableDeliveryError,
)
from notifications.messages import (
    SendReceipt,
    SlackMessage,
    SlackResponse,
    SlackUpdate,
    SmsMessage,
)

__all__ = ["DrainReport", "Outbox", "OutboxItem", "OutboxWorker", "Sender", "message_from_row"]

Message = SmsMessage | SlackMessage | SlackResponse | SlackUpdate


class OutboxItem(Protocol):
    @property
    def id(self) -> int | None: ...
    @property
    def idempotency_key(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def payload(self) -> dict[str, Any]: ...
    @property
    def attempts(self) -> int: ...
    @property
    def claimed_until(self) -> datetime | None: ...


class Outbox(Protocol):
    def claim_outbox(
        self, now: datetime, *, limit: int = ..., channel: str | None = ...
    ) -> Sequence[OutboxItem]: ...

    def finish_outbox(
        self,
        row_id: int,
        *,
        status: str,
        provider_id: str | None = ...,
        error: str | None = ...,
        retry_at: datetime | None = ...,
    ) -> None: ...

    def outbox(self, status: str | None = ...) -> Sequence[OutboxItem]: ...


class Sender(Protocol):
    async def send(self, message: Any) -> SendReceipt: ...

    async def find_sent(self, message: Any, since: datetime) -> SendReceipt | None: ...


def message_from_row(item: OutboxItem) -> Message:
    payload = item.payload
    if item.channel == "sms":
        return SmsMessage(
            idempotency_key=item.idempotency_key,
            to=payload["to"],
            body=payload["body"],
            validity_seconds=payload.get("validity_seconds"),
            status_callback=payload.get("status_callback"),
        )
    if item.channel == "slack":
        return SlackMessage(
            idempotency_key=item.idempotency_key,
            channel=payload["channel"],
            text=payload["text"],
            blocks=tuple(payload.get("blocks", ())),
            thread_ts=payload.get("thread_ts"),
        )
    if item.channel == "slack_response":
        return SlackResponse(
            idempotency_key=item.idempotency_key,
            response_url=payload["response_url"],
            text=payload["text"],
            blocks=tuple(payload.get("blocks", ())),
            replace_original=payload.get("replace_original", True),
        )
    if item.channel == "slack_update":
        return SlackUpdate(
            idempotency_key=item.idempotency_key,
            channel=payload["channel"],
            ts=payload["ts"],
            text=payload["text"],
        )
    raise ValueError(f"no message type for outbox channel {item.channel!r}")


@dataclass
class DrainReport:
    sent: int = 0
    retried: int = 0
    dead: int = 0
    opted_out: list[str] = field(default_factory=list)
    """Idempotency keys of messages refused because the recipient opted out."""


@dataclass
class OutboxWorker:
    outbox: Outbox
    senders: Mapping[str, Sender]
    """Channel name (`sms`, `slack`) → sender."""
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    max_attempts: int = 5
    batch: int = 50

    async def drain(self) -> DrainReport:
        """Send every due message of every channel once."""
        import asyncio

        report = DrainReport()
        for channel, sender in self.senders.items():
            now = self.clock()
            items = await asyncio.to_thread(
                self.outbox.claim_outbox, now, limit=self.batch, channel=channel
            )
            for item in items:
                await self._deliver(sender, item, report)
        return report

    async def reconcile_uncertain(self, min_age: timedelta = timedelta(minutes=1)) -> int:
        """Settle rows whose worker died mid-send; returns how many were settled."""
        import asyncio

        settled = 0
        now = self.clock()
        for item in await asyncio.to_thread(self.outbox.outbox, "uncertain"):
            sender = self.senders.get(item.channel)
            if sender is None or item.id is None:
                continue
            since = (item.claimed_until or now) - timedelta(hours=1)
            if item.claimed_until is not None and now - item.claimed_until < min_age:
                continue
            try:
                found = await sender.find_sent(message_from_row(item), since)
            except NotificationError:
                continue  # the provider cannot tell us now; ask again later
            if found is not None:
                await asyncio.to_thread(
                    self.outbox.finish_outbox, item.id, status="sent", provider_id=found.provider_id
                )
            else:
                await asyncio.to_thread(self.outbox.finish_outbox, item.id, status="pending")
            settled += 1
        return settled

    async def _deliver(self, sender: Sender, item: OutboxItem, report: DrainReport) -> None:
        import asyncio

        assert item.id is not None
        finish = self.outbox.finish_outbox
        try:
            receipt = await sender.send(message_from_row(item))
        except RateLimitedError as exc:
            delay = timedelta(seconds=exc.retry_after or 30)
            await asyncio.to_thread(
                finish, item.id, status="pending", error=str(exc), retry_at=self.clock() + delay
            )
            report.retried += 1
        except RetryableDeliveryError as exc:
            if item.attempts >= self.max_attempts:
                await asyncio.to_thread(finish, item.id, status="dead", error=str(exc))
                report.dead += 1
            else:
                delay = timedelta(seconds=min(900, 15 * 2 ** (item.attempts - 1)))
                await asyncio.to_thread(
                    finish, item.id, status="pending", error=str(exc), retry_at=self.clock() + delay
                )
                report.retried += 1
        except (PermanentDeliveryError, ValueError, KeyError) as exc:
            if isinstance(exc, OptedOutError):
                report.opted_out.append(item.idempotency_key)
            await asyncio.to_thread(finish, item.id, status="dead", error=str(exc)[:500])
            report.dead += 1
        else:
            await asyncio.to_thread(finish, item.id, status="sent", provider_id=receipt.provider_id)
            report.sent += 1
