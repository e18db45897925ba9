"""Hard safety rules run after any engine and only ever raise urgency."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from orchestrator.classification import Ticket, TicketClassification, apply_safety, safety_findings


def _model_says(job_type: str, urgency: str, trade: str = "hvac") -> TicketClassification:
    return TicketClassification(trade=trade, job_type=job_type, urgency=urgency, engine="claude")


@pytest.mark.parametrize(
    ("summary", "description", "job_type", "rule", "people"),
    [
        ("Stove", "smells like natural gas by the range", "appliance.repair", 1, True),
        ("Alarm", "the carbon monoxide alarm keeps going off upstairs", "hvac.repair", 2, True),
        (
            "Panel",
            "breakers are crackling and the panel is hot",
            "electrical.outlet_fixture",
            3,
            True,
        ),
        (
            "Laundry",
            "supply hose burst, water gushing, cannot find the shutoff",
            "plumbing.leak",
            4,
            False,
        ),
        (
            "Basement",
            "sewage coming up through the basement floor drain",
            "plumbing.drain_clog",
            5,
            True,
        ),
    ],
)
def test_each_hazard_fires_its_rule_whatever_the_engine_said(
    make_ticket: Callable[..., Ticket],
    summary: str,
    description: str,
    job_type: str,
    rule: int,
    people: bool,
) -> None:
    ticket = make_ticket(summary, description)
    trade = job_type.split(".")[0]
    raised = apply_safety(ticket, _model_says(job_type, "scheduled", trade))
    assert raised.urgency == "emergency"
    assert raised.safety_escalation is people
    assert any(reason.startswith(f"rule {rule}:") for reason in raised.reasons["safety"])
    assert "raised from scheduled to emergency" in raised.reasons["urgency"][-1]


def test_weather_rules_use_the_job_type_and_context(make_ticket: Callable[..., Ticket]) -> None:
    cold = make_ticket("Heat", "furnace not heating", outdoor_temp_f=20.0, month=1)
    mild = make_ticket("Heat", "furnace not heating", outdoor_temp_f=50.0, month=1)
    hot_vulnerable = make_ticket(
        "AC", "ac not cooling", outdoor_temp_f=100.0, flags=frozenset({"medical_equipment"})
    )
    assert [f.rule for f in safety_findings(cold, "hvac.no_heat")] == [6]
    assert safety_findings(mild, "hvac.no_heat") == []
    assert [f.rule for f in safety_findings(hot_vulnerable, "hvac.no_cooling")] == [8]


def test_product_at_risk_is_rule_nine_and_not_people(make_ticket: Callable[..., Ticket]) -> None:
    ticket = make_ticket(
        "Walk-in freezer alarm",
        "box temperature 20F, setpoint -5F, full of product",
        flags=frozenset({"commercial"}),
    )
    findings = safety_findings(ticket, "refrigeration.commercial")
    assert [(f.rule, f.people_at_risk) for f in findings] == [(9, False)]


def test_safety_never_lowers_urgency(make_ticket: Callable[..., Ticket]) -> None:
    ticket = make_ticket("Thermostat", "new thermostat install please")
    emergency = _model_says("hvac.thermostat", "emergency")
    assert apply_safety(ticket, emergency) is emergency
    assert apply_safety(ticket, _model_says("hvac.thermostat", "scheduled")).urgency == "scheduled"


def test_ruled_out_gas_does_not_fire(make_ticket: Callable[..., Ticket]) -> None:
    ticket = make_ticket("Water heater", "pilot out, no gas smell, no hot water")
    assert safety_findings(ticket, "plumbing.water_heater_repair") == []
