"""A loopback fake of ServiceTitan's V2 APIs (jpm, dispatch, settings, crm) and its token endpoint.

Speaks the documented wire format: OAuth2 client credentials at /connect/token, `Authorization:
Bearer` plus `ST-App-Key` on every call, the tenant in the path, `page`/`pageSize`/`hasMore`
envelopes, `modifiedOnOrAfter`, RFC 7807-style error bodies, 429 + Retry-After past 60 req/s.
Stateful, with the knobs in `tests.fakes.knobs`. Imports nothing of ours.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.knobs import Bucket, Faults

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class FakeServiceTitan:
    tenant: str = "1001"
    app_key: str = "ak-test"
    client_id: str = "cid-test"
    client_secret: str = "cs-test"
    webhook_key: str = "k" * 40
    token_lifetime: int = 900
    rate_limit: float | None = 60.0
    faults: Faults = field(default_factory=Faults)
    now: datetime = T0
    jobs: dict[int, dict[str, Any]] = field(default_factory=dict)
    appointments: dict[int, dict[str, Any]] = field(default_factory=dict)
    assignments: dict[int, dict[str, Any]] = field(default_factory=dict)
    technicians: dict[int, dict[str, Any]] = field(default_factory=dict)
    skills: list[dict[str, Any]] = field(default_factory=list)
    customers: dict[int, dict[str, Any]] = field(default_factory=dict)
    locations: dict[int, dict[str, Any]] = field(default_factory=dict)
    job_types: dict[int, dict[str, Any]] = field(default_factory=dict)
    change_after_read: set[int] = field(default_factory=set)
    """Appointment ids a dispatcher moves right after we next read them."""
    requests: list[tuple[str, str]] = field(default_factory=list)
    writes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    tokens: dict[str, datetime] = field(default_factory=dict)
    tokens_issued: int = 0
    _ids: Any = field(default_factory=lambda: itertools.count(900_000))
    _bucket: Bucket = field(init=False)

    def __post_init__(self) -> None:
        self._bucket = Bucket(self.rate_limit)

    # --- state ---------------------------------------------------------------------------------

    def tick(self) -> str:
        self.now += timedelta(seconds=1)
        return iso(self.now)

    def seed(self, *, jobs: int, technicians: int, customers: int | None = None) -> None:
        """A tenant with `jobs` jobs, one appointment each, and `technicians` technicians."""
        names = ["No Heat", "AC Repair", "Drain Cleaning", "Panel Upgrade", "Custom Thing"]
        for i, name in enumerate(names, start=1):
            self.job_types[i] = {"id": i, "name": name, "skills": [], "duration": 3600}
        for t in range(1, technicians + 1):
            self.technicians[t] = {
                "id": t,
                "userId": t,
                "name": f"Tech {t}",
                "active": True,
                "email": f"tech{t}@example.com",
                "phoneNumber": f"555{t:07d}",
                "mainZoneId": 1 + t % 3,
                "team": "HVAC North",
                "home": {
                    "street": f"{t} Elm St",
                    "city": "Austin",
                    "state": "TX",
                    "zip": "78701",
                    "latitude": 30.2 + t / 1000,
                    "longitude": -97.7,
                },
                "modifiedOn": iso(self.now),
                "createdOn": iso(self.now),
            }
            self.skills.append(
                {
                    "id": t,
                    "name": "EPA 608" if t % 2 else "Gas Fitter",
                    "technicianId": t,
                    "active": True,
                }
            )
        n_customers = customers or max(1, jobs // 5)
        for c in range(1, n_customers + 1):
            address = {
                "street": f"{c} Oak Ave",
                "city": "Austin",
                "state": "TX",
                "zip": "78702",
                "country": "USA",
                "latitude": 30.3,
                "longitude": -97.7,
            }
            self.customers[c] = {
                "id": c,
                "name": f"Customer {c}",
                "type": "Residential",
                "active": True,
                "address": address,
                "modifiedOn": iso(self.now),
            }
            self.locations[c] = {
                "id": c,
                "customerId": c,
                "name": "Home",
                "active": True,
                "address": address,
                "zoneId": 1,
                "modifiedOn": iso(self.now),
            }
        for j in range(1, jobs + 1):
            stamp = iso(self.now + timedelta(milliseconds=j))
            job_id, appt_id = 10_000 + j, 50_000 + j
            customer = 1 + j % n_customers
            self.jobs[job_id] = {
                "id": job_id,
                "jobNumber": str(job_id),
                "customerId": customer,
                "locationId": customer,
                "jobStatus": "Scheduled",
                "businessUnitId": 1,
                "jobTypeId": 1 + j % len(names),
                "priority": "Normal",
                "summary": "<p>Unit not heating</p>",
                "appointmentCount": 1,
                "firstAppointmentId": appt_id,
                "lastAppointmentId": appt_id,
                "createdOn": stamp,
                "modifiedOn": stamp,
                "tagTypeIds": [],
                "externalData": [],
            }
            start = self.now + timedelta(days=1, hours=j % 8)
            self.appointments[appt_id] = {
                "id": appt_id,
                "jobId": job_id,
                "appointmentNumber": f"{job_id}-1",
                "start": iso(start),
                "end": iso(start + timedelta(hours=2)),
                "arrivalWindowStart": iso(start),
                "arrivalWindowEnd": iso(start + timedelta(hours=4)),
                "status": "Scheduled",
                "customerId": customer,
                "unused": False,
                "isConfirmed": True,
                "createdOn": stamp,
                "modifiedOn": stamp,
            }
            if technicians and j % 2 == 0:
                self._assign(appt_id, 1 + j % technicians, stamp)

    def _assign(self, appointment_id: int, technician_id: int, stamp: str) -> None:
        for row in self.assignments.values():
            if row["appointmentId"] == appointment_id and row["technicianId"] == technician_id:
                if not row["active"]:
                    row.update(active=True, modifiedOn=stamp)
                return
        row_id = next(self._ids)
        self.assignments[row_id] = {
            "id": row_id,
            "technicianId": technician_id,
            "technicianName": self.technicians.get(technician_id, {}).get("name", "?"),
            "assignedById": 1,
            "assignedOn": stamp,
            "status": "Scheduled",
            "isPaused": False,
            "jobId": self.appointments[appointment_id]["jobId"],
            "appointmentId": appointment_id,
            "modifiedOn": stamp,
            "active": True,
        }

    def technicians_of(self, appointment_id: int) -> list[int]:
        return sorted(
            r["technicianId"]
            for r in self.assignments.values()
            if r["appointmentId"] == appointment_id and r["active"]
        )

    def dispatcher_moves(self, appointment_id: int) -> None:
        """What a dispatcher does in the FSM board: another technician, another hour."""
        stamp = self.tick()
        appointment = self.appointments[appointment_id]
        start = parse_iso(appointment["start"]) + timedelta(hours=1)
        appointment.update(start=iso(start), end=iso(start + timedelta(hours=2)), modifiedOn=stamp)
        other = max(self.technicians) if self.technicians else 1
        self._assign(appointment_id, other, stamp)

    def webhook(
        self,
        event_type: str,
        record_id: int,
        *,
        at: datetime | None = None,
        event_id: str | None = None,
        key: str | None = None,
    ) -> tuple[dict[str, str], bytes]:
        """A signed delivery as ServiceTitan would POST it to us."""
        body = json.dumps(
            {
                "eventId": event_id or secrets.token_hex(8),
                "eventType": event_type,
                "eventTime": iso(at or self.now),
                "tenantId": self.tenant,
                "data": {"id": record_id, "modifiedOn": iso(self.now)},
            }
        ).encode()
        signature = hmac.new((key or self.webhook_key).encode(), body, hashlib.sha256).hexdigest()
        return {"x-servicetitan-signature": signature, "content-type": "application/json"}, body

    # --- HTTP ----------------------------------------------------------------------------------

    @staticmethod
    def problem(status: int, title: str, errors: dict[str, list[str]] | None = None) -> Response:
        return JSONResponse(
            {
                "type": f"https://httpstatuses.io/{status}",
                "title": title,
                "status": status,
                "traceId": secrets.token_hex(8),
                "errors": errors or {},
                "data": {},
            },
            status_code=status,
        )

    async def _token(self, request: Request) -> Response:
        form = await request.form()
        if form.get("grant_type") != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        if (form.get("client_id"), form.get("client_secret")) != (
            self.client_id,
            self.client_secret,
        ):
            return JSONResponse({"error": "invalid_client"}, status_code=400)
        token = secrets.token_urlsafe(16)
        self.tokens[token] = datetime.now(UTC) + timedelta(seconds=self.token_lifetime)
        self.tokens_issued += 1
        return JSONResponse(
            {"access_token": token, "expires_in": self.token_lifetime, "token_type": "Bearer"}
        )

    def revoke_tokens(self) -> None:
        self.tokens.clear()

    async def _gate(self, request: Request) -> tuple[Response | None, str | None]:
        """Auth, tenant, rate limit and the next fault; returns (early reply, fault kind)."""
        self.requests.append((request.method, request.url.path))
        auth = request.headers.get("authorization", "")
        token = auth.removeprefix("Bearer ")
        expires = self.tokens.get(token)
        if not auth.startswith("Bearer ") or expires is None or expires < datetime.now(UTC):
            return self.problem(401, "Unauthorized"), None
        if request.headers.get("st-app-key") != self.app_key:
            return self.problem(401, "Invalid or missing ST-App-Key"), None
        if request.path_params.get("tenant") != self.tenant:
            return self.problem(404, "Tenant not found"), None
        if not self._bucket.take():
            headers = {"Retry-After": "1"}
            return JSONResponse({"title": "Too Many Requests", "status": 429}, 429, headers), None
        fault = self.faults.next()
        if fault == "400":
            return self.problem(400, "Validation failed", {"request": ["injected"]}), None
        if fault in ("500", "503"):
            return self.problem(int(fault), "Injected failure"), None
        if fault == "429":
            headers = {"Retry-After": self.faults.retry_after} if self.faults.retry_after else {}
            return JSONResponse({"title": "Too Many Requests", "status": 429}, 429, headers), None
        if fault == "timeout":
            await self.faults.slow()
        return None, fault

    async def _after(self, fault: str | None, reply: Response) -> Response:
        if fault == "malformed":
            return Response(b'{"page": 1, "data": [{"id": ', media_type="application/json")
        if fault == "500-after":
            return self.problem(500, "Injected failure after the change was applied")
        if fault == "timeout-after":
            await self.faults.slow()
        return reply

    def _page(self, request: Request, rows: list[dict[str, Any]]) -> Response:
        q = request.query_params
        try:
            page = int(q.get("page", "1"))
            size = int(q.get("pageSize", "50"))
        except ValueError:
            return self.problem(400, "Validation failed", {"page": ["must be an integer"]})
        if page < 1 or not 1 <= size <= 5000:
            return self.problem(400, "Validation failed", {"pageSize": ["1..5000"]})
        since = q.get("modifiedOnOrAfter")
        if since:
            cutoff = parse_iso(since)
            rows = [r for r in rows if parse_iso(r["modifiedOn"]) >= cutoff]
        if q.get("ids"):
            wanted = {int(x) for x in q["ids"].split(",")}
            rows = [r for r in rows if r["id"] in wanted]
        rows = sorted(rows, key=lambda r: r["id"])
        chunk = rows[(page - 1) * size : page * size]
        return JSONResponse(
            {
                "page": page,
                "pageSize": size,
                "hasMore": page * size < len(rows),
                "totalCount": len(rows) if q.get("includeTotal") == "true" else None,
                "data": chunk,
            }
        )

    def _listing(self, name: str) -> Any:
        async def handler(request: Request) -> Response:
            early, fault = await self._gate(request)
            if early:
                return early
            rows = list(getattr(self, name).values()) if name != "skills" else list(self.skills)
            if name == "assignments":
                q = request.query_params
                if q.get("appointmentIds"):
                    wanted = {int(x) for x in q["appointmentIds"].split(",")}
                    rows = [r for r in rows if r["appointmentId"] in wanted]
                active = q.get("active", "True")
                if active != "Any":
                    rows = [r for r in rows if r["active"] == (active == "True")]
            return await self._after(fault, self._page(request, rows))

        return handler

    def _single(self, name: str) -> Any:
        async def handler(request: Request) -> Response:
            early, fault = await self._gate(request)
            if early:
                return early
            rows = getattr(self, name)
            try:
                row = rows[int(request.path_params["id"])]
            except (KeyError, ValueError):
                return self.problem(404, f"{name[:-1].capitalize()} not found")
            reply = JSONResponse(row)
            if name == "appointments" and row["id"] in self.change_after_read:
                self.change_after_read.discard(row["id"])
                self.dispatcher_moves(row["id"])
            return await self._after(fault, reply)

        return handler

    async def _assign_route(self, request: Request) -> Response:
        early, fault = await self._gate(request)
        if early:
            return early
        body = await request.json()
        appointment_id = body.get("jobAppointmentId")
        technician_ids = body.get("technicianIds")
        if not isinstance(appointment_id, int) or not isinstance(technician_ids, list):
            return self.problem(400, "Validation failed", {"jobAppointmentId": ["required"]})
        if appointment_id not in self.appointments:
            return self.problem(404, "Appointment not found")
        unknown = [t for t in technician_ids if t not in self.technicians]
        if unknown:
            return self.problem(400, "Validation failed", {"technicianIds": ["unknown technician"]})
        appointment = self.appointments[appointment_id]
        if appointment["status"] in ("Done", "Canceled"):
            return self.problem(409, "Appointment is closed")
        unassign = request.url.path.endswith("unassign-technicians")
        self.writes.append((request.url.path.rsplit("/", 1)[-1], body))
        stamp = self.tick()
        for technician_id in technician_ids:
            if unassign:
                for row in self.assignments.values():
                    if (
                        row["appointmentId"] == appointment_id
                        and row["technicianId"] == technician_id
                        and row["active"]
                    ):
                        row.update(active=False, modifiedOn=stamp)
            else:
                self._assign(appointment_id, technician_id, stamp)
        return await self._after(fault, JSONResponse(appointment))

    async def _reschedule(self, request: Request) -> Response:
        early, fault = await self._gate(request)
        if early:
            return early
        try:
            appointment = self.appointments[int(request.path_params["id"])]
        except (KeyError, ValueError):
            return self.problem(404, "Appointment not found")
        body = await request.json()
        try:
            start, end = parse_iso(body["start"]), parse_iso(body["end"])
        except (KeyError, ValueError, TypeError):
            return self.problem(400, "Validation failed", {"start": ["required date-time"]})
        if end <= start:
            return self.problem(400, "Validation failed", {"end": ["must be after start"]})
        self.writes.append(("reschedule", body))
        update = {"start": iso(start), "end": iso(end), "modifiedOn": self.tick()}
        if body.get("arrivalWindowStart") and body.get("arrivalWindowEnd"):
            update["arrivalWindowStart"] = body["arrivalWindowStart"]
            update["arrivalWindowEnd"] = body["arrivalWindowEnd"]
        appointment.update(update)
        return await self._after(fault, JSONResponse(appointment))

    def app(self) -> Starlette:
        jpm, dispatch = "/jpm/v2/tenant/{tenant}", "/dispatch/v2/tenant/{tenant}"
        settings, crm = "/settings/v2/tenant/{tenant}", "/crm/v2/tenant/{tenant}"
        return Starlette(
            routes=[
                Route("/connect/token", self._token, methods=["POST"]),
                Route(f"{jpm}/jobs", self._listing("jobs")),
                Route(f"{jpm}/jobs/{{id}}", self._single("jobs")),
                Route(f"{jpm}/job-types", self._listing("job_types")),
                Route(f"{jpm}/appointments", self._listing("appointments")),
                Route(f"{jpm}/appointments/{{id}}", self._single("appointments")),
                Route(f"{jpm}/appointments/{{id}}/reschedule", self._reschedule, methods=["PATCH"]),
                Route(f"{dispatch}/appointment-assignments", self._listing("assignments")),
                Route(
                    f"{dispatch}/appointment-assignments/assign-technicians",
                    self._assign_route,
                    methods=["POST"],
                ),
                Route(
                    f"{dispatch}/appointment-assignments/unassign-technicians",
                    self._assign_route,
                    methods=["POST"],
                ),
                Route(f"{dispatch}/technician-skills", self._listing("skills")),
                Route(f"{settings}/technicians", self._listing("technicians")),
                Route(f"{crm}/customers", self._listing("customers")),
                Route(f"{crm}/locations", self._listing("locations")),
                Route(f"{crm}/customers/{{id}}", self._single("customers")),
                Route(f"{crm}/locations/{{id}}", self._single("locations")),
            ]
        )
