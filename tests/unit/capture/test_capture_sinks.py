"""The annotated-video sink: browser-playable H.264 mp4, written atomically."""

from __future__ import annotations

import numpy as np
import pytest
from video_factory import brightness_to_index, synthetic_frame

from skillsight.capture import AnnotatedVideoWriter, open_source


def test_written_video_is_h264_yuv420p_with_every_frame(tmp_path):
    import av

    path = tmp_path / "out" / "overlay.mp4"
    with AnnotatedVideoWriter(path, fps=25, size=(64, 48)) as writer:
        for i in range(30):
            writer.write(synthetic_frame(i))
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        assert (stream.width, stream.height) == (64, 48)
        decoded = list(container.decode(stream))
    assert len(decoded) == 30
    frames = list(open_source(path))
    assert [brightness_to_index(f.image) for f in frames] == [i % 20 for i in range(30)]
    assert [f.time_s for f in frames] == pytest.approx([i / 25 for i in range(30)], abs=1e-3)


def test_the_index_is_at_the_front_so_browsers_can_stream_it(tmp_path):
    path = tmp_path / "overlay.mp4"
    with AnnotatedVideoWriter(path, fps=10, size=(64, 48)) as writer:
        for i in range(10):
            writer.write(synthetic_frame(i))
    data = path.read_bytes()
    assert 0 < data.find(b"moov") < data.find(b"mdat")


def test_odd_sizes_are_cropped_to_even(tmp_path):
    path = tmp_path / "odd.mp4"
    with AnnotatedVideoWriter(path, fps=10, size=(65, 49)) as writer:
        writer.write(synthetic_frame(0, (65, 49)))
    info = open_source(path).info
    assert (info.width, info.height) == (64, 48)


def test_timestamps_given_with_frames_are_kept(tmp_path):
    times = [0.0, 0.1, 0.15, 0.4, 1.0]
    path = tmp_path / "vfr.mp4"
    with AnnotatedVideoWriter(path, fps=10, size=(64, 48)) as writer:
        for i, t in enumerate(times):
            writer.write(synthetic_frame(i), time_s=t)
    assert [f.time_s for f in open_source(path)] == pytest.approx(times, abs=1e-3)


def test_an_error_inside_the_block_leaves_no_file_behind(tmp_path):
    path = tmp_path / "broken.mp4"
    with pytest.raises(RuntimeError), AnnotatedVideoWriter(path, fps=10, size=(64, 48)) as writer:
        writer.write(synthetic_frame(0))
        raise RuntimeError("tracking failed")
    assert list(tmp_path.iterdir()) == []


def test_an_existing_file_is_only_replaced_when_the_new_one_is_complete(tmp_path):
    path = tmp_path / "overlay.mp4"
    path.write_bytes(b"previous")
    with pytest.raises(ValueError, match="expected an RGB uint8 image"):  # noqa: SIM117
        with AnnotatedVideoWriter(path, fps=10, size=(64, 48)) as writer:
            writer.write(np.zeros((10, 10, 3), dtype=np.uint8))
    assert path.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["overlay.mp4"]


def test_writing_nothing_is_an_error_and_makes_no_file(tmp_path):
    path = tmp_path / "empty.mp4"
    with pytest.raises(ValueError, match="no frames"), AnnotatedVideoWriter(path, fps=10, size=(64, 48)):
        pass
    assert not path.exists()


@pytest.mark.parametrize("threads", [True, False])
def test_a_one_thread_writer_encodes_on_one_thread(tmp_path, threads):
    """A batch worker given one core writes its overlay without encoder threads of its own."""
    with AnnotatedVideoWriter(tmp_path / "o.mp4", 10.0, (32, 24), threads=threads) as writer:
        context = writer._stream.codec_context
        assert (context.thread_count == 1) != threads
        writer.write(synthetic_frame(0, (32, 24)))
    assert len([f for f in open_source(tmp_path / "o.mp4")]) == 1
