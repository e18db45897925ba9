"""`serve` plans each account on a schedule: the rest of today from where technicians are, the
next day from the afternoon on; the plan's assignments reach the platform; a failed run is
logged and tried again."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from statistics import NormalDist
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from structlog.testing import capture_logs

from connectors.records import (
    Appointment,
    Classification,
    Job,
    Lifecycle,
    StatusEvent,
    Technician,
    Urgency,
)
from connectors.sandbox import load_scenario
from connectors.sandbox.platform import SandboxFSM
from optimizer import check_plan
from optimizer.durations import DEFAULT_SIGMA
from orchestrator.approvals import ProposedChange, decide_elsewhere, request_approval
from orchestrator.bundled import BUNDLED_SCENARIO as BUNDLED
from orchestrator.classification.taxonomy import TYPICAL_SIGMA
from orchestrator.fitted_durations import FittedDurations
from orchestrator.pipeline import DayResult, DispatchPipeline
from orchestrator.runtime import build_pipelines
from orchestrator.service import DispatchService
from orchestrator.settings import Settings, load_settings
from orchestrator.store import Store
from orchestrator.ticket_classifier import OfflineTicketClassifier

ZONE = ZoneInfo("America/Denver")
ACCOUNT, PLATFORM = "demo", "sandbox"
DAY = date(2026, 12, 1)


def _settings(tmp_path: Path, planning: str = "") -> Settings:
    path = tmp_path / "config.yaml"
    path.write_text(f"accounts:\n  - id: {ACCOUNT}\n    platform: {PLATFORM}\n{planning}")
    return load_settings(path)


def _service(
    store: Store, settings: Settings, platform: SandboxFSM, at: datetime
) -> DispatchService:
    pipeline = DispatchPipeline(
        store,
        settings,
        ACCOUNT,
        PLATFORM,
        OfflineTicketClassifier(),
        durations=lambda job, tech: 50,
        time_limit=1,
    )
    return DispatchService(
        settings,
        store,
        {(PLATFORM, ACCOUNT): platform},
        pipelines={ACCOUNT: pipeline},
        clock=lambda: at,
    )


async def _board(platform: SandboxFSM) -> dict[str, tuple[str, ...]]:
    """Job id → technicians, as the platform shows its appointments now."""
    board: dict[str, tuple[str, ...]] = {}
    async for page in platform.fetch_appointments(None):
        for appointment in page:
            board[appointment.job_id] = appointment.technician_ids
    return board


async def test_a_morning_run_plans_today_only_and_the_platform_shows_the_plan(
    store: Store, tmp_path: Path
) -> None:
    platform = SandboxFSM(load_scenario(BUNDLED), account=ACCOUNT)
    service = _service(
        store, _settings(tmp_path), platform, datetime(2026, 12, 1, 6, 45, tzinfo=ZONE)
    )
    await service.sync_once(platform)
    assert not any((await _board(platform)).values())  # nobody assigned before the plan
    results = await service.plan_once(ACCOUNT)
    assert [r.problem is not None for r in results] == [True]  # before 14:00: today only
    (today,) = results
    assert check_plan(today.problem, today.plan) == []
    assert store.current_plan(ACCOUNT, DAY) is not None
    assert store.current_plan(ACCOUNT, DAY + timedelta(days=1)) is None
    await service.deliver_once()
    board = await _board(platform)
    planned = {job: tech for job, tech in today.plan.assignment().items() if job in board}
    assert len(planned) > 10
    assert all(board[job] == (tech,) for job, tech in planned.items())


async def test_an_afternoon_run_also_lays_out_the_next_day(store: Store, tmp_path: Path) -> None:
    platform = SandboxFSM(load_scenario(BUNDLED), account=ACCOUNT)
    service = _service(store, _settings(tmp_path), platform, datetime(2026, 12, 1, 15, tzinfo=ZONE))
    await service.sync_once(platform)
    results = await service.plan_once(ACCOUNT)
    assert len(results) == 2
    tomorrow = store.current_plan(ACCOUNT, DAY + timedelta(days=1))
    assert tomorrow is not None and tomorrow[0].kind == "next_day"
    # Today's re-plan starts nothing before 15:00.
    assert all(stop.start >= 15 * 60 for route in results[0].plan.routes for stop in route.stops)


async def test_an_evening_run_lays_out_tomorrow_and_leaves_today_alone(
    store: Store, tmp_path: Path
) -> None:
    platform = SandboxFSM(load_scenario(BUNDLED), account=ACCOUNT)
    # Every shift of the bundled day is over by 17:00.
    service = _service(store, _settings(tmp_path), platform, datetime(2026, 12, 1, 19, tzinfo=ZONE))
    await service.sync_once(platform)
    (only,) = await service.plan_once(ACCOUNT)
    assert store.current_plan(ACCOUNT, DAY) is None
    tomorrow = store.current_plan(ACCOUNT, DAY + timedelta(days=1))
    assert tomorrow is not None and tomorrow[0].kind == "next_day"
    assert tomorrow[0].id == only.plan_id


async def test_a_failed_run_is_logged_and_the_next_one_plans(store: Store, tmp_path: Path) -> None:
    platform = SandboxFSM(load_scenario(BUNDLED), account=ACCOUNT)
    service = _service(store, _settings(tmp_path), platform, datetime(2026, 12, 1, 7, tzinfo=ZONE))
    await service.sync_once(platform)
    pipeline = service.pipelines[ACCOUNT]
    working = pipeline.classify

    def broken(*_: object) -> Classification:
        raise RuntimeError("classifier down")

    pipeline.classify = broken
    with capture_logs() as logs:
        assert await service.plan_once(ACCOUNT) == []
    failed = [e for e in logs if e["event"] == "planning failed; will retry"]
    assert failed and failed[0]["account"] == ACCOUNT and "classifier down" in failed[0]["error"]
    assert store.current_plan(ACCOUNT, DAY) is None and store.outbox() == []
    pipeline.classify = working
    assert len(await service.plan_once(ACCOUNT)) == 1


def test_each_account_gets_a_planning_job_unless_turned_off(store: Store, tmp_path: Path) -> None:
    platform = SandboxFSM(load_scenario(BUNDLED), account=ACCOUNT)
    at = datetime(2026, 12, 1, 7, tzinfo=ZONE)
    scheduler = AsyncIOScheduler()
    _service(store, _settings(tmp_path), platform, at).schedule(scheduler)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert jobs[f"plan:{ACCOUNT}"].trigger.interval == timedelta(minutes=15)
    assert jobs[f"plan:{ACCOUNT}"].max_instances == 1
    off = _settings(tmp_path, "planning:\n  replan_every_minutes: 0\n")
    scheduler = AsyncIOScheduler()
    _service(store, off, platform, at).schedule(scheduler)
    assert f"plan:{ACCOUNT}" not in {job.id for job in scheduler.get_jobs()}


def test_durations_come_from_the_accounts_own_visits_and_are_refitted_daily(
    store: Store,
) -> None:
    key = {"platform": PLATFORM, "account": ACCOUNT}
    tech = Technician(**key, external_id="T1", name="Ana")
    now = {"at": datetime(2026, 12, 1, 7, tzinfo=ZONE)}
    durations = FittedDurations(store, ACCOUNT, PLATFORM, 0.5, zone=ZONE, clock=lambda: now["at"])
    job = Job(
        **key,
        external_id="J0",
        classification=Classification(
            trade="plumbing", job_type="plumbing.water_heater_install", urgency=Urgency.SCHEDULED
        ),
    )
    typical = durations(job, tech)
    assert durations.samples == 0

    def visit(k: int, minutes: int) -> list[object]:
        arrived = datetime(2026, 11, 20 + k, 9, tzinfo=ZONE)
        appointment = Appointment(**key, external_id=f"A{k}", job_id=f"J{k}")
        events = [
            StatusEvent(
                **key,
                external_id=f"S{k}-{status.value}",
                subject="appointment",
                subject_id=f"A{k}",
                status=status,
                occurred_at=at,
                technician_id="T1",
            )
            for status, at in (
                (Lifecycle.ON_SITE, arrived),
                (Lifecycle.COMPLETED, arrived + timedelta(minutes=minutes)),
            )
        ]
        return [appointment, Job(**key, external_id=f"J{k}"), *events]

    # No history: the taxonomy's typical spread for the type (an install's, tighter than usual).
    assert durations.spread(job, tech).sigma == TYPICAL_SIGMA["plumbing.water_heater_install"]
    for k in range(6):
        store.upsert(visit(k, 300 + 30 * k))  # type: ignore[arg-type]
        store.save_classification(
            Job(**key, external_id=f"J{k}").key, job.classification, content_hash=f"h{k}"
        )  # type: ignore[arg-type]
    assert durations(job, tech) == typical  # the model of the morning stays for the day
    now["at"] = datetime(2026, 12, 1, 18, 30, tzinfo=ZONE)  # already 2 December in UTC
    assert durations(job, tech) == typical
    now["at"] = datetime(2026, 12, 2, 6, tzinfo=ZONE)
    longer = durations(job, tech)
    assert durations.samples == 6 and longer > typical
    # The median and spread of those six visits (300-450 minutes) come with it.
    spread = durations.spread(job, tech)
    assert 300 < spread.median < 450 and 0 < spread.sigma < DEFAULT_SIGMA


async def _until(condition: Callable[[], bool], seconds: float = 30) -> bool:
    for _ in range(int(seconds * 10)):
        if condition():
            return True
        await asyncio.sleep(0.1)
    return condition()


async def test_a_change_brings_the_next_plan_forward(store: Store, tmp_path: Path) -> None:
    """A new ticket is planned seconds after its webhook, not at the next scheduled run; a burst
    of changes makes one run."""
    platform = SandboxFSM(load_scenario(BUNDLED), account=ACCOUNT)
    settings = _settings(tmp_path, "planning:\n  replan_after_change_seconds: 1\n")
    service = _service(store, settings, platform, datetime(2026, 12, 1, 7, tzinfo=ZONE))
    await service.sync_once(platform)
    scheduler = AsyncIOScheduler(timezone="UTC")
    service.schedule(scheduler)
    scheduler.start()
    try:
        job = scheduler.get_job(f"plan:{ACCOUNT}")
        assert job.next_run_time > datetime.now(UTC) + timedelta(seconds=50)  # waits for a sync
        due = service.replan_soon(ACCOUNT, "new ticket J050")
        assert due is not None and due <= datetime.now(UTC) + timedelta(seconds=1)
        assert service.replan_soon(ACCOUNT, "visit A7 on_site") == due  # joins the same run
        assert await _until(lambda: store.current_plan(ACCOUNT, DAY) is not None)
    finally:
        scheduler.shutdown(wait=False)


async def test_a_change_during_a_run_gets_one_more_run(store: Store, tmp_path: Path) -> None:
    """The running plan read the store before the change: one more run follows, not two."""
    platform = SandboxFSM(load_scenario(BUNDLED), account=ACCOUNT)
    settings = _settings(tmp_path, "planning:\n  replan_after_change_seconds: 0.5\n")
    service = _service(store, settings, platform, datetime(2026, 12, 1, 7, tzinfo=ZONE))
    runs: list[datetime] = []

    async def plan_once(account: str) -> list[DayResult]:
        runs.append(datetime.now(UTC))
        if len(runs) == 1:
            service.replan_soon(account, "visit A7 on_site")  # while this run plans
            await asyncio.sleep(1.0)  # past the delay: the scheduler's own run is skipped
        return []

    service.plan_once = plan_once  # type: ignore[method-assign]
    scheduler = AsyncIOScheduler(timezone="UTC")
    service.schedule(scheduler)
    scheduler.start()
    try:
        service.replan_soon(ACCOUNT, "new ticket J050")
        assert await _until(lambda: len(runs) >= 2, seconds=10)
        await asyncio.sleep(2)
        assert len(runs) == 2
    finally:
        scheduler.shutdown(wait=False)


def test_no_early_run_when_turned_off_or_unscheduled(store: Store, tmp_path: Path) -> None:
    platform = SandboxFSM(load_scenario(BUNDLED), account=ACCOUNT)
    at = datetime(2026, 12, 1, 7, tzinfo=ZONE)
    off = _settings(tmp_path, "planning:\n  replan_after_change_seconds: 0\n")
    service = _service(store, off, platform, at)
    service.schedule(AsyncIOScheduler())
    assert service.replan_soon(ACCOUNT, "new ticket J050") is None
    unscheduled = _service(store, _settings(tmp_path), platform, at)
    assert unscheduled.replan_soon(ACCOUNT, "new ticket J050") is None
    scheduled = _service(store, _settings(tmp_path), platform, at)
    scheduled.schedule(AsyncIOScheduler())
    assert scheduled.replan_soon("another-account", "new ticket J1") is None


async def test_a_visit_running_long_brings_the_next_plan_forward_once(
    store: Store, tmp_path: Path
) -> None:
    """On site past `lanes.overrun_threshold` × its estimate (1.3 × 50 minutes here), a visit
    puts its technician's next stops at risk: the account is re-planned soon, and only once."""
    platform = SandboxFSM(load_scenario(BUNDLED), account=ACCOUNT)
    settings = _settings(tmp_path, "planning:\n  replan_after_change_seconds: 30\n")
    now = [datetime(2026, 12, 1, 9, 30, tzinfo=ZONE)]
    service = _service(store, settings, platform, now[0])
    service.clock = lambda: now[0]
    await service.sync_once(platform)
    visit = next(a for a in store.list(Appointment, account=ACCOUNT) if a.window is not None)
    arrived = datetime(2026, 12, 1, 9, 0, tzinfo=ZONE)
    store.upsert([
        visit.model_copy(update={"status": Lifecycle.ON_SITE, "technician_ids": ("T01",),
                                 "modified_at": arrived}),
        StatusEvent(platform=PLATFORM, account=ACCOUNT, external_id="on-site-1",
                    subject="appointment", subject_id=visit.external_id,
                    status=Lifecycle.ON_SITE, occurred_at=arrived, technician_id="T01"),
    ])  # fmt: skip
    scheduler = AsyncIOScheduler(timezone="UTC")
    service.schedule(scheduler)
    scheduler.remove_job(f"sync:{ACCOUNT}")  # a sync would re-read the visit from the platform
    scheduler.start()
    try:
        job = scheduler.get_job(f"plan:{ACCOUNT}")
        assert await service.watch_overruns_once() == []  # 30 minutes in: on estimate
        assert job.next_run_time > datetime.now(UTC) + timedelta(seconds=45)
        now[0] = datetime(2026, 12, 1, 10, 10, tzinfo=ZONE)  # 70 minutes: past 65
        assert await service.watch_overruns_once() == [visit.job_id]
        assert job.next_run_time <= datetime.now(UTC) + timedelta(seconds=30)
        now[0] += timedelta(minutes=5)
        assert await service.watch_overruns_once() == []  # told once
    finally:
        scheduler.shutdown(wait=False)


def test_the_overrun_watch_is_scheduled_with_planning(store: Store, tmp_path: Path) -> None:
    platform = SandboxFSM(load_scenario(BUNDLED), account=ACCOUNT)
    at = datetime(2026, 12, 1, 7, tzinfo=ZONE)
    scheduler = AsyncIOScheduler()
    _service(store, _settings(tmp_path), platform, at).schedule(scheduler)
    assert scheduler.get_job("overruns").trigger.interval == timedelta(minutes=1)
    off = _settings(tmp_path, "planning:\n  replan_after_change_seconds: 0\n")
    scheduler = AsyncIOScheduler()
    _service(store, off, platform, at).schedule(scheduler)
    assert scheduler.get_job("overruns") is None


async def test_a_sync_that_reads_news_brings_the_next_plan_forward(
    store: Store, tmp_path: Path
) -> None:
    """A platform without webhooks: the scheduled sync is where a new ticket is first seen, and
    the plan follows within seconds of it rather than at the next planning run."""
    platform = SandboxFSM(load_scenario(BUNDLED), account=ACCOUNT)
    settings = _settings(tmp_path, "planning:\n  replan_after_change_seconds: 30\n")
    service = _service(store, settings, platform, datetime(2026, 12, 1, 7, tzinfo=ZONE))
    await service.sync_once(platform)
    scheduler = AsyncIOScheduler(timezone="UTC")
    service.schedule(scheduler)
    # The test runs each sync itself: the scheduled one, due at once, would race it for the
    # news and could be the one to report the new ticket's visit first.
    scheduler.remove_job(f"sync:{ACCOUNT}")
    scheduler.start()
    try:
        job = scheduler.get_job(f"plan:{ACCOUNT}")
        await service.sync_once(platform)  # everything re-read, nothing new
        assert job.next_run_time > datetime.now(UTC) + timedelta(seconds=45)
        known = {j.external_id for j in store.list(Job, account=ACCOUNT)}
        while {j.external_id for j in platform.truth_jobs()} <= known:
            moment = platform.next_change_at()
            assert moment is not None, "the bundled day brings a ticket in during the day"
            platform.advance_to(moment)
        with capture_logs() as logs:
            await service.sync_once(platform)
        assert job.next_run_time <= datetime.now(UTC) + timedelta(seconds=30)
        told = [e for e in logs if e["event"] == "re-plan brought forward"]
        assert len(told) == 1 and told[0]["reason"].startswith("new ticket ")
    finally:
        scheduler.shutdown(wait=False)


async def test_an_answer_from_the_command_line_brings_the_next_plan_forward_once(
    store: Store, tmp_path: Path
) -> None:
    """`approvals decide` runs in another process: the service sees its answer within a
    housekeeping run and plans soon, once; a Slack click (which re-plans through the web app
    at once) is not counted again."""
    platform = SandboxFSM(load_scenario(BUNDLED), account=ACCOUNT)
    settings = _settings(tmp_path, "planning:\n  replan_after_change_seconds: 30\n")
    service = _service(store, settings, platform, datetime(2026, 12, 1, 9, tzinfo=ZONE))
    now = datetime.now(UTC)
    service.clock = lambda: now
    change = ProposedChange(kind="reassign", title="Move J1", why="w", technician="Ana",
                            eta="10:40", job_ids=("J1",), safety_critical=True)  # fmt: skip
    asked = [
        request_approval(store, account=ACCOUNT, change=change, policy=settings.approvals,
                         channel="C1", now=now)
        for _ in range(2)
    ]  # fmt: skip
    clicked, typed = asked
    assert clicked is not None and typed is not None
    row = store.get_approval(clicked)
    assert row is not None
    store.decide_approval(clicked, version=row.version, status="approved", decided_by="U01ANA",
                          now=now)  # fmt: skip
    scheduler = AsyncIOScheduler(timezone="UTC")
    service.schedule(scheduler)
    scheduler.start()
    try:
        job = scheduler.get_job(f"plan:{ACCOUNT}")
        assert service.watch_answers_once(now) == []  # the click re-planned through the app
        assert job.next_run_time > datetime.now(UTC) + timedelta(seconds=45)
        decided, _ = decide_elsewhere(store, typed, status="rejected", decided_by="dana", now=now)
        assert decided
        with capture_logs() as logs:
            assert service.watch_answers_once(now + timedelta(minutes=1)) == [typed]
        assert job.next_run_time <= datetime.now(UTC) + timedelta(seconds=30)
        (told,) = [e for e in logs if e["event"] == "re-plan brought forward"]
        assert told["reason"] == f"approval {typed} answered"
        assert service.watch_answers_once(now + timedelta(minutes=2)) == []  # once
    finally:
        scheduler.shutdown(wait=False)


def test_the_admins_typical_minutes_reach_the_accounts_plans(store: Store, tmp_path: Path) -> None:
    """A job type added in the taxonomy file, with its typical minutes, is planned at them
    (the routing quantile of planned work's spread) until the account has history of it."""
    extensions = tmp_path / "taxonomy.yaml"
    extensions.write_text(
        "job_types:\n  hvac: [hvac.duct_cleaning]\n"
        "typical_minutes:\n  hvac.duct_cleaning: 150\nplanned_work: [hvac.duct_cleaning]\n"
    )
    key = {"platform": PLATFORM, "account": ACCOUNT}
    job = Job(
        **key,
        external_id="J0",
        classification=Classification(
            trade="hvac", job_type="hvac.duct_cleaning", urgency=Urgency.SCHEDULED
        ),
    )
    tech = Technician(**key, external_id="T1", name="Ana")
    plain = build_pipelines(_settings(tmp_path), store, [(PLATFORM, ACCOUNT)])[ACCOUNT]
    extended = build_pipelines(
        _settings(tmp_path, f"classification:\n  taxonomy_extensions: {extensions}\n"),
        store,
        [(PLATFORM, ACCOUNT)],
    )[ACCOUNT]
    quantile = extended.settings.planning.routing_quantile
    assert extended.durations(job, tech) == round(
        150 * math.exp(0.3 * NormalDist().inv_cdf(quantile))
    )
    assert plain.durations(job, tech) != extended.durations(job, tech)
    assert extended.spread is not None and extended.spread(job, tech).sigma == 0.3
