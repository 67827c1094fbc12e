"""Frames found as repeats against the true copies, on the real clips in ../shared shown at other frame
rates: for each clip and rate, the frames, the copies the resampling made, the frames marked as repeats
(copies found, the clip's own repeats, other frames), the frames dropped, copies missed, and the new
images' rate on the clock the motion is measured on (tremor needs 24.8).

    python benchmarks/bench_frame_repeats.py [--rates 15 20 25 30 50 60] [--lossy CRF]

Frames are repeated or dropped in memory as tests/integration/test_metric_invariance.py does (whole
decoded frames, no re-encoding). With --lossy the resampled stream is encoded with libx264 at that CRF
(PyAV) and decoded again, as a recorded file would be: its copies are then near-copies, not exact.
The clip's own repeats are those marked at its own rate (the ASL clip is a 24-fps recording at 25 fps).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests"), str(REPO / "tests" / "support"), str(REPO / "tests" / "integration")]

from shared_data import shared_file  # noqa: E402
from test_metric_invariance import output_frames  # noqa: E402

from skillsight.capture.frames import Frame  # noqa: E402
from skillsight.capture.repeats import RepeatWatcher, new_image_times, shown_unevenly  # noqa: E402
from skillsight.capture.sources import VideoFileSource  # noqa: E402

CLIPS = {
    "asl_hand": "tfjs/asl_hand.25fps.mp4",
    "typing_two_hands": "mediapipe_samples/typing_two_hands.mp4",
    "hand_reaching": "mediapipe_samples/hand_reaching.mp4",
    "pose_squats": "tfjs/pose_squats.mp4",
}


def shown(clip: str, rates: list[float]) -> tuple[float, dict[float, list[tuple[int, np.ndarray]]]]:
    """The clip's fps, and for each rate its frames as (source frame index, image) in stream order."""
    source = VideoFileSource(shared_file(CLIPS[clip]))
    streams: dict[float, list[tuple[int, np.ndarray]]] = {rate: [] for rate in rates}
    for frame in source:
        for rate, stream in streams.items():
            for _ in output_frames(frame.index, source.info.fps, rate, len(stream)):
                stream.append((frame.index, frame.image))
    source.close()
    return float(source.info.fps), streams


def reencoded(images: list[np.ndarray], rate: float, crf: int) -> list[np.ndarray]:
    import av

    height, width = (side // 2 * 2 for side in images[0].shape[:2])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "stream.mp4"
        with av.open(str(path), "w") as container:
            stream = container.add_stream("libx264", rate=int(rate))
            stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
            stream.options = {"crf": str(crf)}
            for image in images:
                frame = av.VideoFrame.from_ndarray(
                    np.ascontiguousarray(image[:height, :width]), format="rgb24"
                )
                for packet in stream.encode(frame):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
        return [frame.image for frame in VideoFileSource(path)]


def report(clip: str, rates: list[float], crf: int | None) -> None:
    fps, streams = shown(clip, sorted(set(rates) | {fps_of(clip)}))
    own: set[int] = set()
    for rate in sorted(streams, key=lambda r: r != fps):  # the clip at its own rate first
        sources = np.array([index for index, _ in streams[rate]])
        images = [image for _, image in streams[rate]]
        if crf is not None and rate != fps:
            images = reencoded(images, rate, crf)
        watcher = RepeatWatcher()
        for index, image in enumerate(images):
            watcher.add(Frame(index, index / rate, image))
        marked = watcher.repeats()
        dropped, found = watcher.find()
        if rate == fps:
            own = set(sources[marked].tolist())
        copies = np.diff(sources, prepend=-1) == 0
        clip_own = marked & ~copies & np.isin(sources, list(own))
        kept = np.delete(np.asarray(watcher.times), dropped)
        clock = new_image_times(kept) if shown_unevenly(kept) else kept
        if rate in rates:
            print(
                f"{clip:17s} {rate:4.0f} fps  frames {sources.size:4d}  copies {copies.sum():4d}  marked: "
                f"copies {(marked & copies).sum():4d} clip's own {clip_own.sum():3d} other "
                f"{(marked & ~copies & ~clip_own).sum():3d}  dropped {dropped.size:4d} (not copies "
                f"{(~copies[dropped]).sum():3d})  copies kept {copies.sum() - copies[dropped].sum():4d}  "
                f"images/s {1.0 / np.median(np.diff(clock)):5.2f}"
            )


def fps_of(clip: str) -> float:
    source = VideoFileSource(shared_file(CLIPS[clip]))
    source.close()
    return float(source.info.fps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", nargs="+", type=float, default=[15, 20, 25, 30, 50, 60])
    parser.add_argument("--lossy", type=int, default=None, metavar="CRF")
    args = parser.parse_args()
    for clip in CLIPS:
        report(clip, args.rates, args.lossy)


if __name__ == "__main__":
    main()
