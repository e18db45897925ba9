"""SMS templates render completely, stay short, and never ask for an opt-out word."""

from __future__ import annotations

import re

import pytest

from notifications import SMS_TEMPLATES, render_sms
from notifications.errors import TemplateError

VALUES = {
    "company": "Acme Heating & Air",
    "service": "furnace repair",
    "day": "Tue Dec 1",
    "window": "8-10 AM",
    "technician": "Mike",
    "eta": "9:40 AM",
    "tracking_url": "https://t.example.com/x/abc123",
}


@pytest.mark.parametrize("kind", sorted(SMS_TEMPLATES))
def test_each_template_renders_within_two_segments(kind: str) -> None:
    text = render_sms(kind, **VALUES)  # type: ignore[arg-type]
    assert "$" not in text and len(text) <= 306


@pytest.mark.parametrize("kind", sorted(SMS_TEMPLATES))
def test_no_template_asks_for_a_word_that_opts_the_customer_out(kind: str) -> None:
    text = render_sms(kind, **VALUES)  # type: ignore[arg-type]
    assert not re.search(r"\b(STOP|CANCEL|END|QUIT|UNSUBSCRIBE)\b", text, re.IGNORECASE)


def test_a_missing_value_is_an_error_naming_it() -> None:
    with pytest.raises(TemplateError, match="'eta'"):
        render_sms("on_my_way", company="Acme", technician="Mike", tracking_url="u")
