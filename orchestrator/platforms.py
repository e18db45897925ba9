"""Which connector serves each configured account.

Each platform registers a builder that turns the account's settings and secrets into a
Connector. Builders import their platform's package lazily, so a missing optional piece only
affects the accounts that use it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import structlog

from connectors.protocol import Connector
from orchestrator.errors import ConfigError
from orchestrator.settings import AccountSettings, Secrets, Settings, account_secret_var

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
    registry.register("servicetitan", _servicetitan)
    registry.register("workiz", _workiz)
    registry.register("housecallpro", _housecallpro)
    return registry


def _mapping_file(platform: str) -> Path:
    import mappings

    return Path(mappings.__file__).resolve().parent / f"{platform}.yaml"


def _required_secrets(
    account: AccountSettings, secrets: Secrets, names: tuple[str, ...]
) -> dict[str, str]:
    """The account's secrets by name; a missing one is a config error naming its variable."""
    found: dict[str, str] = {}
    missing = []
    for name in names:
        value = secrets.for_account(account.id, name)
        if value is None:
            missing.append(account_secret_var(account.id, name))
        else:
            found[name] = value.get_secret_value()
    if missing:
        raise ConfigError(
            [f"accounts ({account.id}): set {var} in the environment" for var in missing]
        )
    return found


def _optional_secret(account: AccountSettings, secrets: Secrets, name: str) -> str | None:
    value = secrets.for_account(account.id, name)
    return value.get_secret_value() if value is not None else None


def _servicetitan(account: AccountSettings, secrets: Secrets, http: httpx.AsyncClient) -> Connector:
    from connectors.mapping import load_mapping
    from connectors.servicetitan import ServiceTitanAdapter, ServiceTitanClient

    if not account.tenant_id:
        raise ConfigError([f"accounts ({account.id}).tenant_id: required for ServiceTitan"])
    creds = _required_secrets(account, secrets, ("client_id", "client_secret", "app_key"))
    client = ServiceTitanClient(
        http,
        tenant=account.tenant_id,
        app_key=creds["app_key"],
        client_id=creds["client_id"],
        client_secret=creds["client_secret"],
        base_url=account.base_url or "https://api.servicetitan.io",
    )
    return ServiceTitanAdapter(
        client,
        load_mapping(_mapping_file("servicetitan")),
        account=account.id,
        webhook_secret=_optional_secret(account, secrets, "webhook_secret"),
    )


def _sandbox(account: AccountSettings, secrets: Secrets, http: httpx.AsyncClient) -> Connector:
    from connectors.sandbox import ScenarioError, load_scenario
    from connectors.sandbox.platform import SandboxFSM
    from orchestrator.bundled import BUNDLED_SCENARIO

    path = Path(account.scenario) if account.scenario else BUNDLED_SCENARIO
    try:
        scenario = load_scenario(path)
    except ScenarioError as exc:
        raise ConfigError(
            [f"accounts ({account.id}).scenario: {line}" for line in exc.problems]
        ) from exc
    except FileNotFoundError as exc:
        raise ConfigError([f"accounts ({account.id}).scenario: file {path} not found"]) from exc
    secret = _optional_secret(account, secrets, "webhook_secret") or ""
    return SandboxFSM(scenario, account=account.id, webhook_secret=secret.encode())


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
        # Builders see the account's own time zone, or the installation's.
        local = account.model_copy(update={"timezone": account.timezone or settings.timezone})
        out[(account.platform.value, account.id)] = builder(local, secrets, http)
    if problems:
        raise ConfigError(problems)
    return out


def _workiz(account: AccountSettings, secrets: Secrets, http: httpx.AsyncClient) -> Connector:
    from connectors.mapping import load_mapping
    from connectors.workiz import WorkizAdapter, WorkizClient

    creds = _required_secrets(account, secrets, ("api_key", "api_secret"))
    client = WorkizClient(
        http,
        api_token=creds["api_key"],
        api_secret=creds["api_secret"],
        base_url=account.base_url or "https://api.workiz.com/api/v1",
    )
    return WorkizAdapter(
        client,
        load_mapping(_mapping_file("workiz")),
        account=account.id,
        timezone=account.timezone or "UTC",  # build_connectors always fills it
        webhook_secret=_optional_secret(account, secrets, "webhook_secret"),
    )


def _housecallpro(account: AccountSettings, secrets: Secrets, http: httpx.AsyncClient) -> Connector:
    from connectors.housecallpro import HousecallProAdapter, HousecallProClient
    from connectors.mapping import load_mapping

    creds = _required_secrets(account, secrets, ("api_key",))
    client = HousecallProClient(
        http,
        api_key=creds["api_key"],
        base_url=account.base_url or "https://api.housecallpro.com",
    )
    return HousecallProAdapter(
        client,
        load_mapping(_mapping_file("housecallpro")),
        account=account.id,
        webhook_secret=_optional_secret(account, secrets, "webhook_secret"),
    )
