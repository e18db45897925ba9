"""Which connector serves each configured account.

Each platform registers a builder that turns the account's settings and secrets into a
Connector. Builders import their platform's package lazily, so a missing optional piece only
affects the accounts that use it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import structlog

from connectors.protocol import Connector
from orchestrator.errors import ConfigError
from orchestrator.settings import AccountSettings, Secrets, Settings

__all__ = ["Builder", "PlatformRegistry", "build_connectors", "default_registry"]

log = structlog.get_logger(__name__)

Builder = Callable[[AccountSettings, Secrets, httpx.AsyncClient], Connector]


@dataclass
class PlatformRegistry:
    builders: dict[str, Builder] = field(default_factory=dict)

    def register(self, platform: str, builder: Builder) -> None:
        self.builders[platform] = builder


def default_registry() -> PlatformRegistry:
    """The platforms this installation can talk to."""
    registry = PlatformRegistry()
    registry.register("sandbox", _sandbox)
    return registry


def _sandbox(account: AccountSettings, secrets: Secrets, http: httpx.AsyncClient) -> Connector:
    from pathlib import Path

    import yaml

    from orchestrator.bundled import BUNDLED_SCENARIO
    from orchestrator.demo import ScenarioPlatform

    path = Path(account.scenario) if account.scenario else BUNDLED_SCENARIO
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError([f"accounts: scenario file {path} not found"]) from exc
    return ScenarioPlatform(data, account=account.id)  # type: ignore[return-value]


def build_connectors(
    settings: Settings,
    secrets: Secrets,
    http: httpx.AsyncClient,
    registry: PlatformRegistry | None = None,
) -> dict[tuple[str, str], Connector]:
    """One connector per enabled account; a platform without a builder is a config error."""
    chosen = registry or default_registry()
    out: dict[tuple[str, str], Connector] = {}
    problems = []
    for index, account in enumerate(settings.accounts):
        if not account.enabled:
            continue
        builder = chosen.builders.get(account.platform.value)
        if builder is None:
            problems.append(
                f"accounts[{index}].platform: {account.platform.value} cannot be served by "
                f"`fsm-dispatch serve` in this installation"
            )
            continue
        out[(account.platform.value, account.id)] = builder(account, secrets, http)
    if problems:
        raise ConfigError(problems)
    return out
