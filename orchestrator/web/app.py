"""Starlette app: thin, verifying webhook endpoints; health; Prometheus metrics.

A webhook request is verified over its raw bytes, parsed, persisted, and acknowledged; nothing
else happens inside the request. Processing (re-reading the changed records) runs in the
`WebhookProcessor`, woken after each new event.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, tzinfo
from typing import Any

import structlog
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import ValidationError
from slack_sdk.signature import Clock as SlackClock
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connectors.errors import MalformedResponseError, WebhookVerificationError
from connectors.protocol import Connector
from orchestrator.log import bind_correlation
from orchestrator.store import Store
from orchestrator.web.metrics import WebMetrics
from orchestrator.webhooks import ChangeListener, WebhookProcessor, envelope

__all__ = ["MAX_WEBHOOK_BYTES", "create_app"]

log = structlog.get_logger(__name__)

MAX_WEBHOOK_BYTES = 1_000_000
ConnectorKey = tuple[str, str]  # (platform, account)


def create_app(
    *,
    store: Store,
    connectors: Mapping[ConnectorKey, Connector],
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    process_in_background: bool = True,
    slack_signing_secret: str | None = None,
    slack_approvers: Sequence[str] | None = None,
    on_change: ChangeListener | None = None,
    zone_of: Callable[[str], tzinfo] | None = None,
) -> Starlette:
    metrics = WebMetrics()
    processor = WebhookProcessor(store, connectors, metrics=metrics, on_change=on_change)

    async def webhook(request: Request) -> Response:
        started = time.perf_counter()
        platform = request.path_params["platform"]
        account = request.path_params["account"]
        with bind_correlation("req", platform=platform, account=account):
            response = await _handle_webhook(request, platform, account)
        metrics.webhook_ack_seconds.observe(time.perf_counter() - started)
        return response

    async def _handle_webhook(request: Request, platform: str, account: str) -> Response:
        connector = connectors.get((platform, account))
        if connector is None:
            metrics.webhooks.labels(platform="unknown", outcome="not_found").inc()
            return Response(status_code=404)
        body = await request.body()
        if len(body) > MAX_WEBHOOK_BYTES:
            metrics.webhooks.labels(platform=platform, outcome="too_large").inc()
            return JSONResponse({"error": "body too large"}, status_code=413)
        headers = {k.lower(): v for k, v in request.headers.items()}
        try:
            connector.verify_webhook(headers, body, clock())
        except WebhookVerificationError as exc:
            # No detail to the caller; the reason goes to our log only.
            log.warning("webhook rejected", reason=str(exc))
            metrics.webhooks.labels(platform=platform, outcome="unauthorized").inc()
            return Response(status_code=401)
        try:
            hints = connector.parse_webhook(headers, body)
        except (MalformedResponseError, ValidationError, ValueError, KeyError, TypeError) as exc:
            metrics.webhooks.labels(platform=platform, outcome="malformed").inc()
            return JSONResponse({"error": f"malformed event: {_short(exc)}"}, status_code=400)
        event_id = hints[0].event_id if hints else "sha256:" + hashlib.sha256(body).hexdigest()
        is_new = await asyncio.to_thread(
            store.record_webhook,
            platform=platform,
            account=account,
            event_id=event_id,
            body=envelope(headers, body),
        )
        if not is_new:
            metrics.webhooks.labels(platform=platform, outcome="duplicate").inc()
            return JSONResponse({"status": "duplicate", "event_id": event_id}, status_code=200)
        metrics.webhooks.labels(platform=platform, outcome="accepted").inc()
        processor.wake()
        return JSONResponse({"status": "accepted", "event_id": event_id}, status_code=202)

    async def slack_interaction(request: Request) -> Response:
        """A coordinator clicked Approve / Reject / an option. Slack wants an answer in 3 s."""
        from slack_sdk.signature import SignatureVerifier

        from orchestrator.approvals import ClickError, decide_click, parse_click

        assert slack_signing_secret is not None
        body = await request.body()
        if len(body) > MAX_WEBHOOK_BYTES:
            return Response(status_code=413)
        verifier = SignatureVerifier(slack_signing_secret, clock=_SlackClock(clock))
        if not verifier.is_valid_request(body, dict(request.headers)):
            metrics.webhooks.labels(platform="slack", outcome="unauthorized").inc()
            return Response(status_code=401)
        try:
            click = parse_click(body)
        except ClickError as exc:
            metrics.webhooks.labels(platform="slack", outcome="malformed").inc()
            return JSONResponse({"error": str(exc)}, status_code=400)
        decided, _text = await asyncio.to_thread(
            decide_click, store, click, now=clock(), approvers=slack_approvers, zone_of=zone_of
        )
        metrics.webhooks.labels(platform="slack", outcome="decided" if decided else "late").inc()
        if decided and on_change is not None:
            # The answer changes what the plan may do with the visit: plan again soon.
            row = await asyncio.to_thread(store.get_approval, click.approval_id)
            if row is not None:
                on_change(row.account, f"approval {click.approval_id} {click.action}")
        return Response(status_code=200)

    async def health(_: Request) -> Response:
        ok = await asyncio.to_thread(_database_ok, store)
        return JSONResponse(
            {"status": "ok" if ok else "degraded", "database": ok}, status_code=200 if ok else 503
        )

    async def prometheus(_: Request) -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> Any:
        task = asyncio.create_task(processor.run()) if process_in_background else None
        try:
            yield
        finally:
            if task is not None:
                processor.stop()
                await task

    app = Starlette(
        routes=[
            Route("/webhooks/{platform}/{account}", webhook, methods=["POST"]),
            *(
                [Route("/slack/interactions", slack_interaction, methods=["POST"])]
                if slack_signing_secret
                else []
            ),
            Route("/healthz", health, methods=["GET"]),
            Route("/metrics", prometheus, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    app.state.processor = processor
    app.state.metrics = metrics
    return app


class _SlackClock(SlackClock):
    """slack-sdk's verifier asks a clock object for the time; ours is injectable."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock

    def now(self) -> float:
        return self._clock().timestamp()


def _database_ok(store: Store) -> bool:
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with store.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError:
        return False


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]
