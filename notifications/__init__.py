"""Customer SMS (Twilio) and coordinator Slack messages, delivered through an outbox."""

from notifications import errors
from notifications.messages import (
    SendReceipt,
    SlackMessage,
    SlackResponse,
    SlackUpdate,
    SmsMessage,
)
from notifications.outbox import DrainReport, Outbox, OutboxItem, OutboxWorker, Sender
from notifications.slack import (
    ApprovalRequest,
    SlackResponder,
    SlackSender,
    SlackUpdater,
    approval_blocks,
)
from notifications.sms import TwilioSmsSender
from notifications.templates import SMS_TEMPLATES, render_sms

__all__ = [
    "SMS_TEMPLATES",
    "ApprovalRequest",
    "DrainReport",
    "Outbox",
    "OutboxItem",
    "OutboxWorker",
    "SendReceipt",
    "Sender",
    "SlackMessage",
    "SlackResponder",
    "SlackResponse",
    "SlackSender",
    "SlackUpdate",
    "SlackUpdater",
    "SmsMessage",
    "TwilioSmsSender",
    "approval_blocks",
    "errors",
    "render_sms",
]
