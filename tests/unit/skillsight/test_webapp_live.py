"""The live preview's frame handler: quality rules, per-session trackers, and real hand frames."""

from __future__ import annotations

import numpy as np
import pytest

from skillsight.webapp import live


def test_quality_levels():
    assert live.judge_quality(2, 2, True, 120).level == "good"
    assert live.judge_quality(1, 2, True, 120).level == "fair"
    assert live.judge_quality(2, 2, False, 120).level == "fair"
    assert live.judge_quality(0, 2, False, 120).level == "poor"
    assert live.judge_quality(2, 2, True, 20).level == "poor"
    assert "too dark" in live.judge_quality(2, 2, True, 20).text()
    assert "too bright" in live.judge_quality(2, 2, True, 250).text()
    assert "1 of 2 hands found" in live.judge_quality(1, 2, True, 120).text()


def test_hands_in_frame_uses_the_margin():
    centre = np.full((21, 2), 0.5)
    edge = centre.copy()
    edge[0] = (0.005, 0.5)
    assert live.hands_in_frame([centre])
    assert not live.hands_in_frame([centre, edge])
    assert not live.hands_in_frame([])


class FakeTracker:
    instances: list = []

    def __init__(self, **options):
        self.closed = False
        FakeTracker.instances.append(self)

    def process(self, image, hands_expected=None):
        return image, live.judge_quality(1, hands_expected or 2, True, float(image.mean()))

    def close(self):
        self.closed = True


def test_sessions_keep_one_tracker_each_and_close_the_oldest(monkeypatch):
    FakeTracker.instances = []
    monkeypatch.setattr(live, "LiveHandTracker", FakeTracker)
    sessions = live.LiveSessions(capacity=2)
    frame = np.full((48, 64, 3), 128, dtype=np.uint8)
    sessions.handle("a", frame)
    sessions.handle("a", frame)
    assert len(FakeTracker.instances) == 1
    sessions.handle("b", frame)
    sessions.handle("c", frame)
    assert len(sessions) == 2 and FakeTracker.instances[0].closed
    assert sessions.handle("b", None) == (None, "Waiting for the webcam…")
    sessions.close()
    assert all(t.closed for t in FakeTracker.instances)


def _clip_frames(path, count):
    import av

    frames = []
    with av.open(str(path)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i % 10 == 0:
                frames.append(frame.to_ndarray(format="rgb24"))
            if len(frames) == count:
                break
    return frames


def test_real_hand_is_found_and_drawn(hand_clip):
    sessions = live.LiveSessions()
    try:
        found = 0
        for image in _clip_frames(hand_clip, 8):
            annotated, text = sessions.handle("s", image, hands_expected=1)
            assert annotated is not None and max(annotated.shape[:2]) == live.OUTPUT_MAX_SIDE
            found += text.startswith(("GOOD", "FAIR"))
        assert found >= 7
        # Drawing changed the frame: the badge and the skeleton.
        resized = live._resize_to(image, live.OUTPUT_MAX_SIDE)
        assert np.abs(annotated.astype(int) - resized.astype(int)).sum() > 10_000
    finally:
        sessions.close()


def test_dark_frame_is_poor():
    tracker = live.LiveHandTracker()
    try:
        _, quality = tracker.process(np.zeros((480, 640, 3), dtype=np.uint8))
    finally:
        tracker.close()
    assert quality.level == "poor" and quality.hands_found == 0


@pytest.mark.parametrize("shape", [(480, 640), (480, 640, 4)])
def test_grey_and_rgba_frames_are_accepted(shape):
    tracker = live.LiveHandTracker()
    try:
        out, _ = tracker.process(np.full(shape, 100, dtype=np.uint8))
    finally:
        tracker.close()
    assert out.shape == (480, 640, 3)
