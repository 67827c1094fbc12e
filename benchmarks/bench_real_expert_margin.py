"""How surely the shipped suturing scorer calls the real expert's two takes expert, and what pulls them.

    python benchmarks/bench_real_expert_margin.py [--models models [OTHER ...]] [--data ../shared/data]
        [--generated 20]

The real expert knot-tying capture in ../shared (scoring/synthetic_realism.top_view: seen from above at
30 fps with the measured MediaPipe jitter) has two takes: the generator was calibrated on the fit take,
the held-out take only checks it. For each models folder and each take, read two ways:

* "own unit": as the product reads any video, in the take's own measured hand size;
* "fit unit": in the fit take's measured hand size (synthetic_realism.in_hand_units). Both takes are
  the same expert's hands; the unit differs only by how the palms are turned in the air;
* "palm unit": in the palm's own length (90 px in top_view), what the same motion would read with the
  hands flat to the camera, as on a bench. The generator was calibrated in the fit take's unit (0.53 of
  the palm: synthetic_realism.CAPTURE_VIEW_NOTE), so this shows what that choice costs an expert whose
  hands lie flat.

Each line gives the level probabilities (as shown), the margin of expert over intermediate (in
probability, and in log-odds on the model's raw output), the novelty distance over its threshold and the
score; then each metric's value, its percentile among the reference's synthetic experts, and its pull on
the log-odds margin against their median (scoring/scorer_margin.py: negative pulls towards intermediate;
a withheld metric's pull is its imputation's). With --generated N, N generated experts (seeds 20000 on,
outside every benchmark set; skills and lengths spread as the reference's) are scored too: the share
whose expert probability is below each take's says whether "only just" is unusual for an expert.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
PALM_PX = 90.0  # top_view's palm length
TAKES = {"fit": "BVH_Finale_Choreographie_MFK_ZFK", "held-out": "Zeigefinger_BVH"}


def take_views(data: Path) -> dict[str, Any]:
    """{"take / unit": motion} for both takes, each in its own and in the fit take's hand size."""
    from skillsight.datasets.bvh import load_bvh_recording
    from skillsight.pose.scale import common_hand_size
    from skillsight.scoring.synthetic_realism import in_hand_units, top_view

    seen = {
        role: top_view(load_bvh_recording(data / "knot_tying_bvh" / take), rng=np.random.default_rng(0))
        for role, take in TAKES.items()
    }
    fit_unit, _ = common_hand_size(seen["fit"])
    views = {}
    for role, motion in seen.items():
        own, _ = common_hand_size(motion)
        share = own / PALM_PX
        print(f"{role} take: hand size {own:.1f} px, {share:.2f} of its 90-px palm; {palm_readings(motion)}")
        views[f"{role} / own unit"] = motion
        views[f"{role} / fit unit"] = in_hand_units(motion, fit_unit)
        views[f"{role} / palm unit"] = in_hand_units(motion, PALM_PX)
    return views


def palm_readings(motion: Any) -> str:
    """Each hand's palm as seen from above, per frame, as a share of its 90-px length: median and 95th
    percentile (a projection only shortens a palm, so its longest readings are the nearest to its own)."""
    from skillsight.pose.hand_geometry import palm_length_per_frame

    parts = []
    for hand in motion.individuals:
        share = palm_length_per_frame(motion, hand, [0, 1]) / PALM_PX
        share = share[np.isfinite(share)]
        parts.append(f"{hand} median {np.median(share):.2f}, p95 {np.quantile(share, 0.95):.2f}")
    return "; ".join(parts)


def generated_experts(n: int) -> list[Any]:
    from skillsight.scoring.synthetic import generate_practice

    lengths = (21.0, 30.0, 45.0, 60.0, 90.0, 120.0)  # the training set's spread
    return [
        generate_practice(0.7 + 0.28 * (i + 0.5) / n, duration_s=lengths[i % 6], seed=20_000 + i)
        for i in range(n)
    ]


def report(models: Path, views: dict[str, Any], generated: list[Any]) -> None:
    from skillsight.scoring.procedure import load_procedure
    from skillsight.scoring.reference import load_reference, measure_motion
    from skillsight.scoring.scorer import load_scorer
    from skillsight.scoring.scorer_margin import margin_pulls

    scorer = load_scorer(models / "suturing-scorer-v1.onnx")
    reference = load_reference(models / "suturing-reference-v1.json")
    procedure = load_procedure("suturing")
    typical = {n: reference.features[n].median for n in scorer.feature_names if n in reference.features}
    print(f"\n== {models} (scorer sha256 {scorer.sha256[:12]})")
    expert_share = {}
    for label, motion in views.items():
        row, _ = scorer.feature_vector(measure_motion(motion, procedure, "right")[1])
        out = scorer.predict_many(row)
        shown = dict(zip(scorer.levels, out["calibrated"][0]))
        expert_share[label] = shown["expert"]
        pulls = margin_pulls(lambda X: scorer.run(X)[0], scorer.levels, scorer.feature_names, row, typical)
        domain = scorer.check_domain(row)
        print(
            f"{label:22s} expert {shown['expert']:.3f} intermediate {shown['intermediate']:.3f} novice "
            f"{shown['novice']:.3f}; margin {shown['expert'] - shown['intermediate']:+.3f} "
            f"(log-odds {pulls.margin:+.2f}, a typical expert's {pulls.typical_margin:+.2f}); "
            f"novelty {domain.distance / domain.threshold:.2f} of threshold; score {out['score'][0]:.1f}"
        )
        for pull in sorted(pulls.pulls, key=lambda p: p.pull):
            distribution = reference.features.get(pull.name)
            rank = distribution.percentile(pull.value) if distribution and np.isfinite(pull.value) else np.nan
            value = f"{pull.value:9.3f}" if np.isfinite(pull.value) else "  withheld"
            print(
                f"    {pull.name:38s} {value} (experts' median {pull.typical:8.3f}, percentile "
                f"{rank:5.1f}) pull {pull.pull:+.2f}"
            )
    if generated:
        rows = np.vstack(
            [scorer.feature_vector(measure_motion(m, procedure, "right")[1])[0] for m in generated]
        )
        shares = scorer.predict_many(rows)["calibrated"][:, list(scorer.levels).index("expert")]
        quantiles = ", ".join(f"{q:.3f}" for q in np.quantile(shares, [0.1, 0.25, 0.5]))
        print(f"{len(generated)} generated experts: expert probability p10, p25, median {quantiles}")
        for label, share in expert_share.items():
            print(f"    below {label}'s {share:.3f}: {np.mean(shares < share):.0%}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=Path, nargs="+", default=[REPO / "models"])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--generated", type=int, default=0, help="generated experts to score alongside")
    args = parser.parse_args(argv)
    views = take_views(args.data)
    generated = generated_experts(args.generated) if args.generated > 0 else []
    for models in args.models:
        report(models, views, generated)
    return 0


if __name__ == "__main__":
    sys.exit(main())
