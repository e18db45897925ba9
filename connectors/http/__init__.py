"""The HTTP layer shared by every platform client: transport, retries, rate limit, paging."""

from connectors.http.auth import Auth, ClientCredentials, HeaderAuth, NoAuth
from connectors.http.paging import Page, Paginator
from connectors.http.ratelimit import RateLimiter
from connectors.http.retry import RetryParams, parse_retry_after
from connectors.http.transport import Transport

__all__ = [
    "Auth",
    "ClientCredentials",
    "HeaderAuth",
    "NoAuth",
    "Page",
    "Paginator",
    "RateLimiter",
    "RetryParams",
    "Transport",
    "parse_retry_after",
]
