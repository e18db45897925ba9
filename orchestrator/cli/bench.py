"""`fsm-dispatch bench`: the optimizer's benchmarks, printed as tables and written as JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from orchestrator.cli.context import console, err_console, exit_with

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
    from rich.console import Console
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


def _number(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"
