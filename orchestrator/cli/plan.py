"""`fsm-dispatch plan`: plan one account's day from the store now, as `serve` does on schedule."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

import typer

from orchestrator.cli.context import (
    ConfigOption,
    console,
    exit_with,
    load_or_exit,
    open_store,
    pick_account,
)

app = typer.Typer(help="Plan a day from the synced store and queue its write-backs.")


def _now() -> datetime:
    """The wall clock (one place, so a test can fix it)."""
    return datetime.now(UTC)


@app.callback(invoke_without_command=True)
def plan(
    config: ConfigOption = None,
    account: Annotated[
        str | None, typer.Option(help="The account (default: the only enabled one).")
    ] = None,
    day: Annotated[
        str,
        typer.Option(help="today (the rest of it, from where everyone is), tomorrow or a date."),
    ] = "tomorrow",
    seconds: Annotated[
        float | None,
        typer.Option(min=0.1, help="Solver budget (default: planning.time_limit_seconds)."),
    ] = None,
) -> None:
    """Classify, plan and queue the day's assignments; `serve` writes them to the platform.

    Prints each technician's route and every job left unassigned with its reason.
    """
    from datetime import timedelta

    from rich.table import Table

    from orchestrator.errors import ConfigError, StoreError
    from orchestrator.planning import preferences_passed_over
    from orchestrator.runtime import build_pipelines

    settings = load_or_exit(config)
    target = pick_account(settings, account)
    zone = settings.zone(target.id)
    now = _now()
    today = now.astimezone(zone).date()
    named = {"today": today, "tomorrow": today + timedelta(days=1)}
    try:
        when = named[day] if day in named else date.fromisoformat(day)
    except ValueError:
        exit_with([f"--day: expected today, tomorrow or YYYY-MM-DD, got {day!r}"])
    try:
        with open_store(settings) as store:
            pipelines = build_pipelines(settings, store, [(target.platform.value, target.id)])
            pipeline = pipelines[target.id]
            if seconds is not None:
                pipeline.time_limit = seconds
            result = pipeline.plan_day(when, now=now if when == today else None, kind="manual")
    except (ConfigError, StoreError) as exc:
        exit_with(getattr(exc, "problems", None) or [str(exc)])
    routes = Table(
        "technician", "stops", "first start", "back", "drive min", title=f"{target.id} {when}"
    )
    for route in result.plan.routes:
        if not route.stops:
            continue
        routes.add_row(
            route.technician_id,
            " → ".join(s.job_id for s in route.stops),
            _clock(route.stops[0].start),
            _clock(route.end),
            str(sum(s.travel_minutes for s in route.stops) + route.return_minutes),
        )
    console.print(routes)
    if result.promised:
        promised = Table(
            "visit", "window", "chance on time", title="windows promised to customers (new)"
        )
        for appointment_id, (window, chance) in sorted(result.promised.items()):
            opens, closes = window.start.astimezone(zone), window.end.astimezone(zone)
            promised.add_row(appointment_id, f"{opens:%H:%M}-{closes:%H:%M}", f"{chance:.0%}")
        console.print(promised)
    passed_over = preferences_passed_over(result.plan, result.problem)
    if passed_over:
        table = Table(
            "job", "preferred", "planned", "why", title="preferred technician passed over"
        )
        for row in passed_over:
            table.add_row(*row)
        console.print(table)
    if result.plan.unassigned:
        left = Table("job", "reason", "detail", title="left unassigned")
        for job in result.plan.unassigned:
            left.add_row(job.job_id, job.reason, job.detail)
        console.print(left)
    if result.drive_factor != 1.0:
        console.print(
            f"drives planned at {result.drive_factor:.2f}× the travel estimate, as the fleet's "
            "drives of the last two weeks were timed"
        )
    console.print(
        f"{len(result.plan.assignment())} jobs planned, {len(result.plan.unassigned)} unassigned, "
        f"{result.writes_queued} write-backs queued (plan {result.plan_id}); "
        "`fsm-dispatch serve` delivers them."
    )


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"
