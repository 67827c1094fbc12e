"""Sampling a long video for calibration (issue 15, work only where needed): keyframes only, each decoded
once, where they are dense enough, else one pass that converts only the frames it keeps."""

from __future__ import annotations

import pytest


def _video_with_gop(path, frames: int, gop: int):
    import av
    import numpy as np

    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        stream.gop_size = gop
        stream.options = {"keyint_min": str(gop), "sc_threshold": "0"}
        for k in range(frames):
            image = np.full((32, 32, 3), k % 250, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


@pytest.mark.parametrize("gop", [10, 1000])
def test_a_long_video_is_sampled_from_keyframes_where_they_are_dense_enough(tmp_path, gop):
    """Sampling for calibration decodes only keyframes when they give at least half the sample;
    otherwise the exact target frames come from one decoding pass."""
    from skillsight.capture.sources import VideoFileSource

    source = VideoFileSource(_video_with_gop(tmp_path / f"gop{gop}.mp4", 450, gop))
    picked = source.sample(20)
    indices = [frame.index for frame in picked]
    assert indices == sorted(set(indices)) and indices[0] == 0 and indices[-1] > 400
    if gop == 10:  # the keyframe nearest each of the 20 targets, none twice
        targets = [k * 18.0 * 0.98 / 19 * 25 for k in range(20)]
        assert indices == [10 * round(t / 10) for t in targets]
    else:
        assert len(indices) == 20  # one keyframe only: the exact targets instead


def test_the_keyframe_picker_takes_the_nearest_keyframe_once_per_target():
    from skillsight.capture.container import KeyframePicker

    picker = KeyframePicker([0.0, 2.2, 2.4, 9.0], half_frame_s=0.02)
    taken = []
    for time_s in (0.0, 1.0, 2.0, 3.0, 4.0, 5.0):
        taken += picker.offer(time_s, f"key@{time_s:g}")
    taken += picker.finish()
    # 2.2 takes the keyframe at 2 s; 2.4, nearer it too, gets the next one (no frame sampled twice);
    # 9 s is past the last keyframe, which serves it at the end
    assert taken == ["key@0", "key@2", "key@3", "key@5"] and picker.done
