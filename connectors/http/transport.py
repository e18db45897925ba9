"""The one HTTP layer: every vendor request goes through `Transport`, which owns retries,
rate limiting, token refresh, error translation and the per-request log line.

Log lines carry the vendor, method, path *template*, status, attempt and duration only: never
query values, bodies or the filled-in path (Workiz puts its API token in the path, and ids in
paths can lead back to a customer).
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import quote

import httpx
import structlog
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from connectors.errors import (
    AuthError,
    ConnectorError,
    MalformedResponseError,
    NotFoundError,
    RateLimitedError,
    RequestRejectedError,
    ServerError,
    TimeoutError_,
    TransientError,
    UnknownWriteOutcomeError,
    WriteConflictError,
)
from connectors.http.auth import Auth, NoAuth
from connectors.http.ratelimit import RateLimiter
from connectors.http.retry import RetryParams, jitter, parse_retry_after

__all__ = ["Transport"]

log = structlog.get_logger("connectors.http")

Params = Mapping[str, Any]
DescribeError = Callable[[Any], str | None]


class _NotSent(TimeoutError_):
    """The request never reached the vendor (connect failure): repeating it is always safe."""


class _Unauthorized(AuthError):
    """A 401: the token may have expired; one refresh is allowed."""


def _default_describe(body: Any) -> str | None:
    if isinstance(body, Mapping):
        for key in ("title", "message", "msg", "error", "detail"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
            if isinstance(value, Mapping) and isinstance(value.get("message"), str):
                return str(value["message"])
    return None


class Transport:
    """Sends requests to one vendor account.

    Args:
        client: The shared `httpx.AsyncClient` (injected, so tests point it at a loopback fake).
        vendor: Name used in logs and error messages.
        base_url: Prefix of every path, without a trailing slash.
        auth: Supplies headers and renews them after a 401.
        limiter: Client-side rate limit at the vendor's documented rate.
        retry: Backoff for 429, 5xx and timeouts. Other 4xx are never retried.
        timeout: Seconds for connect, read, write and pool (no request is sent without one).
        describe_error: Pulls a short, safe message out of a vendor error body.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        vendor: str,
        base_url: str,
        auth: Auth | None = None,
        limiter: RateLimiter | None = None,
        retry: RetryParams | None = None,
        timeout: float | httpx.Timeout = 30.0,
        describe_error: DescribeError = _default_describe,
    ) -> None:
        self.client = client
        self.vendor = vendor
        self.base_url = base_url.rstrip("/")
        self.auth: Auth = auth or NoAuth()
        self.limiter = limiter
        self.retry = retry or RetryParams()
        self.timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self._describe = describe_error
        self.requests_sent = 0

    # --- public --------------------------------------------------------------------------------

    async def get(
        self, path: str, *, path_params: Params | None = None, params: Params | None = None
    ) -> Any:
        """GET and decode JSON, repeating on 429, 5xx and timeouts."""
        return await self.request("GET", path, path_params=path_params, params=params)

    async def request(
        self,
        method: str,
        path: str,
        *,
        path_params: Params | None = None,
        params: Params | None = None,
        json_body: Any = None,
    ) -> Any:
        """Send a request that is safe to repeat (a read, or an idempotent write)."""
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.retry.attempts),
            wait=self._wait,
            retry=retry_if_exception(self._retryable),
            sleep=self.retry.sleep,
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._send_authenticated(
                    method,
                    path,
                    path_params,
                    params,
                    json_body,
                    attempt.retry_state.attempt_number,
                )
        raise AssertionError("unreachable: tenacity reraises")  # pragma: no cover

    async def write(
        self,
        method: str,
        path: str,
        *,
        verify: Callable[[], Awaitable[bool]],
        path_params: Params | None = None,
        params: Params | None = None,
        json_body: Any = None,
    ) -> Any | None:
        """Send a write that must not be repeated blindly.

        A 429 or a connection that never opened means the vendor did not act: the write is
        repeated after the backoff. A timeout after sending, or a 5xx, leaves the outcome
        unknown: `verify` re-reads the record and says whether the write landed. If it did,
        None is returned (there is no response body); if not, the write is repeated.

        Raises:
            UnknownWriteOutcomeError: `verify` itself failed, so we cannot tell.
            TransientError: every attempt failed and the re-reads showed nothing landed.
        """
        last: TransientError | None = None
        for attempt in range(1, self.retry.attempts + 1):
            if last is not None:
                await self.retry.sleep(self._backoff(last, attempt - 1))
            try:
                return await self._send_authenticated(
                    method, path, path_params, params, json_body, attempt
                )
            except (RateLimitedError, _NotSent) as exc:
                if not self._retryable(exc):
                    raise
                last = exc
            except TransientError as exc:
                try:
                    landed = await verify()
                except ConnectorError as verify_exc:
                    raise UnknownWriteOutcomeError(
                        f"{self.vendor} {method} {path}: {exc}; the re-read failed too "
                        f"({type(verify_exc).__name__})"
                    ) from exc
                if landed:
                    log.info(
                        "http write verified by re-read",
                        vendor=self.vendor,
                        method=method,
                        path=path,
                        attempt=attempt,
                    )
                    return None
                last = exc
        assert last is not None
        raise last

    # --- internals -----------------------------------------------------------------------------

    def _retryable(self, exc: BaseException) -> bool:
        if not isinstance(exc, TransientError):
            return False
        if isinstance(exc, RateLimitedError) and exc.retry_after is not None:
            # A vendor asking for a very long pause: fail now and let the caller reschedule.
            return exc.retry_after <= self.retry.max_retry_after
        return True

    def _wait(self, state: RetryCallState) -> float:
        outcome = state.outcome
        error = outcome.exception() if outcome is not None else None
        return self._backoff(error, state.attempt_number)

    def _backoff(self, error: BaseException | None, attempt_number: int) -> float:
        if isinstance(error, RateLimitedError) and error.retry_after is not None:
            if self.limiter is not None:
                return 0.0  # the limiter holds every caller back for Retry-After
            return jitter(error.retry_after)
        return self.retry.backoff(attempt_number)

    async def _send_authenticated(
        self,
        method: str,
        path: str,
        path_params: Params | None,
        params: Params | None,
        json_body: Any,
        attempt: int,
    ) -> Any:
        try:
            return await self._send(method, path, path_params, params, json_body, attempt)
        except _Unauthorized:
            if not await self.auth.refresh():
                raise AuthError(f"{self.vendor} refused our credentials (401)") from None
        try:
            return await self._send(method, path, path_params, params, json_body, attempt)
        except _Unauthorized:
            raise AuthError(
                f"{self.vendor} refused a freshly issued token (401); check the credentials"
            ) from None

    def _url(self, path: str, path_params: Params | None) -> str:
        filled = path.format(**{k: quote(str(v), safe="") for k, v in (path_params or {}).items()})
        return self.base_url + filled

    async def _send(
        self,
        method: str,
        path: str,
        path_params: Params | None,
        params: Params | None,
        json_body: Any,
        attempt: int,
    ) -> Any:
        if self.limiter is not None:
            await self.limiter.acquire()
        headers = dict(await self.auth.headers())
        url = self._url(path, path_params)
        started = time.perf_counter()
        fields = {"vendor": self.vendor, "method": method, "path": path, "attempt": attempt}
        self.requests_sent += 1
        try:
            response = await self.client.request(
                method,
                url,
                params=_query(params),
                json=json_body,
                headers=headers,
                timeout=self.timeout,
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            log.warning(
                "http request",
                **fields,
                status=None,
                error=type(exc).__name__,
                duration_ms=_ms(started),
            )
            raise _NotSent(f"{self.vendor} {method} {path}: {type(exc).__name__}") from exc
        except httpx.TransportError as exc:
            log.warning(
                "http request",
                **fields,
                status=None,
                error=type(exc).__name__,
                duration_ms=_ms(started),
            )
            raise TimeoutError_(f"{self.vendor} {method} {path}: {type(exc).__name__}") from exc
        status = response.status_code
        log.info("http request", **fields, status=status, duration_ms=_ms(started))
        if status < 300:
            return self._decode(response, method, path)
        self._raise_for(response, method, path)

    def _decode(self, response: httpx.Response, method: str, path: str) -> Any:
        if not response.content or response.status_code == 204:
            return None
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise MalformedResponseError(
                f"{self.vendor} {method} {path}: the body is not JSON"
            ) from exc

    def _raise_for(self, response: httpx.Response, method: str, path: str) -> Any:
        status = response.status_code
        what = f"{self.vendor} {method} {path} → {status}"
        try:
            detail = self._describe(response.json())
        except (json.JSONDecodeError, UnicodeDecodeError):
            detail = None
        message = f"{what}: {detail[:200]}" if detail else what
        if status == 401:
            raise _Unauthorized(message)
        if status == 403:
            raise AuthError(message)
        if status == 429:
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            if retry_after is not None and self.limiter is not None:
                self.limiter.defer(retry_after)
            raise RateLimitedError(message, retry_after)
        if status >= 500:
            raise ServerError(message, status)
        if status in (404, 410):
            raise NotFoundError(message)
        if status == 409:
            raise WriteConflictError(message)
        raise RequestRejectedError(message, status)


def _query(params: Params | None) -> list[tuple[str, str | int | float | bool | None]] | None:
    """httpx query pairs; lists repeat the key, booleans are spelled as vendors expect."""
    if not params:
        return None
    pairs: list[tuple[str, str | int | float | bool | None]] = []
    for key, value in params.items():
        if value is None:
            continue
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            text = ("true" if item else "false") if isinstance(item, bool) else str(item)
            pairs.append((key, text))
    return pairs


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
