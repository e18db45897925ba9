"""The outbox worker sends each queued message once, retries what can be, and settles crashes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient
from twilio.rest import Client

from notifications import OutboxWorker, SlackSender, SmsMessage, TwilioSmsSender
from orchestrator.store import Store
from tests.fakes.slack_server import FakeSlack
from tests.fakes.twilio_server import FakeTwilio
from tests.live_server import serve

TO = "+13035550199"


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def fakes() -> Iterator[tuple[FakeTwilio, FakeSlack, dict[str, object]]]:
    twilio, slack = FakeTwilio(), FakeSlack()
    with serve(twilio.app()) as twilio_url, serve(slack.app()) as slack_url:
        client = Client(twilio.account_sid, twilio.auth_token)
        client.api.base_url = twilio_url
        senders = {
            "sms": TwilioSmsSender(client, from_number="+13035550100"),
            "slack": SlackSender(WebClient(token=slack.token, base_url=f"{slack_url}/api/")),
        }
        yield twilio, slack, senders


def _queue_sms(store: Store, key: str, body: str = "Mike is on the way") -> None:
    store.enqueue(idempotency_key=key, channel="sms", payload={"to": TO, "body": body})


async def test_each_queued_message_is_sent_once(store: Store, fakes) -> None:  # type: ignore[no-untyped-def]
    twilio, slack, senders = fakes
    clock = Clock()
    _queue_sms(store, "sms:J1:on_my_way")
    _queue_sms(store, "sms:J1:on_my_way")  # the same decision taken twice
    store.enqueue(
        idempotency_key="slack:1", channel="slack", payload={"channel": "C1", "text": "hi"}
    )
    clock.now += timedelta(seconds=1)
    worker = OutboxWorker(store, senders, clock=clock)  # type: ignore[arg-type]
    report = await worker.drain()
    again = await worker.drain()
    assert (report.sent, again.sent) == (2, 0)
    assert len(twilio.messages) == 1 and len(slack.posts) == 1
    assert {row.status for row in store.outbox()} == {"sent"}


async def test_a_throttled_message_waits_its_retry_after_then_goes(store: Store, fakes) -> None:  # type: ignore[no-untyped-def]
    twilio, slack, senders = fakes
    clock = Clock()
    store.enqueue(
        idempotency_key="slack:1", channel="slack", payload={"channel": "C1", "text": "hi"}
    )
    clock.now += timedelta(seconds=1)
    slack.rate_limit_next = 1
    worker = OutboxWorker(store, {"slack": senders["slack"]}, clock=clock)  # type: ignore[arg-type, dict-item]
    assert (await worker.drain()).retried == 1
    clock.now += timedelta(seconds=3)
    assert (await worker.drain()).sent == 0  # Retry-After of 7 s not yet over
    clock.now += timedelta(seconds=5)
    assert (await worker.drain()).sent == 1
    assert len(slack.posts) == 1


async def test_an_opted_out_customer_is_never_texted_and_is_reported(store: Store, fakes) -> None:  # type: ignore[no-untyped-def]
    twilio, _slack, senders = fakes
    twilio.opted_out.add(TO)
    clock = Clock()
    _queue_sms(store, "sms:J1:reminder")
    clock.now += timedelta(seconds=1)
    report = await OutboxWorker(store, {"sms": senders["sms"]}, clock=clock).drain()  # type: ignore[arg-type, dict-item]
    assert report.opted_out == ["sms:J1:reminder"] and report.dead == 1
    assert twilio.messages == []


async def test_a_crash_mid_send_is_settled_without_a_duplicate(store: Store, fakes) -> None:  # type: ignore[no-untyped-def]
    """The worker died after Twilio accepted the text: reconciliation finds it, no resend."""
    twilio, _slack, senders = fakes
    clock = Clock()
    _queue_sms(store, "sms:J1:on_my_way", body="Ana is on the way")
    _queue_sms(store, "sms:J2:on_my_way", body="Tom is on the way")
    clock.now += timedelta(seconds=1)
    claimed = store.claim_outbox(clock.now)  # a worker claims both...
    await senders["sms"].send(SmsMessage("sms:J1:on_my_way", TO, "Ana is on the way"))  # type: ignore[attr-defined]
    # ...sends only the first, and dies.
    assert len(claimed) == 2
    clock.now += timedelta(minutes=5)
    assert store.release_stuck_outbox(clock.now) == 2
    worker = OutboxWorker(store, {"sms": senders["sms"]}, clock=clock)  # type: ignore[arg-type, dict-item]
    assert await worker.reconcile_uncertain() == 2
    await worker.drain()
    bodies = sorted(m["body"] for m in twilio.messages)
    assert bodies == ["Ana is on the way", "Tom is on the way"]  # each exactly once
    assert {row.status for row in store.outbox()} == {"sent"}
