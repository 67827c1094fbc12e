"""The generated crossing videos in which one hand first leaves the frame and comes back
(skillsight.glove_scenes_leaving): out by the bottom or its own side's border for the drawn time, the arm
going with it, back by about the same border; absent in the truth while out, partly visible crossing."""

from __future__ import annotations

import math

import numpy as np
import pytest

from skillsight.glove_scenes_video import CONDITION, LEAVING_CONDITION, crossing_video, excursion_of

SIZE = (640, 360)


def _border(point: tuple[float, float]) -> str:
    x, y = point
    width, height = SIZE
    return min(
        (("left", -x), ("right", x - width), ("bottom", y - height), ("top", -y)), key=lambda item: -item[1]
    )[0]


@pytest.mark.parametrize("seed", [41, 42, 43, 44])
def test_a_hand_leaves_the_frame_for_the_drawn_time_and_comes_back_by_its_border(cutouts, seed) -> None:
    trip = excursion_of(seed, "indigo", size=SIZE, cutouts=cutouts, leaving=True)
    frames = crossing_video(seed, n_frames=6, glove="indigo", size=SIZE, cutouts=cutouts, leaving=True)
    assert len(frames) == trip.length + 6 and all(f.condition == LEAVING_CONDITION for f in frames)
    leaving, staying = ("left_hand", "right_hand")[:: 1 if trip.hand == 0 else -1]
    absent = [i for i, f in enumerate(frames) if leaving not in {h.side for h in f.hands}]
    # out for the drawn time (1-3 s at 25 fps) and at most while moving out and back too, in one stretch
    assert set(trip.out_frames) <= set(absent) and 25 <= len(trip.out_frames) <= 75
    assert absent == list(range(absent[0], absent[-1] + 1))
    assert len(absent) <= trip.frames[1] + trip.frames[2] + trip.frames[3]
    # the staying hand is there throughout, visible
    assert all(any(h.side == staying and h.visible for h in f.hands) for f in frames)
    # crossing the border it is partly visible: in the truth, not required to be found
    around = [frames[absent[0] - 1], frames[absent[-1] + 1]]
    for frame in around:
        hand = next(h for h in frame.hands if h.side == leaving)
        inside = (hand.landmarks >= 0).all(axis=1) & (hand.landmarks < SIZE).all(axis=1)
        assert not inside.all() and not hand.visible
    # never teleports: while it goes and comes back (before the tie, here 6 frames of it) the hand's centre
    # (the truth's, where present) moves less than a palm per frame
    centres = [next((h.centre for h in f.hands if h.side == leaving), None) for f in frames]
    present = [(i, c) for i, c in enumerate(centres) if c is not None]
    for (i, a), (j, b) in zip(present, present[1:]):
        if j == i + 1 and j < trip.length:
            assert math.dist(a, b) < 0.2 * SIZE[1], (i, a, b)
    # out and back by the same border, the one drawn (bottom, or the hand's own side)
    assert trip.border in ("bottom", ("left", "right")[trip.hand])
    assert _border(centres[absent[0] - 1]) == _border(centres[absent[-1] + 1]) == trip.border
    # the arm goes with it: as the hand crosses the border its arm still runs down to the body below the
    # frame (wrist below the knuckles), the hand leading
    for frame in around:
        hand = next(h for h in frame.hands if h.side == leaving)
        arm = hand.landmarks[0] - hand.landmarks[9]
        assert arm[1] > 0, (trip.border, arm)


def test_the_arm_of_a_hand_out_by_the_side_is_seen_running_to_the_bottom(cutouts) -> None:
    # a hand out by the side border still has its arm: the sleeve crosses the frame's bottom corner
    trips = {s: excursion_of(s, "indigo", size=SIZE, cutouts=cutouts, leaving=True) for s in range(41, 60)}
    seed, trip = next((s, t) for s, t in trips.items() if t is not None and t.border != "bottom")
    frames = crossing_video(seed, n_frames=2, glove="indigo", size=SIZE, cutouts=cutouts, leaving=True)
    out = frames[trip.out_frames[len(trip.out_frames) // 2]]
    start = frames[0]
    width, height = SIZE
    corner = slice(0, width // 3) if trip.border == "left" else slice(width - width // 3, width)
    changed = np.abs(out.image[height - 20 :, corner].astype(int) - start.image[height - 20 :, corner]).max(2)
    assert np.mean(changed > 30) > 0.05  # the arm, moved over to the side, covers part of the corner


def test_videos_the_leave_is_not_drawn_for_are_as_they_were(cutouts) -> None:
    # the choice has its own stream: a video it does not choose is the crossing video as before
    trips = {s: excursion_of(s, "purple", size=SIZE, cutouts=cutouts) for s in range(1, 12)}
    seeds = [s for s, trip in trips.items() if trip is None][:2]
    for seed in seeds:
        drawn = crossing_video(seed, n_frames=4, glove="purple", size=SIZE, cutouts=cutouts)
        never = crossing_video(seed, n_frames=4, glove="purple", size=SIZE, cutouts=cutouts, leaving=False)
        assert len(drawn) == 4 and all(f.condition == CONDITION for f in drawn)
        assert all(np.array_equal(a.image, b.image) for a, b in zip(drawn, never))
    chosen = next(s for s, trip in trips.items() if trip is not None)
    frames = crossing_video(chosen, n_frames=4, glove="purple", size=SIZE, cutouts=cutouts)
    assert frames[0].condition == LEAVING_CONDITION and len(frames) > 4 + 25
