"""`fsm-dispatch demo`: the main job — the bundled day played by both dispatchers, side by side."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from orchestrator.bundled import BUNDLED_SCENARIO
from orchestrator.cli.context import ConfigOption

app = typer.Typer(help="Run the demonstration day end to end.")

BUNDLED = BUNDLED_SCENARIO


@app.callback(invoke_without_command=True)
def demo(
    scenario: Annotated[
        Path, typer.Option(help="Scenario file (default: the bundled 12-truck, 47-job day).")
    ] = BUNDLED,
    html: Annotated[Path, typer.Option(help="Where to write the report.")] = Path("report.html"),
    json_out: Annotated[Path, typer.Option("--json", help="Where to write the KPIs.")] = Path(
        "out/demo-kpis.json"
    ),
    config: ConfigOption = None,
) -> None:
    """Play the day with the baseline coordinator and with fsm-dispatch; print and report."""
    from orchestrator.cli.simulate import simulate
    from orchestrator.log import configure_logging

    configure_logging("WARNING")
    simulate(scenario=scenario, dispatcher="both", json_out=json_out, html_out=html, config=config)
