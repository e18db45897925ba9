"""The taxonomy: DESIGN.md's identifiers, extendable (never shrinkable) in YAML."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.classification import TaxonomyError, default_taxonomy, load_taxonomy


def test_default_taxonomy_has_the_design_identifiers() -> None:
    taxonomy = default_taxonomy()
    assert taxonomy.trades == ("hvac", "plumbing", "electrical", "appliance", "refrigeration")
    assert len(taxonomy.all_job_types) == 23
    assert taxonomy.trade_of("plumbing.gas_leak") == "plumbing"
    assert taxonomy.trade_of("general.estimate") is None
    assert "ev_charger" in taxonomy.skills and "ladder_28ft" in taxonomy.equipment


def test_unknown_job_type_has_no_trade() -> None:
    with pytest.raises(TaxonomyError, match="unknown job type"):
        default_taxonomy().trade_of("hvac.duct_cleaning")


def test_check_names_each_bad_identifier() -> None:
    problems = default_taxonomy().check(
        trade="hvac",
        job_type="plumbing.leak",
        skills={"wizardry"},
        equipment={"crane"},
        urgency="now",
    )
    assert len(problems) == 4
    assert "not a hvac job type" in problems[0]
    assert default_taxonomy().check(trade="plumbing", job_type="general.estimate") == []


def test_extensions_add_job_types_trades_skills_and_equipment(tmp_path: Path) -> None:
    path = tmp_path / "taxonomy.yaml"
    path.write_text(
        "job_types:\n  hvac: [hvac.duct_cleaning]\n  pool: [pool.pump_repair]\n"
        "skills: [nate_certified]\nequipment: [lift_40ft]\n"
    )
    taxonomy = load_taxonomy(path)
    assert "hvac.duct_cleaning" in taxonomy.job_types["hvac"]
    assert "hvac.no_heat" in taxonomy.job_types["hvac"]
    assert taxonomy.trade_of("pool.pump_repair") == "pool"
    assert "nate_certified" in taxonomy.skills and "epa_608" in taxonomy.skills
    assert "lift_40ft" in taxonomy.equipment


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("job_types:\n  hvac: [plumbing.thing]\n", "must start with 'hvac.'"),
        ("job_types:\n  hvac: [Hvac.Bad]\n", "bad identifier"),
        ("skills: nate\n", "skills must be a list"),
        ("colours: [red]\n", "unknown keys"),
        ("- a\n- b\n", "mapping at the top level"),
        ("job_types: [\n", "not valid YAML"),
    ],
)
def test_invalid_extensions_are_refused_with_the_reason(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "taxonomy.yaml"
    path.write_text(text)
    with pytest.raises(TaxonomyError, match=message):
        load_taxonomy(path)


def test_missing_extension_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyError, match="cannot read"):
        load_taxonomy(tmp_path / "absent.yaml")


def test_extensions_give_typical_minutes_and_planned_work_runs_tighter(tmp_path: Path) -> None:
    path = tmp_path / "taxonomy.yaml"
    path.write_text(
        "job_types:\n  hvac: [hvac.duct_cleaning, hvac.zoning]\n"
        "typical_minutes:\n  hvac.duct_cleaning: 150\n  hvac.zoning: 100\n"
        "  plumbing.water_heater_install: 300\n  appliance.repair: 45\n"
        "planned_work: [hvac.duct_cleaning]\n"
    )
    taxonomy = load_taxonomy(path)
    default = default_taxonomy()
    assert taxonomy.typical_minutes["hvac.duct_cleaning"] == 150
    assert taxonomy.typical_minutes["plumbing.water_heater_install"] == 300
    assert taxonomy.typical_minutes["hvac.no_heat"] == default.typical_minutes["hvac.no_heat"]
    # Planned work runs close to its median; a new type not listed is spread like a diagnosis.
    assert taxonomy.typical_sigma["hvac.duct_cleaning"] < taxonomy.typical_sigma["hvac.zoning"]
    # A canonical type given new minutes keeps its own spread.
    for job_type in ("plumbing.water_heater_install", "appliance.repair"):
        assert taxonomy.typical_sigma[job_type] == default.typical_sigma[job_type]
    assert "hvac.duct_cleaning" not in default.typical_minutes


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("typical_minutes:\n  hvac.duct_cleaning: 90\n", "unknown job type 'hvac.duct_cleaning'"),
        ("typical_minutes:\n  hvac.no_heat: ninety\n", "hvac.no_heat must be a number"),
        ("typical_minutes:\n  hvac.no_heat: true\n", "hvac.no_heat must be a number"),
        ("typical_minutes:\n  hvac.no_heat: 0\n", "must be over 0 and at most 1440"),
        ("typical_minutes:\n  hvac.no_heat: 5400\n", "got 5400"),
        ("typical_minutes: [hvac.no_heat]\n", "typical_minutes must map"),
        ("planned_work: hvac.install\n", "planned_work must be a list"),
        ("planned_work: [hvac.made_up]\n", "planned_work: unknown job type"),
        (
            "job_types:\n  pool: [pool.pump_repair]\nplanned_work: [pool.pump_repair]\n",
            "'pool.pump_repair' has no typical_minutes",
        ),
    ],
)
def test_bad_typical_minutes_are_refused_with_the_file_and_the_key(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "taxonomy.yaml"
    path.write_text(text)
    with pytest.raises(TaxonomyError, match=message) as caught:
        load_taxonomy(path)
    assert str(path) in str(caught.value)
