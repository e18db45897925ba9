"""A loopback fake of OSRM's table service (`GET /table/v1/{profile}/{coordinates}`).

Speaks the documented wire format: coordinates as `lon,lat;lon,lat;...`, optional `sources`
and `destinations` (semicolon-separated indices), `annotations=duration`; replies
`{"code": "Ok", "durations": [[seconds, ...], ...]}` or an error body `{"code", "message"}`.
Durations are straight-line metres at 10 m/s, so tests can predict them. Knobs: a table size
limit (OSRM's --max-table-size), unroutable pairs (null), and failures for the next requests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route


def straight_seconds(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Seconds between two (lon, lat) points at 10 m/s along the great circle."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    metres = 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(h)))
    return metres / 10.0


@dataclass
class FakeOsrm:
    max_table_size: int = 100
    unroutable: set[tuple[int, int]] = field(default_factory=set)
    """(source index, destination index) pairs answered with null."""
    fail_next: list[int] = field(default_factory=list)
    """HTTP statuses answered to the next requests, in order (0 = malformed body)."""
    requests: list[dict[str, Any]] = field(default_factory=list)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/table/v1/{profile}/{coordinates}", self._table)])

    async def _table(self, request: Request) -> Response:
        self.requests.append(dict(request.query_params))
        if self.fail_next:
            status = self.fail_next.pop(0)
            if status == 0:
                return PlainTextResponse("<html>proxy error</html>", status_code=200)
            return JSONResponse({"code": "InternalError", "message": "boom"}, status_code=status)
        try:
            points = [
                tuple(float(x) for x in pair.split(","))
                for pair in request.path_params["coordinates"].split(";")
            ]
        except ValueError:
            return JSONResponse({"code": "InvalidUrl", "message": "bad coordinates"}, 400)
        if any(len(p) != 2 for p in points):
            return JSONResponse({"code": "InvalidUrl", "message": "bad coordinates"}, 400)
        sources = self._indices(request, "sources", len(points))
        destinations = self._indices(request, "destinations", len(points))
        if sources is None or destinations is None:
            return JSONResponse({"code": "InvalidOptions", "message": "bad indices"}, 400)
        if len(sources) * len(destinations) > self.max_table_size**2:
            return JSONResponse(
                {"code": "TooBig", "message": "Too many table coordinates"}, status_code=400
            )
        durations = [
            [
                None
                if (s, d) in self.unroutable
                else round(straight_seconds(points[s], points[d]), 1)  # type: ignore[arg-type]
                for d in destinations
            ]
            for s in sources
        ]
        return JSONResponse({"code": "Ok", "durations": durations})

    @staticmethod
    def _indices(request: Request, name: str, n: int) -> list[int] | None:
        raw = request.query_params.get(name)
        if raw is None or raw == "all":
            return list(range(n))
        try:
            values = [int(x) for x in raw.split(";")]
        except ValueError:
            return None
        return values if all(0 <= v < n for v in values) else None
