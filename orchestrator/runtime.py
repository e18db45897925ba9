"""Wiring of the running service from settings: store, connectors, senders, pipelines, app,
scheduler."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import httpx
import structlog
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from starlette.applications import Starlette

import optimizer as opt
from connectors.records import Classification, Customer, Job
from notifications import Sender, SlackResponder, SlackSender, SlackUpdater, TwilioSmsSender
from orchestrator.classification.engines import build_classifier
from orchestrator.errors import ConfigError
from orchestrator.fitted_durations import FittedDurations
from orchestrator.pipeline import DispatchPipeline
from orchestrator.platforms import PlatformRegistry, build_connectors
from orchestrator.service import DispatchService
from orchestrator.settings import Secrets, Settings, load_secrets
from orchestrator.store import Store, make_engine, upgrade
from orchestrator.ticket_classifier import ticket_of
from orchestrator.web import create_app

__all__ = ["build_pipelines", "build_runtime_app", "build_senders", "planning_travel"]

log = structlog.get_logger(__name__)


def build_senders(settings: Settings, secrets: Secrets) -> dict[str, Sender]:
    """Message senders for the channels the settings enable; missing secrets are config errors."""
    senders: dict[str, Sender] = {}
    problems = []
    sms = settings.notifications.sms
    if sms.enabled:
        if secrets.twilio_account_sid is None or secrets.twilio_auth_token is None:
            problems.append(
                "notifications.sms.enabled: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"
            )
        else:
            from twilio.http.http_client import TwilioHttpClient
            from twilio.rest import Client

            client = Client(
                secrets.twilio_account_sid,
                secrets.twilio_auth_token.get_secret_value(),
                http_client=TwilioHttpClient(timeout=15),
            )
            senders["sms"] = TwilioSmsSender(
                client, from_number=sms.from_number, messaging_service_sid=sms.messaging_service_sid
            )
    slack = settings.notifications.slack
    if slack.enabled:
        if secrets.slack_bot_token is None or secrets.slack_signing_secret is None:
            problems.append(
                "notifications.slack.enabled: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET"
            )
        else:
            from slack_sdk import WebClient

            client = WebClient(token=secrets.slack_bot_token.get_secret_value(), timeout=10)
            senders["slack"] = SlackSender(client)
            senders["slack_update"] = SlackUpdater(client)
            senders["slack_response"] = SlackResponder()
    if problems:
        raise ConfigError(problems)
    return senders


def build_pipelines(
    settings: Settings, store: Store, accounts: Iterable[tuple[str, str]]
) -> dict[str, DispatchPipeline]:
    """A dispatch pipeline per enabled (platform, account): the settings' classifier, and
    durations fitted on the account's own completed visits (the taxonomy's typical minutes,
    the admin's extensions included, for types it has none of)."""
    taxonomy = settings.classification.taxonomy()
    engine = build_classifier(settings.classification, taxonomy=taxonomy)

    def classify(job: Job, customer: Customer | None, now: datetime) -> Classification:
        return engine(ticket_of(job, customer, now=now, outdoor_temp_f=None)).to_record()

    quantile = settings.planning.routing_quantile
    travel = planning_travel(settings)
    pipelines = {}
    for platform, account in accounts:
        if not settings.account(account).enabled:
            continue
        fitted = FittedDurations(
            store, account, platform, quantile, zone=settings.zone(account), taxonomy=taxonomy
        )
        pipelines[account] = DispatchPipeline(
            store,
            settings,
            account,
            platform,
            classify,
            durations=fitted,
            spread=fitted.spread,
            travel=travel,
        )
    return pipelines


def planning_travel(settings: Settings) -> opt.TravelTimes | None:
    """The road times plans are made on: the OSRM server the settings name, falling back to
    the offline estimate while it fails; None (the estimate) without one."""
    url = settings.planning.osrm_url
    if url is None:
        return None

    def failed(error: opt.TravelError) -> None:
        log.warning("osrm failed; planning on the offline estimate", error=str(error))

    roads = opt.FallbackTravel(opt.OsrmTravel(url), opt.OfflineTravel(), on_error=failed)
    return opt.CachedTravel(roads)


def build_runtime_app(
    settings: Settings, *, registry: PlatformRegistry | None = None, secrets: Secrets | None = None
) -> Starlette:
    secrets = secrets or load_secrets(settings)
    senders = build_senders(settings, secrets)
    engine = make_engine(settings.database.url)
    upgrade(engine)
    store = Store(engine)
    http = httpx.AsyncClient(timeout=httpx.Timeout(20, connect=5))
    connectors = build_connectors(settings, secrets, http, registry)
    pipelines = build_pipelines(settings, store, connectors)
    service = DispatchService(settings, store, connectors, senders, pipelines)
    signing = (
        secrets.slack_signing_secret.get_secret_value() if secrets.slack_signing_secret else None
    )
    web = create_app(
        store=store,
        connectors=connectors,
        slack_signing_secret=signing,
        slack_approvers=settings.notifications.slack.approvers or None,
        on_change=service.replan_soon,
        zone_of=settings.zone,
    )
    inner_lifespan = web.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: Starlette) -> Any:
        scheduler = AsyncIOScheduler(timezone=settings.timezone)
        service.schedule(scheduler)
        scheduler.start()
        try:
            async with inner_lifespan(app):
                yield
        finally:
            scheduler.shutdown(wait=False)
            await http.aclose()
            engine.dispose()

    web.router.lifespan_context = lifespan
    web.state.service = service
    return web
