"""What every command needs: settings from --config, logging, a store, and clean exits."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console

from orchestrator.errors import ConfigError, StoreError
from orchestrator.settings import AccountSettings, Settings, load_settings

if TYPE_CHECKING:
    from orchestrator.store import Store

__all__ = [
    "ConfigOption",
    "console",
    "err_console",
    "exit_with",
    "load_or_exit",
    "open_store",
    "pick_account",
]

console = Console()
err_console = Console(stderr=True)

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Settings file (default: $FSM_DISPATCH_CONFIG, else ./config.yaml if present).",
        show_default=False,
    ),
]


def exit_with(problems: list[str], code: int = 2) -> NoReturn:
    for line in problems:
        err_console.print(line, markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def load_or_exit(config: Path | None) -> Settings:
    """Load settings and configure logging, or print each problem on its own line and exit 2."""
    from orchestrator.log import configure_logging

    try:
        settings = load_settings(config)
    except ConfigError as exc:
        exit_with(exc.problems)
    configure_logging(settings.logging.level, settings.logging.format)
    return settings


def pick_account(settings: Settings, account: str | None) -> AccountSettings:
    """The enabled account named `account`, or the only enabled one; else exit 2 saying why."""
    enabled = [a for a in settings.accounts if a.enabled]
    chosen = [a for a in enabled if account is None or a.id == account]
    if account is None and len(enabled) > 1:
        names = ", ".join(a.id for a in enabled)
        exit_with([f"several accounts are enabled; choose one with --account ({names})"])
    if not chosen:
        exit_with([f"no enabled account {account!r}" if account else "no enabled account"])
    return chosen[0]


@contextmanager
def open_store(settings: Settings, *, migrate: bool = True) -> Iterator[Store]:
    """A store on the configured database, brought to the latest schema first when asked."""
    from sqlalchemy.exc import OperationalError

    from orchestrator.store import Store, make_engine, upgrade

    engine = make_engine(settings.database.url)
    try:
        if migrate:
            upgrade(engine)
        yield Store(engine)
    except OperationalError as exc:
        raise StoreError(f"database unreachable: {exc.orig}") from exc
    finally:
        engine.dispose()
