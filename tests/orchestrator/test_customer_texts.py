"""Which texts a plan sends a customer: a delay notice when a promise slips, a reminder the day
before; each once, never in the quiet hours, never too late to matter."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from connectors.records import (
    Appointment,
    Classification,
    Customer,
    Job,
    Lifecycle,
    Technician,
    TimeWindow,
    Urgency,
)
from orchestrator.customer_texts import (
    CustomerText,
    QuietHours,
    declined_texts,
    plan_texts,
    textable_number,
)
from orchestrator.promises import new_promise
from orchestrator.store import PlannedAssignment

ZONE = ZoneInfo("America/Denver")
DAY = date(2026, 12, 1)
QUIET = QuietHours(time(21, 0), time(8, 0))


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hour, minute), ZONE)


def _records(
    *,
    promised: tuple[datetime, datetime] | None = (at(8), at(10)),
    status: Lifecycle = Lifecycle.SCHEDULED,
    phone: str | None = "(303) 555-0142",
    urgency: Urgency = Urgency.SCHEDULED,
) -> dict[str, object]:
    key = {"platform": "sandbox", "account": "demo"}
    job = Job(
        **key,
        external_id="J1",
        customer_id="C1",
        classification=Classification(trade="plumbing", job_type="plumbing.leak", urgency=urgency),
    )
    appointment = Appointment(
        **key,
        external_id="A1",
        job_id="J1",
        arrival_window=TimeWindow(start=promised[0], end=promised[1]) if promised else None,
        status=status,
    )
    return {
        "appointments": [appointment],
        "jobs": {"J1": job},
        "customers": {"C1": Customer(**key, external_id="C1", name="Dana Ruiz", phone=phone)},
        "technicians": {"T1": Technician(**key, external_id="T1", name="Mike Chen")},
    }


def _texts(
    start: datetime,
    now: datetime,
    *,
    today: bool = True,
    new_promises: dict[str, TimeWindow] | None = None,
    **records: object,
) -> list[CustomerText]:
    planned = PlannedAssignment("J1", "T1", 0, start, start + timedelta(hours=1), "A1")
    return plan_texts(
        new_promises=new_promises,
        account="demo",
        platform="sandbox",
        company="Front Range Plumbing",
        today=today,
        assignments=[planned],
        zone=ZONE,
        quiet=QUIET,
        now=now,
        **_records(**records),  # type: ignore[arg-type]
    )


def test_a_customer_the_plan_reaches_after_their_window_is_told_when_and_by_whom() -> None:
    (text,) = _texts(at(10, 42), now=at(9, 30))
    assert text.kind == "delay"
    assert text.to == "+13035550142"
    assert "Mike now expects to arrive around 10:45 AM" in text.body
    assert "(window 8:00 AM-10:00 AM)" in text.body
    assert text.body.startswith("Front Range Plumbing:")
    # Replies that act on the visit never use a word that opts the customer out of everything.
    assert not {"STOP", "CANCEL", "END", "QUIT"} & set(text.body.upper().split())
    # Sent now, and dropped rather than sent once the technician is due at the door.
    assert (text.available_at, text.expires_at) == (at(9, 30), at(10, 42))


def test_a_small_slip_or_a_visit_already_reached_is_not_announced() -> None:
    assert _texts(at(10, 10), now=at(9, 30)) == []  # within the grace
    assert _texts(at(10, 42), now=at(9, 30), status=Lifecycle.ON_SITE) == []
    assert _texts(at(10, 42), now=at(9, 30), status=Lifecycle.CANCELED) == []
    # On the way but late: still worth a word.
    assert len(_texts(at(10, 42), now=at(9, 30), status=Lifecycle.EN_ROUTE)) == 1


def test_the_customer_hears_again_only_when_the_arrival_slips_another_half_hour() -> None:
    first = _texts(at(10, 42), now=at(9, 30))[0].idempotency_key
    same = _texts(at(10, 55), now=at(9, 45))[0].idempotency_key
    later = _texts(at(11, 15), now=at(10, 0))[0].idempotency_key
    assert first == same != later
    assert first == "sms:delay:sandbox:demo:A1:1"


def test_an_emergency_reached_well_before_its_booked_window_is_told_we_come_sooner() -> None:
    emergency = {"promised": (at(12), at(14)), "urgency": Urgency.EMERGENCY}
    (text,) = _texts(at(9, 40), now=at(9, 5), **emergency)
    assert text.kind == "sooner"
    assert "Mike can be there from 9:40 AM" in text.body
    # The window now opens half an hour before the planned start and keeps its end.
    assert "(window now 9:10 AM-2:00 PM)" in text.body
    assert (text.available_at, text.expires_at) == (at(9, 5), at(9, 40))
    # Once per promise moved: a later plan against the same promise says nothing new.
    again = _texts(at(9, 50), now=at(9, 20), **emergency)[0]
    assert again.idempotency_key == text.idempotency_key
    assert text.idempotency_key.startswith("sms:sooner:sandbox:demo:A1:")


def test_sooner_is_for_emergencies_reached_at_least_half_an_hour_early() -> None:
    # The same plan for a scheduled visit: the technician waits for the booked window.
    assert _texts(at(9, 40), now=at(9, 5), promised=(at(12), at(14))) == []
    # An emergency reached 20 minutes before its window: not worth a text.
    assert (
        _texts(at(11, 40), now=at(9, 5), promised=(at(12), at(14)), urgency=Urgency.EMERGENCY) == []
    )
    # Already on site: nothing to tell.
    assert (
        _texts(
            at(9, 40),
            now=at(9, 5),
            promised=(at(12), at(14)),
            urgency=Urgency.EMERGENCY,
            status=Lifecycle.ON_SITE,
        )
        == []
    )


def test_no_number_or_one_that_cannot_take_a_text_means_no_text() -> None:
    assert _texts(at(10, 42), now=at(9, 30), phone=None) == []
    assert _texts(at(10, 42), now=at(9, 30), phone="555-0142") == []


def test_the_next_day_plan_reminds_each_customer_of_their_promised_window() -> None:
    tomorrow = DAY + timedelta(days=1)
    (text,) = _texts(
        at(9, day=tomorrow),
        now=at(15),
        today=False,
        promised=(at(8, day=tomorrow), at(10, day=tomorrow)),
    )
    assert text.kind == "reminder"
    assert "your plumbing visit tomorrow between 8:00 AM-10:00 AM" in text.body
    assert text.idempotency_key == "sms:reminder:sandbox:demo:A1:2026-12-02"
    assert (text.available_at, text.expires_at) == (at(15), at(8, day=tomorrow))


def test_a_reminder_decided_in_the_quiet_hours_waits_for_the_morning() -> None:
    later = DAY + timedelta(days=2)
    (text,) = _texts(
        at(14, day=later), now=at(22), today=False, promised=(at(13, day=later), at(15, day=later))
    )
    assert text.available_at == at(8, day=DAY + timedelta(days=1))
    assert "visit on Thu Dec 3 between 1:00 PM-3:00 PM" in text.body


def test_a_delay_that_would_be_told_after_the_technician_arrives_is_not_queued() -> None:
    # 21:30 is quiet until 08:00; the technician is due at 22:40.
    late_evening = (at(19), at(21))
    assert _texts(at(22, 40), now=at(21, 30), promised=late_evening) == []


@pytest.mark.parametrize(
    ("phone", "expected"),
    [
        ("+13035550142", "+13035550142"),
        ("303.555.0142", "+13035550142"),
        ("1 (303) 555-0142", "+13035550142"),
        ("+442071838750", "+442071838750"),
        ("+1303555014", None),
        ("5550142", None),
        ("", None),
        (None, None),
    ],
)
def test_numbers_are_read_as_e164(phone: str | None, expected: str | None) -> None:
    assert textable_number(phone) == expected


@pytest.mark.parametrize(
    ("quiet", "moment", "allowed"),
    [
        (QUIET, at(20, 59), at(20, 59)),
        (QUIET, at(21, 0), at(8, 0, DAY + timedelta(days=1))),
        (QUIET, at(7, 59), at(8, 0)),
        (QUIET, at(8, 0), at(8, 0)),
        (QuietHours(time(12), time(13)), at(12, 30), at(13)),
        (QuietHours(time(12), time(13)), at(13, 30), at(13, 30)),
        (QuietHours(time(0), time(0)), at(3), at(3)),
    ],
)
def test_quiet_hours(quiet: QuietHours, moment: datetime, allowed: datetime) -> None:
    assert quiet.next_allowed(moment.astimezone(UTC), ZONE) == allowed


def test_a_delay_is_announced_only_within_the_hour_before_the_window_closes() -> None:
    """Plans made hours ahead still change; the customer hears once it is likely."""
    afternoon = (at(12), at(14))
    assert _texts(at(15, 30), now=at(9, 30), promised=afternoon) == []
    assert _texts(at(15, 30), now=at(12, 59), promised=afternoon) == []
    (text,) = _texts(at(15, 30), now=at(13, 0), promised=afternoon)
    assert text.available_at == at(13)


def test_a_visit_booked_without_a_window_is_promised_one_and_the_customer_told_it_once() -> None:
    promise = new_promise(at(13, 47), now=at(9, 30), width=timedelta(hours=2))
    assert (promise.start, promise.end) == (at(13, 15), at(15, 15))  # 30 min ahead, on the 5
    (text,) = _texts(at(13, 47), now=at(9, 30), promised=None, new_promises={"A1": promise})
    assert text.kind == "confirmation"
    assert "your plumbing visit is booked for today between 1:15 PM-3:15 PM" in text.body
    assert text.idempotency_key == f"sms:confirmation:sandbox:demo:A1:{promise.start.isoformat()}"
    # Useful until the technician is at the door, not after.
    assert (text.available_at, text.expires_at) == (at(9, 30), at(13, 47))
    assert _texts(at(13, 47), now=at(13, 50), promised=None, new_promises={"A1": promise}) == []
    # Without a promise given, nothing to confirm; a visit reached needs no confirmation.
    assert _texts(at(13, 47), now=at(9, 30), promised=None) == []
    reached = _texts(
        at(13, 47), now=at(9, 30), promised=None, new_promises={"A1": promise},
        status=Lifecycle.ON_SITE,
    )  # fmt: skip
    assert reached == []


def test_a_promise_never_opens_before_now() -> None:
    soon = new_promise(at(9, 41), now=at(9, 32), width=timedelta(hours=2))
    assert (soon.start, soon.end) == (at(9, 30), at(11, 30))  # now, down to the five minutes
    ahead = new_promise(at(9, 41, day=DAY + timedelta(days=1)), now=None, width=timedelta(hours=1))
    assert (ahead.start, ahead.end) == (
        at(9, 10, day=DAY + timedelta(days=1)),
        at(10, 10, day=DAY + timedelta(days=1)),
    )


def test_a_promise_the_route_may_not_keep_opens_later_up_to_the_planned_start() -> None:
    two_hours = timedelta(hours=2)
    # Sure enough to arrive by 15:15: the usual window.
    usual = new_promise(at(13, 47), now=at(9, 30), width=two_hours, reach=at(15, 10))
    assert (usual.start, usual.end) == (at(13, 15), at(15, 15))
    # Only sure by 15:40: it opens 25 minutes later and still holds the planned start.
    later = new_promise(at(13, 47), now=at(9, 30), width=two_hours, reach=at(15, 40))
    assert (later.start, later.end) == (at(13, 40), at(15, 40))
    # Only sure by 16:30: it opens no later than the planned start (down to the five minutes).
    capped = new_promise(at(13, 47), now=at(9, 30), width=two_hours, reach=at(16, 30))
    assert (capped.start, capped.end) == (at(13, 45), at(15, 45))


def test_a_promise_for_tomorrow_is_confirmed_under_that_days_reminder_key() -> None:
    """The confirmation stands for the reminder: once the promise shows on the platform, the
    next-day plan's reminder has the same key, so the customer gets one text."""
    tomorrow = DAY + timedelta(days=1)
    promise = new_promise(at(9, 40, day=tomorrow), now=None, width=timedelta(hours=2))
    (confirmation,) = _texts(
        at(9, 40, day=tomorrow), now=at(15), today=False, promised=None,
        new_promises={"A1": promise},
    )  # fmt: skip
    assert "your plumbing visit is booked for tomorrow between 9:10 AM-11:10 AM" in (
        confirmation.body
    )
    (reminder,) = _texts(
        at(9, 40, day=tomorrow), now=at(15, 15), today=False,
        promised=(promise.start, promise.end),
    )  # fmt: skip
    assert confirmation.idempotency_key == reminder.idempotency_key


def _declined(now: datetime, **records: object) -> list[CustomerText]:
    given = _records(urgency=Urgency.EMERGENCY, **records)  # type: ignore[arg-type]
    given.pop("technicians")
    return declined_texts(
        account="demo",
        platform="sandbox",
        company="Front Range Plumbing",
        declined={"J1", "J-GONE"},
        zone=ZONE,
        quiet=QUIET,
        now=now,
        **given,  # type: ignore[arg-type]
    )


def test_a_customer_whose_emergency_was_declined_is_told_nobody_comes_today() -> None:
    (text,) = _declined(at(10), promised=None)
    assert text.kind == "declined"
    assert text.idempotency_key == "sms:declined:sandbox:demo:J1:2026-12-01"
    assert text.body == (
        "Front Range Plumbing: we're sorry, we cannot send a technician for your plumbing call "
        "today. Our office will call you to find the soonest time."
    )
    assert (text.appointment_id, text.to) == ("A1", "+13035550142")
    assert (text.available_at, text.expires_at) == (at(10), at(0, day=DAY + timedelta(days=1)))
    # Declined at 22:00: it waits for the morning, which is another day: not sent at all.
    assert _declined(at(22)) == []
    # Declined at 06:00: sent when the quiet hours end.
    (early,) = _declined(at(6))
    assert early.available_at == at(8)


@pytest.mark.parametrize(
    "status", [Lifecycle.DISPATCHED, Lifecycle.EN_ROUTE, Lifecycle.COMPLETED, Lifecycle.CANCELED]
)
def test_a_declined_emergency_a_technician_already_has_is_not_called_off_by_text(
    status: Lifecycle,
) -> None:
    assert _declined(at(10), status=status) == []
    assert _declined(at(10), phone=None) == []
