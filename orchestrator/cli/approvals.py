"""`fsm-dispatch approvals`: the coordinator questions of the day, answered from the terminal too.

A decision here is the same conditional update as a Slack click, so whichever comes first wins;
the Slack message is edited to say who decided. The running service sees the answer within a
minute (its housekeeping run) and re-plans the account soon, as after a click.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

import typer

from orchestrator.cli.context import ConfigOption, console, exit_with, load_or_exit, open_store

app = typer.Typer(help="List and decide the questions put to coordinators.", no_args_is_help=True)


@app.command("list")
def list_approvals(
    account: Annotated[str | None, typer.Option(help="Only this account.")] = None,
    every: Annotated[
        bool, typer.Option("--all", help="Decided ones too, not only those still open.")
    ] = False,
    hours: Annotated[int, typer.Option(min=1, help="Asked within this many hours.")] = 24,
    config: ConfigOption = None,
) -> None:
    """The questions asked within `--hours`, oldest first, times in each account's zone."""
    settings = load_or_exit(config)
    accounts = [a.id for a in settings.accounts if account is None or a.id == account]
    if not accounts:
        exit_with([f"no account {account!r} in the settings"])
    since = datetime.now(UTC) - timedelta(hours=hours)
    shown = 0
    with open_store(settings) as store:
        for account_id in accounts:
            zone = settings.zone(account_id)
            for row in store.approvals(account_id, since=since):
                if not every and row.status != "pending":
                    continue
                status = row.status + (f" ({row.decided_by})" if row.decided_by else "")
                lines = [
                    f"#{row.id} {account_id} · {row.kind} · {status} · expires "
                    f"{row.expires_at.astimezone(zone):%H:%M %Z}",
                    f"   {row.change.get('title', '')}",
                    f"   why: {'; '.join(row.reasons)}",
                ]
                options = row.change.get("options") or []
                if options:
                    offered = ", ".join(f"{value} ({label})" for value, label in options)
                    lines.append(f"   options: {offered}")
                console.print("\n".join(lines), markup=False, highlight=False, soft_wrap=True)
                shown += 1
    if not shown:
        console.print("no questions" if every else "no open questions", markup=False)


@app.command("decide")
def decide(
    approval_id: Annotated[int, typer.Argument(help="The question's id (see `list`).")],
    answer: Annotated[
        Literal["approve", "reject", "choose"], typer.Argument(help="approve, reject or choose.")
    ],
    by: Annotated[str, typer.Option(help="Who decides (kept in the audit log).")],
    option: Annotated[
        str | None, typer.Option(help="With choose: the option's value (see `list`).")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Answer a question as a Slack click would; exits 1 if it was already decided."""
    from orchestrator.approvals import decide_elsewhere

    if (answer == "choose") != (option is not None):
        exit_with(["--option goes with choose, and only with it"])
    status = {"approve": "approved", "reject": "rejected", "choose": "chosen"}[answer]
    settings = load_or_exit(config)
    with open_store(settings) as store:
        decided, text = decide_elsewhere(
            store,
            approval_id,
            status=status,  # type: ignore[arg-type]
            decided_by=by,
            decision=option,
            now=datetime.now(UTC),
            zone_of=settings.zone,
        )
    if not decided:
        exit_with([text], code=1)
    console.print(f"approval {approval_id}: {text}", markup=False)
