"""Every per-hand metric of the real clips in ../shared at other frame rates and half size, as change
from the 25-fps original: the figures behind tests/integration/test_metric_invariance.py, over more
variants than the test tracks (20, 30 and 60 fps too).

    python benchmarks/bench_metric_invariance.py [--variants 15 20 30 50 60 half] [--cache DIR]

Variants are made as the test makes them (frames repeated or dropped in memory, images halved with
INTER_AREA) and tracked by MediaPipe through the project's tracking loop; `--cache` keeps the tracked
motions between runs (delete it after changing tracking or repeat detection). Lines marked `!!` move
more than 5 % or are measured on the original only (n/a: tremor below 24.8 fps); lines marked `--` are
withheld on the original as too unsure (tremor: benchmarks/bench_tremor_uncertainty.py). Above 25 fps the
variants repeat frames: tracking marks the repeats (capture.repeats) and preparing the motion drops
them, so metrics read the 25 images a second that were taken; a first line per clip says how many
frames each variant had, how many were repeats and the rate of its images.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests"), str(REPO / "tests" / "support"), str(REPO / "tests" / "integration")]

from shared_data import shared_file  # noqa: E402
from test_metric_invariance import CLIPS, ResampledSource, _measured_hands  # noqa: E402

from skillsight.pose.motion import Motion, load_motion  # noqa: E402
from skillsight.pose.track import track_source  # noqa: E402
from skillsight.scoring.features import compute_features, prepare_motion  # noqa: E402
from skillsight.scoring.results import Feature  # noqa: E402

TOLERANCE = 0.05
# Metrics withheld where their own error is too large ("--" lines: what each variant gives instead).
WITHHELD_WHEN_UNSURE = ("tremor",)


def variant_motion(clip: str, name: str, cache: Path) -> Motion:
    """The clip tracked at variant `name` ("orig", "half" or a frame rate), prepared."""
    path = cache / f"{clip}_{name}.motion.npz"
    if not path.exists():
        fps, scale = (25.0, 1.0) if name == "orig" else (25.0, 0.5) if name == "half" else (float(name), 1.0)
        tracked = track_source(ResampledSource(shared_file(CLIPS[clip]), fps, scale), tracker="hands")
        tracked.save(path)
    return prepare_motion(load_motion(path))


def _clock(cache: Path, clip: str, name: str) -> str:
    tracked = load_motion(cache / f"{clip}_{name}.motion.npz")
    found = tracked.metadata.get("frame_repeats") or {}
    fps = found.get("image_fps")
    return f"{tracked.metadata.get('frame_count')}/{found.get('repeated', '?')}/{fps:.1f}" if fps else "?"


def report(clip: str, variants: list[str], cache: Path) -> None:
    original = variant_motion(clip, "orig", cache)
    hands = _measured_hands(original)
    base = compute_features(original, "suturing", "right")
    others = {v: compute_features(variant_motion(clip, v, cache), "suturing", "right") for v in variants}
    clocks = {v: _clock(cache, clip, v) for v in ["orig", *variants]}
    print(
        f"   {clip:18s} frames / repeats / images per s: " + "  ".join(f"{v}:{c}" for v, c in clocks.items())
    )
    roles = {"needle_driver": "right_hand", "forceps": "left_hand"}
    for name, feature in base.items():
        role = name.split(".")[0]
        if role in roles and roles[role] not in hands:
            continue
        if not np.isfinite(feature.value):
            if feature.reason and name.split(".")[-1] in WITHHELD_WHEN_UNSURE:
                _print_withheld(clip, name, feature, {v: others[v][name] for v in variants})
            continue
        changes = []
        for v in variants:
            value = others[v][name].value
            same = value == feature.value
            changes.append(0.0 if same else value / feature.value - 1 if feature.value else np.inf)
        flag = "!!" if any(not abs(c) <= TOLERANCE for c in changes) else "  "
        cells = " ".join(
            f"{v}:{c:+6.1%}" if np.isfinite(c) else f"{v}:   n/a" for v, c in zip(variants, changes)
        )
        print(f"{flag} {clip:18s} {name:36s} {feature.value:10.4g}  {cells}")


def _print_withheld(clip: str, name: str, feature: Feature, others: dict[str, Feature]) -> None:
    """A metric too unsure to read on the original: what each variant gives (a value with its
    standard error, withheld, or n/a where the camera cannot see it), and why the original gives none."""
    cells = []
    for v, other in others.items():
        if other.available:
            cells.append(f"{v}:{other.value:.4g}+/-{(other.uncertainty or 0) / other.value:.0%}")
        else:
            cells.append(f"{v}:{'n/a' if 'fps' in other.reason else 'withheld'}")
    print(f"-- {clip:18s} {name:36s}   withheld  {' '.join(cells)}")
    print(f"   {'':18s} {'':36s}   ({feature.reason})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", nargs="+", default=["15", "20", "30", "50", "60", "half"])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/skillsight_metric_invariance"))
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    for clip in sorted(CLIPS):
        report(clip, args.variants, args.cache)


if __name__ == "__main__":
    main()
