"""Settings load from YAML with environment overrides; bad files fail with precise lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from orchestrator.cli import app
from orchestrator.errors import ConfigError
from orchestrator.settings import Platform, account_secret_var, load_secrets, load_settings

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "config.example.yaml"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


def _problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    return info.value.problems


def test_the_example_file_loads_with_its_documented_values() -> None:
    settings = load_settings(EXAMPLE)
    assert settings.accounts[0].platform is Platform.SANDBOX
    assert settings.planning.routing_quantile == 0.5
    assert settings.database.url.startswith("sqlite:///")


def test_every_key_of_the_example_file_has_a_comment() -> None:
    """The example documents each key: the line itself or the one above carries a comment."""
    lines = EXAMPLE.read_text().splitlines()
    for index, line in enumerate(lines):
        stripped = line.strip()
        if (
            not stripped
            or stripped.startswith("#")
            or ":" not in stripped
            or stripped.endswith(":")
        ):
            continue
        above = lines[index - 1].strip()
        assert "#" in line or above.startswith("#") or above.startswith("- #"), (
            f"config.example.yaml line {index + 1} has no comment: {line!r}"
        )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "accounts:\n  - id: a\n    platform: servicetitn\n",
            "accounts[0].platform: must be one of servicetitan, workiz, housecallpro or sandbox;"
            " got 'servicetitn'",
        ),
        (
            "planning:\n  routing_quantile: 1.5\n",
            "planning.routing_quantile: Input should be less than or equal to 0.99",
        ),
        ("planning:\n  wieghts: {}\n", "planning.wieghts: unknown key"),
        (
            "planning:\n  weights:\n    skill_reserve_minute: -1\n",
            "planning.weights.skill_reserve_minute: Input should be greater than or equal to 0",
        ),
        ("timezone: Mars/Olympus\n", "timezone: unknown IANA time zone 'Mars/Olympus'"),
        (
            "logging:\n  level: LOUD\n",
            "logging.level: must be one of DEBUG, INFO, WARNING or ERROR",
        ),
        (
            "accounts:\n  - id: a\n    platform: sandbox\n  - id: a\n    platform: sandbox\n",
            "accounts: account id 'a' appears twice",
        ),
        ("accounts:\n  - platform: sandbox\n", "accounts[0].id: required"),
        (
            "database:\n  url: mysql://x\n",
            "database.url: must start with sqlite:// or postgresql://",
        ),
        ("lanes:\n  same_day_cutoff: '25:00'\n", "lanes.same_day_cutoff: invalid value '25:00'"),
    ],
)
def test_each_bad_value_names_its_yaml_path(tmp_path: Path, text: str, expected: str) -> None:
    problems = _problems(_write(tmp_path, text))
    assert any(line.startswith(expected) for line in problems), problems


def test_several_errors_give_one_line_each(tmp_path: Path) -> None:
    problems = _problems(_write(tmp_path, "timezone: Nowhere\nplanning:\n  horizon_days: 0\n"))
    assert len(problems) == 2


@pytest.mark.parametrize(
    ("text", "variable"),
    [
        (
            "accounts:\n  - id: acme-hvac\n    platform: servicetitan\n    client_secret: abc\n",
            "FSM_DISPATCH_ACCOUNT_ACME_HVAC_CLIENT_SECRET",
        ),
        ("classification:\n  api_key: sk-ant-xyz\n", "ANTHROPIC_API_KEY"),
        ("notifications:\n  slack:\n    signing_secret: s\n", "SLACK_SIGNING_SECRET"),
        ("notifications:\n  sms:\n    auth_token: t\n", "TWILIO_AUTH_TOKEN"),
    ],
)
def test_a_secret_in_yaml_is_refused_naming_the_variable(
    tmp_path: Path, text: str, variable: str
) -> None:
    [problem] = _problems(_write(tmp_path, text))
    assert variable in problem
    assert "abc" not in problem and "sk-ant" not in problem


def test_the_environment_overrides_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path, "planning:\n  time_limit_seconds: 10\n")
    monkeypatch.setenv("FSM_DISPATCH_PLANNING__TIME_LIMIT_SECONDS", "3")
    assert load_settings(path).planning.time_limit_seconds == 3


def test_secrets_come_from_the_environment_only(tmp_path: Path) -> None:
    settings = load_settings(_write(tmp_path, "accounts:\n  - id: acme\n    platform: workiz\n"))
    env = {account_secret_var("acme", "api_key"): "wz-token", "ANTHROPIC_API_KEY": "sk"}
    secrets = load_secrets(settings, env)
    key = secrets.for_account("acme", "api_key")
    assert key is not None and key.get_secret_value() == "wz-token"
    assert "wz-token" not in repr(secrets)


def test_a_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    assert _problems(tmp_path / "absent.yaml") == [f"{tmp_path / 'absent.yaml'}: file not found"]


def test_config_check_exits_0_on_the_example_and_2_naming_the_field(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["config", "check", "--config", str(EXAMPLE)])
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(
        app,
        [
            "config",
            "check",
            "--config",
            str(_write(tmp_path, "accounts:\n  - id: a\n    platform: x\n")),
        ],
    )
    assert bad.exit_code == 2
    assert "accounts[0].platform: must be one of" in bad.output


def _leaf_keys(model: type, prefix: str = "") -> list[str]:
    from pydantic import BaseModel

    keys = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        inner = getattr(annotation, "__args__", (annotation,))
        nested = [a for a in inner if isinstance(a, type) and issubclass(a, BaseModel)]
        keys.extend(_leaf_keys(nested[0], f"{prefix}{name}.") if nested else [f"{prefix}{name}"])
    return keys


def test_the_example_file_mentions_every_setting() -> None:
    from orchestrator.settings import Settings

    text = EXAMPLE.read_text()
    missing = [key for key in _leaf_keys(Settings) if f"{key.rsplit('.', 1)[-1]}:" not in text]
    assert missing == []


def test_approvers_are_slack_user_ids(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "notifications:\n  slack:\n    approvers: [U01ANA, '@mike']\n",
    )
    assert _problems(path) == [
        "notifications.slack.approvers[1]: invalid value '@mike' (must match ^[UW][A-Z0-9]{2,}$)"
    ]
    fine = _write(tmp_path, "notifications:\n  slack:\n    approvers: [U01ANA, W0ADMIN]\n")
    assert load_settings(fine).notifications.slack.approvers == ("U01ANA", "W0ADMIN")


def test_a_taxonomy_file_named_relatively_is_read_next_to_the_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "etc"
    folder.mkdir()
    (folder / "taxonomy.yaml").write_text(
        "job_types:\n  hvac: [hvac.duct_cleaning]\ntypical_minutes:\n  hvac.duct_cleaning: 150\n"
    )
    config = _write(folder, "classification:\n  taxonomy_extensions: taxonomy.yaml\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    settings = load_settings(config)
    assert settings.classification.taxonomy_extensions == str(folder / "taxonomy.yaml")


def test_a_bad_taxonomy_file_is_a_config_problem_with_its_key(tmp_path: Path) -> None:
    (tmp_path / "taxonomy.yaml").write_text("planned_work: [hvac.made_up]\n")
    problems = _problems(
        _write(tmp_path, "classification:\n  taxonomy_extensions: taxonomy.yaml\n")
    )
    assert len(problems) == 1
    assert problems[0].startswith("classification.taxonomy_extensions")
    assert "planned_work: unknown job type 'hvac.made_up'" in problems[0]
    missing = _problems(_write(tmp_path, "classification:\n  taxonomy_extensions: none.yaml\n"))
    assert "cannot read taxonomy extensions" in missing[0]
