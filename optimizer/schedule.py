"""Forward timing of one technician's route: when each stop is reached, started and finished.

Turns a stop order into times for the construction heuristic, the fallback plan and insertion
what-ifs. The lunch is taken between two stops (before driving on), as soon as the technician
is free after its earliest start, or earlier when the next stop would push it past its latest;
or in the wait before a stop's window opens, when that wait holds it (the model's breaks may
fall in any such gap, and the plan checker accepts them there).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from optimizer.problem import Technician, Window

__all__ = ["RouteTiming", "TimedStop", "earliest_start", "time_route"]


@dataclass(frozen=True, slots=True)
class TimedStop:
    arrive: int
    start: int
    end: int
    travel: int
    late: int
    """Minutes past the end of the window the stop should have started in."""


@dataclass(frozen=True, slots=True)
class RouteTiming:
    stops: tuple[TimedStop, ...]
    depart: int
    end: int
    """Back at the end location."""
    lunch_start: int | None
    back: int
    """Driving minutes from the last stop to the end location."""
    feasible: bool
    """Hard windows, fixed starts, the lunch window and the shift (with overtime) all hold."""


def earliest_start(windows: Sequence[Window], arrive: int) -> tuple[int, int]:
    """(start, lateness) for arriving at `arrive`: wait for the next window, else be late."""
    if not windows:
        return arrive, 0
    for window in windows:  # sorted by start (Job keeps them so)
        if arrive <= window.end:
            return max(arrive, window.start), 0
    return arrive, arrive - windows[-1].end


def time_route(
    tech: Technician,
    windows: Sequence[Sequence[Window]],
    minutes: Sequence[int],
    nodes: Sequence[int],
    travel: Sequence[Sequence[int]],
    start_node: int,
    end_node: int,
    *,
    fixed_starts: Sequence[int | None] | None = None,
    soft_as_hard: bool = False,
    depart: int | None = None,
    lunch_taken: bool = False,
    own_minutes: Sequence[int] | None = None,
) -> RouteTiming:
    """Time a route of stops `k` at matrix node `nodes[k]`, lasting `minutes[k]`.

    Args:
        tech: Whose route it is (shift, overtime, lunch).
        windows: Each stop's windows, sorted by start.
        minutes: Each stop's service minutes.
        nodes: Each stop's row in `travel`.
        travel: Driving minutes between nodes.
        start_node: Row of the technician's start location.
        end_node: Row of the technician's end location.
        fixed_starts: Per stop, a start that must be kept exactly (pinned), or None.
        soft_as_hard: Treat soft windows as hard (the construction heuristic does).
        depart: When the technician leaves (default: the shift start, or later so as not
            to wait at the first stop).
        lunch_taken: The lunch is already behind (re-timing the rest of a day).
        own_minutes: Per stop, the visit's own length for this technician, when `minutes`
            are longer (a service profile's slowest member): whether the lunch is eaten on
            site is judged on it, so the lunch falls inside the visit as the plan has it.
    """
    lunch = None if lunch_taken or not nodes else tech.lunch
    lunch_start: int | None = None
    clock = tech.shift_start if depart is None else depart
    feasible = True
    prev = start_node
    out: list[TimedStop] = []
    first_depart = clock
    for k, node in enumerate(nodes):
        drive = travel[prev][node]
        stop_windows = windows[k]
        fixed = fixed_starts[k] if fixed_starts is not None else None
        if k == 0 and depart is None:
            # Leave home just in time rather than wait on the customer's doorstep.
            opens = (
                fixed if fixed is not None else (stop_windows[0].start if stop_windows else None)
            )
            if opens is not None:
                clock = max(clock, opens - drive)
                if lunch is not None:
                    # A first stop opening after the lunch: leave in time to eat at its door,
                    # not to arrive just in time for a visit that would then hold the lunch.
                    eat = min(lunch.latest, opens - lunch.minutes)
                    leave = max(tech.shift_start, eat - drive)
                    doorstep = max(leave + drive, lunch.earliest)
                    if doorstep <= eat:
                        clock = min(clock, leave)
                    elif clock > lunch.latest:
                        # Leaving just in time would pass the lunch window (a late start
                        # with lunch due): eat before leaving, then drive there and wait.
                        clock = max(tech.shift_start, lunch.latest)
        on_site = False
        if lunch is not None and lunch_start is None:
            if fixed is not None:
                start_without = max(clock + drive, fixed)
            else:
                start_without, _ = earliest_start(stop_windows, clock + drive)
            own = minutes[k] if own_minutes is None else own_minutes[k]
            # The wait before this stop may hold the lunch, which then delays nothing: eaten
            # at the doorstep before the window opens, or before driving there. That beats
            # eating on site, which holds the technician there after the visit.
            doorstep = max(clock + drive, lunch.earliest)
            eat_first = max(clock, lunch.earliest)
            if doorstep <= lunch.latest and doorstep + lunch.minutes <= start_without:
                lunch_start = doorstep
            elif eat_first <= lunch.latest and eat_first + lunch.minutes + drive <= start_without:
                lunch_start = eat_first
                clock = eat_first + lunch.minutes
            elif (
                lunch.hosted_by(own)
                and max(start_without, lunch.earliest) <= lunch.latest
                and start_without + own > lunch.earliest
            ):
                on_site = True  # a long visit spanning the lunch window hosts it
            elif clock >= lunch.earliest or start_without + minutes[k] > lunch.latest:
                lunch_start = max(clock, lunch.earliest)
                clock = lunch_start + lunch.minutes
        if k == 0:
            first_depart = clock
        if tech.last_departure is not None and clock > tech.last_departure:
            feasible = False  # the shift is over: they go home, not to this customer
        arrive = clock + drive
        if fixed is not None:
            start, late = max(arrive, fixed), max(0, arrive - fixed)
            if late:
                feasible = False
        else:
            start, late = earliest_start(stop_windows, arrive)
            if late and (soft_as_hard or stop_windows[0].hard):
                feasible = False
        end = start + minutes[k]
        out.append(TimedStop(arrive, start, end, drive, late))
        clock = end
        if on_site and lunch is not None:
            lunch_start = max(start, lunch.earliest)
            clock = end + lunch.minutes
        prev = node
    if lunch is not None and lunch_start is None:
        lunch_start = max(clock, lunch.earliest)
        clock = lunch_start + lunch.minutes
    if lunch is not None and lunch_start is not None and lunch_start > lunch.latest:
        feasible = False
    back = travel[prev][end_node] if nodes else 0
    finish = clock + back
    if tech.day_ends(finish, back) > tech.shift_end + tech.overtime_minutes:
        feasible = False
    return RouteTiming(tuple(out), first_depart, finish, lunch_start, back, feasible)
