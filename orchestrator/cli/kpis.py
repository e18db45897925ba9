"""`fsm-dispatch kpis`: a past day of a real account measured from the synced store, with the
same code and definitions as the simulation's report (`orchestrator.analytics`)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from orchestrator.cli.context import (
    ConfigOption,
    console,
    exit_with,
    load_or_exit,
    open_store,
    pick_account,
)

if TYPE_CHECKING:
    from connectors.records import Appointment

app = typer.Typer(help="Measure a day of an account from the synced store (KPIs).")


def _today(zone: tzinfo) -> date:
    """The account's current date (one place, so a test can fix it)."""
    return datetime.now(zone).date()


@app.callback(invoke_without_command=True)
def kpis(
    config: ConfigOption = None,
    account: Annotated[
        str | None, typer.Option(help="The account (default: the only enabled one).")
    ] = None,
    day: Annotated[str, typer.Option(help="yesterday, today or a date (YYYY-MM-DD).")] = (
        "yesterday"
    ),
    json_out: Annotated[
        Path | None,
        typer.Option("--json", help="Write {account, date, kpis, not_completed, late_arrivals}."),
    ] = None,
) -> None:
    """Completed jobs, utilization, on-time arrivals, emergency response and the rest, from the
    jobs, appointments, status events, technicians and customers synced for that day; then each
    job not completed and each arrival outside its promise, with why.

    On-time is judged against the first arrival window the store saw for each appointment, as
    the simulation judges against the first one promised.
    """
    import json

    from rich.table import Table

    from connectors.records import Appointment, Customer, Job, Technician
    from orchestrator.analytics import compute_kpis, missed_jobs
    from orchestrator.analytics.arrivals import promised_arrivals
    from orchestrator.errors import ConfigError, StoreError
    from orchestrator.report.html import KPI_ROWS, format_kpi
    from orchestrator.report.reasons import OUTCOMES, led_to, why_missed

    settings = load_or_exit(config)
    target = pick_account(settings, account)
    zone = settings.zone(target.id)
    today = _today(zone)
    named = {"today": today, "yesterday": today - timedelta(days=1)}
    try:
        when = named[day] if day in named else date.fromisoformat(day)
    except ValueError:
        exit_with([f"--day: expected yesterday, today or YYYY-MM-DD, got {day!r}"])
    since = datetime.combine(when, time(0), zone)
    until = since + timedelta(days=1)
    platform = target.platform.value
    try:
        with open_store(settings) as store:
            classifications = store.classifications(target.id, platform)
            events = store.status_events(target.id, platform, since=since, until=until)
            visited = {e.subject_id for e in events}
            every_job = store.list(Job, account=target.id, platform=platform)
            # A ticket of the day that was never scheduled still counts against the day.
            new = {
                j.external_id
                for j in every_job
                if j.created_at is not None and since <= j.created_at < until
            }
            appointments = [
                a
                for a in store.list(Appointment, account=target.id, platform=platform)
                if _on_day(a, since, until)
                or a.external_id in visited
                or (a.window is None and a.arrival_window is None and a.job_id in new)
            ]
            # The promise is the first arrival window the store saw: a version of its own,
            # older than any, so a window moved later does not make a late arrival on time.
            first = store.first_promises(target.id, platform)
            appointments += [
                a.model_copy(
                    update={
                        "arrival_window": first[a.external_id],
                        "window": None,
                        "modified_at": None,
                    }
                )
                for a in list(appointments)
                if a.external_id in first and first[a.external_id] != a.arrival_window
            ]
            wanted = {a.job_id for a in appointments}
            jobs = [
                j.model_copy(
                    update={"classification": classifications.get(j.external_id, j.classification)}
                )
                for j in every_job
                if j.external_id in wanted
            ]
            technicians = [
                # Only that day's shifts: utilization and overtime are the day's.
                t.model_copy(
                    update={"shifts": tuple(s for s in t.shifts if since <= s.start < until)}
                )
                for t in store.list(Technician, account=target.id, platform=platform)
            ]
            customers = store.list(Customer, account=target.id, platform=platform)
    except (ConfigError, StoreError) as exc:
        exit_with(getattr(exc, "problems", None) or [str(exc)])
    measured = compute_kpis(jobs, appointments, events, technicians, customers).to_json()
    table = Table("KPI", target.id, title=f"{target.id} {when}")
    for key, label, kind in KPI_ROWS:
        table.add_row(label, format_kpi(measured[key], kind))
    console.print(table)
    missed = missed_jobs(jobs, appointments, events, technicians, customers)
    late = [a for a in promised_arrivals(appointments, events) if not a.on_time]
    job_of = {a.external_id: a.job_id for a in appointments}
    if missed:
        rows = Table("job", "type", "outcome", "why", title="not completed")
        for m in missed:
            rows.add_row(m.job_id, m.job_type or "", OUTCOMES[m.outcome], why_missed(m, {}))
        console.print(rows)
    if late:
        rows = Table("job", "arrived", "by", "min late", "what led to it", title="off promise")
        for a in late:
            arrived = a.visit.arrived_at.astimezone(zone).strftime("%H:%M")
            minutes = f"{a.minutes_late:+.0f}"
            rows.add_row(a.job_id, arrived, a.visit.technician_id, minutes, led_to(a, job_of, zone))
        console.print(rows)
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        body = {
            "account": target.id,
            "date": when.isoformat(),
            "kpis": measured,
            "not_completed": [
                {
                    "job": m.job_id,
                    "type": m.job_type,
                    "outcome": m.outcome,
                    "why": why_missed(m, {}),
                }
                for m in missed
            ],
            "late_arrivals": [
                {
                    "job": a.job_id,
                    "promised": [a.promise.start.isoformat(), a.promise.end.isoformat()],
                    "arrived": a.visit.arrived_at.isoformat(),
                    "technician": a.visit.technician_id,
                    "minutes_late": round(a.minutes_late),
                    "led_to": led_to(a, job_of, zone),
                }
                for a in late
            ],
        }
        json_out.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
        console.print(f"wrote {json_out}", highlight=False)


def _on_day(appointment: Appointment, since: datetime, until: datetime) -> bool:
    """Whether the appointment's scheduled or promised start falls on the day."""
    windows = (appointment.window, appointment.arrival_window)
    return any(w is not None and since <= w.start < until for w in windows)
