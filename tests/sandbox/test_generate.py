"""Generated days: valid, reproducible, and shaped like a real contractor's day."""

from __future__ import annotations

import statistics
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from connectors.sandbox import load_scenario
from connectors.sandbox.generate import (
    _DURATION,
    _SUMMER_MIX,
    _WINTER_MIX,
    BOOKING_FILL,
    GenerateParams,
    generate_scenario,
)
from connectors.sandbox.scenario import NewJobEvent
from connectors.sandbox.travel import haversine_km
from connectors.sandbox.truth import can_do, true_equipment, true_skills
from orchestrator.cli.app import app


@pytest.fixture(scope="module")
def day_40x160():
    """A generated 40-truck, 160-job day."""
    return generate_scenario(GenerateParams(40, 160, seed=11))


def test_the_same_seed_gives_the_same_day_and_another_seed_another() -> None:
    """Generation is deterministic in its parameters."""
    a = generate_scenario(GenerateParams(12, 47, seed=1))
    assert generate_scenario(GenerateParams(12, 47, seed=1)) == a
    assert generate_scenario(GenerateParams(12, 47, seed=2)) != a


def test_counts_follow_the_parameters(day_40x160) -> None:
    """N technicians, M morning jobs, and tickets arriving during the day on top."""
    assert len(day_40x160.technicians) == 40
    assert len(day_40x160.jobs) == 160
    arriving = [e for e in day_40x160.events if isinstance(e, NewJobEvent)]
    assert 5 <= len(arriving) <= 30
    assert all(e.job.booked_window is None for e in arriving)
    assert {e.type for e in day_40x160.events} >= {"new_job", "overrun", "cancel"}


def _able(scenario, job) -> frozenset[str]:
    """Technicians who hold what `job` truly needs on the scenario's day."""
    return frozenset(t.id for t in scenario.technicians if can_do(t, job, scenario.day))


def test_every_job_can_be_done_by_someone_on_the_fleet(day_40x160) -> None:
    """True skills and equipment of each job are held by at least one technician that day."""
    for job in day_40x160.all_jobs():
        needs = f"{sorted(true_skills(job))} {sorted(true_equipment(job))}"
        assert _able(day_40x160, job), f"{job.id} ({job.truth.job_type}) needs {needs}"


@pytest.mark.parametrize(("techs", "jobs"), [(12, 47), (40, 160)])
def test_no_group_of_technicians_is_booked_past_its_day(techs: int, jobs: int) -> None:
    """Work booked ahead that only a few specialists can do fits their day: the typical minutes
    of the morning's jobs each such group alone is qualified for stay within `BOOKING_FILL` of
    the group's shift minutes less lunch. Without the desk's check, 40-truck days 1, 4 and 9 booked
    16, 15 and 20 hours of work for one specialist each."""
    for seed in range(1, 11):
        scenario = generate_scenario(GenerateParams(techs, jobs, seed=seed))
        working = {
            t.id: (t.shift.end.hour * 60 + t.shift.end.minute)
            - (t.shift.start.hour * 60 + t.shift.start.minute)
            - (t.lunch.minutes if t.lunch else 0)
            for t in scenario.technicians
        }
        booked: dict[frozenset[str], float] = {}
        for job in scenario.jobs:
            group = _able(scenario, job)
            booked[group] = booked.get(group, 0.0) + _DURATION[job.truth.job_type][0]
        for group in booked:
            if len(group) > max(2, techs // 10):
                continue  # a whole trade may be overbooked on a busy day; a specialist is not
            load = sum(m for g, m in booked.items() if g <= group)
            room = sum(working[t] for t in group)
            assert load <= BOOKING_FILL * room, (techs, seed, sorted(group), load, room)


@pytest.mark.parametrize("techs", [3, 12, 40])
def test_trades_are_staffed_in_proportion_to_the_work(techs: int) -> None:
    """Each trade's share of the fleet is within one technician of its share of the season's
    work (drawing trades at random left some 12-truck fleets one plumber short of three)."""
    for seed in (1, 2, 3):
        scenario = generate_scenario(GenerateParams(techs, techs * 4, seed=seed))

        def trade_of_tech(t) -> str:  # the fleet's trades, read off what each holds
            if "commercial_refrigeration" in t.skills:
                return "refrigeration"
            if "journeyman_electrician" in t.skills:
                return "electrical"
            if (
                "drain_machine" in t.equipment
                or "pipe_threader" in t.equipment
                or ({"backflow", "tankless_water_heater"} & set(t.skills))
            ):
                return "plumbing"
            return "hvac"

        fleet = [trade_of_tech(t) for t in scenario.technicians]
        mix = _WINTER_MIX if scenario.day.month in (10, 11, 12, 1, 2, 3, 4) else _SUMMER_MIX
        staffed = [t for t in fleet if t != "refrigeration"]
        trades = ("hvac", "plumbing", "electrical")
        work = {t: sum(w for k, w in mix.items() if k.startswith(t + ".")) for t in trades}
        for trade in trades:
            expected = len(staffed) * work[trade] / sum(work.values())
            assert fleet.count(trade) >= 1
            assert abs(fleet.count(trade) - expected) < 1, (trade, fleet)


@pytest.mark.parametrize(
    ("techs", "day"), [(12, date(2026, 1, 14)), (40, date(2026, 1, 14)), (120, date(2026, 7, 8))]
)
def test_refrigeration_techs_follow_that_trades_minutes_of_work(techs: int, day: date) -> None:
    """Commercial refrigeration is about 5 % of the season's work in minutes: one technician on
    12 trucks, two on 40, six on 120 (a single one for any fleet left 40-truck days with 22
    hours of refrigeration calls for one person)."""
    scenario = generate_scenario(GenerateParams(techs, techs * 4, seed=3, day=day))
    held = sum("commercial_refrigeration" in t.skills for t in scenario.technicians)
    mix = _WINTER_MIX if day.month == 1 else _SUMMER_MIX
    minutes = {kind: w * _DURATION[kind][0] for kind, w in mix.items()}
    share = minutes["refrigeration.commercial"] / sum(minutes.values())
    assert held == max(1, round(techs * share))
    assert held == {12: 1, 40: 2, 120: 6}[techs]


def test_jobs_cluster_in_neighbourhoods(day_40x160) -> None:
    """Half the jobs have another job within 2 km, far closer than spread over the metro."""
    points = [(j.location.lat, j.location.lon) for j in day_40x160.jobs]
    nearest = [
        min(haversine_km(*p, *q) for k, q in enumerate(points) if k != i)
        for i, p in enumerate(points)
    ]
    assert statistics.median(nearest) < 2.0
    spread = max(haversine_km(*points[0], *q) for q in points)
    assert spread > 10.0


def test_durations_have_a_long_tail_and_most_jobs_are_booked(day_40x160) -> None:
    """p90 of the true durations is well above the median; about 70 % carry a booked window."""
    minutes = sorted(j.truth.duration_minutes for j in day_40x160.jobs)
    assert minutes[int(0.9 * len(minutes))] > 1.5 * statistics.median(minutes)
    booked = sum(j.booked_window is not None for j in day_40x160.jobs) / len(day_40x160.jobs)
    assert 0.55 <= booked <= 0.85
    assert any(not j.truth.customer_home for j in day_40x160.jobs)


def test_installs_are_booked_to_start_in_the_morning(day_40x160) -> None:
    """An office books a five-hour install for a morning arrival; shorter visits get windows
    all day long."""
    booked = [j for j in day_40x160.jobs if j.booked_window is not None]
    long_jobs = [j for j in booked if _DURATION[j.truth.job_type][0] >= 180]
    short_jobs = [j for j in booked if _DURATION[j.truth.job_type][0] < 180]
    assert long_jobs and all(j.booked_window.start.hour == 8 for j in long_jobs)
    assert any(j.booked_window.start.hour >= 12 for j in short_jobs)


def test_tickets_read_like_customers_wrote_them(day_40x160) -> None:
    """Shorthand and typos appear; texts are not all the same template."""
    texts = [j.description for j in day_40x160.all_jobs()]
    assert len(set(texts)) > len(texts) // 3
    shorthand = ("pls", "thru", "cust", "t-stat", "HWH", "AC", "w/", "nite", "wont", "didnt")
    assert sum(any(s in t for s in shorthand) for t in texts) > len(texts) // 5


@pytest.mark.parametrize("day", [date(2026, 1, 14), date(2026, 7, 15)])
def test_urgent_heating_and_cooling_calls_fit_the_season_and_say_why(day: date) -> None:
    """No furnace emergency in July: urgent HVAC calls follow the weather, name who is at risk,
    and the household carries the matching flag."""
    scenario = generate_scenario(GenerateParams(40, 160, seed=5, day=day, new_job_share=0.3))
    customers = {c.id: c for c in scenario.customers}
    arriving = [e.job for e in scenario.events if isinstance(e, NewJobEvent)]
    hvac = [j for j in arriving if j.truth.job_type in ("hvac.no_heat", "hvac.no_cooling")]
    urgent = [j for j in hvac if {"elderly", "infant"} & set(customers[j.customer].flags)]
    assert urgent
    season = "hvac.no_heat" if day.month == 1 else "hvac.no_cooling"
    assert all(j.truth.job_type == season for j in urgent)
    assert all(
        f"{scenario.outdoor_temp_f:g}" in j.description or "out" in j.description for j in urgent
    )


def test_history_rows_name_fleet_technicians(day_40x160) -> None:
    """History exists for every technician and lies before the service day."""
    ids = {t.id for t in day_40x160.technicians}
    assert {h.technician for h in day_40x160.history} == ids
    assert all(h.day < day_40x160.day for h in day_40x160.history)


def test_invalid_parameters_are_refused() -> None:
    """Zero technicians is an error, one is fine."""
    generate_scenario(GenerateParams(1, 3, seed=0))
    with pytest.raises(ValueError, match="technicians must be between 1 and 500, got 0"):
        GenerateParams(0, 3)


def test_cli_generates_then_validates(tmp_path: Path) -> None:
    """`scenario generate` writes a file `scenario validate` accepts; a broken one exits 1."""
    runner = CliRunner()
    out = tmp_path / "day.json"
    result = runner.invoke(
        app,
        [
            "scenario",
            "generate",
            "--techs",
            "5",
            "--jobs",
            "12",
            "--seed",
            "3",
            "--out",
            str(out),
            "--date",
            "2026-02-03",
        ],
    )
    assert result.exit_code == 0, result.output
    scenario = load_scenario(out)
    assert scenario.day == date(2026, 2, 3) and len(scenario.jobs) == 12
    assert runner.invoke(app, ["scenario", "validate", str(out)]).exit_code == 0

    broken = tmp_path / "broken.yaml"
    broken.write_text(out.read_text().replace('"customer": "C002"', '"customer": "C999"'))
    broken.write_text(broken.read_text())
    result = runner.invoke(app, ["scenario", "validate", str(broken)])
    assert result.exit_code == 1
    assert "jobs[1].customer: unknown customer 'C999'" in result.output
