"""Housecall Pro payloads as the vendor's OpenAPI document describes them (housecall_v1.yaml).

Liberal: only ids are required, unknown fields are ignored, nulls are accepted. Times are ISO
8601; one without an offset is read as UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "Address",
    "Appointment",
    "Customer",
    "Employee",
    "Job",
    "JobFields",
    "Named",
    "Schedule",
    "WorkTimestamps",
]


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


Utc = Annotated[datetime, AfterValidator(_utc)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Named(_Model):
    id: str | None = None
    name: str | None = None


class Address(_Model):
    """Schema `Address` (`type` is billing or service)."""

    id: str
    type: str | None = None
    street: str | None = None
    street_line_2: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    """Only in `AddressCreate` per the spec; integrators read them back."""


class Appointment(_Model):
    """Schema `Appointment`; webhook payloads add `job_id` and `dispatched_employees`."""

    id: str
    job_id: str | None = None
    start_time: Utc | None = None
    end_time: Utc | None = None
    arrival_window_minutes: int | None = None
    dispatched_employees_ids: list[str] = Field(default_factory=list)
    dispatched_employees: list[Named] = Field(default_factory=list)

    @field_validator("dispatched_employees_ids", "dispatched_employees", mode="before")
    @classmethod
    def _list(cls, value: Any) -> Any:
        return [] if value is None else value


class Schedule(_Model):
    scheduled_start: Utc | None = None
    scheduled_end: Utc | None = None
    arrival_window: int | None = None
    appointments: list[Appointment] | None = None


class WorkTimestamps(_Model):
    on_my_way_at: Utc | None = None
    started_at: Utc | None = None
    completed_at: Utc | None = None


class JobFields(_Model):
    job_type: Named | None = None
    business_unit: Named | None = None


class CustomerRef(_Model):
    id: str
    first_name: str | None = None
    last_name: str | None = None


class Job(_Model):
    """Schema `Job` (`GET /jobs`, `GET /jobs/{id}`; `expand[]=appointments`)."""

    id: str
    invoice_number: str | None = None
    description: str | None = None
    customer: CustomerRef | None = None
    address: Address | None = None
    work_status: str | None = None
    work_timestamps: WorkTimestamps | None = None
    schedule: Schedule | None = None
    assigned_employees: list[Named] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    lead_source: str | None = None
    job_fields: JobFields | None = None
    created_at: Utc | None = None
    updated_at: Utc | None = None
    canceled_at: Utc | None = None
    deleted_at: Utc | None = None

    @field_validator("assigned_employees", "tags", mode="before")
    @classmethod
    def _list(cls, value: Any) -> Any:
        return [] if value is None else value


class Employee(_Model):
    """Schema `Employee` (`GET /employees`: active employees only)."""

    id: str
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    mobile_number: str | None = None
    role: str | None = None
    tags: list[str] = Field(default_factory=list)

    @field_validator("tags", mode="before")
    @classmethod
    def _list(cls, value: Any) -> Any:
        return [] if value is None else value


class Customer(_Model):
    """Schema `Customer` (`GET /customers/{id}`)."""

    id: str
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    email: str | None = None
    mobile_number: str | None = None
    tags: list[str] = Field(default_factory=list)
    updated_at: Utc | None = None

    @field_validator("tags", mode="before")
    @classmethod
    def _list(cls, value: Any) -> Any:
        return [] if value is None else value
