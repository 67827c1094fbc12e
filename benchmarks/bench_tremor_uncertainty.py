"""How sure a tremor reading is on real recordings, and whether its standard error tells the truth.

    python benchmarks/bench_tremor_uncertainty.py [--cache DIR]

1. The real expert knot-tying mocap in ../shared (Ultraleap, ~91 Hz, 58 s and 20 s, both hands): the
   reading of the whole take with its relative standard error, and, over windows of 4, 8 and 16 s
   (at four offsets, disjoint at each), the actual spread of the window readings next to the standard
   error each window predicts from its own 2-s segments. They agree if the error is honest.
2. The real clips at each variant tracked by benchmarks/bench_metric_invariance.py (its --cache; run
   that first): the reading, its error, whether it is shown or withheld, and its change from the 25-fps
   original in units of the two readings' combined standard error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests"), str(REPO / "tests" / "support")]

from shared_data import shared_file  # noqa: E402

from skillsight.datasets.bvh import load_bvh_recording  # noqa: E402
from skillsight.pose.motion import LEFT_HAND, RIGHT_HAND, Motion, load_motion  # noqa: E402
from skillsight.scoring.features import prepare_motion  # noqa: E402
from skillsight.scoring.features.smoothness import tremor_reading, tremor_with_uncertainty  # noqa: E402

TAKES = ("BVH_Finale_Choreographie_MFK_ZFK", "Zeigefinger_BVH")
WINDOWS_S = (4.0, 8.0, 16.0)
CLIPS = ("asl_hand", "hand_reaching", "typing_two_hands")
VARIANTS = ("orig", "30", "50", "60", "half")


def window_spread(motion: Motion, hand: str, length_s: float) -> tuple[int, float, float]:
    """(windows, actual sd of their power / mean, rms predicted standard error / mean)."""
    t = motion.timestamps
    powers, errors = [], []
    for offset in np.arange(0.0, length_s, length_s / 4):
        start = t[0] + offset
        while start + length_s <= t[-1]:
            a, b = np.searchsorted(t, [start, start + length_s])
            reading = tremor_reading(motion.slice_time(int(a), int(b)), hand)
            if np.isfinite(reading.power):
                powers.append(reading.power)
                errors.append(reading.standard_error)
            start += length_s
    p, e = np.array(powers), np.array(errors)
    return p.size, float(p.std() / p.mean()), float(np.sqrt(np.mean(e**2)) / p.mean())


def report_mocap() -> None:
    print("real expert mocap: whole take, then windows (actual spread of power vs predicted error)")
    for take in TAKES:
        motion = prepare_motion(load_bvh_recording(shared_file(f"knot_tying_bvh/{take}")))
        for hand in (LEFT_HAND, RIGHT_HAND):
            whole = tremor_reading(motion, hand)
            shown = "shown" if np.isfinite(tremor_with_uncertainty(motion, hand)[0]) else "withheld"
            print(
                f"  {take[:22]:22s} {hand:10s} {whole.seconds:4.0f} s  {whole.amplitude * 1000:6.3f} mm"
                f"  +/-{whole.relative_error:5.1%}  {shown}"
            )
            for length in WINDOWS_S:
                n, actual, predicted = window_spread(motion, hand, length)
                print(f"      {length:4.0f}-s windows: {n:3d}  actual {actual:5.2f}  stated {predicted:5.2f}")


def report_clips(cache: Path) -> None:
    print("real clips: reading, its error, shown or withheld, change from 25 fps / combined error")
    for clip in CLIPS:
        base = None
        for variant in VARIANTS:
            path = cache / f"{clip}_{variant}.motion.npz"
            if not path.exists():
                print(f"  {clip}: {path} missing (run benchmarks/bench_metric_invariance.py first)")
                continue
            motion = prepare_motion(load_motion(path))
            reading = tremor_reading(motion, RIGHT_HAND)
            if not np.isfinite(reading.power):
                print(f"  {clip:16s} {variant:5s} n/a ({reading.what})")
                continue
            base = base or reading
            change = reading.amplitude / base.amplitude - 1
            combined = np.hypot(reading.relative_error, base.relative_error)
            shown = "shown" if np.isfinite(tremor_with_uncertainty(motion, RIGHT_HAND)[0]) else "withheld"
            print(
                f"  {clip:16s} {variant:5s} {reading.seconds:4.1f} s {reading.segments:2d} segments"
                f"  {reading.amplitude:.5f} +/-{reading.relative_error:5.1%} {shown:8s}"
                f"  change {change:+6.1%} = {abs(change) / combined if combined else 0:.2f} x combined error"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/skillsight_metric_invariance"))
    args = parser.parse_args()
    report_mocap()
    report_clips(args.cache)


if __name__ == "__main__":
    main()
