"""Decode-only speed of capture's video source: frames per second delivered as RGB numpy images.

The clip (default: the shared 620x1080 hand clip) is re-iterated until `--seconds` of video have been
decoded, as if it were a clip that long. Prints one line per mode and the peak memory.

    python benchmarks/bench_decode.py --seconds 120
    python benchmarks/bench_decode.py --clip my.mp4 --seconds 60 --modes threads,single
    python benchmarks/bench_decode.py --clip 4k.mp4 --modes full+resize,small  # decoding at tracking size

Modes: threads (FFmpeg's AUTO threading), single (one thread, a batch worker's), full+resize (threads, full
size, then shrunk to 1920 px with OpenCV: what tracking a 4K video did before), small (threads, converted
straight to 1920 px by FFmpeg: what tracking does now), mirror (threads, each frame mirrored as for a
left-handed trainee: the mirror's own cost beside "threads"). CPU seconds are printed beside wall time.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def default_clip() -> Path:
    data = Path(os.environ.get("SKILLSIGHT_TEST_DATA", REPO_ROOT.parent / "shared" / "data"))
    return data / "tfjs" / "asl_hand.25fps.mp4"


def decode_for(clip: Path, seconds: float, mode: str) -> tuple[int, float, float]:
    """(frames, wall seconds, video seconds) for decoding `seconds` of video from `clip`, looped."""
    from skillsight.capture.resize import DEFAULT_MAX_SIDE, downscale_for_tracking
    from skillsight.capture.sources import VideoFileSource
    from skillsight.pose.orientation import mirror_image

    max_side = DEFAULT_MAX_SIDE if mode == "small" else None
    source = VideoFileSource(clip, threads=mode != "single", max_side=max_side)
    frames = 0
    video_seconds = 0.0
    start = time.perf_counter()
    while video_seconds < seconds:
        last_time = 0.0
        for frame in source:
            if video_seconds + frame.time_s >= seconds:
                break
            if mode == "full+resize":
                downscale_for_tracking(frame.image)
            elif mode == "mirror":
                mirror_image(frame.image)
            frames += 1
            last_time = frame.time_s
        if source.error is not None:
            print(f"warning: {source.error}", file=sys.stderr)
        video_seconds += last_time + 1.0 / source.info.fps
    return frames, time.perf_counter() - start, video_seconds


def cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB on Linux


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clip", type=Path, default=None, help="video file (default: the shared hand clip)")
    parser.add_argument("--seconds", type=float, default=120.0, help="seconds of video to decode (looping)")
    parser.add_argument(
        "--modes", default="threads,single", help="comma-separated: threads (FFmpeg AUTO threading), single"
    )
    args = parser.parse_args(argv)
    clip = args.clip or default_clip()
    if not clip.exists():
        parser.error(f"{clip}: clip not found (give --clip or set SKILLSIGHT_TEST_DATA)")

    from skillsight.capture.sources import VideoFileSource

    info = VideoFileSource(clip).info
    print(
        f"clip: {clip} ({info.width}x{info.height}, {info.fps:g} fps, {info.codec}, "
        f"{info.frame_count} frames)"
    )
    print(f"cpus: {os.cpu_count()}  python {sys.version.split()[0]}")
    for mode in [m.strip() for m in args.modes.split(",") if m.strip()]:
        if mode not in ("threads", "single", "full+resize", "small", "mirror"):
            parser.error(f"unknown mode {mode!r}")
        cpu_before = cpu_seconds()
        frames, wall, video_s = decode_for(clip, args.seconds, mode)
        cpu = cpu_seconds() - cpu_before
        print(
            f"decode {mode:11s}: {frames} frames ({video_s:.1f} s of video) in {wall:.2f} s = "
            f"{frames / wall:.1f} fps, {video_s / wall:.1f} x real time; CPU {cpu:.2f} s "
            f"({1000 * cpu / max(frames, 1):.1f} ms a frame), load {os.getloadavg()[0]:.1f}"
        )
    print(f"peak RSS: {peak_rss_mib():.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
