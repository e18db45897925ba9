"""Settings: one YAML file for the admin, the environment for overrides and every secret.

`load_settings(path)` builds a `Settings`; nothing reads settings at import time. Values come, from
strongest to weakest, from `FSM_DISPATCH_*` environment variables (nested keys joined by `__`, e.g.
`FSM_DISPATCH_DATABASE__URL`), the YAML file, and the defaults below. Secrets are read only from
the environment: a secret written in the YAML is refused with the name of the variable to use.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    StringConstraints,
    ValidationError,
    field_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from orchestrator.errors import ConfigError

if TYPE_CHECKING:
    from orchestrator.classification.taxonomy import Taxonomy

__all__ = [
    "CONFIG_ENV_VAR",
    "AccountSettings",
    "Platform",
    "Secrets",
    "Settings",
    "account_secret_var",
    "load_secrets",
    "load_settings",
]

CONFIG_ENV_VAR = "FSM_DISPATCH_CONFIG"
ENV_PREFIX = "FSM_DISPATCH_"

# Key names that hold credentials. Matching is on the last path segment, case-insensitive.
_SECRET_KEYS = {
    "api_key",
    "app_key",
    "auth_token",
    "bot_token",
    "client_secret",
    "password",
    "secret",
    "signing_secret",
    "token",
    "access_token",
    "refresh_token",
    "webhook_secret",
}

# Where each global secret must come from instead.
_GLOBAL_SECRET_VARS = {
    "anthropic_api_key": "ANTHROPIC_API_KEY",
    "twilio_auth_token": "TWILIO_AUTH_TOKEN",
    "slack_bot_token": "SLACK_BOT_TOKEN",
    "slack_signing_secret": "SLACK_SIGNING_SECRET",
}


class Platform(StrEnum):
    SERVICETITAN = "servicetitan"
    WORKIZ = "workiz"
    HOUSECALLPRO = "housecallpro"
    SANDBOX = "sandbox"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseSettings(_Section):
    url: str = Field(
        default="sqlite:///fsm-dispatch.db",
        description="SQLAlchemy URL; sqlite:///PATH (embedded) or postgresql://user@host/db",
    )

    @field_validator("url")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgresql://", "postgresql+psycopg://")):
            raise ValueError("must start with sqlite:// or postgresql://")
        return value


class LoggingSettings(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["auto", "json", "console"] = "auto"


class SyncSettings(_Section):
    interval_minutes: float = Field(default=5, gt=0, le=1440)
    overlap_minutes: float = Field(default=10, ge=0, le=1440)


class AccountSettings(_Section):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")
    platform: Platform
    name: str | None = None
    enabled: bool = True
    base_url: str | None = None
    tenant_id: str | None = None
    """ServiceTitan tenant id (not a secret)."""
    scenario: str | None = None
    """Sandbox only: the scenario file the simulated platform serves."""
    timezone: str | None = None
    sync: SyncSettings = SyncSettings()

    @field_validator("timezone")
    @classmethod
    def _valid_zone(cls, value: str | None) -> str | None:
        return _check_zone(value) if value is not None else None


class ObjectiveWeights(_Section):
    drive_minute: float = Field(default=1.0, ge=0)
    """Per minute driven. Measured at 2 on the first six of ten generated 40 × 160 days (one
    run): utilization lifts summed 73.4 points against 76.4 for the same days at 1. Days 1-4
    drove 12,459 minutes against 13,095 at 1 in a run the same afternoon (47.4 points against
    49.6): the minutes kept off the road did not become work."""
    unassigned_emergency: float = Field(default=1_000_000, ge=0)
    """Above a whole day of `emergency_start_minute` (300 × 540 minutes): an emergency reached
    late today is never left for tomorrow to save its waiting cost."""
    unassigned_same_day: float = Field(default=20_000, ge=0)
    unassigned_scheduled: float = Field(default=5_000, ge=0)
    unassigned_work_minute: float = Field(default=50, ge=0)
    """On top of the above, per minute of work a job left unassigned would have been: between
    two jobs of which one must wait, the longer is the day's billable hours. Measured at 0 →
    50, simulated: 10 generated 12 × 47 days, two runs each, utilization 0.699 → 0.711 with
    the same completions (451, 450 a run) and on-time rate (0.93); 40 × 160 days 1-4,
    utilization 0.693 → 0.709, completions 597 → 604, on-time 0.97 → 0.95. At 150 (ten
    12 × 47 days, one run each against 50): utilization 72.9 % against 72.8 %, completions 472
    against 470, but the lowest on-time day 88.2 % against 93.9 %: no gain for the risk. At
    100 on the first five of ten generated 40 × 160 days (one run): utilization lifts summed
    51.9 points against 57.2 in the last run of those days at 50, and day 3 left 1,208 doable
    minutes undone (693 in a run at 50)."""
    balance: float = Field(default=0.5, ge=0)
    """Per minute a technician works (drives and serves) beyond a fair share of the day's work.
    Measured at 2 on the first nine of ten generated 40 × 160 days (one run): utilization lifts
    summed 106.8 points against 111.0 for the same days at 0.5 (runs of one setting differ by
    up to 4 points on a day). Spreading the work more evenly did not leave more room for
    overruns where they came."""
    lateness_minute: float = Field(default=100, ge=0)
    emergency_start_minute: float = Field(default=300, ge=0)
    """Above `lateness_minute` plus the told-window cost (120 a minute): a booked customer is
    made a little late rather than an emergency left waiting, as a coordinator would. Measured on
    10 generated 12 × 47 days: emergency response p50 summed over the days 1,155 → 798 minutes
    at 30 → 300 a minute (the baseline coordinator: 1,037), with the same completions (441, 444)
    and on-time rate."""
    preferred_tech_broken: float = Field(default=200, ge=0)
    """Per visit whose customer's preferred technician does not come. Measured at 60 on ten
    generated 40 × 160 days (one run): utilization lifts summed 111.0 points (six runs at 200:
    113 to 120.5), 1,561 completed, drive 29,692 minutes against the coordinator's 31,489, and
    preferred technicians kept on 15-28 % of those visits a day (the coordinator: 44-71 %).
    Days 1-4 again at 200: 49.6 points against 48.5 at 60, kept on 27-43 %. A cheaper
    preference frees no hours on a full day; customers only lose the technician they asked for."""
    compactness: float = Field(default=0.2, ge=0)
    long_job_start_minute: float = Field(default=0, ge=0)
    """Per minute a long job starts after it could first start (its window's opening, or the
    day's), for each hour of its typical minutes past `long_job_minutes`: the day's installs
    go early, where the overruns of the visits before them cannot push them out of the day,
    and the short visits go last, where a technician with an hour to spare can take one.
    Measured at 3 on ten generated 40 × 160 days (one run): utilization lifts summed 115.1
    points (six runs at 0: 113 to 120.5), 1,558 completed, lowest on-time day 95.7 %, drive
    31,807 minutes (the coordinator: 31,489). Day 1 went higher than at 0 (14.6 against
    12.5-13.7 in four runs), day 3 as low as at 0 (6.4 against 6.6-9.4): what stays undone
    there needs the few who hold a scarce skill, whatever the order of the installs. At 10
    (one run of the same ten days): +11.50 points (115.0 summed), 1,559 completed, lowest
    on-time day 95.7 %; doable work left undone 96.9 h (80.7 h in a run at 0), of it in jobs
    of 4 hours or more 20.5 h (31.6 h at 0): the installs kept their mornings and the short
    visits they pushed aside were what the afternoons then lost."""
    long_job_minutes: int = Field(default=120, ge=0, le=1440)
    overtime_minute: float = Field(default=3, ge=0)
    churn_moved_stop: float = Field(default=30, ge=0)
    skill_reserve_minute: float = Field(default=0.5, ge=0)
    """Per service minute a technician spends on a job that does not need a skill they hold,
    times how booked that skill is (its jobs' minutes over its holders' shift minutes: none of
    it below 35 %, all of it from 75 %): the one EV-charger installer is not sent to an
    estimate another could do while charger work waits (`optimizer/skill_reserve.py`).
    Measured at 2 on the first six of ten generated 40 × 160 days (one run): utilization lifts
    summed 72.0 points against 76.4 for the same days at 0.5. On the days with scarce skills
    left undone, the rest of the fleet was as full: work kept for the electricians was work
    someone else then left undone."""


class PlanningSettings(_Section):
    routing_quantile: float = Field(default=0.5, ge=0.5, le=0.99)
    """Plans take each visit to last this quantile of its fitted duration (the median by
    default); a told window keeps room for the rest (`overrun_room_quantile`). A higher one
    plans fewer visits into a day and leaves the minutes they do not use to the re-plans.
    Measured 0.5 → 0.6 on ten generated 12 × 47 days (one run each): utilization 72.8 % →
    71.3 %, completions 470 → 462, lowest on-time day 93.9 % → 91.1 %, overtime 3,871 →
    3,448 minutes; nine days lower, one the same. The work a longer estimate keeps out of the
    morning's routes is not all won back when visits end early."""
    time_limit_seconds: float = Field(default=10, gt=0, le=600)
    horizon_days: int = Field(default=14, ge=1, le=42)
    overtime_minutes: int = Field(default=60, ge=0, le=480)
    """How far past the end of their shift a technician may be kept, at the overtime cost. For
    an emergency, more: when a plan makes one wait, the technicians qualified for it may stay
    later by its minutes, and whoever takes it keeps that stretch for the day
    (`orchestrator/staying_late.py`)."""
    leave_after_shift: bool = True
    """Whether plans may send a technician to another visit once their shift has ended (their
    overtime then starts new work). False: overtime only finishes the visit at hand, and a
    visit a technician could only set out for after the shift goes to someone still on shift
    or is left for another day, as soon as a plan sees it. Measured False on ten generated
    40 × 160 days, where the simulated technicians never set out after their shift (one run):
    utilization lifts summed 110.9 points (six runs allowing it: 113 to 120.5), 1,553
    completed (1,557 to 1,565), lowest on-time day 95.2 %; ten 12 × 47 days: +13.94 points
    (+13.5 to +13.7 allowing it), 470 completed (468, 469), lowest on-time day 93.9 %. A plan
    that leaves for its last visit just after the shift still gets it done when the visit
    before ends early, as half of them do; plans that never count on that leave those visits
    out of the morning."""
    drive_home_in_shift: bool = False
    """Whether the drive home must fit in the shift. By default it is the technician's commute
    in a take-home truck: the shift (with its overtime) bounds the end of the last visit."""
    emergencies_sooner: bool = True
    """Whether an emergency booked into a later window is reached as soon as possible during
    the day, its promise brought forward and the customer texted (`orchestrator/sooner.py`)."""
    promise_window_minutes: int = Field(default=120, ge=0, le=480)
    """How wide an arrival window a visit booked without one is promised by the plan that
    places it (written to the platform, the customer sent a confirmation); 0 promises none."""
    promise_confidence: float = Field(default=0, ge=0, le=0.95)
    """A window promised to a visit booked without one is placed so that the plan arrives inside
    it with at least this chance (the visits before it sampled with the duration model's spread):
    where the usual window (opening `PROMISE_LEAD` before the planned start) is less sure, it
    opens later, up to the planned start. 0 always gives the usual window."""
    arrival_margin_minutes: int = Field(default=20, ge=0, le=120)
    """A visit planned to start within this many minutes of its promised window's end costs
    what a start outside the promise does for those minutes (`told_window_minute`, far less
    than lateness): plans keep room for the work before it to run long. 0: only starts outside
    the promise cost. Measured 0 → 20 on ten generated 12 × 47 days and the bundled day (one
    run at 0, two at 20): lowest day on time 0.854 → 0.939 and 0.918, mean 0.957 → 0.970 and
    0.966, 508 → 506 and 507 completed, utilization lift +13.2 → +13.0 and +13.1 points; ten
    40 × 160 days, one run at 0, two at 20: lowest 0.958 → 0.957 and 0.964, 1,565 → 1,563 and
    1,557 completed, +11.5 → +11.3 and +11.5 points (runs of one setting differ by 0.1-0.3)."""
    overrun_room_quantile: float = Field(default=0.8, ge=0, lt=1)
    """A promised window keeps room for the visit before it to run long: as far as that visit
    runs past its planned minutes at this quantile of its duration's spread (about 0.45 × its
    minutes at 0.8 for a typical spread), a start within that room of the window's end costs
    `told_window_minute` a minute. During the day, the first promise after the visit a
    technician is on keeps room for that visit's end at this quantile, given how long it has
    lasted. At or below `routing_quantile`: no room kept."""
    osrm_url: str | None = Field(default=None, pattern=r"^https?://[^\s/]+(/\S*)?$")
    """An OSRM server (its base URL, e.g. `http://osrm:5000`) to plan on road times from its
    table service; unset, plans use the offline estimate. While it fails, plans fall back to
    the estimate and say so in the log."""
    learn_drive_speed: bool = True
    """Whether plans drive at the speed the fleet's own drives of the last `DRIVE_DAYS` days
    were timed at (en route to on site, against the travel estimate; `drive_speed.py`), rather
    than at the estimate's typical speed."""
    replan_every_minutes: float = Field(default=15, ge=0, le=1440)
    """How often `serve` re-plans the rest of each account's day; 0 turns scheduled planning off."""
    replan_after_change_seconds: float = Field(default=20, ge=0, le=3600)
    """How soon after a webhook or a sync brings a change the plan cannot stand (a new ticket, a
    cancellation, a visit reached or finished, a roster change) `serve` re-plans that account,
    rather than at its next scheduled run; changes in the meantime join the same plan. 0 waits
    for the schedule."""
    next_day_from: str = Field(default="14:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    """From this local time on, each scheduled run also lays out the next day."""
    weights: ObjectiveWeights = ObjectiveWeights()


class ClassificationSettings(_Section):
    engine: Literal["offline", "claude"] = "offline"
    claude_model: str = "claude-sonnet-4-5"
    timeout_s: float = Field(default=20, gt=0, le=300)
    max_retries: int = Field(default=2, ge=0, le=10)
    review_below_confidence: float = Field(default=0.6, ge=0, le=1)
    taxonomy_extensions: str | None = None
    """Optional YAML file adding job types, skills, equipment and typical minutes to the default
    taxonomy; read when the settings load, so a bad file stops every command at once."""

    _taxonomy: Taxonomy | None = PrivateAttr(default=None)

    @field_validator("taxonomy_extensions")
    @classmethod
    def _taxonomy_loads(cls, value: str | None) -> str | None:
        if value is not None:
            # Imported here: the classification package reads these settings itself.
            from orchestrator.classification.taxonomy import load_taxonomy

            load_taxonomy(value)  # a TaxonomyError is a ValueError: pydantic reports it
        return value

    def taxonomy(self) -> Taxonomy:
        """The default taxonomy with the admin's extensions, read from the file once."""
        if self._taxonomy is None:
            from orchestrator.classification.taxonomy import load_taxonomy

            self._taxonomy = load_taxonomy(self.taxonomy_extensions)
        return self._taxonomy


class LaneSettings(_Section):
    emergency_respond_within_minutes: int = Field(default=120, gt=0)
    overrun_threshold: float = Field(default=1.3, gt=1)
    same_day_cutoff: str = Field(default="15:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")


class ApprovalSettings(_Section):
    sla_penalty_usd_over: float = Field(default=500, ge=0)
    safety_critical: bool = True
    preferred_tech_break: bool = True
    cascade_customers_over: int = Field(default=2, ge=0)
    timeout_minutes: int = Field(default=10, gt=0)


class SmsSettings(_Section):
    enabled: bool = False
    from_number: str | None = Field(default=None, pattern=r"^\+[1-9]\d{6,14}$")
    messaging_service_sid: str | None = None
    quiet_hours: tuple[str, str] = ("21:00", "08:00")


class SlackSettings(_Section):
    enabled: bool = False
    channel: str | None = None
    approvers: tuple[Annotated[str, StringConstraints(pattern=r"^[UW][A-Z0-9]{2,}$")], ...] = ()
    """Slack user ids allowed to decide approvals; empty: anyone who can see the channel."""


class NotificationSettings(_Section):
    sms: SmsSettings = SmsSettings()
    slack: SlackSettings = SlackSettings()


class WebSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    public_base_url: str | None = None


def _check_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown IANA time zone {value!r}") from exc
    return value


class Settings(BaseSettings):
    """Everything an admin configures. Build with `load_settings`."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    timezone: str = "America/Denver"
    database: DatabaseSettings = DatabaseSettings()
    logging: LoggingSettings = LoggingSettings()
    accounts: tuple[AccountSettings, ...] = ()
    planning: PlanningSettings = PlanningSettings()
    classification: ClassificationSettings = ClassificationSettings()
    lanes: LaneSettings = LaneSettings()
    approvals: ApprovalSettings = ApprovalSettings()
    notifications: NotificationSettings = NotificationSettings()
    web: WebSettings = WebSettings()

    @field_validator("timezone")
    @classmethod
    def _valid_zone(cls, value: str) -> str:
        return _check_zone(value)

    @field_validator("accounts")
    @classmethod
    def _unique_ids(cls, value: tuple[AccountSettings, ...]) -> tuple[AccountSettings, ...]:
        seen: set[str] = set()
        for account in value:
            if account.id in seen:
                raise ValueError(f"account id {account.id!r} appears twice")
            seen.add(account.id)
        return value

    def account(self, account_id: str) -> AccountSettings:
        for account in self.accounts:
            if account.id == account_id:
                return account
        known = ", ".join(a.id for a in self.accounts) or "none configured"
        raise ConfigError([f"accounts: no account {account_id!r} (known: {known})"])

    def zone(self, account_id: str) -> ZoneInfo:
        """The account's time zone (the settings' default when the account names none)."""
        return ZoneInfo(self.account(account_id).timezone or self.timezone)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The YAML arrives as init data; the environment must override it.
        return (env_settings, init_settings)


class Secrets(BaseModel):
    """Credentials, read only from the environment and never logged."""

    model_config = ConfigDict(frozen=True)

    anthropic_api_key: SecretStr | None = None
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    accounts: dict[str, dict[str, SecretStr]] = Field(default_factory=dict)

    def for_account(self, account_id: str, name: str) -> SecretStr | None:
        return self.accounts.get(account_id, {}).get(name)


def account_secret_var(account_id: str, name: str) -> str:
    """The environment variable that holds secret `name` of one account."""
    slug = re.sub(r"[^A-Z0-9]", "_", account_id.upper())
    return f"{ENV_PREFIX}ACCOUNT_{slug}_{name.upper()}"


_ACCOUNT_SECRET_NAMES = (
    "client_id",
    "client_secret",
    "app_key",
    "api_key",
    "api_secret",
    "webhook_secret",
)


def load_secrets(settings: Settings, environ: Mapping[str, str] | None = None) -> Secrets:
    env = os.environ if environ is None else environ
    per_account: dict[str, dict[str, SecretStr]] = {}
    for account in settings.accounts:
        found = {
            name: SecretStr(env[var])
            for name in _ACCOUNT_SECRET_NAMES
            if (var := account_secret_var(account.id, name)) in env and env[var]
        }
        per_account[account.id] = found

    def secret(var: str) -> SecretStr | None:
        value = env.get(var)
        return SecretStr(value) if value else None

    return Secrets(
        anthropic_api_key=secret("ANTHROPIC_API_KEY"),
        twilio_account_sid=env.get("TWILIO_ACCOUNT_SID") or None,
        twilio_auth_token=secret("TWILIO_AUTH_TOKEN"),
        slack_bot_token=secret("SLACK_BOT_TOKEN"),
        slack_signing_secret=secret("SLACK_SIGNING_SECRET"),
        accounts=per_account,
    )


def _yaml_path(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(root)"


def _secret_errors(node: Any, loc: tuple[str | int, ...] = ()) -> list[str]:
    errors: list[str] = []
    if isinstance(node, Mapping):
        for key, value in node.items():
            here = (*loc, str(key))
            if str(key).lower() in _SECRET_KEYS or str(key).lower() in _GLOBAL_SECRET_VARS:
                errors.append(f"{_yaml_path(here)}: {_secret_hint(here, node)}")
            else:
                errors.extend(_secret_errors(value, here))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            errors.extend(_secret_errors(value, (*loc, index)))
    return errors


def _secret_hint(loc: tuple[str | int, ...], parent: Mapping[str, Any]) -> str:
    name = str(loc[-1]).lower()
    if name in _GLOBAL_SECRET_VARS:
        var = _GLOBAL_SECRET_VARS[name]
    elif loc[0] == "accounts" and isinstance(parent.get("id"), str):
        var = account_secret_var(parent["id"], name)
    elif loc[0] == "classification":
        var = "ANTHROPIC_API_KEY"
    elif loc[:2] == ("notifications", "sms"):
        var = "TWILIO_AUTH_TOKEN"
    elif loc[:2] == ("notifications", "slack"):
        var = "SLACK_SIGNING_SECRET" if "signing" in name else "SLACK_BOT_TOKEN"
    else:
        var = f"{ENV_PREFIX}{name.upper()}"
    return f"secrets are not read from the YAML file; set the environment variable {var} instead"


def _describe(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind in ("enum", "literal_error"):
        expected = str(ctx.get("expected", "")).replace("'", "")
        return f"must be one of {expected}; got {error.get('input')!r}"
    if kind == "extra_forbidden":
        return "unknown key (check the spelling against config.example.yaml)"
    if kind == "missing":
        return "required"
    if kind == "string_pattern_mismatch":
        return f"invalid value {error.get('input')!r} (must match {ctx.get('pattern')})"
    message = str(error["msg"]).removeprefix("Value error, ")
    value = error.get("input")
    if value is None or isinstance(value, dict | list) or repr(value) in message:
        return message
    return f"{message}; got {value!r}"


def _format_validation(exc: ValidationError) -> list[str]:
    lines = []
    for error in exc.errors():
        lines.append(f"{_yaml_path(tuple(error['loc']))}: {_describe(error)}")
    return lines


def read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError([f"{path}: file not found"]) from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "?"
        raise ConfigError([f"{path}: not valid YAML at {where}"]) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError([f"{path}: the top level must be a mapping of keys to values"])
    return data


def resolve_config_path(path: str | Path | None, environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if path is not None:
        return Path(path)
    if env.get(CONFIG_ENV_VAR):
        return Path(env[CONFIG_ENV_VAR])
    return Path("config.yaml")


def load_settings(path: str | Path | None = None, *, missing_ok: bool = True) -> Settings:
    """Read settings from `path` (or $FSM_DISPATCH_CONFIG, or ./config.yaml) and the environment.

    Raises:
        ConfigError: with one line per problem, each naming its YAML path.
    """
    resolved = resolve_config_path(path)
    explicit = path is not None or bool(os.environ.get(CONFIG_ENV_VAR))
    data = read_yaml(resolved) if resolved.exists() or explicit or not missing_ok else {}
    secret_problems = _secret_errors(data)
    if secret_problems:
        raise ConfigError(secret_problems)
    try:
        return _build(_beside(data, resolved.parent))
    except ValidationError as exc:
        raise ConfigError(_format_validation(exc)) from exc


def _beside(data: Mapping[str, Any], folder: Path) -> Mapping[str, Any]:
    """`data` with a relative taxonomy file read as next to the config file, wherever the
    command runs from."""
    section = data.get("classification")
    if not isinstance(section, Mapping):
        return data
    named = section.get("taxonomy_extensions")
    if not isinstance(named, str) or Path(named).is_absolute():
        return data
    return {**data, "classification": {**section, "taxonomy_extensions": str(folder / named)}}


def _build(data: Mapping[str, Any]) -> Settings:
    # Settings orders its sources so the environment beats these init values (the YAML).
    return Settings(**data)
