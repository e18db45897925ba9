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
    from connectors.records import Appointment, Customer, Job, StatusEvent, Technician
    from orchestrator.store import Store

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
        typer.Option(
            "--json", help="Write {account, date, kpis, promises, not_completed, late_arrivals}."
        ),
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

    from orchestrator.analytics import compute_kpis, missed_jobs
    from orchestrator.analytics.arrivals import promised_arrivals
    from orchestrator.analytics.promise_calibration import promise_calibration
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
    try:
        with open_store(settings) as store:
            day_records = _day_records(store, target.id, target.platform.value, since, until)
            chances = store.promise_chances(target.id, when)
    except (ConfigError, StoreError) as exc:
        exit_with(getattr(exc, "problems", None) or [str(exc)])
    jobs, appointments, events, technicians, customers = day_records
    measured = compute_kpis(jobs, appointments, events, technicians, customers).to_json()
    table = Table("KPI", target.id, title=f"{target.id} {when}")
    for key, label, kind in KPI_ROWS:
        table.add_row(label, format_kpi(measured[key], kind))
    console.print(table)
    job_of = {a.external_id: a.job_id for a in appointments}
    missed = [
        (m, why_missed(m, {}))
        for m in missed_jobs(jobs, appointments, events, technicians, customers)
    ]
    late = [
        (a, led_to(a, job_of, zone))
        for a in promised_arrivals(appointments, events)
        if not a.on_time
    ]
    promises = promise_calibration(promised_arrivals(appointments, events), chances)
    if promises.promises:
        console.print(
            f"{promises.promises} windows newly promised by the plans, expected kept "
            f"{promises.expected / promises.promises:.0%}, kept "
            f"{promises.kept / promises.promises:.0%}",
            highlight=False,
        )
    if missed:
        rows = Table("job", "type", "outcome", "why", title="not completed")
        for m, why in missed:
            rows.add_row(m.job_id, m.job_type or "", OUTCOMES[m.outcome], why)
        console.print(rows)
    if late:
        rows = Table("job", "arrived", "by", "min late", "what led to it", title="off promise")
        for a, cause in late:
            arrived = a.visit.arrived_at.astimezone(zone).strftime("%H:%M")
            rows.add_row(a.job_id, arrived, a.visit.technician_id, f"{a.minutes_late:+.0f}", cause)
        console.print(rows)
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        body = {
            "account": target.id,
            "date": when.isoformat(),
            "kpis": measured,
            "promises": promises.to_json(),
            "not_completed": [
                {"job": m.job_id, "type": m.job_type, "outcome": m.outcome, "why": why}
                for m, why in missed
            ],
            "late_arrivals": [
                {
                    "job": a.job_id,
                    "promised": [a.promise.start.isoformat(), a.promise.end.isoformat()],
                    "arrived": a.visit.arrived_at.isoformat(),
                    "technician": a.visit.technician_id,
                    "minutes_late": round(a.minutes_late),
                    "led_to": cause,
                }
                for a, cause in late
            ],
        }
        json_out.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
        console.print(f"wrote {json_out}", highlight=False)


def _day_records(
    store: Store, account: str, platform: str, since: datetime, until: datetime
) -> tuple[list[Job], list[Appointment], list[StatusEvent], list[Technician], list[Customer]]:
    """The day's jobs, appointments (with each first promise as a version of its own, older
    than any), status events, technicians (that day's shifts only) and customers."""
    from connectors.records import Appointment, Customer, Job, Technician

    classifications = store.classifications(account, platform)
    events = store.status_events(account, platform, since=since, until=until)
    visited = {e.subject_id for e in events}
    every_job = store.list(Job, account=account, platform=platform)
    # A ticket of the day that was never scheduled still counts against the day.
    new = {
        j.external_id
        for j in every_job
        if j.created_at is not None and since <= j.created_at < until
    }
    appointments = [
        a
        for a in store.list(Appointment, account=account, platform=platform)
        if _on_day(a, since, until)
        or a.external_id in visited
        or (a.window is None and a.arrival_window is None and a.job_id in new)
    ]
    # A window moved later must not make a late arrival on time: the KPIs judge against the
    # earliest version's promise, so the first one the store saw becomes that version.
    first = store.first_promises(account, platform)
    appointments += [
        a.model_copy(
            update={"arrival_window": first[a.external_id], "window": None, "modified_at": None}
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
        t.model_copy(update={"shifts": tuple(s for s in t.shifts if since <= s.start < until)})
        for t in store.list(Technician, account=account, platform=platform)
    ]
    customers = store.list(Customer, account=account, platform=platform)
    return jobs, appointments, events, technicians, customers


def _on_day(appointment: Appointment, since: datetime, until: datetime) -> bool:
    """Whether the appointment's scheduled or promised start falls on the day."""
    windows = (appointment.window, appointment.arrival_window)
    return any(w is not None and since <= w.start < until for w in windows)
