"""`fsm-dispatch demo`: the main job on the embedded default store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from orchestrator.bundled import BUNDLED_SCENARIO
from orchestrator.cli.context import console

app = typer.Typer(help="Run the demonstration day end to end.")

BUNDLED = BUNDLED_SCENARIO


@app.callback(invoke_without_command=True)
def demo(
    scenario: Annotated[
        Path, typer.Option(help="Scenario file (default: the bundled 12×47 day).")
    ] = BUNDLED,
    out: Annotated[Path, typer.Option(help="Folder for the demo's store and report.")] = Path(
        "out"
    ),
) -> None:
    """Load a scenario into the sandbox platform, sync it into a fresh SQLite store, and show it."""
    import asyncio

    from rich.table import Table

    from orchestrator.demo import run_demo
    from orchestrator.log import configure_logging

    configure_logging("WARNING")
    out.mkdir(parents=True, exist_ok=True)
    summary = asyncio.run(run_demo(scenario, out / "demo.db"))
    table = Table("stored", "count", title=f"{summary.scenario}: synced into {summary.database}")
    for name, count in summary.counts.items():
        table.add_row(name, str(count))
    console.print(table)
    by_trade = Table("status in the FSM", "jobs")
    for trade, count in sorted(summary.jobs_by_trade.items()):
        by_trade.add_row(trade, str(count))
    console.print(by_trade)
