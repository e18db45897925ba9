"""ServiceTitan's wire format: URLs, OAuth2 client credentials, ST-App-Key, paging, errors.

Paths and fields are from the vendor's OpenAPI files (tenant-jpm-v2, tenant-dispatch-v2,
tenant-settings-v2, tenant-crm-v2; May 2025). Every module is versioned in the path and takes
the tenant id: `/{module}/v2/tenant/{tenant}/…`. Lists take `page` (1-based) and `pageSize` and
answer `{page, pageSize, hasMore, data[]}`; `modifiedOnOrAfter` filters by modification time.
The documented rate limit is 60 requests/s per app per tenant (vendor help centre, via the
reference notes); errors are RFC 7807-style `{type, title, status, traceId, errors}`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

from connectors.errors import MalformedResponseError, NotFoundError
from connectors.http import ClientCredentials, Page, Paginator, RateLimiter, RetryParams, Transport
from connectors.servicetitan import models as st
from connectors.validation import parse_model

__all__ = ["RATE_LIMIT_PER_SECOND", "ServiceTitanClient"]

RATE_LIMIT_PER_SECOND = 60.0
MAX_IDS = 50  # `ids` / `appointmentIds` filters take at most 50 ids (spec parameter docs)

M = TypeVar("M", bound=BaseModel)

JOBS = "/jpm/v2/tenant/{tenant}/jobs"
JOB = "/jpm/v2/tenant/{tenant}/jobs/{id}"
JOB_TYPES = "/jpm/v2/tenant/{tenant}/job-types"
APPOINTMENTS = "/jpm/v2/tenant/{tenant}/appointments"
APPOINTMENT = "/jpm/v2/tenant/{tenant}/appointments/{id}"
RESCHEDULE = "/jpm/v2/tenant/{tenant}/appointments/{id}/reschedule"
ASSIGNMENTS = "/dispatch/v2/tenant/{tenant}/appointment-assignments"
ASSIGN = "/dispatch/v2/tenant/{tenant}/appointment-assignments/assign-technicians"
UNASSIGN = "/dispatch/v2/tenant/{tenant}/appointment-assignments/unassign-technicians"
TECHNICIAN_SKILLS = "/dispatch/v2/tenant/{tenant}/technician-skills"
TECHNICIANS = "/settings/v2/tenant/{tenant}/technicians"
CUSTOMERS = "/crm/v2/tenant/{tenant}/customers"
LOCATIONS = "/crm/v2/tenant/{tenant}/locations"
CUSTOMER = "/crm/v2/tenant/{tenant}/customers/{id}"
LOCATION = "/crm/v2/tenant/{tenant}/locations/{id}"


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _describe(body: Any) -> str | None:
    if isinstance(body, dict):
        title = body.get("title")
        fields = body.get("errors")
        if isinstance(fields, dict) and fields:
            # field names only: validation messages may quote the values we sent
            return f"{title or 'rejected'} ({', '.join(sorted(map(str, fields)))})"
        return str(title) if title else None
    return None


class ServiceTitanClient:
    """One tenant of ServiceTitan, through one app.

    Args:
        http: Shared async client.
        tenant: Tenant id (goes in every path).
        app_key: The app's `ST-App-Key`.
        client_id, client_secret: The tenant's client-credentials pair.
        base_url: `https://api.servicetitan.io` (integration: `https://api-integration…`).
        token_url: `https://auth.servicetitan.io/connect/token`.
        rate_per_second: Client-side limit; the vendor allows 60/s per app per tenant.
        page_size: 1–5000 per the partner docs.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        tenant: str,
        app_key: str,
        client_id: str,
        client_secret: str,
        base_url: str = "https://api.servicetitan.io",
        token_url: str = "https://auth.servicetitan.io/connect/token",
        timeout: float = 30.0,
        rate_per_second: float = RATE_LIMIT_PER_SECOND,
        retry: RetryParams | None = None,
        page_size: int = 500,
    ) -> None:
        if not tenant:
            raise ValueError("tenant is required")
        if not app_key:
            raise ValueError("app_key is required")
        if not 1 <= page_size <= 5000:
            raise ValueError(f"page_size must be within 1..5000; got {page_size}")
        self.tenant = tenant
        self.page_size = page_size
        self.auth = ClientCredentials(
            http,
            token_url=token_url,
            client_id=client_id,
            client_secret=client_secret,
            extra_headers={"ST-App-Key": app_key},
            timeout=timeout,
        )
        self.transport = Transport(
            http,
            vendor="servicetitan",
            base_url=base_url,
            auth=self.auth,
            limiter=RateLimiter(rate_per_second),
            retry=retry,
            timeout=timeout,
            describe_error=_describe,
        )

    # --- listings ------------------------------------------------------------------------------

    def _list(
        self, path: str, model: type[M], params: dict[str, Any], what: str
    ) -> AsyncIterator[Sequence[M]]:
        async def fetch(page: int) -> Page[int]:
            body = await self.transport.get(
                path,
                path_params={"tenant": self.tenant},
                params={**params, "page": page, "pageSize": self.page_size},
            )
            if not isinstance(body, dict) or not isinstance(body.get("data"), list):
                raise MalformedResponseError(f"{what}: a list answer needs a `data` array")
            items = [parse_model(model, item, what) for item in body["data"]]
            # Next token from the page the server says it served, so a server stuck on one
            # page is caught by the paginator instead of looping.
            served = body.get("page", page)
            return Page(items, int(served) + 1 if body.get("hasMore") else None)

        return _typed(Paginator(fetch, 1, what=what).pages())

    def fetch_jobs(self, modified_since: datetime | None) -> AsyncIterator[Sequence[st.Job]]:
        params = {"modifiedOnOrAfter": rfc3339(modified_since) if modified_since else None}
        return self._list(JOBS, st.Job, params, "jobs")

    def fetch_appointments(
        self, modified_since: datetime | None = None, *, ids: Iterable[int] = ()
    ) -> AsyncIterator[Sequence[st.Appointment]]:
        params: dict[str, Any] = {
            "modifiedOnOrAfter": rfc3339(modified_since) if modified_since else None,
            "ids": _ids(ids),
        }
        return self._list(APPOINTMENTS, st.Appointment, params, "appointments")

    def fetch_assignments(
        self,
        *,
        appointment_ids: Iterable[int] = (),
        modified_since: datetime | None = None,
        active: str = "True",
    ) -> AsyncIterator[Sequence[st.Assignment]]:
        params = {
            "appointmentIds": _ids(appointment_ids),
            "modifiedOnOrAfter": rfc3339(modified_since) if modified_since else None,
            "active": active,
        }
        return self._list(ASSIGNMENTS, st.Assignment, params, "appointment-assignments")

    def fetch_technicians(self) -> AsyncIterator[Sequence[st.Technician]]:
        return self._list(TECHNICIANS, st.Technician, {}, "technicians")

    def fetch_customers(
        self, modified_since: datetime | None
    ) -> AsyncIterator[Sequence[st.Customer]]:
        # tenant-crm-v2.json: GET /tenant/{tenant}/customers takes modifiedOnOrAfter and paging.
        params = {"modifiedOnOrAfter": rfc3339(modified_since) if modified_since else None}
        return self._list(CUSTOMERS, st.Customer, params, "customers")

    def fetch_locations(
        self, modified_since: datetime | None
    ) -> AsyncIterator[Sequence[st.Location]]:
        # tenant-crm-v2.json: GET /tenant/{tenant}/locations, same filters.
        params = {"modifiedOnOrAfter": rfc3339(modified_since) if modified_since else None}
        return self._list(LOCATIONS, st.Location, params, "locations")

    async def fetch_technician_skills(self) -> list[st.TechnicianSkill]:
        """All skill rows; empty when the tenant's API predates the endpoint (404)."""
        out: list[st.TechnicianSkill] = []
        try:
            async for page in self._list(
                TECHNICIAN_SKILLS, st.TechnicianSkill, {"active": "True"}, "technician-skills"
            ):
                out.extend(page)
        except NotFoundError:
            return []
        return out

    async def fetch_job_types(self) -> list[st.JobType]:
        out: list[st.JobType] = []
        async for page in self._list(JOB_TYPES, st.JobType, {}, "job-types"):
            out.extend(page)
        return out

    async def fetch_assignments_of(self, appointment_ids: Sequence[int]) -> list[st.Assignment]:
        """Every assignment row (active or not) of the given appointments, 50 ids per request.

        Inactive rows are kept: their modifiedOn tells when a technician was unassigned.
        """
        out: list[st.Assignment] = []
        for start in range(0, len(appointment_ids), MAX_IDS):
            chunk = appointment_ids[start : start + MAX_IDS]
            async for page in self.fetch_assignments(appointment_ids=chunk, active="Any"):
                out.extend(page)
        return out

    # --- single records ------------------------------------------------------------------------

    async def _one(self, path: str, model: type[M], record_id: int | str, what: str) -> M:
        body = await self.transport.get(path, path_params={"tenant": self.tenant, "id": record_id})
        return parse_model(model, body, what)

    async def get_job(self, job_id: int | str) -> st.Job:
        return await self._one(JOB, st.Job, job_id, "job")

    async def get_appointment(self, appointment_id: int | str) -> st.Appointment:
        return await self._one(APPOINTMENT, st.Appointment, appointment_id, "appointment")

    async def get_customer(self, customer_id: int | str) -> st.Customer:
        return await self._one(CUSTOMER, st.Customer, customer_id, "customer")

    async def get_location(self, location_id: int | str) -> st.Location:
        return await self._one(LOCATION, st.Location, location_id, "location")

    # --- writes --------------------------------------------------------------------------------

    async def assign_technicians(
        self, appointment_id: int, technician_ids: Sequence[int], *, verify: Verify
    ) -> None:
        """`POST …/appointment-assignments/assign-technicians` {jobAppointmentId, technicianIds}."""
        await self.transport.write(
            "POST",
            ASSIGN,
            path_params={"tenant": self.tenant},
            json_body={"jobAppointmentId": appointment_id, "technicianIds": list(technician_ids)},
            verify=verify,
        )

    async def unassign_technicians(
        self, appointment_id: int, technician_ids: Sequence[int], *, verify: Verify
    ) -> None:
        await self.transport.write(
            "POST",
            UNASSIGN,
            path_params={"tenant": self.tenant},
            json_body={"jobAppointmentId": appointment_id, "technicianIds": list(technician_ids)},
            verify=verify,
        )

    async def reschedule(
        self,
        appointment_id: int,
        *,
        start: datetime,
        end: datetime,
        arrival_start: datetime | None,
        arrival_end: datetime | None,
        verify: Verify,
    ) -> None:
        """`PATCH …/appointments/{id}/reschedule` (Jpm.V2.AppointmentRescheduleRequest)."""
        body: dict[str, Any] = {"start": rfc3339(start), "end": rfc3339(end)}
        if arrival_start is not None and arrival_end is not None:
            body["arrivalWindowStart"] = rfc3339(arrival_start)
            body["arrivalWindowEnd"] = rfc3339(arrival_end)
        await self.transport.write(
            "PATCH",
            RESCHEDULE,
            path_params={"tenant": self.tenant, "id": appointment_id},
            json_body=body,
            verify=verify,
        )


Verify = Callable[[], Awaitable[bool]]


def _ids(ids: Iterable[int]) -> str | None:
    chosen = [str(i) for i in ids]
    if len(chosen) > MAX_IDS:
        raise ValueError(f"at most {MAX_IDS} ids per request; got {len(chosen)}")
    return ",".join(chosen) or None


async def _typed(pages: AsyncIterator[Sequence[Any]]) -> AsyncIterator[Sequence[Any]]:
    async for page in pages:
        yield page
