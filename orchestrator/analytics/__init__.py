"""Analytics: dispatch KPIs computed from recorded canonical records."""

from orchestrator.analytics.kpis import (
    Kpis,
    PreferredVisit,
    Visit,
    compute_kpis,
    preferred_visits,
    visits_from_events,
)

__all__ = [
    "Kpis",
    "PreferredVisit",
    "Visit",
    "compute_kpis",
    "preferred_visits",
    "visits_from_events",
]
