"""Glove blob shapes: two touching or crossed gloves that form one blob are split into two hands, one
glove is not; a glove leaving the frame by a side border is a hand, a straight strip along it is not."""

from __future__ import annotations

import cv2
import numpy as np

from skillsight.capture.frames import Frame
from skillsight.pose.trackers.gloves import GloveTracker
from skillsight.pose.trackers.gloves.arm_pairs import arms_from_sleeves
from skillsight.pose.trackers.gloves.border_arms import sleeve_line
from skillsight.pose.trackers.gloves.hands import (
    HandBlob,
    border_contacts,
    describe_hand,
    shape_score,
    split_pair,
    two_hands_in_one,
)
from skillsight.pose.trackers.gloves.sleeves import runs_into

SIZE = (384, 216)  # working size: width, height


def glove(mask: np.ndarray, wrist: tuple[int, int], angle_deg: float, thumb: int, cuff: float = 1.0) -> None:
    """A glove seen from above drawn into `mask`: palm, four fingers and a thumb (on the `thumb` side,
    +1 or -1) pointing along `angle_deg` from the wrist (image coordinates, -90 is up), and a cuff of
    `cuff` palm lengths behind the wrist."""
    direction = np.array([np.cos(np.radians(angle_deg)), np.sin(np.radians(angle_deg))])
    normal = np.array([-direction[1], direction[0]]) * thumb
    base = np.asarray(wrist, np.float64)

    def bar(start: np.ndarray, end: np.ndarray, width: float) -> None:
        cv2.line(mask, tuple(int(v) for v in start), tuple(int(v) for v in end), (1,), int(width))

    palm = 40.0
    bar(base - direction * cuff * palm, base, 32)  # the cuff
    bar(base + direction * 6, base + direction * (palm - 6), 40)  # the palm
    for k in range(4):
        root = base + direction * (palm - 4) + normal * (k - 1.5) * 10
        bar(root, root + direction * (24 + 5 * (k in (1, 2))), 8)
    root = base + direction * 0.4 * palm + normal * 16
    bar(root, root + (direction + 1.2 * normal) * 14, 10)  # the thumb


def test_one_glove_with_its_cuff_is_one_hand() -> None:
    for angle in (-90.0, -60.0, -120.0):
        mask = np.zeros(SIZE[::-1], np.uint8)
        glove(mask, (190, 170), angle, 1)
        assert not two_hands_in_one(mask), angle


def test_two_touching_gloves_are_two_hands_one_each_side() -> None:
    mask = np.zeros(SIZE[::-1], np.uint8)
    glove(mask, (150, 180), -70.0, 1)  # the left hand (thumb on its right), leaning right
    glove(mask, (236, 180), -110.0, -1)  # the right hand, leaning left: the palms touch
    assert cv2.connectedComponents(mask)[0] == 2  # one blob (and the background)
    assert two_hands_in_one(mask)
    parts = split_pair(mask, "bottom")
    assert len(parts) == 2
    centres = sorted(float(np.nonzero(p)[1].mean()) for p in parts)
    assert centres[0] < 193 < centres[1]


def test_a_video_splits_a_blob_where_both_tracked_hands_met() -> None:
    """Two blue gloves (sleeves of the drape's colour, so they float) come together until they touch:
    the frames where they form one blob still report both hands, each on its own side."""
    frames = []
    for i in range(20):
        image = np.full((SIZE[1] * 4, SIZE[0] * 4, 3), (150, 150, 140), np.uint8)
        mask = np.zeros(SIZE[::-1], np.uint8)
        shift = min(i, 12) * 2.5
        glove(mask, (int(120 + shift), 160), -75.0, 1)
        glove(mask, (int(266 - shift), 160), -105.0, -1)
        big = cv2.resize(mask, (SIZE[0] * 4, SIZE[1] * 4), interpolation=cv2.INTER_NEAREST) > 0
        image[big] = (40, 70, 190)
        frames.append(Frame(i, i / 25.0, image))
    tracker = GloveTracker(camera_view="top")
    tracker.prepare(frames[::4])
    merged_frames = both = 0
    for i, frame in enumerate(frames):
        observation = tracker.process(frame)
        x = observation.positions[:, 0, 0]
        if i >= 12:
            merged_frames += 1
            both += int(not np.isnan(x).any() and x[0] < x[1])
    assert merged_frames == 8 and both == 8


def border_shape_score(mask: np.ndarray) -> float:
    contacts = border_contacts(mask, ("bottom", "left", "right"))
    return shape_score(mask, float(np.count_nonzero(mask)), float(mask.size), contacts)


def test_a_glove_leaving_by_a_side_border_is_a_hand_a_straight_strip_is_not() -> None:
    # a hand half out of the frame with its glove-coloured arm along the border: a strip, but not a
    # straight one (fingers, palm, thumb); a table edge along the border keeps to a straight line
    for x in (368, 372, 376):  # tracker 2.4 rejected all three as table edges
        for angle in (-100.0, -90.0):
            mask = np.zeros(SIZE[::-1], np.uint8)
            glove(mask, (x, 120), angle, 1, cuff=2.0)
            assert border_shape_score(mask) > 0, (x, angle)
    strip = np.zeros(SIZE[::-1], np.uint8)
    cv2.fillPoly(strip, [np.array([[358, 20], [383, 20], [383, 215], [350, 215]], np.int32)], (1,))
    assert border_shape_score(strip) == 0


def test_a_square_sleeve_entering_the_frame_has_a_line_a_strip_along_the_border_has_none() -> None:
    # a sleeve of another colour than the gloves, cut square (a rectangle, no hand at its end), still
    # says where its arm enters and which way it runs: the glove beyond it lies on that line
    sleeve = np.zeros(SIZE[::-1], np.uint8)
    cv2.fillPoly(sleeve, [np.array([[60, 215], [100, 215], [170, 120], [140, 100]], np.int32)], (1,))
    lines = sleeve_line(sleeve, border_contacts(sleeve, ("bottom", "left", "right")), "bottom")
    assert len(lines) == 1 and lines[0].entry is not None
    assert lines[0].entry[1] == 215 and 60 <= lines[0].entry[0] <= 100
    assert -70 < lines[0].angle_deg < -40  # up and to the right, towards the glove
    hem = np.zeros(SIZE[::-1], np.uint8)
    cv2.rectangle(hem, (40, 200), (300, 215), (1,), -1)  # a drape's hem along the bottom border
    assert sleeve_line(hem, border_contacts(hem, ("bottom", "left", "right")), "bottom") == []


def test_a_small_white_patch_at_the_fingers_does_not_make_a_glove_a_sleeve() -> None:
    # a lit patch of the pad or an instrument's white lines at a coloured glove's fingertips is smaller
    # than the glove: the glove stays a hand; a white glove's size there (its arm goes on in white latex)
    # makes it a sleeve, as before
    own = np.zeros(SIZE[::-1], np.uint8)
    glove(own, (190, 215), -90.0, 1, cuff=1.0)
    contacts = border_contacts(own, ("bottom", "left", "right"))
    hand = describe_hand(own, contacts[0], "bottom")
    assert hand is not None
    tip = (int(hand.tip[0]), int(hand.tip[1]) - 4)
    for share, sleeve in ((0.7, False), (1.6, True)):
        white = np.zeros(SIZE[::-1], np.float32)
        radius = int(np.sqrt(share * hand.area / np.pi))
        cv2.circle(white, (tip[0], tip[1] - radius), radius, (1.0,), -1)
        white[white > 0] = float(np.count_nonzero(white))
        found_white = describe_hand((white > 0).astype(np.uint8), np.empty((0, 2)), "bottom")
        assert found_white is not None
        found_by = {"colored": [(hand, 1.0)], "white": [(found_white, 0.6)]}
        assert runs_into(hand, {"white": white}, found_by, own.astype(np.float32)) is sleeve, share


def pivoting_frames(n: int = 40) -> tuple[list[Frame], list[tuple[float, float]]]:
    """Tying seen from above: two floating gloves (sleeves not of their colour) whose forearms pivot at
    elbows below the frame, each on its own side, meet, cross at the wrists (the left hand right of the
    right one), hold there and go back. Also each frame's true (left, right) palm x."""
    frames, truth = [], []
    elbows = ((70.0, 330.0), (314.0, 330.0))
    for i in range(n):
        t = i / (n - 1)
        half = 60.0 - 85.0 * min(1.0, 2.5 * t) if t < 0.6 else -25.0 + 85.0 * min(1.0, (t - 0.6) / 0.3)
        mask = np.zeros(SIZE[::-1], np.uint8)
        palms = []
        for sign, elbow, thumb in ((-1.0, elbows[0], 1), (1.0, elbows[1], -1)):
            wrist = np.array([192.0 + sign * half, 130.0])
            away = wrist - np.array(elbow)
            angle = float(np.degrees(np.arctan2(away[1], away[0])))
            glove(mask, (int(wrist[0]), int(wrist[1])), angle, thumb, cuff=1.0)
            palms.append(float(wrist[0] + 22.0 * away[0] / np.linalg.norm(away)))
        image = np.full((SIZE[1] * 2, SIZE[0] * 2, 3), (150, 150, 140), np.uint8)
        big = cv2.resize(mask, (SIZE[0] * 2, SIZE[1] * 2), interpolation=cv2.INTER_NEAREST) > 0
        image[big] = (40, 70, 190)  # blue nitrile on a grey bench
        frames.append(Frame(i, i / 25.0, image))
        truth.append((palms[0], palms[1]))
    return frames, truth


def test_hands_that_cross_hold_and_come_back_keep_their_names_by_their_arms() -> None:
    # tracker 2.6 let both tracks coast on through the crossing at full speed: they left the merged blob
    # during the hold, and the hands coming back were named by where the tracks had gone (swapped)
    frames, truth = pivoting_frames()
    tracker = GloveTracker(camera_view="top")
    tracker.prepare(frames[::5])
    right_side = 0
    for frame, true_x in zip(frames, truth):
        x = tracker.process(frame).positions[:, 0, 0] / 2
        right_side += sum(abs(r - e) <= 0.15 * SIZE[0] for r, e in zip(x, true_x) if not np.isnan(r))
    assert right_side >= 0.9 * 2 * len(frames), right_side
    final = tracker.process(frames[-1]).positions[:, 0, 0] / 2
    assert final[0] < final[1]  # back on their own sides


def floating(centre: tuple[float, float]) -> HandBlob:
    return HandBlob(centre, centre, None, -90.0, 900.0, 900.0, 1.0)


def test_a_sleeve_gives_its_entry_to_the_glove_on_its_line_not_the_one_nearest_its_end() -> None:
    # crossed at the wrists, one sleeve seen: it enters bottom left and points up-right; its own glove lies
    # on its line beyond the other glove, which lies nearer its end but well off the line
    sleeve = HandBlob((110.0, 180.0), (130.0, 160.0), (90.0, 215.0), -45.0, 900.0, 3000.0, 1.0)
    on_line, beside = floating((168.0, 122.0)), floating((160.0, 175.0))
    named = arms_from_sleeves([(beside, 0.9), (on_line, 0.8)], [sleeve])
    assert [blob.entry for blob, _ in named] == [None, (90.0, 215.0)]
    assert [score for _, score in named] == [0.9, 0.8]
    # neither clearly on the line (10 and 6 px off it): as before, a glove within reach of its end takes it
    near, far = floating((133.5, 142.3)), floating((162.5, 135.9))
    named = arms_from_sleeves([(near, 0.9), (far, 0.8)], [sleeve])
    assert [blob.entry for blob, _ in named] == [(90.0, 215.0), None]
