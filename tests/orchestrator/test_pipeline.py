"""The pipeline plans a synced day, queues each write-back once, and keeps people's overrides."""

from __future__ import annotations

import asyncio
import math
from datetime import date, datetime, timedelta
from pathlib import Path
from statistics import NormalDist
from zoneinfo import ZoneInfo

from connectors.records import (
    Appointment,
    Classification,
    Customer,
    Job,
    Lifecycle,
    Location,
    StatusEvent,
    Technician,
    TimeOff,
    Urgency,
)
from connectors.sandbox import load_scenario
from connectors.sandbox.platform import SandboxFSM
from optimizer import check_plan
from orchestrator.bundled import BUNDLED_SCENARIO as BUNDLED
from orchestrator.overrides import override_classification
from orchestrator.pipeline import DispatchPipeline
from orchestrator.settings import load_settings
from orchestrator.store import Store
from orchestrator.sync import sync_account

ZONE = ZoneInfo("America/Denver")
ACCOUNT, PLATFORM = "demo", "sandbox"
DAY = date(2026, 12, 1)


class CountingClassifier:
    """Classifies every ticket as routine HVAC work, and counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, job: Job, customer: Customer | None, now: datetime) -> Classification:
        self.calls += 1
        return Classification(
            trade="hvac", job_type="hvac.repair", urgency=Urgency.SCHEDULED, confidence=0.9
        )


def _pipeline(
    store: Store, tmp_path: Path, classifier: CountingClassifier, settings: str = ""
) -> DispatchPipeline:
    config = tmp_path / "config.yaml"
    config.write_text("accounts:\n  - id: demo\n    platform: sandbox\n" + settings)
    return DispatchPipeline(
        store,
        load_settings(config),
        ACCOUNT,
        PLATFORM,
        classifier,
        durations=lambda job, tech: 50,
        time_limit=1,
    )


def _synced(store: Store) -> None:
    platform = SandboxFSM(load_scenario(BUNDLED), account=ACCOUNT)
    asyncio.run(sync_account(store, platform, full=True))


def test_a_synced_day_is_planned_checked_and_its_bookings_queued_once(
    store: Store, tmp_path: Path
) -> None:
    _synced(store)
    classifier = CountingClassifier()
    pipeline = _pipeline(store, tmp_path, classifier)
    result = pipeline.plan_day(DAY, kind="morning")
    assert classifier.calls == store.count(Job)
    assert check_plan(result.problem, result.plan) == []
    assert len(result.problem.technicians) == store.count(Technician)
    served = len(result.plan.assignment())
    assert served + len(result.unassigned) == len(result.problem.jobs)
    assert result.writes_queued > 0
    queued = len(store.outbox())
    # The same day planned again: nothing re-classified, and no decision queued twice.
    again = pipeline.plan_day(DAY)
    assert classifier.calls == store.count(Job)
    assert again.classified == 0
    keys = [row.idempotency_key for row in store.outbox()]
    assert len(keys) == len(set(keys)) and len(keys) >= queued


def test_an_override_reaches_the_plan(store: Store, tmp_path: Path) -> None:
    _synced(store)
    pipeline = _pipeline(store, tmp_path, CountingClassifier())
    pipeline.plan_day(DAY)
    override_classification(
        store,
        pipeline.job_key("J001"),
        field="urgency",
        value="emergency",
        actor="coordinator:ana",
        reason="no heat, infant at home",
    )
    result = pipeline.plan_day(DAY)
    assert result.problem.job("J001").urgency == "emergency"


def test_a_dispatched_visit_the_plan_hands_on_is_reassigned_in_the_fsm(
    store: Store, tmp_path: Path
) -> None:
    """T01 has an afternoon visit on the app, then is called away from 09:00: the plan gives the
    visit to someone else, and that move is queued (a dispatched visit is otherwise left be)."""
    _synced(store)
    appointments = store.list(Appointment, account=ACCOUNT)
    visit = next(
        a
        for a in appointments
        if a.window is not None and a.window.start.astimezone(ZONE).hour >= 12
    )
    later = (visit.modified_at or datetime.now(ZONE)) + timedelta(minutes=1)
    dispatched = {"status": Lifecycle.DISPATCHED, "technician_ids": ("T01",), "modified_at": later}
    tech = next(t for t in store.list(Technician, account=ACCOUNT) if t.external_id == "T01")
    away = TimeOff(
        start=datetime(2026, 12, 1, 9, tzinfo=ZONE), end=datetime(2026, 12, 1, 23, tzinfo=ZONE)
    )
    called_away = {"time_off": (away,), "modified_at": (tech.modified_at or later) + timedelta(1)}
    store.upsert([visit.model_copy(update=dispatched), tech.model_copy(update=called_away)])
    result = _pipeline(store, tmp_path, CountingClassifier()).plan_day(DAY, kind="morning")
    # Every rule holds but the pin the plan released.
    broken = check_plan(result.problem, result.plan)
    assert [(v.rule, v.job_id) for v in broken] == [("pin", visit.job_id)]
    taken_by = next(
        r.technician_id for r in result.plan.routes for s in r.stops if s.job_id == visit.job_id
    )
    assert taken_by != "T01"
    moves = [
        row.payload["technician_ids"]
        for row in store.outbox()
        if row.payload.get("kind") == "assign"
        and row.payload["appointment_id"] == visit.external_id
    ]
    assert moves == [[taken_by]]


def test_a_dispatched_crew_visit_the_plan_keeps_is_left_as_it_is(
    store: Store, tmp_path: Path
) -> None:
    """Two technicians on one dispatched visit: the plan routes it with the first, and nothing
    is written back (the crew is not cut down to one)."""
    _synced(store)
    visit = next(a for a in store.list(Appointment, account=ACCOUNT) if a.window is not None)
    crew = {
        "status": Lifecycle.DISPATCHED,
        "technician_ids": ("T01", "T02"),
        "modified_at": (visit.modified_at or datetime.now(ZONE)) + timedelta(minutes=1),
    }
    store.upsert([visit.model_copy(update=crew)])
    result = _pipeline(store, tmp_path, CountingClassifier()).plan_day(DAY, kind="morning")
    assert check_plan(result.problem, result.plan) == []
    assert visit.job_id in {s.job_id for r in result.plan.routes for s in r.stops}
    writes = [
        row.payload for row in store.outbox() if row.payload["appointment_id"] == visit.external_id
    ]
    assert writes == []


def test_a_re_plan_during_the_day_starts_each_technician_from_where_they_are(
    store: Store, tmp_path: Path
) -> None:
    """T01 has been on site since 12:00 at a job; the 12:30 re-plan starts T01 from there once
    that visit is due to end (50 minutes here), not from home at the start of the shift. An
    event from yesterday, or later than now, does not count."""
    _synced(store)
    visit = next(a for a in store.list(Appointment, account=ACCOUNT) if a.window is not None)
    job = next(j for j in store.list(Job, account=ACCOUNT) if j.external_id == visit.job_id)
    place = next(
        loc for loc in store.list(Location, account=ACCOUNT) if loc.external_id == job.location_id
    )
    noon = datetime(2026, 12, 1, 12, tzinfo=ZONE)

    def event(n: int, status: Lifecycle, at: datetime) -> StatusEvent:
        return StatusEvent(
            platform=PLATFORM, account=ACCOUNT, external_id=f"test-{n}", subject="appointment",
            subject_id=visit.external_id, status=status, occurred_at=at, technician_id="T01",
        )  # fmt: skip

    on_site = {"status": Lifecycle.ON_SITE, "technician_ids": ("T01",), "modified_at": noon}
    store.upsert([
        visit.model_copy(update=on_site),
        event(1, Lifecycle.COMPLETED, noon - timedelta(days=1)),
        event(2, Lifecycle.ON_SITE, noon),
        event(3, Lifecycle.COMPLETED, noon + timedelta(hours=3)),
    ])  # fmt: skip
    pipeline = _pipeline(store, tmp_path, CountingClassifier())
    result = pipeline.plan_day(DAY, now=noon + timedelta(minutes=30))
    t01 = result.problem.technician("T01")
    assert (t01.start.lat, t01.start.lon) == (place.point.lat, place.point.lon)
    assert t01.shift_start == 12 * 60 + 50
    assert check_plan(result.problem, result.plan) == []
    # Its first promise keeps room for that visit to run long: 30 minutes into a visit of a
    # 50-minute median (sigma 0.5), its p80 end given that, less the planned 12:50.
    spent = NormalDist().cdf(math.log(30 / 50) / 0.5)
    z = NormalDist().inv_cdf(spent + 0.8 * (1 - spent))
    assert t01.start_room == math.ceil(50 * math.exp(0.5 * z) - 50) == 31
    # Another technician with no event today starts from home, with no room to keep.
    home = next(t for t in store.list(Technician, account=ACCOUNT) if t.external_id == "T02").home
    t02 = result.problem.technician("T02")
    assert (t02.start.lat, t02.start.lon) == (home.lat, home.lon)
    assert t02.start_room == 0


def test_a_technician_on_the_road_is_planned_to_arrive_when_their_drive_ends(
    store: Store, tmp_path: Path
) -> None:
    """T01 finished one visit at 11:50 and set out for another at 12:00, in the lunch window.
    The 12:20 re-plan has them drive from the first door since 12:00 and eat afterwards, as
    they do; not leave it at 12:20 after lunch."""
    _synced(store)
    done, heading = [a for a in store.list(Appointment, account=ACCOUNT) if a.window is not None][
        :2
    ]
    jobs = {j.external_id: j for j in store.list(Job, account=ACCOUNT)}
    places = {loc.external_id: loc for loc in store.list(Location, account=ACCOUNT)}
    left_from = places[jobs[done.job_id].location_id or ""].point
    assert left_from is not None
    noon = datetime(2026, 12, 1, 12, tzinfo=ZONE)

    def event(n: int, visit: Appointment, status: Lifecycle, at: datetime) -> StatusEvent:
        return StatusEvent(
            platform=PLATFORM, account=ACCOUNT, external_id=f"road-{n}", subject="appointment",
            subject_id=visit.external_id, status=status, occurred_at=at, technician_id="T01",
        )  # fmt: skip

    def moved(visit: Appointment, status: Lifecycle) -> Appointment:
        update = {"status": status, "technician_ids": ("T01",), "modified_at": noon}
        return visit.model_copy(update=update)

    store.upsert([
        moved(done, Lifecycle.COMPLETED),
        moved(heading, Lifecycle.EN_ROUTE),
        event(1, done, Lifecycle.COMPLETED, noon - timedelta(minutes=10)),
        event(2, heading, Lifecycle.EN_ROUTE, noon),
    ])  # fmt: skip
    pipeline = _pipeline(store, tmp_path, CountingClassifier())
    result = pipeline.plan_day(DAY, now=noon + timedelta(minutes=20))
    t01 = result.problem.technician("T01")
    assert (t01.start.lat, t01.start.lon) == (left_from.lat, left_from.lon)
    assert t01.shift_start == 12 * 60
    assert check_plan(result.problem, result.plan) == []
    route = result.plan.route_of("T01")
    assert route is not None and route.stops[0].job_id == heading.job_id
    first = route.stops[0]
    assert first.start == max(12 * 60 + first.travel_minutes, 12 * 60 + 20)
    assert route.lunch_start is not None and route.lunch_start >= first.end


def test_each_planned_job_keeps_room_for_its_overrun_unless_the_account_turns_it_off(
    store: Store, tmp_path: Path
) -> None:
    _synced(store)
    result = _pipeline(store, tmp_path, CountingClassifier()).plan_day(DAY, kind="morning")
    # 50 planned minutes at the median, the usual spread (sigma 0.5): 26 more at the p80.
    assert {job.overrun_minutes for job in result.problem.jobs} == {26}
    off = _pipeline(
        store, tmp_path, CountingClassifier(), "planning:\n  overrun_room_quantile: 0\n"
    ).plan_day(DAY, kind="morning")
    assert {job.overrun_minutes for job in off.problem.jobs} == {0}
