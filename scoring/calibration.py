"""Level probabilities a trainee can read: tempered, and never 100% or 0%.

A classifier trained on a few dozen practices separates them perfectly and then reports 1e-197 for a
level it has simply never seen near the input. Two corrections, both recorded in the model card
(``probability_calibration``) and applied at scoring time:

* a temperature T >= 1 fitted on out-of-fold probabilities (`fit_temperature`, minimum log loss): the
  probabilities become softmax(log p / T), as sure as the model was on practices it had not seen;
* a floor: every level keeps at least `floor` (the rest is rescaled), since no model trained on so few
  practices can rule a level out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Optional

import numpy as np

DEFAULT_FLOOR = 0.02
DEFAULT_TEMPERATURE = 1.0
TEMPERATURES = np.round(np.exp(np.linspace(0.0, np.log(20.0), 40)), 4)


def temper(
    probabilities: np.ndarray, temperature: float = DEFAULT_TEMPERATURE, floor: float = 0.0
) -> np.ndarray:
    """(n, L) probabilities tempered by `temperature` and lifted to at least `floor` each."""
    p = np.clip(np.atleast_2d(np.asarray(probabilities, dtype=float)), 1e-300, 1.0)
    logits = np.log(p) / max(float(temperature), 1e-6)
    logits -= logits.max(axis=1, keepdims=True)
    tempered = np.exp(logits)
    tempered /= tempered.sum(axis=1, keepdims=True)
    n_levels = tempered.shape[1]
    floor = min(max(float(floor), 0.0), 1.0 / n_levels)
    return floor + (1.0 - n_levels * floor) * tempered


def log_loss(probabilities: np.ndarray, labels: Sequence[str], classes: Sequence[str]) -> float:
    index = {c: i for i, c in enumerate(classes)}
    p = np.asarray(probabilities, dtype=float)
    picked = p[np.arange(len(labels)), [index[str(y)] for y in labels]]
    return float(-np.mean(np.log(np.clip(picked, 1e-12, 1.0))))


def fit_temperature(
    probabilities: np.ndarray, labels: Sequence[str], classes: Sequence[str], floor: float = DEFAULT_FLOOR
) -> float:
    """The temperature (>= 1: only ever less sure) that minimises the out-of-fold log loss."""
    losses = [log_loss(temper(probabilities, t, floor), labels, classes) for t in TEMPERATURES]
    return float(TEMPERATURES[int(np.argmin(losses))])


def calibration_section(
    probabilities: Optional[np.ndarray] = None,
    labels: Optional[Sequence[str]] = None,
    classes: Optional[Sequence[str]] = None,
    floor: float = DEFAULT_FLOOR,
) -> dict[str, Any]:
    """The card's ``probability_calibration``: fitted from out-of-fold probabilities when given."""
    if probabilities is None or labels is None or classes is None:
        method = "floor only (no out-of-fold fit)"
        return {"temperature": DEFAULT_TEMPERATURE, "floor": floor, "method": method}
    temperature = fit_temperature(probabilities, labels, classes, floor)
    before = log_loss(np.asarray(probabilities), labels, classes)
    after = log_loss(temper(probabilities, temperature, floor), labels, classes)
    return {
        "temperature": temperature,
        "floor": floor,
        "method": "temperature minimising out-of-fold log loss, then a floor per level",
        "out_of_fold_log_loss": {"raw": round(before, 4), "calibrated": round(after, 4)},
        "n": len(labels),
    }


def calibrated(probabilities: np.ndarray, card: Mapping[str, Any]) -> np.ndarray:
    """Apply a card's calibration; cards without one get the default floor (never 100% / 0%)."""
    section = card.get("probability_calibration") or {}
    temperature = float(section.get("temperature", DEFAULT_TEMPERATURE))
    floor = float(section.get("floor", DEFAULT_FLOOR))
    return temper(probabilities, temperature, floor)
