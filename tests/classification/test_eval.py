"""The evaluation harness scores engines field by field and reads the labeled format strictly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orchestrator.classification import (
    Ticket,
    TicketClassification,
    TicketError,
    evaluate,
    load_labeled,
)


def _row(ident: str, urgency: str, job_type: str = "plumbing.leak") -> dict[str, object]:
    return {
        "id": ident,
        "source": "phone",
        "summary": f"ticket {ident}",
        "description": "",
        "customer": {"is_repeat": False, "flags": [], "property_type": "residential"},
        "context": {"outdoor_temp_f": 50, "month": 3},
        "label": {
            "trade": "plumbing",
            "job_type": job_type,
            "urgency": urgency,
            "skills": [],
            "equipment": ["drain_machine"],
            "safety_escalation": False,
        },
    }


def _write(tmp_path: Path, rows: list[dict[str, object]]) -> Path:
    path = tmp_path / "labeled.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_scores_are_fractions_and_errors_name_the_field(tmp_path: Path) -> None:
    rows = load_labeled(
        _write(
            tmp_path,
            [
                _row("a", "emergency"),
                _row("b", "emergency"),
                _row("c", "scheduled"),
                _row("d", "same_day", "plumbing.drain_clog"),
            ],
        )
    )

    def stub(ticket: Ticket) -> TicketClassification:
        # Calls everything a scheduled leak needing a drain machine, except ticket "a".
        urgency = "emergency" if ticket.summary.endswith(" a") else "scheduled"
        return TicketClassification(
            trade="plumbing",
            job_type="plumbing.leak",
            urgency=urgency,
            equipment=frozenset({"drain_machine"}),
        )

    report = evaluate(rows, stub)
    assert report.n == 4
    assert report.job_type_accuracy == 0.75
    assert report.urgency_accuracy == 0.5
    assert report.emergency_recall == 0.5
    assert report.equipment_exact == 1.0
    assert {
        "id": "b",
        "field": "urgency",
        "expected": "emergency",
        "got": "scheduled",
    } in report.errors
    assert report.confusion["emergency"]["scheduled"] == 1
    keys = set(report.to_dict())
    assert {
        "n",
        "job_type_accuracy",
        "trade_accuracy",
        "urgency_accuracy",
        "emergency_recall",
        "skills_exact",
        "equipment_exact",
        "errors",
    } <= keys


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json}\n", r"labeled.jsonl:1: not valid JSON"),
        (
            '{"id": "x", "summary": "s", "label": {"trade": "hvac"}}\n',
            "label.job_type must be a string",
        ),
        (
            '{"id": "x", "summary": "s", "context": {"month": 13}, "label": {}}\n',
            "month must be 1-12",
        ),
        ("\n", "no labeled tickets"),
    ],
)
def test_bad_files_are_refused_with_file_and_line(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "labeled.jsonl"
    path.write_text(content)
    with pytest.raises(TicketError, match=message):
        load_labeled(path)


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    with pytest.raises(TicketError, match="duplicate id 'a'"):
        load_labeled(_write(tmp_path, [_row("a", "scheduled"), _row("a", "scheduled")]))
