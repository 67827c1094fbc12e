"""Live mode: how many 640x480 webcam frames per second the page's frame handler sustains.

Feeds frames through the same handler the Gradio stream calls (LiveSessions.handle: MediaPipe's Tasks
HandLandmarker on the shipped bundle, on a downscaled copy, drawing and the quality badge), without a
browser. The frames are the real hand clip letterboxed into 640x480 (goal: >= 15 fps on 2 cores).

    python benchmarks/bench_live.py [--clip PATH] [--seconds 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np

DEFAULT_CLIP = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "tfjs" / "asl_hand.25fps.mp4"
WIDTH, HEIGHT = 640, 480


def webcam_frames(clip: Path) -> list:
    """The clip's frames, letterboxed into 640x480 like a laptop webcam's picture."""
    import cv2

    from skillsight.capture import open_source

    frames = []
    source = open_source(str(clip))
    try:
        for frame in source:
            image = frame.image
            scale = min(WIDTH / image.shape[1], HEIGHT / image.shape[0])
            resized = cv2.resize(image, (round(image.shape[1] * scale), round(image.shape[0] * scale)))
            canvas = np.zeros((HEIGHT, WIDTH, 3), dtype=np.uint8)
            top, left = (HEIGHT - resized.shape[0]) // 2, (WIDTH - resized.shape[1]) // 2
            canvas[top : top + resized.shape[0], left : left + resized.shape[1]] = resized
            frames.append(canvas)
    finally:
        source.close()
    return frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", type=Path, default=DEFAULT_CLIP)
    parser.add_argument("--seconds", type=float, default=20.0, help="how long to keep feeding frames")
    args = parser.parse_args()

    from skillsight.webapp.live import LiveSessions

    frames = webcam_frames(args.clip)
    sessions = LiveSessions()
    sessions.handle("bench", frames[0])  # builds the tracker (not part of the steady state)
    latencies, found = [], 0
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    i = 0
    while time.perf_counter() - wall_start < args.seconds:
        t0 = time.perf_counter()
        _, text = sessions.handle("bench", frames[i % len(frames)])
        latencies.append(time.perf_counter() - t0)
        found += not text.startswith("POOR")
        i += 1
    wall = time.perf_counter() - wall_start
    cpu = time.process_time() - cpu_start
    sessions.close()
    ms = sorted(x * 1000 for x in latencies)
    print(f"clip: {args.clip.name} letterboxed to {WIDTH}x{HEIGHT}; {len(ms)} frames in {wall:.1f} s")
    print(f"live handler: {len(ms) / wall:.1f} fps (goal >= 15)")
    print(
        f"latency per frame: median {statistics.median(ms):.1f} ms, "
        f"p95 {ms[int(0.95 * (len(ms) - 1))]:.1f} ms"
    )
    print(
        f"CPU: {1000 * cpu / len(ms):.1f} ms per frame, "
        f"{cpu / wall:.2f} cores busy ({os.cpu_count()} cores here)"
    )
    print(
        f"load average during the run: {os.getloadavg()[0]:.1f} (other work on the machine slows the figures)"
    )
    print(f"frames with a hand found: {found / len(ms):.0%}")


if __name__ == "__main__":
    main()
