"""ServiceTitan: client (wire format), models (vendor payloads), adapter, webhooks."""

from connectors.servicetitan.adapter import ServiceTitanAdapter
from connectors.servicetitan.client import ServiceTitanClient

__all__ = ["ServiceTitanAdapter", "ServiceTitanClient"]
