"""Frame sources: video containers, variable frame rate, rotation, image folders, webcams, and every error."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from video_factory import (
    MARKER_SIZE,
    brightness_to_index,
    corrupt_file,
    marker_centre,
    synthetic_frame,
    textured_frame,
    truncate_file,
    write_test_video,
    write_zero_frame_video,
)

from skillsight.capture import (
    CaptureError,
    EmptyVideoError,
    FrameSource,
    ImageFolderSource,
    NotAVideoError,
    SourceNotFoundError,
    UnsupportedCodecError,
    VideoFileSource,
    open_source,
    prefetch_frames,
)
from skillsight.capture.sources import natural_sort_key

CONTAINERS = [
    ("clip.mp4", "libx264", "h264"),
    ("clip.mp4", "mpeg4", "mpeg4"),
    ("clip.avi", "mpeg4", "mpeg4"),
    ("clip.avi", "mjpeg", "mjpeg"),
    ("clip.mkv", "libx264", "h264"),
    ("clip.webm", "libvpx-vp9", "vp9"),
    ("clip.mov", "mpeg4", "mpeg4"),
]


@pytest.mark.parametrize(("name", "encoder", "codec"), CONTAINERS)
def test_each_container_yields_every_frame_in_order_with_its_time(tmp_path, name, encoder, codec):
    path = write_test_video(tmp_path / name, 25, fps=10, codec=encoder, size=(64, 48))
    with open_source(path) as source:
        assert isinstance(source, FrameSource)
        frames = list(source)
        assert source.error is None
        info = source.info
    assert (info.width, info.height, info.codec) == (64, 48, codec)
    assert info.fps == pytest.approx(10)
    assert info.frame_count == 25
    assert info.duration_s == pytest.approx(2.5, abs=0.11)
    assert [f.index for f in frames] == list(range(25))
    assert [f.time_s for f in frames] == pytest.approx([i / 10 for i in range(25)], abs=1e-6)
    assert [brightness_to_index(f.image) for f in frames] == [i % 20 for i in range(25)]
    first = frames[0].image
    assert first.dtype == np.uint8 and first.shape == (48, 64, 3)
    # The red marker proves the channels are RGB, not OpenCV's BGR.
    assert first[2, 2, 0] > 180 and first[2, 2, 2] < 90


def test_a_source_can_be_iterated_again(tmp_path):
    source = open_source(write_test_video(tmp_path / "clip.mp4", 6))
    first_pass = [f.time_s for f in source]
    second_pass = [f.time_s for f in source]
    assert first_pass == second_pass and len(first_pass) == 6


@pytest.mark.parametrize("name", ["vfr.mp4", "vfr.mkv"])
def test_variable_frame_rate_timestamps_come_from_the_container(tmp_path, name):
    times = [0.0, 0.1, 0.15, 0.4, 0.41, 1.0, 1.9]
    path = write_test_video(tmp_path / name, len(times), vfr_times=times)
    frames = list(open_source(path))
    assert [f.time_s for f in frames] == pytest.approx(times, abs=1e-6)


def test_timestamps_start_at_zero_when_the_stream_does_not(tmp_path):
    path = write_test_video(tmp_path / "late.mkv", 4, vfr_times=[5.0, 5.5, 6.0, 6.25])
    assert [f.time_s for f in open_source(path)] == pytest.approx([0.0, 0.5, 1.0, 1.25], abs=1e-6)


# Display rotation is counter-clockwise: the stored top-left marker must end where a player shows it.
@pytest.mark.parametrize(
    ("rotation", "expected_corner"),
    [(0, "top_left"), (90, "bottom_left"), (180, "bottom_right"), (-90, "top_right"), (270, "top_right")],
)
def test_rotation_metadata_is_honoured(tmp_path, rotation, expected_corner):
    path = write_test_video(tmp_path / "rot.mp4", 3, size=(64, 48), rotation=rotation)
    source = open_source(path)
    image = next(iter(source)).image
    portrait = rotation % 180 != 0
    assert image.shape == ((64, 48, 3) if portrait else (48, 64, 3))
    assert (source.info.width, source.info.height) == ((48, 64) if portrait else (64, 48))
    assert source.info.rotation_deg % 360 == rotation % 360
    height, width = image.shape[:2]
    near, row_far, col_far = (
        (MARKER_SIZE - 1) / 2,
        height - 1 - (MARKER_SIZE - 1) / 2,
        width - 1 - (MARKER_SIZE - 1) / 2,
    )
    corners = {
        "top_left": (near, near),
        "top_right": (near, col_far),
        "bottom_left": (row_far, near),
        "bottom_right": (row_far, col_far),
    }
    assert marker_centre(image) == pytest.approx(corners[expected_corner], abs=1.0)


def test_the_real_hand_clip_yields_325_portrait_rgb_frames_at_25_fps(hand_clip):
    source = open_source(hand_clip)
    count = 0
    for frame in source:
        assert frame.index == count
        assert frame.time_s == pytest.approx(count * 0.04, abs=1e-9)
        assert frame.image.shape == (1080, 620, 3) and frame.image.dtype == np.uint8
        count += 1
    assert count == 325
    assert source.error is None
    assert (source.info.width, source.info.height, source.info.frame_count) == (620, 1080, 325)
    assert source.info.fps == pytest.approx(25)


# --- errors -----------------------------------------------------------------------------------------


def test_a_missing_file_is_source_not_found_and_names_it(tmp_path):
    missing = tmp_path / "nowhere.mp4"
    with pytest.raises(SourceNotFoundError, match="nowhere.mp4"):
        open_source(missing)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("notes.txt", b"hello, this is text and not a video\n" * 40),
        ("notes.mp4", b"hello, this is text and not a video\n" * 40),
        ("noise.mp4", bytes(np.random.default_rng(1).integers(0, 256, 5000, dtype=np.uint8))),
        ("noise.bin", bytes(np.random.default_rng(2).integers(0, 256, 5000, dtype=np.uint8))),
        ("empty.mp4", b""),
    ],
)
def test_files_that_are_not_videos_are_refused(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(NotAVideoError, match=name):
        open_source(path)


def test_an_empty_file_is_called_empty(tmp_path):
    path = tmp_path / "empty.mp4"
    path.write_bytes(b"")
    with pytest.raises(NotAVideoError, match=r"empty.mp4.*empty file \(0 bytes\)"):
        open_source(path)


def test_a_text_file_named_like_a_video_is_called_text_and_ffmpeg_words_do_not_repeat_the_path(tmp_path):
    """A lab's notes saved as notes.mp4 read "not a readable video file (InvalidDataError: [Errno 1094995529]
    Invalid data found when processing input: '/the/path/notes.mp4')": the path twice and FFmpeg's code."""
    notes = tmp_path / "notes.mp4"
    notes.write_text("trainee 4 came late; camera moved at 10:32 – redo\n", encoding="utf-8")
    with pytest.raises(NotAVideoError) as said:
        open_source(notes)
    assert "a text file, not a video" in str(said.value) and str(said.value).count(str(notes)) == 1
    noise = tmp_path / "noise.mp4"
    noise.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(NotAVideoError) as said:
        open_source(noise)
    text = str(said.value)
    assert "not a readable video file" in text and text.count(str(noise)) == 1 and "Errno" not in text


@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_a_still_image_named_like_a_video_is_not_a_video(tmp_path, suffix):
    import cv2

    image_path = tmp_path / f"still{suffix}"
    cv2.imwrite(str(image_path), synthetic_frame(0))
    disguised = tmp_path / "still.mp4"
    shutil.copy(image_path, disguised)
    with pytest.raises(NotAVideoError, match="still image"):
        open_source(disguised)


def test_a_video_with_no_frames_is_empty(tmp_path):
    path = write_zero_frame_video(tmp_path / "zero.mkv")
    with pytest.raises(EmptyVideoError, match="zero.mkv"):
        open_source(path)


def test_an_unknown_codec_is_unsupported(tmp_path):
    path = write_test_video(tmp_path / "clip.avi", 5, codec="mpeg4")
    # Give the stream a FourCC that no FFmpeg decoder claims.
    unknown = tmp_path / "unknown.avi"
    unknown.write_bytes(path.read_bytes().replace(b"FMP4", b"QQQQ"))
    with pytest.raises(UnsupportedCodecError, match="unknown.avi"):
        open_source(unknown)


@pytest.mark.parametrize(
    ("name", "damage"),
    [
        ("cut.webm", "truncate"),
        ("cut.mkv", "truncate"),
        ("cut.avi", "truncate"),
        ("corrupt.mkv", "corrupt"),
        ("corrupt.avi", "corrupt"),
    ],
)
def test_a_file_broken_mid_stream_keeps_what_decoded_and_says_where(tmp_path, name, damage):
    encoders = {".webm": "libvpx-vp9", ".mkv": "libx264", ".avi": "mjpeg"}
    suffix = "." + name.split(".")[-1]
    textured = [textured_frame(i, (96, 64)) for i in range(40)]
    good = write_test_video(tmp_path / f"good{suffix}", textured, fps=10, codec=encoders[suffix])
    broken = tmp_path / name
    if damage == "truncate":
        truncate_file(good, 0.5, broken)
    else:
        corrupt_file(good, 0.5, 3000, broken)
    source = open_source(broken)
    frames = list(source)  # must not raise
    assert 3 <= len(frames) < 40
    assert source.error is not None
    assert source.error.frame_index == len(frames)
    assert source.error.time_s == pytest.approx(frames[-1].time_s + 0.1, abs=0.11)
    assert name in str(source.error)
    # What did decode is the right content, in order. The frames just before the damage may be the
    # decoder's error concealment (a repeat of an earlier picture, seen under load with frame threads).
    decoded = [brightness_to_index(f.image) for f in frames]
    expected = [i % 20 for i in range(len(frames))]
    assert decoded[:-3] == expected[:-3]
    assert all(d in expected for d in decoded[-3:])


def test_an_mp4_with_its_index_at_the_front_cut_in_half_stops_cleanly(tmp_path):
    from skillsight.capture.sinks import AnnotatedVideoWriter

    good = tmp_path / "good.mp4"
    with AnnotatedVideoWriter(good, 10, (96, 64)) as writer:
        for i in range(40):
            writer.write(textured_frame(i, (96, 64)))
    broken = truncate_file(good, 0.5, tmp_path / "half.mp4")
    source = open_source(broken)
    frames = list(source)
    assert 3 <= len(frames) < 40
    assert source.error is not None and source.error.frame_index == len(frames)


def test_an_mp4_cut_before_its_index_is_not_a_readable_video(tmp_path):
    good = write_test_video(tmp_path / "good.mp4", 20)  # PyAV writes the moov index at the end
    with pytest.raises(NotAVideoError, match=r"half.mp4.*moov"):
        open_source(truncate_file(good, 0.5, tmp_path / "half.mp4"))


def test_every_capture_error_is_also_a_capture_error_with_source_and_problem(tmp_path):
    with pytest.raises(CaptureError) as caught:
        open_source(tmp_path / "missing.avi")
    assert caught.value.source.endswith("missing.avi")
    assert "not found" in caught.value.problem


# --- image folders ----------------------------------------------------------------------------------


def _write_image(path, image):
    import cv2

    channels = image.shape[2] if image.ndim == 3 else 1
    if channels == 4:
        converted = cv2.cvtColor(image, cv2.COLOR_RGBA2BGRA)
    elif channels == 3:
        converted = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    else:
        converted = image
    assert cv2.imwrite(str(path), converted)


def test_natural_sort_puts_frame2_before_frame10():
    names = ["frame10.png", "frame2.png", "Frame1.png", "frame2b.png", "a.png"]
    assert sorted(names, key=natural_sort_key) == [
        "a.png",
        "Frame1.png",
        "frame2.png",
        "frame2b.png",
        "frame10.png",
    ]


def test_an_image_folder_is_read_in_natural_order_at_its_fps(tmp_path):
    for i in (10, 2, 1, 0):
        _write_image(tmp_path / f"frame{i}.png", synthetic_frame(i))
    (tmp_path / "notes.txt").write_text("ignored")
    (tmp_path / "._frame1.png").write_bytes(b"macOS resource fork, not an image")
    _write_image(tmp_path / "frame3.JPG", synthetic_frame(3))
    source = open_source(tmp_path, fps=4)
    assert isinstance(source, ImageFolderSource)
    frames = list(source)
    assert [brightness_to_index(f.image) for f in frames] == [0, 1, 2, 3, 10]
    assert [f.time_s for f in frames] == pytest.approx([0, 0.25, 0.5, 0.75, 1.0])
    assert source.info.frame_count == 5 and source.info.fps == 4
    assert source.error is None


def test_an_image_folder_defaults_to_one_frame_per_second(tmp_path):
    for i in range(3):
        _write_image(tmp_path / f"{i}.png", synthetic_frame(i))
    assert [f.time_s for f in open_source(tmp_path)] == [0.0, 1.0, 2.0]


def test_alpha_is_dropped_and_grey_becomes_rgb_and_sizes_may_differ(tmp_path):
    rgba = np.zeros((20, 30, 4), dtype=np.uint8)
    rgba[..., 0] = 200
    rgba[..., 3] = 10  # nearly transparent: the colour must survive, not be blended away
    _write_image(tmp_path / "a1.png", rgba)
    _write_image(tmp_path / "a2.png", np.full((40, 50), 77, dtype=np.uint8))
    source = open_source(tmp_path)
    first, second = (f.image for f in source)
    assert (source.info.width, source.info.height) == (30, 20)
    assert first.shape == (20, 30, 3) and tuple(first[0, 0]) == (200, 0, 0)
    assert second.shape == (40, 50, 3) and tuple(second[0, 0]) == (77, 77, 77)


def test_an_empty_image_folder_is_empty(tmp_path):
    (tmp_path / "readme.txt").write_text("no images here")
    with pytest.raises(EmptyVideoError, match="no png or jpg"):
        open_source(tmp_path)


def test_an_unreadable_first_image_is_an_error_naming_the_file(tmp_path):
    (tmp_path / "0.png").write_bytes(b"not a png at all")
    with pytest.raises(NotAVideoError, match="0.png"):
        open_source(tmp_path)


def test_an_unreadable_later_image_is_skipped_and_named_in_the_damage(tmp_path):
    _write_image(tmp_path / "0.png", synthetic_frame(0))
    _write_image(tmp_path / "1.png", synthetic_frame(1))
    (tmp_path / "2.png").write_bytes(b"broken")
    _write_image(tmp_path / "3.png", synthetic_frame(3))
    source = open_source(tmp_path)
    frames = list(source)
    assert [brightness_to_index(f.image) for f in frames] == [0, 1, 3]
    assert source.damage is not None and source.damage.missing_frames == 1
    assert "2.png" in source.damage.describe()


def test_a_missing_folder_path_is_not_found(tmp_path):
    with pytest.raises(SourceNotFoundError):
        ImageFolderSource(tmp_path / "absent")


# --- webcams and dispatch ---------------------------------------------------------------------------


@pytest.mark.parametrize("spec", [97, "98"])
def test_a_camera_that_cannot_open_is_source_not_found(spec):
    with pytest.raises(SourceNotFoundError, match="camera 9"):
        open_source(spec)


def test_a_digit_named_file_that_exists_is_read_as_a_file(tmp_path, monkeypatch):
    write_test_video(tmp_path / "clip.avi", 3).rename(tmp_path / "0")  # FFmpeg probes the content
    monkeypatch.chdir(tmp_path)
    assert isinstance(open_source("0"), VideoFileSource)


def test_open_source_picks_the_source_kind(tmp_path):
    video = write_test_video(tmp_path / "clip.mkv", 2)
    folder = tmp_path / "frames"
    folder.mkdir()
    _write_image(folder / "a.png", synthetic_frame(0))
    assert isinstance(open_source(str(video)), VideoFileSource)
    assert isinstance(open_source(folder), ImageFolderSource)


# --- prefetching ------------------------------------------------------------------------------------


def test_prefetched_frames_arrive_in_order_and_the_source_error_is_kept(tmp_path):
    good = write_test_video(tmp_path / "good.mkv", [textured_frame(i, (96, 64)) for i in range(40)])
    source = open_source(truncate_file(good, 0.5, tmp_path / "cut.mkv"))
    frames = list(prefetch_frames(source, depth=2))
    assert [f.index for f in frames] == list(range(len(frames)))
    assert 3 <= len(frames) < 40
    assert source.error is not None and source.error.frame_index == len(frames)


def test_prefetch_re_raises_what_the_source_raised():
    def exploding():
        yield from range(3)
        raise RuntimeError("camera unplugged")

    seen = []
    with pytest.raises(RuntimeError, match="unplugged"):
        for item in prefetch_frames(exploding(), depth=1):
            seen.append(item)
    assert seen == [0, 1, 2]


def test_stopping_a_prefetch_early_ends_its_thread():
    import threading

    def endless():
        i = 0
        while True:
            yield i
            i += 1

    stream = prefetch_frames(endless(), depth=3)
    assert [next(stream) for _ in range(5)] == [0, 1, 2, 3, 4]
    stream.close()
    assert not any(t.name == "skillsight-decode" and t.is_alive() for t in threading.enumerate())
