"""Duration estimates for the running service, fitted on the account's own completed visits.

The status events the sync stores say when each technician arrived and finished; with the job
type of each visit's job, they are the account's duration history. The model is fitted again
once a day, so yesterday's visits count from this morning on; job types the account has never
done fall back to the taxonomy's typical minutes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo

from connectors.records import Appointment, Job, Lifecycle, Technician
from optimizer.durations import DurationModel, DurationSample, fit_durations
from orchestrator.analytics.visits import visits_from_events
from orchestrator.classification.taxonomy import Taxonomy
from orchestrator.durations_fit import duration_params
from orchestrator.promise_odds import DurationSpread
from orchestrator.store import Store

__all__ = ["HISTORY_DAYS", "FittedDurations", "model_spread", "store_history"]

HISTORY_DAYS = 120
"""How far back completed visits are read: a season, so this winter's no-heat calls are not
timed on last summer's."""
FALLBACK_TYPE = "general.estimate"


def model_spread(model: DurationModel, job: Job, technician: Technician | None) -> DurationSpread:
    """The median minutes of the job's type for the technician, and the spread of its log."""
    job_type = (job.classification.job_type if job.classification else "") or FALLBACK_TYPE
    estimate = model.estimate(job_type, technician.external_id if technician else None)
    return DurationSpread(max(1.0, estimate.p50), estimate.sigma)


def store_history(
    store: Store, account: str, platform: str, *, since: datetime, until: datetime
) -> list[DurationSample]:
    """One sample per completed visit in [since, until): its job's type, technician and minutes
    on site. Visits of jobs never classified are skipped (their type is unknown)."""
    events = store.status_events(account, platform, since=since, until=until)
    job_of = {
        a.external_id: a.job_id for a in store.list(Appointment, account=account, platform=platform)
    }
    types = {
        job_id: c.job_type
        for job_id, c in store.classifications(account, platform).items()
        if c.job_type.strip()
    }
    samples = []
    for visit in visits_from_events(events):
        if visit.outcome is not Lifecycle.COMPLETED or visit.ended_at is None:
            continue
        job_type = types.get(job_of.get(visit.appointment_id, ""))
        minutes = (visit.ended_at - visit.arrived_at).total_seconds() / 60
        if job_type is None or minutes <= 0:
            continue
        samples.append(
            DurationSample(job_type, minutes, visit.technician_id, visit.arrived_at.date())
        )
    return samples


@dataclass
class FittedDurations:
    """`durations(job, technician)` for the pipeline: the routing quantile of the job's type
    for that technician, from the account's history, refitted when the account's local date
    changes (in the small hours there, not at midnight UTC in the middle of a shift)."""

    store: Store
    account: str
    platform: str
    routing_quantile: float
    zone: tzinfo = UTC
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    taxonomy: Taxonomy | None = None
    """Typical minutes for types without history; the default taxonomy's when None."""
    _model: DurationModel | None = field(default=None, repr=False)
    _fitted_on: date | None = field(default=None, repr=False)
    samples: int = 0
    """Completed visits the current model was fitted on."""

    def __call__(self, job: Job, technician: Technician) -> int:
        model = self.model()
        job_type = job.classification.job_type if job.classification else FALLBACK_TYPE
        estimate = model.estimate(job_type or FALLBACK_TYPE, technician.external_id)
        return max(10, round(estimate.routing))

    def spread(self, job: Job, technician: Technician | None) -> DurationSpread:
        """The median minutes of the job's type for the technician, and the spread of its log."""
        return model_spread(self.model(), job, technician)

    def model(self) -> DurationModel:
        now = self.clock()
        today = now.astimezone(self.zone).date()
        if self._model is None or self._fitted_on != today:
            history = store_history(
                self.store,
                self.account,
                self.platform,
                since=now - timedelta(days=HISTORY_DAYS),
                until=now,
            )
            params = duration_params(self.routing_quantile, self.taxonomy)
            self._model = fit_durations(history, params)
            self._fitted_on, self.samples = today, len(history)
        return self._model
