"""Glove tracker figures: accuracy on gloved clips made from the real hand video, and speed on 1080p.

Accuracy: the skin of tfjs/asl_hand.25fps.mp4 is recoloured to each glove colour (shading kept, H.264
re-encoded) and the tracker's centroid is checked against the hand's box from the reference landmarks
(asl_hand.full.json); on the bare clip it should find nothing. Speed: GloveTracker.process on 1920x1080
synthetic bench frames with two gloves, OpenCV held to one thread, in CPU and wall frames per second
(wall time depends on how busy a shared machine is; CPU time much less).

    python benchmarks/bench_gloves.py [--colors blue purple green white] [--speed-frames 300]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Optional

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("SKILLSIGHT_TEST_DATA", REPO_ROOT.parent / "shared" / "data"))
CLIP = DATA / "tfjs" / "asl_hand.25fps.mp4"
REFERENCE = DATA / "tfjs" / "asl_hand.full.json"


def frames_of(path: Path, limit: Optional[int] = None) -> Iterator:
    import av
    from skillsight.capture.frames import Frame

    with av.open(str(path)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if limit is not None and index >= limit:
                break
            yield Frame(index, float(frame.time or index / 25.0), frame.to_ndarray(format="rgb24"))


def accuracy(path: Path, reference: np.ndarray, label: str) -> None:
    from skillsight.pose.trackers.gloves import GloveTracker

    tracker = GloveTracker(camera_view="front")
    sample = [f for f in frames_of(path) if f.index % 16 == 0]
    started = time.perf_counter()
    tracker.prepare(sample)
    calibration_s = time.perf_counter() - started
    inside = n = 0
    hands_per_frame: list[int] = []
    for frame in frames_of(path):
        obs = tracker.process(frame)
        found = np.flatnonzero(obs.confidence[:, 0] > 0)
        hands_per_frame.append(len(found))
        n += 1
        if len(found):
            best = found[np.argmax(obs.confidence[found, 0])]
            x, y = obs.positions[best, 0, :2]
            (x0, y0), (x1, y1) = (
                reference[frame.index, :, :2].min(axis=0),
                reference[frame.index, :, :2].max(axis=0),
            )
            inside += int(x0 <= x <= x1 and y0 <= y <= y1)
    model = tracker.provenance()["calibration"]["model"]
    counts = np.bincount(hands_per_frame, minlength=3)
    print(
        f"{label:>7}: gloves_present={tracker.gloves_present} colour={model['color'] if model else None} "
        f"centroid inside landmark box {inside}/{n} = {inside / n:.1%}; frames with 0/1/2 hands "
        f"{counts[0]}/{counts[1]}/{counts[2]}; calibration on {len(sample)} frames {calibration_s:.2f} s"
    )


def speed(n_frames: int) -> None:
    import cv2
    from skillsight.capture.frames import Frame
    from skillsight.pose.trackers.gloves import GloveTracker

    from skillsight.synthetic_video import top_down_glove_frame

    cv2.setNumThreads(1)
    distinct = [
        Frame(i, i / 25.0, top_down_glove_frame([(500 + 10 * i, 600 - 3 * i), (1400 - 10 * i, 650)], seed=i))
        for i in range(30)
    ]
    tracker = GloveTracker()
    started = time.perf_counter()
    tracker.prepare(distinct[::2])
    calibration_s = time.perf_counter() - started
    frames = [Frame(i, i / 25.0, distinct[i % len(distinct)].image) for i in range(n_frames)]
    wall, cpu = time.perf_counter(), time.process_time()
    for frame in frames:
        tracker.process(frame)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"speed on 1920x1080, one OpenCV thread: {n_frames / cpu:.0f} fps (CPU time), "
        f"{n_frames / wall:.0f} fps (wall, load {os.getloadavg()[0]:.1f}); "
        f"calibration on 15 frames {calibration_s:.2f} s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--colors", nargs="*", default=["blue", "purple", "green", "white"])
    parser.add_argument("--speed-frames", type=int, default=300)
    args = parser.parse_args()
    speed(args.speed_frames)
    if not CLIP.exists() or not REFERENCE.exists():
        print(f"real clip not found at {CLIP}: accuracy figures skipped", file=sys.stderr)
        return 0
    from skillsight.synthetic_video import make_gloved_clip

    reference = np.array(json.loads(REFERENCE.read_text()))
    accuracy(CLIP, reference, "bare")
    with tempfile.TemporaryDirectory() as folder:
        for color in args.colors:
            gloved = make_gloved_clip(CLIP, Path(folder) / f"{color}.mp4", color, landmarks=list(reference))
            accuracy(gloved, reference, color)
    return 0


if __name__ == "__main__":
    sys.exit(main())
