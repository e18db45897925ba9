"""The HTTP layer against a scripted loopback server: errors, retries, refresh, writes, logs."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from structlog.testing import capture_logs

from connectors.errors import (
    AuthError,
    MalformedResponseError,
    NotFoundError,
    RateLimitedError,
    RequestRejectedError,
    ServerError,
    TimeoutError_,
    UnknownWriteOutcomeError,
    WriteConflictError,
)
from connectors.http import ClientCredentials, RateLimiter, RetryParams, Transport
from tests.live_server import serve


@dataclass
class Reply:
    status: int = 200
    body: bytes = b'{"ok": true}'
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Script:
    """Replies served in order; once exhausted, every request gets 200 {"ok": true}."""

    replies: list[Reply] = field(default_factory=list)
    seen: list[tuple[str, str, str]] = field(default_factory=list)
    tokens_issued: int = 0
    valid_token: str = "tok-1"

    def app(self) -> Starlette:
        async def token(request: Request) -> Response:
            form = await request.form()
            if form.get("client_secret") != "s3cret":
                return Response(b'{"error":"invalid_client"}', status_code=400)
            self.tokens_issued += 1
            self.valid_token = f"tok-{self.tokens_issued}"
            body = f'{{"access_token":"{self.valid_token}","expires_in":900}}'
            return Response(body.encode(), media_type="application/json")

        async def any_path(request: Request) -> Response:
            self.seen.append(
                (request.method, request.url.path, request.headers.get("authorization", ""))
            )
            reply = self.replies.pop(0) if self.replies else Reply()
            if reply.delay:
                await asyncio.sleep(reply.delay)
            return Response(
                reply.body,
                status_code=reply.status,
                headers=reply.headers,
                media_type="application/json",
            )

        return Starlette(
            routes=[
                Route("/connect/token", token, methods=["POST"]),
                Route("/{rest:path}", any_path, methods=["GET", "POST", "PUT", "PATCH"]),
            ]
        )


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[Script, str]]:
    script = Script()
    with serve(script.app()) as url:
        yield script, url


@pytest.fixture
def script(server: tuple[Script, str]) -> Script:
    s = server[0]
    s.replies.clear()
    s.seen.clear()
    return s


class Sleeps(list[float]):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
async def client() -> Any:
    async with httpx.AsyncClient() as c:
        yield c


def make(client: httpx.AsyncClient, url: str, **kw: Any) -> tuple[Transport, Sleeps]:
    sleeps = Sleeps()
    kw.setdefault("retry", RetryParams(attempts=3, base_seconds=0.01, sleep=sleeps))
    kw.setdefault("timeout", 2.0)
    return Transport(client, vendor="acme", base_url=url, **kw), sleeps


ERROR_TABLE = [
    # status, our error, retried
    (400, RequestRejectedError, False),
    (403, AuthError, False),
    (404, NotFoundError, False),
    (409, WriteConflictError, False),
    (410, NotFoundError, False),
    (422, RequestRejectedError, False),
    (429, RateLimitedError, True),
    (500, ServerError, True),
    (502, ServerError, True),
    (503, ServerError, True),
]


@pytest.mark.parametrize(("status", "error", "retried"), ERROR_TABLE)
async def test_each_status_becomes_one_error_and_only_transient_ones_are_retried(
    server: tuple[Script, str],
    script: Script,
    client: httpx.AsyncClient,
    status: int,
    error: type[Exception],
    retried: bool,
) -> None:
    script.replies = [Reply(status, b'{"title":"nope"}')] * 5
    transport, sleeps = make(client, server[1])
    with pytest.raises(error) as caught:
        await transport.get("/things")
    assert "nope" in str(caught.value)
    assert len(script.seen) == (3 if retried else 1)
    assert len(sleeps) == (2 if retried else 0)


async def test_a_transient_failure_followed_by_success_returns_the_body(
    server: tuple[Script, str], script: Script, client: httpx.AsyncClient
) -> None:
    script.replies = [Reply(503), Reply(200, b'{"n": 7}')]
    transport, _ = make(client, server[1])
    assert await transport.get("/things") == {"n": 7}
    assert len(script.seen) == 2


async def test_retry_after_is_honoured_in_seconds_and_as_a_date(
    server: tuple[Script, str], script: Script, client: httpx.AsyncClient
) -> None:
    script.replies = [
        Reply(429, headers={"Retry-After": "7"}),
        Reply(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}),
    ]
    transport, sleeps = make(client, server[1])
    assert await transport.get("/things") == {"ok": True}
    assert 7 <= sleeps[0] <= 7.7  # the vendor's delay plus at most 10 % jitter
    assert sleeps[1] == 0  # a date in the past means "now"


async def test_a_retry_after_longer_than_we_accept_fails_without_waiting(
    server: tuple[Script, str], script: Script, client: httpx.AsyncClient
) -> None:
    script.replies = [Reply(429, headers={"Retry-After": "3600"})]
    transport, sleeps = make(client, server[1])
    with pytest.raises(RateLimitedError) as caught:
        await transport.get("/things")
    assert caught.value.retry_after == 3600
    assert sleeps == []


async def test_a_read_timeout_is_retried_and_then_reported_as_a_timeout(
    server: tuple[Script, str], script: Script, client: httpx.AsyncClient
) -> None:
    # A timeout well above a loaded machine's time to accept: each request reaches the server.
    script.replies = [Reply(delay=1.5)] * 3
    transport, _ = make(client, server[1], timeout=0.3)
    with pytest.raises(TimeoutError_):
        await transport.get("/slow")
    assert len(script.seen) == 3


async def test_a_connection_refused_is_a_timeout_error(client: httpx.AsyncClient) -> None:
    from tests.live_server import free_port

    transport, _ = make(client, f"http://127.0.0.1:{free_port()}")
    with pytest.raises(TimeoutError_):
        await transport.get("/nothing-listens")


async def test_a_body_that_is_not_json_is_malformed_and_not_retried(
    server: tuple[Script, str], script: Script, client: httpx.AsyncClient
) -> None:
    script.replies = [Reply(200, b'{"data": [1, 2')]
    transport, _ = make(client, server[1])
    with pytest.raises(MalformedResponseError):
        await transport.get("/things")
    assert len(script.seen) == 1


async def test_a_401_refreshes_the_token_once_then_succeeds(
    server: tuple[Script, str], script: Script, client: httpx.AsyncClient
) -> None:
    auth = ClientCredentials(
        client, token_url=server[1] + "/connect/token", client_id="id", client_secret="s3cret"
    )
    transport, _ = make(client, server[1], auth=auth)
    assert await transport.get("/first") == {"ok": True}
    script.replies = [Reply(401, b'{"title":"expired"}')]
    assert await transport.get("/second") == {"ok": True}
    assert auth.tokens_fetched == 2
    # the retry carried the new token
    assert script.seen[-1][2] == f"Bearer {script.valid_token}"
    assert script.seen[-2][2] != script.seen[-1][2]


async def test_a_second_401_after_refresh_is_an_auth_error_without_looping(
    server: tuple[Script, str], script: Script, client: httpx.AsyncClient
) -> None:
    auth = ClientCredentials(
        client, token_url=server[1] + "/connect/token", client_id="id", client_secret="s3cret"
    )
    script.replies = [Reply(401)] * 5
    transport, _ = make(client, server[1], auth=auth)
    with pytest.raises(AuthError):
        await transport.get("/things")
    assert len(script.seen) == 2
    assert auth.tokens_fetched == 2


async def test_the_token_is_cached_until_it_expires(
    server: tuple[Script, str], script: Script, client: httpx.AsyncClient
) -> None:
    now = [0.0]
    auth = ClientCredentials(
        client,
        token_url=server[1] + "/connect/token",
        client_id="id",
        client_secret="s3cret",
        clock=lambda: now[0],
    )
    transport, _ = make(client, server[1], auth=auth)
    for _ in range(3):
        await transport.get("/things")
    assert auth.tokens_fetched == 1
    now[0] = 900.0  # past expires_in minus the safety margin
    await transport.get("/things")
    assert auth.tokens_fetched == 2


async def test_wrong_client_credentials_are_an_auth_error(
    server: tuple[Script, str], client: httpx.AsyncClient
) -> None:
    auth = ClientCredentials(
        client, token_url=server[1] + "/connect/token", client_id="id", client_secret="wrong"
    )
    transport, _ = make(client, server[1], auth=auth)
    with pytest.raises(AuthError):
        await transport.get("/things")


async def test_a_write_that_timed_out_but_landed_is_not_sent_again(
    server: tuple[Script, str], script: Script, client: httpx.AsyncClient
) -> None:
    script.replies = [Reply(delay=0.5)]
    transport, _ = make(client, server[1], timeout=0.05)
    checks: list[bool] = []

    async def landed() -> bool:
        checks.append(True)
        return True

    assert await transport.write("POST", "/assign", json_body={"a": 1}, verify=landed) is None
    assert checks == [True]
    assert [m for m, p, _ in script.seen if p == "/assign"] == ["POST"]


async def test_a_write_that_failed_and_did_not_land_is_sent_again(
    server: tuple[Script, str], script: Script, client: httpx.AsyncClient
) -> None:
    script.replies = [Reply(500), Reply(200, b'{"done": 1}')]
    transport, _ = make(client, server[1])

    async def not_landed() -> bool:
        return False

    assert await transport.write("POST", "/assign", verify=not_landed) == {"done": 1}
    assert len(script.seen) == 2


async def test_a_rate_limited_write_is_repeated_without_a_re_read(
    server: tuple[Script, str], script: Script, client: httpx.AsyncClient
) -> None:
    script.replies = [Reply(429, headers={"Retry-After": "0"})]
    transport, _ = make(client, server[1])

    async def must_not_run() -> bool:
        raise AssertionError("a 429 means the vendor did not act")

    assert await transport.write("POST", "/assign", verify=must_not_run) == {"ok": True}


async def test_a_write_whose_re_read_fails_has_an_unknown_outcome(
    server: tuple[Script, str], script: Script, client: httpx.AsyncClient
) -> None:
    script.replies = [Reply(502)]
    transport, _ = make(client, server[1])

    async def broken() -> bool:
        raise ServerError("down", 503)

    with pytest.raises(UnknownWriteOutcomeError):
        await transport.write("POST", "/assign", verify=broken)
    assert len(script.seen) == 1


async def test_a_rejected_write_is_not_retried(
    server: tuple[Script, str], script: Script, client: httpx.AsyncClient
) -> None:
    script.replies = [Reply(400, b'{"title":"bad technician id"}')]
    transport, _ = make(client, server[1])

    async def landed() -> bool:
        return True

    with pytest.raises(RequestRejectedError, match="bad technician id"):
        await transport.write("POST", "/assign", verify=landed)
    assert len(script.seen) == 1


async def test_logs_name_the_path_template_but_never_values_or_bodies(
    server: tuple[Script, str], script: Script, client: httpx.AsyncClient
) -> None:
    script.replies = [Reply(503), Reply(200, b'{"phone": "+13035550101"}')]
    transport, _ = make(client, server[1])
    with capture_logs() as logs:
        await transport.get(
            "/api/{token}/customers/{id}",
            path_params={"token": "api_SECRET", "id": 42},
            params={"phone": "+13035550101"},
        )
    assert script.seen[-1][1] == "/api/api_SECRET/customers/42"
    lines = [e for e in logs if e["event"] == "http request"]
    assert [(e["status"], e["attempt"]) for e in lines] == [(503, 1), (200, 2)]
    assert all(e["path"] == "/api/{token}/customers/{id}" for e in lines)
    flat = repr(logs)
    assert "api_SECRET" not in flat
    assert "5550101" not in flat
    assert "customers/42" not in flat


async def test_the_limiter_spaces_requests_at_the_configured_rate() -> None:
    now = [0.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(10, burst=2, clock=lambda: now[0], sleep=sleep)
    for _ in range(6):
        await limiter.acquire()
    # two in the burst, then one every 0.1 s
    assert now[0] == pytest.approx(0.4)
    limiter.defer(5)
    await limiter.acquire()
    assert now[0] == pytest.approx(5.4)


def test_a_limiter_refuses_a_rate_that_is_not_positive() -> None:
    with pytest.raises(ValueError, match="rate must be positive"):
        RateLimiter(0)
    assert RateLimiter(60).burst == 60
