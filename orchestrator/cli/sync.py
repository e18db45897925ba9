"""`fsm-dispatch sync`: bring the store up to date with the platforms, once."""

from __future__ import annotations

from typing import Annotated

import typer

from orchestrator.cli.context import ConfigOption, console, exit_with, load_or_exit

app = typer.Typer(help="Sync jobs, appointments and technicians from the platforms.")


@app.callback(invoke_without_command=True)
def sync(
    config: ConfigOption = None,
    account: Annotated[
        str | None, typer.Option(help="Only this account (default: all enabled).")
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Ignore cursors and read everything.")
    ] = False,
) -> None:
    """Sync each account incrementally (or fully with --full) and print what was read."""
    import asyncio
    from datetime import timedelta

    import httpx
    from rich.table import Table

    from connectors.errors import AuthError, ConnectorError
    from orchestrator.errors import ConfigError
    from orchestrator.platforms import build_connectors
    from orchestrator.settings import load_secrets
    from orchestrator.store import Store, make_engine, upgrade
    from orchestrator.sync import sync_account

    settings = load_or_exit(config)
    if account is not None:
        try:
            settings.account(account)
        except ConfigError as exc:
            exit_with(exc.problems)

    async def run() -> list[tuple[str, str]]:
        engine = make_engine(settings.database.url)
        upgrade(engine)
        store = Store(engine)
        results: list[tuple[str, str]] = []
        async with httpx.AsyncClient(timeout=httpx.Timeout(20, connect=5)) as http:
            connectors = build_connectors(settings, load_secrets(settings), http)
            for (_, account_id), connector in connectors.items():
                if account is not None and account_id != account:
                    continue
                overlap = timedelta(minutes=settings.account(account_id).sync.overlap_minutes)
                try:
                    report = await sync_account(store, connector, full=full, overlap=overlap)
                except AuthError as exc:
                    results.append((account_id, f"needs re-authentication: {exc}"))
                    continue
                except ConnectorError as exc:
                    results.append((account_id, f"failed, will retry: {exc}"))
                    continue
                parts = ", ".join(f"{r.resource} {r.fetched}" for r in report.resources)
                results.append((account_id, f"ok: {parts}"))
        engine.dispose()
        return results

    try:
        results = asyncio.run(run())
    except ConfigError as exc:
        exit_with(exc.problems)
    table = Table("account", "result", title="sync")
    for account_id, outcome in results:
        table.add_row(account_id, outcome)
    console.print(table)
    if any(not outcome.startswith("ok") for _, outcome in results):
        raise typer.Exit(1)
