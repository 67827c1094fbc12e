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
    if gop == 10:
        assert all(index % 10 == 0 for index in indices) and len(indices) >= 10
    else:
        assert len(indices) == 20  # one keyframe only: the exact targets instead
