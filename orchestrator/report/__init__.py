"""Reports people read: the simulated day's before/after in HTML."""

from orchestrator.report.html import render_report

__all__ = ["render_report"]
