"""A job left out because everyone who could do it has gone off shift says who could have."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from connectors.records import Certification, Classification, Customer, Job, Technician, Urgency
from connectors.sandbox import load_scenario
from connectors.sandbox.platform import SandboxFSM
from optimizer import Job as PlanJob
from optimizer import Plan, Point, Problem, UnassignedJob, check_plan
from optimizer import Technician as PlanTechnician
from orchestrator.bundled import BUNDLED_SCENARIO
from orchestrator.off_shift import name_off_shift
from orchestrator.pipeline import DispatchPipeline
from orchestrator.settings import load_settings
from orchestrator.store import Store
from orchestrator.sync import sync_account

DAY = date(2026, 12, 1)
HERE = Point(39.74, -104.99)
LAPSED = date(2026, 11, 30)
ZONE = ZoneInfo("America/Denver")


def _tech(external_id: str, skills: set[str], **extra: object) -> Technician:
    return Technician(
        account="a",
        platform="sandbox",
        external_id=external_id,
        name=external_id,
        skills=frozenset(skills),
        modified_at=datetime(2026, 11, 1, tzinfo=ZONE),
        **extra,  # type: ignore[arg-type]
    )


def _unassigned(job_id: str, detail: str) -> UnassignedJob:
    return UnassignedJob(job_id, "no_qualified_technician", detail)


def test_the_detail_names_who_held_what_the_job_needs_that_day() -> None:
    on_shift = PlanTechnician(id="T1", start=HERE, shift_start=960, shift_end=1080)
    problem = Problem(
        (on_shift,),
        (
            PlanJob(id="boiler", location=HERE, service_minutes=60, skills=frozenset({"boiler"})),
            PlanJob(id="ev", location=HERE, service_minutes=60, skills=frozenset({"ev_charger"})),
            PlanJob(
                id="theirs",
                location=HERE,
                service_minutes=60,
                # How `build_problem` keeps a job whose designated technician is off shift.
                skills=frozenset({"boiler", "designated:T4"}),
            ),
        ),
    )
    fleet = [
        _tech("T1", set()),
        _tech("T2", {"boiler"}),
        _tech("T3", {"boiler"}),
        _tech("T4", {"boiler"}),
        # Listed as a skill, but the licence lapsed the day before.
        _tech("T5", {"boiler"}, certifications=(Certification(name="boiler", expires_on=LAPSED),)),
    ]
    plan = Plan(
        (),
        (
            _unassigned("boiler", "needs boiler"),
            _unassigned("ev", "needs ev_charger"),
            _unassigned("theirs", "needs boiler, designated:T4"),
        ),
    )
    named = {u.job_id: u for u in name_off_shift(plan, problem, fleet, DAY).unassigned}
    assert named["boiler"].detail == "T2, T3, T4 qualify but are off shift"
    assert named["boiler"].reason == "no_qualified_technician"
    assert named["ev"].detail == "needs ev_charger"  # nobody holds it: the fleet lacks it
    assert named["theirs"].detail == "T4 qualifies but is off shift"
    many = [_tech(f"T{k}", {"boiler"}) for k in range(2, 8)]
    [more] = name_off_shift(Plan((), (plan.unassigned[0],)), problem, many, DAY).unassigned
    assert more.detail == "T2, T3, T4 +3 qualify but are off shift"


def test_a_job_left_out_for_room_also_names_who_has_gone_home() -> None:
    """At 15:30 two of the four electricians are still working and both are full: the detail
    counts those two, then names the two who could have taken it had they been on shift."""
    electric = frozenset({"journeyman_electrician"})
    working = tuple(
        PlanTechnician(id=t, start=HERE, shift_start=930, shift_end=960, skills=electric)
        for t in ("T1", "T2")
    )
    outlets = PlanJob(id="outlets", location=HERE, service_minutes=90, skills=electric)
    estimate = PlanJob(id="estimate", location=HERE, service_minutes=90)
    problem = Problem(working, (outlets, estimate))
    fleet = [
        _tech("T1", {"journeyman_electrician"}),
        _tech("T2", {"journeyman_electrician"}),
        _tech("T3", {"journeyman_electrician"}),
        _tech("T4", {"journeyman_electrician"}),
        _tech("T5", set()),
    ]
    room = "2 qualified for journeyman_electrician (2 nearest considered), no room in their shifts"
    plan = Plan(
        (),
        (
            UnassignedJob("outlets", "no_room_in_shift", room),
            UnassignedJob("estimate", "no_room_in_window", "2 qualified, all full in its window"),
        ),
    )
    named = {u.job_id: u for u in name_off_shift(plan, problem, fleet, DAY).unassigned}
    assert named["outlets"].reason == "no_room_in_shift"
    assert named["outlets"].detail == f"{room}; T3, T4 qualify but are off shift"
    # Anyone could do the estimate: T3, T4 and T5 are named.
    assert named["estimate"].reason == "no_room_in_window"
    assert named["estimate"].detail == (
        "2 qualified, all full in its window; T3, T4, T5 qualify but are off shift"
    )
    # With the whole fleet on the plan there is nobody to name, and the plan is unchanged.
    everyone = Problem(
        tuple(
            PlanTechnician(id=t.external_id, start=HERE, shift_start=930, shift_end=960)
            for t in fleet
        ),
        (outlets, estimate),
    )
    assert name_off_shift(plan, everyone, fleet, DAY) is plan


class _Classifier:
    """J001 is commercial refrigeration, J002 an EV charger nobody installs, the rest routine."""

    def __call__(self, job: Job, customer: Customer | None, now: datetime) -> Classification:
        skills = {"J001": {"commercial_refrigeration"}, "J002": {"ev_charger"}}
        return Classification(
            trade="hvac",
            job_type="hvac.repair",
            skills=frozenset(skills.get(job.external_id, set())),
            urgency=Urgency.SCHEDULED,
            confidence=0.9,
        )


def test_a_late_plan_says_the_refrigeration_technicians_have_gone_home(
    store: Store, tmp_path: Path
) -> None:
    """At 16:45 on the bundled day T01 and T07, the two who hold commercial refrigeration,
    are off shift (16:30); six others work until 17:00."""
    asyncio.run(
        sync_account(store, SandboxFSM(load_scenario(BUNDLED_SCENARIO), account="demo"), full=True)
    )
    config = tmp_path / "config.yaml"
    config.write_text("accounts:\n  - id: demo\n    platform: sandbox\n")
    pipeline = DispatchPipeline(
        store, load_settings(config), "demo", "sandbox", _Classifier(),
        durations=lambda job, tech: 30, time_limit=1,
    )  # fmt: skip
    result = pipeline.plan_day(DAY, now=datetime(2026, 12, 1, 16, 45, tzinfo=ZONE))
    assert check_plan(result.problem, result.plan) == []
    assert {t.id for t in result.problem.technicians} == {"T03", "T04", "T05", "T09", "T10", "T12"}
    left = {u.job_id: u for u in result.plan.unassigned}
    assert left["J001"].reason == "no_qualified_technician"
    assert left["J001"].detail == "T01, T07 qualify but are off shift"
    assert left["J002"].detail == "needs ev_charger"
