"""Analytics: dispatch KPIs computed from recorded canonical records."""

from orchestrator.analytics.kpis import Kpis, Visit, compute_kpis, visits_from_events

__all__ = ["Kpis", "Visit", "compute_kpis", "visits_from_events"]
