"""Root of the `fsm-dispatch` command line: one typer app, one sub-app per area.

Each sub-app lives in its own module and imports heavy libraries (OR-Tools, SQLAlchemy) inside
its commands, so `fsm-dispatch --help` stays fast.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="fsm-dispatch",
    help="Optimal field-service dispatch on top of your FSM platform.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


def _register_subcommands() -> None:
    # One line per area; keep alphabetical.
    from orchestrator.cli import (
        approvals,
        bench,
        config,
        db,
        demo,
        jobs,
        mappings,
        plan,
        serve,
        sync,
    )

    app.add_typer(approvals.app, name="approvals")
    app.add_typer(bench.app, name="bench")
    app.add_typer(config.app, name="config")
    app.add_typer(db.app, name="db")
    app.add_typer(demo.app, name="demo")
    app.add_typer(jobs.app, name="jobs")
    app.add_typer(mappings.app, name="mappings")
    app.add_typer(plan.app, name="plan")
    app.add_typer(serve.app, name="serve")
    app.add_typer(sync.app, name="sync")
    from orchestrator.cli import scenario

    app.add_typer(scenario.app, name="scenario")
    from orchestrator.cli import classify

    app.add_typer(classify.app, name="classify")
    from orchestrator.cli import simulate

    app.add_typer(simulate.app, name="simulate")
    from orchestrator.cli import durations, kpis

    app.add_typer(durations.app, name="durations")
    app.add_typer(kpis.app, name="kpis")


_register_subcommands()


def main() -> None:
    app()
