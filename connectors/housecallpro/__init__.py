"""Housecall Pro: client (wire format), models (vendor payloads), adapter, webhooks."""

from connectors.housecallpro.adapter import HousecallProAdapter
from connectors.housecallpro.client import HousecallProClient

__all__ = ["HousecallProAdapter", "HousecallProClient"]
