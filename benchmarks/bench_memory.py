"""Peak memory (RSS) of scoring a long 720p video with `skillsight score` (goal: under 1 GB for 10 minutes).

The video is made from the real clips (see bench_tracking.py: the hand and squats clips side by side on a
1280x720 canvas at 30 fps): 10 seconds are encoded once, then their packets are looped to `--minutes`.
The whole `skillsight score -p intubation` process is measured (hands+pose; its peak RSS from the kernel,
plus RSS sampled every second, which shows whether memory grows with the video's length). `--track`
measures `skillsight track --tracker TRACKER` instead. `--motion` measures what comes after tracking
alone, in seconds instead of minutes: the 10-second clip is tracked once, its motion repeated to
`--minutes` (what tracking the long video gives, the same clip looped), and that motion file is scored.

    python benchmarks/bench_memory.py                    # 10 minutes of video: tracking takes a while
    python benchmarks/bench_memory.py --minutes 2 --track --tracker hands
    python benchmarks/bench_memory.py --minutes 20 --motion   # scoring after tracking, 20 minutes
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_tracking import loop_clip, make_720p_clip  # noqa: E402


def track_with_peak_rss(
    clip: Path, tracker: str, work: Path, score: bool = True
) -> tuple[float, float, list[float]]:
    """(wall seconds, peak RSS MiB, RSS MiB sampled each second) of one `skillsight score` (or track)
    process."""
    import psutil

    cmd = [sys.executable, "-m", "skillsight.cli"]
    if score:
        cmd += ["score", str(clip), "-p", "intubation", "--no-progress", "--json", "out.json"]
    else:
        cmd += ["track", str(clip), "--tracker", tracker, "--csv", "out.csv"]
    start = time.perf_counter()
    # stderr (progress bar, MediaPipe's logs) goes to a file: an unread pipe would fill and block the child.
    log = open(work / "track.log", "wb")  # noqa: SIM115 - closed below, after the child ends
    process = subprocess.Popen(cmd, cwd=work, stdout=subprocess.DEVNULL, stderr=log)
    watched = psutil.Process(process.pid)
    samples: list[float] = []
    while process.poll() is None:
        try:
            samples.append(watched.memory_info().rss / 2**20)
        except psutil.Error:
            break
        time.sleep(1.0)
    process.wait()
    wall = time.perf_counter() - start
    log.close()
    if process.returncode not in (0, 3, 4, 5):  # a refused or withheld score still measured the memory
        stderr = (work / "track.log").read_text(errors="replace")
        raise SystemExit(f"skillsight failed:\n{stderr[-3000:]}")
    # The only child this script starts: the kernel's peak RSS of reaped children is this one's.
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux
    return wall, max(peak, max(samples, default=0.0)), samples


def repeated_motion(segment: Path, dst: Path, minutes: float, tracker: str, work: Path) -> int:
    """Track `segment` once and write its motion repeated to `minutes` (each copy's timestamps after the
    last one's) to `dst`; returns the frame count."""
    import numpy as np

    from skillsight.pipeline import load_or_track
    from skillsight.pose.motion import save_motion

    # Tracked here, not in a child process: the kernel's peak RSS of children must be the scoring's.
    motion = load_or_track(segment, "intubation", tracker=tracker)
    n_frames = motion.n_frames
    period = float(motion.timestamps[-1] - motion.timestamps[0]) + 1.0 / motion.fps
    copies = max(1, int(round(minutes * 60.0 / period)))

    def repeated(values: Optional[np.ndarray]) -> Optional[np.ndarray]:
        return None if values is None else np.concatenate([values] * copies, axis=0)

    long = motion.with_updates(
        positions=repeated(motion.positions),
        confidence=repeated(motion.confidence),
        timestamps=np.concatenate([motion.timestamps + k * period for k in range(copies)]),
        frame_indices=np.arange(n_frames * copies),
        filled=repeated(motion.filled),
        world_positions=repeated(motion.world_positions),
        signals={name: repeated(values) for name, values in motion.signals.items()},
    )
    save_motion(long, dst)
    return long.n_frames


def main(argv: Optional[list[str]] = None) -> int:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the 720p video")
    parser.add_argument("--tracker", default="hands+pose", help="tracker(s) to run (default hands+pose)")
    parser.add_argument("--track", action="store_true", help="measure skillsight track, not score")
    parser.add_argument(
        "--motion", action="store_true", help="score the motion of the long clip (tracked once, repeated)"
    )
    args = parser.parse_args(argv)
    if args.motion and args.track:
        parser.error("--motion measures scoring after tracking; --track measures tracking")
    with tempfile.TemporaryDirectory(prefix="skillsight-mem-") as tmp:
        work = Path(tmp)
        segment, clip = work / "segment.mp4", work / "long_720p30.mp4"
        make_720p_clip(segment, seconds=10.0)
        if args.motion:
            clip = work / "long_720p30.motion.npz"
            frames = repeated_motion(segment, clip, args.minutes, args.tracker, work)
        else:
            frames = loop_clip(segment, clip, args.minutes * 60.0)
        command = "skillsight score -p intubation"
        if args.track:
            command = f"skillsight track --tracker {args.tracker}"
        what = "the motion of a" if args.motion else "a"
        print(f"{command} on {what} 1280x720, 30 fps video of {frames} frames ({frames / 30 / 60:.1f} min)")
        wall, peak, samples = track_with_peak_rss(clip, args.tracker, work, score=not args.track)
        quarter = [samples[int(q * (len(samples) - 1))] for q in (0.25, 0.5, 0.75, 1.0)] if samples else []
        print(f"it took {wall:.0f} s ({frames / wall:.1f} fps)")
        print("RSS at 25/50/75/100% of the run: " + ", ".join(f"{v:.0f} MiB" for v in quarter))
        print(f"peak RSS: {peak:.0f} MiB  (goal < 1 GB = 954 MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
