"""A loopback fake of the Anthropic Messages API (POST /v1/messages) with failure knobs.

It answers the way the API documents: a `message` whose content holds one `tool_use` block when
the request forces a tool, and error bodies `{"type": "error", "error": {...}}` with 429 (plus
`retry-after`), 529 and 500. It knows nothing of fsm-dispatch's models: tests give it the tool
input to return.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

_ERRORS = {
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
    400: "invalid_request_error",
    401: "authentication_error",
}


@dataclass
class FakeAnthropic:
    api_key: str = "sk-ant-test"
    tool_input: dict[str, Any] = field(default_factory=dict)
    """What the forced tool call carries in `input`."""
    script: list[str] = field(default_factory=list)
    """Behaviour of the next requests, consumed in order: "ok", "429", "529", "500", "slow",
    "malformed" (tool input missing fields), "text" (no tool call). Empty means "ok"."""
    slow_seconds: float = 1.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/v1/messages", self._messages, methods=["POST"])])

    def _error(self, status: int, headers: dict[str, str] | None = None) -> JSONResponse:
        body = {"type": "error", "error": {"type": _ERRORS[status], "message": f"fake {status}"}}
        return JSONResponse(body, status_code=status, headers=headers)

    async def _messages(self, request: Request) -> JSONResponse:
        # The API takes the key as `x-api-key`; recent SDKs send it as a bearer token.
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        if self.api_key not in (request.headers.get("x-api-key"), bearer):
            return self._error(401)
        try:
            body = json.loads(await request.body())
        except json.JSONDecodeError:
            return self._error(400)
        self.requests.append(body)
        if not body.get("model") or not body.get("messages") or not body.get("max_tokens"):
            return self._error(400)
        step = self.script.pop(0) if self.script else "ok"
        if step == "429":
            return self._error(429, {"retry-after": "0"})
        if step in ("500", "529"):
            return self._error(int(step))
        if step == "slow":
            await asyncio.sleep(self.slow_seconds)
        choice = body.get("tool_choice") or {}
        tools = {tool["name"] for tool in body.get("tools", [])}
        number = next(self._ids)
        if step == "text" or choice.get("type") != "tool" or choice.get("name") not in tools:
            content: list[dict[str, Any]] = [
                {"type": "text", "text": "I think it is a furnace problem."}
            ]
            stop = "end_turn"
        else:
            tool_input = dict(self.tool_input)
            if step == "malformed":
                tool_input.pop("job_type", None)
                tool_input["urgency"] = "whenever"
            content = [
                {
                    "type": "tool_use",
                    "id": f"toolu_{number:04d}",
                    "name": choice["name"],
                    "input": tool_input,
                }
            ]
            stop = "tool_use"
        return JSONResponse(
            {
                "id": f"msg_{number:04d}",
                "type": "message",
                "role": "assistant",
                "model": body["model"],
                "content": content,
                "stop_reason": stop,
                "stop_sequence": None,
                "usage": {"input_tokens": 100, "output_tokens": 50},
            }
        )
