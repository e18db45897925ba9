"""Prometheus metrics of one web app instance (a private registry, so apps never share state)."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram

__all__ = ["WebMetrics"]


@dataclass
class WebMetrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        self.webhooks = Counter(
            "fsm_dispatch_webhooks_total",
            "Webhook requests by platform and outcome.",
            ["platform", "outcome"],
            registry=self.registry,
        )
        self.webhook_ack_seconds = Histogram(
            "fsm_dispatch_webhook_ack_seconds",
            "Time from request to acknowledgement.",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
            registry=self.registry,
        )
        self.webhooks_processed = Counter(
            "fsm_dispatch_webhooks_processed_total",
            "Persisted webhook events processed, by outcome.",
            ["outcome"],
            registry=self.registry,
        )
