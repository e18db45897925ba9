"""The chance of keeping each promise a plan makes, from the duration model's spread and from
where each technician is: a visit already running long behind a promise makes it shakier."""

from __future__ import annotations

import math
from datetime import timedelta
from statistics import NormalDist

import pytest

import optimizer as opt
from connectors.records import GeoPoint, Job, Technician, TimeWindow
from orchestrator.planning import TechnicianPosition
from orchestrator.promise_odds import (
    DurationSpread,
    keep_room_for_overruns,
    keep_room_for_visits_under_way,
    promise_odds,
    promise_reach,
)
from tests.orchestrator.test_planning import FRAME, _at, _job, _tech

HERE = GeoPoint(lat=39.74, lon=-104.99)
PHI = NormalDist().cdf


def _cdf(minutes: float) -> float:
    """P(a visit of median 60 minutes and sigma 0.5 takes at most `minutes`)."""
    return PHI(math.log(minutes / 60) / 0.5)


def _spread(job: Job, tech: Technician | None) -> DurationSpread:
    return DurationSpread(median=60, sigma=0.5)


def _route(tech: str, job: str, start: int) -> opt.Route:
    # Leaves at `start` (minutes from midnight), drives 20 minutes, works 60.
    stop = opt.Stop(job, start + 20, start + 20, start + 80, 20)
    return opt.Route(tech, (stop,), start, start + 100, 20)


def test_a_promise_behind_the_visit_a_technician_is_on_is_as_sure_as_that_visit_ends() -> None:
    now = _at(10)
    # Both technicians are expected free at 10:15, 20 minutes from J1 / J2, promised by 11:00.
    # T1 has been on site since 07:45 at a visit of a 60-minute median; T2 has just finished.
    plan = opt.Plan((_route("T1", "J1", 615), _route("T2", "J2", 615)), ())
    promise = TimeWindow(start=_at(9, 30), end=_at(11))
    positions = {
        "T1": TechnicianPosition(HERE, now + timedelta(minutes=15), ("J0", _at(7, 45))),
        "T2": TechnicianPosition(HERE, now + timedelta(minutes=15)),
    }
    jobs = {j: _job(j) for j in ("J0", "J1", "J2")}
    techs = {t: _tech(t) for t in ("T1", "T2")}
    odds = promise_odds(
        plan, {"J1": promise, "J2": promise}, frame=FRAME, jobs=jobs, technicians=techs,
        spread=_spread, positions=positions, now=now,
    )  # fmt: skip
    # T1 keeps it if the visit, 135 minutes in, ends within 40 more.
    assert odds["J1"] == pytest.approx((_cdf(175) - _cdf(135)) / (1 - _cdf(135)), abs=0.03)
    assert odds["J2"] == 1.0
    # Without knowing who is on site, both leave as planned.
    blind = promise_odds(
        plan, {"J1": promise, "J2": promise}, frame=FRAME, jobs=jobs, technicians=techs,
        spread=_spread,
    )  # fmt: skip
    assert blind == {"J1": 1.0, "J2": 1.0}


def test_only_promised_visits_get_a_chance() -> None:
    plan = opt.Plan((_route("T1", "J1", 615),), ())
    odds = promise_odds(
        plan, {}, frame=FRAME, jobs={"J1": _job("J1")}, technicians={"T1": _tech("T1")},
        spread=_spread,
    )  # fmt: skip
    assert odds == {}


def test_the_reach_is_when_the_technician_arrives_that_surely() -> None:
    # T1 leaves at 10:15 for a 60-minute visit (J1, from 10:35) and drives 20 minutes to J2:
    # J2 is reached at 11:55 plus however long J1 runs over.
    first = opt.Stop("J1", 635, 635, 695, 20)
    second = opt.Stop("J2", 715, 715, 775, 20)
    plan = opt.Plan((opt.Route("T1", (first, second), 615, 795, 20),), ())
    jobs = {j: _job(j) for j in ("J1", "J2")}
    reach = promise_reach(
        plan, {"J2"}, 0.8, frame=FRAME, jobs=jobs, technicians={"T1": _tech("T1")},
        spread=_spread,
    )  # fmt: skip
    # J1 takes 60 * exp(0.5 z); its p80 is 60 * exp(0.5 * 0.8416) = 91.4 minutes.
    expected = _at(11, 55) + timedelta(minutes=60 * math.exp(0.5 * 0.8416) - 60)
    assert set(reach) == {"J2"}
    assert abs((reach["J2"] - expected).total_seconds()) <= 3 * 60
    surer = promise_reach(
        plan, {"J2"}, 0.95, frame=FRAME, jobs=jobs, technicians={"T1": _tech("T1")},
        spread=_spread,
    )  # fmt: skip
    assert surer["J2"] > reach["J2"]
    # A window J1's customer was told, opening at 11:30, holds the technician there until then:
    # J2 is reached at 12:50 plus J1's overrun, whose p80 is 31 minutes.
    told = {"J1": TimeWindow(start=_at(11, 30), end=_at(13, 30))}
    held = promise_reach(
        plan, {"J2"}, 0.8, frame=FRAME, jobs=jobs, technicians={"T1": _tech("T1")},
        spread=_spread, told=told,
    )  # fmt: skip
    assert abs((held["J2"] - _at(13, 21)).total_seconds()) <= 3 * 60
    with pytest.raises(ValueError, match="confidence"):
        promise_reach(plan, {"J2"}, 1.0, frame=FRAME, jobs=jobs, technicians={}, spread=_spread)


def test_each_job_keeps_room_for_its_overrun_at_the_quantile_asked() -> None:
    problem = opt.Problem(
        (opt.Technician("T1", opt.Point(39.74, -104.99), 480, 1020),),
        (
            opt.Job("J1", opt.Point(39.75, -104.98), 90),
            opt.Job("J2", opt.Point(39.76, -104.97), 40),
            opt.Job("GONE", opt.Point(39.77, -104.96), 30),  # no record: nothing known
        ),
    )
    records = {"J1": _job("J1"), "J2": _job("J2")}
    roomy = keep_room_for_overruns(problem, records, _spread, 0.8, routing_quantile=0.5)
    beyond = math.exp(0.5 * NormalDist().inv_cdf(0.8))  # p80 over the median: 1.52
    assert [job.overrun_minutes for job in roomy.jobs] == [
        round(90 * (beyond - 1)),
        round(40 * (beyond - 1)),
        0,
    ]
    assert roomy.jobs[0].overrun_minutes == 47
    # Planned at the p70 already, a p80 overrun is the gap between the two.
    gap = math.exp(0.5 * (NormalDist().inv_cdf(0.8) - NormalDist().inv_cdf(0.7)))
    higher = keep_room_for_overruns(problem, records, _spread, 0.8, routing_quantile=0.7)
    assert higher.jobs[0].overrun_minutes == round(90 * (gap - 1)) == 15
    for off in (0.0, 0.5, 0.3):
        same = keep_room_for_overruns(problem, records, _spread, off, routing_quantile=0.5)
        assert [job.overrun_minutes for job in same.jobs] == [0, 0, 0]


def test_a_technician_on_site_starts_with_room_for_the_visit_under_way_to_run_long() -> None:
    now = _at(10)
    home = opt.Point(39.74, -104.99)
    # T1, T2 and T3 are each planned free at 10:15 (minute 615). T1 has been on J0 (median 60)
    # since 07:45; T3 on a visit nothing is known of; T2 has just finished.
    problem = opt.Problem(
        tuple(opt.Technician(t, home, 615, 1020) for t in ("T1", "T2", "T3")),
        (opt.Job("J1", opt.Point(39.75, -104.98), 60),),
    )
    positions = {
        "T1": TechnicianPosition(HERE, now + timedelta(minutes=15), ("J0", _at(7, 45))),
        "T2": TechnicianPosition(HERE, now + timedelta(minutes=15)),
        "T3": TechnicianPosition(HERE, now + timedelta(minutes=15), ("GONE", _at(9))),
    }
    jobs = {j: _job(j) for j in ("J0", "J1")}
    techs = {t: _tech(t) for t in ("T1", "T2", "T3")}

    def room(quantile: float) -> list[int]:
        roomy = keep_room_for_visits_under_way(
            problem, jobs, techs, _spread, positions, now, FRAME, quantile, routing_quantile=0.5
        )
        return [tech.start_room for tech in roomy.technicians]

    # 135 minutes in, J0 ends by its p80 given that: the quantile 0.8 of what is left above
    # 135 minutes, 60 * exp(0.5 z) with z at P(135) + 0.8 (1 - P(135)).
    z = NormalDist().inv_cdf(_cdf(135) + 0.8 * (1 - _cdf(135)))
    ends = 7 * 60 + 45 + 60 * math.exp(0.5 * z)  # minute of the day
    assert room(0.8) == [math.ceil(ends - 615), 0, 0]
    assert 40 < room(0.8)[0] < 60
    assert room(0.9)[0] > room(0.8)[0]
    assert room(0.5) == room(0.3) == [0, 0, 0]
