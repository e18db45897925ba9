"""`fsm-dispatch bench`: the optimizer's benchmarks, printed as tables and written as JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from orchestrator.cli.context import ConfigOption, console, err_console, exit_with

app = typer.Typer(help="Measure the optimizer: classic VRPTW instances and field days.")


@app.command("vrptw")
def vrptw(
    instances: Annotated[
        Path,
        typer.Option(help="Folder of VRPLIB .vrp files with bks.csv beside them."),
    ],
    seconds: Annotated[
        float, typer.Option(help="Time budget per instance and solver, in seconds.", min=0.1)
    ] = 10.0,
    solvers: Annotated[
        str,
        typer.Option(help="Comma-separated solvers: fsm-dispatch, pyvrp, vroom."),
    ] = "fsm-dispatch",
    names: Annotated[
        str,
        typer.Option(help="Comma-separated instance names to run (default: every .vrp file)."),
    ] = "",
    seed: Annotated[int, typer.Option(help="Seed given to every solver.")] = 0,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the results to this JSON file.")
    ] = None,
) -> None:
    """Solve each instance with each solver, check every plan, and compare with the best known."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.table import Table

    from bench.peers import PeerUnavailableError
    from bench.vrptw import (
        KNOWN_SOLVERS,
        OUR_SOLVER,
        VrptwResult,
        find_instances,
        head_to_head,
        peers_available,
        read_bks,
        run_solver,
        score,
    )
    from optimizer import compile_kernels, read_vrptw, start_workers

    wanted = [name.strip() for name in solvers.split(",") if name.strip()]
    unknown = [name for name in wanted if name not in KNOWN_SOLVERS]
    if unknown or not wanted:
        exit_with([f"unknown solver(s) {unknown}; choose from {', '.join(KNOWN_SOLVERS)}"])
    available = peers_available(wanted)
    for solver, ok in available.items():
        if not ok:
            err_console.print(
                f"{solver} is not installed (pip install 'fsm-dispatch[bench]'); skipping it."
            )
    runnable = [solver for solver in wanted if available[solver]]
    try:
        paths = find_instances(
            instances, [name.strip() for name in names.split(",") if name.strip()]
        )
        bks_path = instances / "bks.csv"
        bks = read_bks(bks_path) if bks_path.exists() else {}
        loaded = [read_vrptw(path) for path in paths]
    except (OSError, ValueError) as exc:
        exit_with([str(exc)])
    if not bks:
        err_console.print(f"no bks.csv in {instances}: gaps are left empty.")

    if OUR_SOLVER in runnable:
        # Compiled once per machine (numba's disk cache), and the worker started, as a service
        # would at start: not a cost of the first instance's budget.
        compile_kernels()
        start_workers()
    results: list[VrptwResult] = []
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
    )
    with progress:
        task = progress.add_task("solving", total=len(loaded) * len(runnable))
        for instance in loaded:
            for solver in runnable:
                progress.update(task, description=f"{instance.name} · {solver}")
                try:
                    routes, elapsed = run_solver(instance, solver, seconds, seed)
                except PeerUnavailableError as exc:
                    err_console.print(f"{solver}: {exc}; skipping it.")
                    routes, elapsed = [], 0.0
                results.append(score(instance, solver, routes, elapsed, bks.get(instance.name)))
                progress.advance(task)

    table = Table(
        "instance",
        "solver",
        "feasible",
        "vehicles",
        "distance",
        "BKS",
        "gap %",
        "exact",
        "s",
        title=f"VRPTW, {seconds:g} s per instance",
    )
    for row in results:
        table.add_row(
            row.instance,
            row.solver,
            "yes" if row.feasible else f"no ({row.violations})",
            str(row.vehicles),
            _number(row.distance, 1),
            _number(row.bks_distance, 1),
            _number(row.gap_pct, 2),
            _number(row.exact_distance, 2),
            f"{row.seconds:.1f}",
        )
    # Wide enough for every column even when the output is not a terminal.
    wide = Console(width=max(console.width, 120))
    wide.print(table)
    summary = Table(
        "solver", "customers", "feasible", "mean gap %", "max gap %", title="summary by size"
    )
    for solver in runnable:
        for size in sorted({row.customers for row in results}):
            rows = [row for row in results if row.solver == solver and row.customers == size]
            gaps = [row.gap_pct for row in rows if row.gap_pct is not None]
            summary.add_row(
                solver,
                str(size),
                f"{sum(row.feasible for row in rows)}/{len(rows)}",
                _number(sum(gaps) / len(gaps) if gaps else None, 2),
                _number(max(gaps) if gaps else None, 2),
            )
    wide.print(summary)
    duels = [head_to_head(results, peer) for peer in runnable if peer != OUR_SOLVER]
    if duels and OUR_SOLVER in runnable:
        versus = Table(
            "peer", "shorter", "equal", "longer", "longer on", title=f"{OUR_SOLVER} against"
        )
        for duel in duels:
            versus.add_row(
                duel.peer,
                str(duel.shorter),
                str(duel.equal),
                str(duel.longer),
                ", ".join(duel.longer_on) or "-",
            )
        wide.print(versus)
    if json_out is not None:
        payload: dict[str, Any] = {
            "seconds": seconds,
            "seed": seed,
            "results": [row.as_dict() for row in results],
        }
        if duels and OUR_SOLVER in runnable:
            payload["head_to_head"] = [duel.as_dict() for duel in duels]
        json_out.write_text(json.dumps(payload, indent=2) + "\n")
        console.print(f"wrote {json_out}")


@app.command("field")
def field(
    techs: Annotated[int, typer.Option(help="Technicians in the generated day.", min=1)] = 12,
    jobs: Annotated[int, typer.Option(help="Jobs in the generated day.", min=1)] = 47,
    seed: Annotated[int, typer.Option(help="Seed of the generated day and of the solver.")] = 0,
    reference_seconds: Annotated[
        float, typer.Option(help="Length of the reference run the gaps are measured against.")
    ] = 120.0,
    runs: Annotated[
        int,
        typer.Option(
            help="Repeat the timed and reference runs with solver seeds SEED, SEED+1, … and "
            "report medians (single runs of big days spread several percent).",
            min=1,
        ),
    ] = 1,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the figures to this JSON file.")
    ] = None,
) -> None:
    """Solve a generated field-service day with every constraint and report convergence."""
    try:
        from bench.field import run_field_bench
    except ImportError as exc:
        exit_with([f"the field benchmark is not available: {exc}"])
    figures = run_field_bench(techs, jobs, seed, reference_seconds=reference_seconds, runs=runs)
    console.print_json(data=figures)
    if json_out is not None:
        json_out.write_text(json.dumps(figures, indent=2) + "\n")
        console.print(f"wrote {json_out}")


@app.command("days")
def days(
    techs: Annotated[
        int, typer.Option(help="Technicians in each generated day.", min=1, max=500)
    ] = 12,
    jobs: Annotated[
        int, typer.Option(help="Jobs known in the morning of each generated day.", min=0)
    ] = 47,
    seeds: Annotated[
        str | None,
        typer.Option(
            help="Generated days to play, by seed: 1-10, 1,4,7 or 1-3,8 (default 1-10, or "
            "none when --scenario is given)."
        ),
    ] = None,
    scenarios: Annotated[
        list[Path] | None,
        typer.Option("--scenario", help="A scenario file to play too (repeatable)."),
    ] = None,
    json_out: Annotated[
        Path | None,
        typer.Option("--json", help="Write {days: [rows], summary} to this JSON file."),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Play days with the coordinator and with fsm-dispatch; judge the product's targets."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from bench.days import (
        COMPLETED_LIFT,
        ON_TIME,
        UTILIZATION_LIFT,
        DayResult,
        parse_seeds,
        run_days_bench,
    )
    from connectors.sandbox import Scenario, ScenarioError, load_scenario
    from connectors.sandbox.generate import GenerateParams, generate_scenario
    from connectors.sandbox.workload import LONG_JOB_MINUTES
    from optimizer import compile_kernels, start_workers
    from orchestrator.errors import ConfigError
    from orchestrator.settings import load_settings

    files = scenarios or []
    try:
        chosen = parse_seeds(seeds) if seeds is not None else ([] if files else list(range(1, 11)))
    except ValueError as exc:
        exit_with([f"--{exc}"])
    try:
        settings = load_settings(config)
        loaded = [load_scenario(f) for f in files]
    except ConfigError as exc:
        exit_with(exc.problems)
    except ScenarioError as exc:
        exit_with([f"{exc.source}: invalid scenario", *exc.problems])
    total = len(loaded) + len(chosen)

    def each_day() -> Iterator[Scenario]:
        yield from loaded
        for seed in chosen:  # generated when its turn comes, not all held at once
            yield generate_scenario(GenerateParams(techs, jobs, seed=seed))

    try:
        compile_kernels(vrptw=False)
        start_workers()
    except KeyboardInterrupt:
        exit_with(["interrupted before the first day; no report written"], code=130)
    played: list[DayResult] = []
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[clock]}"),
        TimeElapsedColumn(), console=console, transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task(f"day 1 of {total}", total=float(total), clock="")

        def progress(name: str, dispatcher: str, share: float, clock: str) -> None:
            half = 0.5 if dispatcher == "fsm-dispatch" else 0.0
            bar.update(
                task,
                completed=len(played) + half + share / 2,
                description=f"day {len(played) + 1} of {total}: {name}",
                clock=f"{dispatcher} {clock}",
            )

        def finished(day: DayResult) -> None:
            played.append(day)
            lift = day.completed_lift
            console.print(
                f"{day.name}: completed {day.baseline['jobs_completed']} → "
                f"{day.fsm_dispatch['jobs_completed']}"
                + (f" ({lift:+.1%})" if lift is not None else "")
                + f", utilization {day.utilization_lift * 100:+.1f} points, on-time "
                f"{_share(day.fsm_dispatch['on_time_rate'])}",
                highlight=False,
            )

        try:
            results, summary = run_days_bench(
                each_day(), settings, progress=progress, on_day=finished
            )
        except KeyboardInterrupt:
            bar.stop()
            exit_with(
                [f"interrupted after {len(played)} of {total} days; no report written"], code=130
            )
    table = Table(
        "day", "techs", "completed", "lift", "utilization %", "lift pts", "on offer",
        "in reach", "on-time", "wrong skill", "double",
        title=f"{total} days, coordinator → fsm-dispatch (on offer, in reach: the lift's ceilings)",
    )  # fmt: skip
    for day in results:
        b, f = day.baseline, day.fsm_dispatch
        table.add_row(
            day.name,
            str(day.technicians),
            f"{b['jobs_completed']} → {f['jobs_completed']}",
            _percent(day.completed_lift),
            f"{b['utilization'] * 100:.1f} → {f['utilization'] * 100:.1f}",
            f"{day.utilization_lift * 100:+.1f}",
            _points(day.ceiling(day.work_on_offer)),
            _points(day.ceiling(day.work_within_reach)),
            _share(f["on_time_rate"]),
            str(f["wrong_skill_dispatches"]),
            str(f["double_bookings"]),
        )
    Console(width=max(console.width, 150)).print(table)
    met = summary.targets
    verdict = Table("target", "measured", "met", title="targets")
    verdict.add_row(
        f"completed ≥ {COMPLETED_LIFT:+.0%}",
        f"{summary.completed_baseline} → {summary.completed_fsm_dispatch} "
        f"({_percent(summary.completed_lift)})",
        _yes(met["completed_lift"]),
    )
    verdict.add_row(
        f"utilization ≥ +{UTILIZATION_LIFT * 100:.0f} points (mean)",
        f"{summary.utilization_lift * 100:+.2f} (on offer "
        f"{_points(summary.utilization_lift_on_offer)}, within reach "
        f"{_points(summary.utilization_lift_within_reach)})",
        _yes(met["utilization_lift"]),
    )
    verdict.add_row(
        f"on-time ≥ {ON_TIME:.0%} every day",
        f"lowest {_share(summary.lowest_on_time)} ({summary.lowest_on_time_day}), mean "
        f"{_share(summary.mean_on_time)}",
        _yes(met["on_time_every_day"]),
    )
    verdict.add_row(
        "no wrong-skill dispatch", str(summary.wrong_skill_dispatches), _yes(met["no_wrong_skill"])
    )
    verdict.add_row(
        "no double booking", str(summary.double_bookings), _yes(met["no_double_booking"])
    )
    Console(width=max(console.width, 120)).print(verdict)
    console.print(
        "doable work left undone, canceled jobs aside: coordinator "
        f"{_hours(summary.undone_minutes_baseline)}, fsm-dispatch "
        f"{_hours(summary.undone_minutes_fsm_dispatch)} (of it in jobs of "
        f"{LONG_JOB_MINUTES // 60} h or more: {_hours(summary.undone_long_minutes_fsm_dispatch)})",
        highlight=False,
    )
    if json_out is not None:
        payload = {
            "techs": techs if chosen else None,
            "jobs": jobs if chosen else None,
            "seeds": chosen,
            "scenarios": [str(f) for f in files],
            "days": [day.as_dict() for day in results],
            "summary": summary.as_dict(),
        }
        json_out.write_text(json.dumps(payload, indent=2) + "\n")
        console.print(f"wrote {json_out}")


def _hours(minutes: int) -> str:
    return f"{minutes / 60:,.1f} h"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:+.1%}"


def _points(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:+.1f}"


def _yes(met: bool) -> str:
    return "yes" if met else "no"


def _number(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"
