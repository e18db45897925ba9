"""The simulated fsm-dispatch plays an account's settings, not its own."""

from __future__ import annotations

from datetime import time
from pathlib import Path

from orchestrator.classification.taxonomy import default_taxonomy
from orchestrator.settings import Settings
from orchestrator.simulation.fsm_dispatch import FsmDispatchDispatcher
from orchestrator.simulation.registry import dispatcher_named


def _settings() -> Settings:
    return Settings(
        planning={
            "routing_quantile": 0.7,
            "overtime_minutes": 0,
            "drive_home_in_shift": True,
            "emergencies_sooner": False,
            "overrun_room_quantile": 0.85,
            "weights": {"lateness_minute": 7, "drive_minute": 2},
        },
        lanes={"overrun_threshold": 1.6},
        notifications={"sms": {"quiet_hours": ("20:00", "09:30")}},
    )


def test_every_planning_rule_comes_from_the_settings() -> None:
    dispatcher = FsmDispatchDispatcher.from_settings(_settings())
    assert dispatcher.routing_quantile == 0.7
    assert dispatcher.overtime_minutes == 0
    assert dispatcher.drive_home_in_shift is True
    assert dispatcher.emergencies_sooner is False
    assert dispatcher.overrun_room_quantile == 0.85
    assert dispatcher.weights.lateness_minute == 7 and dispatcher.weights.drive_minute == 2
    assert dispatcher.overrun_threshold == 1.6
    assert (dispatcher.quiet_hours.start, dispatcher.quiet_hours.end) == (time(20), time(9, 30))


def test_default_settings_play_the_default_dispatcher() -> None:
    """No settings file and the defaults are the same day: the two cannot drift apart."""
    from_defaults = FsmDispatchDispatcher.from_settings(Settings())
    plain = FsmDispatchDispatcher()
    for name in (
        "weights", "routing_quantile", "overrun_threshold", "overtime_minutes",
        "drive_home_in_shift", "emergencies_sooner", "overrun_room_quantile", "quiet_hours",
    ):  # fmt: skip
        assert getattr(from_defaults, name) == getattr(plain, name), name


def test_the_registry_hands_the_settings_to_fsm_dispatch_only() -> None:
    ours = dispatcher_named("fsm-dispatch", _settings())
    assert isinstance(ours, FsmDispatchDispatcher) and ours.routing_quantile == 0.7
    assert dispatcher_named("baseline", _settings()).name == "baseline"


def test_the_admins_typical_minutes_are_played_too(tmp_path: Path) -> None:
    extensions = tmp_path / "taxonomy.yaml"
    extensions.write_text("typical_minutes:\n  hvac.install: 420\n")
    settings = Settings(classification={"taxonomy_extensions": str(extensions)})
    dispatcher = FsmDispatchDispatcher.from_settings(settings)
    assert dispatcher.taxonomy is not None
    assert dispatcher.taxonomy.typical_minutes["hvac.install"] == 420
    assert FsmDispatchDispatcher.from_settings(Settings()).taxonomy == default_taxonomy()
