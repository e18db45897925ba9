"""Workiz's wire format: token in the path, `auth_secret` in write bodies, offset paging.

No official document exists; paths and fields follow the SDKs and integrator code that agree
with each other (reference §2: BeelineRoutes/workiz, the workiz PyPI wrapper, forward-force/
workiz) and the unofficial OpenAPI sketch (specs/unofficial/workiz-openapi.yml, operations marked
`confirmed`). Base `https://api.workiz.com/api/v1/{API_TOKEN}/`, trailing slashes. Lists take
`offset` and `records` (≤100) and answer `{flag, data[], has_more}`; `offset` is read as a
record offset (one SDK treats it as a page index; reference §2.3 leaves it open). Errors are
`{flag: false, error: true, code, msg, details}`. The rate limit is unpublished; integrators see
429 after about 30 rapid calls, so we stay at 5 requests/s.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import date
from typing import Any

import httpx

from connectors.errors import MalformedResponseError, NotFoundError
from connectors.http import Page, Paginator, RateLimiter, RetryParams, Transport
from connectors.validation import parse_model
from connectors.workiz import models as wz

__all__ = ["RATE_LIMIT_PER_SECOND", "WorkizClient"]

RATE_LIMIT_PER_SECOND = 5.0
MAX_RECORDS = 100

JOBS = "/{token}/job/all/"
JOB = "/{token}/job/get/{uuid}/"
JOB_UPDATE = "/{token}/job/update/"
JOB_ASSIGN = "/{token}/job/assign/"
JOB_UNASSIGN = "/{token}/job/unassign/"
TEAM = "/{token}/team/all/"

Verify = Callable[[], Awaitable[bool]]


def _describe(body: Any) -> str | None:
    if isinstance(body, dict):
        msg = body.get("msg") or body.get("message")
        code = body.get("code")
        if msg:
            return f"{msg} (code {code})" if code is not None else str(msg)
    return None


def _data(body: Any, what: str) -> list[Any]:
    if isinstance(body, list):
        return body
    if isinstance(body, dict):
        if body.get("flag") is False or body.get("error") is True:
            raise MalformedResponseError(f"{what}: Workiz answered 2xx with an error flag")
        data = body.get("data")
        if isinstance(data, list):
            return data
        if isinstance(data, dict):
            return [data]
    raise MalformedResponseError(f"{what}: expected a `data` array")


class WorkizClient:
    """One Workiz account.

    Args:
        http: Shared async client.
        api_token: The `api_…` token (goes in the path; never logged).
        api_secret: The `sec_…` secret (sent as `auth_secret` in every POST body).
        base_url: `https://api.workiz.com/api/v1`.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        api_token: str,
        api_secret: str,
        base_url: str = "https://api.workiz.com/api/v1",
        timeout: float = 30.0,
        rate_per_second: float = RATE_LIMIT_PER_SECOND,
        retry: RetryParams | None = None,
        page_size: int = MAX_RECORDS,
    ) -> None:
        if not api_token or not api_secret:
            raise ValueError("api_token and api_secret are required")
        if not 1 <= page_size <= MAX_RECORDS:
            raise ValueError(f"page_size must be within 1..{MAX_RECORDS}; got {page_size}")
        self._token = api_token
        self._secret = api_secret
        self.page_size = page_size
        self.transport = Transport(
            http,
            vendor="workiz",
            base_url=base_url,
            limiter=RateLimiter(rate_per_second, burst=10),
            retry=retry,
            timeout=timeout,
            describe_error=_describe,
        )

    def fetch_jobs(self, start_date: date) -> AsyncIterator[Sequence[wz.Job]]:
        """Jobs scheduled on or after `start_date`, newest first (Workiz has no modified-since)."""

        async def fetch(offset: int) -> Page[int]:
            body = await self.transport.get(
                JOBS,
                path_params={"token": self._token},
                params={
                    "start_date": start_date.isoformat(),
                    "offset": offset,
                    "records": self.page_size,
                },
            )
            items = [parse_model(wz.Job, item, "jobs") for item in _data(body, "jobs")]
            more = bool(body.get("has_more")) if isinstance(body, dict) else False
            return Page(items, offset + len(items) if more else None)

        return Paginator(fetch, 0, what="workiz jobs").pages()

    async def get_job(self, uuid: str) -> wz.Job:
        body = await self.transport.get(JOB, path_params={"token": self._token, "uuid": uuid})
        rows = _data(body, "job")
        if not rows:
            raise NotFoundError(f"workiz job {uuid} not found")
        return parse_model(wz.Job, rows[0], "job")

    async def fetch_team(self) -> list[wz.TeamMember]:
        body = await self.transport.get(TEAM, path_params={"token": self._token})
        return [parse_model(wz.TeamMember, item, "team") for item in _data(body, "team")]

    async def _post(self, path: str, body: dict[str, Any], verify: Verify) -> None:
        await self.transport.write(
            "POST",
            path,
            path_params={"token": self._token},
            json_body={"auth_secret": self._secret, **body},
            verify=verify,
        )

    async def update_job(self, uuid: str, fields: dict[str, Any], *, verify: Verify) -> None:
        """`POST job/update/` — a partial update by UUID."""
        await self._post(JOB_UPDATE, {"UUID": uuid, **fields}, verify)

    async def assign(self, uuid: str, user_name: str, *, verify: Verify) -> None:
        """`POST job/assign/` — Workiz assigns by the user's full name, one per call."""
        await self._post(JOB_ASSIGN, {"UUID": uuid, "User": user_name}, verify)

    async def unassign(self, uuid: str, user_name: str, *, verify: Verify) -> None:
        await self._post(JOB_UNASSIGN, {"UUID": uuid, "User": user_name}, verify)
