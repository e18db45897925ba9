"""ServiceTitan payloads as the vendor documents them (Jpm/Dispatch/Settings/Crm V2 specs).

Liberal on purpose: only ids are required, unknown fields are ignored, nulls are accepted, so a
tenant's payload with fields we have not seen still reads. Times are RFC 3339 in UTC; a time
without an offset is read as UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

__all__ = [
    "Address",
    "Appointment",
    "Assignment",
    "Customer",
    "ExternalData",
    "Job",
    "JobType",
    "Location",
    "Technician",
    "TechnicianSkill",
]


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


Utc = Annotated[datetime, AfterValidator(_utc)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class ExternalData(_Model):
    key: str | None = None
    value: str | None = None


class Job(_Model):
    """Jpm.V2.JobResponse (`GET /jpm/v2/tenant/{tenant}/jobs`)."""

    id: int
    job_number: str | None = Field(None, alias="jobNumber")
    customer_id: int | None = Field(None, alias="customerId")
    location_id: int | None = Field(None, alias="locationId")
    job_status: str | None = Field(None, alias="jobStatus")
    business_unit_id: int | None = Field(None, alias="businessUnitId")
    job_type_id: int | None = Field(None, alias="jobTypeId")
    priority: str | None = None
    summary: str | None = None
    created_on: Utc | None = Field(None, alias="createdOn")
    modified_on: Utc | None = Field(None, alias="modifiedOn")
    completed_on: Utc | None = Field(None, alias="completedOn")
    first_appointment_id: int | None = Field(None, alias="firstAppointmentId")
    last_appointment_id: int | None = Field(None, alias="lastAppointmentId")
    tag_type_ids: list[int] | None = Field(None, alias="tagTypeIds")
    external_data: list[ExternalData] | None = Field(None, alias="externalData")
    active: bool | None = None
    """Present on export rows only."""


class Appointment(_Model):
    """Jpm.V2.AppointmentResponse (`GET /jpm/v2/tenant/{tenant}/appointments`)."""

    id: int
    job_id: int = Field(alias="jobId")
    appointment_number: str | None = Field(None, alias="appointmentNumber")
    start: Utc | None = None
    end: Utc | None = None
    arrival_window_start: Utc | None = Field(None, alias="arrivalWindowStart")
    arrival_window_end: Utc | None = Field(None, alias="arrivalWindowEnd")
    status: str | None = None
    customer_id: int | None = Field(None, alias="customerId")
    unused: bool | None = None
    modified_on: Utc | None = Field(None, alias="modifiedOn")
    active: bool | None = None


class Assignment(_Model):
    """Dispatch.V2.AppointmentAssignmentResponse (`GET /dispatch/v2/…/appointment-assignments`)."""

    id: int
    technician_id: int = Field(alias="technicianId")
    technician_name: str | None = Field(None, alias="technicianName")
    appointment_id: int = Field(alias="appointmentId")
    job_id: int | None = Field(None, alias="jobId")
    status: str | None = None
    is_paused: bool | None = Field(None, alias="isPaused")
    active: bool = True
    modified_on: Utc | None = Field(None, alias="modifiedOn")


class Address(_Model):
    """TenantSettings.V2.TechnicianAddressResponse / Crm.V2.Customers.CustomerAddress."""

    street: str | None = None
    unit: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    latitude: float | None = None
    longitude: float | None = None


class Technician(_Model):
    """TenantSettings.V2.TechnicianResponse (`GET /settings/v2/tenant/{tenant}/technicians`)."""

    id: int
    name: str | None = None
    active: bool = True
    email: str | None = None
    phone_number: str | None = Field(None, alias="phoneNumber")
    business_unit_id: int | None = Field(None, alias="businessUnitId")
    main_zone_id: int | None = Field(None, alias="mainZoneId")
    zone_ids: list[int] | None = Field(None, alias="zoneIds")
    team: str | None = None
    home: Address | None = None
    modified_on: Utc | None = Field(None, alias="modifiedOn")


class TechnicianSkill(_Model):
    """`GET /dispatch/v2/tenant/{tenant}/technician-skills` (newer than the copied spec)."""

    id: int | None = None
    name: str
    technician_id: int = Field(alias="technicianId")
    active: bool = True


class Customer(_Model):
    """Crm.V2.Customers.CustomerResponse (`GET /crm/v2/tenant/{tenant}/customers/{id}`)."""

    id: int
    name: str | None = None
    type: str | None = None
    active: bool = True
    do_not_service: bool | None = Field(None, alias="doNotService")
    address: Address | None = None
    modified_on: Utc | None = Field(None, alias="modifiedOn")


class Location(_Model):
    """Crm.V2.Locations.LocationResponse (`GET /crm/v2/tenant/{tenant}/locations/{id}`)."""

    id: int
    customer_id: int | None = Field(None, alias="customerId")
    name: str | None = None
    active: bool = True
    address: Address | None = None
    zone_id: int | None = Field(None, alias="zoneId")
    modified_on: Utc | None = Field(None, alias="modifiedOn")


class JobType(_Model):
    """Jpm.V2.JobTypeResponse (`GET /jpm/v2/tenant/{tenant}/job-types`)."""

    id: int
    name: str
    skills: list[str] | None = None
    duration: int | None = None
    """Seconds."""


def dump(model: BaseModel) -> dict[str, Any]:
    """The vendor's own spelling, for bodies we send back."""
    return model.model_dump(by_alias=True, exclude_none=True, mode="json")
