"""The issue's figure: a real clip ping-pong looped to 30 s, slowed down and with pauses, scored end to end.

    python benchmarks/bench_metamorphic_figure.py ../shared/data/mediapipe_samples/typing_two_hands.mp4 \
        [--procedure suturing] [--loop-s 30] [--variants original slowed paused mirrored half_size] \
        [--out DIR] [--model M.onnx] [--track-once]

Each variant is written losslessly (FFV1 in Matroska: no re-encoding loss) and scored with the CLI,
`skillsight score VIDEO -p PROCEDURE --json OUT` (the mirrored one with --dominant-hand left), so every
step a trainee's video goes through is in the figure, tracking included. That tracks thousands of
full-HD frames; with --track-once the clip is tracked once (the procedure's trackers, as `score` does)
and the time variants are written as motion files whose frames repeat the tracked ones (what a tracker
that gives the same landmarks for the same image would give), then scored with the same CLI command.
Prints status, exit code, level with probabilities and score for each. What must hold: each result
is withheld as out of domain, or the slowed and paused ones score strictly lower than the original; no
probability is ever shown as 100%.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Optional

import numpy as np

VARIANTS = ("original", "slowed", "paused", "mirrored", "half_size")


def decode(path: Path) -> tuple[list[np.ndarray], float]:
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        fps = float(stream.average_rate)
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(stream)], fps


def indices(variant: str, n_frames: int, fps: float, loop_s: float) -> np.ndarray:
    cycle = np.concatenate([np.arange(n_frames), np.arange(n_frames - 2, 0, -1)])
    loop = np.resize(cycle, int(round(loop_s * fps)))
    if variant == "slowed":
        return np.repeat(loop, 2)
    if variant == "paused":  # three 3-s holds, evenly spread
        hold, parts, start = int(round(3.0 * fps)), [], 0
        for k in range(3):
            cut = len(loop) * (k + 1) // 4
            parts += [loop[start:cut], np.full(hold, loop[cut - 1])]
            start = cut
        return np.concatenate([*parts, loop[start:]])
    return loop


def transform(variant: str, image: np.ndarray) -> np.ndarray:
    if variant == "mirrored":
        return np.ascontiguousarray(image[:, ::-1])
    if variant == "half_size":
        import cv2

        height, width = image.shape[:2]
        return cv2.resize(image, (width // 2 // 2 * 2, height // 2 // 2 * 2), interpolation=cv2.INTER_AREA)
    return image


def write_lossless(path: Path, frames: list[np.ndarray], order: np.ndarray, fps: float, variant: str) -> None:
    from fractions import Fraction

    import av

    with av.open(str(path), mode="w", format="matroska") as container:
        stream = container.add_stream("ffv1", rate=Fraction(fps).limit_denominator(1000))
        first = transform(variant, frames[0])
        stream.width, stream.height = first.shape[1], first.shape[0]
        stream.pix_fmt = "bgr0"
        cache: dict[int, Any] = {}
        for i in order:
            if int(i) not in cache:
                cache.clear()
                cache[int(i)] = transform(variant, frames[int(i)])
            frame = av.VideoFrame.from_ndarray(cache[int(i)], format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def track_once_variants(clip: Path, procedure: str, variants: list[str], loop_s: float, out: Path) -> list:
    """Track the clip once; write each time variant as a .motion.npz (image variants need --video)."""
    from dataclasses import replace

    from skillsight.pipeline import load_or_track

    motion = load_or_track(str(clip), procedure)
    written = []
    for variant in variants:
        if variant in ("mirrored", "half_size"):
            print(f"  {variant}: an image variant; tracked only without --track-once")
            continue
        idx = indices(variant, motion.n_frames, motion.fps, loop_s)
        varied = replace(
            motion,
            positions=motion.positions[idx],
            confidence=motion.confidence[idx],
            timestamps=np.arange(idx.size) / motion.fps,
            frame_indices=None,
            filled=None if motion.filled is None else motion.filled[idx],
            world_positions=None if motion.world_positions is None else motion.world_positions[idx],
            signals={k: np.asarray(v)[idx] for k, v in motion.signals.items()},
        )
        written.append((variant, idx.size / motion.fps, varied.save(out / f"{clip.stem}-{variant}")))
    return written


def score(video: Path, procedure: str, hand: str, model: Optional[Path]) -> tuple[int, dict[str, Any], float]:
    out = video.with_name(video.name.split(".")[0] + ".json")
    command = ["skillsight", "score", str(video), "-p", procedure, "--dominant-hand", hand]
    command += ["--json", str(out), "--no-progress"] + (["--model", str(model)] if model else [])
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    data = json.loads(out.read_text()) if out.exists() else {}
    return done.returncode, data, time.perf_counter() - start


def summary(code: int, data: dict[str, Any]) -> str:
    status = data.get("status", "?")
    if status == "scored":
        probs = ", ".join(f"{k} {v:.0%}" for k, v in data["level_probabilities"].items())
        low, high = data["score_interval"]
        level = f"{data['skill_level']} ({probs})"
        return f"{status} (exit {code}): {level}, score {data['score']:.1f} ({low:.1f}-{high:.1f})"
    reasons = "; ".join(data.get("refusal_reasons", []))
    return f"{status} (exit {code}): {reasons[:160]}"


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("clip", type=Path)
    parser.add_argument("--procedure", default="suturing")
    parser.add_argument("--loop-s", type=float, default=30.0)
    parser.add_argument("--variants", nargs="+", default=["original", "slowed", "paused"], choices=VARIANTS)
    parser.add_argument("--out", type=Path, default=None, help="keep the variant videos and JSON here")
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--track-once", action="store_true", help="track once; time variants as motion files")
    args = parser.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="skillsight-figure-"))
    out.mkdir(parents=True, exist_ok=True)
    if args.track_once:
        print(f"{args.clip.name}: tracked once, ping-pong looped to {args.loop_s:g} s")
        for variant, seconds_long, path in track_once_variants(
            args.clip, args.procedure, args.variants, args.loop_s, out
        ):
            code, data, seconds = score(path, args.procedure, "right", args.model)
            print(f"  {variant:9s} {seconds_long:5.1f} s, scored in {seconds:5.0f} s: {summary(code, data)}")
        return 0
    frames, fps = decode(args.clip)
    print(f"{args.clip.name}: {len(frames)} frames at {fps:g} fps, ping-pong looped to {args.loop_s:g} s")
    for variant in args.variants:
        order = indices(variant, len(frames), fps, args.loop_s)
        video = out / f"{args.clip.stem}-{variant}.mkv"
        write_lossless(video, frames, order, fps, variant)
        hand = "left" if variant == "mirrored" else "right"
        code, data, seconds = score(video, args.procedure, hand, args.model)
        print(f"  {variant:9s} {len(order) / fps:5.1f} s, scored in {seconds:5.0f} s: {summary(code, data)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
