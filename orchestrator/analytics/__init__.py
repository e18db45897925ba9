"""Analytics: dispatch KPIs computed from recorded canonical records."""

from orchestrator.analytics.kpis import Kpis, PreferredVisit, compute_kpis, preferred_visits
from orchestrator.analytics.missed import MissedJob, missed_jobs
from orchestrator.analytics.visits import Visit, visits_from_events

__all__ = [
    "Kpis",
    "MissedJob",
    "PreferredVisit",
    "Visit",
    "compute_kpis",
    "missed_jobs",
    "preferred_visits",
    "visits_from_events",
]
