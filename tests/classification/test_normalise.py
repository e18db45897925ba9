"""Normalisation: one plain-English spelling for Spanish, shorthand and misspellings."""

from __future__ import annotations

import pytest

from orchestrator.classification.normalise import normalise


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HW tank leaking", "water heater leaking"),
        ("A/C not blowing cold", "ac not blowing cold"),
        ("new t-stat", "new thermostat"),
        ("GFI wont reset", "gfci outlet wont reset"),
        ("RTU-3 down", "rooftop unit down"),
        ("furnance won't start", "furnace wont start"),
        ("huele a gas en la cocina", "gas smell en la kitchen"),
        ("sin luz en el baño", "no power en el bathroom"),
        ("drenaje tapado", "clogged drain"),
        ("el aire no enfría", "ac not cooling"),
    ],
)
def test_spellings_become_one(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


def test_upper_case_co_is_carbon_monoxide_but_a_gas_company_is_not() -> None:
    assert "carbon monoxide alarm" in normalise("CO detector beeping")
    assert "carbon monoxide" not in normalise("told them to call the gas co.")


def test_pm_is_maintenance_but_two_pm_is_a_time() -> None:
    assert normalise("Qtrly PM") == "quarterly preventive maintenance"
    assert "maintenance" not in normalise("opens at 2 pm")
