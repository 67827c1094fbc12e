"""Smoothness per hand size of path (scoring/features/path_smoothness.py) on the real expert knot-tying
capture: the same motion at other frame rates, at half size and with fresh tracking jitter, and the same
motion slowed to half speed or with three 3-s still pauses inserted.

    python benchmarks/bench_smoothness_invariance.py [--data ../shared/data] [--clips] [--cache DIR] [--pace]

Each take is seen from above as a webcam would see it (scoring/synthetic_realism.top_view, 30 fps, no
jitter: the original); the variants are seen the same way at 15/25/60 fps, with a hand half as large in
the image, with the measured MediaPipe jitter (two draws); slowed plays the capture at half speed (every
30-fps view frame twice), paused holds the frame for 3 s at a quarter, half and three quarters of it.
Printed: log dimensionless jerk and SPARC of the right hand, and each variant's value, its change from
the original (+ is smoother) and the size of that change (frame rate, size and jitter should stay within
5 %; slowed and paused should never be smoother).

--clips also measures the real clips of the metamorphic tests (typing, ASL, reaching: tracked once by
MediaPipe as tests/integration/test_metamorphic_real.py tracks them, kept in --cache), ping-pong looped
to 30 s, that loop slowed to half speed (every frame twice) and with three 3-s pauses, on the hand
tracked in most frames.

--pace also measures the causes of SPARC's pace dependence on clean minimum-jerk strokes (PACED_STROKES)
performed at 2x / 1x / 0.5x / 0.25x speed with 0.005 hand sizes of jitter at 15/30/60 fps: SPARC as
shipped (no fixed cap, SPARC_CUTOFF_HZ), with the usual fixed 10-Hz cap, and read on the hand's own time
scale (`own_scale_moving_time`, as log dimensionless jerk is) without a cap, and log dimensionless jerk
as shipped. The windows of one hand
size of path are the same at any pace, and the 0.05 amplitude threshold is relative to the spectrum's
peak, so neither can depend on it.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import Optional

import numpy as np

from skillsight.datasets.bvh import load_bvh_recording
from skillsight.pose.motion import Motion, load_motion
from skillsight.pose.scale import hand_size_in_units
from skillsight.scoring.features import prepare_motion
from skillsight.scoring.features.path_smoothness import (
    CLOCK_HZ,
    SPARC_CUTOFF_HZ,
    MovingTime,
    compute_path_log_dimensionless_jerk,
    compute_path_sparc,
    hand_moving_time,
    own_scale_moving_time,
    path_windows,
    spectral_arc_length,
)
from skillsight.scoring.synthetic import minimum_jerk, motion_from_tracks
from skillsight.scoring.synthetic_realism import top_view

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests" / "support")]

from metamorphic_variants import (  # noqa: E402
    decode_frames,
    ping_pong,
    slowed,
    take_frames,
    track_images,
)
from metamorphic_variants import paused as paused_loop  # noqa: E402

HAND = "right_hand"
TAKES = ("BVH_Finale_Choreographie_MFK_ZFK", "Zeigefinger_BVH")
CLIPS = {
    "typing": "mediapipe_samples/typing_two_hands.mp4",
    "ASL": "tfjs/asl_hand.25fps.mp4",
    "reaching": "mediapipe_samples/hand_reaching.mp4",
}
LOOP_S = 30.0
# (start_s, duration_s, distance in hand sizes along x) at 1x pace, still in between
PACED_STROKES = [(1.0, 0.8, 1.0), (2.5, 1.0, 1.5), (4.5, 0.6, 0.5), (6.0, 1.0, 2.0), (7.5, 0.5, 0.7)]


def frames(motion: Motion, indices: np.ndarray) -> Motion:
    """The motion's frames in this order, on its own frame clock."""
    return replace(
        motion,
        positions=motion.positions[indices],
        confidence=motion.confidence[indices],
        timestamps=np.arange(indices.size) / motion.fps,
        frame_indices=None,
        filled=None,
        world_positions=None,
        signals={},
    )


def paused(motion: Motion, hold_s: float = 3.0) -> Motion:
    hold = int(round(hold_s * motion.fps))
    cuts = [motion.n_frames * k // 4 for k in (1, 2, 3)]
    parts = np.split(np.arange(motion.n_frames), cuts)
    held = [np.concatenate([part, np.full(hold, part[-1])]) for part in parts[:-1]] + [parts[-1]]
    return frames(motion, np.concatenate(held))


def smoothness(motion: Motion, hand: str = HAND) -> tuple[float, float]:
    prepared = prepare_motion(motion)
    return compute_path_log_dimensionless_jerk(prepared, hand), compute_path_sparc(prepared, hand)


def print_variant(name: str, value: tuple[float, float], base: tuple[float, float]) -> None:
    # + is smoother (both are higher when smoother), the share is the size of the change
    cells = "  ".join(f"{v:8.3f} {v - b:+7.3f} ({abs(v / b - 1):5.1%})" for v, b in zip(value, base))
    print(f"  {name:10s} {cells}", flush=True)


def tracked_clip(data: Path, clip: str, cache: Path) -> Motion:
    """The clip tracked as the metamorphic tests track it (suturing's trackers), once: kept in `cache`."""
    path = cache / f"{clip}.motion.npz"
    if not path.exists():
        images, fps = decode_frames(data / CLIPS[clip])
        track_images(images, fps, clip, "suturing").save(path)
    return load_motion(path)


def real_clips(data: Path, cache: Path) -> None:
    """The real clips looped to LOOP_S, slowed and paused, on the hand tracked in most frames."""
    cache.mkdir(parents=True, exist_ok=True)
    for clip in CLIPS:
        base = tracked_clip(data, clip, cache)
        seen = {h: float(np.mean(base.confidence[:, i, 0] > 0)) for i, h in enumerate(base.individuals)}
        hand = max(seen, key=lambda h: seen[h])
        loop = ping_pong(base.n_frames, int(round(LOOP_S * base.fps)))
        original = smoothness(take_frames(base, loop), hand)
        print(f"{clip} looped ({hand}): log dimensionless jerk {original[0]:.3f}, SPARC {original[1]:.3f}")
        for name, indices in (("slowed", slowed(loop)), ("paused", paused_loop(loop, base.fps))):
            print_variant(name, smoothness(take_frames(base, indices), hand), original)


def paced_strokes(slowness: float, fps: float, jitter: float = 0.005) -> Motion:
    """PACED_STROKES performed `slowness` times as slowly, prepared as the features read it."""
    strokes = [(slowness * s, slowness * d, a) for s, d, a in PACED_STROKES]
    t = np.arange(int((max(s + d for s, d, _ in strokes) + 1.0) * fps)) / fps
    x = sum(a * minimum_jerk(np.clip((t - s) / d, 0, 1)) for s, d, a in strokes)
    track = np.c_[x, 0 * t] + jitter * np.random.default_rng(int(fps)).standard_normal((t.size, 2))
    return prepare_motion(motion_from_tracks({(HAND, "centroid"): track}, fps=fps, units="hand_size"))


def windowed_sparc(motion: Motion, moving: Optional[MovingTime], cutoff_hz: float) -> float:
    if moving is None:
        return float("nan")
    windows = path_windows(moving, hand_size_in_units(motion))
    return float(
        np.nanmean([spectral_arc_length(moving.speed[w], CLOCK_HZ, cutoff_hz=cutoff_hz) for w in windows])
    )


def pace_causes() -> None:
    """SPARC of the same strokes at every pace, as shipped and with each candidate cause put back."""
    print("same strokes at 2x / 1x / 0.5x / 0.25x speed: SPARC, and log dimensionless jerk (LDLJ) as")
    print("shipped; spread (max - min over |mean|)")
    for fps in (15.0, 30.0, 60.0):
        motions = [paced_strokes(k, fps) for k in (0.5, 1.0, 2.0, 4.0)]
        variants = {
            "shipped": [windowed_sparc(m, hand_moving_time(m, HAND), SPARC_CUTOFF_HZ) for m in motions],
            "10-Hz cap": [windowed_sparc(m, hand_moving_time(m, HAND), 10.0) for m in motions],
            "own scale": [
                windowed_sparc(m, own_scale_moving_time(m, HAND), SPARC_CUTOFF_HZ) for m in motions
            ],
        }
        variants["LDLJ"] = [compute_path_log_dimensionless_jerk(m, HAND) for m in motions]
        for name, values in variants.items():
            cells = " / ".join(f"{v:.3f}" for v in values)
            print(
                f"  {fps:4.0f} fps {name:10s} {cells}  ({np.ptp(values) / abs(np.mean(values)):5.1%})",
                flush=True,
            )


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--clips", action="store_true", help="also the real clips looped, slowed and paused")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/skillsight_smoothness_clips"))
    parser.add_argument("--pace", action="store_true", help="also SPARC's causes of pace dependence")
    args = parser.parse_args(argv)
    if args.pace:
        pace_causes()
    for take in TAKES:
        capture = load_bvh_recording(args.data / "knot_tying_bvh" / take)
        original = top_view(capture)
        variants = {
            **{f"{fps} fps": top_view(capture, fps=fps) for fps in (15.0, 25.0, 60.0)},
            "half size": top_view(capture, hand_size_px=45.0),
            **{f"jitter {s}": top_view(capture, rng=np.random.default_rng(s)) for s in (1, 2)},
            "slowed": frames(original, np.repeat(np.arange(original.n_frames), 2)),
            "paused": paused(original),
        }
        base = smoothness(original)
        print(f"{take}: log dimensionless jerk {base[0]:.3f}, SPARC {base[1]:.3f}")
        for name, motion in variants.items():
            print_variant(name, smoothness(motion), base)
    if args.clips:
        real_clips(args.data, args.cache)
    return 0


if __name__ == "__main__":
    sys.exit(main())
