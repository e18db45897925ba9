"""`fsm-dispatch mappings`: check the mapping files, explain one vendor payload.

Both work without a database or network: they read the YAML and run the adapter's translation.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from orchestrator.cli.context import ConfigOption, console, err_console, exit_with

app = typer.Typer(
    help="Inspect and validate the vendor → canonical mapping files (mappings/*.yaml).",
    no_args_is_help=True,
)

MappingsOption = Annotated[
    Path | None,
    typer.Option(
        "--mappings",
        help="Folder holding <platform>.yaml (default: the bundled mappings/).",
        show_default=False,
    ),
]


def _folder(given: Path | None) -> Path:
    if given is not None:
        return given
    import mappings

    return Path(mappings.__file__).resolve().parent


@app.command()
def explain(
    file: Annotated[Path, typer.Argument(help="A vendor payload (JSON): one object or a list.")],
    platform: Annotated[
        str, typer.Option("--platform", "-p", help="servicetitan, workiz or housecallpro.")
    ],
    resource: Annotated[
        str, typer.Option("--resource", "-r", help="job, appointment or technician.")
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print only the canonical record(s) as JSON.")
    ] = False,
    timezone: Annotated[
        str, typer.Option(help="Account time zone, for platforms that send local times.")
    ] = "UTC",
    folder: MappingsOption = None,
) -> None:
    """Print the canonical record made from one vendor payload, and the values that did not map."""
    from connectors.errors import MalformedResponseError, MappingError
    from connectors.explain import PLATFORMS, RESOURCES
    from connectors.explain import explain as run
    from connectors.mapping import load_mapping

    if platform not in PLATFORMS:
        exit_with([f"--platform: unknown platform {platform!r} (one of {', '.join(PLATFORMS)})"])
    if resource not in RESOURCES:
        exit_with([f"--resource: unknown resource {resource!r} (one of {', '.join(RESOURCES)})"])
    try:
        payload = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        exit_with([f"{file}: file not found"])
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        exit_with([f"{file}: not valid JSON ({exc})"])
    try:
        tables = load_mapping(_folder(folder) / f"{platform}.yaml")
        results = run(platform, resource, payload, tables, timezone=timezone)  # type: ignore[arg-type]
    except (MappingError, MalformedResponseError, ValueError) as exc:
        exit_with([f"{file}: {str(exc).splitlines()[0]}"])
    records = [r.record.model_dump(mode="json") for r in results]
    unmapped = [str(u) for r in results for u in r.unmapped]
    if as_json:
        document = records[0] if len(records) == 1 else records
        typer.echo(json.dumps(document, indent=2, sort_keys=True))
        for line in unmapped:
            err_console.print(f"unmapped {line}", markup=False, highlight=False)
        return
    for record in records:
        console.print(f"[bold]{platform} {resource} {record['external_id']}[/bold]")
        for key, value in record.items():
            if value not in (None, [], {}, ""):
                console.print(f"  {key}: {value}", markup=False, highlight=False)
    if unmapped:
        console.print(
            "[yellow]unmapped values[/yellow] (stored as `unknown`; add them to the file):"
        )
        for line in unmapped:
            console.print(f"  {line}", markup=False, highlight=False)
    else:
        console.print("every value mapped")


@app.command()
def check(folder: MappingsOption = None, config: ConfigOption = None) -> None:
    """Validate every mapping file, then list vendor values syncs could not map.

    Exits 2 naming the file and YAML path of each problem in the files.
    """
    from connectors.errors import MappingError
    from connectors.mapping import load_mapping

    files = sorted(_folder(folder).glob("*.yaml"))
    if not files:
        exit_with([f"{_folder(folder)}: no mapping files (*.yaml)"])
    problems = []
    for path in files:
        try:
            tables = load_mapping(path)
        except MappingError as exc:
            problems.append(str(exc))
            continue
        if tables.platform != path.stem:
            problems.append(f"{path}: platform: {tables.platform!r} does not match the file name")
            continue
        statuses = len(tables.job_statuses) + len(tables.appointment_statuses)
        console.print(
            f"ok {path.name}: {statuses} statuses, {len(tables.job_types)} job types, "
            f"{len(tables.skills)} skills, {len(tables.priorities)} priorities",
            markup=False,
            highlight=False,
        )
    if problems:
        exit_with(problems)
    _list_unmapped(config)


def _list_unmapped(config: ConfigOption) -> None:
    """Print what syncs met that no mapping covers (stored as `unknown` meanwhile)."""
    from orchestrator.cli.context import load_or_exit, open_store

    settings = load_or_exit(config)
    with open_store(settings) as store:
        rows = store.unmapped_values()
    if not rows:
        console.print("no unmapped values seen by syncs", markup=False, highlight=False)
        return
    for row in rows:
        console.print(
            f"unmapped {row.platform} {row.mapping_table}: {row.value!r} "
            f"(account {row.account}, seen {row.seen}x, last {row.last_seen:%Y-%m-%d %H:%M})",
            markup=False,
            highlight=False,
        )
