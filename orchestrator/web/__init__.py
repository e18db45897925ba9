"""The ASGI web app: platform webhooks, health and metrics."""

from orchestrator.web.app import create_app

__all__ = ["create_app"]
