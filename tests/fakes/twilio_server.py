"""A loopback fake of Twilio's Messages API (2010-04-01), stateful, with failure knobs.

Speaks the documented wire format: HTTP basic auth with the account SID and auth token,
form-encoded POST to /2010-04-01/Accounts/{AccountSid}/Messages.json, JSON replies, and error
bodies {"code", "message", "more_info", "status"}.
"""

from __future__ import annotations

import base64
import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


@dataclass
class FakeTwilio:
    account_sid: str = "AC" + "0" * 32
    auth_token: str = "test-token"
    messages: list[dict[str, Any]] = field(default_factory=list)
    fail_next: list[tuple[int, int]] = field(default_factory=list)
    """(HTTP status, Twilio error code) answered to the next sends, in order."""
    opted_out: set[str] = field(default_factory=set)
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def app(self) -> Starlette:
        base = "/2010-04-01/Accounts/{sid}/Messages.json"
        return Starlette(
            routes=[
                Route(base, self._create, methods=["POST"]),
                Route(base, self._list, methods=["GET"]),
            ]
        )

    def _authorised(self, request: Request) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return request.headers.get("authorization") == f"Basic {expected}" and (
            request.path_params["sid"] == self.account_sid
        )

    @staticmethod
    def _error(status: int, code: int, message: str) -> JSONResponse:
        return JSONResponse(
            {
                "code": code,
                "message": message,
                "more_info": f"https://www.twilio.com/docs/errors/{code}",
                "status": status,
            },
            status_code=status,
        )

    async def _create(self, request: Request) -> JSONResponse:
        if not self._authorised(request):
            return self._error(401, 20003, "Authenticate")
        form = await request.form()
        if self.fail_next:
            status, code = self.fail_next.pop(0)
            return self._error(status, code, "injected failure")
        to = str(form.get("To", ""))
        if not to or not (form.get("From") or form.get("MessagingServiceSid")):
            return self._error(
                400, 21604, "A 'To' and a 'From' or 'MessagingServiceSid' are required"
            )
        if to in self.opted_out:
            return self._error(400, 21610, "Attempt to send to unsubscribed recipient")
        message = {
            "sid": f"SM{next(self._ids):032x}",
            "account_sid": self.account_sid,
            "to": to,
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "body": form.get("Body"),
            "status": "accepted" if form.get("MessagingServiceSid") else "queued",
            "validity_period": form.get("ValidityPeriod"),
            "date_created": format_datetime(datetime.now(UTC)),
            "num_segments": "1",
            "direction": "outbound-api",
        }
        self.messages.append(message)
        return JSONResponse(message, status_code=201)

    async def _list(self, request: Request) -> JSONResponse:
        if not self._authorised(request):
            return self._error(401, 20003, "Authenticate")
        to = request.query_params.get("To")
        chosen = [m for m in reversed(self.messages) if to is None or m["to"] == to]
        size = int(request.query_params.get("PageSize", "50"))
        return JSONResponse(
            {
                "messages": chosen[:size],
                "page": 0,
                "page_size": size,
                "first_page_uri": "",
                "next_page_uri": None,
                "previous_page_uri": None,
                "uri": str(request.url.path),
                "start": 0,
                "end": min(size, len(chosen)),
            }
        )
