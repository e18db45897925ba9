"""Canonical records validate what they are given and answer dispatch questions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from connectors.records import (
    Certification,
    Customer,
    CustomerFlag,
    GeoPoint,
    Job,
    Lifecycle,
    Technician,
    TimeWindow,
)

T0 = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
BASE = {"platform": "workiz", "account": "acme"}


def test_a_window_must_end_after_it_starts() -> None:
    assert TimeWindow(start=T0, end=T0 + timedelta(hours=2)).minutes == 120
    with pytest.raises(ValidationError, match="is not after start"):
        TimeWindow(start=T0, end=T0)


def test_a_window_refuses_naive_times() -> None:
    with pytest.raises(ValidationError):
        TimeWindow(start=datetime(2026, 12, 1, 8), end=datetime(2026, 12, 1, 10))


def test_an_expired_certification_no_longer_qualifies() -> None:
    tech = Technician(
        **BASE,
        external_id="T1",
        name="Mike",
        skills=frozenset({"epa_608", "gas_fitter"}),
        certifications=(Certification(name="gas_fitter", expires_on=date(2026, 12, 31)),),
    )
    assert tech.qualifications_on(date(2026, 12, 31)) == {"epa_608", "gas_fitter"}
    assert tech.qualifications_on(date(2027, 1, 1)) == {"epa_608"}


def test_records_need_their_identity() -> None:
    with pytest.raises(ValidationError, match="external_id"):
        Job(platform="workiz", account="acme", external_id="  ")
    job = Job(**BASE, external_id="J1")
    assert str(job.key) == "workiz:acme:J1"
    assert job.status is Lifecycle.UNSCHEDULED


def test_records_are_immutable_and_refuse_unknown_fields() -> None:
    job = Job(**BASE, external_id="J1")
    with pytest.raises(ValidationError):
        job.summary = "changed"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="colour"):
        Job(**BASE, external_id="J1", colour="red")  # type: ignore[call-arg]


def test_coordinates_are_range_checked() -> None:
    assert GeoPoint(lat=39.7, lon=-104.9).lat == 39.7
    with pytest.raises(ValidationError):
        GeoPoint(lat=139.7, lon=-104.9)


def test_vulnerable_customers_are_recognised_by_their_flags() -> None:
    assert Customer(**BASE, external_id="C1", flags=frozenset({CustomerFlag.INFANT})).is_vulnerable
    assert not Customer(**BASE, external_id="C2", flags=frozenset({CustomerFlag.VIP})).is_vulnerable
    disabled = frozenset({CustomerFlag.DISABILITY})
    assert not Customer(**BASE, external_id="C3", flags=disabled).is_vulnerable


def test_started_states_are_the_ones_to_pin() -> None:
    assert {s for s in Lifecycle if s.is_started} == {
        Lifecycle.DISPATCHED,
        Lifecycle.EN_ROUTE,
        Lifecycle.ON_SITE,
    }
    assert {s for s in Lifecycle if s.is_terminal} == {Lifecycle.COMPLETED, Lifecycle.CANCELED}
