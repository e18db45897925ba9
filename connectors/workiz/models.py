"""Workiz payloads as integrators have captured them (reference §2; no official spec exists).

Liberal: only the job UUID and a team member's id are required, unknown fields are ignored, and
fields whose type varies between accounts (`Unit`, `ClientId`, `Team` items, coordinates) accept
every form seen. Datetimes arrive as "YYYY-MM-DD HH:MM:SS" in the account's local time.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["Job", "TeamMember", "TeamRef"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


def _text(value: Any) -> Any:
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


def _number(value: Any) -> Any:
    if isinstance(value, str):
        return float(value) if value.strip() else None
    return value


class TeamRef(_Model):
    """One entry of a job's `Team`: `{id, name}` in captured payloads, a bare name elsewhere."""

    id: str | None = None
    name: str | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _id_text(cls, value: Any) -> Any:
        return _text(value)


class Job(_Model):
    """A job from `GET job/all/` or `GET job/get/{UUID}/`."""

    uuid: str = Field(alias="UUID", min_length=1)
    serial_id: int | str | None = Field(None, alias="SerialId")
    client_id: str | None = Field(None, alias="ClientId")
    job_date_time: str | None = Field(None, alias="JobDateTime")
    job_end_date_time: str | None = Field(None, alias="JobEndDateTime")
    created_date: str | None = Field(None, alias="CreatedDate")
    last_status_update: str | None = Field(None, alias="LastStatusUpdate")
    timezone: str | None = Field(None, alias="Timezone")
    status: str | None = Field(None, alias="Status")
    sub_status: str | None = Field(None, alias="SubStatus")
    job_type: str | None = Field(None, alias="JobType")
    job_source: str | None = Field(None, alias="JobSource")
    service_area: str | None = Field(None, alias="ServiceArea")
    first_name: str | None = Field(None, alias="FirstName")
    last_name: str | None = Field(None, alias="LastName")
    company: str | None = Field(None, alias="Company")
    phone: str | None = Field(None, alias="Phone")
    email: str | None = Field(None, alias="Email")
    address: str | None = Field(None, alias="Address")
    unit: str | None = Field(None, alias="Unit")
    city: str | None = Field(None, alias="City")
    state: str | None = Field(None, alias="State")
    postal_code: str | None = Field(None, alias="PostalCode")
    latitude: float | None = Field(None, alias="Latitude")
    longitude: float | None = Field(None, alias="Longitude")
    team: list[TeamRef] = Field(default_factory=list, alias="Team")
    job_notes: str | None = Field(None, alias="JobNotes")

    @field_validator("client_id", "unit", "postal_code", "phone", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> Any:
        return _text(value)

    @field_validator("latitude", "longitude", mode="before")
    @classmethod
    def _as_number(cls, value: Any) -> Any:
        return _number(value)

    @field_validator("team", mode="before")
    @classmethod
    def _team(cls, value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, list):
            return [{"name": v} if isinstance(v, str) else v for v in value]
        return value


class TeamMember(_Model):
    """A user from `GET team/all/`."""

    id: str
    name: str | None = None
    role: str | None = None
    field_tech: bool | None = Field(None, alias="fieldTech")
    email: str | None = None
    service_areas: list[str] = Field(default_factory=list, alias="serviceAreas")
    skills: list[str] = Field(default_factory=list)
    active: bool = True

    @field_validator("id", mode="before")
    @classmethod
    def _id_text(cls, value: Any) -> Any:
        return _text(value)

    @field_validator("skills", "service_areas", mode="before")
    @classmethod
    def _list(cls, value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value
