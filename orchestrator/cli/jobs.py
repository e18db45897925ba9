"""`fsm-dispatch jobs`: a coordinator's view of classifications — review and override."""

from __future__ import annotations

from typing import Annotated

import typer

from orchestrator.cli.context import ConfigOption, console, exit_with, load_or_exit, open_store

app = typer.Typer(help="Review and correct how jobs were classified.", no_args_is_help=True)

AccountOption = Annotated[str, typer.Option(help="Account id (as in the settings).")]


@app.command("override")
def override(
    job: Annotated[str, typer.Argument(help="The job's id on the platform.")],
    field: Annotated[
        str,
        typer.Option(
            help="trade, job_type, skills, equipment, urgency, complexity or duration_minutes."
        ),
    ],
    value: Annotated[str, typer.Option(help="New value; skills and equipment comma-separated.")],
    reason: Annotated[str, typer.Option(help="Why: kept in the audit log.")],
    account: AccountOption,
    actor: Annotated[str, typer.Option(help="Who is overriding (for the audit log).")] = "cli",
    config: ConfigOption = None,
) -> None:
    """Override one field of a job's classification; it stays overridden from then on."""
    from connectors.records import RecordKey
    from orchestrator.errors import ConfigError, NotFoundError
    from orchestrator.overrides import OverrideError, override_classification

    settings = load_or_exit(config)
    try:
        platform = settings.account(account).platform.value
    except ConfigError as exc:
        exit_with(exc.problems)
    taxonomy = settings.classification.taxonomy()
    known = {
        "job_type": set(taxonomy.all_job_types),
        "trade": set(taxonomy.trades),
        "skills": set(taxonomy.skills),
        "equipment": set(taxonomy.equipment),
    }
    key = RecordKey(platform=platform, account=account, external_id=job)
    with open_store(settings) as store:
        try:
            result = override_classification(
                store,
                key,
                field=field,
                value=value,
                actor=f"coordinator:{actor}",
                reason=reason,
                known_values=known,
            )
        except (OverrideError, NotFoundError) as exc:
            exit_with([str(exc)])
    shown = getattr(result, field)
    shown = (
        ", ".join(sorted(shown)) if isinstance(shown, frozenset) else getattr(shown, "value", shown)
    )
    console.print(f"job {job}: {field} = {shown} (overridden by {actor})", markup=False)


@app.command("review")
def review(account: AccountOption, config: ConfigOption = None) -> None:
    """List jobs whose classification confidence is below the review threshold."""
    from rich.table import Table

    from orchestrator.errors import ConfigError

    settings = load_or_exit(config)
    try:
        platform = settings.account(account).platform.value
    except ConfigError as exc:
        exit_with(exc.problems)
    with open_store(settings) as store:
        rows = store.classifications_to_review(account, platform)
    table = Table("job", "job type", "urgency", "confidence", "engine", title="needs review")
    for job_id, classification in rows:
        table.add_row(
            job_id,
            classification.job_type,
            classification.urgency.value,
            f"{classification.confidence:.2f}",
            classification.engine,
        )
    console.print(table)
