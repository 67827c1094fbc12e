"""Does the synthetic generator make novices less smooth than experts, and why (not)?

    python benchmarks/bench_synthetic_smoothness.py [--seed-sets 0 5000 9000] [--n 6] [--duration-s 60]
        [--blending 0.0 0.35] [--hover-speed 0.0] [--data ../shared/data]

For each skill and seed set (N practices each), the needle driver's shipped smoothness metrics (SPARC,
log dimensionless jerk; higher is smoother: both read on the moving time, SPARC in windows of one hand
size of path at every position, log dimensionless jerk in pieces of one hand size of path,
scoring/features/path_smoothness.py), then what they rest on: the pieces per minute of the recording,
the share of the time the hand moves (above the rest level), and a piece's mean moving time. The real
expert knot-tying capture, seen from above as a webcam would see it, is measured the same way.
--blending A B sets scoring/synthetic.py BLENDING (a reach's submovement overlap A + B skill) and
--hover-speed its HOVER_SPEED (a hesitating novice's drift), to compare side by side.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional

import numpy as np

from skillsight.datasets.bvh import load_bvh_recording
from skillsight.pose.motion import Motion
from skillsight.pose.scale import hand_size_in_units
from skillsight.scoring import synthetic
from skillsight.scoring.features.path_smoothness import (
    CLOCK_HZ,
    PIECE_HAND_SIZES,
    hand_moving_time,
    path_pieces,
)
from skillsight.scoring.procedure import load_procedure
from skillsight.scoring.reference import measure_motion
from skillsight.scoring.synthetic_realism import top_view

REPO = Path(__file__).resolve().parents[1]
HAND = "right_hand"
COLUMNS = ("sparc", "ldlj", "pieces/min", "moving share", "piece s")
TAKES = ("BVH_Finale_Choreographie_MFK_ZFK", "Zeigefinger_BVH")


def smoothness_row(motion: Motion) -> dict[str, float]:
    """The COLUMNS of one motion, the right hand driving the needle."""
    prepared, features = measure_motion(motion, load_procedure("suturing"), "right")
    moving = hand_moving_time(prepared, HAND)
    if moving is None:
        return {name: float("nan") for name in COLUMNS}
    t = prepared.timestamps
    pieces = path_pieces(moving, PIECE_HAND_SIZES * hand_size_in_units(prepared))
    return {
        "sparc": features["needle_driver.sparc"].value,
        "ldlj": features["needle_driver.log_dimensionless_jerk"].value,
        "pieces/min": len(pieces) / ((t[-1] - t[0]) / 60.0),
        "moving share": moving.speed.size / CLOCK_HZ / (t[-1] - t[0]),
        "piece s": float(np.mean([(p.stop - p.start) / CLOCK_HZ for p in pieces]))
        if pieces
        else float("nan"),
    }


def print_row(label: str, rows: list[dict[str, float]]) -> None:
    cells = "".join(f"{np.nanmean([r[c] for r in rows]):>16.3f}" for c in COLUMNS)
    print(f"{label:34s}{cells}", flush=True)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed-sets", type=int, nargs="+", default=[0, 5000, 9000])
    parser.add_argument("--n", type=int, default=6, help="practices per skill and seed set")
    parser.add_argument("--duration-s", type=float, default=60.0)
    parser.add_argument("--blending", type=float, nargs=2, default=list(synthetic.BLENDING))
    parser.add_argument("--hover-speed", type=float, default=synthetic.HOVER_SPEED)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    args = parser.parse_args(argv)
    synthetic.BLENDING = (args.blending[0], args.blending[1])
    synthetic.HOVER_SPEED = args.hover_speed
    print(
        f"BLENDING {synthetic.BLENDING}, HOVER_SPEED {synthetic.HOVER_SPEED}; "
        f"{args.n} practices of {args.duration_s:.0f} s per row"
    )
    print(f"{'':34s}" + "".join(f"{c:>16s}" for c in COLUMNS))
    for seed0 in args.seed_sets:
        for level in ("expert", "intermediate", "novice"):
            rows = [
                smoothness_row(synthetic.generate_practice(level, duration_s=args.duration_s, seed=seed))
                for seed in range(seed0, seed0 + args.n)
            ]
            print_row(f"synthetic {level}, seeds {seed0}+", rows)
    folders = [args.data / "knot_tying_bvh" / take for take in TAKES]
    if all(folder.exists() for folder in folders):
        for folder in folders:
            seen = top_view(load_bvh_recording(folder), rng=np.random.default_rng(0))
            print_row(f"real expert {folder.name[:22]}", [smoothness_row(seen)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
