"""Glove and auto trackers on gloved clips made from the real hand video (tfjs/asl_hand.25fps.mp4).

The skin of the real hand is recoloured to glove colours keeping its shading (skillsight.synthetic_video),
the clip re-encoded as H.264, and the glove tracker's centroid checked against the hand's box from the
reference landmarks (asl_hand.full.json). On the original, bare clip it must find nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import shared_file

from skillsight.capture.frames import Frame
from skillsight.pose.trackers.gloves import GloveTracker
from skillsight.synthetic_video import make_gloved_clip

pytestmark = pytest.mark.slow
SAMPLE_EVERY = 16  # about 20 frames spread over the 325-frame clip, as the tracking loop samples
AUTO_FRAMES = 60
# White latex (calibrated as its own mode) is measured by benchmarks/bench_gloves.py; the tests keep to two
# colours so that they stay quick on a shared machine.
GLOVE_COLORS_CHECKED = (
    "blue",
    "purple",
)  # MediaPipe is slow on a shared 2-core machine: the auto checks use the first frames


def frames_of(path: Path, limit: int | None = None) -> Iterator[Frame]:
    import av

    with av.open(str(path)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if limit is not None and index >= limit:
                break
            yield Frame(index, float(frame.time or index / 25.0), frame.to_ndarray(format="rgb24"))


def sample_of(path: Path, limit: int | None = None) -> list[Frame]:
    return [f for f in frames_of(path, limit) if f.index % SAMPLE_EVERY == 0]


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    return np.array(json.loads(shared_file("tfjs/asl_hand.full.json").read_text()))


@pytest.fixture(scope="module")
def gloved_clips(tmp_path_factory: pytest.TempPathFactory, reference: np.ndarray) -> dict[str, Path]:
    source = shared_file("tfjs/asl_hand.25fps.mp4")
    folder = tmp_path_factory.mktemp("gloved")
    return {
        color: make_gloved_clip(source, folder / f"asl_{color}.mp4", color, landmarks=list(reference))
        for color in GLOVE_COLORS_CHECKED
    }


def centroid_inside_box_share(path: Path, reference: np.ndarray, color: str) -> float:
    tracker = GloveTracker(camera_view="front")
    tracker.prepare(sample_of(path))
    calibration = tracker.provenance()["calibration"]
    assert calibration["gloves_present"] and calibration["families"][0] == "colored"
    inside = 0
    n = 0
    for frame in frames_of(path):
        obs = tracker.process(frame)
        found = np.flatnonzero(obs.confidence[:, 0] > 0)
        n += 1
        if len(found) == 0:
            continue
        # the clip holds one hand: the best blob must lie on it
        best = found[np.argmax(obs.confidence[found, 0])]
        x, y = obs.positions[best, 0, :2]
        (x0, y0), (x1, y1) = (
            reference[frame.index, :, :2].min(axis=0),
            reference[frame.index, :, :2].max(axis=0),
        )
        inside += int(x0 <= x <= x1 and y0 <= y <= y1)
    assert n == len(reference)
    return inside / n


@pytest.mark.parametrize("color", GLOVE_COLORS_CHECKED)
def test_glove_centroid_lies_inside_the_hand_box(
    color: str, gloved_clips: dict[str, Path], reference: np.ndarray
) -> None:
    share = centroid_inside_box_share(gloved_clips[color], reference, color)
    print(f"{color} gloves: centroid inside the landmark box in {share:.1%} of frames")
    assert share >= 0.95


def test_nothing_is_found_on_the_bare_clip() -> None:
    source = shared_file("tfjs/asl_hand.25fps.mp4")
    tracker = GloveTracker()
    tracker.prepare(sample_of(source))
    assert tracker.provenance()["gloves_present"] is False
    reported = sum(int(np.any(tracker.process(f).confidence > 0)) for f in frames_of(source))
    assert reported == 0


def hands_per_frame(tracker, sample: list[Frame], path: Path) -> list[int]:
    tracker.prepare(sample)
    try:
        return [
            int(np.count_nonzero(np.any(tracker.process(f).confidence > 0, axis=1)))
            for f in frames_of(path, AUTO_FRAMES)
        ]
    finally:
        tracker.close()


@pytest.mark.parametrize("clip", ["blue", "bare"])
def test_auto_uses_gloves_or_landmarks_and_never_reports_fewer_hands(
    clip: str, gloved_clips: dict[str, Path]
) -> None:
    pytest.importorskip("mediapipe")
    from skillsight.pose.trackers.auto import AutoTracker
    from skillsight.pose.trackers.mediapipe_hands import MediaPipeHandsTracker

    path = shared_file("tfjs/asl_hand.25fps.mp4") if clip == "bare" else gloved_clips[clip]
    sample = sample_of(path, AUTO_FRAMES)
    glove_counts = hands_per_frame(GloveTracker(camera_view="front"), sample, path)
    landmark_counts = hands_per_frame(MediaPipeHandsTracker(camera_view="front"), sample, path)
    auto = AutoTracker(camera_view="front")
    auto_counts = hands_per_frame(auto, sample, path)
    for index, (a, g, h) in enumerate(zip(auto_counts, glove_counts, landmark_counts)):
        assert a >= max(g, h), f"frame {index}: auto {a}, gloves {g}, landmarks {h}"
    provenance = auto.provenance()
    sources = provenance["per_frame_sources"]
    print(f"auto on {clip}: {provenance['choice']}, {sources}")
    if clip == "bare":
        assert provenance["choice"] == "landmarks" and not provenance["gloves_present"]
        assert sources["hands_from_gloves"] == 0
        assert sources["hands_from_landmarks"] >= 0.95 * AUTO_FRAMES
    else:
        assert provenance["gloves_present"] and provenance["choice"].startswith("gloves")
        assert (
            sources["hands_from_gloves"] + sources["glove_hands_matched_to_landmarks"] >= 0.95 * AUTO_FRAMES
        )


def forearm_mask(image: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """Skin beyond the wrist, on the side away from the fingers (the forearm), as a uint8 mask."""
    from skillsight.synthetic_video import skin_mask_ycrcb

    wrist, knuckle = landmarks[0, :2], landmarks[9, :2]
    palm = max(float(np.linalg.norm(knuckle - wrist)), 1.0)
    axis = (knuckle - wrist) / palm
    yy, xx = np.mgrid[0 : image.shape[0], 0 : image.shape[1]]
    along = (xx - wrist[0]) * axis[0] + (yy - wrist[1]) * axis[1]
    return np.where(along < -0.2 * palm, skin_mask_ycrcb(image), 0).astype(np.uint8)


@pytest.mark.parametrize("recoloured", ["forearm", "hand"])
def test_a_blue_sleeve_ends_in_a_skin_hand_and_a_blue_glove_in_its_own_fingers(
    recoloured: str, reference: np.ndarray
) -> None:
    """The real signing hand with its forearm recoloured blue (a sleeve ending at a bare hand) and with
    its hand recoloured (a glove, the bare forearm behind it): only the first is a sleeve."""
    from skillsight.pose.trackers.gloves import latex
    from skillsight.synthetic_video import hand_mask_from_landmarks, recolor_skin_to_glove

    mask_of = forearm_mask if recoloured == "forearm" else hand_mask_from_landmarks
    sample = [
        Frame(f.index, f.time_s, recolor_skin_to_glove(f.image, "blue", mask_of(f.image, reference[f.index])))
        for f in sample_of(shared_file("tfjs/asl_hand.25fps.mp4"))
    ]
    assert latex.are_latex_sleeves("colored", sample, "front") is (recoloured == "forearm")
