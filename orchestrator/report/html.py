"""The before/after report: KPI table, a timeline and a route map per technician, the jobs not
completed with what stood in their way, the arrivals outside the window promised to the customer
with what led to each, and the visits whose customer's preferred technician was not the one who
came, with the reason the dispatcher gave.

One self-contained HTML file: inline CSS and SVG, no script, nothing fetched, so it renders
offline and can be mailed as it is.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from connectors.records import Urgency
from orchestrator.analytics import PreferredVisit, missed_jobs, preferred_visits
from orchestrator.analytics.arrivals import PromisedArrival, promised_arrivals
from orchestrator.analytics.delay_notices import delay_notice_outcome
from orchestrator.report.reasons import OUTCOMES, led_to, why_missed
from orchestrator.simulation.loop import SimulationRecord

__all__ = ["KPI_ROWS", "format_kpi", "render_report"]

KPI_ROWS: tuple[tuple[str, str, str], ...] = (
    ("jobs_total", "jobs", "n"),
    ("jobs_completed", "completed", "n"),
    ("jobs_unqualified", "no technician qualified", "n"),
    ("utilization", "utilization", "%"),
    ("on_time_rate", "on-time arrivals", "%"),
    ("drive_minutes", "drive minutes", "n"),
    ("overtime_minutes", "overtime minutes", "n"),
    ("emergency_response_minutes_p50", "emergency response p50 (min)", "n"),
    # Beside the median: a dispatcher that leaves the far emergencies unreached has a fast one.
    ("emergencies_unreached", "emergencies not reached", "n"),
    ("preferred_tech_kept_rate", "preferred technician kept", "%"),
    ("preferred_tech_kept_when_qualified_rate", "preferred kept, when qualified", "%"),
    ("wrong_skill_dispatches", "wrong-skill dispatches", "n"),
    ("double_bookings", "double bookings", "n"),
)

NEUTRAL = {"jobs_total", "jobs_unqualified"}
"""Rows that say what the day held, not how well it was dispatched: never coloured."""


COLORS = {
    "drive": "#4e79a7",
    "work": "#59a14f",
    "wait": "#d3d3d3",
    "lunch": "#f28e2b",
    "no_show": "#e15759",
    "unavailable": "#555555",
    "home": "#ffffff",
}
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#222}
h1{font-size:22px}h2{font-size:18px;margin-top:32px}h3{font-size:14px;margin:4px 0}
table.kpis{border-collapse:collapse;margin:12px 0}
table.kpis td,table.kpis th{border:1px solid #ccc;padding:4px 10px;text-align:right}
table.kpis th:first-child,table.kpis td:first-child{text-align:left}
table.preferences,table.missed,table.arrivals{border-collapse:collapse;margin:8px 0 16px;
font-size:13px}
table.preferences td,table.preferences th,table.missed td,table.missed th,table.arrivals td,
table.arrivals th{border:1px solid #ccc;
padding:3px 8px;text-align:left}
.better{background:#e6f4e6}.worse{background:#fbe9e9}
.maps{display:flex;flex-wrap:wrap;gap:12px}.map{border:1px solid #ddd;padding:6px}
.legend span{display:inline-block;margin-right:14px;font-size:12px}
.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}
svg text{font-size:10px;font-family:inherit}
"""


def format_kpi(value: float | int | None, kind: str) -> str:
    """A KPI as people read it: rates as percentages, counts and minutes whole."""
    if value is None:
        return "–"
    if kind == "%":
        return f"{100 * float(value):.0f}%"
    return f"{value:.0f}" if isinstance(value, float) else str(value)


def _kpi_table(kpis: Mapping[str, Mapping[str, float | int | None]]) -> str:
    names = list(kpis)
    head = "".join(f"<th>{html.escape(n)}</th>" for n in names)
    rows = []
    lower_is_better = {
        "drive_minutes",
        "overtime_minutes",
        "emergency_response_minutes_p50",
        "emergencies_unreached",
        "wrong_skill_dispatches",
        "double_bookings",
    }
    for key, label, kind in KPI_ROWS:
        values = [kpis[n].get(key) for n in names]
        cells = []
        for i, value in enumerate(values):
            css = ""
            if len(values) == 2 and i == 1 and None not in values and key not in NEUTRAL:
                a, b = float(values[0]), float(values[1])  # type: ignore[arg-type]
                if a != b:
                    good = (b < a) if key in lower_is_better else (b > a)
                    css = ' class="better"' if good else ' class="worse"'
            cells.append(f"<td{css}>{format_kpi(value, kind)}</td>")
        rows.append(f"<tr><td>{html.escape(label)}</td>{''.join(cells)}</tr>")
    return f'<table class="kpis"><tr><th>KPI</th>{head}</tr>{"".join(rows)}</table>'


def _preferences_not_kept(record: SimulationRecord, reasons: Mapping[str, str]) -> str:
    """The completed visits that count against "preferred technician kept", with the reason."""
    missed = [
        v
        for v in preferred_visits(
            record.jobs,
            record.appointments,
            record.status_events,
            record.technicians,
            record.customers,
        )
        if not v.kept
    ]
    if not missed:
        return "<p>No completed visit went to another technician than the preferred one.</p>"

    def why(v: PreferredVisit) -> str:
        if v.job_id in reasons:
            return reasons[v.job_id]
        if v.lacking:
            return f"preferred technician {v.preferred[0]} lacks {', '.join(v.lacking)}"
        return "(no reason recorded)"

    rows = "".join(
        f"<tr><td>{html.escape(v.job_id)}</td><td>{html.escape(', '.join(v.preferred))}</td>"
        f"<td>{html.escape(v.technician_id)}</td><td>{html.escape(why(v))}</td></tr>"
        for v in missed
    )
    return (
        '<table class="preferences"><tr><th>job</th><th>preferred</th><th>done by</th>'
        f"<th>why</th></tr>{rows}</table>"
    )


def _jobs_not_completed(record: SimulationRecord, reasons: Mapping[str, str]) -> str:
    """Every job without a completed visit: its outcome, and what stood in its way."""
    missed = missed_jobs(
        record.jobs, record.appointments, record.status_events, record.technicians, record.customers
    )
    if not missed:
        return "<p>Every job was completed.</p>"
    counts = ", ".join(
        f"{sum(m.outcome == kind for m in missed)} {label}"
        for kind, label in OUTCOMES.items()
        if any(m.outcome == kind for m in missed)
    )

    rows = "".join(
        f"<tr><td>{html.escape(m.job_id)}</td><td>{html.escape(m.job_type or '')}</td>"
        f"<td>{OUTCOMES[m.outcome]}</td><td>{html.escape(why_missed(m, reasons))}</td></tr>"
        for m in missed
    )
    return (
        f"<p>{len(missed)} not completed: {counts}.</p>"
        '<table class="missed"><tr><th>job</th><th>type</th><th>outcome</th><th>why</th></tr>'
        f"{rows}</table>"
    )


def _arrivals_off_promise(
    record: SimulationRecord, zone: ZoneInfo, told: Mapping[str, datetime] | None = None
) -> str:
    """Each first arrival outside the window promised to the customer, and what led to it;
    for a run that texts customers (`told`: appointment id → first delay notice), when the
    customer was told."""
    arrivals = promised_arrivals(record.appointments, record.status_events)
    off = [a for a in arrivals if not a.on_time]
    if not arrivals:
        return "<p>No arrival had a promised window.</p>"
    summary = ""
    if told is not None:
        outcome = delay_notice_outcome(arrivals, told, len(told))
        summary = (
            f"<p>Customers told of a delay by text: {outcome.warned} of {outcome.late} late "
            f"arrivals before their window closed, {outcome.told_after} after; "
            f"{outcome.needless} told of a delay then reached inside their window.</p>"
        )
    if not off:
        return f"<p>All {len(arrivals)} promised arrivals were inside their window.</p>{summary}"
    job_of = {a.external_id: a.job_id for a in record.appointments}

    def hm(moment: datetime) -> str:
        return moment.astimezone(zone).strftime("%H:%M")

    def told_at(a: PromisedArrival) -> str:
        moment = (told or {}).get(a.appointment_id)
        return f"<td>{hm(moment) if moment else 'not told'}</td>" if told is not None else ""

    rows = "".join(
        f"<tr><td>{html.escape(a.job_id)}</td>"
        f"<td>{hm(a.promise.start)}-{hm(a.promise.end)}</td><td>{hm(a.visit.arrived_at)}</td>"
        f"<td>{html.escape(a.visit.technician_id)}</td><td>{a.minutes_late:+.0f}</td>"
        f"<td>{html.escape(led_to(a, job_of, zone))}</td>{told_at(a)}</tr>"
        for a in off
    )
    told_head = "<th>customer told</th>" if told is not None else ""
    return (
        f"<p>{len(off)} of {len(arrivals)} promised arrivals outside their window.</p>{summary}"
        '<table class="arrivals"><tr><th>job</th><th>promised</th><th>arrived</th><th>by</th>'
        f"<th>min late</th><th>what led to it</th>{told_head}</tr>{rows}</table>"
    )


def _legend() -> str:
    items = "".join(
        f'<span><i style="background:{color};border:1px solid #999"></i>'
        f"{kind.replace('_', ' ')}</span>"
        for kind, color in COLORS.items()
        if kind != "home"
    )
    marks = (
        '<span><i style="background:#d62728;border-radius:6px"></i>emergency</span>'
        '<span><i style="background:none;border:2px solid #000"></i>overrun</span>'
    )
    return f'<p class="legend">{items}{marks}</p>'


def _timelines(record: SimulationRecord, zone: ZoneInfo) -> str:
    by_tech: dict[str, list] = defaultdict(list)  # type: ignore[type-arg]
    for activity in record.activities:
        if activity.kind != "home":
            by_tech[activity.technician_id].append(activity)
    if not by_tech:
        return "<p>No activity.</p>"
    start = min(a.start for acts in by_tech.values() for a in acts)
    end = max(a.end for acts in by_tech.values() for a in acts)
    span = max((end - start).total_seconds(), 1.0)
    width, row, left = 900, 18, 60
    urgent = _emergency_appointments(record)
    overruns = _overrun_appointments(record)
    parts = []
    hour = start.astimezone(zone).replace(minute=0, second=0, microsecond=0)
    ticks = []
    while hour <= end:
        x = left + (hour - start).total_seconds() / span * width
        if x >= left:
            ticks.append(
                f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{row * (len(by_tech) + 1)}" '
                f'stroke="#eee"/><text x="{x + 2:.1f}" y="10">{hour:%H:%M}</text>'
            )
        hour += timedelta(hours=1)
    for i, tech in enumerate(sorted(by_tech)):
        y = row * (i + 1)
        parts.append(f'<text x="0" y="{y + 12}">{html.escape(tech)}</text>')
        for a in by_tech[tech]:
            x = left + (a.start - start).total_seconds() / span * width
            w = max((a.end - a.start).total_seconds() / span * width, 0.5)
            title = f"{a.kind} {a.start.astimezone(zone):%H:%M}–{a.end.astimezone(zone):%H:%M}"
            if a.appointment_id:
                title += f" {a.appointment_id}"
            stroke = (
                ' stroke="#000" stroke-width="2"'
                if a.kind == "work" and a.appointment_id in overruns
                else ""
            )
            parts.append(
                f'<rect class="{a.kind}" x="{x:.1f}" y="{y + 2}" width="{w:.1f}" '
                f'height="{row - 4}" fill="{COLORS.get(a.kind, "#999")}"{stroke}>'
                f"<title>{html.escape(title)}</title></rect>"
            )
            if a.kind == "work" and a.appointment_id in urgent:
                parts.append(
                    f'<circle class="emergency" cx="{x:.1f}" cy="{y + row / 2}" r="4" '
                    f'fill="#d62728"><title>emergency {a.appointment_id}</title></circle>'
                )
    height = row * (len(by_tech) + 1) + 4
    return (
        f'<svg class="timeline" width="{left + width + 10}" height="{height}" '
        f'role="img" aria-label="timeline">{"".join(ticks)}{"".join(parts)}</svg>'
    )


def _emergency_appointments(record: SimulationRecord) -> set[str]:
    urgent_jobs = {
        j.external_id
        for j in record.jobs
        if (j.classification and j.classification.urgency is Urgency.EMERGENCY)
        or j.urgency is Urgency.EMERGENCY
    }
    return {a.external_id for a in record.appointments if a.job_id in urgent_jobs}


def _overrun_appointments(record: SimulationRecord, factor: float = 1.3) -> set[str]:
    """Visits whose work ran past `factor` × the time they were scheduled for."""
    planned: dict[str, float] = {}
    for version in record.appointments:
        if version.window is not None:
            planned[version.external_id] = (
                version.window.end - version.window.start
            ).total_seconds()
    out = set()
    for activity in record.activities:
        if activity.kind == "work" and activity.appointment_id in planned:
            worked = (activity.end - activity.start).total_seconds()
            if (
                planned[activity.appointment_id] > 0
                and worked > factor * planned[activity.appointment_id]
            ):
                out.add(activity.appointment_id)
    return out


def _maps(record: SimulationRecord) -> str:
    legs: dict[str, list[tuple[tuple[float, float], tuple[float, float]]]] = defaultdict(list)
    stops: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for a in record.activities:
        if a.kind == "drive" and a.origin and a.destination:
            legs[a.technician_id].append((a.origin, a.destination))
            stops[a.technician_id].append(a.destination)
    points = [p for pairs in legs.values() for leg in pairs for p in leg]
    if not points:
        return "<p>No routes driven.</p>"
    lat0, lat1 = min(p[0] for p in points), max(p[0] for p in points)
    lon0, lon1 = min(p[1] for p in points), max(p[1] for p in points)
    size, pad = 180, 8

    def xy(p: tuple[float, float]) -> tuple[float, float]:
        x = pad + (p[1] - lon0) / max(lon1 - lon0, 1e-9) * (size - 2 * pad)
        y = pad + (lat1 - p[0]) / max(lat1 - lat0, 1e-9) * (size - 2 * pad)
        return x, y

    out = []
    for i, tech in enumerate(sorted(legs)):
        color = PALETTE[i % len(PALETTE)]
        lines = []
        for origin, destination in legs[tech]:
            (x1, y1), (x2, y2) = xy(origin), xy(destination)
            lines.append(
                f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                f'stroke="{color}" stroke-width="1.5"/>'
            )
        dots = "".join(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{color}"/>'
            for x, y in (xy(p) for p in stops[tech])
        )
        out.append(
            f'<div class="map"><h3>{html.escape(tech)} · {len(legs[tech])} drives</h3>'
            f'<svg class="route" width="{size}" height="{size}" role="img" '
            f'aria-label="route of {html.escape(tech)}"><rect width="{size}" height="{size}" '
            f'fill="#fafafa"/>{"".join(lines)}{dots}</svg></div>'
        )
    return f'<div class="maps">{"".join(out)}</div>'


def render_report(
    scenario: str,
    records: Mapping[str, SimulationRecord],
    kpis: Mapping[str, Mapping[str, float | int | None]],
    *,
    generated_at: datetime | None = None,
    notes: Sequence[str] = (),
    passed_over: Mapping[str, Mapping[str, str]] | None = None,
    left_out: Mapping[str, Mapping[str, str]] | None = None,
    delay_notices: Mapping[str, Mapping[str, datetime]] | None = None,
) -> str:
    """The whole report as one HTML document.

    `passed_over`: per run, job id → why the customer's preferred technician did not do it,
    where that dispatcher says. `left_out`: per run, job id → why its plans left the job out.
    `delay_notices`: per run that texts customers, appointment id → when its customer was
    first told of a delay.
    """
    sections = []
    for name, record in records.items():
        zone = ZoneInfo(record.timezone)
        reasons = (passed_over or {}).get(name, {})
        sections.append(
            f'<section id="run-{html.escape(name)}"><h2>{html.escape(name)}</h2>'
            f"<h3>Timeline per technician</h3>{_legend()}{_timelines(record, zone)}"
            f"<h3>Route map per technician</h3>{_maps(record)}"
            "<h3>Arrivals outside the promised window</h3>"
            f"{_arrivals_off_promise(record, zone, (delay_notices or {}).get(name))}"
            "<h3>Jobs not completed</h3>"
            f"{_jobs_not_completed(record, (left_out or {}).get(name, {}))}"
            f"<h3>Preferred technician not kept</h3>{_preferences_not_kept(record, reasons)}"
            "</section>"
        )
    when = f"<p>Generated {generated_at:%Y-%m-%d %H:%M %Z}.</p>" if generated_at else ""
    extra = "".join(f"<p>{html.escape(n)}</p>" for n in notes)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>fsm-dispatch report: {html.escape(scenario)}</title><style>{CSS}</style></head>"
        f"<body><h1>{html.escape(scenario)}: before and after</h1>{when}{extra}"
        f"<h2>KPIs</h2>{_kpi_table(kpis)}{''.join(sections)}</body></html>"
    )
