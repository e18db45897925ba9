"""What a job really needs, as the simulator judges it: skills, equipment, urgency.

The rules are those used to label tickets (skills and equipment per job type, urgency by hazard,
weather and occupant), reduced to what the job type alone implies. A scenario can state more under
a job's `truth` (for example `gas_fitter` for a gas water heater); what it states wins.
"""

from __future__ import annotations

from datetime import date

from connectors.records import Classification, CustomerFlag, Urgency
from connectors.sandbox.scenario import ScenarioCustomer, ScenarioJob, ScenarioTechnician

__all__ = [
    "EMERGENCY_JOB_TYPES",
    "IMPLIED_SKILLS",
    "can_do",
    "holds",
    "true_classification",
    "true_equipment",
    "true_skills",
    "true_urgency",
]

_SKILLS: dict[str, frozenset[str]] = {
    "hvac.refrigerant_leak": frozenset({"epa_608"}),
    "refrigeration.commercial": frozenset({"commercial_refrigeration", "epa_608"}),
    "electrical.no_power": frozenset({"journeyman_electrician"}),
    "electrical.hazard": frozenset({"journeyman_electrician"}),
    "electrical.outlet_fixture": frozenset({"journeyman_electrician"}),
    "electrical.panel_upgrade": frozenset({"master_electrician"}),
    "electrical.ev_charger_install": frozenset({"journeyman_electrician", "ev_charger"}),
    "plumbing.gas_leak": frozenset({"gas_fitter"}),
}
_EQUIPMENT: dict[str, frozenset[str]] = {
    "plumbing.drain_clog": frozenset({"drain_machine"}),
    "plumbing.sewer_backup": frozenset({"drain_machine", "camera_inspection"}),
    "plumbing.gas_leak": frozenset({"pipe_threader"}),
    "hvac.refrigerant_leak": frozenset({"recovery_machine", "vacuum_pump"}),
}
EMERGENCY_JOB_TYPES = frozenset(
    {"plumbing.gas_leak", "plumbing.burst_pipe", "plumbing.sewer_backup", "electrical.hazard"}
)
_SAME_DAY_JOB_TYPES = frozenset(
    {
        "hvac.no_heat",
        "hvac.no_cooling",
        "plumbing.leak",
        "plumbing.water_heater_repair",
        "electrical.no_power",
        "refrigeration.commercial",
    }
)
IMPLIED_SKILLS: dict[str, frozenset[str]] = {
    "master_electrician": frozenset({"journeyman_electrician"}),
}
"""A master electrician may do a journeyman's work."""

_WINTER = frozenset({11, 12, 1, 2, 3})


def true_skills(job: ScenarioJob) -> frozenset[str]:
    if job.truth.skills is not None:
        return frozenset(job.truth.skills)
    return _SKILLS.get(job.truth.job_type, frozenset())


def true_equipment(job: ScenarioJob) -> frozenset[str]:
    if job.truth.equipment is not None:
        return frozenset(job.truth.equipment)
    return _EQUIPMENT.get(job.truth.job_type, frozenset())


def true_urgency(
    job: ScenarioJob,
    customer: ScenarioCustomer | None,
    outdoor_temp_f: float | None,
    day: date,
) -> Urgency:
    """The job's real urgency tier: stated in the truth, else from type, weather and occupant."""
    if job.truth.urgency is not None:
        return job.truth.urgency
    kind = job.truth.job_type
    vulnerable = customer is not None and any(CustomerFlag(f).is_vulnerable for f in customer.flags)
    if kind in EMERGENCY_JOB_TYPES:
        return Urgency.EMERGENCY
    if kind == "hvac.no_heat" and (
        (outdoor_temp_f is not None and outdoor_temp_f < 40)
        or (vulnerable and day.month in _WINTER)
    ):
        return Urgency.EMERGENCY
    if (
        kind == "hvac.no_cooling"
        and vulnerable
        and outdoor_temp_f is not None
        and outdoor_temp_f > 95
    ):
        return Urgency.EMERGENCY
    if kind in _SAME_DAY_JOB_TYPES:
        return Urgency.SAME_DAY
    return Urgency.SCHEDULED


def true_classification(
    job: ScenarioJob,
    customer: ScenarioCustomer | None,
    outdoor_temp_f: float | None,
    day: date,
) -> Classification:
    """The truth about a job, as a canonical classification the referee can hand to KPIs."""
    return Classification(
        trade=job.truth.job_type.split(".")[0],
        job_type=job.truth.job_type,
        skills=true_skills(job),
        equipment=true_equipment(job),
        urgency=true_urgency(job, customer, outdoor_temp_f, day),
        duration_minutes=job.truth.duration_minutes,
        engine="truth",
    )


def holds(qualifications: frozenset[str], required: frozenset[str]) -> bool:
    """True when `qualifications` (with what they imply) cover every `required` skill."""
    held = set(qualifications)
    for skill in qualifications:
        held |= IMPLIED_SKILLS.get(skill, frozenset())
    return required <= held


def can_do(tech: ScenarioTechnician, job: ScenarioJob, day: date) -> bool:
    """True when `tech` holds what `job` truly needs on `day`: every skill (certifications
    expired by then do not count) and every piece of equipment."""
    valid = frozenset(tech.skills) - {c for c, d in tech.certifications_expire.items() if d < day}
    return holds(valid, true_skills(job)) and true_equipment(job) <= set(tech.equipment)
