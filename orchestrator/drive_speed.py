"""How fast this fleet really drives, learned from its own drives.

Plans are laid on an estimate of driving minutes (the offline model: great-circle distance ×
circuity ÷ a typical speed), the same for every city. A technician's status events time each
drive: en route from the last visit (or from home, at the day's first), on site at the next.
Their total over the total the estimate gave is the fleet's factor, shrunk toward 1 by
`PRIOR_MINUTES` of driving at the estimate: a new account's first drives move it little, a
morning of them settles it. Plans then drive at that speed, so a fleet in a fast suburb is not
held to a city's traffic and one in a slow city does not promise arrivals it cannot keep.

A drive whose start is not known (a technician turned back, or seen on site without having
set off) is not counted; one drive counts at most `LEG_LIMIT` times its estimate either way,
so a stop for parts on the way is not taken for the road.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import optimizer as opt
from connectors.records import Appointment, Job, Lifecycle, Location, StatusEvent, Technician

__all__ = ["DRIVE_DAYS", "FACTOR_BOUNDS", "LEG_LIMIT", "PRIOR_MINUTES", "Drive", "DriveSpeed"]

DRIVE_DAYS = 14
"""How far back the running service reads drives: recent roads, this season's traffic."""

PRIOR_MINUTES = 240.0
"""Minutes of driving at the estimate the factor starts from: a day's first dozen drives."""
FACTOR_BOUNDS = (0.6, 1.6)
LEG_LIMIT = 3.0
ESTIMATES_KEPT = 100_000
BATCH = 100
"""Points per travel matrix asked for drive estimates: one request of a road server's table."""
STEP = 0.02
"""The factor is kept to this step, so re-plans minutes apart drive at the same speed."""


@dataclass(frozen=True, slots=True)
class Drive:
    """One drive seen whole: who, when they set off, what the estimate said, what it took."""

    technician_id: str
    departed: datetime
    estimated: int
    observed: float


@dataclass
class DriveSpeed:
    """The fleet's driving factor against `travel`'s estimates (its daytime matrix, the one
    plans are solved on)."""

    travel: opt.TravelTimes = field(default_factory=opt.OfflineTravel)
    prior_minutes: float = PRIOR_MINUTES
    _estimates: dict[tuple[opt.Point, opt.Point], int] = field(
        default_factory=dict, init=False, repr=False
    )

    def drives(
        self,
        events: Iterable[StatusEvent],
        appointments: Mapping[str, Appointment],
        jobs: Mapping[str, Job],
        locations: Mapping[str, Location],
        technicians: Mapping[str, Technician],
        zone: ZoneInfo,
    ) -> list[Drive]:
        """Every drive the events show from a known start to an arrival, oldest first."""
        by_tech: dict[str, list[StatusEvent]] = defaultdict(list)
        for event in events:
            if event.subject == "appointment" and event.technician_id:
                by_tech[event.technician_id].append(event)
        seen: list[tuple[str, opt.Point, opt.Point, datetime, float]] = []
        for tech_id, series in by_tech.items():
            tech = technicians.get(tech_id)
            home = opt.Point(tech.home.lat, tech.home.lon) if tech and tech.home else None
            series.sort(key=lambda e: e.occurred_at)
            day: date | None = None
            here: opt.Point | None = None
            leaving: tuple[str, opt.Point | None, datetime] | None = None
            for event in series:
                today = event.occurred_at.astimezone(zone).date()
                if today != day:
                    day, here, leaving = today, home, None  # each day starts from home
                site = self._site(event.subject_id, appointments, jobs, locations)
                if event.status is Lifecycle.EN_ROUTE:
                    if leaving and leaving[0] == event.subject_id:
                        continue  # the same set-off reported again
                    # On the road: where they are is unknown until they arrive somewhere.
                    leaving, here = (event.subject_id, here, event.occurred_at), None
                elif event.status is Lifecycle.CANCELED:
                    if leaving and leaving[0] == event.subject_id:
                        leaving = None  # turned back on the way: stopped somewhere unknown
                elif event.status is Lifecycle.ON_SITE:
                    if leaving and leaving[0] == event.subject_id and leaving[1] and site:
                        took = (event.occurred_at - leaving[2]).total_seconds() / 60
                        seen.append((tech_id, leaving[1], site, leaving[2], took))
                    leaving, here = None, site
                elif event.status in (Lifecycle.COMPLETED, Lifecycle.ON_HOLD) and site:
                    here = site
        self._estimate({(start, end) for _, start, end, _, _ in seen})
        found = [
            Drive(tech_id, departed, self._estimates[(start, end)], took)
            for tech_id, start, end, departed, took in seen
            if self._estimates[(start, end)] > 0 and took >= 0
        ]
        found.sort(key=lambda d: d.departed)
        return found

    def factor(self, drives: Iterable[Drive]) -> float:
        """Observed over estimated minutes, shrunk toward 1 and kept to `STEP`."""
        observed = estimated = self.prior_minutes
        for drive in drives:
            estimated += drive.estimated
            observed += min(
                max(drive.observed, drive.estimated / LEG_LIMIT), drive.estimated * LEG_LIMIT
            )
        low, high = FACTOR_BOUNDS
        raw = min(max(observed / estimated, low), high)
        return round(round(raw / STEP) * STEP, 4)

    def travel_at(self, factor: float) -> opt.TravelTimes:
        """The travel plans use at `factor`: the estimate itself at 1."""
        return self.travel if math.isclose(factor, 1.0) else opt.ScaledTravel(self.travel, factor)

    def _site(
        self,
        appointment_id: str,
        appointments: Mapping[str, Appointment],
        jobs: Mapping[str, Job],
        locations: Mapping[str, Location],
    ) -> opt.Point | None:
        appointment = appointments.get(appointment_id)
        job = jobs.get(appointment.job_id) if appointment else None
        location = locations.get(job.location_id or "") if job else None
        if location is None or location.point is None:
            return None
        return opt.Point(location.point.lat, location.point.lon)

    def _estimate(self, pairs: set[tuple[opt.Point, opt.Point]]) -> None:
        """The estimate of each pair not yet known, asked in matrices of at most `BATCH`
        points (a road server answers a table in one request, not one per drive)."""
        if len(self._estimates) + len(pairs) > ESTIMATES_KEPT:
            self._estimates.clear()  # a long-running service meets new pairs every day
        missing = [p for p in pairs if p not in self._estimates]
        while missing:
            points: dict[opt.Point, int] = {}
            batch = []
            while missing and len(points) < BATCH - 1:
                start, end = missing.pop()
                points.setdefault(start, len(points))
                points.setdefault(end, len(points))
                batch.append((start, end))
            matrix = self.travel.matrix(list(points))
            for start, end in batch:
                self._estimates[(start, end)] = int(matrix[points[start], points[end]])
