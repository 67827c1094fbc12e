"""Tracking speed, in one run on the same clip: decode only, a bare MediaPipe loop, `skillsight track`.

1. The shared hand clip (620x1080, 25 fps) is looped to `--seconds` (packets re-muxed, no re-encoding)
   into a temporary mp4. On it:
   - decode-only fps (capture's `open_source`, RGB frames);
   - a bare MediaPipe loop's fps: a separate Python process decoding with PyAV and calling the Tasks
     HandLandmarker (SkillSight's shipped bundle, two hands, VIDEO mode) on each frame, wall time of
     the whole process (imports included); benchmarks/bench_backends.py compares it with the legacy
     solution;
   - `skillsight track CLIP --tracker hands --csv OUT` as a whole process (imports, hashing, the motion
     file and the CSV included); ratio = its fps / the bare loop's fps (goal >= 0.9);
   - the same with `--dominant-hand left` (canonical orientation: each frame mirrored before tracking,
     the motion mirrored back), and its cost: its fps / the right-handed track's fps (goal: no slower).
2. hands+pose on a 1280x720 30 fps clip made from the real clips (the hand clip and the squats clip
   scaled to 720 px high side by side on a grey canvas, `--seconds-720p` long):
   `skillsight track CLIP --tracker hands+pose --csv OUT` as a whole process; real-time factor =
   video seconds / wall seconds (goal >= 1.5 on 2 cores); then with `--dominant-hand left`.

    python benchmarks/bench_tracking.py                 # ~2 minutes of video; takes a few minutes
    python benchmarks/bench_tracking.py --seconds 60 --seconds-720p 30

The machine this runs on may be shared: run it more than once and read the numbers with that in mind.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Optional

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]

BARE_LOOP = """
import sys, time
import av
from skillsight.pose.trackers import mediapipe_tasks as mt
hands = mt.LandmarkerRunner(mt.create_hand_landmarker(2, 0.5, 0.5, 0.5, False), independent_frames=False)
n = 0
with av.open(sys.argv[1]) as container:
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    for frame in container.decode(stream):
        hands(frame.to_ndarray(format="rgb24"))
        n += 1
hands.close()
print(n)
"""


def shared_clip(name: str) -> Path:
    data = Path(os.environ.get("SKILLSIGHT_TEST_DATA", REPO_ROOT.parent / "shared" / "data"))
    path = data / "tfjs" / name
    if not path.exists():
        raise SystemExit(f"{path}: shared clip not found (set SKILLSIGHT_TEST_DATA)")
    return path


def loop_clip(src: Path, dst: Path, seconds: float) -> int:
    """Concatenate `src` with itself until about `seconds` long, re-muxing its packets; returns frames."""
    import av

    frames, offset, offset_seconds = 0, 0, 0.0
    with av.open(str(dst), mode="w") as out:
        out_stream = None
        while offset_seconds < seconds:
            with av.open(str(src)) as inp:
                in_stream = inp.streams.video[0]
                if out_stream is None:
                    out_stream = out.add_stream_from_template(in_stream)
                time_base = Fraction(in_stream.time_base or Fraction(1, 90000))
                frame_ticks = int(round(1 / (Fraction(in_stream.average_rate or 25) * time_base)))
                last_pts = 0
                for packet in inp.demux(in_stream):
                    if packet.dts is None or not packet.size:
                        continue
                    pts = int(packet.pts if packet.pts is not None else packet.dts)
                    last_pts = max(last_pts, pts)
                    packet.pts, packet.dts = pts + offset, int(packet.dts) + offset
                    packet.stream = out_stream
                    out.mux(packet)
                    frames += 1
                offset += last_pts + frame_ticks
                offset_seconds = float(offset * time_base)
    return frames


def _side_by_side_frames(width: int, height: int, n_frames: int) -> Iterator[np.ndarray]:
    """The hand clip and the squats clip, each scaled to `height` px high, side by side, looped."""
    import av
    import cv2

    def looped(path: Path) -> Iterator[np.ndarray]:
        while True:
            with av.open(str(path)) as container:
                for frame in container.decode(video=0):
                    image = frame.to_ndarray(format="rgb24")
                    scale = height / image.shape[0]
                    yield cv2.resize(
                        image, (int(image.shape[1] * scale), height), interpolation=cv2.INTER_AREA
                    )

    hands, squats = looped(shared_clip("asl_hand.25fps.mp4")), looped(shared_clip("pose_squats.mp4"))
    canvas = np.full((height, width, 3), 96, dtype=np.uint8)
    for _ in range(n_frames):
        left, right = next(hands), next(squats)
        canvas[:] = 96
        canvas[:, 100 : 100 + left.shape[1]] = left
        canvas[:, width - 100 - right.shape[1] : width - 100] = right
        yield canvas


def make_720p_clip(dst: Path, seconds: float, fps: int = 30) -> int:
    """A 1280x720 H.264 clip at `fps` from the real clips; returns its frame count."""
    import av

    n_frames = int(round(seconds * fps))
    with av.open(str(dst), mode="w") as out:
        stream = out.add_stream("libx264", rate=Fraction(fps))
        stream.width, stream.height, stream.pix_fmt = 1280, 720, "yuv420p"
        stream.options = {"preset": "veryfast", "crf": "20"}
        for image in _side_by_side_frames(1280, 720, n_frames):
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return n_frames


def decode_fps(clip: Path) -> tuple[int, float]:
    from skillsight.capture.sources import open_source

    start = time.perf_counter()
    frames = sum(1 for _ in open_source(clip))
    return frames, frames / (time.perf_counter() - start)


def timed_process(args: list[str], cwd: Path) -> tuple[float, float, str]:
    """Wall seconds and CPU seconds (user + system) of a whole subprocess, and its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, result.stdout


def skillsight_command() -> list[str]:
    return [sys.executable, "-m", "skillsight.cli"]


def bench_hands(work: Path, seconds: float, rounds: int) -> None:
    clip = work / "hand_looped.mp4"
    frames = loop_clip(shared_clip("asl_hand.25fps.mp4"), clip, seconds)
    print(f"clip: {clip.name}, 620x1080, {frames} frames ({frames / 25:.0f} s at 25 fps)")
    n, fps = decode_fps(clip)
    print(f"decode only (capture.open_source, RGB):    {fps:7.1f} fps  ({n} frames)")
    bare_runs, our_runs, bare_cpu, our_cpu, mirror_runs = [], [], [], [], []
    cmd = skillsight_command() + ["track", str(clip), "--tracker", "hands", "--csv", "hands.csv"]
    for _ in range(rounds):  # alternate, so that load changes on a shared machine hit both alike
        wall, cpu, out = timed_process([sys.executable, "-c", BARE_LOOP, str(clip)], work)
        bare_runs.append(int(out.split()[-1]) / wall)
        bare_cpu.append(cpu)
        print(
            f"bare MediaPipe hands loop (whole process): {bare_runs[-1]:7.1f} fps "
            f"({wall:.1f} s, cpu {cpu:.1f} s)"
        )
        wall, cpu, _ = timed_process(cmd, work)
        our_runs.append(frames / wall)
        our_cpu.append(cpu)
        print(
            f"skillsight track --tracker hands --csv:    {our_runs[-1]:7.1f} fps "
            f"({wall:.1f} s, cpu {cpu:.1f} s)"
        )
        wall, cpu, _ = timed_process([*cmd, "--dominant-hand", "left"], work)
        mirror_runs.append(frames / wall)
        print(
            f"  ... with --dominant-hand left:           {mirror_runs[-1]:7.1f} fps "
            f"({wall:.1f} s, cpu {cpu:.1f} s)"
        )
    ratios = [ours / bare for ours, bare in zip(our_runs, bare_runs)]
    print(
        f"ratio track / bare loop (wall fps): best {max(our_runs) / max(bare_runs):.3f}, "
        f"per round {', '.join(f'{r:.3f}' for r in ratios)}  (goal >= 0.9)"
    )
    # CPU seconds suffer less from other users of a shared machine than wall time does.
    print(f"ratio bare CPU / track CPU (least of each): {min(bare_cpu) / min(our_cpu):.3f}")
    mirror_ratios = ", ".join(f"{m / o:.3f}" for m, o in zip(mirror_runs, our_runs))
    print(f"left-handed / right-handed track (wall fps), per round: {mirror_ratios}")


def bench_hands_and_pose(work: Path, seconds: float) -> None:
    clip = work / "practice_720p30.mp4"
    frames = make_720p_clip(clip, seconds)
    cmd = skillsight_command() + ["track", str(clip), "--tracker", "hands+pose", "--csv", "hp.csv"]
    video_s = frames / 30.0
    for label, extra in (
        ("hands+pose", []),
        ("hands+pose --dominant-hand left", ["--dominant-hand", "left"]),
    ):
        wall, cpu, _ = timed_process([*cmd, *extra], work)
        print(
            f"{label}, 1280x720 30 fps, {video_s:.0f} s of video: {frames / wall:.1f} fps, {wall:.1f} s wall"
        )
        print(
            f"  real-time factor: {video_s / wall:.2f}x  "
            f"(goal >= 1.5x for plain tracking on 2 cores; here {os.cpu_count()} cores)"
        )
        print(f"  CPU seconds used: {cpu:.1f} ({cpu / wall:.2f} cores busy on average)")


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=120.0, help="length of the looped hand clip")
    parser.add_argument("--seconds-720p", type=float, default=60.0, help="length of the 720p hands+pose clip")
    parser.add_argument("--rounds", type=int, default=2, help="bare loop / track runs, alternating")
    parser.add_argument("--skip-720p", action="store_true", help="only the hand-clip comparison")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="skillsight-bench-") as tmp:
        work = Path(tmp)
        bench_hands(work, args.seconds, args.rounds)
        if not args.skip_720p:
            bench_hands_and_pose(work, args.seconds_720p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
