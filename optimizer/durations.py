"""Job durations from history: per-type quantiles shrunk toward trade and fleet, technician speed.

Durations are skewed (a 60-minute job sometimes takes three hours), so everything is computed on
log minutes. For a job type with `n` samples, each quantile is a blend

    p50_type = w * p50_empirical(type) + (1 - w) * p50_trade,    w = n / (n + k)

and likewise its spread (routing quantile minus median, in logs) toward the trade's spread; the
trade's are blended toward the whole fleet's the same way. A type seen twice leans on its trade
while a type seen two hundred times speaks for itself. By default `k` is estimated from the
history (within-type variance over between-type variance), the empirical-Bayes choice: when types
of a trade differ a lot, their own history is trusted sooner. Routes use a buffered
quantile (`routing_quantile`, default p80), never the mean.

A technician's speed factor is the geometric mean of their actual / type-median ratios, shrunk
toward 1 by `tech_prior_strength`. Type quantiles for a named technician are computed on
speed-adjusted history and multiplied back by that technician's factor; for an unnamed technician
the unadjusted quantiles are used, which include the spread between technicians.

`DriftTracker` keeps a rolling mean absolute error of the p50 against actuals per job type and
flags a type for refit when it exceeds the error seen at fit time by more than a tolerance.

Imports nothing of fsm-dispatch; everything arrives as an argument.
"""

from __future__ import annotations

import math
import statistics
import warnings
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from statistics import NormalDist

__all__ = [
    "DEFAULT_SIGMA",
    "DriftStatus",
    "DriftTracker",
    "DurationEstimate",
    "DurationModel",
    "DurationParams",
    "DurationSample",
    "SuspiciousDurationWarning",
    "fit_durations",
]

_MAX_PLAUSIBLE_MINUTES = 24 * 60
DEFAULT_SIGMA = 0.5
"""Log spread assumed with no history: a p80 about 1.5 times the median, as field visits run."""
_Z80 = NormalDist().inv_cdf(0.8)


class SuspiciousDurationWarning(UserWarning):
    """A legal but unlikely duration (over a day), kept but worth a look."""


@dataclass(frozen=True)
class DurationSample:
    """One completed job: its type, who did it, how long it took, and when."""

    job_type: str
    minutes: float
    technician: str | None = None
    day: date | None = None

    def __post_init__(self) -> None:
        if not self.job_type.strip():
            raise ValueError("job_type must not be blank")
        if not math.isfinite(self.minutes) or self.minutes <= 0:
            raise ValueError(
                f"minutes must be a positive number, got {self.minutes!r} for {self.job_type}"
            )


@dataclass(frozen=True)
class DurationParams:
    """How the model is fitted.

    Attributes:
        routing_quantile: the quantile routes use (0.5-0.99; default p80).
        prior_strength: samples' worth of weight the trade (and fleet) median carries; None
            estimates it from the history (within-type variance / between-type variance), so
            types that differ a lot from their trade are trusted sooner.
        spread_prior_strength: samples' worth of weight the trade's spread (routing quantile over
            median) carries; spreads vary far less between types than medians do.
        tech_prior_strength: samples' worth of weight pulling a speed factor toward 1.
        default_minutes: the estimate when there is no history at all.
        default_spread: p-routing / p50 ratio used with `default_minutes`.
        typical_minutes: a typical median per job type, used for a type with no history of its
            own (before its trade's or the fleet's figure, which may be far off: a panel
            upgrade is not a typical electrical visit).
        typical_sigma: a typical spread of log minutes per job type, used with its typical
            median: a booked install varies less than a diagnosis. A type without one takes
            the trade's or fleet's spread, or the default.
    """

    routing_quantile: float = 0.8
    prior_strength: float | None = None
    spread_prior_strength: float = 10.0
    tech_prior_strength: float = 10.0
    default_minutes: float = 90.0
    default_spread: float = 1.4
    typical_minutes: Mapping[str, float] = field(default_factory=dict)
    typical_sigma: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0.5 <= self.routing_quantile <= 0.99:
            raise ValueError(
                f"routing_quantile must be within 0.5-0.99, got {self.routing_quantile}"
            )
        strengths = (self.prior_strength or 0, self.spread_prior_strength, self.tech_prior_strength)
        if min(strengths) < 0:
            raise ValueError("prior strengths must be >= 0")
        if self.default_minutes <= 0:
            raise ValueError(f"default_minutes must be positive, got {self.default_minutes}")
        if self.default_spread < 1:
            raise ValueError(f"default_spread must be >= 1, got {self.default_spread}")
        bad = sorted(k for k, v in self.typical_minutes.items() if not v > 0)
        if bad:
            raise ValueError(f"typical_minutes must be positive; check {', '.join(bad)}")
        bad = sorted(k for k, v in self.typical_sigma.items() if not 0 < v < 2)
        if bad:
            raise ValueError(f"typical_sigma must be within 0-2; check {', '.join(bad)}")


@dataclass(frozen=True)
class DurationEstimate:
    """Minutes to plan for one job.

    Attributes:
        job_type: the type estimated.
        p50: the median, minutes.
        routing: the routing quantile, minutes (what routes should use).
        quantile: which quantile `routing` is.
        samples: how many samples of this very type the estimate rests on.
        type_weight: the share of the estimate coming from the type's own history (0-1).
        speed_factor: the technician factor applied (1 when no technician was named).
        source: "type", "trade", "fleet" or "default": the most specific level with history;
            "typical" when a type without history took its typical figure.
        sigma: the spread of the job's log minutes (a lognormal's sigma): how far the actual
            may fall from the median; the chance of keeping a promise is computed with it.
    """

    job_type: str
    p50: float
    routing: float
    quantile: float
    samples: int
    type_weight: float
    speed_factor: float = 1.0
    source: str = "type"
    sigma: float = DEFAULT_SIGMA


@dataclass(frozen=True)
class _Quantiles:
    """Log-minute quantiles (p50 and routing) of one group, already shrunk, and its size."""

    log_p50: float
    log_routing: float
    n: int
    weight: float  # the group's own share after shrinkage
    sigma: float = 0.0
    """Spread of log minutes (a lognormal's sigma), from the p50-p80 gap, shrunk like the
    routing spread: what the chance of keeping a promise is computed with."""


def _trade(job_type: str) -> str:
    return job_type.split(".", 1)[0]


def _quantile(sorted_values: Sequence[float], q: float) -> float:
    """Linear-interpolation quantile (the 'type 7' definition) of sorted values."""
    if not sorted_values:
        raise ValueError("no values")
    position = q * (len(sorted_values) - 1)
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    frac = position - low
    return sorted_values[low] * (1 - frac) + sorted_values[high] * frac


_MIN_STRENGTH = 0.5
_MAX_STRENGTH = 50.0


def _blend(
    logs: list[float], prior: _Quantiles | None, q: float, strength: float, spread_strength: float
) -> _Quantiles:
    """Own quantiles shrunk toward `prior`: the median by `strength`, the spread by its own."""
    values = sorted(logs)
    n = len(values)
    if prior is None:
        sigma = _own_sigma(values) if n > 1 else DEFAULT_SIGMA
        return _Quantiles(_quantile(values, 0.5), _quantile(values, q), n, 1.0, sigma)
    if n == 0:
        return _Quantiles(prior.log_p50, prior.log_routing, 0, 0.0, prior.sigma)
    w = n / (n + strength)
    w_spread = n / (n + spread_strength)
    own_p50 = _quantile(values, 0.5)
    own_spread = _quantile(values, q) - own_p50
    prior_spread = prior.log_routing - prior.log_p50
    p50 = w * own_p50 + (1 - w) * prior.log_p50
    spread = w_spread * own_spread + (1 - w_spread) * prior_spread
    sigma = w_spread * _own_sigma(values) + (1 - w_spread) * prior.sigma
    return _Quantiles(p50, p50 + max(spread, 0.0), n, w, sigma)


def _own_sigma(sorted_logs: Sequence[float]) -> float:
    """A lognormal's sigma read from the p50-p80 gap: robust to the odd all-day visit."""
    return max(0.0, (_quantile(sorted_logs, 0.8) - _quantile(sorted_logs, 0.5)) / _Z80)


def _estimated_strength(groups: Mapping[str, list[float]]) -> float:
    """Empirical-Bayes prior strength: within-group variance over between-group variance."""
    sized = [v for v in groups.values() if len(v) >= 2]
    if len(sized) < 2:
        return _MAX_STRENGTH / 4
    within = sum(statistics.variance(v) * (len(v) - 1) for v in sized) / sum(
        len(v) - 1 for v in sized
    )
    means = [statistics.fmean(v) for v in sized]
    noise = statistics.fmean(within / len(v) for v in sized)
    between = statistics.variance(means) - noise
    if between <= 0:
        return _MAX_STRENGTH
    return min(max(within / between, _MIN_STRENGTH), _MAX_STRENGTH)


def _group_quantiles(
    logs_by_type: Mapping[str, list[float]], params: DurationParams
) -> tuple[_Quantiles | None, dict[str, _Quantiles], dict[str, _Quantiles]]:
    q = params.routing_quantile
    everything = [v for values in logs_by_type.values() for v in values]
    if not everything:
        return None, {}, {}
    fleet = _blend(everything, None, q, 0.0, 0.0)
    by_trade: dict[str, list[float]] = defaultdict(list)
    for job_type, values in logs_by_type.items():
        by_trade[_trade(job_type)].extend(values)
    spread = params.spread_prior_strength
    trade_strength = (
        params.prior_strength
        if params.prior_strength is not None
        else _estimated_strength(by_trade)
    )
    trades = {
        trade: _blend(values, fleet, q, trade_strength, spread)
        for trade, values in by_trade.items()
    }
    types: dict[str, _Quantiles] = {}
    for trade in by_trade:
        members = {t: v for t, v in logs_by_type.items() if _trade(t) == trade}
        strength = (
            params.prior_strength
            if params.prior_strength is not None
            else _estimated_strength(members)
        )
        for job_type, values in members.items():
            types[job_type] = _blend(values, trades[trade], q, strength, spread)
    return fleet, trades, types


@dataclass(frozen=True)
class DurationModel:
    """A fitted duration model; build it with `fit_durations`."""

    params: DurationParams
    samples: int
    speed_factors: Mapping[str, float] = field(default_factory=dict)
    tech_samples: Mapping[str, int] = field(default_factory=dict)
    baseline_mae: Mapping[str, float] = field(default_factory=dict)
    """In-sample mean absolute error of the p50 per job type, minutes (the drift reference)."""
    _fleet: _Quantiles | None = None
    _trades: Mapping[str, _Quantiles] = field(default_factory=dict)
    _types: Mapping[str, _Quantiles] = field(default_factory=dict)
    _adj_fleet: _Quantiles | None = None
    _adj_trades: Mapping[str, _Quantiles] = field(default_factory=dict)
    _adj_types: Mapping[str, _Quantiles] = field(default_factory=dict)

    @property
    def job_types(self) -> tuple[str, ...]:
        return tuple(sorted(self._types))

    def speed_factor(self, technician: str | None) -> float:
        """The technician's shrunk speed factor (< 1 is faster); 1 for unknown technicians."""
        if technician is None:
            return 1.0
        return self.speed_factors.get(technician, 1.0)

    def estimate(self, job_type: str, technician: str | None = None) -> DurationEstimate:
        """Minutes to plan for `job_type`, by `technician` when named.

        A type never seen falls back to its trade, then to the fleet, then to the defaults.
        """
        if not job_type.strip():
            raise ValueError("job_type must not be blank")
        factor = self.speed_factor(technician)
        named = technician is not None and technician in self.speed_factors
        fleet, trades, types = (
            (self._adj_fleet, self._adj_trades, self._adj_types)
            if named
            else (self._fleet, self._trades, self._types)
        )
        q = self.params.routing_quantile
        chosen: _Quantiles | None
        if job_type in types:
            chosen, source = types[job_type], "type"
        elif _trade(job_type) in trades:
            chosen, source = trades[_trade(job_type)], "trade"
        elif fleet is not None:
            chosen, source = fleet, "fleet"
        else:
            chosen, source = None, "default"
        typical = self.params.typical_minutes.get(job_type)
        if source != "type" and typical is not None:
            own_sigma = self.params.typical_sigma.get(job_type)
            if own_sigma is not None:
                spread, sigma = math.exp(own_sigma * NormalDist().inv_cdf(q)), own_sigma
            elif chosen is not None:
                spread, sigma = math.exp(chosen.log_routing - chosen.log_p50), chosen.sigma
            else:
                spread, sigma = self.params.default_spread, DEFAULT_SIGMA
            p50 = typical * factor
            return DurationEstimate(
                job_type, p50, p50 * max(1.0, spread), q, 0, 0.0, factor, "typical", sigma
            )
        if chosen is None:
            p50 = self.params.default_minutes
            routing = p50 * self.params.default_spread
            return DurationEstimate(
                job_type, p50 * factor, routing * factor, q, 0, 0.0, factor, source, DEFAULT_SIGMA
            )
        samples = chosen.n if source == "type" else 0
        weight = chosen.weight if source == "type" else 0.0
        return DurationEstimate(
            job_type=job_type,
            p50=math.exp(chosen.log_p50) * factor,
            routing=max(math.exp(chosen.log_routing), math.exp(chosen.log_p50)) * factor,
            quantile=q,
            samples=samples,
            type_weight=weight,
            speed_factor=factor,
            source=source,
            sigma=chosen.sigma,
        )


def fit_durations(
    samples: Iterable[DurationSample], params: DurationParams | None = None
) -> DurationModel:
    """Fit per-type quantiles, shrunk toward trade and fleet, and per-technician speed factors.

    Args:
        samples: completed jobs (any order).
        params: quantile and shrinkage settings.

    Returns:
        The fitted model. With no samples it estimates `default_minutes` for everything.

    Warns:
        SuspiciousDurationWarning: a sample longer than a day (kept).
    """
    params = params or DurationParams()
    rows = list(samples)
    for row in rows:
        if row.minutes > _MAX_PLAUSIBLE_MINUTES:
            warnings.warn(
                f"{row.job_type}: {row.minutes:g} minutes is longer than a day",
                SuspiciousDurationWarning,
                stacklevel=2,
            )
    logs: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        logs[row.job_type].append(math.log(row.minutes))
    fleet, trades, types = _group_quantiles(logs, params)

    # Speed factors: how far each technician's jobs land from the type medians, shrunk toward 1.
    residuals: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        if row.technician is not None:
            residuals[row.technician].append(math.log(row.minutes) - types[row.job_type].log_p50)
    factors: dict[str, float] = {}
    for tech, values in residuals.items():
        shrink = len(values) / (len(values) + params.tech_prior_strength)
        factors[tech] = math.exp(shrink * sum(values) / len(values))

    adjusted: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        factor = factors.get(row.technician, 1.0) if row.technician is not None else 1.0
        adjusted[row.job_type].append(math.log(row.minutes / factor))
    adj_fleet, adj_trades, adj_types = _group_quantiles(adjusted, params)

    errors: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        errors[row.job_type].append(abs(row.minutes - math.exp(types[row.job_type].log_p50)))
    baseline = {job_type: sum(v) / len(v) for job_type, v in errors.items()}
    return DurationModel(
        params=params,
        samples=len(rows),
        speed_factors=factors,
        tech_samples={tech: len(v) for tech, v in residuals.items()},
        baseline_mae=baseline,
        _fleet=fleet,
        _trades=trades,
        _types=types,
        _adj_fleet=adj_fleet,
        _adj_trades=adj_trades,
        _adj_types=adj_types,
    )


@dataclass(frozen=True)
class DriftStatus:
    """Where one job type stands: rolling MAE of the p50 against actuals, and whether to refit."""

    job_type: str
    observations: int
    rolling_mae: float
    baseline_mae: float | None
    needs_refit: bool


class DriftTracker:
    """Rolling MAE of p50 estimates against actuals, per job type.

    Args:
        baseline_mae: the error each type showed when fitted (`DurationModel.baseline_mae`).
        window: how many recent jobs per type the rolling MAE covers.
        tolerance: relative excess over the baseline that flags a refit (0.25 = 25 % worse).
        min_observations: a type is never flagged on fewer recent jobs than this.
    """

    def __init__(
        self,
        baseline_mae: Mapping[str, float],
        *,
        window: int = 30,
        tolerance: float = 0.25,
        min_observations: int = 10,
    ) -> None:
        if window < 1:
            raise ValueError(f"window must be >= 1, got {window}")
        if tolerance < 0:
            raise ValueError(f"tolerance must be >= 0, got {tolerance}")
        if not 1 <= min_observations <= window:
            raise ValueError("min_observations must be between 1 and window")
        self._baseline = dict(baseline_mae)
        self._window = window
        self._tolerance = tolerance
        self._min = min_observations
        self._errors: dict[str, deque[float]] = {}

    def observe(self, job_type: str, actual_minutes: float, estimated_p50: float) -> None:
        """Record one completed job against the p50 it was planned with."""
        if actual_minutes <= 0 or estimated_p50 <= 0:
            raise ValueError("actual and estimated minutes must be positive")
        errors = self._errors.setdefault(job_type, deque(maxlen=self._window))
        errors.append(abs(actual_minutes - estimated_p50))

    def status(self, job_type: str) -> DriftStatus:
        errors = self._errors.get(job_type, deque())
        mae = sum(errors) / len(errors) if errors else 0.0
        baseline = self._baseline.get(job_type)
        flagged = (
            len(errors) >= self._min
            and baseline is not None
            and mae > baseline * (1 + self._tolerance)
        ) or (len(errors) >= self._min and baseline is None)
        return DriftStatus(job_type, len(errors), mae, baseline, flagged)

    def report(self) -> list[DriftStatus]:
        """Every observed type, flagged ones first, then by job type."""
        statuses = [self.status(job_type) for job_type in self._errors]
        return sorted(statuses, key=lambda s: (not s.needs_refit, s.job_type))
