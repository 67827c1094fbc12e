"""Build the shipped default scorer and expert reference for each procedure, from synthetic practice only.

    python scripts/build_default_models.py [--out models] [--procedures suturing intubation] [--n-train 240]

No public labelled webcam data of suturing or intubation practice exists here, so the defaults are
trained on the synthetic generator (scoring/synthetic.py: minimum-jerk movements with skill-dependent
pauses, tremor, detours and corrective movements, and a matching GRS-like ground truth), and the
reference is built from synthetic "expert" practices. Every file says so (`built_from`, `disclaimer`),
because a lab should train its own model and build its own reference from its own experts' videos.
The suturing generator's constants are calibrated to summary figures measured on the real expert
knot-tying capture in ../shared (scoring/synthetic.py REAL_EXPERT); none of its motion is used.
A metric that a model trained on this data counts against its direction (a jerkier hand scoring
higher), with a margin, is left out of the model and named in its card (training_data.left_out_metrics,
scoring/metric_directions.py), and so is one whose better direction a slower performance of the same
motion reaches by its units alone (mean jerk, in hand sizes/s^3, falls with the cube of the pace) or as
measured (scoring/metric_directions.py MEASURED_TO_REWARD_SLOWNESS), and one whose real values the
generator does not reproduce (scoring/synthetic.py NOT_REPRODUCED: the forceps hand's log dimensionless
jerk); the reference and the feedback still show them.

Deterministic: every practice has a fixed seed and the dates written into the files are fixed
(BUILD_DATE, or $SOURCE_DATE_EPOCH when set), so rebuilding gives the same models and references.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
BUILD_DATE = "2026-11-24"
LEVELS = ("novice", "intermediate", "expert")
MODEL_VERSION = "1"
# Practice length per procedure: suturing several stitches, intubation one attempt with set-up.
DURATIONS_S = {"suturing": 60.0, "intubation": 30.0}
# Training practices vary in length (these factors of DURATIONS_S, cycled) so the scorer does not learn
# "short = good" from one fixed length.
DURATION_FACTORS = (0.35, 0.5, 0.75, 1.0, 1.5, 2.0)
# Metrics that grow with the length of the recording (distance, counts, the duration itself) would make
# the score depend on how long someone kept filming; the scorer uses the rate-like metrics only. The
# reference and the feedback still show every metric.
LENGTH_DEPENDENT = ("task.duration", ".path_length", ".movements", ".pauses", ".working_area")
BUILT_FROM = (
    "SYNTHETIC practice only: SkillSight's motion generator (scoring/synthetic.py, minimum-jerk hand "
    "movements whose pauses, tremor, detours and corrective movements depend on a simulated skill, with a "
    "matching GRS-like ground truth; for suturing, speeds, strokes, adjustments, finger motion and wrist "
    "turns calibrated to summary figures of one real expert's knot-tying motion capture). No real "
    "trainee or expert recordings."
)
DISCLAIMER = (
    "Built from synthetic motion, not from real experts or trainees: a demonstration default so SkillSight "
    "works out of the box. Its scores and percentiles are not validated; a lab should build its own "
    "reference from its own experts' videos (`skillsight reference build`) and train its own model "
    "(`skillsight train`)."
)


def build_date() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc).date().isoformat()
    return BUILD_DATE


def skill_for(index: int, n: int) -> float:
    """Skills spread evenly over [0, 1] so all three levels are well represented."""
    return (index + 0.5) / n


def scorer_features(procedure: Any) -> list[str]:
    """The procedure's metrics that do not grow with the length of the recording."""
    return [m for m in procedure.metrics if not any(m == s or m.endswith(s) for s in LENGTH_DEPENDENT)]


def synthetic_practice(
    procedure: str, skill: Any, seed: int, dominant_hand: str, duration_s: float | None = None
) -> tuple[Any, str, float]:
    """One synthetic practice and its ground truth (level, score)."""
    from skillsight.scoring.synthetic import generate_practice, synthetic_truth

    motion = generate_practice(
        skill=skill,
        procedure=procedure,
        duration_s=duration_s or DURATIONS_S[procedure],
        seed=seed,
        dominant_hand=dominant_hand,
    )
    truth = synthetic_truth(motion)
    return motion, str(truth["level"]), float(truth["grs"])


def feature_row(motion: Any, procedure: Any, dominant_hand: str) -> dict[str, float]:
    from skillsight.scoring.features import compute_features, prepare_motion

    features = compute_features(prepare_motion(motion), procedure, dominant_hand=dominant_hand)
    return {
        name: features[name].value if name in features else float("nan")
        for name in scorer_features(procedure)
    }


def feature_definitions(procedure: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """({metric: higher_is_better}, {metric: unit}) of the scorer's metrics, as their definitions say
    (direction None: no way)."""
    from skillsight.scoring.features import compute_features, prepare_motion

    motion, _, _ = synthetic_practice(procedure.name, 0.5, 0, "right")
    features = compute_features(prepare_motion(motion), procedure)
    names = [name for name in scorer_features(procedure) if name in features]
    return {n: features[n].higher_is_better for n in names}, {n: features[n].unit for n in names}


def scorer_predict(scorer: Any) -> Any:
    """X -> (score, expected level index 0-2) of a fitted SkillScorer, for scoring.metric_directions."""

    def predict(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        columns = [list(scorer.classes_).index(level) for level in LEVELS]
        probabilities = scorer.predict_proba(X)[:, columns]
        return scorer.predict_score(X), probabilities @ np.arange(len(LEVELS))

    return predict


def metrics_counted_their_way(
    procedure: Any, X: np.ndarray, levels: list[str], scores: np.ndarray
) -> tuple[list[str], dict[str, str]]:
    """The scorer's metrics, less those whose better direction a slower performance reaches (by their
    units), those whose real values the generator does not reproduce (NOT_REPRODUCED) and those a model
    trained on this data counts against their direction."""
    from skillsight.scoring.metric_directions import rewards_slowness, sign_consistent_features
    from skillsight.scoring.synthetic import NOT_REPRODUCED

    def fit(columns: np.ndarray, names: list[str]) -> Any:
        return scorer_predict(make_scorer().fit(columns, levels, scores, feature_names=names))

    directions, units = feature_definitions(procedure)
    left_out = rewards_slowness(units, directions)
    left_out.update({name: why for name, why in NOT_REPRODUCED.items() if name in units})
    names = [name for name in scorer_features(procedure) if name not in left_out]
    columns = [scorer_features(procedure).index(name) for name in names]
    kept, counted_wrong = sign_consistent_features(fit, X[:, columns], names, directions)
    left_out.update(counted_wrong)
    for name, why in left_out.items():
        print(f"  left out of the model: {name} ({why})")
    return kept, left_out


def training_set(procedure: Any, n: int, seed0: int) -> tuple[np.ndarray, list[str], np.ndarray, Any]:
    rows, levels, scores = [], [], []
    kind_units = None
    for i in range(n):
        dominant = "left" if i % 5 == 4 else "right"  # some left-handed practices: hand is a setting
        duration = DURATIONS_S[procedure.name] * DURATION_FACTORS[i % len(DURATION_FACTORS)]
        motion, level, score = synthetic_practice(
            procedure.name, skill_for(i, n), seed0 + i, dominant, duration
        )
        try:
            rows.append(feature_row(motion, procedure, dominant))
        except (ValueError, IndexError) as exc:  # reported and left out, never silently
            skill = skill_for(i, n)
            print(f"  skipped practice seed {seed0 + i} ({duration:.0f} s, skill {skill:.2f}): {exc!r}")
            continue
        levels.append(level)
        scores.append(score)
        if kind_units is None:
            from skillsight.scoring.features import prepare_motion

            prepared = prepare_motion(motion)
            kind_units = (prepared.kind, prepared.units)
    X = np.array([[row[name] for name in scorer_features(procedure)] for row in rows], dtype=float)
    report_withheld(X, scorer_features(procedure), levels)
    return X, levels, np.array(scores, dtype=float), kind_units


def report_withheld(X: np.ndarray, names: list[str], levels: list[str]) -> None:
    """Print how many practices have each metric withheld (NaN: tremor too unsure, as on real clips),
    per level, so a generator whose practices are always read where real ones are not shows up here."""
    for j, name in enumerate(names):
        missing = ~np.isfinite(X[:, j])
        if missing.any():
            per_level = ", ".join(
                f"{level} {int(np.sum(missing & (np.asarray(levels) == level)))}" for level in LEVELS
            )
            print(f"  withheld in {int(missing.sum())} of {len(levels)} practices: {name} ({per_level})")


def cross_validation(
    X: np.ndarray, levels: list[str], scores: np.ndarray, names: list[str]
) -> dict[str, Any]:
    """5-fold cross-validated figures of the same scorer on the synthetic set (stratified by level)."""
    from scipy.stats import spearmanr
    from sklearn.model_selection import StratifiedKFold

    predicted_level = np.empty(len(levels), dtype=object)
    predicted_score = np.empty(len(levels))
    probabilities = np.zeros((len(levels), len(LEVELS)))
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    y = np.asarray(levels)
    for train, test in folds.split(X, y):
        scorer = make_scorer().fit(X[train], y[train], scores[train], feature_names=names)
        predicted_level[test] = scorer.predict(X[test])
        predicted_score[test] = scorer.predict_score(X[test])
        columns = [list(scorer.classes_).index(level) for level in LEVELS]
        probabilities[test] = scorer.predict_proba(X[test])[:, columns]
    accuracy = float(np.mean(predicted_level == y))
    rho = float(spearmanr(predicted_score, scores).statistic)
    mae = float(np.mean(np.abs(predicted_score - scores)))
    return {
        "protocol": "kfold (5 folds, stratified, synthetic practices)",
        "accuracy": round(accuracy, 3),
        "spearman": round(rho, 3),
        "mae": round(mae, 3),
        "n": len(levels),
        "note": "measured on synthetic data only; says nothing about real practice",
        "out_of_fold_probabilities": probabilities,
    }


def built_from(procedure: str) -> str:
    """BUILT_FROM, for suturing with how the real capture it is calibrated on differs from a webcam's view
    and how its fingertips were made to move like the capture's."""
    from skillsight.scoring.synthetic_realism import CAPTURE_VIEW_NOTE, TREMOR_BURSTS_NOTE

    if procedure != "suturing":
        return BUILT_FROM
    return f"{BUILT_FROM} {CAPTURE_VIEW_NOTE} {TREMOR_BURSTS_NOTE}"


def make_scorer() -> Any:
    from skillsight.scoring.scorer import SkillScorer

    return SkillScorer(classifier="logistic", regressor="ridge", coverage=0.9, score_range=(6.0, 30.0))


def build_scorer(procedure: Any, out: Path, n_train: int) -> Path:
    from skillsight.scoring.calibration import calibration_section
    from skillsight.scoring.scorer import export_onnx

    X, levels, scores, (kind, units) = training_set(procedure, n_train, seed0=10_000)
    names, left_out = metrics_counted_their_way(procedure, X, levels, scores)
    X = X[:, [scorer_features(procedure).index(name) for name in names]]
    cv = cross_validation(X, levels, scores, names)
    # Level probabilities as sure as the model was on practices it had not seen (never 100% / 0%).
    calibration = calibration_section(cv.pop("out_of_fold_probabilities"), levels, LEVELS)
    scorer = make_scorer().fit(X, levels, scores, feature_names=names)
    counts = {level: levels.count(level) for level in LEVELS}
    onnx_path, card_path = export_onnx(
        scorer,
        out / f"{procedure.name}-scorer-v{MODEL_VERSION}",
        {
            "name": f"{procedure.name}-scorer",
            "version": MODEL_VERSION,
            "procedure": procedure.name,
            "created": build_date(),
            "motion_kind": kind,
            "units": units,
            "score_scale": {"name": "GRS-like synthetic score", "min": 6.0, "max": 30.0},
            "feature_set": "default",
            "cross_validation": cv,
            "training_data": {
                "description": f"{len(levels)} synthetic {procedure.name} practices, skills spread evenly "
                f"over novice-expert, {min(DURATION_FACTORS) * DURATIONS_S[procedure.name]:.0f}-"
                f"{max(DURATION_FACTORS) * DURATIONS_S[procedure.name]:.0f} s long, 1 in 5 left-handed; "
                "length-dependent metrics (distance, counts, duration) left out of the model, and "
                "any metric that a slower performance would improve or that a model trained on it "
                "counted against its direction (left_out_metrics)",
                "left_out_metrics": left_out,
                "n": len(levels),
                "levels": counts,
                "seeds": f"{10_000}-{10_000 + n_train - 1}",
            },
            "built_from": built_from(procedure.name),
            "disclaimer": DISCLAIMER,
            "probability_calibration": calibration,
        },
    )
    novelty = (scorer.domain_.get("novelty") or {}).get("threshold")
    print(f"  scorer: {onnx_path.name} ({onnx_path.stat().st_size} bytes) + {card_path.name}; CV {cv}")
    print(f"  calibration: temperature {calibration['temperature']}; domain novelty threshold {novelty}")
    return onnx_path


def build_default_reference(procedure: Any, out: Path, n_experts: int) -> Path:
    from skillsight.scoring.reference import build_reference, save_reference

    motions, hands = [], []
    for i in range(n_experts):
        dominant = "left" if i % 5 == 4 else "right"
        # Experts differ from each other too: skills spread over the generator's expert range.
        skill = 0.7 + 0.28 * (i + 0.5) / n_experts
        # ... and take as long as their task takes, not one fixed length (a 60.0-60.0 s range is no range).
        duration = DURATIONS_S[procedure.name] * (0.8 + 0.4 * ((i * 7) % n_experts) / max(n_experts - 1, 1))
        motion, _, _ = synthetic_practice(procedure.name, skill, 50_000 + i, dominant, duration)
        motions.append(motion)
        hands.append(dominant)
    reference = build_reference(
        motions,
        procedure,
        name=f"{procedure.name}-reference",
        version=MODEL_VERSION,
        built_from=f"{n_experts} synthetic 'expert' practices (seeds 50000-{50_000 + n_experts - 1}). "
        + BUILT_FROM,
        dominant_hands=hands,
        disclaimer=DISCLAIMER,
    )
    reference = dataclasses.replace(reference, created=build_date())
    path = save_reference(reference, out / f"{procedure.name}-reference-v{MODEL_VERSION}.json")
    print(f"  reference: {path.name} ({path.stat().st_size} bytes), {len(reference.features)} metrics")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build SkillSight's shipped default models and references.")
    parser.add_argument("--out", type=Path, default=REPO / "models")
    parser.add_argument("--procedures", nargs="+", default=["suturing", "intubation"])
    # 240: the domain's novelty threshold is the 99% quantile of leave-out distances, which 120 practices
    # gave from their top one or two (5.98-8.26 between generator variants of the same realism).
    parser.add_argument("--n-train", type=int, default=240, help="synthetic practices per scorer")
    parser.add_argument("--n-experts", type=int, default=20, help="synthetic experts per reference")
    args = parser.parse_args(argv)

    from skillsight.scoring.procedure import load_procedure

    # scikit-learn's announcements about future defaults are not news about these models.
    warnings.filterwarnings("ignore", category=FutureWarning, module="sklearn")

    for name in args.procedures:
        start = time.perf_counter()
        procedure = load_procedure(name)
        print(f"{name}:")
        build_scorer(procedure, args.out, args.n_train)
        build_default_reference(procedure, args.out, args.n_experts)
        print(f"  done in {time.perf_counter() - start:.1f} s")
    total = sum(p.stat().st_size for p in args.out.glob("*-v*.*") if p.suffix in (".onnx", ".json"))
    print(f"shipped model files: {total / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
