"""Workiz: client (wire format), models (vendor payloads), adapter, webhooks."""

from connectors.workiz.adapter import WorkizAdapter
from connectors.workiz.client import WorkizClient

__all__ = ["WorkizAdapter", "WorkizClient"]
