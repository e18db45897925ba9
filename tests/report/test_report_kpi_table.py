"""The KPI table: an emergency median is read beside the emergencies left unreached."""

from __future__ import annotations

import re

from orchestrator.report.html import _kpi_table


def _row(table: str, label: str) -> list[str]:
    match = re.search(rf"<tr><td>{re.escape(label)}</td>(.*?)</tr>", table)
    assert match is not None, label
    return re.findall(r"<td(?: class=\"(\w+)\")?>", match.group(1))


def test_a_fast_median_that_left_emergencies_unreached_is_shown_beside_them() -> None:
    """On a generated 20 × 80 day the coordinator's median response was 42 minutes against
    79, over the 2 of 5 emergencies it reached. The table says so on the next row, where
    reaching them all is marked better."""
    kpis = {
        "baseline": {"emergency_response_minutes_p50": 42.5, "emergencies_unreached": 3},
        "fsm-dispatch": {"emergency_response_minutes_p50": 79.0, "emergencies_unreached": 0},
    }
    table = _kpi_table(kpis)
    assert _row(table, "emergency response p50 (min)") == ["", "worse"]
    assert _row(table, "emergencies not reached") == ["", "better"]
    assert '<td>3</td><td class="better">0</td>' in table
