"""Insertion bounds: a place the slack turns down never times as feasible."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer import Break, Technician, Window
from optimizer.schedule import time_route
from optimizer.slack import route_slack
from tests.optimizer.conftest import DENVER


@st.composite
def _stop(draw: st.DrawFn) -> tuple[tuple[Window, ...], int | None, bool, int]:
    """(windows, pinned start, windows hard, service minutes) of one stop."""
    minutes = draw(st.integers(10, 200))
    kind = draw(st.sampled_from(["none", "one", "two", "fixed"]))
    hard = draw(st.booleans())
    if kind == "fixed":
        return (), draw(st.integers(450, 1000)), True, minutes
    if kind == "none":
        return (), None, hard, minutes
    first = draw(st.integers(420, 900))
    windows = [Window(first, first + draw(st.integers(0, 240)), hard)]
    if kind == "two":
        later = windows[0].end + draw(st.integers(10, 200))
        windows.append(Window(later, later + draw(st.integers(0, 120)), hard))
    return tuple(windows), None, hard, minutes


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    stops=st.lists(_stop(), min_size=1, max_size=8),
    legs=st.lists(st.integers(0, 60), min_size=100, max_size=100),
    shift_start=st.sampled_from([420, 450, 480]),
    overtime=st.sampled_from([0, 30, 60]),
    lunch=st.one_of(
        st.none(),
        st.builds(
            Break,
            earliest=st.just(690),
            latest=st.just(810),
            minutes=st.sampled_from([30, 45]),
            on_site=st.booleans(),
        ),
    ),
    soft_as_hard=st.booleans(),
    commute_home=st.booleans(),
)
def test_a_place_the_slack_turns_down_is_infeasible(
    stops: list[tuple[tuple[Window, ...], int | None, bool, int]],
    legs: list[int],
    shift_start: int,
    overtime: int,
    lunch: Break | None,
    soft_as_hard: bool,
    commute_home: bool,
) -> None:
    # The last stop drawn is the one to insert; the others make the route, in order, as far
    # as they time as feasible. Nodes: stops 0..n-1, then the start n and the end n + 1.
    n = len(stops)
    travel = [
        [0 if a == b else legs[(a * 7 + b * 3) % 100] for b in range(n + 2)] for a in range(n + 2)
    ]
    tech = Technician(
        "T0",
        DENVER,
        shift_start,
        shift_start + 540,
        lunch=lunch,
        overtime_minutes=overtime,
        commute_home=commute_home,
    )
    windows = [s[0] for s in stops]
    fixed = [s[1] for s in stops]
    minutes = [s[3] for s in stops]
    hard = [s[2] or soft_as_hard for s in stops]

    def timed(route: list[int]):  # type: ignore[no-untyped-def]
        return time_route(
            tech,
            [windows[j] for j in route],
            [minutes[j] for j in route],
            route,
            travel,
            n,
            n + 1,
            fixed_starts=[fixed[j] for j in route],
            soft_as_hard=soft_as_hard,
        )

    route: list[int] = []
    for j in range(n - 1):
        if timed([*route, j]).feasible:
            route.append(j)
    timing = timed(route)
    assert timing.feasible
    slack = route_slack(
        tech,
        route,
        timing,
        windows=windows,
        minutes=minutes,
        fixed=fixed,
        hard=[h and bool(w) or f is not None for h, w, f in zip(hard, windows, fixed, strict=True)],
        drive=travel,
        end_node=n + 1,
    )
    new = n - 1
    path = [n, *route, n + 1]
    for p in range(len(route) + 1):
        admitted = slack.admits(
            p,
            travel[path[p]][new],
            travel[new][path[p + 1]],
            windows[new],
            fixed[new],
            hard[new],
            minutes[new],
        )
        if not admitted:
            assert not timed([*route[:p], new, *route[p:]]).feasible


def test_the_slack_turns_down_a_stop_whose_window_closed_before_the_technician_is_free() -> None:
    tech = Technician("T0", DENVER, 480, 1020)
    travel = [[0 if a == b else 15 for b in range(4)] for a in range(4)]
    windows: list[tuple[Window, ...]] = [(Window(480, 600),), (Window(540, 600),)]
    route = [0]
    minutes = [120, 30]
    timing = time_route(tech, [windows[0]], [120], route, travel, 2, 3)
    slack = route_slack(
        tech,
        route,
        timing,
        windows=windows,
        minutes=minutes,
        fixed=[None, None],
        hard=[True, True],
        drive=travel,
        end_node=3,
    )
    # After stop 0 (ends 11:35) the 9:00-10:00 window of stop 1 is long gone; before it, stop 1
    # fits, and stop 0 still starts in its window.
    assert slack.ready == (480, timing.stops[0].end)
    assert not slack.admits(1, 15, 15, windows[1], None, True, 30)
    assert slack.admits(0, 15, 15, windows[1], None, True, 30)
    assert time_route(tech, [windows[1], windows[0]], [30, 120], [1, 0], travel, 2, 3).feasible


def test_the_bound_is_exact_at_the_next_stops_window_end() -> None:
    # Stop 0 must start by 10:20. A stop without window put first, 15 minutes from home and
    # from stop 0, may last up to 110 minutes (08:15 + 110 + 15 = 10:20), not one minute more.
    tech = Technician("T0", DENVER, 480, 1020)
    travel = [[0 if a == b else 15 for b in range(4)] for a in range(4)]
    windows: list[tuple[Window, ...]] = [(Window(600, 620),), ()]
    timing = time_route(tech, [windows[0]], [60], [0], travel, 2, 3)
    for minutes, fits in ((110, True), (111, False)):
        slack = route_slack(
            tech,
            [0],
            timing,
            windows=windows,
            minutes=[60, minutes],
            fixed=[None, None],
            hard=[True, True],
            drive=travel,
            end_node=3,
        )
        assert slack.admits(0, 15, 15, (), None, True, minutes) is fits
        both = time_route(tech, [(), windows[0]], [minutes, 60], [1, 0], travel, 2, 3)
        assert both.feasible is fits
