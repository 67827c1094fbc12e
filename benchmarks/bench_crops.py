"""hands+pose on crops (hand regions from the body, pose from its own landmarks, LiteRT) against the Tasks
landmarkers (palm detection for hands, the Tasks PoseLandmarker), speed and accuracy in one run.

Speed: the shared squats clip (720x1280, one person, small hands) at 5 fps with each frame shown 6
times, written once as a 30 fps clip of `--seconds` (motion keeps its real speed; the intubation case of
issue 15); `track_source(..., tracker="hands+pose")` on it with each backend, alternating for `--rounds`
rounds so that load on a shared machine hits both alike; ratio = crops speed / tasks speed per round,
by wall time and by the process's CPU time (all threads; steadier where other work shares the machine).

Accuracy, same run, same statistic as the tests: pose on pose_squats.mp4 against pose_squats.full.json
(frames whose median landmark error is <= 6 px, of 65); the right hand on asl_hand.25fps.mp4 against
asl_hand.full.json (median and 95th percentile of the per-frame median error, px).

    python benchmarks/bench_crops.py [--rounds 3] [--seconds 30] [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path
from typing import Optional

import av
import numpy as np

from skillsight.pose.keypoints import HAND_KEYPOINTS, POSE_KEYPOINTS
from skillsight.pose.track import track_source

REPO_ROOT = Path(__file__).resolve().parents[1]
BACKENDS = ("crops", "tasks")


def shared_file(name: str) -> Path:
    data = Path(os.environ.get("SKILLSIGHT_TEST_DATA", REPO_ROOT.parent / "shared" / "data"))
    path = data / "tfjs" / name
    if not path.exists():
        raise SystemExit(f"{path}: shared file not found (set SKILLSIGHT_TEST_DATA)")
    return path


def make_squats_clip(dst: Path, seconds: float, repeat: int = 6, fps: int = 30) -> int:
    """The squats clip, each frame shown `repeat` times at `fps`, looped to `seconds`."""
    with av.open(str(shared_file("pose_squats.mp4"))) as source:
        frames = [f.to_ndarray(format="rgb24") for f in source.decode(video=0)]
    n = int(seconds * fps)
    with av.open(str(dst), "w") as out:
        stream = out.add_stream("libx264", rate=Fraction(fps))
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = "yuv420p"
        for i in range(n):
            image = frames[(i // repeat) % len(frames)]
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return n


def track(clip: Path, backend: str, threads: int = 1) -> tuple[object, float, float]:
    """The motion, wall seconds and CPU seconds (all threads of this process)."""
    options = {"backend": backend, "threads": threads}
    start, cpu = time.perf_counter(), time.process_time()
    motion = track_source(clip, tracker="hands+pose", camera_view="front", tracker_options=options)
    return motion, time.perf_counter() - start, time.process_time() - cpu


def frame_errors(
    motion: object, individual: str, names: tuple[str, ...], reference: np.ndarray
) -> np.ndarray:
    tracked = np.stack([motion.track(individual, name) for name in names], axis=1)  # type: ignore[attr-defined]
    found = ~np.isnan(tracked[:, :, 0]).all(axis=1)
    errors = np.full(len(reference), np.nan)
    distances = np.linalg.norm(tracked[found][..., :2] - reference[found][..., :2], axis=-1)
    errors[found] = np.nanmedian(distances, axis=1)
    return errors


def accuracy(backend: str) -> str:
    pose_reference = np.array(json.loads(shared_file("pose_squats.full.json").read_text()))
    motion = track(shared_file("pose_squats.mp4"), backend)[0]
    pose = frame_errors(motion, "body", POSE_KEYPOINTS, pose_reference)
    hand_reference = np.array(json.loads(shared_file("asl_hand.full.json").read_text()))
    motion = track(shared_file("asl_hand.25fps.mp4"), backend)[0]
    hand = frame_errors(motion, "right_hand", HAND_KEYPOINTS, hand_reference)
    found = np.isfinite(hand)
    return (
        f"pose <= 6 px in {int((pose <= 6.0).sum())}/65 frames (median {np.nanmedian(pose):.2f} px); "
        f"hand found in {found.mean():.1%} of frames, median {np.median(hand[found]):.4f} px, "
        f"p95 {np.percentile(hand[found], 95):.4f} px"
    )


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--threads", type=int, default=1, help="LiteRT threads per crop model")
    args = parser.parse_args(argv)
    for backend in BACKENDS:
        print(f"accuracy, {backend}: {accuracy(backend)}", flush=True)
    with tempfile.TemporaryDirectory() as work:
        clip = Path(work) / "squats_5fps_x6.mp4"
        n = make_squats_clip(clip, args.seconds)
        video_s = n / 30.0
        ratios, cpu_ratios = [], []
        for round_index in range(args.rounds):
            runs = {backend: track(clip, backend, args.threads)[1:] for backend in BACKENDS}
            (wall, cpu), (tasks_wall, tasks_cpu) = runs["crops"], runs["tasks"]
            ratios.append(tasks_wall / wall)
            cpu_ratios.append(tasks_cpu / cpu)
            print(
                f"round {round_index + 1}: crops {video_s / wall:.2f}x real time ({cpu:.1f} CPU s), tasks "
                f"{video_s / tasks_wall:.2f}x ({tasks_cpu:.1f} CPU s); crops / tasks speed: wall "
                f"{ratios[-1]:.3f}, CPU {cpu_ratios[-1]:.3f}",
                flush=True,
            )
    print(
        f"hands+pose on the 5-fps squats clip x6 ({n} frames, {os.cpu_count()} cores, {args.threads} LiteRT "
        "threads), crops / tasks speed, "
        f"median of {args.rounds} rounds: wall {statistics.median(ratios):.3f}, CPU time "
        f"{statistics.median(cpu_ratios):.3f} (> 1: crops faster)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
