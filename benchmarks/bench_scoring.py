"""Scorer inference time per call (goal < 5 ms) and ONNX vs scikit-learn agreement (goal < 1e-4).

    python benchmarks/bench_scoring.py [--calls 1000] [--features 40 735]

For each scorer configuration and feature count: fit on a synthetic problem with a real skill signal,
export to ONNX, load it with onnxruntime alone, then time `OnnxScorer.predict(dict)` one practice at a
time (what `skillsight score` does) and compare probabilities and scores with scikit-learn on held-out
rows (3% missing values, so the imputation path is exercised too). Prints one line per configuration.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from skillsight.scoring.scorer import SkillScorer, export_onnx, load_scorer

CONFIGURATIONS = (
    ("logistic", "ridge"),
    ("random_forest", "random_forest"),
    ("gradient_boosting", "gradient_boosting"),
    ("ensemble", "ensemble"),
)


def make_problem(n: int, n_features: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    skill = rng.uniform(0, 1, n)
    X = rng.normal(size=(n, n_features))
    informative = max(3, n_features // 10)
    X[:, :informative] += 4 * skill[:, None] * rng.uniform(0.5, 1.5, informative)
    X[rng.random(X.shape) < 0.03] = np.nan
    levels = np.where(skill < 0.33, "novice", np.where(skill < 0.66, "intermediate", "expert"))
    return X, levels, 6 + 24 * skill + rng.normal(0, 1.5, n)


def bench(classifier: str, regressor: str, n_features: int, calls: int, folder: Path) -> str:
    X, levels, scores = make_problem(120, n_features, seed=1)
    X_test, _, _ = make_problem(500, n_features, seed=2)
    names = [f"feature_{i}" for i in range(n_features)]
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scorer = SkillScorer(classifier, regressor, score_range=(6, 30)).fit(
            X, levels, scores, feature_names=names
        )
    fit_s = time.perf_counter() - started
    onnx_path, _ = export_onnx(scorer, folder / f"{classifier}-{n_features}", {"procedure": "bench"})
    started = time.perf_counter()
    runtime = load_scorer(onnx_path)
    load_ms = (time.perf_counter() - started) * 1000
    out = runtime.predict_many(X_test)
    proba_diff = float(np.max(np.abs(out["probabilities"] - scorer.predict_proba(X_test))))
    score_diff = float(np.max(np.abs(out["score"] - scorer.predict_score(X_test))))
    rows = [dict(zip(names, row)) for row in X_test[:50]]
    for row in rows[:10]:  # warm-up
        runtime.predict(row)
    times: list[float] = []
    for i in range(calls):
        row = rows[i % len(rows)]
        t0 = time.perf_counter()
        runtime.predict(row)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    p95 = times[int(0.95 * (len(times) - 1))]
    return (
        f"{classifier:>17s}+{regressor:<17s} F={n_features:4d}  "
        f"predict median {statistics.median(times):6.3f} ms  "
        f"p95 {p95:6.3f} ms  load {load_ms:6.1f} ms  onnx {onnx_path.stat().st_size / 1024:7.1f} KiB  "
        f"max|dP| {proba_diff:.1e}  max|dGRS| {score_diff:.1e}  fit {fit_s:5.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--features", type=int, nargs="+", default=[40, 735])
    args = parser.parse_args()
    print("goal: predict < 5 ms per call; ONNX vs scikit-learn within 1e-4")
    with tempfile.TemporaryDirectory() as tmp:
        for n_features in args.features:
            for classifier, regressor in CONFIGURATIONS:
                print(bench(classifier, regressor, n_features, args.calls, Path(tmp)), flush=True)


if __name__ == "__main__":
    main()
