"""`fsm-dispatch config`: validate and show the settings."""

from __future__ import annotations

import typer
from rich.table import Table

from orchestrator.cli.context import ConfigOption, console, load_or_exit

app = typer.Typer(help="Validate and show the settings.", no_args_is_help=True)


@app.command("check")
def check(config: ConfigOption = None) -> None:
    """Validate the settings file and environment; exit 2 with one line per problem."""
    from orchestrator.settings import load_secrets, resolve_config_path

    settings = load_or_exit(config)
    secrets = load_secrets(settings)
    path = resolve_config_path(config)
    console.print(
        f"[green]ok[/green] {path}: {len(settings.accounts)} account(s), "
        f"database {settings.database.url.split(':', 1)[0]}, timezone {settings.timezone}"
    )
    for account in settings.accounts:
        have = sorted(secrets.accounts.get(account.id, {}))
        console.print(
            f"  {account.id} ({account.platform.value}): secrets set: "
            f"{', '.join(have) if have else 'none'}"
        )


@app.command("show")
def show(config: ConfigOption = None) -> None:
    """Print the effective settings (environment applied); secrets are never printed."""
    settings = load_or_exit(config)
    table = Table("key", "value", show_header=True)
    for key, value in _flatten(settings.model_dump(mode="json")):
        table.add_row(key, str(value))
    console.print(table)


def _flatten(node: object, prefix: str = "") -> list[tuple[str, object]]:
    if isinstance(node, dict):
        out: list[tuple[str, object]] = []
        for key, value in node.items():
            out.extend(_flatten(value, f"{prefix}.{key}" if prefix else key))
        return out
    if isinstance(node, list) and node and all(isinstance(v, dict) for v in node):
        out = []
        for index, value in enumerate(node):
            out.extend(_flatten(value, f"{prefix}[{index}]"))
        return out
    return [(prefix, node)]
