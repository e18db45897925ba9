"""The chance of keeping a promise: sampled routes against the lognormal they are drawn from."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest

from optimizer import Route, Stop
from optimizer.arrival_odds import OnSite, arrival_odds

PHI = NormalDist().cdf


def _cdf(minutes: float) -> float:
    """P(a visit of median 60 minutes and sigma 0.5 takes at most `minutes`)."""
    return PHI(math.log(minutes / 60) / 0.5)


def _route(*stops: Stop, start: int = 0, lunch_start: int | None = None) -> Route:
    return Route(
        "T1", tuple(stops), start, stops[-1].end + 20, 20,
        lunch_start=lunch_start, lunch_minutes=30 if lunch_start is not None else 0,
    )  # fmt: skip


def test_exact_durations_give_certain_answers() -> None:
    route = _route(Stop("A", 20, 20, 80, 20), Stop("B", 100, 100, 160, 20))
    odds = arrival_odds(route, {"B": 100, "A": 19}, {})
    assert odds == {"B": 1.0, "A": 0.0}
    assert arrival_odds(route, {}, {"A": 0.5}) == {}


def test_a_visit_before_a_promise_runs_long_as_its_lognormal_says() -> None:
    # A starts at 20 for a median of 60 min; B is 20 min away and promised by 120: on time
    # while A takes at most 80 min.
    route = _route(Stop("A", 20, 20, 80, 20), Stop("B", 100, 100, 160, 20))
    sigma = 0.5
    odds = arrival_odds(route, {"B": 120}, {"A": sigma}, draws=40_000)
    expected = PHI(math.log(80 / 60) / sigma)
    assert odds["B"] == pytest.approx(expected, abs=0.01)
    # A wider spread makes the same plan less sure.
    wider = arrival_odds(route, {"B": 120}, {"A": 1.0}, draws=40_000)
    assert wider["B"] < odds["B"] - 0.1


def test_planned_minutes_at_a_higher_quantile_leave_room() -> None:
    # Planned at the p80, the median visit ends earlier than planned: the promise is safer.
    route = _route(Stop("A", 20, 20, 80, 20), Stop("B", 100, 100, 160, 20))
    median = arrival_odds(route, {"B": 100}, {"A": 0.5}, draws=20_000)
    p80 = arrival_odds(route, {"B": 100}, {"A": 0.5}, routing_quantile=0.8, draws=20_000)
    assert median["B"] == pytest.approx(0.5, abs=0.02)
    assert p80["B"] == pytest.approx(0.8, abs=0.02)


def test_a_window_opening_later_absorbs_an_overrun() -> None:
    # B's window opens at 200: the technician waits there, so an overrun at A that still
    # reaches B before 200 does not reach C.
    stops = (Stop("A", 20, 20, 80, 20), Stop("B", 100, 200, 260, 20), Stop("C", 280, 280, 340, 20))
    route = _route(*stops)
    waited = arrival_odds(route, {"C": 290}, {"A": 0.6, "B": 0.3}, draws=20_000)
    # Only B's own spread is left for C once the wait absorbs A: C is late when B takes over
    # 70 of its 60 planned minutes.
    assert waited["C"] == pytest.approx(PHI(math.log(70 / 60) / 0.3), abs=0.03)
    # Were B's window open from 100, an on-time A would start it on arrival: C is early.
    sooner = arrival_odds(route, {"C": 290}, {"A": 0.6, "B": 0.3}, opens={"B": 100}, draws=20_000)
    assert sooner["C"] > waited["C"] + 0.2


def test_a_lunch_eaten_on_site_is_not_stretched_with_the_visit() -> None:
    # A is 60 min of work and a 30 min lunch on site; B is promised by 150.
    route = _route(Stop("A", 20, 20, 110, 20), Stop("B", 130, 130, 190, 20), lunch_start=50)
    odds = arrival_odds(route, {"B": 150}, {"A": 0.5}, draws=40_000)
    assert odds["B"] == pytest.approx(PHI(math.log(80 / 60) / 0.5), abs=0.01)


def test_the_visit_on_site_ends_as_its_lognormal_given_the_time_spent() -> None:
    # On site 90 min of a 60-minute median; the route leaves at 30 (the plan's guess) and B,
    # 20 min away, is promised by 80: on time while the visit ends within 60 more minutes.
    on_site = OnSite(now=0, elapsed=90, median=60, sigma=0.5)
    route = _route(Stop("B", 50, 50, 110, 20), start=30)
    odds = arrival_odds(route, {"B": 80}, {}, on_site=on_site, draws=40_000)
    expected = (_cdf(150) - _cdf(90)) / (1 - _cdf(90))
    assert odds["B"] == pytest.approx(expected, abs=0.01)
    remaining = on_site.remaining(np.random.default_rng(1), 5000)
    assert remaining.min() >= 0 and np.median(remaining) > 0


def test_the_time_left_at_a_quantile_is_that_quantile_of_the_draws() -> None:
    on_site = OnSite(now=0, elapsed=90, median=60, sigma=0.5)
    drawn = on_site.remaining(np.random.default_rng(3), 40_000)
    for quantile in (0.5, 0.8, 0.95):
        assert on_site.remaining_at(quantile) == pytest.approx(
            float(np.quantile(drawn, quantile)), rel=0.03
        )
    # 90 minutes in, the visit ends by 150 with the chance (P(150) - P(90)) / (1 - P(90)).
    share = (_cdf(150) - _cdf(90)) / (1 - _cdf(90))
    assert on_site.remaining_at(share) == pytest.approx(60, abs=0.01)
    # Just arrived: the plain lognormal's quantile; no spread: the median less the time spent.
    fresh = OnSite(now=0, elapsed=0, median=60, sigma=0.5)
    assert fresh.remaining_at(0.8) == pytest.approx(60 * math.exp(0.5 * 0.841621), rel=1e-4)
    assert OnSite(now=0, elapsed=20, median=60, sigma=0).remaining_at(0.8) == 40
    with pytest.raises(ValueError, match="quantile"):
        on_site.remaining_at(1.0)


def test_the_same_route_and_seed_give_the_same_odds() -> None:
    route = _route(Stop("A", 20, 20, 80, 20), Stop("B", 100, 100, 160, 20))
    first = arrival_odds(route, {"B": 110}, {"A": 0.5}, seed=7)
    assert arrival_odds(route, {"B": 110}, {"A": 0.5}, seed=7) == first


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"routing_quantile": 0.3}, "routing_quantile"), ({"draws": 0}, "draws")],
)
def test_bad_arguments_are_named(kwargs: dict[str, float], message: str) -> None:
    route = _route(Stop("A", 20, 20, 80, 20))
    with pytest.raises(ValueError, match=message):
        arrival_odds(route, {"A": 30}, {}, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="on site"):
        OnSite(now=0, elapsed=-1, median=60, sigma=0.5)
