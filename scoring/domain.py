"""The training domain of a scorer: where its training data lay, and whether a new practice lies there too.

A model that extrapolates gives confident numbers that mean nothing, so every scorer card records the
domain of its training feature matrix (`training_domain`) and scoring checks each practice against it
(`check_domain`) before a level or score is shown. Two tests, both from stored statistics only (numpy,
no scikit-learn at scoring time):

* per metric, a range: the training values' 0.5th-99.5th percentiles widened by two robust
  spread on each side (a value outside is named to the trainee);
* jointly, a novelty distance: the Mahalanobis distance of the robust z-scores (median / 1.4826 MAD)
  under a covariance shrunk towards its diagonal, kept as its leading eigenvectors plus one residual variance
  so cards of models with hundreds of features stay small. Its threshold comes from the training data's
  own distribution: a high quantile of leave-out distances (each fold's samples measured against the
  statistics of the other folds), so it says how unusual a practice is among the training practices.
  That quantile is read from a fitted distribution, not from the two or three largest values alone,
  so it moves less between equally good training sets (benchmarks/bench_domain_threshold.py): a
  squared Mahalanobis distance is chi-square-like, so a gamma distribution (a chi-square of fitted
  degrees of freedom and scale) is fitted to the upper half of the squared distances (`chi_type_quantile`).
  The card says so, with the plain empirical quantile and the training share beyond the threshold.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from skillsight.scoring.metric_display import metric_display

DOMAIN_FORMAT_VERSION = 1
RANGE_QUANTILES = (0.5, 99.5)  # percent
RANGE_MARGIN_SPREADS = 2.0  # robust spreads added on each side: few false alarms over 40 metrics
THRESHOLD_QUANTILE = 0.99
LEAVE_OUT_FOLDS = 10
MAX_COMPONENTS = 32
MAD_TO_SD = 1.4826
Z_LIMIT = 1e3  # robust z-scores beyond this add nothing but overflow


@dataclass(frozen=True)
class OutOfRange:
    """One metric outside the range the training data covered."""

    name: str
    value: float
    low: float
    high: float

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "low": self.low, "high": self.high}


@dataclass(frozen=True)
class DomainCheck:
    """Whether one practice lies in a scorer's training domain, and if not, why."""

    known: bool  # False: the card records no domain (an older model); nothing was checked
    inside: bool
    distance: Optional[float] = None
    threshold: Optional[float] = None
    out_of_range: tuple[OutOfRange, ...] = field(default=())

    @property
    def reason(self) -> str:
        """A plain sentence for the trainee, or "" inside the domain."""
        if self.inside:
            return ""
        text = "your motion is unlike anything this model was trained on"
        if self.out_of_range:
            # in the trainee's words ("needle-driver hand's smoothness (jerk score)"); the JSON keeps names
            names = ", ".join(metric_display(o.name).phrase for o in self.out_of_range[:8])
            more = f" and {len(self.out_of_range) - 8} more" if len(self.out_of_range) > 8 else ""
            return f"{text}: these metrics are outside its range: {names}{more}"
        return (
            f"{text}: each metric is within its range, but their combination is not "
            f"(novelty {self.distance:.1f}, the training data's own limit is {self.threshold:.1f})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "known": self.known,
            "inside": self.inside,
            "distance": _finite(self.distance),
            "threshold": _finite(self.threshold),
            "out_of_range": [o.to_dict() for o in self.out_of_range],
            "reason": self.reason,
        }


def _finite(value: Optional[float]) -> Optional[float]:
    return float(value) if value is not None and math.isfinite(value) else None


# --- training side ------------------------------------------------------------------------------------


def training_domain(X: Any, feature_names: Sequence[str]) -> dict[str, Any]:
    """The card's ``domain`` section for a training feature matrix (n_samples, n_features); NaN allowed.

    This is the one function training code calls (`SkillScorer.fit` does, so every exported scorer
    carries it)."""
    matrix = np.asarray(X, dtype=float)
    names = [str(n) for n in feature_names]
    if matrix.ndim != 2 or matrix.shape[1] != len(names):
        raise ValueError(f"expected a (n, {len(names)}) training matrix, got shape {matrix.shape}")
    matrix = np.where(np.isfinite(matrix), matrix, np.nan)
    centre, scale = _robust_centre_scale(matrix)
    low, high = _ranges(matrix, scale)
    used = np.flatnonzero(np.isfinite(centre) & (scale > 0) & _varies(matrix))
    section: dict[str, Any] = {
        "format_version": DOMAIN_FORMAT_VERSION,
        "method": (
            f"per metric: {RANGE_QUANTILES[0]}-{RANGE_QUANTILES[1]} percentiles of the training values "
            f"widened by {RANGE_MARGIN_SPREADS} robust spreads; jointly: Mahalanobis distance of robust "
            "z-scores under a covariance shrunk towards its diagonal by F/(n+F) (leading eigenvectors + "
            "residual variance), "
            f"threshold the {THRESHOLD_QUANTILE:.0%} quantile of {LEAVE_OUT_FOLDS}-fold leave-out distances, "
            "read from a chi-type fit (a gamma distribution fitted by maximum likelihood to the upper half "
            "of the squared distances, the lower half censored; novelty.threshold_empirical is the plain "
            "quantile)"
        ),
        "n_samples": int(matrix.shape[0]),
        "feature_names": names,
        "centre": _list(centre),
        "scale": _list(scale),
        "low": _list(low),
        "high": _list(high),
        "novelty": None,
    }
    if used.size >= 1 and matrix.shape[0] >= 4:
        section["novelty"] = _novelty_section(matrix, used)
    return section


def _robust_centre_scale(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(all="ignore"), _quiet_nan_warnings():
        centre = np.nanmedian(matrix, axis=0)
        mad = MAD_TO_SD * np.nanmedian(np.abs(matrix - centre), axis=0)
        # Most values equal (a count that is usually zero): fall back to the standard deviation.
        sd = np.nanstd(matrix, axis=0)
    scale = np.where(mad > 0, mad, sd)
    return centre, np.where(np.isfinite(scale), scale, 0.0)


def _ranges(matrix: np.ndarray, scale: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    with _quiet_nan_warnings():
        low, high = np.nanpercentile(matrix, RANGE_QUANTILES, axis=0)
    margin = RANGE_MARGIN_SPREADS * scale
    return low - margin, high + margin


def _varies(matrix: np.ndarray) -> np.ndarray:
    with _quiet_nan_warnings():
        return np.asarray(np.nanmax(matrix, axis=0) > np.nanmin(matrix, axis=0))


def _robust_z(matrix: np.ndarray, centre: np.ndarray, scale: np.ndarray) -> np.ndarray:
    z = (matrix - centre) / scale
    return np.clip(np.where(np.isfinite(z), z, 0.0), -Z_LIMIT, Z_LIMIT)  # missing counts as typical


def _fit_novelty(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Leading eigenvectors (F, k), their variances (k,) and the residual variance of a shrunk covariance."""
    n, width = z.shape
    sample = z.T @ z / max(n - 1, 1)
    # Shrunk towards its diagonal by F / (n + F): mild with many practices per metric, strong with few,
    # and always invertible (a pair of metrics that always move together keeps a small, finite variance).
    shrinkage = width / (n + width)
    covariance = (1.0 - shrinkage) * sample + shrinkage * np.diag(np.maximum(np.diag(sample), 1e-6))
    values, vectors = np.linalg.eigh(covariance)
    order = np.argsort(values)[::-1]
    values, vectors = np.maximum(values[order], 1e-9), vectors[:, order]
    k = int(min(MAX_COMPONENTS, z.shape[1], max(z.shape[0] - 1, 1)))
    residual = float(np.mean(values[k:])) if k < values.size else float(values[-1])
    return vectors[:, :k], values[:k], max(residual, 1e-9)


def _distances(z: np.ndarray, vectors: np.ndarray, variances: np.ndarray, residual: float) -> np.ndarray:
    projected = z @ vectors
    explained = np.sum(projected**2 / variances, axis=1)
    rest = np.maximum(np.sum(z**2, axis=1) - np.sum(projected**2, axis=1), 0.0) / residual
    return np.sqrt(explained + rest)


def leave_out_distances(sub: np.ndarray) -> np.ndarray:
    """(n,) novelty distance of each training row from the statistics of the other folds."""
    n = sub.shape[0]
    folds = np.arange(n) % min(LEAVE_OUT_FOLDS, n)
    np.random.default_rng(0).shuffle(folds)
    leave_out = np.empty(n)
    for fold in np.unique(folds):
        held = folds == fold
        centre, scale = _robust_centre_scale(sub[~held])
        scale = np.where(scale > 0, scale, 1.0)
        vectors, variances, residual = _fit_novelty(_robust_z(sub[~held], centre, scale))
        leave_out[held] = _distances(_robust_z(sub[held], centre, scale), vectors, variances, residual)
    return leave_out


def _novelty_section(matrix: np.ndarray, used: np.ndarray) -> dict[str, Any]:
    sub = matrix[:, used]
    leave_out = leave_out_distances(sub)
    centre, scale = _robust_centre_scale(sub)
    vectors, variances, residual = _fit_novelty(_robust_z(sub, centre, scale))
    return {
        "features": used.tolist(),
        "components": _list(vectors.T),
        "variances": _list(variances),
        "residual_variance": _sig(residual),
        **_threshold(leave_out),
        "leave_out_distance_median": _sig(float(np.median(leave_out))),
    }


def _threshold(leave_out: np.ndarray) -> dict[str, Any]:
    """The novelty threshold (the chi-type fit's quantile) and how it was made."""
    fitted, dof = chi_type_quantile(leave_out, THRESHOLD_QUANTILE)
    empirical = float(np.quantile(leave_out, THRESHOLD_QUANTILE))
    threshold = fitted if math.isfinite(fitted) else empirical
    return {
        "threshold": _sig(threshold),
        "threshold_fit": (
            f"chi-type: gamma on squared distances, upper half fitted ({dof:.3g} degrees of freedom)"
            if math.isfinite(fitted)
            else "empirical quantile (too few distances to fit)"
        ),
        "threshold_empirical": _sig(empirical),
        "training_share_beyond": _sig(float(np.mean(leave_out > threshold))),
    }


def chi_type_quantile(values: np.ndarray, quantile: float) -> tuple[float, float]:
    """(the `quantile` of distances whose squares follow a gamma distribution, a chi-square with fitted
    degrees of freedom and scale; those degrees of freedom). Fitted by maximum likelihood to the upper
    half of the squares, the lower half counted only as lying below the median (censored): the bulk
    of leave-out distances is chi-like but their tail is a little heavier, and a fit to all of them
    put 1.7-2.5% of the training practices beyond its 99% quantile. NaN for fewer than 8 distances."""
    from scipy import optimize, stats  # lazy: training only; scoring reads the stored threshold

    squares = np.asarray(values, dtype=float) ** 2
    squares = np.sort(squares[np.isfinite(squares) & (squares > 0)])
    if squares.size < 8 or np.ptp(squares) <= 0:
        return float("nan"), float("nan")
    cut = float(np.median(squares))
    upper, n_lower = squares[squares > cut], int(np.sum(squares <= cut))
    mean, var = float(np.mean(squares)), float(np.var(squares))

    def negative_log_likelihood(log_params: np.ndarray) -> float:
        shape, scale = np.exp(log_params)
        lower = n_lower * stats.gamma.logcdf(cut, shape, scale=scale)
        return -float(lower + np.sum(stats.gamma.logpdf(upper, shape, scale=scale)))

    start = np.log([mean**2 / var, var / mean])  # the method of moments
    fit = optimize.minimize(negative_log_likelihood, start, method="Nelder-Mead")
    shape, scale = np.exp(fit.x)
    return float(np.sqrt(stats.gamma.ppf(quantile, shape, scale=scale))), float(2.0 * shape)


# --- scoring side -------------------------------------------------------------------------------------


def novelty_distance(domain: Mapping[str, Any], row: np.ndarray) -> Optional[float]:
    """The novelty distance of one feature row (in the card's feature order); None without a novelty part."""
    novelty = domain.get("novelty")
    if not novelty:
        return None
    used = np.asarray(novelty["features"], dtype=int)
    centre = np.asarray(domain["centre"], dtype=float)[used]
    scale = np.asarray(domain["scale"], dtype=float)[used]
    z = _robust_z(np.asarray(row, dtype=float).reshape(1, -1)[:, used], centre, scale)
    vectors = np.asarray(novelty["components"], dtype=float).T
    variances = np.asarray(novelty["variances"], dtype=float)
    return float(_distances(z, vectors, variances, float(novelty["residual_variance"]))[0])


def check_domain(domain: Optional[Mapping[str, Any]], row: np.ndarray) -> DomainCheck:
    """Check one feature row (card order, NaN = missing) against a card's domain section."""
    if not domain:
        return DomainCheck(known=False, inside=True)
    values = np.asarray(row, dtype=float).reshape(-1)
    names = list(domain["feature_names"])
    low = np.asarray(domain["low"], dtype=float)
    high = np.asarray(domain["high"], dtype=float)
    if values.size != len(names):
        raise ValueError(f"expected {len(names)} features for the domain check, got {values.size}")
    outside = []
    for j in np.flatnonzero(np.isfinite(values) & ((values < low) | (values > high))):
        outside.append(OutOfRange(names[j], float(values[j]), float(low[j]), float(high[j])))
    distance = novelty_distance(domain, values)
    threshold = float(domain["novelty"]["threshold"]) if domain.get("novelty") else None
    novel = distance is not None and threshold is not None and distance > threshold
    return DomainCheck(
        known=True,
        inside=not outside and not novel,
        distance=distance,
        threshold=threshold,
        out_of_range=tuple(outside),
    )


# --- helpers ------------------------------------------------------------------------------------------


def _sig(value: float) -> float:
    return float(f"{value:.6g}") if math.isfinite(value) else 0.0


def _list(values: np.ndarray) -> Any:
    """Rounded to 6 significant digits for the JSON card; NaN (a metric never measured) becomes None."""
    arr = np.asarray(values, dtype=float)
    if arr.ndim > 1:
        return [_list(r) for r in arr]
    return [float(f"{v:.6g}") if math.isfinite(v) else None for v in arr]


class _quiet_nan_warnings:
    """All-NaN columns (a metric never measured) give NaN statistics; numpy's warning adds nothing."""

    def __enter__(self) -> None:
        import warnings

        self._catcher = warnings.catch_warnings()
        self._catcher.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc: Any) -> None:
        self._catcher.__exit__(*exc)
