"""Housecall Pro's wire format: `Authorization: Token <key>`, page/page_size paging, errors.

Paths and fields are from the vendor's OpenAPI document (specs/housecallpro/housecall_v1.yaml,
"Housecall v1 API"). Lists answer `{page, page_size, total_pages, total_items, <resource>[]}`.
No updated-since filter exists: jobs are read `sort_by=updated_at&sort_direction=desc` until
they are older than the cursor. Errors are `{"error": {"message"}}`, `{"message"}` on 401, and
422 `{"errors": {field: [...]}}`. Rate limits are unpublished; we stay at 5 requests/s.
A Company API key can change appointments (`PUT /jobs/{job_id}/appointments/{id}`) but not
`/jobs/{id}/dispatch` or `/jobs/{id}/schedule`, which need an Application key (spec `security`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from connectors.errors import MalformedResponseError
from connectors.housecallpro import models as hcp
from connectors.http import HeaderAuth, Page, Paginator, RateLimiter, RetryParams, Transport
from connectors.validation import parse_model

__all__ = ["RATE_LIMIT_PER_SECOND", "HousecallProClient"]

RATE_LIMIT_PER_SECOND = 5.0

JOBS = "/jobs"
JOB = "/jobs/{job_id}"
APPOINTMENTS = "/jobs/{job_id}/appointments"
APPOINTMENT = "/jobs/{job_id}/appointments/{appointment_id}"
DISPATCH = "/jobs/{job_id}/dispatch"
SCHEDULE = "/jobs/{job_id}/schedule"
EMPLOYEES = "/employees"
CUSTOMER = "/customers/{customer_id}"
ADDRESS = "/customers/{customer_id}/addresses/{address_id}"

Verify = Callable[[], Awaitable[bool]]


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _describe(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])
    if isinstance(body.get("errors"), dict):
        return "invalid fields: " + ", ".join(sorted(map(str, body["errors"])))
    message = body.get("message")
    return str(message) if message else None


class HousecallProClient:
    """One Housecall Pro company.

    Args:
        http: Shared async client.
        api_key: Company or Application API key (`Authorization: Token <key>`).
        base_url: `https://api.housecallpro.com`.
        company_id: Sent as `X-Company-Id` for multi-location accounts.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        api_key: str,
        base_url: str = "https://api.housecallpro.com",
        company_id: str | None = None,
        timeout: float = 30.0,
        rate_per_second: float = RATE_LIMIT_PER_SECOND,
        retry: RetryParams | None = None,
        page_size: int = 100,
    ) -> None:
        if not api_key:
            raise ValueError("api_key is required")
        if not 1 <= page_size <= 200:
            raise ValueError(f"page_size must be within 1..200; got {page_size}")
        headers = {"Authorization": f"Token {api_key}"}
        if company_id:
            headers["X-Company-Id"] = company_id
        self.page_size = page_size
        self.transport = Transport(
            http,
            vendor="housecallpro",
            base_url=base_url,
            auth=HeaderAuth(headers),
            limiter=RateLimiter(rate_per_second, burst=10),
            retry=retry,
            timeout=timeout,
            describe_error=_describe,
        )

    def _list(
        self, path: str, key: str, model: type[Any], params: dict[str, Any]
    ) -> AsyncIterator[Sequence[Any]]:
        async def fetch(page: int) -> Page[int]:
            body = await self.transport.get(
                path, params={**params, "page": page, "page_size": self.page_size}
            )
            if not isinstance(body, dict) or not isinstance(body.get(key), list):
                raise MalformedResponseError(f"{key}: a list answer needs a `{key}` array")
            items = [parse_model(model, item, key) for item in body[key]]
            served = int(body.get("page") or page)
            total = int(body.get("total_pages") or 0)
            return Page(items, served + 1 if served < total else None)

        return Paginator(fetch, 1, what=f"housecallpro {key}").pages()

    async def fetch_jobs(self, modified_since: datetime | None) -> AsyncIterator[Sequence[hcp.Job]]:
        """Jobs, most recently updated first, stopping below `modified_since`."""
        params = {"sort_by": "updated_at", "sort_direction": "desc", "expand[]": ["appointments"]}
        async for page in self._list(JOBS, "jobs", hcp.Job, params):
            if modified_since is None:
                yield page
                continue
            fresh = [j for j in page if j.updated_at is None or j.updated_at >= modified_since]
            if fresh:
                yield fresh
            if len(fresh) < len(page):
                return  # sorted by updated_at: the rest is older than the cursor

    def fetch_employees(self) -> AsyncIterator[Sequence[hcp.Employee]]:
        return self._list(EMPLOYEES, "employees", hcp.Employee, {})

    async def get_job(self, job_id: str) -> hcp.Job:
        body = await self.transport.get(
            JOB, path_params={"job_id": job_id}, params={"expand[]": ["appointments"]}
        )
        return parse_model(hcp.Job, body, "job")

    async def get_appointments(self, job_id: str) -> list[hcp.Appointment]:
        body = await self.transport.get(APPOINTMENTS, path_params={"job_id": job_id})
        rows = body.get("appointments") if isinstance(body, dict) else None
        if not isinstance(rows, list):
            raise MalformedResponseError("appointments: expected an `appointments` array")
        return [parse_model(hcp.Appointment, row, "appointment") for row in rows]

    async def get_customer(self, customer_id: str) -> hcp.Customer:
        body = await self.transport.get(CUSTOMER, path_params={"customer_id": customer_id})
        return parse_model(hcp.Customer, body, "customer")

    async def get_address(self, customer_id: str, address_id: str) -> hcp.Address:
        body = await self.transport.get(
            ADDRESS, path_params={"customer_id": customer_id, "address_id": address_id}
        )
        return parse_model(hcp.Address, body, "address")

    async def update_appointment(
        self,
        job_id: str,
        appointment_id: str,
        *,
        start: datetime,
        end: datetime,
        arrival_window_minutes: int | None,
        employee_ids: Sequence[str],
        verify: Verify,
    ) -> None:
        """`PUT /jobs/{job_id}/appointments/{appointment_id}` (schema CreateAppointment)."""
        body: dict[str, Any] = {
            "start_time": iso(start),
            "end_time": iso(end),
            "dispatched_employees_ids": list(employee_ids),
        }
        if arrival_window_minutes is not None:
            body["arrival_window_minutes"] = arrival_window_minutes
        await self.transport.write(
            "PUT",
            APPOINTMENT,
            path_params={"job_id": job_id, "appointment_id": appointment_id},
            json_body=body,
            verify=verify,
        )

    async def dispatch(self, job_id: str, employee_ids: Sequence[str], *, verify: Verify) -> None:
        """`PUT /jobs/{job_id}/dispatch` {dispatched_employees: [{employee_id}]}."""
        await self.transport.write(
            "PUT",
            DISPATCH,
            path_params={"job_id": job_id},
            json_body={"dispatched_employees": [{"employee_id": e} for e in employee_ids]},
            verify=verify,
        )

    async def schedule(
        self,
        job_id: str,
        *,
        start: datetime,
        end: datetime,
        arrival_window_minutes: int | None,
        verify: Verify,
    ) -> None:
        """`PUT /jobs/{job_id}/schedule` (single-visit jobs; customers are not notified)."""
        body: dict[str, Any] = {
            "start_time": iso(start),
            "end_time": iso(end),
            "notify": False,
            "notify_pro": True,
        }
        if arrival_window_minutes is not None:
            body["arrival_window_in_minutes"] = arrival_window_minutes
        await self.transport.write(
            "PUT", SCHEDULE, path_params={"job_id": job_id}, json_body=body, verify=verify
        )
