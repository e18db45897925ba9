"""A loopback fake of the Housecall Pro v1 API, stateful, with the knobs in `tests.fakes.knobs`.

`Authorization: Token <key>`, `{page, page_size, total_pages, total_items, <resource>[]}`
envelopes, `sort_by=updated_at`, `expand[]=appointments`, errors as `{"error": {"message"}}`
(401 `{"message": "Unauthorized"}`). Imports nothing of ours.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import time
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


@dataclass
class FakeHousecallPro:
    api_key: str = "hcp-key"
    webhook_secret: str = "whsec-hcp"
    rate_limit: float | None = 30.0
    faults: Faults = field(default_factory=Faults)
    now: datetime = T0
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    employees: dict[str, dict[str, Any]] = field(default_factory=dict)
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    change_after_read: set[str] = field(default_factory=set)
    requests: list[tuple[str, str]] = field(default_factory=list)
    writes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    _bucket: Bucket = field(init=False)

    def __post_init__(self) -> None:
        self._bucket = Bucket(self.rate_limit)

    def tick(self) -> str:
        self.now += timedelta(seconds=1)
        return iso(self.now)

    def seed(self, *, jobs: int, technicians: int) -> None:
        for t in range(1, technicians + 1):
            self.employees[f"pro_{t:04d}"] = {
                "id": f"pro_{t:04d}",
                "first_name": "Tech",
                "last_name": str(t),
                "email": f"t{t}@example.com",
                "mobile_number": "5555550101",
                "role": "field tech",
                "tags": ["HVAC", "EPA 608"] if t % 2 else ["Plumbing"],
            }
        types = ["Maintenance", "AC Repair", "Drain Cleaning", "Odd Job"]
        for j in range(1, jobs + 1):
            cus, adr = f"cus_{j % 9:04d}", f"adr_{j % 9:04d}"
            self.customers.setdefault(
                cus,
                {
                    "id": cus,
                    "first_name": "Jaime",
                    "last_name": f"C{j % 9}",
                    "mobile_number": "5555550199",
                    "email": f"c{j}@example.com",
                    "tags": [],
                    "addresses": [
                        {
                            "id": adr,
                            "type": "service",
                            "street": f"{j} Carlton Road",
                            "city": "West Babylon",
                            "state": "NY",
                            "zip": "11704",
                        }
                    ],
                    "updated_at": iso(self.now),
                },
            )
            start = self.now + timedelta(days=1, hours=j % 8)
            pros = [f"pro_{1 + j % technicians:04d}"] if technicians and j % 2 == 0 else []
            self.jobs[f"job_{j:05d}"] = {
                "id": f"job_{j:05d}",
                "invoice_number": str(3000 + j),
                "description": "Tune-up",
                "customer": {"id": cus, "first_name": "Jaime"},
                "address": {
                    "id": adr,
                    "type": "service",
                    "street": f"{j} Carlton Road",
                    "city": "West Babylon",
                    "state": "NY",
                    "zip": "11704",
                },
                "work_status": "scheduled",
                "work_timestamps": {"on_my_way_at": None, "started_at": None, "completed_at": None},
                "schedule": {
                    "scheduled_start": iso(start),
                    "scheduled_end": iso(start + timedelta(hours=2)),
                    "arrival_window": 120,
                    "appointments": [
                        {
                            "id": f"appt_{j:05d}",
                            "start_time": iso(start),
                            "end_time": iso(start + timedelta(hours=2)),
                            "arrival_window_minutes": 120,
                            "dispatched_employees_ids": pros,
                            "anytime": False,
                        }
                    ],
                },
                "assigned_employees": [{"id": p} for p in pros],
                "tags": [],
                "job_fields": {
                    "job_type": {"id": f"jbt_{j % 4}", "name": types[j % 4]},
                    "business_unit": None,
                },
                "created_at": iso(self.now),
                "updated_at": iso(self.now + timedelta(seconds=j)),
                "canceled_at": None,
                "deleted_at": None,
            }
        self.now += timedelta(seconds=jobs)  # later changes are newer than every seeded job

    def visit(self, job_id: str) -> dict[str, Any]:
        return self.jobs[job_id]["schedule"]["appointments"][0]

    def touch(self, job_id: str) -> None:
        self.jobs[job_id]["description"] = "Customer called again"
        self.jobs[job_id]["updated_at"] = self.tick()

    def dispatcher_moves(self, job_id: str) -> None:
        visit = self.visit(job_id)
        start = datetime.fromisoformat(visit["start_time"].replace("Z", "+00:00")) + timedelta(
            hours=1
        )
        visit.update(start_time=iso(start), end_time=iso(start + timedelta(hours=2)))
        last = max(self.employees)
        if last not in visit["dispatched_employees_ids"]:
            visit["dispatched_employees_ids"].append(last)
        self.jobs[job_id]["updated_at"] = self.tick()

    def webhook(
        self, job_id: str, *, at: float | None = None, secret: str | None = None
    ) -> tuple[dict[str, str], bytes]:
        body = json.dumps(
            {"event": "job.updated", "company_id": "co_1", "job": self.jobs[job_id]}
        ).encode()
        stamp = str(int(at if at is not None else time.time()))
        digest = hmac.new(
            (secret or self.webhook_secret).encode(), f"{stamp}.".encode() + body, hashlib.sha256
        )
        return {
            "api-timestamp": stamp,
            "api-signature": digest.hexdigest(),
            "content-type": "application/json",
        }, body

    # --- HTTP ----------------------------------------------------------------------------------

    @staticmethod
    def error(status: int, message: str) -> Response:
        return JSONResponse({"error": {"message": message}}, status_code=status)

    async def _gate(self, request: Request) -> tuple[Response | None, str | None]:
        self.requests.append((request.method, request.url.path))
        if request.headers.get("authorization") != f"Token {self.api_key}":
            return JSONResponse({"message": "Unauthorized"}, status_code=401), None
        if not self._bucket.take():
            return self.error(429, "Too many requests"), None
        fault = self.faults.next()
        if fault == "400":
            return self.error(400, "Injected bad request"), None
        if fault in ("500", "503"):
            return self.error(int(fault), "Injected failure"), None
        if fault == "429":
            headers = {"Retry-After": self.faults.retry_after} if self.faults.retry_after else {}
            return JSONResponse({"error": {"message": "Too many requests"}}, 429, headers), None
        if fault == "timeout":
            await self.faults.slow()
        return None, fault

    async def _after(self, fault: str | None, reply: Response) -> Response:
        if fault == "malformed":
            return Response(b'{"jobs": [{"id": ', media_type="application/json")
        if fault == "500-after":
            return self.error(500, "Injected failure after the change")
        if fault == "timeout-after":
            await self.faults.slow()
        return reply

    def _paged(self, request: Request, key: str, rows: list[dict[str, Any]]) -> Response:
        q = request.query_params
        page, size = int(q.get("page", "1")), int(q.get("page_size", "10"))
        total = max(1, math.ceil(len(rows) / size))
        chunk = rows[(page - 1) * size : page * size]
        return JSONResponse(
            {
                "page": page,
                "page_size": size,
                "total_pages": total,
                "total_items": len(rows),
                key: chunk,
            }
        )

    async def _jobs(self, request: Request) -> Response:
        early, fault = await self._gate(request)
        if early:
            return early
        rows = list(self.jobs.values())
        if request.query_params.get("sort_by") == "updated_at":
            desc = request.query_params.get("sort_direction", "desc") == "desc"
            rows.sort(key=lambda r: (r["updated_at"], r["id"]), reverse=desc)
        return await self._after(fault, self._paged(request, "jobs", rows))

    async def _job(self, request: Request) -> Response:
        early, fault = await self._gate(request)
        if early:
            return early
        job = self.jobs.get(request.path_params["job_id"])
        if job is None:
            return self.error(404, "Job not found")
        reply = JSONResponse(job)
        if job["id"] in self.change_after_read:
            self.change_after_read.discard(job["id"])
            self.dispatcher_moves(job["id"])
        return await self._after(fault, reply)

    async def _employees(self, request: Request) -> Response:
        early, fault = await self._gate(request)
        if early:
            return early
        return await self._after(
            fault, self._paged(request, "employees", list(self.employees.values()))
        )

    async def _customer(self, request: Request) -> Response:
        early, fault = await self._gate(request)
        if early:
            return early
        customer = self.customers.get(request.path_params["customer_id"])
        if customer is None:
            return self.error(404, "Customer not found")
        return await self._after(fault, JSONResponse(customer))

    async def _address(self, request: Request) -> Response:
        early, fault = await self._gate(request)
        if early:
            return early
        customer = self.customers.get(request.path_params["customer_id"])
        found = [
            a
            for a in (customer or {}).get("addresses", [])
            if a["id"] == request.path_params["address_id"]
        ]
        if not found:
            return self.error(404, "Address not found")
        return await self._after(fault, JSONResponse(found[0]))

    async def _put_appointment(self, request: Request) -> Response:
        early, fault = await self._gate(request)
        if early:
            return early
        job = self.jobs.get(request.path_params["job_id"])
        visits = [
            v
            for v in (job or {}).get("schedule", {}).get("appointments", [])
            if v["id"] == request.path_params["appointment_id"]
        ]
        if not visits:
            return self.error(404, "Appointment not found")
        body = await request.json()
        missing = [
            k for k in ("start_time", "end_time", "dispatched_employees_ids") if k not in body
        ]
        if missing:
            return JSONResponse({"errors": {k: ["is required"] for k in missing}}, status_code=422)
        unknown = [e for e in body["dispatched_employees_ids"] if e not in self.employees]
        if unknown:
            return JSONResponse({"errors": {"dispatched_employees_ids": ["unknown"]}}, 422)
        assert job is not None
        self.writes.append(("appointment", body))
        visits[0].update(
            start_time=body["start_time"],
            end_time=body["end_time"],
            dispatched_employees_ids=list(body["dispatched_employees_ids"]),
        )
        if "arrival_window_minutes" in body:
            visits[0]["arrival_window_minutes"] = body["arrival_window_minutes"]
        job["updated_at"] = self.tick()
        return await self._after(fault, JSONResponse(visits[0]))

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/jobs", self._jobs),
                Route("/jobs/{job_id}", self._job),
                Route(
                    "/jobs/{job_id}/appointments/{appointment_id}",
                    self._put_appointment,
                    methods=["PUT"],
                ),
                Route("/employees", self._employees),
                Route("/customers/{customer_id}", self._customer),
                Route("/customers/{customer_id}/addresses/{address_id}", self._address),
            ]
        )
