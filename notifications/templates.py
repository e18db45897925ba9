"""Customer SMS templates.

Replies that act on an appointment use YES / 2, never STOP, CANCEL, END or QUIT: on a long code
those words opt the customer out of every message from us.
"""

from __future__ import annotations

from string import Template
from typing import Literal

from notifications.errors import TemplateError

__all__ = ["SMS_TEMPLATES", "SmsKind", "render_sms"]

SmsKind = Literal["confirmation", "reminder", "on_my_way", "delay", "sooner", "declined", "csat"]

SMS_TEMPLATES: dict[SmsKind, str] = {
    "confirmation": (
        "$company: your $service visit is booked for $day between $window. "
        "Reply YES to confirm or 2 to reschedule."
    ),
    "reminder": (
        "$company: reminder of your $service visit $day between $window. "
        "Reply YES to confirm or 2 to reschedule."
    ),
    "on_my_way": "$company: $technician is on the way, arriving around $eta. Track: $tracking_url",
    "delay": (
        "$company: we're running late. $technician now expects to arrive around $eta "
        "(window $window). Sorry for the wait. Reply 2 to pick another time."
    ),
    "sooner": (
        "$company: we can come sooner for your $service visit. $technician can be there from $eta "
        "(window now $window). Reply 2 if that time does not suit you."
    ),
    "declined": (
        "$company: we're sorry, we cannot send a technician for your $service call today. "
        "Our office will call you to find the soonest time."
    ),
    "csat": "$company: how did $technician do today? Reply 1 (poor) to 5 (great).",
}

# Two GSM-7 segments; longer texts cost more and arrive split on some phones.
MAX_LENGTH = 306


def render_sms(kind: SmsKind, **values: str) -> str:
    """Fill a template; a missing value or an over-long text is an error, never sent."""
    try:
        template = Template(SMS_TEMPLATES[kind])
    except KeyError as exc:
        raise TemplateError(f"no SMS template named {kind!r}") from exc
    try:
        text = template.substitute(values)
    except KeyError as exc:
        raise TemplateError(f"SMS template {kind!r} needs a value for {exc.args[0]!r}") from exc
    if len(text) > MAX_LENGTH:
        raise TemplateError(f"SMS {kind!r} renders to {len(text)} characters (max {MAX_LENGTH})")
    return text
