"""Paginators walk pages until the last one and refuse to loop."""

from __future__ import annotations

import pytest

from connectors.errors import MalformedResponseError
from connectors.http import Page, Paginator


async def test_pages_are_walked_until_no_next_token() -> None:
    data = {1: ([1, 2], 2), 2: ([3, 4], 3), 3: ([5], None)}

    async def fetch(token: int) -> Page[int]:
        items, nxt = data[token]
        return Page(items, nxt)

    pager = Paginator(fetch, 1, what="jobs")
    seen = [item async for page in pager.pages() for item in page]
    assert seen == [1, 2, 3, 4, 5]
    assert pager.requested == [1, 2, 3]


async def test_a_repeated_page_token_is_refused() -> None:
    async def fetch(token: str) -> Page[str]:
        return Page(["x"], "same")

    with pytest.raises(MalformedResponseError, match="'same' was returned twice"):
        async for _ in Paginator(fetch, "first", what="jobs").pages():
            pass


async def test_an_empty_page_that_claims_more_is_refused() -> None:
    async def fetch(token: int) -> Page[int]:
        return Page([], token + 1)

    with pytest.raises(MalformedResponseError, match="empty page"):
        async for _ in Paginator(fetch, 0, what="jobs").pages():
            pass
