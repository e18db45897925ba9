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


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Apporved quote - ugprade 100A panel", "approved quote - upgrade 100a panel"),
        ("Naven tankless per siged estimate", "navien tankless per signed estimate"),
        ("panl is warm", "panel is warm"),
        ("Singed proposal for Trane 3 ton AC", "signed proposal for trane 3 ton ac"),
    ],
)
def test_a_dropped_or_swapped_letter_in_a_known_word_is_put_right(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "odor near the vent",  # a word, not "door"
        "the fees were high",  # not "feces"
        "there is hair in the drain",  # not "three", not the brand "haier"
        "singed wires behind the panel",  # a real word, not "signed"
    ],
)
def test_real_words_and_shorthand_are_never_corrected(raw: str) -> None:
    assert normalise(raw) == raw.lower()
