"""`fsm-dispatch db`: schema migrations of the store."""

from __future__ import annotations

import typer

from orchestrator.cli.context import ConfigOption, console, exit_with, load_or_exit

app = typer.Typer(help="Create and migrate the store's schema.", no_args_is_help=True)


def _engine(config: ConfigOption):  # type: ignore[no-untyped-def]
    from orchestrator.store import make_engine

    return make_engine(load_or_exit(config).database.url)


@app.command("upgrade")
def upgrade_cmd(
    config: ConfigOption = None,
    revision: str = typer.Argument("head", help="Target revision."),
) -> None:
    """Migrate the database to `revision` (default: the latest)."""
    from sqlalchemy.exc import OperationalError

    from orchestrator.store import current_revision, upgrade

    engine = _engine(config)
    try:
        upgrade(engine, revision)
        console.print(f"database at revision {current_revision(engine)}")
    except OperationalError as exc:
        exit_with([f"database.url: cannot connect ({exc.orig})"], code=1)
    finally:
        engine.dispose()


@app.command("current")
def current_cmd(config: ConfigOption = None) -> None:
    """Print the database's revision and whether it is the latest."""
    from sqlalchemy.exc import OperationalError

    from orchestrator.store import current_revision, head_revision

    engine = _engine(config)
    try:
        current, head = current_revision(engine), head_revision(engine)
    except OperationalError as exc:
        exit_with([f"database.url: cannot connect ({exc.orig})"], code=1)
    finally:
        engine.dispose()
    state = (
        "up to date" if current == head else f"behind head {head}; run `fsm-dispatch db upgrade`"
    )
    console.print(f"{current or 'empty (no revision)'} ({state})")
    if current != head:
        raise typer.Exit(1)


@app.command("downgrade")
def downgrade_cmd(
    revision: str = typer.Argument(..., help="Target revision, or `base` to drop everything."),
    config: ConfigOption = None,
) -> None:
    """Migrate the database down to `revision`."""
    from orchestrator.store import current_revision, downgrade

    engine = _engine(config)
    try:
        downgrade(engine, revision)
        console.print(f"database at revision {current_revision(engine) or 'base'}")
    finally:
        engine.dispose()
