"""The fleet's driving speed, learned from the drives its status events time."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

import optimizer as opt
from connectors.records import (
    Appointment,
    Classification,
    GeoPoint,
    Job,
    Lifecycle,
    Location,
    StatusEvent,
    Technician,
    Urgency,
)
from connectors.sandbox import load_scenario
from connectors.sandbox.platform import SandboxFSM
from optimizer import check_plan
from orchestrator.bundled import BUNDLED_SCENARIO as BUNDLED
from orchestrator.drive_speed import FACTOR_BOUNDS, LEG_LIMIT, PRIOR_MINUTES, Drive, DriveSpeed
from orchestrator.pipeline import DispatchPipeline
from orchestrator.settings import load_settings
from orchestrator.store import Store
from orchestrator.sync import sync_account

ZONE = ZoneInfo("America/Denver")
HOME = (39.70, -105.00)
SITES = {"A": (39.74, -105.02), "B": (39.78, -104.95), "C": (39.66, -104.90)}
ESTIMATE = opt.OfflineTravel()
DAY = date(2026, 12, 1)


def _records() -> tuple[dict[str, Appointment], dict[str, Job], dict[str, Location]]:
    common = {"platform": "sandbox", "account": "demo"}
    locations = {
        f"L{k}": Location(**common, external_id=f"L{k}", point=GeoPoint(lat=lat, lon=lon))
        for k, (lat, lon) in SITES.items()
    }
    jobs = {
        f"J{k}": Job(**common, external_id=f"J{k}", summary="visit", location_id=f"L{k}")
        for k in SITES
    }
    appointments = {
        f"A{k}": Appointment(**common, external_id=f"A{k}", job_id=f"J{k}") for k in SITES
    }
    return appointments, jobs, locations


def _tech() -> dict[str, Technician]:
    home = GeoPoint(lat=HOME[0], lon=HOME[1])
    tech = Technician(platform="sandbox", account="demo", external_id="T1", name="T", home=home)
    return {"T1": tech}


def _event(n: int, appointment: str, status: Lifecycle, at: datetime) -> StatusEvent:
    return StatusEvent(
        platform="sandbox", account="demo", external_id=f"e{n}", subject="appointment",
        subject_id=appointment, status=status, occurred_at=at, technician_id="T1",
    )  # fmt: skip


def _minutes(a: tuple[float, float], b: tuple[float, float]) -> int:
    return int(ESTIMATE.matrix([opt.Point(*a), opt.Point(*b)])[0, 1])


def _day(start: datetime, stops: list[str], pace: float, first: int = 0) -> list[StatusEvent]:
    """A day driving from home through `stops` at `pace` times the estimate, 60 min on site."""
    events, here, at, n = [], HOME, start, first
    for stop in stops:
        site = SITES[stop]
        drive = timedelta(minutes=_minutes(here, site) * pace)
        events += [
            _event(n, f"A{stop}", Lifecycle.EN_ROUTE, at),
            _event(n + 1, f"A{stop}", Lifecycle.ON_SITE, at + drive),
            _event(n + 2, f"A{stop}", Lifecycle.COMPLETED, at + drive + timedelta(minutes=60)),
        ]
        here, at, n = site, at + drive + timedelta(minutes=70), n + 3
    return events


def _drives(events: list[StatusEvent]) -> list[Drive]:
    appointments, jobs, locations = _records()
    return DriveSpeed().drives(events, appointments, jobs, locations, _tech(), ZONE)


def test_each_drive_runs_from_home_or_the_last_door_to_the_next() -> None:
    morning = datetime(2026, 12, 1, 8, tzinfo=ZONE)
    drives = _drives(_day(morning, ["A", "B", "C"], pace=1.5))
    legs = [(HOME, SITES["A"]), (SITES["A"], SITES["B"]), (SITES["B"], SITES["C"])]
    assert [d.estimated for d in drives] == [_minutes(a, b) for a, b in legs]
    assert [d.observed for d in drives] == pytest.approx([1.5 * d.estimated for d in drives])
    assert drives[0].departed == morning


def test_the_next_day_starts_from_home_again() -> None:
    first = _day(datetime(2026, 12, 1, 8, tzinfo=ZONE), ["A"], pace=1.0)
    second = _day(datetime(2026, 12, 2, 8, tzinfo=ZONE), ["B"], pace=1.0, first=10)
    drives = _drives(first + second)
    assert [d.estimated for d in drives] == [
        _minutes(HOME, SITES["A"]),
        _minutes(HOME, SITES["B"]),
    ]


def test_a_drive_from_where_a_technician_turned_back_is_not_counted() -> None:
    """Set out for A, A canceled on the way: stopped somewhere unknown, so the drive to B that
    follows has no known start. A set-off reported twice is still one drive."""
    at = datetime(2026, 12, 1, 8, tzinfo=ZONE)
    events = [
        _event(1, "AA", Lifecycle.EN_ROUTE, at),
        _event(2, "AA", Lifecycle.CANCELED, at + timedelta(minutes=5)),
        _event(3, "AB", Lifecycle.EN_ROUTE, at + timedelta(minutes=6)),
        _event(4, "AB", Lifecycle.ON_SITE, at + timedelta(minutes=40)),
        _event(5, "AB", Lifecycle.COMPLETED, at + timedelta(minutes=100)),
        _event(6, "AC", Lifecycle.EN_ROUTE, at + timedelta(minutes=110)),
        _event(7, "AC", Lifecycle.EN_ROUTE, at + timedelta(minutes=115)),
        _event(8, "AC", Lifecycle.ON_SITE, at + timedelta(minutes=150)),
    ]
    drives = _drives(events)
    assert len(drives) == 1
    assert drives[0].estimated == _minutes(SITES["B"], SITES["C"])
    assert drives[0].observed == 40


def test_the_factor_starts_at_the_estimate_and_moves_with_the_minutes_seen() -> None:
    speed = DriveSpeed()
    assert speed.factor([]) == 1.0
    at = datetime(2026, 12, 1, 8, tzinfo=ZONE)
    few = [Drive("T1", at, 20, 30.0)]
    many = few * 60
    # 20 minutes seen at 1.5 times barely move it; 1,200 minutes nearly settle it.
    assert speed.factor(few) == pytest.approx(
        round((PRIOR_MINUTES + 30) / (PRIOR_MINUTES + 20) / 0.02) * 0.02
    )
    assert 1.0 < speed.factor(few) < 1.1 and 1.4 <= speed.factor(many) <= 1.5
    # A stop on the way counts as at most LEG_LIMIT times the estimate; the factor is bounded.
    detour = [Drive("T1", at, 20, 20 * 50.0)]
    assert speed.factor(detour) == pytest.approx(
        round((PRIOR_MINUTES + 20 * LEG_LIMIT) / (PRIOR_MINUTES + 20) / 0.02) * 0.02
    )
    assert speed.factor([Drive("T1", at, 20, 200.0)] * 200) == FACTOR_BOUNDS[1]
    assert speed.factor([Drive("T1", at, 20, 1.0)] * 200) == FACTOR_BOUNDS[0]


def test_scaled_travel_keeps_the_roads_and_changes_the_speed() -> None:
    points = [opt.Point(*HOME), opt.Point(*SITES["A"]), opt.Point(*SITES["A"])]
    base = ESTIMATE.matrix(points)
    slow = opt.ScaledTravel(ESTIMATE, 1.5).matrix(points)
    assert slow[0, 1] == round(base[0, 1] * 1.5) and slow[1, 0] == round(base[1, 0] * 1.5)
    assert slow[1, 2] == 0 and np.all(np.diag(slow) == 0)  # one place stays one place
    near = [opt.Point(39.7, -105.0), opt.Point(39.7001, -105.0)]
    assert opt.ScaledTravel(ESTIMATE, 0.6).matrix(near)[0, 1] == 1  # distinct: a minute apart

    class Cut:
        def matrix(self, pts: object, depart_minute: int | None = None) -> np.ndarray:
            return np.array([[0, 24 * 60], [30, 0]], dtype=np.int64)

    cut = opt.ScaledTravel(Cut(), 0.5).matrix([])
    assert cut[0, 1] == 24 * 60 and cut[1, 0] == 15  # no route stays no route
    with pytest.raises(ValueError, match="factor"):
        opt.ScaledTravel(ESTIMATE, 0.0)


def _slow_yesterday(store: Store) -> float:
    """T01 drove yesterday's visits (today's bookings, as places) at twice the estimate; the
    factor those drives give."""
    visits = [a for a in store.list(Appointment, account="demo") if a.window is not None][:6]
    jobs = {j.external_id: j for j in store.list(Job, account="demo")}
    places = {loc.external_id: loc for loc in store.list(Location, account="demo")}
    tech = next(t for t in store.list(Technician, account="demo") if t.external_id == "T01")
    assert tech.home is not None
    here = opt.Point(tech.home.lat, tech.home.lon)
    at = datetime(2026, 11, 30, 8, tzinfo=ZONE)
    events: list[StatusEvent] = []
    for n, visit in enumerate(visits):
        point = places[jobs[visit.job_id].location_id or ""].point
        assert point is not None
        there = opt.Point(point.lat, point.lon)
        drive = timedelta(minutes=2 * int(ESTIMATE.matrix([here, there])[0, 1]))
        events += [
            _event(3 * n, visit.external_id, Lifecycle.EN_ROUTE, at),
            _event(3 * n + 1, visit.external_id, Lifecycle.ON_SITE, at + drive),
            _event(3 * n + 2, visit.external_id, Lifecycle.COMPLETED, at + drive + HOUR),
        ]
        here, at = there, at + drive + HOUR
    events = [e.model_copy(update={"technician_id": "T01"}) for e in events]
    store.upsert(events)
    appointments = {a.external_id: a for a in store.list(Appointment, account="demo")}
    speed = DriveSpeed()
    drives = speed.drives(events, appointments, jobs, places, {"T01": tech}, ZONE)
    assert len(drives) == 6
    return speed.factor(drives)


HOUR = timedelta(hours=1)


@pytest.mark.parametrize("learn", [True, False])
def test_plans_drive_at_the_speed_the_fleet_was_timed_at(
    store: Store, tmp_path: Path, learn: bool
) -> None:
    """Yesterday's drives took twice the estimate: today's re-plan drives every leg at the
    learned factor, unless the account keeps the estimate."""
    asyncio.run(sync_account(store, SandboxFSM(load_scenario(BUNDLED), account="demo"), full=True))
    factor = _slow_yesterday(store)
    assert factor >= 1.3
    config = tmp_path / "config.yaml"
    config.write_text(
        "accounts:\n  - id: demo\n    platform: sandbox\n"
        f"planning:\n  learn_drive_speed: {str(learn).lower()}\n"
    )
    pipeline = DispatchPipeline(
        store, load_settings(config), "demo", "sandbox", _routine, durations=lambda j, t: 50,
        time_limit=1,
    )  # fmt: skip
    result = pipeline.plan_day(DAY, now=datetime(2026, 12, 1, 7, tzinfo=ZONE))
    travel = opt.ScaledTravel(ESTIMATE, factor) if learn else ESTIMATE
    assert result.drive_factor == (factor if learn else 1.0)
    assert check_plan(result.problem, result.plan, travel=travel) == []
    legs = 0
    for route in result.plan.routes:
        tech = result.problem.technician(route.technician_id)
        points = [tech.start] + [result.problem.job(s.job_id).location for s in route.stops]
        minutes = travel.matrix(points)
        for i, stop in enumerate(route.stops):
            assert stop.travel_minutes == minutes[i, i + 1]
            legs += stop.travel_minutes > 0
    assert legs > 10


def _routine(job: Job, customer: object, now: datetime) -> Classification:
    return Classification(
        trade="hvac", job_type="hvac.repair", urgency=Urgency.SCHEDULED, confidence=0.9
    )
