"""`fsm-dispatch scenario`: generate realistic service days and check scenario files."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from orchestrator.cli.context import console, exit_with

app = typer.Typer(help="Generate and validate scenario files (simulated service days).")


@app.command()
def generate(
    techs: Annotated[
        int, typer.Option("--techs", min=1, max=500, help="Technicians in the fleet.")
    ],
    jobs: Annotated[
        int, typer.Option("--jobs", min=0, max=5000, help="Jobs known in the morning.")
    ],
    out: Annotated[Path, typer.Option("--out", help="File to write (.yaml, .yml or .json).")],
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same day.")] = 0,
    day: Annotated[
        str | None, typer.Option("--date", help="Service day YYYY-MM-DD (default: from the seed).")
    ] = None,
) -> None:
    """Write a realistic day: clustered jobs, trade mix, booked windows, events and history."""
    from connectors.sandbox import dump_scenario
    from connectors.sandbox.generate import GenerateParams, generate_scenario

    try:
        service_day = date.fromisoformat(day) if day else None
    except ValueError:
        exit_with([f"--date: not a date YYYY-MM-DD: {day!r}"])
    scenario = generate_scenario(GenerateParams(techs, jobs, seed=seed, day=service_day))
    fmt = "json" if out.suffix.lower() == ".json" else "yaml"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(dump_scenario(scenario, fmt), encoding="utf-8")
    arriving = sum(e.type == "new_job" for e in scenario.events)
    console.print(
        f"wrote {out}: {scenario.name}, {scenario.day}, {len(scenario.technicians)} technicians,"
        f" {len(scenario.jobs)} jobs in the morning, {arriving} arriving, "
        f"{len(scenario.events)} events, {len(scenario.history)} history rows",
        highlight=False,
    )


@app.command()
def validate(
    file: Annotated[Path, typer.Argument(help="Scenario file (YAML or JSON).")],
) -> None:
    """Check a scenario file against the format; list every problem with its path."""
    from connectors.sandbox import ScenarioError, load_scenario

    try:
        scenario = load_scenario(file)
    except ScenarioError as exc:
        exit_with([f"{exc.source}: invalid scenario", *exc.problems], code=1)
    console.print(
        f"{file}: valid — {scenario.name}, {scenario.day} ({scenario.timezone}),"
        f" {len(scenario.technicians)} technicians, {len(scenario.jobs)} jobs,"
        f" {len(scenario.events)} events",
        highlight=False,
    )
