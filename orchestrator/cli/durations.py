"""`fsm-dispatch durations`: fit the duration model from history and report on it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from orchestrator.cli.context import ConfigOption, console, exit_with, load_or_exit

app = typer.Typer(help="Fit job durations from history and report drift.", no_args_is_help=True)

HistoryOption = Annotated[
    Path,
    typer.Option(
        "--history",
        help="A scenario file (its history: list) or JSON lines of "
        "{job_type, technician, minutes, date}.",
    ),
]
QuantileOption = Annotated[
    float | None,
    typer.Option("--quantile", "-q", help="Routing quantile (default: planning.routing_quantile)."),
]


@app.command("fit")
def fit(
    history: HistoryOption,
    quantile: QuantileOption = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the fitted table here.")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Fit per-type p50 and routing quantiles (shrunk toward trade, fleet) and speed factors."""
    from rich.table import Table

    from optimizer.durations import fit_durations
    from orchestrator.durations_fit import (
        HistoryError,
        duration_params,
        load_history,
        model_table,
    )

    settings = load_or_exit(config)
    try:
        samples = load_history(history)
        params = duration_params(
            quantile or settings.planning.routing_quantile,
            settings.classification.taxonomy(),
        )
    except (HistoryError, ValueError) as exc:
        exit_with([str(exc)])
    model = fit_durations(samples, params)
    rows = model_table(model)
    label = f"p{round(params.routing_quantile * 100)}"
    table = Table(
        "job type", "from", "samples", "own weight", "p50 min", f"{label} min", show_header=True
    )
    for row in rows:
        table.add_row(
            row["job_type"],
            row["source"],
            str(row["samples"]),
            f"{row['type_weight']:.2f}",
            f"{row['p50']:.0f}",
            f"{row[label]:.0f}",
        )
    console.print(table)
    techs = Table("technician", "jobs", "speed factor", show_header=True)
    for tech in sorted(model.speed_factors):
        techs.add_row(tech, str(model.tech_samples[tech]), f"{model.speed_factors[tech]:.2f}")
    console.print(techs)
    if json_out is not None:
        payload = {
            "routing_quantile": params.routing_quantile,
            "samples": model.samples,
            "job_types": rows,
            "speed_factors": {k: round(v, 3) for k, v in sorted(model.speed_factors.items())},
        }
        json_out.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        console.print(f"written to {json_out}")


@app.command("report")
def report(
    history: HistoryOption,
    quantile: QuantileOption = None,
    recent: Annotated[
        float, typer.Option(help="Share of the latest jobs held out and replayed.")
    ] = 0.2,
    window: Annotated[int, typer.Option(help="Jobs per type in the rolling MAE.")] = 30,
    tolerance: Annotated[
        float, typer.Option(help="Relative MAE excess that flags a refit.")
    ] = 0.25,
    config: ConfigOption = None,
) -> None:
    """Fit on older history, replay the latest jobs: estimate coverage and drift per type."""
    from rich.table import Table

    from orchestrator.durations_fit import (
        HistoryError,
        backtest,
        duration_params,
        load_history,
    )

    settings = load_or_exit(config)
    try:
        samples = load_history(history)
        params = duration_params(
            quantile or settings.planning.routing_quantile,
            settings.classification.taxonomy(),
        )
        result = backtest(samples, params, recent_share=recent, window=window, tolerance=tolerance)
    except (HistoryError, ValueError) as exc:
        exit_with([str(exc)])
    label = f"p{round(params.routing_quantile * 100)}"
    coverage = f"{label} covers {result.routing_coverage:.1%}"
    if label != "p50":
        coverage += f", p50 covers {result.p50_coverage:.1%}"
    console.print(f"fitted on {result.fitted_on} jobs, replayed {result.judged_on}: {coverage}")
    table = Table("job type", "recent jobs", "rolling MAE", "fit MAE", "refit?", show_header=True)
    for status in result.drift:
        baseline = f"{status.baseline_mae:.1f}" if status.baseline_mae is not None else "-"
        table.add_row(
            status.job_type,
            str(status.observations),
            f"{status.rolling_mae:.1f}",
            baseline,
            "[red]yes[/red]" if status.needs_refit else "no",
        )
    console.print(table)
