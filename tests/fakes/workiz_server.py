"""A loopback fake of the Workiz REST API v1, stateful, with the knobs in `tests.fakes.knobs`.

Token in the path, `auth_secret` required in POST bodies, `offset`/`records` (≤100) paging with
`has_more`, account-local "YYYY-MM-DD HH:MM:SS" times, assignment by full name, errors as
`{flag: false, error: true, code, msg, details}`. Imports nothing of ours.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.knobs import Bucket, Faults

LOCAL = "%Y-%m-%d %H:%M:%S"
DAY0 = datetime(2026, 3, 2, 8, 0)


@dataclass
class FakeWorkiz:
    token: str = "api_testtoken"
    secret: str = "sec_testsecret"
    webhook_secret: str = "whsec-workiz"
    timezone: str = "US/Pacific"
    rate_limit: float | None = 30.0
    faults: Faults = field(default_factory=Faults)
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    team: dict[str, dict[str, Any]] = field(default_factory=dict)
    change_after_read: set[str] = field(default_factory=set)
    requests: list[tuple[str, str]] = field(default_factory=list)
    writes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    _bucket: Bucket = field(init=False)

    def __post_init__(self) -> None:
        self._bucket = Bucket(self.rate_limit)

    def seed(self, *, jobs: int, technicians: int) -> None:
        for t in range(1, technicians + 1):
            self.team[str(30_000 + t)] = {
                "id": str(30_000 + t),
                "name": f"Tech {t}",
                "role": "tech",
                "fieldTech": True,
                "email": f"tech{t}@example.com",
                "serviceAreas": ["North"],
                "skills": ["HVAC", "EPA 608"] if t % 2 else ["Plumbing"],
                "active": True,
            }
        types = ["AC Repair", "Drain Cleaning", "Water Heater", "Mystery Work"]
        for j in range(1, jobs + 1):
            start = DAY0 + timedelta(days=1, hours=j % 8)
            uuid = f"WZ{j:04d}"
            team = []
            if technicians and j % 2 == 0:
                member = self.team[str(30_000 + 1 + j % technicians)]
                team = [{"id": int(member["id"]), "name": member["name"]}]
            self.jobs[uuid] = {
                "UUID": uuid,
                "SerialId": 1000 + j,
                "ClientId": 2000 + j % 7,
                "JobDateTime": start.strftime(LOCAL),
                "JobEndDateTime": (start + timedelta(hours=2)).strftime(LOCAL),
                "CreatedDate": DAY0.strftime(LOCAL),
                "LastStatusUpdate": DAY0.strftime(LOCAL),
                "Timezone": self.timezone,
                "Status": "Submitted",
                "SubStatus": "",
                "JobType": types[j % len(types)],
                "ServiceArea": "North",
                "FirstName": "Pat",
                "LastName": f"Client{j}",
                "Phone": "6195555555",
                "Email": f"c{j}@example.com",
                "Address": f"{j} W Main Street",
                "Unit": j % 3,
                "City": "San Diego",
                "State": "CA",
                "PostalCode": "92109",
                "Latitude": 32.79,
                "Longitude": -117.25,
                "Team": team,
            }

    def names_on(self, uuid: str) -> list[str]:
        return sorted(m["name"] for m in self.jobs[uuid]["Team"])

    def dispatcher_moves(self, uuid: str) -> None:
        job = self.jobs[uuid]
        start = datetime.strptime(job["JobDateTime"], LOCAL) + timedelta(hours=1)
        job["JobDateTime"] = start.strftime(LOCAL)
        job["JobEndDateTime"] = (start + timedelta(hours=2)).strftime(LOCAL)
        last = self.team[max(self.team)]
        if all(m["name"] != last["name"] for m in job["Team"]):
            job["Team"].append({"id": int(last["id"]), "name": last["name"]})

    def touch(self, uuid: str) -> None:
        self.jobs[uuid]["Status"] = "In progress"
        self.jobs[uuid]["SubStatus"] = "En route"

    def webhook(
        self, uuid: str, *, at: float | None = None, secret: str | None = None
    ) -> tuple[dict[str, str], bytes]:
        job = self.jobs[uuid]
        body = json.dumps(
            {
                "data": {
                    "uuid": uuid,
                    "serialId": job["SerialId"],
                    "status": job["Status"],
                    "subStatus": {"name": job["SubStatus"]},
                    "jobType": {"name": job["JobType"]},
                    "team": [{"name": m["name"]} for m in job["Team"]],
                }
            }
        ).encode()
        stamp = int(at if at is not None else time.time())
        message = f"{stamp}.".encode() + body
        signature = hmac.new((secret or self.webhook_secret).encode(), message, hashlib.sha256)
        return {
            "x-workiz-timestamp": str(stamp),
            "x-workiz-signature": signature.hexdigest(),
            "content-type": "application/json",
        }, body

    # --- HTTP ----------------------------------------------------------------------------------

    @staticmethod
    def error(status: int, code: int, msg: str) -> Response:
        return JSONResponse(
            {"flag": False, "error": True, "code": code, "msg": msg, "details": {"error": msg}},
            status_code=status,
        )

    async def _gate(
        self, request: Request, body: dict[str, Any] | None
    ) -> tuple[Response | None, str | None]:
        self.requests.append((request.method, request.url.path.replace(self.token, "{token}")))
        if request.path_params.get("token") != self.token:
            return self.error(401, 401, "Unauthorized"), None
        if body is not None and body.get("auth_secret") != self.secret:
            return self.error(401, 401, "Missing or wrong auth_secret"), None
        if not self._bucket.take():
            return self.error(429, 429, "Too many requests"), None
        fault = self.faults.next()
        if fault == "400":
            return self.error(400, 400, "Injected bad request"), None
        if fault in ("500", "503"):
            return self.error(int(fault), int(fault), "Injected failure"), None
        if fault == "429":
            headers = {"Retry-After": self.faults.retry_after} if self.faults.retry_after else {}
            return JSONResponse(
                {"flag": False, "error": True, "code": 429, "msg": "Too many requests"},
                429,
                headers,
            ), None
        if fault == "timeout":
            await self.faults.slow()
        return None, fault

    async def _after(self, fault: str | None, reply: Response) -> Response:
        if fault == "malformed":
            return Response(b'{"flag": true, "data": [{"UUID": ', media_type="application/json")
        if fault == "500-after":
            return self.error(500, 500, "Injected failure after the change")
        if fault == "timeout-after":
            await self.faults.slow()
        return reply

    async def _all(self, request: Request) -> Response:
        early, fault = await self._gate(request, None)
        if early:
            return early
        q = request.query_params
        try:
            offset = int(q.get("offset", "0"))
            records = int(q.get("records", "100"))
        except ValueError:
            return self.error(400, 400, "offset and records must be integers")
        if records > 100 or records < 1:
            return self.error(400, 400, "records must be 1..100")
        rows = list(self.jobs.values())
        if q.get("start_date"):
            cutoff = q["start_date"]
            rows = [r for r in rows if r["JobDateTime"][:10] >= cutoff]
        rows.sort(key=lambda r: (r["JobDateTime"], r["UUID"]), reverse=True)
        chunk = rows[offset : offset + records]
        reply = JSONResponse(
            {"flag": True, "data": chunk, "has_more": offset + records < len(rows)}
        )
        return await self._after(fault, reply)

    async def _get(self, request: Request) -> Response:
        early, fault = await self._gate(request, None)
        if early:
            return early
        uuid = request.path_params["uuid"]
        if uuid not in self.jobs:
            return self.error(404, 404, "Job not found")
        reply = JSONResponse({"flag": True, "data": [self.jobs[uuid]]})
        if uuid in self.change_after_read:
            self.change_after_read.discard(uuid)
            self.dispatcher_moves(uuid)
        return await self._after(fault, reply)

    async def _team(self, request: Request) -> Response:
        early, fault = await self._gate(request, None)
        if early:
            return early
        return await self._after(
            fault, JSONResponse({"flag": True, "data": list(self.team.values())})
        )

    async def _post(self, request: Request) -> Response:
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return self.error(400, 400, "Body is not JSON")
        early, fault = await self._gate(request, body)
        if early:
            return early
        action = request.path_params["action"]
        uuid = body.get("UUID")
        if uuid not in self.jobs:
            return self.error(404, 404, "Job not found")
        job = self.jobs[uuid]
        if action in ("assign", "unassign"):
            member = next((m for m in self.team.values() if m["name"] == body.get("User")), None)
            if member is None:
                return self.error(400, 400, "User not found")
            on_job = any(m["name"] == member["name"] for m in job["Team"])
            if action == "assign" and on_job:
                return self.error(400, 400, "User already assigned")
            if action == "unassign" and not on_job:
                return self.error(400, 400, "User not assigned")
            self.writes.append((action, body))
            if action == "assign":
                job["Team"].append({"id": int(member["id"]), "name": member["name"]})
            else:
                job["Team"] = [m for m in job["Team"] if m["name"] != member["name"]]
        elif action == "update":
            self.writes.append((action, body))
            for key in ("JobDateTime", "JobEndDateTime", "Status", "SubStatus", "Timezone"):
                if key in body:
                    job[key] = body[key]
        else:
            return self.error(404, 404, "Unknown action")
        return await self._after(fault, JSONResponse({"flag": True, "data": [{"UUID": uuid}]}))

    def app(self) -> Starlette:
        base = "/api/v1/{token}"
        return Starlette(
            routes=[
                Route(f"{base}/job/all/", self._all),
                Route(f"{base}/job/get/{{uuid}}/", self._get),
                Route(f"{base}/job/{{action}}/", self._post, methods=["POST"]),
                Route(f"{base}/team/all/", self._team),
            ]
        )
