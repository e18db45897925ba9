"""Canonical records: what every platform adapter produces and the orchestrator consumes.

Every record names where it came from (platform, account, external id), so the same job seen
twice is recognised, and carries the platform's modification time when it exposes one, so
out-of-order updates can be resolved by comparing it.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    model_validator,
)

__all__ = [
    "Appointment",
    "Certification",
    "Classification",
    "Customer",
    "CustomerFlag",
    "GeoPoint",
    "GpsPing",
    "Job",
    "JobSource",
    "Lifecycle",
    "Location",
    "Record",
    "RecordKey",
    "Shift",
    "Sla",
    "SlaTier",
    "StatusEvent",
    "Technician",
    "TimeOff",
    "TimeWindow",
    "Urgency",
    "UNKNOWN",
]

UNKNOWN = "unknown"
"""Value stored when a vendor value has no mapping; the record is kept, never dropped."""


class Lifecycle(StrEnum):
    """Canonical lifecycle of a job or appointment, whatever the platform calls it."""

    UNSCHEDULED = "unscheduled"
    SCHEDULED = "scheduled"
    DISPATCHED = "dispatched"
    EN_ROUTE = "en_route"
    ON_SITE = "on_site"
    ON_HOLD = "on_hold"
    COMPLETED = "completed"
    CANCELED = "canceled"
    UNKNOWN = "unknown"

    @property
    def is_terminal(self) -> bool:
        return self in (Lifecycle.COMPLETED, Lifecycle.CANCELED)

    @property
    def is_started(self) -> bool:
        """A technician is committed: the stop must be pinned when re-planning."""
        return self in (Lifecycle.DISPATCHED, Lifecycle.EN_ROUTE, Lifecycle.ON_SITE)


class Urgency(StrEnum):
    EMERGENCY = "emergency"
    SAME_DAY = "same_day"
    SCHEDULED = "scheduled"


class SlaTier(StrEnum):
    PLATINUM = "platinum"
    GOLD = "gold"
    STANDARD = "standard"


class CustomerFlag(StrEnum):
    ELDERLY = "elderly"
    INFANT = "infant"
    MEDICAL_EQUIPMENT = "medical_equipment"
    DISABILITY = "disability"
    VIP = "vip"
    COMMERCIAL = "commercial"
    DESIGNATED_PREFERRED_TECH = "designated_preferred_tech"

    @property
    def is_vulnerable(self) -> bool:
        """Raises the urgency of a lost heating or cooling call (a disability alone does not)."""
        return self in (CustomerFlag.ELDERLY, CustomerFlag.INFANT, CustomerFlag.MEDICAL_EQUIPMENT)


class JobSource(StrEnum):
    PHONE = "phone"
    PORTAL = "portal"
    IOT_ALERT = "iot_alert"
    RECURRING = "recurring"
    EMAIL = "email"
    OTHER = "other"


def _nonblank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


NonBlank = Annotated[str, AfterValidator(_nonblank)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)


class RecordKey(_Frozen):
    """The identity of a record across the whole store."""

    platform: NonBlank
    account: NonBlank
    external_id: NonBlank

    def __str__(self) -> str:
        return f"{self.platform}:{self.account}:{self.external_id}"


class Record(_Frozen):
    """Fields every canonical record carries."""

    platform: NonBlank
    account: NonBlank
    external_id: NonBlank
    modified_at: AwareDatetime | None = None

    @property
    def key(self) -> RecordKey:
        return RecordKey(platform=self.platform, account=self.account, external_id=self.external_id)


class GeoPoint(_Frozen):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class TimeWindow(_Frozen):
    """A half-open interval [start, end) of aware datetimes."""

    start: AwareDatetime
    end: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> TimeWindow:
        if self.end <= self.start:
            raise ValueError(f"window end {self.end.isoformat()} is not after start")
        return self

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60


class Certification(_Frozen):
    name: NonBlank
    expires_on: date | None = None

    def valid_on(self, day: date) -> bool:
        return self.expires_on is None or day <= self.expires_on


class Shift(TimeWindow):
    """One working period of a technician."""


class TimeOff(TimeWindow):
    reason: str | None = None


class Location(Record):
    address: str | None = None
    point: GeoPoint | None = None
    zone: str | None = None
    postal_code: str | None = None
    customer_id: str | None = None


class Technician(Record):
    name: str
    phone: str | None = None
    email: str | None = None
    skills: frozenset[str] = frozenset()
    certifications: tuple[Certification, ...] = ()
    equipment: frozenset[str] = frozenset()
    home: GeoPoint | None = None
    zone: str | None = None
    shifts: tuple[Shift, ...] = ()
    time_off: tuple[TimeOff, ...] = ()
    active: bool = True
    vendor_tags: tuple[str, ...] = ()
    """Raw vendor labels kept for `mappings check`; never used for planning."""

    def qualifications_on(self, day: date) -> frozenset[str]:
        """Skills plus the certifications still valid on `day`.

        A certification listed with an expiry date counts only until it expires, even when the
        same identifier also appears among the skills.
        """
        expired = {c.name for c in self.certifications if not c.valid_on(day)}
        valid = {c.name for c in self.certifications if c.valid_on(day)}
        return frozenset((self.skills - expired) | valid)


class Customer(Record):
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    flags: frozenset[CustomerFlag] = frozenset()
    preferred_technicians: tuple[str, ...] = ()
    designated_technician: str | None = None
    is_repeat: bool = False

    @property
    def is_vulnerable(self) -> bool:
        return any(flag.is_vulnerable for flag in self.flags)


class Classification(_Frozen):
    """What a ticket needs, with how sure we are and why."""

    trade: str
    job_type: str
    skills: frozenset[str] = frozenset()
    equipment: frozenset[str] = frozenset()
    urgency: Urgency
    complexity: int = Field(default=2, ge=1, le=3)
    confidence: float = Field(default=1.0, ge=0, le=1)
    reasons: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    engine: str = "offline"
    duration_minutes: float | None = Field(default=None, gt=0)


class Sla(_Frozen):
    tier: SlaTier = SlaTier.STANDARD
    respond_by: AwareDatetime | None = None
    penalty_usd: float = Field(default=0, ge=0)


class Job(Record):
    customer_id: str | None = None
    location_id: str | None = None
    summary: str = ""
    description: str = ""
    source: JobSource = JobSource.OTHER
    vendor_job_type: str | None = None
    """The platform's own job type name, before mapping."""
    job_type: str = UNKNOWN
    """Canonical job type from the mapping, or `unknown`."""
    classification: Classification | None = None
    urgency: Urgency | None = None
    sla: Sla = Sla()
    status: Lifecycle = Lifecycle.UNSCHEDULED
    vendor_status: str | None = None
    created_at: AwareDatetime | None = None
    deleted: bool = False


class Appointment(Record):
    job_id: NonBlank
    window: TimeWindow | None = None
    """When the work is scheduled to happen."""
    arrival_window: TimeWindow | None = None
    """What the customer was promised for the technician's arrival."""
    technician_ids: tuple[str, ...] = ()
    status: Lifecycle = Lifecycle.SCHEDULED
    vendor_status: str | None = None
    deleted: bool = False


class StatusEvent(Record):
    """One transition of a job or appointment, as reported by the platform."""

    subject: Literal["job", "appointment"]
    subject_id: NonBlank
    status: Lifecycle
    occurred_at: AwareDatetime
    technician_id: str | None = None
    vendor_status: str | None = None


class GpsPing(Record):
    technician_id: NonBlank
    point: GeoPoint
    recorded_at: AwareDatetime
    speed_kmh: float | None = Field(default=None, ge=0)
    heading_deg: float | None = Field(default=None, ge=0, lt=360)
