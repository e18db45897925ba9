"""Paginators: small objects that walk a listing page by page and refuse a repeated page token."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from connectors.errors import MalformedResponseError

__all__ = ["Page", "Paginator"]

Token = TypeVar("Token", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Page(Generic[Token]):
    """One page of a listing and the token of the next one (None on the last page)."""

    items: Sequence[Any]
    next_token: Token | None


class Paginator(Generic[Token]):
    """Fetch pages from `first` until a page names no successor.

    A vendor that answers with a token we already requested would loop forever; that is a
    malformed response, raised as such (the same guard as Singer SDK's paginators).
    """

    def __init__(
        self, fetch: Callable[[Token], Awaitable[Page[Token]]], first: Token, *, what: str
    ) -> None:
        self._fetch = fetch
        self._first = first
        self._what = what
        self.requested: list[Token] = []

    async def pages(self) -> AsyncIterator[Sequence[Any]]:
        token: Token | None = self._first
        seen: set[Token] = set()
        while token is not None:
            if token in seen:
                raise MalformedResponseError(
                    f"{self._what}: page token {token!r} was returned twice; stopping"
                )
            seen.add(token)
            self.requested.append(token)
            page = await self._fetch(token)
            if page.items:
                yield page.items
            elif page.next_token is not None:
                raise MalformedResponseError(
                    f"{self._what}: an empty page at {token!r} claims more pages follow"
                )
            token = page.next_token
