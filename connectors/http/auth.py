"""Credentials a transport attaches to requests, and how they are renewed after a 401."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import Protocol

import httpx

from connectors.errors import (
    AuthError,
    MalformedResponseError,
    RateLimitedError,
    ServerError,
    TimeoutError_,
)
from connectors.http.retry import parse_retry_after

__all__ = ["Auth", "ClientCredentials", "HeaderAuth", "NoAuth"]


class Auth(Protocol):
    """What a transport needs from a credential."""

    async def headers(self) -> Mapping[str, str]:
        """Headers to send with the next request."""
        ...

    async def refresh(self) -> bool:
        """Renew after a 401; True when a new credential was obtained and a retry makes sense."""
        ...


class NoAuth:
    """No headers: the credential travels elsewhere (Workiz puts its token in the path)."""

    async def headers(self) -> Mapping[str, str]:
        return {}

    async def refresh(self) -> bool:
        return False


class HeaderAuth:
    """Fixed headers, e.g. Housecall Pro's `Authorization: Token <key>`; nothing to refresh."""

    def __init__(self, headers: Mapping[str, str]) -> None:
        self._headers = dict(headers)

    async def headers(self) -> Mapping[str, str]:
        return self._headers

    async def refresh(self) -> bool:
        return False


class ClientCredentials:
    """OAuth2 client-credentials grant (RFC 6749 §4.4), token cached until shortly before expiry.

    Used by ServiceTitan: `POST {token_url}` form `grant_type=client_credentials&client_id&
    client_secret`, answer `{access_token, expires_in, token_type}` (tokens last 900 s, with no
    refresh token). A 401 on an API call discards the cached token and fetches one new token.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        token_url: str,
        client_id: str,
        client_secret: str,
        extra_headers: Mapping[str, str] | None = None,
        timeout: float = 30.0,
        margin_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not client_id or not client_secret:
            raise ValueError("client_id and client_secret are required")
        self._client = client
        self._token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._extra = dict(extra_headers or {})
        self._timeout = timeout
        self._margin = margin_seconds
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()
        self.tokens_fetched = 0

    async def headers(self) -> Mapping[str, str]:
        async with self._lock:
            if self._token is None or self._clock() >= self._expires_at:
                await self._fetch()
            assert self._token is not None
            return {"Authorization": f"Bearer {self._token}", **self._extra}

    async def refresh(self) -> bool:
        async with self._lock:
            await self._fetch()
        return True

    async def _fetch(self) -> None:
        try:
            response = await self._client.post(
                self._token_url,
                data={
                    "grant_type": "client_credentials",
                    "client_id": self._client_id,
                    "client_secret": self._client_secret,
                },
                timeout=self._timeout,
            )
        except httpx.TransportError as exc:
            raise TimeoutError_(f"token endpoint unreachable: {type(exc).__name__}") from exc
        if response.status_code in (400, 401, 403):
            # RFC 6749 §5.2: invalid_client / unauthorized_client; an admin must fix credentials.
            raise AuthError(f"token request refused ({response.status_code})")
        if response.status_code == 429:
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            raise RateLimitedError("token endpoint rate limited", retry_after)
        if response.status_code >= 300:
            raise ServerError("token endpoint failed", response.status_code)
        try:
            body = response.json()
            token = str(body["access_token"])
            lifetime = float(body.get("expires_in", 900))
        except (ValueError, KeyError, TypeError) as exc:
            raise MalformedResponseError("token response lacks access_token") from exc
        self._token = token
        self._expires_at = self._clock() + max(lifetime - self._margin, 0.0)
        self.tokens_fetched += 1
