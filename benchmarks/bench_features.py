"""compute_features time on this tree beside another revision, measured side by side in one run.

    python benchmarks/bench_features.py [--against dc2d33d] [--repeats 7]

The same synthetic practices (suturing 60 s and intubation 30 s at 30 fps, made by this tree's
generator and saved as motion files) are prepared and measured by this tree and by the revision
`--against` (exported with `git archive` into a temporary folder and imported from there), in
alternating subprocesses so both see the same machine load. Each repeat prepares a freshly loaded
motion (not timed), then times one `compute_features` call, as one scoring does: "cold" is a
process's first call (lazy imports included, as in `skillsight score`), "warm" a later one on
another fresh motion (as in batch scoring). Prints the median milliseconds of each side and their
ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path
from typing import Optional

from skillsight.pose.motion import save_motion
from skillsight.scoring.synthetic import generate_practice

REPO = Path(__file__).resolve().parents[1]
# Where this project's packages live in the source tree (pyproject's package-dir).
PACKAGE_DIRS = ("capture", "pose", "scoring", "models", "datasets")
PRACTICES = {"suturing": 60.0, "intubation": 30.0}

MEASURE = """
import json, sys, time
from skillsight.pose.motion import load_motion
from skillsight.scoring.features import compute_features, prepare_motion
out = {}
for path, procedure in json.loads(sys.argv[1]):
    for state in ("cold", "warm"):  # the first call pays for lazy imports; the second is every later one
        motion = prepare_motion(load_motion(path))
        started = time.perf_counter()
        compute_features(motion, procedure)
        out[f"{procedure} {state}"] = (time.perf_counter() - started) * 1e3
print(json.dumps(out))
"""


def export_revision(revision: str, folder: Path) -> Path:
    """The revision's tree under folder, importable as `skillsight` from the returned path."""
    archive = subprocess.run(["git", "archive", revision], cwd=REPO, check=True, capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    for name in PACKAGE_DIRS:
        (folder / "skillsight" / name).symlink_to(Path("..") / name)
    return folder


def measure(python_path: Optional[Path], practices: list[tuple[str, str]]) -> dict[str, float]:
    """One subprocess's timings; `python_path` None imports this tree (as installed)."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if python_path is not None:
        env["PYTHONPATH"] = str(python_path)
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, json.dumps(practices)], env=env, capture_output=True
    )
    if done.returncode != 0:
        raise SystemExit(f"measuring with PYTHONPATH={python_path} failed:\n{done.stderr.decode()[-2000:]}")
    return json.loads(done.stdout.decode().strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", default="dc2d33d", help="git revision to compare with")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        practices = []
        for procedure, duration in PRACTICES.items():
            motion = generate_practice("intermediate", procedure, duration_s=duration, fps=30.0, seed=3)
            practices.append((str(save_motion(motion, folder / procedure)), procedure))
        old = export_revision(args.against, folder / "old")
        sides: dict[str, dict[str, list[float]]] = {"this tree": {}, args.against: {}}
        for _ in range(args.repeats):  # alternate, so both sides see the same load
            for side, path in (("this tree", None), (args.against, old)):
                for procedure, ms in measure(path, practices).items():
                    sides[side].setdefault(procedure, []).append(ms)
    for case in sides["this tree"]:
        new = statistics.median(sides["this tree"][case])
        before = statistics.median(sides[args.against][case])
        print(
            f"{case:16s} compute_features: this tree {new:7.1f} ms, {args.against} {before:7.1f} ms, "
            f"ratio {new / before:.2f} (median of {args.repeats})"
        )


if __name__ == "__main__":
    main()
