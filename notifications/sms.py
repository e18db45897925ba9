"""Customer SMS through Twilio's Messages API (twilio SDK, injected client)."""

from __future__ import annotations

import asyncio
from datetime import datetime

from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from notifications.errors import (
    OptedOutError,
    PermanentDeliveryError,
    RateLimitedError,
    RetryableDeliveryError,
    UndeliverableNumberError,
)
from notifications.messages import SendReceipt, SmsMessage

__all__ = ["TwilioSmsSender", "translate_twilio_error"]

# Twilio error codes (https://www.twilio.com/docs/api/errors); hints, refined by Twilio over time.
_OPTED_OUT = {21610}
_UNDELIVERABLE = {21211, 21614, 21635, 30004, 30005, 30006}
_RATE = {20429, 21611, 30001}
_TRANSIENT = {30003, 30008}


def translate_twilio_error(exc: TwilioRestException) -> Exception:
    code = exc.code or 0
    if code in _OPTED_OUT:
        return OptedOutError(f"recipient opted out (Twilio {code})")
    if code in _UNDELIVERABLE:
        return UndeliverableNumberError(f"number cannot receive SMS (Twilio {code})")
    if code in _RATE or exc.status == 429:
        return RateLimitedError(f"Twilio is throttling (status {exc.status}, code {code})")
    if code in _TRANSIENT or exc.status >= 500:
        return RetryableDeliveryError(
            f"Twilio temporary failure (status {exc.status}, code {code})"
        )
    return PermanentDeliveryError(f"Twilio refused the message (status {exc.status}, code {code})")


class TwilioSmsSender:
    """Sends one SMS per call. The Twilio client is injected so tests point it at a fake."""

    def __init__(
        self,
        client: Client,
        *,
        from_number: str | None = None,
        messaging_service_sid: str | None = None,
    ) -> None:
        if not (from_number or messaging_service_sid):
            raise ValueError("set a sender number or a messaging service sid")
        self._client = client
        self._from = from_number
        self._service = messaging_service_sid

    async def send(self, message: SmsMessage) -> SendReceipt:
        return await asyncio.to_thread(self._send, message)

    def _send(self, message: SmsMessage) -> SendReceipt:
        kwargs: dict[str, object] = {"to": message.to, "body": message.body}
        if self._service:
            kwargs["messaging_service_sid"] = self._service
        else:
            kwargs["from_"] = self._from
        if message.validity_seconds is not None:
            kwargs["validity_period"] = message.validity_seconds
        if message.status_callback is not None:
            kwargs["status_callback"] = message.status_callback
        try:
            created = self._client.messages.create(**kwargs)
        except TwilioRestException as exc:
            raise translate_twilio_error(exc) from exc
        except OSError as exc:  # connection refused / reset, read timeout from requests
            raise RetryableDeliveryError(f"Twilio unreachable: {type(exc).__name__}") from exc
        return SendReceipt(provider_id=str(created.sid), status=str(created.status))

    async def find_sent(self, message: SmsMessage, since: datetime) -> SendReceipt | None:
        """Look for this message at Twilio (for an `uncertain` outbox row) before any resend."""
        return await asyncio.to_thread(self._find_sent, message, since)

    def _find_sent(self, message: SmsMessage, since: datetime) -> SendReceipt | None:
        try:
            recent = self._client.messages.list(to=message.to, limit=20)
        except TwilioRestException as exc:
            raise translate_twilio_error(exc) from exc
        except OSError as exc:
            raise RetryableDeliveryError(f"Twilio unreachable: {type(exc).__name__}") from exc
        for sent in recent:
            created = sent.date_created
            if sent.body == message.body and (created is None or created >= since):
                return SendReceipt(provider_id=str(sent.sid), status=str(sent.status))
        return None
