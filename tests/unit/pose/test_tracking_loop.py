"""The tracking loop and `skillsight track`, with fake trackers (no MediaPipe, fast)."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from typing import Any, Optional

import numpy as np
import pytest
from typer.testing import CliRunner

from skillsight.capture.frames import DecodeInterrupted, Frame, VideoInfo
from skillsight.cli import app
from skillsight.pose.motion import Motion, load_motion
from skillsight.pose.track import sample_frames, summarize_tracking, track_source, tracker_names
from skillsight.pose.trackers.base import FrameObservation, register_tracker


class FakeSource:
    """A re-iterable frame source whose frame k is a 16x24 image of brightness k % 256."""

    def __init__(self, n_frames: int = 30, fps: float = 10.0, break_at: Optional[int] = None) -> None:
        self.info = VideoInfo("fake.mp4", 24, 16, fps, n_frames, n_frames / fps, "fake")
        self.error: Optional[DecodeInterrupted] = None
        self.n_frames = n_frames
        self.break_at = break_at
        self.passes = 0
        self.closed = False

    def __iter__(self):
        self.passes += 1
        self.error = None
        for k in range(self.n_frames):
            if k == self.break_at:
                self.error = DecodeInterrupted("fake.mp4", k, k / self.info.fps, "corrupt packet")
                return
            yield Frame(k, k / self.info.fps, np.full((16, 24, 3), k % 256, dtype=np.uint8))

    def close(self) -> None:
        self.closed = True


class BrightnessTracker:
    """Reports one "centroid" for "right_hand" at x = frame brightness, y = 2 * brightness.

    Frames whose index is divisible by 5 are "missed", so tracking quality has gaps to report.
    """

    name = "bright"
    individuals: tuple[str, ...] = ("right_hand",)
    keypoints: tuple[str, ...] = ("centroid", "tip")
    needs_sample = True

    def __init__(self, camera_view: str = "top", barrier: Optional[threading.Barrier] = None) -> None:
        self.camera_view = camera_view
        self.barrier = barrier
        self.sample: list[Frame] = []
        self.seen: list[int] = []
        self.threads: set = set()
        self.closed = False
        CREATED.append(self)

    def prepare(self, sample: Sequence[Frame]) -> None:
        self.sample = list(sample)

    def process(self, frame: Frame) -> FrameObservation:
        if self.barrier is not None:
            self.barrier.wait(timeout=10)  # only passes when the other tracker is processing too
        self.seen.append(frame.index)
        self.threads.add(threading.get_ident())
        value = float(frame.image[0, 0, 0])
        positions = np.full((1, 2, 3), np.nan)
        confidence = np.zeros((1, 2))
        if frame.index % 5:
            positions[0, 0] = (value, 2 * value, 0.0)
            confidence[0, 0] = 0.5
        return FrameObservation(positions, confidence, extras={"right_hand.area_px": value, "label": "x"})

    def provenance(self) -> dict[str, Any]:
        return {"name": self.name, "camera_view": self.camera_view}

    def close(self) -> None:
        self.closed = True


class BodyTracker(BrightnessTracker):
    name = "body_fake"
    individuals = ("body",)
    keypoints = ("nose",)
    needs_sample = False

    def process(self, frame: Frame) -> FrameObservation:
        obs = super().process(frame)
        return FrameObservation(obs.positions[:, :1], np.full((1, 1), 0.9), np.ones((1, 1, 3)))


class ColouredTracker(BrightnessTracker):
    """Takes the `glove_color` option (as the auto tracker does) and records it."""

    name = "coloured"

    def __init__(self, camera_view: str = "top", glove_color: str = "auto") -> None:
        super().__init__(camera_view)
        self.glove_color = glove_color

    def provenance(self) -> dict[str, Any]:
        return {**super().provenance(), "glove_color": self.glove_color}


CREATED: list[BrightnessTracker] = []
BARRIER = threading.Barrier(2)


def paired_bright(camera_view: str = "top") -> BrightnessTracker:
    return BrightnessTracker(camera_view, barrier=BARRIER)


def paired_body(camera_view: str = "top") -> BodyTracker:
    return BodyTracker(camera_view, barrier=BARRIER)


register_tracker("fake_bright", f"{__name__}:BrightnessTracker")
register_tracker("fake_body", f"{__name__}:BodyTracker")
register_tracker("fake_paired_bright", f"{__name__}:paired_bright")
register_tracker("fake_paired_body", f"{__name__}:paired_body")
register_tracker("fake_coloured", f"{__name__}:ColouredTracker")


@pytest.fixture(autouse=True)
def fresh_trackers():
    CREATED.clear()
    BARRIER.reset()
    yield


def test_tracker_names_split_on_plus():
    assert tracker_names("hands+pose") == ["hands", "pose"]
    assert tracker_names("auto") == ["auto"]
    with pytest.raises(ValueError):
        tracker_names("hands+hands")
    with pytest.raises(ValueError):
        tracker_names("+")


def test_one_tracker_gives_a_motion_with_known_positions_and_provenance():
    source = FakeSource(30, fps=10.0)
    calls: list[tuple] = []
    motion = track_source(
        source, tracker="fake_bright", camera_view="front", progress=lambda d, t: calls.append((d, t))
    )
    assert motion.n_frames == 30 and motion.individuals == ("right_hand",)
    x = motion.track("right_hand", "centroid")[:, 0]
    expected = np.where(np.arange(30) % 5 == 0, np.nan, np.arange(30.0))
    np.testing.assert_array_equal(x, expected)
    np.testing.assert_allclose(motion.track("right_hand", "centroid")[:, 1], 2 * expected)
    np.testing.assert_allclose(motion.timestamps, np.arange(30) / 10.0)
    np.testing.assert_array_equal(motion.frame_indices, np.arange(30))
    np.testing.assert_array_equal(motion.signals["right_hand.area_px"], np.arange(30.0))
    assert "label" not in motion.signals  # only numbers become signals
    meta = motion.metadata
    assert (meta["width"], meta["height"], meta["fps"], meta["frame_count"]) == (24, 16, 10.0, 30)
    assert (meta["kind"], meta["units"], meta["camera_view"]) == ("video_2d", "px", "front")
    assert meta["trackers"] == [{"name": "bright", "camera_view": "front"}]
    assert meta["decode_error"] is None
    assert meta["tracking_summary"]["right_hand"]["tracked_share"] == pytest.approx(24 / 30)
    assert calls[-1] == (30, 30) and len(calls) == 30
    assert CREATED[0].closed and not source.closed  # a source passed in stays the caller's to close


def test_tracker_options_go_to_the_trackers_that_take_them():
    motion = track_source(
        FakeSource(10), tracker="fake_coloured+fake_body", tracker_options={"glove_color": "blue"}
    )
    coloured, body = motion.metadata["trackers"]
    assert coloured == {"name": "coloured", "camera_view": "top", "glove_color": "blue"}
    assert "glove_color" not in body  # a tracker without the option is built as before
    plain = track_source(FakeSource(10), tracker="fake_coloured")
    assert plain.metadata["trackers"][0]["glove_color"] == "auto"


def test_trackers_that_want_a_sample_see_frames_spread_over_the_video():
    source = FakeSource(100)
    track_source(source, tracker="fake_bright+fake_body")
    bright, body = CREATED
    indices = [f.index for f in bright.sample]
    assert len(indices) == 20 and indices[0] == 0 and indices[-1] == 99
    assert np.all(np.diff(indices) >= 4)
    assert body.sample == bright.sample  # everyone is prepared with the same sample
    assert bright.seen == list(range(100)) and body.seen == list(range(100))
    assert source.passes == 2  # one pass for the sample, one for tracking


def test_no_sample_pass_when_no_tracker_needs_one():
    source = FakeSource(40)
    track_source(source, tracker="fake_body")
    assert CREATED[0].sample == [] and source.passes == 1


def test_sample_frames_on_a_short_source_takes_every_frame():
    assert [f.index for f in sample_frames(FakeSource(7), 20)] == list(range(7))


def test_several_trackers_run_concurrently_in_their_own_threads_and_join_into_one_motion():
    # Each process() waits on a two-party barrier: tracking only finishes if both run at the same time.
    motion = track_source(FakeSource(25), tracker="fake_paired_bright+fake_paired_body")
    bright, body = CREATED
    assert motion.individuals == ("right_hand", "body")
    assert set(motion.keypoints) == {"centroid", "tip", "nose"}
    assert bright.threads.isdisjoint(body.threads) and threading.get_ident() not in bright.threads
    np.testing.assert_allclose(motion.track("body", "nose")[1:5, 0], [1, 2, 3, 4])
    assert motion.world_positions is not None and np.isnan(motion.world_positions[:, 0]).all()
    assert [t["name"] for t in motion.metadata["trackers"]] == ["bright", "body_fake"]


def test_a_source_that_breaks_keeps_what_decoded_and_says_where():
    motion = track_source(FakeSource(30, break_at=17), tracker="fake_body")
    assert motion.n_frames == 17
    error = motion.metadata["decode_error"]
    assert error["frame_index"] == 17 and "corrupt packet" in error["message"]


def test_max_frames_and_growth_past_one_chunk():
    motion = track_source(FakeSource(3000, fps=30.0), tracker="fake_body", max_frames=2500)
    assert motion.n_frames == 2500
    index = np.arange(2500)
    expected = np.where(index % 5 == 0, np.nan, index % 256)
    np.testing.assert_allclose(motion.track("body", "nose")[:, 0], expected)


def test_summarize_tracking_known_answer():
    n = 20
    positions = np.zeros((n, 2, 1, 2))
    positions[5:12, 0] = np.nan  # 7 frames lost: 0.7 s at 10 fps
    positions[:, 1] = np.nan  # never seen
    confidence = np.where(np.isnan(positions[..., 0]), 0.0, 0.6)
    confidence[0, 0] = 1.0
    motion = Motion(
        positions, confidence, np.arange(n) / 10.0, ("left_hand", "right_hand"), ("wrist",), ("x", "y")
    )
    summary = summarize_tracking(motion)
    assert summary["left_hand"]["tracked_share"] == pytest.approx(13 / 20)
    assert summary["left_hand"]["mean_confidence"] == pytest.approx(
        (1.0 + 12 * 0.6) / 13, abs=1e-4
    )  # 4 digits
    assert summary["left_hand"]["longest_gap_s"] == pytest.approx(0.7)
    assert summary["right_hand"]["tracked_share"] == 0.0
    assert summary["right_hand"]["longest_gap_s"] == pytest.approx(2.0)


@pytest.fixture
def small_video(tmp_path):
    from video_factory import write_test_video

    folder = tmp_path / "videos"
    folder.mkdir()
    return write_test_video(folder / "practice.mp4", frames=12, fps=10.0)


def test_file_source_records_its_sha256_and_path(small_video):
    motion = track_source(small_video, tracker="fake_body")
    assert motion.n_frames == 12
    assert motion.metadata["source_sha256"] == hashlib.sha256(small_video.read_bytes()).hexdigest()
    assert motion.metadata["source"] == str(small_video.resolve())


def test_overlay_video_has_every_tracked_frame(small_video, tmp_path):
    import av

    out = tmp_path / "overlay.mp4"
    track_source(small_video, tracker="fake_bright", overlay_path=out)
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert sum(1 for _ in container.decode(stream)) == 12


def test_cli_writes_the_motion_to_the_current_folder_never_beside_the_source(
    small_video, tmp_path, monkeypatch
):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    result = CliRunner().invoke(
        app, ["track", str(small_video), "--tracker", "fake_bright", "--csv", "m.csv"]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in small_video.parent.iterdir()) == ["practice.mp4"]
    motion = load_motion(work / "practice.motion.npz")
    assert motion.n_frames == 12 and motion.metadata["tracker"] == "fake_bright"
    # in the app's words: "right hand: found in 100% of frames", not the key "right_hand  found in 100.0%"
    assert "Tracking quality" in result.output and "  right hand: found in " in result.output
    lines = (work / "m.csv").read_text().splitlines()
    assert lines[0] == "frame,time_s,individual,keypoint,x_px,y_px,z,confidence"
    assert len(lines) == 1 + 12 * 2


def test_cli_out_and_smoothed_csv(small_video, tmp_path):
    out, table = tmp_path / "a" / "run.motion.npz", tmp_path / "run.csv"
    result = CliRunner().invoke(
        app,
        [
            "track",
            str(small_video),
            "--tracker",
            "fake_bright",
            "--out",
            str(out),
            "--csv",
            str(table),
            "--smooth",
        ],
    )
    assert result.exit_code == 0, result.output
    assert out.exists()
    header = table.read_text().splitlines()[0]
    assert header.endswith(",filled")
    # The saved motion keeps the positions as tracked; only the CSV is cleaned.
    assert load_motion(out).filled is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["track", "no/such/video.mp4", "--tracker", "fake_bright"], "no/such/video.mp4"),
        (["track", "{video}", "--tracker", "no_such_tracker"], "no_such_tracker"),
        (["track", "{text}", "--tracker", "fake_bright"], "notes.mp4"),
    ],
)
def test_cli_errors_exit_1_with_a_message_and_no_traceback(small_video, tmp_path, args, message):
    text = tmp_path / "notes.mp4"
    text.write_text("not a video at all\n" * 50)
    args = [a.replace("{video}", str(small_video)).replace("{text}", str(text)) for a in args]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, (ValueError, OSError))


def test_cli_rejects_an_unknown_camera_view(small_video):
    result = CliRunner().invoke(app, ["track", str(small_video), "--camera-view", "ceiling"])
    assert result.exit_code == 2


def test_cli_tracks_a_folder_of_images_at_the_given_fps(tmp_path, monkeypatch):
    import cv2

    folder = tmp_path / "stills"
    folder.mkdir()
    for k in range(3):
        cv2.imwrite(str(folder / f"frame{k}.png"), np.full((16, 24, 3), 10 * (k + 1), dtype=np.uint8))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["track", str(folder), "--tracker", "fake_bright", "--fps", "2"])
    assert result.exit_code == 0, result.output
    motion = load_motion(tmp_path / "stills.motion.npz")
    np.testing.assert_allclose(motion.timestamps, [0.0, 0.5, 1.0])
    np.testing.assert_allclose(motion.signals["right_hand.area_px"], [10, 20, 30])
    assert len(motion.metadata["source_sha256"]) == 64
    assert "Tracked 3 images with fake_bright" in result.output  # was "Tracked 3 frames (1.5 s)"


def test_track_help_does_not_import_heavy_backends():
    import subprocess
    import sys

    code = (
        "import sys; from skillsight.cli import main\n"
        "try:\n    main(['track', '--help'])\nexcept SystemExit:\n    pass\n"
        "print('HEAVY=' + ','.join(m for m in ('mediapipe', 'cv2', 'av', 'tqdm') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "--camera-view" in out
    assert out.strip().splitlines()[-1] == "HEAVY="


class LinkedHandsTracker(BrightnessTracker):
    """Takes each frame's body from a pose tracker through the real BodyFeed (as the hands tracker does
    in "hands+pose") and counts the frames whose body was there."""

    name = "linked_hands"

    def __init__(self, camera_view: str = "top") -> None:
        super().__init__(camera_view)
        self.feed: Any = None
        self.bodies_seen = 0

    def can_follow_body(self) -> bool:
        return True

    def attach_body(self, feed: Any) -> None:
        feed.timeout_s = 0.2  # a frame's body not yet tracked would cost this wait, then come empty
        self.feed = feed

    def process(self, frame: Frame) -> FrameObservation:
        self.bodies_seen += bool(self.feed.take(frame.index))
        return super().process(frame)


class PublishingBodyTracker(BodyTracker):
    name = "publishing_body"

    def can_publish_hands(self) -> bool:
        return True

    def publish_hands_to(self, feed: Any) -> None:
        self.feed = feed

    def process(self, frame: Frame) -> FrameObservation:
        self.feed.publish(frame.index, {"right_hand": frame.index})
        return super().process(frame)


register_tracker("fake_linked_hands", f"{__name__}:LinkedHandsTracker")
register_tracker("fake_publishing_body", f"{__name__}:PublishingBodyTracker")


@pytest.mark.parametrize("threads", [1, None])
def test_hands_following_the_body_get_each_frames_body_on_one_thread_too(threads):
    """One thread (a batch worker's default) runs the pose tracker before the hands tracker waiting for
    its body, whatever order the tracker names give; the motion keeps that order."""
    motion = track_source(FakeSource(8), tracker="fake_linked_hands+fake_publishing_body", threads=threads)
    hands = next(t for t in CREATED if isinstance(t, LinkedHandsTracker))
    assert hands.bodies_seen == 8
    assert motion.individuals == ("right_hand", "body")
