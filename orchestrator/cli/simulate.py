"""`fsm-dispatch simulate`: play a scenario with a dispatcher and measure the day."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from orchestrator.cli.context import ConfigOption, console, exit_with

app = typer.Typer(help="Simulate a service day on the sandbox FSM and report its KPIs.")


@app.callback(invoke_without_command=True)
def simulate(
    scenario: Annotated[Path, typer.Option("--scenario", help="Scenario file (YAML or JSON).")],
    dispatcher: Annotated[
        str, typer.Option("--dispatcher", help="baseline, fsm-dispatch or both.")
    ] = "both",
    json_out: Annotated[
        Path | None,
        typer.Option(
            "--json",
            help="Write {scenario, work_on_offer, work_within_reach, runs: {name: KPIs}} here.",
        ),
    ] = None,
    html_out: Annotated[
        Path | None, typer.Option("--html", help="Write the HTML report here.")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Play the scenario's day with the chosen dispatcher(s) and print the KPIs.

    fsm-dispatch plays the planning, lane and quiet-hour settings of the settings file, so an
    admin sees what their own weights and rules would have made of the day.
    """
    import asyncio
    import json

    from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from connectors.sandbox import ScenarioError, load_scenario
    from connectors.sandbox.workload import work_on_offer, work_within_reach
    from optimizer import compile_kernels, start_workers
    from orchestrator.analytics import compute_kpis
    from orchestrator.analytics.arrivals import promised_arrivals
    from orchestrator.analytics.delay_notices import delay_notice_outcome
    from orchestrator.analytics.promise_calibration import SURE, promise_calibration
    from orchestrator.errors import ConfigError
    from orchestrator.report.html import KPI_ROWS, format_kpi
    from orchestrator.settings import load_settings, resolve_config_path
    from orchestrator.simulation import SimulationSetupError, run_simulation
    from orchestrator.simulation.fsm_dispatch import FsmDispatchDispatcher
    from orchestrator.simulation.registry import dispatcher_named

    names = ["baseline", "fsm-dispatch"] if dispatcher == "both" else [dispatcher]
    try:
        settings = load_settings(config)
        day = load_scenario(scenario)
        dispatchers = [dispatcher_named(n, settings) for n in names]
    except ConfigError as exc:
        exit_with(exc.problems)
    except ScenarioError as exc:
        exit_with([f"{exc.source}: invalid scenario", *exc.problems])
    except SimulationSetupError as exc:
        exit_with([f"--dispatcher: {exc}"])
    settings_file = resolve_config_path(config)
    if "fsm-dispatch" in names and settings_file.exists():
        console.print(f"fsm-dispatch plays the settings of {settings_file}", highlight=False)

    if any(isinstance(d, FsmDispatchDispatcher) for d in dispatchers):
        # Loaded (compiled on a new machine), and the worker started, before the first plan,
        # not inside its budget.
        try:
            compile_kernels(vrptw=False)
            start_workers()
        except KeyboardInterrupt:
            exit_with(["interrupted before the day began; no report written"], code=130)
    runs: dict[str, dict[str, float | int | None]] = {}
    records = {}
    notices: dict[str, dict[str, datetime]] = {}
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[clock]}"),
        TimeElapsedColumn(), console=console, transient=False,
    ) as bar:  # fmt: skip
        for d in dispatchers:
            task = bar.add_task(f"{d.name:>12}", total=1.0, clock="")
            clock = [""]

            def report(
                share: float, note: str, task: TaskID = task, clock: list[str] = clock
            ) -> None:
                bar.update(task, completed=share, clock=note)
                clock[0] = note

            try:
                record = asyncio.run(run_simulation(day, d, progress=report))
            except KeyboardInterrupt:
                bar.stop()
                at = f" at {clock[0]}" if clock[0] else ""
                exit_with([f"interrupted: {d.name} stopped{at}; no report written"], code=130)
            kpis = compute_kpis(
                record.jobs, record.appointments, record.status_events,
                record.technicians, record.customers,
            )  # fmt: skip
            runs[d.name] = kpis.to_json()
            records[d.name] = record
            if isinstance(d, FsmDispatchDispatcher):
                notices[d.name] = d.first_delay_notices()
                told = delay_notice_outcome(
                    promised_arrivals(record.appointments, record.status_events),
                    notices[d.name],
                    len(d.delay_notices),
                )
                runs[d.name].update(told.to_json())
                runs[d.name].update(
                    promise_calibration(
                        promised_arrivals(record.appointments, record.status_events),
                        d.promise_chances,
                    ).to_json()
                )
                runs[d.name]["emergencies_brought_forward"] = len(d.sooner_notices)
                runs[d.name]["drive_factor"] = d.drive_factor

    table = Table("KPI", *runs.keys(), title=f"{day.name}: {len(day.technicians)} technicians")
    for key, label, kind in KPI_ROWS:
        table.add_row(label, *(format_kpi(kpis_[key], kind) for kpis_ in runs.values()))
    console.print(table)
    offered = work_on_offer(day)
    offer = None
    if offered is not None:
        offer = f"{offered:.0%} of shift minutes (the utilization with every job a technician "
        offer += "could do done)"
        console.print(f"work on offer: {offer}", highlight=False)
    reach = work_within_reach(day, settings.planning.overtime_minutes)
    if reach is not None and offered is not None and reach < offered:
        console.print(
            f"work within reach: {reach:.0%} (the doable work the able technicians' hours, with "
            f"{settings.planning.overtime_minutes} minutes' overtime, can hold)",
            highlight=False,
        )
    for name, run in runs.items():
        if "delay_notices" in run:
            console.print(
                f"{name}: {run['delay_notices']} customer delay notices; "
                f"{run['late_arrivals_warned']} of {run['late_arrivals']} late arrivals told "
                f"before their window closed, {run['late_arrivals_told_after_window']} after; "
                f"{run['needless_delay_notices']} told of a delay then reached in their window; "
                f"emergencies brought forward: {run['emergencies_brought_forward']}",
                highlight=False,
            )
        if run.get("drive_factor", 1.0) != 1.0:
            console.print(
                f"{name}: the last plan drove at {run['drive_factor']:.2f}× the travel estimate, "
                "as the day's drives were timed",
                highlight=False,
            )
        if run.get("new_promises"):
            console.print(
                f"{name}: {run['new_promises']} windows newly promised, expected kept "
                f"{_share(run['new_promises_expected_kept_rate'])}, kept "
                f"{_share(run['new_promises_kept_rate'])}; given {SURE:.0%} or more: "
                f"{run['new_promises_sure']} kept {_share(run['new_promises_sure_kept_rate'])}, "
                f"less: {run['new_promises_shaky']} kept "
                f"{_share(run['new_promises_shaky_kept_rate'])}",
                highlight=False,
            )
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(
            json.dumps(
                {
                    "scenario": day.name,
                    "work_on_offer": offered,
                    "work_within_reach": reach,
                    "runs": runs,
                },
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
        console.print(f"wrote {json_out}", highlight=False)
    if html_out is not None:
        from orchestrator.report import render_report

        html_out.parent.mkdir(parents=True, exist_ok=True)
        ours = [d for d in dispatchers if isinstance(d, FsmDispatchDispatcher)]
        html_out.write_text(
            render_report(
                day.name,
                records,
                runs,
                notes=[f"Work on offer: {offer}"] if offer else [],
                passed_over={d.name: d.passed_over for d in ours},
                left_out={d.name: d.left_out for d in ours},
                delay_notices=notices,
            ),
            encoding="utf-8",
        )
        console.print(f"wrote {html_out}", highlight=False)


def _share(rate: float | int | None) -> str:
    return "-" if rate is None else f"{rate:.0%}"
