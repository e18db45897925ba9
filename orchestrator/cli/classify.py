"""`fsm-dispatch classify`: classify one ticket, or evaluate an engine on labeled tickets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from orchestrator.cli.context import ConfigOption, console, exit_with, load_or_exit

app = typer.Typer(help="Classify tickets and evaluate the classifier.", no_args_is_help=True)

EngineOption = Annotated[
    str | None,
    typer.Option("--engine", "-e", help="offline or claude (default: classification.engine)."),
]


@app.command("ticket")
def ticket(
    text: Annotated[
        str, typer.Argument(help="The ticket's summary (and text, if no --description).")
    ],
    description: Annotated[
        str, typer.Option("--description", "-d", help="The ticket's free text.")
    ] = "",
    source: Annotated[
        str, typer.Option(help="phone, portal, email, recurring, iot_alert or other.")
    ] = "phone",
    flag: Annotated[
        list[str] | None,
        typer.Option("--flag", help="Customer flag (repeatable): elderly, infant, ..."),
    ] = None,
    temp: Annotated[float | None, typer.Option("--temp", help="Outdoor temperature, F.")] = None,
    month: Annotated[int | None, typer.Option("--month", help="Month 1-12.")] = None,
    engine: EngineOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    config: ConfigOption = None,
) -> None:
    """Classify one ticket and print every field with the reasons that produced it."""
    from rich.table import Table

    from orchestrator.classification import TicketError
    from orchestrator.classification.engines import build_classifier
    from orchestrator.classification.ticket import Ticket

    settings = load_or_exit(config)
    flags = frozenset(flag or ())
    try:
        one = Ticket(
            summary=text,
            description=description,
            source=source,
            flags=flags,
            outdoor_temp_f=temp,
            month=month,
            property_type="commercial" if "commercial" in flags else "residential",
        )
        classify = build_classifier(settings.classification, engine=engine)
    except (TicketError, ValueError) as exc:
        exit_with([str(exc)])
    result = classify(one)
    if as_json:
        console.print_json(json.dumps(result.to_dict()))
        return
    review = result.needs_review(settings.classification.review_below_confidence)
    table = Table("field", "value", "why", show_header=True, show_lines=True)
    values = {
        "trade": result.trade,
        "job_type": result.job_type,
        "urgency": result.urgency + (" (safety escalation)" if result.safety_escalation else ""),
        "skills": ", ".join(sorted(result.skills)) or "-",
        "equipment": ", ".join(sorted(result.equipment)) or "-",
        "complexity": str(result.complexity),
    }
    for name, value in values.items():
        table.add_row(name, value, "\n".join(result.reasons.get(name, ())))
    if "safety" in result.reasons:
        table.add_row("safety", "fired", "\n".join(result.reasons["safety"]))
    table.add_row("confidence", f"{result.confidence:.2f}", "marked for review" if review else "")
    engine_note = result.engine + (f" (fell back: {result.fallback})" if result.fallback else "")
    table.add_row("engine", engine_note, "\n".join(result.reasons.get("engine", ())))
    console.print(table)


@app.command("eval")
def evaluate_cmd(
    labeled: Annotated[Path, typer.Option("--labeled", "-l", help="Labeled tickets, JSON lines.")],
    engine: EngineOption = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the full report here.")
    ] = None,
    cache: Annotated[
        Path | None,
        typer.Option("--cache", help="JSON-lines cache of Claude answers (claude engine)."),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Score an engine on labeled tickets: a table of accuracies, and a JSON report with errors."""
    from rich.table import Table

    from orchestrator.classification import FileCache, TicketError, evaluate, load_labeled
    from orchestrator.classification.engines import build_classifier

    settings = load_or_exit(config)
    try:
        rows = load_labeled(labeled)
        classify = build_classifier(
            settings.classification, engine=engine, cache=FileCache(cache) if cache else None
        )
    except (TicketError, ValueError) as exc:
        exit_with([str(exc)])
    report = evaluate(rows, classify)
    table = Table("metric", "value", show_header=True)
    table.add_row("tickets", str(report.n))
    for name in (
        "job_type_accuracy",
        "trade_accuracy",
        "urgency_accuracy",
        "emergency_recall",
        "skills_exact",
        "equipment_exact",
        "safety_escalation_accuracy",
    ):
        table.add_row(name, f"{getattr(report, name):.1%}")
    table.add_row("fallbacks to offline", str(report.fallbacks))
    table.add_row("field errors", str(len(report.errors)))
    console.print(table)
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(report.to_dict(), indent=2) + "\n", encoding="utf-8")
        console.print(f"report written to {json_out}")
