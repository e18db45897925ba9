"""Insertion bounds: whether a stop can possibly fit at a place in a route, without timing it.

Timing a route (`schedule.time_route`) walks every stop with its lunch and windows; the
insertion loops call it for every place they try, and most places fail. A route's *slack*
answers "surely not" in constant time from two passes over the route:

- `ready[p]`: when the technician is free to leave for the stop inserted at position `p` (the
  end of the stop before it, or the shift start). The stops before `p` are timed the same
  with or without the new stop, so this is exact up to a lunch eaten on site.
- `latest[p]`: the latest arrival at what follows position `p` (the stop now there, or the
  end location) that lets the rest of the route keep its hard windows, pinned starts and
  shift, ignoring the lunch.

A lunch only ever delays a route, so a stop whose lunch-free bounds already fail cannot fit;
one that passes is then timed in full. Only a route that times as feasible gets a slack.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from optimizer.problem import Technician, Window
from optimizer.schedule import RouteTiming, earliest_start

__all__ = ["RouteSlack", "latest_arrival", "route_slack"]

NEVER = float("-inf")


@dataclass(frozen=True, slots=True)
class RouteSlack:
    ready: tuple[int, ...]
    """Per insertion position (0 .. len(route)): earliest time to leave for the new stop."""
    latest: tuple[float, ...]
    """Per insertion position: latest arrival at the next stop (or the end) that can hold."""
    commute_home: bool = False
    """The drive home is outside the shift (`Technician.commute_home`)."""

    def admits(
        self,
        p: int,
        leg_in: int,
        leg_out: int,
        windows: Sequence[Window],
        fixed: int | None,
        hard: bool,
        minutes: int,
    ) -> bool:
        """False only if the stop surely cannot go at position `p` (`leg_in` from the stop
        before, `leg_out` to the one after); True means "time it to know"."""
        if self.commute_home and p == len(self.latest) - 1:
            leg_out = 0  # the shift ends with the last visit
        arrive = self.ready[p] + leg_in
        if fixed is not None:
            if arrive > fixed:
                return False
            start = fixed
        else:
            start, late = earliest_start(windows, arrive)
            if late and hard:
                return False
        return start + minutes + leg_out <= self.latest[p]


def latest_arrival(
    windows: Sequence[Window], fixed: int | None, hard: bool, latest_start: float
) -> float:
    """The latest arrival at a stop whose start may be no later than `latest_start`."""
    if fixed is not None:
        return fixed if fixed <= latest_start else NEVER
    if hard and windows:
        # Arriving later than the last usable moment of a window means starting in a later
        # window (too late) or past every window.
        usable = [min(w.end, latest_start) for w in windows if w.start <= latest_start]
        return max(usable, default=NEVER)
    return latest_start


def route_slack(
    tech: Technician,
    route: Sequence[int],
    timing: RouteTiming,
    *,
    windows: Sequence[Sequence[Window]],
    minutes: Sequence[int],
    fixed: Sequence[int | None],
    hard: Sequence[bool],
    drive: Sequence[Sequence[int]],
    end_node: int,
) -> RouteSlack:
    """The slack of a feasible route; per stop `k` of `route`, its windows, service minutes,
    pinned start, and whether its windows are hard (all indexed by job node)."""
    ready = (tech.shift_start, *(stop.end for stop in timing.stops))
    latest: list[float] = [0.0] * (len(route) + 1)
    latest[-1] = tech.shift_end + tech.overtime_minutes
    following = end_node
    for k in range(len(route) - 1, -1, -1):
        j = route[k]
        # With a commute home, the shift bounds the end of the last visit, not the drive after.
        leg = 0 if following == end_node and tech.commute_home else drive[j][following]
        latest_start = latest[k + 1] - leg - minutes[j]
        latest[k] = latest_arrival(windows[j], fixed[j], hard[j], latest_start)
        following = j
    return RouteSlack(ready, tuple(latest), tech.commute_home)
