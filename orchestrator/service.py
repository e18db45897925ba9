"""The long-running service: scheduled syncs, plans, write-backs, messages, approvals, webhooks.

APScheduler 3 runs the periodic jobs in the app's event loop (4.x is still alpha). Each job is
idempotent and works through the store, so a missed or repeated run loses nothing; each runs
at most once at a time (max_instances=1) and a late run is still run (misfire grace).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

import structlog
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from connectors.errors import AuthError, ConnectorError, TransientError
from connectors.protocol import Connector
from notifications import OutboxWorker, Sender
from orchestrator.approvals import CLI, expire_due
from orchestrator.pipeline import DayResult, DispatchPipeline
from orchestrator.settings import Settings
from orchestrator.store import Store
from orchestrator.sync import sync_account
from orchestrator.writeback import drain_writebacks

__all__ = ["AccountHealth", "DispatchService"]

log = structlog.get_logger(__name__)

ANSWER_LOOKBACK = timedelta(minutes=10)
"""How far back each housekeeping run looks for answered approvals (it runs every minute; the
margin covers a decision whose transaction committed after its `decided_at`)."""


@dataclass
class AccountHealth:
    """What the service knows about one account's connection, for logs and /healthz."""

    ok: bool = True
    needs_reauth: bool = False
    last_error: str | None = None
    last_success: datetime | None = None


@dataclass
class DispatchService:
    settings: Settings
    store: Store
    connectors: Mapping[tuple[str, str], Connector]
    senders: Mapping[str, Sender] = field(default_factory=dict)
    pipelines: Mapping[str, DispatchPipeline] = field(default_factory=dict)
    """Account id → its dispatch pipeline; accounts without one are synced but not planned."""
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    health: dict[str, AccountHealth] = field(default_factory=dict)
    _scheduler: AsyncIOScheduler | None = field(default=None, init=False, repr=False)
    _planning: set[str] = field(default_factory=set, init=False, repr=False)
    _changed_while_planning: dict[str, str] = field(default_factory=dict, init=False, repr=False)
    _overruns: set[tuple[str, str]] = field(default_factory=set, init=False, repr=False)
    """(account, appointment) of each visit already reported running long."""
    _answers_seen: set[int] = field(default_factory=set, init=False, repr=False)
    """Approvals whose answer already brought a re-plan forward."""

    async def sync_once(self, connector: Connector) -> None:
        """One incremental sync; logs once when an account fails and once when it recovers.
        A change read that the account's plan cannot stand brings its re-plan forward."""
        account = self.settings.account(connector.account)
        state = self.health.setdefault(connector.account, AccountHealth())
        try:
            report = await sync_account(
                self.store,
                connector,
                overlap=timedelta(minutes=account.sync.overlap_minutes),
                clock=self.clock,
            )
        except AuthError as exc:
            if not state.needs_reauth:
                log.error("account needs re-authentication", account=connector.account)
            state.ok, state.needs_reauth, state.last_error = False, True, str(exc)
            return
        except (TransientError, ConnectorError) as exc:
            if state.ok:
                log.warning("sync failing; will retry", account=connector.account, error=str(exc))
            state.ok, state.last_error = False, str(exc)
            return
        if not state.ok:
            log.info("sync recovered", account=connector.account)
        state.ok, state.needs_reauth, state.last_error = True, False, None
        state.last_success = self.clock()
        # A platform without webhooks tells its news only here; with webhooks the same change
        # was usually seen first, and a re-plan already due sooner is kept.
        changes = report.changes
        if changes and connector.account in self.pipelines:
            more = f" (+{len(changes) - 1} more)" if len(changes) > 1 else ""
            self.replan_soon(connector.account, changes[0] + more)

    async def plan_once(self, account_id: str) -> list[DayResult]:
        """Re-plan the rest of the account's day from where each technician is, while anyone is
        still on shift; from `planning.next_day_from` on, lay out the next day too.

        The solver runs in a worker thread so webhooks are answered meanwhile. A failure is
        logged and the next run tries again: the plans and their write-backs are stored in one
        transaction, so a failed run leaves nothing half done.
        """
        pipeline = self.pipelines[account_id]
        now = self.clock()
        local = now.astimezone(pipeline.zone())
        results: list[DayResult] = []
        try:
            # Once every shift is over, a re-plan of today has nobody to route: skip it
            # rather than store an empty plan every few minutes all evening.
            if pipeline.shift_left(local.date(), now):
                results.append(await asyncio.to_thread(pipeline.plan_day, local.date(), now=now))
            if local.time() >= time.fromisoformat(self.settings.planning.next_day_from):
                tomorrow = local.date() + timedelta(days=1)
                results.append(
                    await asyncio.to_thread(pipeline.plan_day, tomorrow, kind="next_day")
                )
        except Exception as exc:  # noqa: BLE001 - the scheduler must keep running
            log.error("planning failed; will retry", account=account_id, error=repr(exc))
        return results

    def replan_soon(self, account_id: str, reason: str) -> datetime | None:
        """Bring the account's next planning run forward: something changed that its plan
        cannot stand (`replan_triggers.py`). It runs `planning.replan_after_change_seconds`
        from now, so a burst of changes makes one plan; a run already due sooner is kept, and a
        change during a run calls for one more run after it. Returns when the run is due, or
        None when the account is not planned here, or the setting or the schedule is off."""
        delay = self.settings.planning.replan_after_change_seconds
        job = self._scheduler.get_job(f"plan:{account_id}") if self._scheduler else None
        if job is None or delay <= 0:
            return None
        if account_id in self._planning:
            self._changed_while_planning[account_id] = reason
        due = datetime.now(UTC) + timedelta(seconds=delay)
        if job.next_run_time is not None and job.next_run_time <= due:
            return job.next_run_time  # type: ignore[no-any-return]
        job.modify(next_run_time=due)
        log.info("re-plan brought forward", account=account_id, reason=reason, due=due.isoformat())
        return due

    async def watch_overruns_once(self) -> list[str]:
        """Bring each account's re-plan forward for every visit newly found running long
        (`DispatchPipeline.running_long`); each visit is reported once. Returns their job ids."""
        found: list[str] = []
        now = self.clock()
        for account_id, pipeline in self.pipelines.items():
            try:
                long = await asyncio.to_thread(pipeline.running_long, now)
            except Exception as exc:  # noqa: BLE001 - the scheduler must keep running
                log.error("overrun watch failed", account=account_id, error=repr(exc))
                continue
            new = {a: job for a, job in long.items() if (account_id, a) not in self._overruns}
            for appointment_id, job_id in new.items():
                self._overruns.add((account_id, appointment_id))
                found.append(job_id)
            if new:
                self.replan_soon(account_id, f"{', '.join(sorted(new.values()))} running long")
        return found

    async def deliver_once(self) -> None:
        await drain_writebacks(self.store, dict(self.connectors), now=self.clock)
        if self.senders:
            worker = OutboxWorker(self.store, self.senders, clock=self.clock)
            await worker.reconcile_uncertain()
            await worker.drain()

    async def housekeeping_once(self) -> None:
        now = self.clock()
        self.store.release_stuck_outbox(now)
        expire_due(self.store, now=now, zone_of=self.settings.zone)
        self.watch_answers_once(now)

    def watch_answers_once(self, now: datetime) -> list[int]:
        """Bring forward the re-plan of each account with an approval answered from the
        command line in the last `ANSWER_LOOKBACK` (another process: it can only be seen here;
        a Slack click brings the re-plan forward through the web app at once). Each answer
        does so once. Returns the approvals newly seen."""
        rows = self.store.decided_approvals(since=now - ANSWER_LOOKBACK)
        new = [
            r
            for r in rows
            if r.id is not None
            and r.id not in self._answers_seen
            and (r.decided_by or "").startswith(CLI)
        ]
        for row in new:
            assert row.id is not None
            self._answers_seen.add(row.id)
        for account in sorted({r.account for r in new if r.account in self.pipelines}):
            ids = ", ".join(str(r.id) for r in new if r.account == account)
            self.replan_soon(account, f"approval {ids} answered")
        return [r.id for r in new if r.id is not None]

    def schedule(self, scheduler: AsyncIOScheduler) -> None:
        """Register every periodic job with stable ids."""
        self._scheduler = scheduler
        for (_, account_id), connector in self.connectors.items():
            account = self.settings.account(account_id)
            if not account.enabled:
                continue
            self._add(
                scheduler,
                f"sync:{account_id}",
                self._bound_sync(connector),
                seconds=account.sync.interval_minutes * 60,
            )
        every = self.settings.planning.replan_every_minutes
        for account_id in self.pipelines:
            if every > 0 and self.settings.account(account_id).enabled:
                # The first run waits a minute, for the first sync to bring the day in.
                self._add(
                    scheduler,
                    f"plan:{account_id}",
                    self._bound_plan(account_id),
                    seconds=every * 60,
                    first_in=timedelta(minutes=1),
                )
        self._add(scheduler, "deliver", self.deliver_once, seconds=10)
        if self.pipelines and self.settings.planning.replan_after_change_seconds > 0:
            self._add(scheduler, "overruns", self._watch_overruns, seconds=60)
        self._add(scheduler, "housekeeping", self.housekeeping_once, seconds=60)

    async def _watch_overruns(self) -> None:
        await self.watch_overruns_once()

    def _bound_sync(self, connector: Connector) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            await self.sync_once(connector)

        return run

    def _bound_plan(self, account_id: str) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            self._planning.add(account_id)
            try:
                await self.plan_once(account_id)
            finally:
                self._planning.discard(account_id)
            # The run read the store before this change came in: one more run for it.
            missed = self._changed_while_planning.pop(account_id, None)
            if missed is not None:
                self.replan_soon(account_id, missed)

        return run

    @staticmethod
    def _add(
        scheduler: AsyncIOScheduler,
        job_id: str,
        func: Callable[[], Awaitable[None]],
        *,
        seconds: float,
        first_in: timedelta = timedelta(0),
    ) -> None:
        scheduler.add_job(
            func,
            "interval",
            seconds=seconds,
            id=job_id,
            replace_existing=True,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=120,
            next_run_time=datetime.now(UTC) + first_in,
        )
