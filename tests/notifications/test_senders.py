"""SMS and Slack senders speak the providers' wire formats and translate their failures."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient
from twilio.rest import Client

from notifications import (
    SlackMessage,
    SlackResponder,
    SlackResponse,
    SlackSender,
    SmsMessage,
    TwilioSmsSender,
)
from notifications.errors import (
    OptedOutError,
    PermanentDeliveryError,
    RateLimitedError,
    RetryableDeliveryError,
    UndeliverableNumberError,
)
from tests.fakes.slack_server import FakeSlack
from tests.fakes.twilio_server import FakeTwilio
from tests.live_server import serve

TO = "+13035550199"


@pytest.fixture
def twilio() -> Iterator[tuple[FakeTwilio, TwilioSmsSender]]:
    fake = FakeTwilio()
    with serve(fake.app()) as url:
        client = Client(fake.account_sid, fake.auth_token)
        client.api.base_url = url  # the SDK's own domain object, pointed at the fake
        yield fake, TwilioSmsSender(client, from_number="+13035550100")


@pytest.fixture
def slack_base() -> Iterator[tuple[FakeSlack, str]]:
    fake = FakeSlack()
    with serve(fake.app()) as url:
        yield fake, url


@pytest.fixture
def slack() -> Iterator[tuple[FakeSlack, SlackSender]]:
    fake = FakeSlack()
    with serve(fake.app()) as url:
        yield fake, SlackSender(WebClient(token=fake.token, base_url=f"{url}/api/", timeout=5))


async def test_an_sms_goes_out_with_its_validity_period(twilio) -> None:  # type: ignore[no-untyped-def]
    fake, sender = twilio
    receipt = await sender.send(SmsMessage("k1", TO, "Mike is on the way", validity_seconds=900))
    [sent] = fake.messages
    assert receipt.provider_id == sent["sid"] and receipt.status == "queued"
    assert (sent["to"], sent["body"], sent["validity_period"]) == (TO, "Mike is on the way", "900")


@pytest.mark.parametrize(
    ("status", "code", "error"),
    [
        (400, 21610, OptedOutError),
        (400, 21614, UndeliverableNumberError),
        (429, 20429, RateLimitedError),
        (500, 20500, RetryableDeliveryError),
        (400, 21602, PermanentDeliveryError),
    ],
)
async def test_twilio_errors_become_ours(twilio, status: int, code: int, error: type) -> None:  # type: ignore[no-untyped-def]
    fake, sender = twilio
    fake.fail_next.append((status, code))
    with pytest.raises(error):
        await sender.send(SmsMessage("k1", TO, "hello"))


async def test_an_sms_that_left_is_found_again_by_body(twilio) -> None:  # type: ignore[no-untyped-def]
    fake, sender = twilio
    since = datetime.now(UTC) - timedelta(minutes=1)
    message = SmsMessage("k1", TO, "Your visit is booked")
    assert await sender.find_sent(message, since) is None
    sent = await sender.send(message)
    found = await sender.find_sent(message, since)
    assert found is not None and found.provider_id == sent.provider_id


def test_an_sms_to_a_malformed_number_is_refused_before_sending() -> None:
    with pytest.raises(ValueError, match="E.164"):
        SmsMessage("k1", "303-555-0199", "hello")


async def test_a_slack_post_carries_its_outbox_key_and_is_found_again(slack) -> None:  # type: ignore[no-untyped-def]
    fake, sender = slack
    message = SlackMessage(
        "approval:7",
        "C123",
        "Approve emergency insertion?",
        blocks=({"type": "section", "text": {"type": "mrkdwn", "text": "x"}},),
    )
    receipt = await sender.send(message)
    [post] = fake.posts
    assert receipt.provider_id == f"C123:{post['ts']}"
    assert post["metadata"]["event_payload"]["outbox_key"] == "approval:7"
    found = await sender.find_sent(message, datetime.now(UTC) - timedelta(minutes=5))
    assert found is not None and found.provider_id == receipt.provider_id


async def test_a_slack_429_is_a_rate_limit_with_its_retry_after(slack) -> None:  # type: ignore[no-untyped-def]
    fake, sender = slack
    fake.rate_limit_next = 1
    with pytest.raises(RateLimitedError) as info:
        await sender.send(SlackMessage("k", "C123", "hello"))
    assert info.value.retry_after == 7


async def test_a_clicked_message_is_replaced_through_its_response_url(slack_base) -> None:  # type: ignore[no-untyped-def]
    fake, url = slack_base
    responder = SlackResponder()
    update = SlackResponse("approval:3:decided", f"{url}/actions/T1/B1/xyz", "Approved by <@U1>")
    await responder.send(update)
    assert fake.responses == [{"text": "Approved by <@U1>", "replace_original": True}]
    for _ in range(4):
        await responder.send(update)
    with pytest.raises(PermanentDeliveryError, match="refused"):
        await responder.send(update)  # the sixth use of a response_url is refused
