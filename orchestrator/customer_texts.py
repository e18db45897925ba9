"""Customer texts a plan decides: a delay notice when a promise slips, a reminder the day before.

They are queued in the transaction that stores the plan, as its write-backs are, each under an
idempotency key, so a re-plan every 15 minutes neither loses a text nor sends one twice:

- **Delay notice** (fired without asking, as DESIGN's approval policy has it): today's plan
  reaches a customer more than `DELAY_GRACE` after the end of the arrival window they were
  promised, that window closes within `DELAY_LEAD`, and the visit has not begun. The customer
  hears again only if the expected arrival slips by another `DELAY_STEP` (the key carries the
  step), never for a plan that gets better. A notice is dropped, not sent late, once the
  planned arrival has come.
- **Sooner**: today's plan reaches an emergency at least `sooner.SOONER_MARGIN` before the
  window the customer booked; the promise is brought forward (`sooner.brought_forward`) and the
  customer told the new time, once per promise moved.
- **Reminder**: the next-day plan reminds each customer with a promised window of their visit.
- **Declined**: a coordinator answered an emergency's question with "send nobody today"; its
  customer is told, once per day, that nobody comes today and the office will call.
- **Confirmation**: a visit booked without a window is promised one by the plan that places it
  (`promises.py`); the customer is told it once (the key carries the promise), today's or a
  later day's, as long as that is before the planned arrival. For a later day the confirmation
  stands for that day's reminder: it takes the reminder's key, so the customer gets one text.

Nothing goes out in the account's quiet hours: a text decided then waits for them to end, and
is dropped if that is too late to matter. Numbers are never logged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import structlog
from sqlmodel import Session

from connectors.records import (
    Appointment,
    Customer,
    Job,
    Lifecycle,
    Technician,
    TimeWindow,
    Urgency,
)
from notifications import render_sms
from orchestrator.planning import urgency_of
from orchestrator.sooner import brought_forward
from orchestrator.store import PlannedAssignment, Store

__all__ = [
    "CHANNEL",
    "DELAY_GRACE",
    "DELAY_STEP",
    "CustomerText",
    "QuietHours",
    "plan_texts",
    "queue_texts",
    "textable_number",
]

log = structlog.get_logger(__name__)

CHANNEL = "sms"
DELAY_GRACE = timedelta(minutes=10)
"""How far past the promised window a planned arrival may be before the customer is told."""
DELAY_STEP = timedelta(minutes=30)
"""A further slip of this much brings a new notice; less does not."""
DELAY_LEAD = timedelta(minutes=60)
"""A delay is announced once the promised window closes within this time. Earlier in the day
plans still move stops both ways as visits finish early or late and tickets come in: over ten
simulated 12 × 47 days, announcing every planned delay at once told 25 customers of a delay
who were then reached inside their window, as many as the 25 late ones it told in time."""
DELAY_VALIDITY_SECONDS = 30 * 60
"""A delay notice still waiting at Twilio after this long is stale: Twilio drops it."""
REMINDER_VALIDITY_SECONDS = 4 * 3600

TextKind = Literal["delay", "sooner", "reminder", "confirmation", "declined"]

_TRADES = {
    "hvac": "heating and cooling",
    "plumbing": "plumbing",
    "electrical": "electrical",
    "appliance": "appliance repair",
    "refrigeration": "refrigeration",
}
_NANP = re.compile(r"^(?:\+1|1)?(\d{10})$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_SETTLED = (Lifecycle.ON_SITE, Lifecycle.ON_HOLD, Lifecycle.COMPLETED, Lifecycle.CANCELED)
"""An appointment in these states has been reached (or will not be): no delay to announce."""


@dataclass(frozen=True, slots=True)
class QuietHours:
    """Local hours in which no customer is texted, e.g. 21:00 to 08:00 (may span midnight)."""

    start: time
    end: time

    @classmethod
    def parse(cls, pair: tuple[str, str]) -> QuietHours:
        return cls(time.fromisoformat(pair[0]), time.fromisoformat(pair[1]))

    def next_allowed(self, moment: datetime, zone: ZoneInfo) -> datetime:
        """`moment`, or the end of the quiet hours it falls in."""
        local = moment.astimezone(zone)
        now = local.timetz().replace(tzinfo=None)
        if self.start == self.end:
            return moment
        if self.start < self.end:
            quiet = self.start <= now < self.end
            end_day = local.date()
        else:  # spans midnight
            quiet = now >= self.start or now < self.end
            end_day = local.date() + timedelta(days=1) if now >= self.start else local.date()
        if not quiet:
            return moment
        return datetime.combine(end_day, self.end, zone)


@dataclass(frozen=True, slots=True)
class CustomerText:
    kind: TextKind
    idempotency_key: str
    appointment_id: str
    to: str
    body: str
    available_at: datetime
    expires_at: datetime
    validity_seconds: int


def textable_number(phone: str | None) -> str | None:
    """The customer's number in E.164, or None if it cannot take a text from us.

    Ten-digit North American numbers, with or without +1 and punctuation, are accepted."""
    if not phone:
        return None
    compact = re.sub(r"[\s().-]", "", phone)
    if compact.startswith("+") and not compact.startswith("+1"):
        return compact if _E164.match(compact) else None
    match = _NANP.match(compact)
    return f"+1{match.group(1)}" if match else None


def plan_texts(
    *,
    account: str,
    platform: str,
    company: str,
    today: bool,
    assignments: Iterable[PlannedAssignment],
    appointments: Iterable[Appointment],
    jobs: Mapping[str, Job],
    customers: Mapping[str, Customer],
    technicians: Mapping[str, Technician],
    zone: ZoneInfo,
    quiet: QuietHours,
    now: datetime,
    new_promises: Mapping[str, TimeWindow] | None = None,
) -> list[CustomerText]:
    """The texts a plan calls for (see the module docstring); pure, for any clock.

    `today`: the plan is a re-plan of the day under way (delay notices); otherwise it lays out a
    later day (reminders). `new_promises`: appointment id → the window this plan promises a visit
    the platform shows none for (confirmations)."""
    by_id = {a.external_id: a for a in appointments if not a.deleted}
    given = new_promises or {}
    texts: list[CustomerText] = []
    for planned in assignments:
        appointment = by_id.get(planned.appointment_external_id or "")
        if appointment is None:
            continue
        if appointment.arrival_window is None and appointment.external_id not in given:
            continue  # no promise to keep or to remind of
        job = jobs.get(appointment.job_id)
        if job is None or job.deleted:
            continue
        customer = customers.get(job.customer_id or "")
        to = textable_number(customer.phone if customer else None)
        if to is None:
            continue
        tech = technicians.get(planned.technician_external_id)
        key_base = f"{platform}:{account}:{appointment.external_id}"
        if appointment.arrival_window is None:
            text = _confirmation(
                given[appointment.external_id], appointment, job, to, key_base, company,
                arrival=planned.planned_start, now=now, zone=zone, quiet=quiet,
            )  # fmt: skip
            texts += [text] if text else []
            continue
        promised = appointment.arrival_window
        if not today:
            if appointment.status.is_terminal or promised.start <= now:
                continue
            available = quiet.next_allowed(now, zone)
            if available >= promised.start:
                continue
            body = render_sms(
                "reminder",
                company=company,
                service=_service(job),
                day=_day_words(promised.start.astimezone(zone).date(), now.astimezone(zone).date()),
                window=_window_words(promised, zone),
            )
            day = promised.start.astimezone(zone).date().isoformat()
            texts.append(
                CustomerText(
                    "reminder",
                    f"sms:reminder:{key_base}:{day}",
                    appointment.external_id,
                    to,
                    body,
                    available,
                    promised.start,
                    REMINDER_VALIDITY_SECONDS,
                )
            )
            continue
        arrival = planned.planned_start
        if urgency_of(job) is Urgency.EMERGENCY and appointment.status not in _SETTLED:
            sooner = brought_forward(promised, arrival, now=now)
            if sooner is not None:
                body = render_sms(
                    "sooner",
                    company=company,
                    service=_service(job),
                    technician=_first_name(tech),
                    eta=_clock(_rounded(arrival), zone),
                    window=_window_words(sooner, zone),
                )
                key = f"sms:sooner:{key_base}:{promised.start.isoformat()}"
                text = _before_arrival(
                    "sooner", key, appointment, to, body, arrival, now, zone, quiet
                )
                texts += [text] if text else []
                continue
        late = arrival - promised.end
        if late <= DELAY_GRACE or appointment.status in _SETTLED:
            continue
        if now < promised.end - DELAY_LEAD:
            continue  # too early to be sure: the plan will say again
        body = render_sms(
            "delay",
            company=company,
            technician=_first_name(tech),
            eta=_clock(_rounded(arrival), zone),
            window=_window_words(promised, zone),
        )
        key = f"sms:delay:{key_base}:{int(late / DELAY_STEP)}"
        text = _before_arrival("delay", key, appointment, to, body, arrival, now, zone, quiet)
        texts += [text] if text else []
    return texts


def declined_texts(
    *,
    account: str,
    platform: str,
    company: str,
    declined: Iterable[str],
    appointments: Iterable[Appointment],
    jobs: Mapping[str, Job],
    customers: Mapping[str, Customer],
    zone: ZoneInfo,
    quiet: QuietHours,
    now: datetime,
) -> list[CustomerText]:
    """For each job in `declined` (emergencies a coordinator decided to send nobody to today),
    the customer told so, once that day, once the quiet hours allow and before the day ends.
    A visit a technician already has on their app, or finished, is settled between them and
    the coordinator (the plan does not take it back either): nothing is sent."""
    day = now.astimezone(zone).date()
    day_ends = datetime.combine(day + timedelta(days=1), time(), zone)
    visits: dict[str, Appointment] = {}
    for a in sorted(appointments, key=lambda a: a.status is Lifecycle.CANCELED):
        if not a.deleted:
            visits.setdefault(a.job_id, a)  # a live visit before a canceled one
    texts: list[CustomerText] = []
    for job_id in sorted(declined):
        job = jobs.get(job_id)
        visit = visits.get(job_id)
        if job is None or job.deleted or job.status.is_terminal:
            continue
        if visit is not None and (visit.status.is_started or visit.status.is_terminal):
            continue
        customer = customers.get(job.customer_id or "")
        to = textable_number(customer.phone if customer else None)
        available = quiet.next_allowed(now, zone)
        if to is None or available >= day_ends:
            continue
        body = render_sms("declined", company=company, service=_service(job))
        texts.append(
            CustomerText(
                "declined",
                f"sms:declined:{platform}:{account}:{job_id}:{day.isoformat()}",
                visit.external_id if visit is not None else "",
                to,
                body,
                available,
                day_ends,
                REMINDER_VALIDITY_SECONDS,
            )
        )
    return texts


def _confirmation(
    promise: TimeWindow,
    appointment: Appointment,
    job: Job,
    to: str,
    key_base: str,
    company: str,
    *,
    arrival: datetime,
    now: datetime,
    zone: ZoneInfo,
    quiet: QuietHours,
) -> CustomerText | None:
    """The customer told the window a plan just promised them, once the quiet hours allow;
    dropped if that is not before the planned `arrival` (the technician is at the door)."""
    if appointment.status in _SETTLED:
        return None
    available = quiet.next_allowed(now, zone)
    if available >= arrival:
        return None
    body = render_sms(
        "confirmation",
        company=company,
        service=_service(job),
        day=_day_words(promise.start.astimezone(zone).date(), now.astimezone(zone).date()),
        window=_window_words(promise, zone),
    )
    day = promise.start.astimezone(zone).date()
    # For a later day it stands for that day's reminder (same key): one text, not two.
    key = (
        f"sms:reminder:{key_base}:{day.isoformat()}"
        if day > now.astimezone(zone).date()
        else f"sms:confirmation:{key_base}:{promise.start.isoformat()}"
    )
    return CustomerText(
        "confirmation",
        key,
        appointment.external_id,
        to,
        body,
        available,
        arrival,
        REMINDER_VALIDITY_SECONDS,
    )


def _before_arrival(
    kind: TextKind,
    key: str,
    appointment: Appointment,
    to: str,
    body: str,
    arrival: datetime,
    now: datetime,
    zone: ZoneInfo,
    quiet: QuietHours,
) -> CustomerText | None:
    """A text that only matters before the technician is at the door: sent once the quiet
    hours allow, dropped if that is not before `arrival` (by then the technician is there)."""
    available = quiet.next_allowed(now, zone)
    if available >= arrival:
        return None
    return CustomerText(
        kind, key, appointment.external_id, to, body, available, arrival, DELAY_VALIDITY_SECONDS
    )


def queue_texts(
    store: Store, texts: Sequence[CustomerText], *, account: str, session: Session | None = None
) -> int:
    """Queue each text once (a key already queued is skipped); returns how many are new."""
    queued = 0
    for text in texts:
        fresh = store.enqueue(
            idempotency_key=text.idempotency_key,
            channel=CHANNEL,
            account=account,
            payload={
                "to": text.to,
                "body": text.body,
                "validity_seconds": text.validity_seconds,
                "kind": text.kind,
                "appointment_id": text.appointment_id,
            },
            available_at=text.available_at,
            expires_at=text.expires_at,
            session=session,
        )
        if fresh:
            queued += 1
            log.info("customer text queued", kind=text.kind, appointment=text.appointment_id)
    return queued


def _service(job: Job) -> str:
    trade = job.classification.trade if job.classification else job.job_type.split(".")[0]
    return _TRADES.get(trade, "service")


def _first_name(tech: Technician | None) -> str:
    if tech is None or not tech.name.strip():
        return "Your technician"
    return tech.name.split()[0]


def _rounded(moment: datetime) -> datetime:
    """To the next five minutes: an ETA a customer reads, never earlier than planned."""
    extra = (-moment.minute) % 5
    return (moment + timedelta(minutes=extra)).replace(second=0, microsecond=0)


def _clock(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    hour = local.hour % 12 or 12
    return f"{hour}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'}"


def _window_words(window: TimeWindow, zone: ZoneInfo) -> str:
    return f"{_clock(window.start, zone)}-{_clock(window.end, zone)}"


def _day_words(day: date, today: date) -> str:
    if day == today + timedelta(days=1):
        return "tomorrow"
    if day == today:
        return "today"
    return f"on {day.strftime('%a %b')} {day.day}"
