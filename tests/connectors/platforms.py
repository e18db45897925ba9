"""One harness per platform: its fake server, a connected adapter, and the fake's levers.

The conformance suite is written once against this interface.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from connectors.housecallpro import HousecallProAdapter, HousecallProClient
from connectors.http import RetryParams
from connectors.mapping import load_mapping
from connectors.servicetitan import ServiceTitanAdapter, ServiceTitanClient
from connectors.workiz import WorkizAdapter, WorkizClient
from tests.fakes.housecallpro_server import FakeHousecallPro
from tests.fakes.knobs import Faults
from tests.fakes.servicetitan_server import FakeServiceTitan
from tests.fakes.workiz_server import FakeWorkiz
from tests.live_server import serve

MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"
JOBS, TECHS, PAGE = 12, 4, 5
TIMEOUT = 0.15


class Sleeps(list[float]):
    """Records backoff waits instead of sleeping."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@dataclass
class Harness:
    platform: str
    fake: Any
    url: str = ""
    sleeps: Sleeps = field(default_factory=Sleeps)
    filters_by_cursor: bool = True
    refreshes_tokens: bool = False

    @property
    def faults(self) -> Faults:
        return self.fake.faults  # type: ignore[no-any-return]

    def retry(self) -> RetryParams:
        return RetryParams(attempts=4, base_seconds=0.01, sleep=self.sleeps)

    def adapter(self, http: httpx.AsyncClient) -> Any:
        raise NotImplementedError

    # levers on the fake, in canonical ids
    def touch(self) -> str:
        raise NotImplementedError

    def appointment(self) -> str:
        raise NotImplementedError

    def technician(self, n: int) -> str:
        raise NotImplementedError

    def server_technicians(self, appointment: str) -> set[str]:
        raise NotImplementedError

    def dispatcher_moves(self, appointment: str) -> None:
        raise NotImplementedError

    def change_after_read(self, appointment: str) -> None:
        raise NotImplementedError

    def webhook(self, at: datetime, secret: str | None = None) -> tuple[dict[str, str], bytes]:
        raise NotImplementedError

    def writes(self) -> int:
        return len(self.fake.writes)

    def break_credentials(self) -> None:
        raise NotImplementedError


class ServiceTitanHarness(Harness):
    def adapter(self, http: httpx.AsyncClient) -> ServiceTitanAdapter:
        f = self.fake
        client = ServiceTitanClient(
            http,
            tenant=f.tenant,
            app_key=f.app_key,
            client_id=f.client_id,
            client_secret=f.client_secret,
            base_url=self.url,
            token_url=self.url + "/connect/token",
            timeout=TIMEOUT,
            retry=self.retry(),
            page_size=PAGE,
            rate_per_second=1000,
        )
        return ServiceTitanAdapter(
            client,
            load_mapping(MAPPINGS / "servicetitan.yaml"),
            account="acme",
            webhook_secret=f.webhook_key,
        )

    def touch(self) -> str:
        job = self.fake.jobs[10_003]
        job["jobStatus"] = "Dispatched"
        job["modifiedOn"] = self.fake.tick()
        return "10003"

    def appointment(self) -> str:
        return "50001"

    def technician(self, n: int) -> str:
        return str(n)

    def server_technicians(self, appointment: str) -> set[str]:
        return {str(t) for t in self.fake.technicians_of(int(appointment))}

    def dispatcher_moves(self, appointment: str) -> None:
        self.fake.dispatcher_moves(int(appointment))

    def change_after_read(self, appointment: str) -> None:
        self.fake.change_after_read.add(int(appointment))

    def webhook(self, at: datetime, secret: str | None = None) -> tuple[dict[str, str], bytes]:
        return self.fake.webhook("job.updated", 10_001, at=at, event_id="evt-1", key=secret)  # type: ignore[no-any-return]

    def break_credentials(self) -> None:
        self.fake.client_secret = "rotated"
        self.fake.revoke_tokens()


class WorkizHarness(Harness):
    def adapter(self, http: httpx.AsyncClient) -> WorkizAdapter:
        f = self.fake
        client = WorkizClient(
            http,
            api_token=f.token,
            api_secret=f.secret,
            base_url=self.url + "/api/v1",
            timeout=TIMEOUT,
            retry=self.retry(),
            page_size=PAGE,
            rate_per_second=1000,
        )
        return WorkizAdapter(
            client,
            load_mapping(MAPPINGS / "workiz.yaml"),
            account="acme",
            timezone="America/Los_Angeles",
            webhook_secret=f.webhook_secret,
            clock=lambda: datetime(2026, 3, 2, 12, tzinfo=UTC),
        )

    def touch(self) -> str:
        self.fake.touch("WZ0003")
        return "WZ0003"

    def appointment(self) -> str:
        return "WZ0001"

    def technician(self, n: int) -> str:
        return str(30_000 + n)

    def server_technicians(self, appointment: str) -> set[str]:
        return {str(m["id"]) for m in self.fake.jobs[appointment]["Team"]}

    def dispatcher_moves(self, appointment: str) -> None:
        self.fake.dispatcher_moves(appointment)

    def change_after_read(self, appointment: str) -> None:
        self.fake.change_after_read.add(appointment)

    def webhook(self, at: datetime, secret: str | None = None) -> tuple[dict[str, str], bytes]:
        return self.fake.webhook("WZ0001", at=at.timestamp(), secret=secret)  # type: ignore[no-any-return]

    def break_credentials(self) -> None:
        self.fake.token = "api_rotated"


class HousecallProHarness(Harness):
    def adapter(self, http: httpx.AsyncClient) -> HousecallProAdapter:
        f = self.fake
        client = HousecallProClient(
            http,
            api_key=f.api_key,
            base_url=self.url,
            timeout=TIMEOUT,
            retry=self.retry(),
            page_size=PAGE,
            rate_per_second=1000,
        )
        return HousecallProAdapter(
            client,
            load_mapping(MAPPINGS / "housecallpro.yaml"),
            account="acme",
            webhook_secret=f.webhook_secret,
        )

    def touch(self) -> str:
        self.fake.touch("job_00003")
        return "job_00003"

    def appointment(self) -> str:
        return "job_00001/appt_00001"

    def technician(self, n: int) -> str:
        return f"pro_{n:04d}"

    def server_technicians(self, appointment: str) -> set[str]:
        return set(self.fake.visit(appointment.split("/")[0])["dispatched_employees_ids"])

    def dispatcher_moves(self, appointment: str) -> None:
        self.fake.dispatcher_moves(appointment.split("/")[0])

    def change_after_read(self, appointment: str) -> None:
        self.fake.change_after_read.add(appointment.split("/")[0])

    def webhook(self, at: datetime, secret: str | None = None) -> tuple[dict[str, str], bytes]:
        return self.fake.webhook("job_00001", at=at.timestamp(), secret=secret)  # type: ignore[no-any-return]

    def break_credentials(self) -> None:
        self.fake.api_key = "rotated"


def make_harness(platform: str) -> Harness:
    faults = Faults(slow_seconds=0.4)
    if platform == "servicetitan":
        st = FakeServiceTitan(faults=faults, rate_limit=None)
        st.seed(jobs=JOBS, technicians=TECHS)
        return ServiceTitanHarness(platform, st, refreshes_tokens=True)
    if platform == "workiz":
        wz = FakeWorkiz(faults=faults, rate_limit=None)
        wz.seed(jobs=JOBS, technicians=TECHS)
        return WorkizHarness(platform, wz, filters_by_cursor=False)
    hcp = FakeHousecallPro(faults=faults, rate_limit=None)
    hcp.seed(jobs=JOBS, technicians=TECHS)
    return HousecallProHarness(platform, hcp)


@contextlib.contextmanager
def running(platform: str) -> Iterator[Harness]:
    harness = make_harness(platform)
    with serve(harness.fake.app()) as url:
        harness.url = url
        yield harness
