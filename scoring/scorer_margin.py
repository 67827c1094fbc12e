"""What pulls a scored practice towards another level: each metric's share of a two-level margin.

The margin between two levels (say expert over intermediate) is read as log-odds, ln p(level) -
ln p(rival), on the model's own probabilities (before the card's calibration floor, which would cap
it). A metric's pull is how much the margin changes when that metric alone is moved from the typical
value of the level (the median of the reference's experts, say) to the practice's own: negative, it
pulls the practice away from the level. A metric the practice has withheld is imputed by the model, as
in scoring; its pull is that imputation's. Substituting one metric at a time needs nothing but the
model's output, so it reads an exported ONNX scorer as well as a fitted one; for a linear-softmax model
(the shipped logistic scorer) the pulls add up exactly to the margin's distance from the typical one,
and `interaction` (what they leave unexplained) is zero.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

# (n, F) feature rows -> (n, L) probabilities, columns in the order of the levels passed alongside.
ProbabilityFunction = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class MetricPull:
    """One metric's pull on a two-level margin."""

    name: str
    value: float  # the practice's (NaN: withheld, imputed by the model)
    typical: float  # the level's typical value it is compared with
    pull: float  # margin at the practice's value minus margin at the typical value (log-odds)


@dataclass(frozen=True)
class MarginPulls:
    """A practice's margin of `level` over `rival`, the typical practice's, and each metric's pull."""

    level: str
    rival: str
    margin: float  # ln p(level) - ln p(rival) of the practice
    typical_margin: float  # of a practice whose every metric takes its typical value
    pulls: tuple[MetricPull, ...]

    @property
    def interaction(self) -> float:
        """What the single-metric pulls leave unexplained (zero for a linear-softmax model)."""
        return self.margin - self.typical_margin - sum(p.pull for p in self.pulls)

    def strongest(self) -> MetricPull:
        """The metric pulling hardest away from `level` (most negative pull)."""
        return min(self.pulls, key=lambda p: p.pull)


def log_odds_margin(probabilities: np.ndarray, levels: Sequence[str], level: str, rival: str) -> np.ndarray:
    """(n,) ln p(level) - ln p(rival) of (n, L) probabilities (tiny floor, so a zero is finite)."""
    p = np.clip(np.asarray(probabilities, dtype=float), 1e-300, None)
    return np.log(p[:, list(levels).index(level)]) - np.log(p[:, list(levels).index(rival)])


def margin_pulls(
    probabilities: ProbabilityFunction,
    levels: Sequence[str],
    names: Sequence[str],
    row: np.ndarray,
    typical: Mapping[str, float],
    level: str = "expert",
    rival: str = "intermediate",
) -> MarginPulls:
    """Each metric's pull on the margin of `level` over `rival` for one (F,) or (1, F) feature `row`
    (NaN: withheld), against `typical` values by metric name (a metric without one is left where the
    practice has it, and its pull is 0)."""
    row = np.asarray(row, dtype=float).reshape(-1)
    if row.size != len(names):
        raise ValueError(f"{row.size} values for {len(names)} metrics")
    typical_row = np.array([float(typical.get(n, row[j])) for j, n in enumerate(names)])
    # Row 0: the practice; row 1: all typical; row 1 + j: the typical row with metric j the practice's.
    rows = np.repeat(typical_row[None, :], len(names) + 2, axis=0)
    rows[0] = row
    for j in range(len(names)):
        rows[2 + j, j] = row[j]
    margins = log_odds_margin(probabilities(rows), levels, level, rival)
    pulls = tuple(
        MetricPull(name, float(row[j]), float(typical_row[j]), float(margins[2 + j] - margins[1]))
        for j, name in enumerate(names)
    )
    return MarginPulls(level, rival, float(margins[0]), float(margins[1]), pulls)
