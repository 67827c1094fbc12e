"""How far real tracked clips lie from a scorer's training domain, for two sets of model cards side by side.

    python benchmarks/bench_domain_distance.py --before OLD_MODELS_DIR [--after models] [--loop-s 30]
        [--procedure suturing] SOURCE [SOURCE ...]

Each source (a video, tracked with the procedure's trackers, or a .motion.npz) is ping-pong looped to
--loop-s seconds, as the issue's figure does; a folder of BVH hand capture (the real expert knot tying in
../shared/data/knot_tying_bvh/*) is seen from above as a webcam would see it (30 fps, the measured
MediaPipe jitter: scoring/synthetic_realism.top_view) and kept at its own length (the right hand works).
Each is measured once, and checked against the domain recorded in
each card: the novelty distance, the card's threshold (the 99% quantile of its training data's own
leave-out distances, from a chi-type fit: scoring/domain.py),
their ratio, and how many metrics lie outside the training range. A ratio above 1 or any metric out of
range means the level and score are withheld. Cards without a domain section show "-".
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Optional

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def looped(motion: Any, loop_s: float) -> Any:
    from dataclasses import replace

    n = int(round(loop_s * motion.fps))
    cycle = np.concatenate([np.arange(motion.n_frames), np.arange(motion.n_frames - 2, 0, -1)])
    idx = np.resize(cycle, n)
    return replace(
        motion,
        positions=motion.positions[idx],
        confidence=motion.confidence[idx],
        timestamps=np.arange(n) / motion.fps,
        frame_indices=None,
        filled=None if motion.filled is None else motion.filled[idx],
        world_positions=None if motion.world_positions is None else motion.world_positions[idx],
        signals={k: np.asarray(v)[idx] for k, v in motion.signals.items()},
    )


def busiest_hand(motion: Any) -> str:
    shares = [float(np.mean(motion.confidence[:, i, 0] > 0)) for i in range(len(motion.individuals))]
    return str(motion.individuals[int(np.argmax(shares))]).split("_")[0]


def describe(scorer: Any, features: Any) -> str:
    row, _ = scorer.feature_vector(features)
    check = scorer.check_domain(row)
    if not check.known:
        return f"{'-':>9s} {'-':>9s} {'-':>7s} {'-':>4s}"
    ratio = check.distance / check.threshold
    return f"{check.distance:9.1f} {check.threshold:9.2f} {ratio:7.1f} {len(check.out_of_range):4d}"


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sources", nargs="+")
    parser.add_argument("--before", type=Path, required=True, help="folder with the earlier model cards")
    parser.add_argument("--after", type=Path, default=REPO / "models")
    parser.add_argument("--procedure", default="suturing")
    parser.add_argument("--loop-s", type=float, default=30.0)
    args = parser.parse_args(argv)

    from skillsight.datasets.bvh import load_bvh_recording
    from skillsight.pipeline import load_or_track
    from skillsight.scoring.procedure import load_procedure
    from skillsight.scoring.reference import measure_motion
    from skillsight.scoring.scorer import load_scorer
    from skillsight.scoring.synthetic_realism import top_view

    proc = load_procedure(args.procedure)
    name = f"{proc.name}-scorer-v1.onnx"
    scorers = {"before": load_scorer(args.before / name), "after": load_scorer(args.after / name)}
    n_metrics = len(scorers["after"].feature_names)
    print(f"{proc.name}: novelty distance / threshold / ratio / metrics out of range (of {n_metrics})")
    print(f"{'source':34s} {'hand':5s} | {'before':^30s} | {'after':^30s}")
    for source in args.sources:
        if Path(source).is_dir():
            capture = load_bvh_recording(Path(source))
            motion = top_view(capture, rng=np.random.default_rng(0))
        else:
            motion = looped(load_or_track(source, proc.name), args.loop_s)
        hand = busiest_hand(motion) if Path(source).name.startswith("asl") else "right"
        hand = "left" if "mirror" in Path(source).name else hand  # a mirrored right-hander
        _, features = measure_motion(motion, proc, hand)
        cells = " | ".join(describe(scorers[k], features) for k in ("before", "after"))
        print(f"{Path(source).name[:34]:34s} {hand:5s} | {cells}")
        for key in ("before", "after"):
            row, _ = scorers[key].feature_vector(features)
            for out in scorers[key].check_domain(row).out_of_range:
                print(f"    {key}: {out.name} {out.value:.3g} outside {out.low:.3g} to {out.high:.3g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
