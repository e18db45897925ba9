"""`fsm-dispatch serve`: the web app and the scheduler, in one process."""

from __future__ import annotations

from typing import Annotated

import typer

from orchestrator.cli.context import ConfigOption, exit_with, load_or_exit

app = typer.Typer(help="Run the service: webhooks, Slack interactions, scheduled syncs.")


@app.callback(invoke_without_command=True)
def serve(
    config: ConfigOption = None,
    host: Annotated[str | None, typer.Option(help="Listen address (default: web.host).")] = None,
    port: Annotated[int | None, typer.Option(help="Listen port (default: web.port).")] = None,
) -> None:
    """Serve webhooks, Slack interactions, /healthz and /metrics, and run the scheduled jobs."""
    import uvicorn

    from optimizer import compile_kernels, start_workers
    from orchestrator.errors import ConfigError
    from orchestrator.runtime import build_runtime_app

    settings = load_or_exit(config)
    try:
        asgi = build_runtime_app(settings)
    except ConfigError as exc:
        exit_with(exc.problems)
    # The planner's compiled code is loaded (or, on a new machine, compiled), and its worker
    # process started, before the first scheduled plan, not inside its time budget.
    compile_kernels(vrptw=False)
    start_workers()
    uvicorn.run(
        asgi,
        host=host or settings.web.host,
        port=port or settings.web.port,
        log_level=settings.logging.level.lower(),
        access_log=False,  # request lines carry paths with account ids only; our own logs suffice
    )
