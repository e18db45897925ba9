"""Travel times: the offline estimate, the OSRM table client over real HTTP, the cache."""

from __future__ import annotations

import math
from collections.abc import Iterator

import httpx
import numpy as np
import pytest

from optimizer import (
    CachedTravel,
    FallbackTravel,
    OfflineTravel,
    OsrmTravel,
    Point,
    TravelError,
)
from optimizer.travel import UNREACHABLE_MINUTES, haversine_km
from tests.fakes.osrm_server import FakeOsrm, straight_seconds
from tests.live_server import serve

A, B, C = Point(39.74, -104.99), Point(39.76, -104.99), Point(39.90, -104.80)


def test_offline_matrix_is_symmetric_grows_with_distance_and_matches_single_pairs() -> None:
    travel = OfflineTravel()
    m = travel.matrix([A, B, C])
    assert m.shape == (3, 3) and m[0, 0] == 0
    assert m[0, 1] == m[1, 0] and m[0, 2] > m[0, 1] > 0
    assert all(
        m[i, j] == travel.minutes(p, q)
        for i, p in enumerate((A, B, C))
        for j, q in enumerate((A, B, C))
    )


def test_offline_minutes_follow_circuity_speed_and_rush_hours() -> None:
    km = haversine_km(A, C)
    plain = OfflineTravel(circuity=1.0, speed_kmh=60.0, hourly_speed={8: 0.5})
    assert plain.minutes(A, C, depart_minute=12 * 60) == math.ceil(km)  # 1 km per minute
    assert plain.minutes(A, C, depart_minute=8 * 60 + 5) == math.ceil(2 * km)
    assert OfflineTravel(circuity=1.5, speed_kmh=60, hourly_speed={}).minutes(A, C) == math.ceil(
        1.5 * km
    )


def test_offline_travel_refuses_impossible_settings() -> None:
    with pytest.raises(ValueError, match="circuity"):
        OfflineTravel(circuity=0.9)
    with pytest.raises(ValueError, match="speed_kmh"):
        OfflineTravel(speed_kmh=0)
    with pytest.raises(ValueError, match="hour 24"):
        OfflineTravel(hourly_speed={24: 1.0})


@pytest.fixture
def osrm() -> Iterator[tuple[FakeOsrm, str]]:
    fake = FakeOsrm(max_table_size=3)
    with serve(fake.app()) as url:
        yield fake, url


def test_osrm_table_is_fetched_in_blocks_within_the_server_limit(
    osrm: tuple[FakeOsrm, str],
) -> None:
    fake, url = osrm
    points = [Point(39.70 + 0.01 * k, -104.99 + 0.013 * k) for k in range(7)]
    with httpx.Client(timeout=5) as client:
        m = OsrmTravel(url, client=client, block=3).matrix(points)
    assert len(fake.requests) == 9  # 3 × 3 blocks of at most 3 × 3
    expected = [
        [
            0
            if i == j
            else math.ceil(round(straight_seconds((p.lon, p.lat), (q.lon, q.lat)), 1) / 60)
            for j, q in enumerate(points)
        ]
        for i, p in enumerate(points)
    ]
    assert m.tolist() == expected


def test_osrm_unroutable_pairs_cost_a_whole_day(osrm: tuple[FakeOsrm, str]) -> None:
    fake, url = osrm
    fake.unroutable.add((0, 1))
    m = OsrmTravel(url, block=3).matrix([A, B])
    assert m[0, 1] == UNREACHABLE_MINUTES and m[1, 0] < UNREACHABLE_MINUTES


@pytest.mark.parametrize(
    ("status", "message"),
    [(500, "500 InternalError"), (0, "malformed JSON"), (429, "429 InternalError")],
)
def test_osrm_failures_become_travel_errors(
    osrm: tuple[FakeOsrm, str], status: int, message: str
) -> None:
    fake, url = osrm
    fake.fail_next.append(status)
    with pytest.raises(TravelError, match=message):
        OsrmTravel(url, block=3).matrix([A, B])


def test_osrm_too_big_a_table_is_reported_not_guessed(osrm: tuple[FakeOsrm, str]) -> None:
    _, url = osrm
    with pytest.raises(TravelError, match="TooBig"):
        OsrmTravel(url, block=5).matrix([A, B, C, A, B])  # 5 × 5 > the fake's 3 × 3


def test_osrm_unreachable_server_is_a_travel_error() -> None:
    with pytest.raises(TravelError, match="unreachable"):
        OsrmTravel("http://127.0.0.1:9", timeout=1).matrix([A, B])


def test_cache_answers_repeated_points_without_asking_again() -> None:
    calls: list[int] = []

    class Counting:
        def matrix(self, points, depart_minute=None):  # type: ignore[no-untyped-def]
            calls.append(len(points))
            return OfflineTravel().matrix(points, depart_minute)

    cache = CachedTravel(Counting(), size=2)
    first = cache.matrix([A, B])
    again = cache.matrix([A, B])
    assert calls == [2] and cache.hits == 1 and np.array_equal(first, again)
    assert not again.flags.writeable
    cache.matrix([A, C])
    cache.matrix([B, C])  # evicts [A, B]
    cache.matrix([A, B])
    assert calls == [2, 2, 2, 2]


def test_a_failing_provider_falls_back_and_reports_each_failure() -> None:
    points = [Point(39.70, -105.00), Point(39.75, -104.95)]
    heard: list[str] = []

    class Down:
        def matrix(self, pts, depart_minute=None):  # type: ignore[no-untyped-def]
            raise TravelError("OSRM timed out")

    travel = FallbackTravel(Down(), OfflineTravel(), on_error=lambda e: heard.append(str(e)))
    assert (travel.matrix(points) == OfflineTravel().matrix(points)).all()
    assert travel.matrix(points)[0, 1] > 0
    assert travel.failures == 2 and heard == ["OSRM timed out"] * 2
    # A provider that answers is used as it is.
    up = FallbackTravel(OfflineTravel(speed_kmh=76), OfflineTravel())
    assert up.matrix(points)[0, 1] < OfflineTravel().matrix(points)[0, 1]
    assert up.failures == 0
