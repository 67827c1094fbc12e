"""Hands that cross in video keep their names (issue 10): two tracked gloves whose blobs merge are still
two hands, split between where their tracks put them, and named by their tracks as they part on swapped
sides; one glove with spread fingers is never split into two."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from test_gloves_pairs import SIZE, glove  # the glove drawing shared with the pair tests

from skillsight.capture.frames import Frame
from skillsight.pose.trackers.gloves import GloveTracker

SCALE = 4  # frames are drawn at 4x the working size, as a 1536x864 video
TOLERANCE = 0.15 * SIZE[0]  # the scene figures' tolerance, in working pixels


def _frame(index: int, mask: np.ndarray) -> Frame:
    image = np.full((SIZE[1] * SCALE, SIZE[0] * SCALE, 3), (150, 150, 140), np.uint8)
    big = cv2.resize(mask, (SIZE[0] * SCALE, SIZE[1] * SCALE), interpolation=cv2.INTER_NEAREST) > 0
    image[big] = (40, 70, 190)  # blue nitrile on a grey bench
    return Frame(index, index / 25.0, image)


def crossing_frames(entering: bool, n: int = 40) -> tuple[list[Frame], list[tuple[float, float]]]:
    """The left hand moves from the image's left to its right and the right hand the other way, through
    each other; `entering`: their arms (of the glove's colour) run in from the bottom border, side by
    side where the hands meet; else the gloves float (sleeves of the bench's colour). Also each frame's
    true (left, right) hand x, working pixels."""
    frames, truth = [], []
    for i in range(n):
        mask = np.zeros(SIZE[::-1], np.uint8)
        t = i / (n - 1)
        left, right = 110 + 160 * t, 270 - 160 * t
        wrist_y, cuff = (120, 3.0) if entering else (150, 1.0)
        glove(mask, (int(left), wrist_y), -80.0, 1, cuff=cuff)
        glove(mask, (int(right), wrist_y), -100.0, -1, cuff=cuff)
        frames.append(_frame(i, mask))
        truth.append((left + 8.0, right - 8.0))  # the palm's centre leans with the hand
    return frames, truth


@pytest.mark.parametrize("entering", [True, False], ids=["arms from the border", "floating gloves"])
def test_two_tracked_hands_that_cross_keep_their_names(entering: bool) -> None:
    # tracker 2.5 lost the left hand while the arms entered side by side as one blob, then named the
    # parted hands by where their arms enter: swapped for the rest of the crossing
    frames, truth = crossing_frames(entering)
    tracker = GloveTracker(camera_view="top")
    tracker.prepare(frames[::5])
    both = 0
    for frame, true_x in zip(frames, truth):
        x = tracker.process(frame).positions[:, 0, 0] / SCALE
        for reported, expected in zip(x, true_x):
            assert np.isnan(reported) or abs(reported - expected) <= TOLERANCE, (frame.index, x, true_x)
        both += int(not np.isnan(x).any())
    assert both >= 0.85 * len(frames)
    final = tracker.process(frames[-1]).positions[:, 0, 0] / SCALE
    assert final[0] > final[1]  # the left hand ends on the image's right


def spread_glove(wrist: tuple[int, int]) -> np.ndarray:
    """One glove whose fingers spread wide (two fanned out to each side of the palm, the thumb out)."""
    mask = np.zeros(SIZE[::-1], np.uint8)
    glove(mask, wrist, -90.0, 1, cuff=1.0 if wrist[1] == 150 else 3.0)
    tip = (wrist[0], wrist[1] - 40)
    for dx in (-34, 34):
        cv2.line(mask, tip, (tip[0] + dx, tip[1] - 26), (1,), 9)
    return mask


@pytest.mark.parametrize("wrist", [(190, 150), (190, 120)], ids=["floating", "arm from the border"])
def test_one_glove_with_spread_fingers_is_one_hand_in_video(wrist: tuple[int, int]) -> None:
    frames = [_frame(i, spread_glove(wrist)) for i in range(10)]
    video = GloveTracker(camera_view="top")
    video.prepare(frames[::3])
    counts = [np.count_nonzero(video.process(f).confidence[:, 0] > 0) for f in frames]
    assert counts == [1] * len(frames)


@pytest.mark.parametrize(
    "wrist",
    [
        pytest.param(
            (190, 150),
            marks=pytest.mark.xfail(
                reason="a still has only the blob's shape: a floating glove spread this wide is as round "
                "and as hollow as two crossed hands (two_hands_in_one), and is split; not fixed",
                strict=False,
            ),
        ),
        (190, 120),
    ],
    ids=["floating", "arm from the border"],
)
def test_one_glove_with_spread_fingers_is_one_hand_in_a_still(wrist: tuple[int, int]) -> None:
    still = GloveTracker(camera_view="top", independent_frames=True)
    assert np.count_nonzero(still.process(_frame(0, spread_glove(wrist))).confidence[:, 0] > 0) == 1
