"""The store keeps one row per (account, platform, external id) and never goes backwards."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from connectors.records import (
    Appointment,
    Certification,
    Classification,
    Customer,
    CustomerFlag,
    GeoPoint,
    GpsPing,
    Job,
    Lifecycle,
    Location,
    RecordKey,
    StatusEvent,
    Technician,
    TimeWindow,
    Urgency,
)
from orchestrator.store import PlannedAssignment, Store

T0 = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
BASE = {"platform": "servicetitan", "account": "acme"}


def _job(
    external_id: str = "J1",
    *,
    modified: datetime = T0,
    status: Lifecycle = Lifecycle.SCHEDULED,
    summary: str = "Furnace not heating",
) -> Job:
    return Job(
        **BASE,
        external_id=external_id,
        modified_at=modified,
        customer_id="C1",
        location_id="L1",
        summary=summary,
        job_type="hvac.no_heat",
        status=status,
        classification=Classification(
            trade="hvac",
            job_type="hvac.no_heat",
            urgency=Urgency.EMERGENCY,
            skills=frozenset({"gas_fitter"}),
            reasons={"urgency": ("no heat below 40 F",)},
        ),
    )


def test_every_record_kind_round_trips_unchanged(store: Store) -> None:
    """What goes in comes back equal, including nested values, sets and aware times."""
    window = TimeWindow(start=T0, end=T0 + timedelta(hours=4))
    records = [
        Technician(
            **BASE,
            external_id="T1",
            name="Mike",
            skills=frozenset({"epa_608"}),
            certifications=(Certification(name="gas_fitter", expires_on=date(2027, 3, 31)),),
            home=GeoPoint(lat=39.7, lon=-104.9),
            equipment=frozenset({"vacuum_pump"}),
        ),
        Customer(
            **BASE,
            external_id="C1",
            name="Dana",
            flags=frozenset({CustomerFlag.ELDERLY}),
            preferred_technicians=("T1",),
        ),
        Location(
            **BASE,
            external_id="L1",
            address="1450 S Example St",
            point=GeoPoint(lat=39.7, lon=-104.94),
        ),
        _job(),
        Appointment(
            **BASE,
            external_id="A1",
            job_id="J1",
            window=window,
            arrival_window=window,
            technician_ids=("T1",),
        ),
        StatusEvent(
            **BASE,
            external_id="E1",
            subject="appointment",
            subject_id="A1",
            status=Lifecycle.EN_ROUTE,
            occurred_at=T0,
            technician_id="T1",
        ),
        GpsPing(
            **BASE,
            external_id="G1",
            technician_id="T1",
            point=GeoPoint(lat=39.7, lon=-104.9),
            recorded_at=T0,
        ),
    ]
    result = store.upsert(records)
    assert result.written == len(records)
    for record in records:
        assert store.get(type(record), record.key) == record


def test_upserting_the_same_records_twice_keeps_one_row_each(store: Store) -> None:
    """Idempotent: a replayed page neither duplicates nor changes anything."""
    jobs = [_job("J1"), _job("J2")]
    store.upsert(jobs)
    store.upsert(jobs)
    assert store.count(Job, account="acme") == 2
    assert store.list(Job, account="acme") == jobs


def test_an_older_version_never_replaces_a_newer_one(store: Store) -> None:
    """Out-of-order delivery is resolved by the record's modification time."""
    newer = _job(modified=T0 + timedelta(minutes=5), status=Lifecycle.DISPATCHED)
    older = _job(modified=T0, status=Lifecycle.SCHEDULED)
    store.upsert([newer])
    result = store.upsert([older])
    assert result.stale == 1
    assert store.get(Job, newer.key) == newer
    # The valid case beside it: a newer version does replace.
    newest = _job(modified=T0 + timedelta(minutes=9), status=Lifecycle.COMPLETED)
    assert store.upsert([newest]).written == 1
    assert store.get(Job, newer.key) == newest


def test_one_batch_with_two_versions_of_a_key_keeps_the_newest(store: Store) -> None:
    first = _job(modified=T0, summary="old text")
    second = _job(modified=T0 + timedelta(minutes=1), summary="new text")
    store.upsert([second, first])
    stored = store.get(Job, first.key)
    assert stored is not None and stored.summary == "new text"


def test_the_same_external_id_on_another_account_is_another_record(store: Store) -> None:
    store.upsert([_job("J1"), _job("J1").model_copy(update={"account": "other"})])
    assert store.count(Job) == 2
    assert (
        store.get(Job, RecordKey(platform="servicetitan", account="missing", external_id="J1"))
        is None
    )


def test_a_cursor_moves_forward_only(store: Store) -> None:
    assert store.get_cursor("acme", "servicetitan", "jobs") is None
    store.save_cursor("acme", "servicetitan", "jobs", T0)
    store.save_cursor("acme", "servicetitan", "jobs", T0 - timedelta(hours=1))
    assert store.get_cursor("acme", "servicetitan", "jobs") == T0
    store.save_cursor("acme", "servicetitan", "jobs", T0 + timedelta(hours=1))
    assert store.get_cursor("acme", "servicetitan", "jobs") == T0 + timedelta(hours=1)


def test_records_and_cursor_commit_together_or_not_at_all(store: Store) -> None:
    """A crash between the records and the cursor leaves neither: the next sync re-reads."""
    with pytest.raises(RuntimeError), store.transaction() as session:
        store.upsert([_job("J9")], session=session)
        store.save_cursor("acme", "servicetitan", "jobs", T0, session=session)
        raise RuntimeError("crash mid-cycle")
    assert store.count(Job) == 0
    assert store.get_cursor("acme", "servicetitan", "jobs") is None


def test_the_outbox_accepts_an_idempotency_key_once(store: Store) -> None:
    assert store.enqueue(idempotency_key="sms:J1:on_my_way", channel="sms", payload={"job": "J1"})
    assert not store.enqueue(
        idempotency_key="sms:J1:on_my_way", channel="sms", payload={"job": "J1"}
    )
    claimed = store.claim_outbox(datetime.now(UTC))
    assert [row.idempotency_key for row in claimed] == ["sms:J1:on_my_way"]
    assert claimed[0].status == "sending" and claimed[0].attempts == 1
    assert store.claim_outbox(datetime.now(UTC)) == []  # a claimed message is not handed out twice
    assert claimed[0].id is not None
    store.finish_outbox(claimed[0].id, status="sent", provider_id="SM123")
    [sent] = store.outbox("sent")
    assert sent.provider_id == "SM123" and sent.sent_at is not None


def test_a_message_due_later_is_not_claimed_early(store: Store) -> None:
    later = datetime.now(UTC) + timedelta(hours=1)
    store.enqueue(idempotency_key="k", channel="sms", payload={}, available_at=later)
    assert store.claim_outbox(datetime.now(UTC)) == []
    assert len(store.claim_outbox(later + timedelta(seconds=1))) == 1


def test_a_new_plan_supersedes_the_day_s_previous_one(store: Store) -> None:
    day = date(2026, 12, 1)
    stop = PlannedAssignment("J1", "T1", 0, T0, T0 + timedelta(hours=1), "A1")
    first = store.save_plan(
        account="acme",
        platform="servicetitan",
        service_date=day,
        kind="morning",
        assignments=[stop],
        objective=10.0,
    )
    second = store.save_plan(
        account="acme",
        platform="servicetitan",
        service_date=day,
        kind="replan",
        assignments=[stop, PlannedAssignment("J2", "T1", 1, T0, T0, None)],
    )
    current = store.current_plan("acme", day)
    assert current is not None
    plan, rows = current
    assert plan.id == second != first
    assert [(r.job_external_id, r.sequence) for r in rows] == [("J1", 0), ("J2", 1)]
    assert rows[0].planned_start == T0


def test_audit_records_who_what_and_why(store: Store) -> None:
    store.audit(
        actor="coordinator:ana",
        action="override",
        subject="job:acme:J1",
        before={"urgency": "scheduled"},
        after={"urgency": "emergency"},
        reason="gas smell",
    )
    [row] = store.audit_log("job:acme:J1")
    assert (row.actor, row.before, row.after, row.reason) == (
        "coordinator:ana",
        {"urgency": "scheduled"},
        {"urgency": "emergency"},
        "gas smell",
    )
    assert row.at.tzinfo is not None


def test_a_duplicate_webhook_event_is_recorded_once(store: Store) -> None:
    assert store.record_webhook(platform="workiz", account="acme", event_id="e1", body="{}")
    assert not store.record_webhook(platform="workiz", account="acme", event_id="e1", body="{}")
    [pending] = store.pending_webhooks()
    assert pending.id is not None
    store.finish_webhook(pending.id)
    assert store.pending_webhooks() == []


def test_a_naive_datetime_is_refused(store: Store) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        store.save_cursor("acme", "servicetitan", "jobs", datetime(2026, 12, 1, 8, 0))


def test_an_expired_time_critical_message_is_dead_not_sent_late(store: Store) -> None:
    now = datetime.now(UTC)
    store.enqueue(
        idempotency_key="omw", channel="sms", payload={}, expires_at=now - timedelta(seconds=1)
    )
    assert store.claim_outbox(now) == []
    [row] = store.outbox()
    assert row.status == "dead" and "expired" in (row.last_error or "")


def test_a_send_whose_worker_died_becomes_uncertain_not_pending(store: Store) -> None:
    store.enqueue(idempotency_key="k", channel="sms", payload={})
    now = datetime.now(UTC)
    [_claimed] = store.claim_outbox(now, lease=timedelta(minutes=2))
    assert store.release_stuck_outbox(now + timedelta(minutes=1)) == 0
    assert store.release_stuck_outbox(now + timedelta(minutes=3)) == 1
    assert [row.status for row in store.outbox()] == ["uncertain"]
    assert store.claim_outbox(now + timedelta(minutes=3)) == []  # never resent blindly


def test_an_appointment_keeps_the_first_window_promised_when_it_moves(store: Store) -> None:
    def version(minutes: int, promised: tuple[int, int] | None) -> Appointment:
        window = (
            TimeWindow(
                start=T0 + timedelta(hours=promised[0]), end=T0 + timedelta(hours=promised[1])
            )
            if promised
            else None
        )
        return Appointment(
            **BASE,
            external_id="A1",
            job_id="J1",
            arrival_window=window,
            modified_at=T0 + timedelta(minutes=minutes),
        )

    store.upsert([version(0, None)])  # booked without a window yet
    assert store.first_promises("acme", "servicetitan") == {}
    store.upsert([version(1, (0, 2))])  # promised 15:00-17:00
    store.upsert([version(2, (3, 5))])  # moved to 18:00-20:00
    store.upsert([version(1, (9, 10))])  # a stale version changes nothing
    stored = store.get(Appointment, version(0, None).key)
    assert stored is not None and stored.arrival_window == version(2, (3, 5)).arrival_window
    assert store.first_promises("acme", "servicetitan") == {
        "A1": TimeWindow(start=T0, end=T0 + timedelta(hours=2))
    }
