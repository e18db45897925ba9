"""The demonstration day: a scenario served as a platform, synced into a fresh embedded store."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import yaml

from connectors.errors import NotFoundError
from connectors.records import (
    Appointment,
    Customer,
    CustomerFlag,
    GeoPoint,
    Job,
    JobSource,
    Lifecycle,
    Location,
    Shift,
    StatusEvent,
    Technician,
    TimeWindow,
)
from orchestrator.store import Store, make_engine, upgrade
from orchestrator.sync import sync_account

__all__ = ["DemoSummary", "ScenarioPlatform", "run_demo"]

R = TypeVar("R")
ACCOUNT = "demo"
PLATFORM = "sandbox"


@dataclass
class DemoSummary:
    scenario: str
    database: str
    counts: dict[str, int] = field(default_factory=dict)
    jobs_by_trade: dict[str, int] = field(default_factory=dict)


class ScenarioPlatform:
    """Read-only view of a scenario's start of day, behind the connector's read methods."""

    platform = PLATFORM

    def __init__(self, data: dict[str, Any], account: str = ACCOUNT) -> None:
        self.account = account
        zone = ZoneInfo(data["timezone"])
        day = date.fromisoformat(str(data["date"]))

        def at(clock: str) -> datetime:
            return datetime.combine(day, time.fromisoformat(str(clock)), zone)

        keys = {"platform": PLATFORM, "account": account}
        self.technicians = [
            Technician(
                **keys,
                external_id=t["id"],
                name=t["name"],
                phone=t.get("phone"),
                skills=frozenset(t.get("skills", ())),
                equipment=frozenset(t.get("equipment", ())),
                home=GeoPoint(**t["home"]),
                shifts=(Shift(start=at(t["shift"]["start"]), end=at(t["shift"]["end"])),),
            )
            for t in data["technicians"]
        ]
        self.customers = {
            c["id"]: Customer(
                **keys,
                external_id=c["id"],
                name=c.get("name"),
                phone=c.get("phone"),
                flags=frozenset(CustomerFlag(f) for f in c.get("flags", ())),
                preferred_technicians=(c["preferred_tech"],) if c.get("preferred_tech") else (),
                designated_technician=c.get("designated_tech"),
            )
            for c in data["customers"]
        }
        self.locations: dict[str, Location] = {}
        self.jobs: list[Job] = []
        self.appointments: list[Appointment] = []
        for j in data["jobs"]:
            loc = j["location"]
            self.locations[j["id"]] = Location(
                **keys,
                external_id=j["id"],
                address=loc.get("address"),
                point=GeoPoint(lat=loc["lat"], lon=loc["lon"]),
                customer_id=j["customer"],
            )
            booked = j.get("booked_window")
            self.jobs.append(
                Job(
                    **keys,
                    external_id=j["id"],
                    customer_id=j["customer"],
                    location_id=j["id"],
                    summary=j.get("summary", ""),
                    description=j.get("description", ""),
                    source=JobSource(j.get("source", "other")),
                    status=Lifecycle.SCHEDULED if booked else Lifecycle.UNSCHEDULED,
                )
            )
            if booked:
                window = TimeWindow(start=at(booked["start"]), end=at(booked["end"]))
                self.appointments.append(
                    Appointment(
                        **keys,
                        external_id=f"{j['id']}-1",
                        job_id=j["id"],
                        window=window,
                        arrival_window=window,
                    )
                )

    async def _one_page(self, records: Sequence[R]) -> AsyncIterator[Sequence[R]]:
        yield records

    def fetch_technicians(self) -> AsyncIterator[Sequence[Technician]]:
        return self._one_page(self.technicians)

    def fetch_jobs(self, modified_since: datetime | None) -> AsyncIterator[Sequence[Job]]:
        return self._one_page(self.jobs)

    def fetch_appointments(
        self, modified_since: datetime | None
    ) -> AsyncIterator[Sequence[Appointment]]:
        return self._one_page(self.appointments)

    def fetch_status_events(self, since: datetime | None) -> AsyncIterator[Sequence[StatusEvent]]:
        return self._one_page([])

    async def fetch_customer(self, external_id: str) -> Customer:
        if external_id not in self.customers:
            raise NotFoundError(external_id)
        return self.customers[external_id]

    async def fetch_location(self, external_id: str) -> Location:
        if external_id not in self.locations:
            raise NotFoundError(external_id)
        return self.locations[external_id]


async def run_demo(scenario: Path, database: Path) -> DemoSummary:
    data = yaml.safe_load(scenario.read_text(encoding="utf-8"))
    database.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{database}")
    try:
        upgrade(engine)
        store = Store(engine)
        await sync_account(store, ScenarioPlatform(data), full=True)  # type: ignore[arg-type]
        summary = DemoSummary(scenario=str(data.get("name", scenario.stem)), database=str(database))
        for kind in (Technician, Customer, Location, Job, Appointment):
            summary.counts[kind.__name__.lower() + "s"] = store.count(kind, account=ACCOUNT)
        jobs = store.list(Job, account=ACCOUNT)
        summary.counts["jobs already booked"] = sum(j.status is Lifecycle.SCHEDULED for j in jobs)
        summary.jobs_by_trade = dict(Counter(j.status.value for j in jobs))
        return summary
    finally:
        engine.dispose()
