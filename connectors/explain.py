"""One vendor payload → canonical records and the values that did not map (`mappings explain`).

Accepts what an admin is likely to paste: a bare object, a list, or a vendor list envelope
(`{"data": [...]}`, `{"jobs": [...]}`, Workiz's one-element `data` array).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal
from zoneinfo import ZoneInfo

from connectors.errors import MalformedResponseError
from connectors.housecallpro import adapter as hcp_adapter
from connectors.housecallpro import models as hcp
from connectors.mapping import Mapped, MappingTables
from connectors.servicetitan import adapter as st_adapter
from connectors.servicetitan import models as st
from connectors.validation import parse_model
from connectors.workiz import adapter as wz_adapter
from connectors.workiz import models as wz

__all__ = ["PLATFORMS", "RESOURCES", "explain"]

Resource = Literal["job", "appointment", "technician"]
PLATFORMS = ("servicetitan", "workiz", "housecallpro")
RESOURCES = ("job", "appointment", "technician")
ACCOUNT = "explain"
_ENVELOPES = ("data", "jobs", "appointments", "employees", "technicians", "team")


def _items(payload: Any) -> list[Any]:
    if isinstance(payload, list):
        return payload
    if isinstance(payload, dict):
        for key in _ENVELOPES:
            value = payload.get(key)
            if isinstance(value, list):
                return value  # an envelope; its other keys are paging fields
        return [payload]
    raise MalformedResponseError("(root): expected a JSON object or array")


def _one(
    what: str, index: int, count: int, convert: Callable[[Any], list[Mapped[Any]]], item: Any
) -> list[Mapped[Any]]:
    try:
        return convert(item)
    except MalformedResponseError as exc:
        if count > 1:
            raise MalformedResponseError(f"[{index}] {exc}") from exc
        raise


def explain(
    platform: str,
    resource: Resource,
    payload: Any,
    tables: MappingTables,
    *,
    timezone: str = "UTC",
) -> list[Mapped[Any]]:
    """Translate every object in `payload` as `resource` of `platform`.

    Raises:
        MalformedResponseError: one line naming the field that is missing or invalid.
        ValueError: an unknown platform or resource.
    """
    if platform not in PLATFORMS:
        raise ValueError(f"unknown platform {platform!r} (one of {', '.join(PLATFORMS)})")
    if resource not in RESOURCES:
        raise ValueError(f"unknown resource {resource!r} (one of {', '.join(RESOURCES)})")
    convert = _converter(platform, resource, tables, ZoneInfo(timezone))
    items = _items(payload)
    out: list[Mapped[Any]] = []
    for index, item in enumerate(items):
        out.extend(_one(resource, index, len(items), convert, item))
    return out


def _converter(
    platform: str, resource: Resource, tables: MappingTables, zone: ZoneInfo
) -> Callable[[Any], list[Mapped[Any]]]:
    if platform == "servicetitan":
        if resource == "job":
            return lambda p: [
                st_adapter.to_job(parse_model(st.Job, p, "job"), tables, account=ACCOUNT)
            ]
        if resource == "appointment":
            return lambda p: [_st_appointment(p, tables)]
        return lambda p: [
            st_adapter.to_technician(
                parse_model(st.Technician, p, "technician"), [], tables, account=ACCOUNT
            )
        ]
    if platform == "workiz":
        if resource == "job":
            return lambda p: [
                wz_adapter.to_job(parse_model(wz.Job, p, "job"), tables, account=ACCOUNT, zone=zone)
            ]
        if resource == "appointment":
            return lambda p: [
                wz_adapter.to_appointment(
                    parse_model(wz.Job, p, "job"), tables, account=ACCOUNT, zone=zone
                )
            ]
        return lambda p: [
            wz_adapter.to_technician(
                parse_model(wz.TeamMember, p, "team member"), tables, account=ACCOUNT
            )
        ]
    if resource == "job":
        return lambda p: [
            hcp_adapter.to_job(parse_model(hcp.Job, p, "job"), tables, account=ACCOUNT)
        ]
    if resource == "appointment":
        return lambda p: _hcp_appointments(p, tables)
    return lambda p: [
        hcp_adapter.to_technician(parse_model(hcp.Employee, p, "employee"), tables, account=ACCOUNT)
    ]


def _st_appointment(payload: Any, tables: MappingTables) -> Mapped[Any]:
    appointment = parse_model(st.Appointment, payload, "appointment")
    rows = payload.get("assignments", []) if isinstance(payload, dict) else []
    assignments = [parse_model(st.Assignment, r, "assignments") for r in rows or []]
    return st_adapter.to_appointment(appointment, assignments, tables, account=ACCOUNT)


def _hcp_appointments(payload: Any, tables: MappingTables) -> list[Mapped[Any]]:
    if isinstance(payload, dict) and "appointment" in payload and "event" in payload:
        payload = payload["appointment"]  # a webhook envelope
    if isinstance(payload, dict) and ("work_status" in payload or "schedule" in payload):
        job = parse_model(hcp.Job, payload, "job")
    else:
        visit = parse_model(hcp.Appointment, payload, "appointment")
        if not visit.job_id:
            raise MalformedResponseError(
                "appointment.job_id: required (a Housecall Pro visit is reached through its "
                "job; pass the job payload instead)"
            )
        job = hcp.Job(id=visit.job_id, schedule=hcp.Schedule(appointments=[visit]))
    found = hcp_adapter.to_appointments(job, tables, account=ACCOUNT)
    if not found:
        raise MalformedResponseError("schedule: the job has no scheduled visit")
    return found
