"""The running pipeline texts customers what its plans decide: a delay notice queued with the
plan, sent once through Twilio (a loopback fake, the real SDK), repeated only when the delay
grows; a reminder with the next-day plan. No number reaches the logs."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from structlog.testing import capture_logs
from twilio.rest import Client

from connectors.records import Appointment, Classification, Customer, Job, TimeWindow, Urgency
from connectors.sandbox import load_scenario
from connectors.sandbox.platform import SandboxFSM
from notifications import TwilioSmsSender
from orchestrator.bundled import BUNDLED_SCENARIO as BUNDLED
from orchestrator.customer_texts import DELAY_GRACE, textable_number
from orchestrator.pipeline import DispatchPipeline
from orchestrator.service import DispatchService
from orchestrator.settings import Settings, load_settings
from orchestrator.store import Store
from orchestrator.sync import sync_account
from tests.fakes.twilio_server import FakeTwilio
from tests.live_server import serve
from tests.orchestrator.test_pipeline import CountingClassifier

ZONE = ZoneInfo("America/Denver")
ACCOUNT, PLATFORM = "demo", "sandbox"
DAY = date(2026, 12, 1)
CONFIG = """\
accounts:
  - id: demo
    platform: sandbox
    name: Front Range Home Services
notifications:
  sms:
    enabled: {enabled}
    from_number: "+13035550100"
    quiet_hours: ["21:00", "06:00"]
"""


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _settings(tmp_path: Path, *, enabled: bool = True) -> Settings:
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG.format(enabled=str(enabled).lower()))
    return load_settings(config)


def _pipeline(store: Store, settings: Settings, clock: Clock) -> DispatchPipeline:
    return DispatchPipeline(
        store,
        settings,
        ACCOUNT,
        PLATFORM,
        CountingClassifier(),
        durations=lambda job, tech: 50,
        time_limit=1,
        clock=clock,
    )


def _synced_with_a_broken_promise(store: Store) -> tuple[Appointment, str]:
    """The bundled day, with one customer promised 06:30-07:30: at 07:40 nobody can be there
    on time. Returns that appointment and the customer's number."""
    asyncio.run(sync_account(store, SandboxFSM(load_scenario(BUNDLED), account=ACCOUNT), full=True))
    jobs = {j.external_id: j for j in store.list(Job, account=ACCOUNT)}
    customers = {c.external_id: c for c in store.list(Customer, account=ACCOUNT)}
    appointment = next(
        a
        for a in sorted(store.list(Appointment, account=ACCOUNT), key=lambda a: a.external_id)
        if a.arrival_window is not None
        and textable_number(customers[jobs[a.job_id].customer_id or ""].phone)
    )
    promise = TimeWindow(
        start=datetime(2026, 12, 1, 6, 30, tzinfo=ZONE),
        end=datetime(2026, 12, 1, 7, 30, tzinfo=ZONE),
    )
    modified = (appointment.modified_at or datetime.now(UTC)) + timedelta(minutes=1)
    broken = appointment.model_copy(
        update={"arrival_window": promise, "window": promise, "modified_at": modified}
    )
    store.upsert([broken])
    phone = textable_number(customers[jobs[appointment.job_id].customer_id or ""].phone)
    assert phone is not None
    return broken, phone


@pytest.fixture
def twilio() -> Iterator[tuple[FakeTwilio, TwilioSmsSender]]:
    fake = FakeTwilio()
    with serve(fake.app()) as url:
        client = Client(fake.account_sid, fake.auth_token)
        client.api.base_url = url
        yield fake, TwilioSmsSender(client, from_number="+13035550100")


def test_a_promise_the_day_cannot_keep_is_served_late_and_the_customer_told_once(
    store: Store, tmp_path: Path, twilio: tuple[FakeTwilio, TwilioSmsSender]
) -> None:
    fake, sender = twilio
    broken, phone = _synced_with_a_broken_promise(store)
    clock = Clock(datetime(2026, 12, 1, 7, 40, tzinfo=ZONE))
    settings = _settings(tmp_path)
    pipeline = _pipeline(store, settings, clock)
    with capture_logs() as logs:
        result = pipeline.plan_day(DAY, now=clock.now)
    # Kept late rather than dropped, and every text queued is for a stop the plan has late.
    planned = {s.job_id: s for r in result.plan.routes for s in r.stops}
    assert broken.job_id in planned
    texts = [row for row in store.outbox() if row.channel == "sms"]
    assert result.texts_queued == len(texts) > 0
    by_appointment = {a.external_id: a for a in store.list(Appointment, account=ACCOUNT)}
    for row in texts:
        appointment = by_appointment[row.payload["appointment_id"]]
        if row.payload["kind"] == "confirmation":
            assert appointment.arrival_window is None  # booked without one: promised now
            continue
        assert row.payload["kind"] == "delay"
        stop = planned[appointment.job_id]
        assert appointment.arrival_window is not None
        start = datetime.combine(DAY, datetime.min.time(), ZONE) + timedelta(minutes=stop.start)
        assert start - appointment.arrival_window.end > DELAY_GRACE
    (ours,) = [row for row in texts if row.payload["appointment_id"] == broken.external_id]
    assert ours.payload["to"] == phone
    assert "now expects to arrive around" in ours.payload["body"]
    assert "(window 6:30 AM-7:30 AM)" in ours.payload["body"]
    assert not any(phone in repr(entry) for entry in logs)

    # Five minutes later the same plan again: no text twice.
    clock.now += timedelta(minutes=5)
    again = pipeline.plan_day(DAY, now=clock.now)
    assert again.texts_queued == 0

    service = DispatchService(settings, store, {}, senders={"sms": sender}, clock=clock)
    asyncio.run(service.deliver_once())
    asyncio.run(service.deliver_once())
    sent_to = [m["to"] for m in fake.messages]
    # A confirmation whose technician arrived meanwhile is dropped, not sent late.
    live = [row for row in texts if row.expires_at is None or row.expires_at > clock.now]
    assert sorted(sent_to) == sorted(row.payload["to"] for row in live)
    assert sent_to.count(phone) == 1
    ours_sent = next(m for m in fake.messages if m["to"] == phone)
    assert ours_sent["body"].startswith("Front Range Home Services:")
    assert ours_sent["validity_period"] == "1800"  # a stale delay notice is dropped by Twilio
    live_ids = {row.id for row in live}
    assert {row.status for row in store.outbox() if row.id in live_ids} == {"sent"}


def test_without_sms_enabled_no_customer_is_texted(store: Store, tmp_path: Path) -> None:
    _synced_with_a_broken_promise(store)
    clock = Clock(datetime(2026, 12, 1, 7, 40, tzinfo=ZONE))
    result = _pipeline(store, _settings(tmp_path, enabled=False), clock).plan_day(
        DAY, now=clock.now
    )
    assert result.texts_queued == 0
    assert [row for row in store.outbox() if row.channel == "sms"] == []


def test_the_next_day_plan_reminds_customers_once_and_not_in_the_quiet_hours(
    store: Store, tmp_path: Path
) -> None:
    asyncio.run(sync_account(store, SandboxFSM(load_scenario(BUNDLED), account=ACCOUNT), full=True))
    clock = Clock(datetime(2026, 11, 30, 22, 15, tzinfo=ZONE))  # the evening before
    pipeline = _pipeline(store, _settings(tmp_path), clock)
    first = pipeline.plan_day(DAY, kind="next_day")
    second = pipeline.plan_day(DAY, kind="next_day")
    texts = [row for row in store.outbox() if row.channel == "sms"]
    reminders = [row for row in texts if row.payload["kind"] == "reminder"]
    confirmations = [row for row in texts if row.payload["kind"] == "confirmation"]
    planned = {s.job_id for r in first.plan.routes for s in r.stops}
    visits = [a for a in store.list(Appointment, account=ACCOUNT) if a.job_id in planned]
    promised = [a for a in visits if a.arrival_window is not None]
    # Booked without a window: the plan promises one and the customer is told it, once.
    unpromised = [a for a in visits if a.arrival_window is None]
    assert first.texts_queued == len(texts) == len(reminders) + len(confirmations)
    assert len(reminders) == len(promised) > 0 and len(confirmations) == len(unpromised) > 0
    assert second.texts_queued == 0
    assert all("visit tomorrow between" in row.payload["body"] for row in reminders)
    assert all("visit is booked for tomorrow between" in r.payload["body"] for r in confirmations)
    # Decided at 22:15, quiet until 06:00: they wait for the morning.
    six = datetime(2026, 12, 1, 6, 0, tzinfo=ZONE)
    assert {row.available_at.astimezone(ZONE) for row in texts} == {six}
    # The writes reach the platform: the visits now show their promise, and a reminder of it
    # is the text already queued, not a second one.
    store.upsert(_landed(store))
    assert pipeline.plan_day(DAY, kind="next_day").texts_queued == 0


def _landed(store: Store) -> list[Appointment]:
    """Each appointment as the platform shows it once its latest queued window write landed."""
    visits = {a.external_id: a for a in store.list(Appointment, account=ACCOUNT)}
    landed: dict[str, Appointment] = {}
    for row in store.outbox():
        if row.channel != "writeback" or row.payload["kind"] != "window":
            continue
        visit = landed.get(row.payload["appointment_id"]) or visits[row.payload["appointment_id"]]
        promise = row.payload["arrival_window"]
        landed[visit.external_id] = visit.model_copy(
            update={
                "window": TimeWindow.model_validate(row.payload["window"]),
                "arrival_window": TimeWindow.model_validate(promise) if promise else None,
                "modified_at": (visit.modified_at or datetime.now(UTC)) + timedelta(minutes=1),
            }
        )
    return list(landed.values())


class EmergencyClassifier(CountingClassifier):
    """Routine HVAC work, except one ticket: an emergency."""

    def __init__(self, emergency_job: str) -> None:
        super().__init__()
        self.emergency_job = emergency_job

    def __call__(self, job: Job, customer: Customer | None, now: datetime) -> Classification:
        found = super().__call__(job, customer, now)
        if job.external_id != self.emergency_job:
            return found
        return found.model_copy(update={"urgency": Urgency.EMERGENCY})


AFTERNOON = TimeWindow(
    start=datetime(2026, 12, 1, 15, 0, tzinfo=ZONE), end=datetime(2026, 12, 1, 17, 0, tzinfo=ZONE)
)


def _an_emergency_booked_for_the_afternoon(store: Store) -> tuple[Appointment, str]:
    booked, phone = _synced_with_a_broken_promise(store)
    modified = (booked.modified_at or datetime.now(UTC)) + timedelta(minutes=1)
    store.upsert(
        [
            booked.model_copy(
                update={"arrival_window": AFTERNOON, "window": AFTERNOON, "modified_at": modified}
            )
        ]
    )
    return booked, phone


def _emergency_pipeline(
    store: Store, settings: Settings, clock: Clock, emergency_job: str
) -> DispatchPipeline:
    return DispatchPipeline(
        store,
        settings,
        ACCOUNT,
        PLATFORM,
        EmergencyClassifier(emergency_job),
        durations=lambda job, tech: 50,
        time_limit=1,
        clock=clock,
    )


def test_an_emergency_booked_for_the_afternoon_is_brought_forward_and_the_customer_told(
    store: Store, tmp_path: Path, twilio: tuple[FakeTwilio, TwilioSmsSender]
) -> None:
    fake, sender = twilio
    booked, phone = _an_emergency_booked_for_the_afternoon(store)
    clock = Clock(datetime(2026, 12, 1, 8, 5, tzinfo=ZONE))
    settings = _settings(tmp_path)
    pipeline = _emergency_pipeline(store, settings, clock, booked.job_id)
    result = pipeline.plan_day(DAY, now=clock.now)
    stop = next(s for r in result.plan.routes for s in r.stops if s.job_id == booked.job_id)
    start = datetime.combine(DAY, datetime.min.time(), ZONE) + timedelta(minutes=stop.start)
    assert start <= AFTERNOON.start - timedelta(hours=2)  # the plan goes this morning
    # The promise written back opens half an hour before the planned start, keeps its end.
    (write,) = [
        row
        for row in store.outbox()
        if row.channel == "writeback"
        and row.payload.get("kind") == "window"
        and row.payload["appointment_id"] == booked.external_id
    ]
    promise = TimeWindow.model_validate(write.payload["arrival_window"])
    assert promise == TimeWindow(
        start=max(clock.now, start - timedelta(minutes=30)), end=AFTERNOON.end
    )
    (text,) = [
        row
        for row in store.outbox()
        if row.channel == "sms" and row.payload["appointment_id"] == booked.external_id
    ]
    assert text.payload["kind"] == "sooner" and text.payload["to"] == phone
    assert "we can come sooner" in text.payload["body"]

    # A re-plan before the write lands sees the same promise: no second text.
    clock.now += timedelta(minutes=5)
    pipeline.plan_day(DAY, now=clock.now)
    assert [
        row.payload["kind"]
        for row in store.outbox()
        if row.channel == "sms" and row.payload["appointment_id"] == booked.external_id
    ] == ["sooner"]
    service = DispatchService(settings, store, {}, senders={"sms": sender}, clock=clock)
    asyncio.run(service.deliver_once())
    assert [m["body"] for m in fake.messages if m["to"] == phone] == [text.payload["body"]]


def test_an_account_that_keeps_booked_windows_waits_for_the_emergencys_window(
    store: Store, tmp_path: Path
) -> None:
    booked, _ = _an_emergency_booked_for_the_afternoon(store)
    clock = Clock(datetime(2026, 12, 1, 8, 5, tzinfo=ZONE))
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG.format(enabled="true") + "planning:\n  emergencies_sooner: false\n")
    settings = load_settings(config)
    result = _emergency_pipeline(store, settings, clock, booked.job_id).plan_day(DAY, now=clock.now)
    stop = next(s for r in result.plan.routes for s in r.stops if s.job_id == booked.job_id)
    start = datetime.combine(DAY, datetime.min.time(), ZONE) + timedelta(minutes=stop.start)
    assert start >= AFTERNOON.start
    assert not [
        row
        for row in store.outbox()
        if row.payload.get("appointment_id") == booked.external_id
        and (
            row.payload.get("kind") == "sooner"
            or row.payload.get("arrival_window") not in (None, AFTERNOON.model_dump(mode="json"))
        )
    ]


def test_a_visit_booked_without_a_window_is_promised_one_that_later_plans_keep(
    store: Store, tmp_path: Path
) -> None:
    """Planned at 08:05 and again at 08:20 before the platform shows the first write: the
    customer is promised one window, told once, and every write carries that window."""
    asyncio.run(sync_account(store, SandboxFSM(load_scenario(BUNDLED), account=ACCOUNT), full=True))
    open_visits = {
        a.external_id for a in store.list(Appointment, account=ACCOUNT) if a.arrival_window is None
    }
    assert open_visits
    clock = Clock(datetime(2026, 12, 1, 8, 5, tzinfo=ZONE))
    pipeline = _pipeline(store, _settings(tmp_path), clock)
    first = pipeline.plan_day(DAY, now=clock.now)
    clock.now += timedelta(minutes=15)
    pipeline.plan_day(DAY, now=clock.now)
    writes: dict[str, list[TimeWindow]] = {}
    for row in store.outbox():
        if row.channel == "writeback" and row.payload["kind"] == "window":
            promise = row.payload["arrival_window"]
            if row.payload["appointment_id"] in open_visits:
                assert promise is not None
                writes.setdefault(row.payload["appointment_id"], []).append(
                    TimeWindow.model_validate(promise)
                )
    planned = {s.job_id: s for r in first.plan.routes for s in r.stops}
    assert writes
    frame_start = datetime.combine(DAY, datetime.min.time(), ZONE)
    for appointment_id, promises in writes.items():
        assert len(set(promises)) == 1, appointment_id  # one window, however often planned
        promise = promises[0]
        assert promise.end - promise.start == timedelta(hours=2)
        assert promise.start >= datetime(2026, 12, 1, 8, 0, tzinfo=ZONE)
        job = next(a.job_id for a in store.list(Appointment) if a.external_id == appointment_id)
        start = frame_start + timedelta(minutes=planned[job].start)
        assert promise.start <= start <= promise.end
    confirmations = [
        r for r in store.outbox() if r.channel == "sms" and r.payload["kind"] == "confirmation"
    ]
    assert {r.payload["appointment_id"] for r in confirmations} <= set(writes)
    assert len(confirmations) == len({r.payload["appointment_id"] for r in confirmations}) > 0
    # Each new promise comes with the chance of keeping it, saved with the plan that made it.
    assert first.promised and set(first.promised) <= set(writes)
    saved = store.plan_data(first.plan_id)["promises"]
    for appointment_id, (window, chance) in first.promised.items():
        assert window == writes[appointment_id][0]
        assert 0 <= chance <= 1 and saved[appointment_id]["chance"] == round(chance, 3)
    # Nobody has started yet: a promise planned inside its window is more likely kept than not.
    assert min(chance for _, chance in first.promised.values()) > 0.5


def test_an_account_that_wants_sure_promises_opens_the_shaky_ones_later(
    store: Store, tmp_path: Path
) -> None:
    """With `promise_confidence`, a window the plan is less sure of opens later, up to the
    planned start: each new promise is then that sure, or opens at its planned start."""
    asyncio.run(sync_account(store, SandboxFSM(load_scenario(BUNDLED), account=ACCOUNT), full=True))
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG.format(enabled="true") + "planning:\n  promise_confidence: 0.95\n")
    clock = Clock(datetime(2026, 12, 1, 8, 5, tzinfo=ZONE))
    result = _pipeline(store, load_settings(config), clock).plan_day(DAY, now=clock.now)
    planned = {s.job_id: s for r in result.plan.routes for s in r.stops}
    job_of = {a.external_id: a.job_id for a in store.list(Appointment, account=ACCOUNT)}
    frame_start = datetime.combine(DAY, datetime.min.time(), ZONE)
    assert result.promised
    usual = later = 0
    for appointment_id, (window, chance) in result.promised.items():
        start = frame_start + timedelta(minutes=planned[job_of[appointment_id]].start)
        assert window.start <= start <= window.end
        opened_late = window.start > max(start - timedelta(minutes=30), clock.now) + timedelta(
            minutes=5
        )
        usual += not opened_late
        later += opened_late
        # Sure enough, or as late as the planned start allows.
        assert chance >= 0.94 or start - window.start < timedelta(minutes=5), appointment_id
    assert later > 0 and usual > 0


def test_an_account_that_promises_no_windows_writes_none(store: Store, tmp_path: Path) -> None:
    asyncio.run(sync_account(store, SandboxFSM(load_scenario(BUNDLED), account=ACCOUNT), full=True))
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG.format(enabled="true") + "planning:\n  promise_window_minutes: 0\n")
    clock = Clock(datetime(2026, 12, 1, 8, 5, tzinfo=ZONE))
    _pipeline(store, load_settings(config), clock).plan_day(DAY, now=clock.now)
    open_visits = {
        a.external_id for a in store.list(Appointment, account=ACCOUNT) if a.arrival_window is None
    }
    windows = [
        r.payload
        for r in store.outbox()
        if r.channel == "writeback" and r.payload["kind"] == "window"
        and r.payload["appointment_id"] in open_visits
    ]  # fmt: skip
    assert windows and all(w["arrival_window"] is None for w in windows)
    assert not any(
        r.payload["kind"] == "confirmation" for r in store.outbox() if r.channel == "sms"
    )
