"""Structured logging: JSON off a terminal, readable on one, personal data masked everywhere.

Every event passes through `redact_personal_data` before it is rendered, so a phone number,
e-mail address or street address that reaches a log call is masked whatever the call site did.
Correlation ids (one per sync, plan or request) ride in structlog's context variables.
"""

from __future__ import annotations

import logging
import re
import sys
import uuid
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any, Literal, TextIO

import structlog
from structlog.typing import EventDict, WrappedLogger

__all__ = [
    "bind_correlation",
    "configure_logging",
    "new_correlation_id",
    "redact_personal_data",
    "redact_text",
]

MASK = "[redacted]"

# Keys whose whole value is personal data, whatever it looks like.
_PERSONAL_KEYS = {
    "phone",
    "phone_number",
    "mobile",
    "email",
    "address",
    "street",
    "street_address",
    "to",
    "from_",
    "customer_name",
    "lat",
    "lon",
}

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# E.164 (+13035550101) and North-American forms ((303) 555-0101, 303.555.0101, 303-555-0101).
_PHONE = re.compile(
    r"(?<![\w])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{3}\)|\d{3})[\s.-]?\d{3}[\s.-]?\d{4}(?![\w])"
    r"|(?<![\w])\+\d{8,15}(?![\w])"
)
_STREET_SUFFIX = (
    r"St|Street|Ave|Avenue|Blvd|Boulevard|Rd|Road|Dr|Drive|Ln|Lane|Ct|Court|Way|Pl|Place|"
    r"Pkwy|Parkway|Cir|Circle|Ter|Terrace|Hwy|Highway|Trl|Trail|Loop|Sq|Square|Calle|Avenida"
)
_STREET = re.compile(
    r"\b\d{1,6}(?:-\d{1,4})?\s+(?:[NSEW]\.?\s+|North\s+|South\s+|East\s+|West\s+)?"
    r"(?:[A-Za-z0-9'.-]+\s+){0,4}(?:" + _STREET_SUFFIX + r")\b\.?"
    r"(?:\s*(?:#|Apt\.?|Unit|Suite|Ste\.?)\s*[\w-]+)?",
    re.IGNORECASE,
)


def redact_text(text: str) -> str:
    """Mask e-mail addresses, phone numbers and street addresses inside free text."""
    text = _EMAIL.sub(MASK, text)
    text = _STREET.sub(MASK, text)
    return _PHONE.sub(MASK, text)


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, MutableMapping):
        return {
            k: (MASK if str(k).lower() in _PERSONAL_KEYS else _redact_value(v))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [_redact_value(v) for v in value]
    return value


def redact_personal_data(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """structlog processor: mask personal data in every key and value of the event."""
    for key in list(event_dict):
        if key.lower() in _PERSONAL_KEYS:
            event_dict[key] = MASK
        else:
            event_dict[key] = _redact_value(event_dict[key])
    return event_dict


def configure_logging(
    level: str = "INFO",
    fmt: Literal["auto", "json", "console"] = "auto",
    stream: TextIO | None = None,
) -> None:
    """Configure structlog (and the standard library's root logger) for the process."""
    out = stream if stream is not None else sys.stderr
    use_json = fmt == "json" or (fmt == "auto" and not out.isatty())
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if use_json
        else structlog.dev.ConsoleRenderer(colors=out.isatty())
    )
    numeric = logging.getLevelNamesMapping()[level.upper()]
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            redact_personal_data,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        # Without an explicit stream, resolve sys.stderr when a logger is made rather than now,
        # so a replaced stderr (a test runner, a daemon redirect) is honoured.
        logger_factory=(
            structlog.PrintLoggerFactory(file=stream)
            if stream is not None
            else lambda *_: structlog.PrintLogger(file=sys.stderr)
        ),
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(level=max(numeric, logging.WARNING), stream=out, force=True)


def new_correlation_id(kind: str) -> str:
    return f"{kind}-{uuid.uuid4().hex[:12]}"


@contextmanager
def bind_correlation(kind: str, **extra: Any) -> Iterator[str]:
    """Bind a fresh correlation id (`sync-…`, `plan-…`, `req-…`) for the duration of a block."""
    correlation_id = new_correlation_id(kind)
    with structlog.contextvars.bound_contextvars(correlation_id=correlation_id, **extra):
        yield correlation_id
