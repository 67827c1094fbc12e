"""How the pause and movement metrics move with the idle speed: on each real clip in ../shared (and its
15/50-fps and half-size variants, made and tracked as tests/integration/test_metric_invariance.py makes
them) and on generated practices, active time, idle share, pause count, movement count and mean jerk
at idle speeds from 0.24 to 0.36 hand sizes/s (by default in steps of 4 %).

    python benchmarks/bench_idle_speed_sensitivity.py [--speeds 0.24 0.252 ... 0.36] [--cache DIR]
        [--variants orig 15 50 half] [--generated 6]

A metric that jumps when its threshold moves by a few per cent measures the threshold, not the motion.
The last columns: the largest change between neighbouring speeds per 1 % of the idle speed, as a share
of the value at 0.30, and how many times the line's median change that is; `!!` marks a line that flips
somewhere (over 3 times its median change, and over 1 % per 1 %) rather than slopes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "benchmarks"), str(REPO / "tests"), str(REPO / "tests" / "support")]
sys.path.insert(0, str(REPO / "tests" / "integration"))

from bench_metric_invariance import variant_motion  # noqa: E402
from test_metric_invariance import CLIPS, _measured_hands  # noqa: E402

from skillsight.pose.motion import Motion  # noqa: E402
from skillsight.scoring.features import kinematics as k  # noqa: E402

METRICS = ("active_time", "idle_share", "pauses", "movements", "mean_jerk")
# A line whose largest change between neighbouring speeds is this many times its median change (and
# over 1 % of its value per 1 % of the idle speed) is marked !!: it flips there rather than slopes.
JUMP_TIMES_MEDIAN = 3.0


def metrics_at(motion: Motion, hand: str, idle: float) -> dict[str, float]:
    th = k.thresholds_for(motion, {"idle_speed_hand_sizes_per_s": idle})
    return {
        "active_time": k.compute_active_time(motion, hand, th),
        "idle_share": k.compute_idle_share(motion, hand, th),
        "pauses": k.compute_pause_count(motion, hand, th),
        "movements": k.compute_movement_count(motion, hand, th),
        "mean_jerk": k.compute_mean_jerk(motion, hand, thresholds=th),
    }


def report(label: str, motions: dict[str, Motion], hand: str, speeds: list[float]) -> None:
    """One line per variant and metric: its value at each idle speed; the largest change between
    neighbouring speeds per 1 % of the idle speed, as a share of the value at the shipped speed; and
    how many times the median such change it is (a smooth slope reads about 1, a flip many)."""
    table = {v: [metrics_at(m, hand, s) for s in speeds] for v, m in motions.items()}
    centre = int(np.argmin(np.abs(np.array(speeds) - k.IDLE_SPEED_HAND_SIZES_PER_S)))
    percent = np.diff(speeds) / k.IDLE_SPEED_HAND_SIZES_PER_S * 100
    for metric in METRICS:
        for variant, rows in table.items():
            values = np.array([r[metric] for r in rows])
            per_percent = np.abs(np.diff(values)) / percent
            step = per_percent.max() / abs(values[centre]) if values[centre] else np.inf
            typical = np.median(per_percent)
            jump = per_percent.max() / typical if typical > 0 else (np.inf if per_percent.max() > 0 else 1.0)
            flag = "!!" if jump > JUMP_TIMES_MEDIAN and step > 0.01 else "  "
            cells = " ".join(f"{v:7.3g}" for v in values)
            line = f"{label:22s} {hand[:5]:5s} {variant:5s} {metric:12s} {cells}"
            print(f"{flag} {line}  {step:6.1%} {jump:5.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = list(np.round(0.3 * (1 + np.arange(-20, 21, 4) / 100), 4))  # 0.24-0.36 in steps of 4 %
    parser.add_argument("--speeds", nargs="+", type=float, default=default)
    parser.add_argument("--variants", nargs="+", default=["orig", "15", "50", "half"])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/skillsight_metric_invariance"))
    parser.add_argument("--generated", type=int, default=0, help="generated practices (seeds 30000 on)")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    header = " ".join(f"{s:7.2f}" for s in args.speeds)
    print(f"   {'clip':22s} {'hand':5s} {'var':5s} {'metric':12s} {header}  per 1 %  jump")
    for clip in sorted(CLIPS):
        motions = {v: variant_motion(clip, v, args.cache) for v in args.variants}
        for hand in _measured_hands(motions[args.variants[0]]):
            report(clip, motions, hand, args.speeds)
    for seed in range(30000, 30000 + args.generated):
        from skillsight.scoring.features import prepare_motion
        from skillsight.scoring.synthetic import generate_practice

        skill = ("novice", "intermediate", "expert")[seed % 3]
        motion = prepare_motion(generate_practice(skill, "suturing", duration_s=60.0, seed=seed))
        for hand in _measured_hands(motion):
            report(f"generated {skill[:5]} {seed}", {"orig": motion}, hand, args.speeds)


if __name__ == "__main__":
    main()
