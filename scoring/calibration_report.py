"""How far a scorer's level probabilities can be taken at their word: a reliability table and the
expected calibration error (ECE) of out-of-fold predictions.

    table = reliability(truth, probabilities, labels)   # {"ece", "brier", "bins": [...], "n"}

The table bins the top-label confidence (the probability of the predicted level) into equal-width bins
and compares each bin's mean confidence with how often the predicted level was right; the ECE is the
sample-weighted mean gap. A model that says 90% and is right half the time has an ECE near 0.4.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def reliability(
    truth: Sequence[str], probabilities: np.ndarray, labels: Sequence[str], n_bins: int = 5
) -> dict[str, Any]:
    """Reliability bins, ECE and multi-class Brier score of (n, L) probabilities over `labels`."""
    p = np.asarray(probabilities, dtype=float)
    truth_arr = np.asarray([str(t) for t in truth])
    keep = np.all(np.isfinite(p), axis=1) if p.size else np.zeros(0, dtype=bool)
    p, truth_arr = p[keep], truth_arr[keep]
    if truth_arr.size == 0:
        return {"ece": None, "brier": None, "n": 0, "bins": []}
    label_arr = np.asarray([str(label) for label in labels])
    confidence = p.max(axis=1)
    correct = label_arr[p.argmax(axis=1)] == truth_arr
    onehot = (label_arr[None, :] == truth_arr[:, None]).astype(float)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, n_bins - 1)
    bins, ece = [], 0.0
    for b in range(n_bins):
        members = which == b
        count = int(members.sum())
        row: dict[str, Any] = {"low": float(edges[b]), "high": float(edges[b + 1]), "n": count}
        if count:
            row["confidence"] = float(confidence[members].mean())
            row["accuracy"] = float(correct[members].mean())
            ece += count / truth_arr.size * abs(row["confidence"] - row["accuracy"])
        else:
            row["confidence"] = row["accuracy"] = None
        bins.append(row)
    return {
        "ece": float(ece),
        "brier": float(np.mean(np.sum((p - onehot) ** 2, axis=1))),
        "n": int(truth_arr.size),
        "bins": bins,
    }


def reliability_lines(table: dict[str, Any], indent: str = "  ") -> list[str]:
    """The table as text: one line per non-empty bin (confidence range, n, mean confidence, accuracy)."""
    lines = [f"{indent}confidence    n  mean conf  accuracy"]
    for row in table.get("bins", []):
        if row["n"]:
            lines.append(
                f"{indent}{row['low']:.1f}-{row['high']:.1f}  {row['n']:>5}  {row['confidence']:>9.3f}"
                f"  {row['accuracy']:>8.3f}"
            )
    return lines
