"""`auto` on the shared real clips: bare real hands keep MediaPipe's landmarks and names (issue 10).

Per clip and camera view, `auto` against the hands tracker alone, frame by frame: frames where both
report the same hands in the same slots, the largest landmark difference there (pixels), glove hands
`auto` adds, and frames whose names differ. asl_hand is also checked against its reference landmarks
(asl_hand.full.json, a right hand): the median landmark error and the share of frames named right.
typing_two_hands with its MediaPipe hand recoloured blue (shading kept): the share of frames where
`auto` finds it on its side within 0.15 x width. A real sleeve check: asl_hand with its forearm (skin
beyond the wrist, away from the fingers) recoloured blue, the hand left bare, against the whole hand and
forearm recoloured: whether the blue "gloves" are sleeves (a sleeve ends in skin, a glove in fingers).

    python benchmarks/bench_auto_real.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

CLIPS = {
    "typing_two_hands": ("mediapipe_samples/typing_two_hands.mp4", ("top",)),
    "asl_hand": ("tfjs/asl_hand.25fps.mp4", ("front", "top")),
    "hand_reaching": ("mediapipe_samples/hand_reaching.mp4", ("front", "top")),
}
SAMPLE_EVERY = 5


def decode(path: Path) -> list:
    import av

    from skillsight.capture.frames import Frame

    with av.open(str(path)) as container:
        return [
            Frame(i, i / 25.0, f.to_ndarray(format="rgb24")) for i, f in enumerate(container.decode(video=0))
        ]


def track(name: str, frames: list, camera_view: str) -> tuple[list, dict[str, Any]]:
    from skillsight.pose.trackers.base import create_tracker

    tracker = create_tracker(name, camera_view=camera_view)
    try:
        if name == "auto":
            tracker.prepare(frames[::SAMPLE_EVERY])
        observations = [tracker.process(f) for f in frames]
        return observations, tracker.provenance()
    finally:
        tracker.close()


def compare(clip: str, frames: list, camera_view: str) -> list:
    hands, _ = track("hands", frames, camera_view)
    auto, provenance = track("auto", frames, camera_view)
    same, renamed, worst = 0, 0, 0.0
    for h, a in zip(hands, auto):
        seen_h = np.any(h.confidence > 0, axis=1)
        seen_a = np.any(a.confidence[:, :21] > 0, axis=1)
        if np.array_equal(seen_h, seen_a):
            same += 1
            for slot in np.flatnonzero(seen_h):
                worst = max(worst, float(np.nanmax(np.abs(h.positions[slot] - a.positions[slot, :21]))))
        elif sorted(seen_h) == sorted(seen_a):
            renamed += 1
    sources = provenance["per_frame_sources"]
    print(
        f"  {clip:>16} {camera_view:>5}: {len(frames)} frames, auto {provenance['choice']}; "
        "same hands in the "
        f"same slots {same}/{len(frames)}, renamed {renamed}, largest landmark difference {worst:.2f} px; "
        f"glove hands {sources['hands_from_gloves']}, bare hands by skin colour "
        f"{sources['hands_from_skin_colour']}, skin latex {provenance['skin_tone_gloves_found']}"
    )
    return auto


def against_reference(auto: list, reference: np.ndarray) -> None:
    errors, right = [], 0
    for observation, expected in zip(auto, reference):
        slots = np.flatnonzero(np.any(observation.confidence[:, :21] > 0, axis=1))
        if len(slots) == 0:
            continue
        right += int(1 in slots)
        best = min(
            slots, key=lambda s: np.nanmean(np.abs(observation.positions[s, :21, :2] - expected[:, :2]))
        )
        errors.append(
            float(np.median(np.linalg.norm(observation.positions[best, :21, :2] - expected[:, :2], axis=1)))
        )
    print(
        f"    against asl_hand.full.json: hand found in {len(errors)}/{len(reference)} frames, "
        f"median landmark error {np.median(errors):.1f} px, named right_hand in {right}/{len(errors)}"
    )


def tests_on_path() -> None:
    """The tests' own recolouring and scoring (tests/unit/pose, tests/integration) become importable."""
    tests = Path(__file__).resolve().parents[1] / "tests"
    sys.path[:0] = [
        str(tests),
        str(tests / "support"),
        str(tests / "unit" / "pose"),
        str(tests / "integration"),
    ]


def blue_typing(frames: list) -> None:
    tests_on_path()
    from test_gloves_typing import auto_track, blue_gloved  # the test's own recolouring and scoring

    gloved, truth = blue_gloved(frames)
    observations, provenance = auto_track(gloved)
    width = frames[0].image.shape[1]
    hits = 0
    for observation, expected in zip(observations, truth):
        if expected is not None:
            slot, centre = expected
            point = observation.positions[slot, -2, :2]
            hits += int(
                observation.confidence[slot, -2] > 0 and np.linalg.norm(point - centre) <= 0.15 * width
            )
    total = sum(t is not None for t in truth)
    print(
        f"  typing recoloured blue: found on its side in {hits}/{total} frames ({hits / total:.1%}), "
        f"{provenance['choice']}"
    )


def sleeve_check(frames: list, reference: np.ndarray) -> None:
    from skillsight.capture.frames import Frame
    from skillsight.pose.trackers.gloves import latex
    from skillsight.synthetic_video import hand_mask_from_landmarks, recolor_skin_to_glove

    tests_on_path()
    from test_gloves_real import forearm_mask

    sample = frames[::16]
    masks = {
        "forearm only (a sleeve ending at the bare hand)": forearm_mask,
        "hand only (a glove, bare forearm behind it)": hand_mask_from_landmarks,
    }
    for what, mask_of in masks.items():
        recoloured = [
            Frame(
                f.index,
                f.time_s,
                recolor_skin_to_glove(f.image, "blue", mask_of(f.image, reference[f.index])),
            )
            for f in sample
        ]
        sleeves = latex.are_latex_sleeves("colored", recoloured, "front")
        print(f"  asl_hand, blue {what}: sleeves of skin hands = {sleeves}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
    )
    parser.add_argument("--skip-sleeves", action="store_true")
    args = parser.parse_args()
    reference = np.array(json.loads((args.data / "tfjs" / "asl_hand.full.json").read_text()))
    print("auto against the hands tracker alone on the real clips:")
    for clip, (relative, views) in CLIPS.items():
        frames = decode(args.data / relative)
        for view in views:
            auto = compare(clip, frames, view)
            if clip == "asl_hand":
                against_reference(auto, reference)
        if clip == "typing_two_hands":
            blue_typing(frames)
        if clip == "asl_hand" and not args.skip_sleeves:
            sleeve_check(frames, reference)
    return 0


if __name__ == "__main__":
    sys.exit(main())
