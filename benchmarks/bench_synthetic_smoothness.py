"""Does the synthetic generator make novices less smooth than experts, and why (not)?

    python benchmarks/bench_synthetic_smoothness.py [--seed-sets 0 5000 9000] [--n 6] [--duration-s 60]
        [--blending 0.3 0.0] [--data ../shared/data]

For each skill and seed set (N practices each), the needle driver's shipped smoothness metrics (SPARC,
log dimensionless jerk; higher is smoother), then what rules them: movement units per minute and their
mean length (rest to rest: log dimensionless jerk is a mean over them), SPARC's strokes per minute and
the share shorter than 0.6 s (SPARC is a plain mean over them), and, for comparison only, a reading of
log dimensionless jerk that pauses cannot change: rest cut out, the moving time cut into 2-s windows,
weighted by their path (not a shipped metric). The real expert knot-tying capture, seen from above as a
webcam would see it, is measured the same way. --blending A B sets scoring/synthetic.py BLENDING (a
reach's submovement overlap A + B skill; 0.3 0.0 is the generator before it) to compare side by side.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional

import numpy as np

from skillsight.datasets.bvh import load_bvh_recording
from skillsight.pose.motion import Motion
from skillsight.scoring import synthetic
from skillsight.scoring.features.kinematics import (
    REST_SHARE,
    SPEED_TIME_SCALE_S,
    hand_speed,
    hand_track,
    thresholds_for,
)
from skillsight.scoring.features.local_fit import local_derivatives
from skillsight.scoring.features.smoothness import SPARC_CLOCK_HZ, movement_units, speed_strokes
from skillsight.scoring.procedure import load_procedure
from skillsight.scoring.reference import measure_motion
from skillsight.scoring.synthetic_realism import top_view

REPO = Path(__file__).resolve().parents[1]
HAND = "right_hand"
WINDOW_S = 2.0
SHORT_STROKE_S = 0.6
COLUMNS = ("sparc", "ldlj", "units/min", "unit s", "strokes/min", "short", "pause-free ldlj")
TAKES = ("BVH_Finale_Choreographie_MFK_ZFK", "Zeigefinger_BVH")


def pause_free_ldlj(motion: Motion) -> float:
    """Log dimensionless jerk with rest cut out: the moving time in WINDOW_S windows, path-weighted."""
    speed, track = hand_speed(motion, HAND), hand_track(motion, HAND)
    if speed is None or track is None:
        return float("nan")
    t = motion.timestamps
    jerk_sq = np.sum(local_derivatives(track, t, SPEED_TIME_SCALE_S, 3) ** 2, axis=1)
    rest = REST_SHARE * thresholds_for(motion).idle_speed
    moving = np.isfinite(speed) & np.isfinite(jerk_sq) & (speed >= rest)
    dt = np.gradient(t)[moving]
    clock = np.cumsum(dt)
    values, weights = [], []
    for k in range(int(clock[-1] // WINDOW_S) if clock.size else 0):
        inside = (clock > k * WINDOW_S) & (clock <= (k + 1) * WINDOW_S)
        length = float(np.sum(speed[moving][inside] * dt[inside]))
        jerk = float(np.sum(jerk_sq[moving][inside] * dt[inside]))
        if length > 0 and jerk > 0:
            values.append(-np.log(WINDOW_S**5 / length**2 * jerk))
            weights.append(length)
    return float(np.average(values, weights=weights)) if values else float("nan")


def smoothness_row(motion: Motion) -> dict[str, float]:
    """The COLUMNS of one motion, the right hand driving the needle."""
    prepared, features = measure_motion(motion, load_procedure("suturing"), "right")
    speed, t = hand_speed(prepared, HAND), prepared.timestamps
    if speed is None:
        return {name: float("nan") for name in COLUMNS}
    thresholds = thresholds_for(prepared)
    minutes = (t[-1] - t[0]) / 60.0
    units = movement_units(speed, t, thresholds)
    strokes = [s.size / SPARC_CLOCK_HZ for s in speed_strokes(speed, t, thresholds)]
    return {
        "sparc": features["needle_driver.sparc"].value,
        "ldlj": features["needle_driver.log_dimensionless_jerk"].value,
        "units/min": len(units) / minutes,
        "unit s": float(np.mean([b - a for a, b in units])) if units else float("nan"),
        "strokes/min": len(strokes) / minutes,
        "short": float(np.mean(np.array(strokes) < SHORT_STROKE_S)) if strokes else float("nan"),
        "pause-free ldlj": pause_free_ldlj(prepared),
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
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    args = parser.parse_args(argv)
    synthetic.BLENDING = (args.blending[0], args.blending[1])
    print(f"BLENDING {synthetic.BLENDING}; {args.n} practices of {args.duration_s:.0f} s per row")
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
