"""Does a scorer count each metric the way its definition says better lies?

A metric with a direction (`higher_is_better` in scoring/features) must never move the score the other
way: a scorer that gives more points for a jerkier hand contradicts its own feedback. A model learns
such a sign from its training data (for the shipped defaults, synthetic practice whose smoothness
does not yet differ with skill as the literature says), or from metrics that move together (jerk
grows with speed). The effect of a metric is read from the model itself: the mean change of its
score, and of its expected level, when that metric alone rises by half its spread.

A metric whose better direction a slower performance of the same motion reaches by its units alone
(`rewards_slowness`: jerk in hand sizes/s^3 falls with the cube of the pace) is left out as well: a
scorer must never give a slowed-down recording more points. So is one measured to reach it
(MEASURED_TO_REWARD_SLOWNESS), though its unit says nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Optional

import numpy as np

# Score points (6-30 scale) and expected-level steps a metric may move the wrong way: rounding only.
SCORE_TOLERANCE = 0.01
LEVEL_TOLERANCE = 0.001
STEP_SD = 0.5
# The build leaves out a metric counted the wrong way by more than this share of the tolerances on its
# training practices: one counted against its direction only within the full tolerance there may tip
# past it on other practices (laryngoscope SPARC: -0.0107 score points on six others).
SELECTION_MARGIN = 0.5
# Metrics without time in their unit that were measured to read the same motion performed slower as
# better, by name suffix: {suffix: why}. Log dimensionless jerk was here while its jerk was fitted on a
# fixed 0.1-s time scale (clean strokes at half speed read 0.6-0.9 higher); fitted on the hand's own time
# scale it reads strokes at 2x to 0.25x speed within 2.4-6.6 % of each other, slower never more than 3.3 %
# smoother (tests/unit/scoring/test_path_smoothness.py), so the models may use it.
MEASURED_TO_REWARD_SLOWNESS: dict[str, str] = {}

Predict = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]  # X -> (score, expected level index)


def metric_effects(predict: Predict, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(score change, expected-level change) per column when that column alone rises by STEP_SD of its
    spread over X's rows (NaN stays NaN: the model imputes it)."""
    score0, level0 = predict(X)
    spread = np.nanstd(X, axis=0)
    score_effect, level_effect = np.zeros(X.shape[1]), np.zeros(X.shape[1])
    for j in range(X.shape[1]):
        moved = X.copy()
        moved[:, j] += STEP_SD * spread[j]
        score, level = predict(moved)
        score_effect[j] = float(np.nanmean(score - score0))
        level_effect[j] = float(np.nanmean(level - level0))
    return score_effect, level_effect


def against_direction(
    names: Sequence[str],
    directions: Mapping[str, Optional[bool]],
    effects: tuple[np.ndarray, np.ndarray],
    margin: float = 1.0,
) -> dict[str, str]:
    """{metric: why} for every metric with a direction that the model counts the other way by more than
    `margin` times the tolerances."""
    wrong = {}
    for name, score_effect, level_effect in zip(names, *effects):
        better = directions.get(name)
        if better is None:
            continue
        sign = 1.0 if better else -1.0
        if sign * score_effect < -margin * SCORE_TOLERANCE or sign * level_effect < -margin * LEVEL_TOLERANCE:
            wrong[name] = (
                f"{'higher' if better else 'lower'} is better, but the model moved the score "
                f"{score_effect:+.2f} and the level {level_effect:+.3f} when it rose by {STEP_SD} s.d."
            )
    return wrong


def sign_consistent_features(
    fit: Callable[[np.ndarray, list[str]], Predict],
    X: np.ndarray,
    names: Sequence[str],
    directions: Mapping[str, Optional[bool]],
) -> tuple[list[str], dict[str, str]]:
    """The metrics to train on, and {left out: why}: fit on all, leave out the metric counted most
    the wrong way, refit, until the model counts every metric with a direction its way."""
    kept, left_out = list(names), {}
    while kept:
        columns = [list(names).index(n) for n in kept]
        predict = fit(X[:, columns], kept)
        effects = metric_effects(predict, X[:, columns])
        wrong = against_direction(kept, directions, effects, SELECTION_MARGIN)
        if not wrong:
            break
        worst = max(wrong, key=lambda n: abs(effects[0][kept.index(n)]) + abs(effects[1][kept.index(n)]))
        left_out[worst] = wrong[worst]
        kept.remove(worst)
    return kept, left_out


def time_exponent(unit: str) -> int:
    """The power of seconds in a unit written as "hand_size/s^3", "s", "deg/s" or "share" (0: none)."""
    numerator, _, denominator = unit.partition("/")
    exponent = 0
    for part, sign in ((numerator, 1), (denominator, -1)):
        for factor in part.split("*"):
            base, _, power = factor.strip().partition("^")
            if base == "s":
                exponent += sign * int(power or 1)
    return exponent


def rewards_slowness(units: Mapping[str, str], directions: Mapping[str, Optional[bool]]) -> dict[str, str]:
    """{metric: why} for every metric with a direction that the same motion performed slower reaches:
    performed k times slower, a quantity in s^e becomes k^e times as large, so one per second (e < 0)
    that is better lower, or one in seconds (e > 0) that is better higher, would earn the slower
    recording more points."""
    slower = {}
    for name, unit in units.items():
        measured = [why for suffix, why in MEASURED_TO_REWARD_SLOWNESS.items() if name.endswith(suffix)]
        if measured and directions.get(name) is not None:
            slower[name] = measured[0]
            continue
        better, exponent = directions.get(name), time_exponent(unit)
        if better is None or exponent == 0 or (exponent < 0) != (better is False):
            continue
        slower[name] = (
            f"{'lower' if exponent < 0 else 'higher'} is better and, in {unit}, it is "
            f"{2.0**exponent:g} times as large for the same motion at half speed: it would reward slowness"
        )
    return slower
