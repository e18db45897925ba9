"""A loopback fake of the Slack Web API: chat.postMessage, conversations.history."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route


@dataclass
class FakeSlack:
    token: str = "xoxb-test"
    posts: list[dict[str, Any]] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)
    """Bodies posted to response URLs (/actions/...)."""
    rate_limit_next: int = 0
    """How many of the next calls answer 429 with Retry-After."""
    _ts: Any = field(default_factory=lambda: itertools.count(1))

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/api/chat.postMessage", self._post, methods=["POST"]),
                Route("/api/conversations.history", self._history, methods=["POST", "GET"]),
                Route("/actions/{path:path}", self._respond, methods=["POST"]),
                Route("/api/chat.update", self._update, methods=["POST"]),
            ]
        )

    async def _args(self, request: Request) -> dict[str, Any]:
        if request.headers.get("content-type", "").startswith("application/json"):
            return dict(json.loads(await request.body() or b"{}"))
        form = await request.form()
        args: dict[str, Any] = dict(form)
        args.update(request.query_params)
        for key in ("blocks", "metadata"):
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        return args

    def _check(self, request: Request) -> JSONResponse | None:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return JSONResponse({"ok": False, "error": "invalid_auth"})
        if self.rate_limit_next > 0:
            self.rate_limit_next -= 1
            return JSONResponse(
                {"ok": False, "error": "ratelimited"}, status_code=429, headers={"Retry-After": "7"}
            )
        return None

    async def _post(self, request: Request) -> JSONResponse:
        if (refused := self._check(request)) is not None:
            return refused
        args = await self._args(request)
        if not args.get("channel"):
            return JSONResponse({"ok": False, "error": "channel_not_found"})
        ts = f"1790000000.{next(self._ts):06d}"
        post = {
            "type": "message",
            "ts": ts,
            "text": args.get("text"),
            "blocks": args.get("blocks"),
            "metadata": args.get("metadata"),
            "channel": args["channel"],
        }
        self.posts.append(post)
        return JSONResponse({"ok": True, "channel": args["channel"], "ts": ts, "message": post})

    async def _history(self, request: Request) -> JSONResponse:
        if (refused := self._check(request)) is not None:
            return refused
        args = await self._args(request)
        chosen = [p for p in reversed(self.posts) if p["channel"] == args.get("channel")]
        return JSONResponse({"ok": True, "messages": chosen, "has_more": False})

    async def _respond(self, request: Request) -> PlainTextResponse:
        if len(self.responses) >= 5:  # Slack allows five uses of a response_url
            return PlainTextResponse("used_url", status_code=404)
        self.responses.append(json.loads(await request.body()))
        return PlainTextResponse("ok")

    async def _update(self, request: Request) -> JSONResponse:
        if (refused := self._check(request)) is not None:
            return refused
        args = await self._args(request)
        for post in self.posts:
            if post["channel"] == args.get("channel") and post["ts"] == args.get("ts"):
                post["text"] = args.get("text")
                post["blocks"] = args.get("blocks")
                return JSONResponse({"ok": True, "channel": post["channel"], "ts": post["ts"]})
        return JSONResponse({"ok": False, "error": "message_not_found"})
