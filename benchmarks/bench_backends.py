"""Tracking speed of the MediaPipe Tasks backend against the legacy solutions it replaced, side by side.

Two virtual environments, one run: this one (mediapipe 1.x, the Tasks HandLandmarker / PoseLandmarker on
SkillSight's shipped bundles) and a legacy one with mediapipe 0.10.21 (``mp.solutions.hands`` /
``mp.solutions.pose``, model_complexity=1: the same networks). The legacy venv is the one
``scripts/build_task_bundles.py`` uses (``build/legacy-venv``), made here when missing from a CPython
3.9-3.12 (``--legacy-python``, default the first python3.12/3.11/3.10 found).

Each side runs in its own process: it decodes the clip first (not timed), runs a few warm-up frames,
then times the landmark loop over the frames ``--repeat`` times. The two sides alternate for
``--rounds`` rounds, so load changes on a shared machine hit both alike; the ratio is Tasks fps /
legacy fps per round (goal >= 0.9), for hands (the 620x1080 ASL clip, two hands allowed) and pose (the
720x1280 squats clip); and for pose, the crop backend (detector and landmark model on LiteRT,
`pose_crops`) against the legacy one. Also timed: SkillSight's own hands tracker (identity,
confidence) on Tasks.

    python benchmarks/bench_backends.py [--rounds 3] [--repeat 2]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Optional

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "scripts"))
from build_task_bundles import LEGACY_VENV, ensure_legacy_venv  # noqa: E402

CLIPS = {"hands": "asl_hand.25fps.mp4", "pose": "pose_squats.mp4"}

LOOP = """
import sys, time
import av, numpy as np
kind, backend, clip, repeat = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
with av.open(clip) as container:
    frames = [np.ascontiguousarray(f.to_ndarray(format="rgb24")) for f in container.decode(video=0)]
if backend == "legacy":
    import mediapipe as mp
    if kind == "hands":
        model = mp.solutions.hands.Hands(static_image_mode=False, max_num_hands=2, model_complexity=1)
    else:
        model = mp.solutions.pose.Pose(static_image_mode=False, model_complexity=1)
    step, close = model.process, model.close
elif backend == "tasks":
    from skillsight.pose.trackers import mediapipe_tasks as mt
    if kind == "hands":
        landmarker = mt.create_hand_landmarker(2, 0.5, 0.5, 0.5, independent_frames=False)
    else:
        landmarker = mt.create_pose_landmarker(0.5, 0.5, 0.5, independent_frames=False)
    runner = mt.LandmarkerRunner(landmarker, independent_frames=False)
    step, close = runner, runner.close
elif backend == "crops":
    from skillsight.pose.trackers import mediapipe_tasks as mt
    from skillsight.pose.trackers.pose_crops import PoseCropTracker
    tracker = PoseCropTracker(mt.bundle_path(mt.POSE_BUNDLE))
    clock = iter(range(10**9))
    step, close = (lambda image: tracker(image, next(clock) / 30.0)), (lambda: None)
else:
    from skillsight.capture.frames import Frame
    from skillsight.pose.trackers.mediapipe_hands import MediaPipeHandsTracker
    tracker = MediaPipeHandsTracker(camera_view="front")
    step = lambda image: tracker.process(Frame(0, 0.0, image))
    close = tracker.close
for image in frames[:5]:
    step(image)
start = time.perf_counter()
for _ in range(repeat):
    for image in frames:
        step(image)
elapsed = time.perf_counter() - start
close()
print(len(frames) * repeat / elapsed)
"""


def shared_clip(name: str) -> Path:
    data = Path(os.environ.get("SKILLSIGHT_TEST_DATA", REPO_ROOT.parent / "shared" / "data"))
    path = data / "tfjs" / name
    if not path.exists():
        raise SystemExit(f"{path}: shared clip not found (set SKILLSIGHT_TEST_DATA)")
    return path


def default_legacy_python() -> str:
    for name in ("python3.12", "python3.11", "python3.10"):
        found = shutil.which(name)
        if found:
            return found
    raise SystemExit("no CPython 3.10-3.12 on PATH for the legacy venv: pass --legacy-python")


def fps(python: Path | str, kind: str, backend: str, repeat: int) -> float:
    args = [str(python), "-c", LOOP, kind, backend, str(shared_clip(CLIPS[kind])), str(repeat)]
    result = subprocess.run(args, capture_output=True, text=True, cwd=REPO_ROOT)
    if result.returncode != 0:
        raise SystemExit(f"{backend} {kind} loop failed:\n{result.stderr[-3000:]}")
    return float(result.stdout.split()[-1])


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=2, help="passes over the clip per timed loop")
    parser.add_argument("--legacy-venv", type=Path, default=LEGACY_VENV)
    parser.add_argument("--legacy-python", default=None, help="CPython 3.9-3.12 to make the legacy venv")
    args = parser.parse_args(argv)
    legacy = ensure_legacy_venv(args.legacy_venv, args.legacy_python or default_legacy_python())
    print(f"legacy: {legacy} (mediapipe 0.10.21); tasks: {sys.executable}; {os.cpu_count()} cores")
    for kind in ("hands", "pose"):
        ratios = []
        for round_index in range(args.rounds):
            old = fps(legacy, kind, "legacy", args.repeat)
            new = fps(sys.executable, kind, "tasks", args.repeat)
            ratios.append(new / old)
            print(
                f"{kind} round {round_index + 1}: legacy {old:6.1f} fps, tasks {new:6.1f} fps, "
                f"ratio {new / old:.3f}"
            )
        print(f"{kind}: tasks / legacy median ratio {statistics.median(ratios):.3f}  (goal >= 0.9)")
    ratios = []
    for round_index in range(args.rounds):
        old, new = (
            fps(legacy, "pose", "legacy", args.repeat),
            fps(sys.executable, "pose", "crops", args.repeat),
        )
        ratios.append(new / old)
        print(f"pose round {round_index + 1}: legacy {old:6.1f} fps, crops (LiteRT) {new:6.1f} fps")
    print(f"pose: crops / legacy median ratio {statistics.median(ratios):.3f}  (goal >= 0.9)")
    tracker = fps(sys.executable, "hands", "tracker", args.repeat)
    print(f"SkillSight hands tracker on Tasks (identity, confidence included): {tracker:6.1f} fps")
    return 0


if __name__ == "__main__":
    sys.exit(main())
