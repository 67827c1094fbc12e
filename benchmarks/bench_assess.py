"""Scoring a 10-minute motion file end to end (goal: under 1 s).

Generates a 10-minute synthetic suturing practice at 30 fps, saves it as a .motion.npz, then times
`skillsight.pipeline.assess_source` on that file: load, clean-up and scale, features, the shipped ONNX
scorer, the expert reference with its DTW phase comparison, feedback. The first call includes
onnxruntime's import and session start; the warm figure is the median of the next runs.

    python benchmarks/bench_assess.py [--minutes 10] [--fps 30] [--repeats 5] [--procedure suturing]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--fps", type=float, default=30.0)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--procedure", default="suturing")
    args = parser.parse_args()

    from skillsight.pipeline import assess_source
    from skillsight.scoring.synthetic import generate_practice

    start = time.perf_counter()
    motion = generate_practice(
        skill="intermediate", procedure=args.procedure, duration_s=args.minutes * 60, fps=args.fps, seed=7
    )
    generated_s = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as folder:
        path = motion.save(Path(folder) / "practice")
        size_mb = path.stat().st_size / 1e6
        timings = []
        for _ in range(args.repeats + 1):
            start = time.perf_counter()
            run = assess_source(path, args.procedure)
            timings.append(time.perf_counter() - start)
        # The whole `skillsight score` process: interpreter start, imports, scoring, printing.
        command = [sys.executable, "-m", "skillsight.cli", "score", str(path), "--procedure", args.procedure]
        start = time.perf_counter()
        process = subprocess.run(command, capture_output=True, text=True)
        cli_s = time.perf_counter() - start
    assessment = run.assessment
    print(
        f"motion: {motion.n_frames} frames, {motion.duration_s / 60:.1f} min at {args.fps:g} fps, "
        f"{motion.individuals}, file {size_mb:.1f} MB (generated in {generated_s:.1f} s)"
    )
    print(
        f"assessment: {assessment.status}, level {assessment.skill_level}, score {assessment.score}, "
        f"{len(assessment.metrics)} metrics, {len(assessment.feedback)} feedback items, "
        f"{len(assessment.phase_comparisons)} phase comparisons"
    )
    print(f"assess_source, first call (cold: onnxruntime import + session): {timings[0]:.3f} s")
    print(
        f"assess_source, warm median of {args.repeats}: {statistics.median(timings[1:]):.3f} s "
        f"(min {min(timings[1:]):.3f} s, max {max(timings[1:]):.3f} s); goal < 1 s"
    )
    print(f"`skillsight score` whole process (exit {process.returncode}): {cli_s:.3f} s")


if __name__ == "__main__":
    main()
