"""Upload to results: how long the app takes for a clip (default: the 13-second real hand clip).

Goals (issue 15, 2 cores): a 30-s 1080p clip (benchmarks/bench_score.py makes one: --seconds 30) in
under 25 s; a clip too short for its procedure (the 13-s hand clip for suturing) refused in under 2 s.

Starts `python app.py` on a free port (data in a temporary folder) and times gradio_client's call of
the page's /assess endpoint: upload, tracking, scoring and storing, as the button does. It also
prints the CPU seconds the server spent on the request and the machine's load, because on a shared
machine the wall time mostly says how busy the neighbours were. The annotated replay is drawn while
tracking; in process, that is timed beside the earlier way (a full-size second pass after the results).

    python benchmarks/bench_app.py [--clip PATH] [--procedure suturing] [--runs 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CLIP = REPO_ROOT.parent / "shared" / "data" / "tfjs" / "asl_hand.25fps.mp4"


def server_cpu_seconds(pid: int) -> float:
    import psutil

    process = psutil.Process(pid)
    times = process.cpu_times()
    children = sum(c.cpu_times().user + c.cpu_times().system for c in process.children(recursive=True))
    return times.user + times.system + children


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", type=Path, default=DEFAULT_CLIP)
    parser.add_argument("--procedure", default="suturing")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--no-replay", action="store_true", help="skip the in-process replay timing")
    parser.add_argument(
        "--replay-cost", action="store_true", help="only the replay's own CPU cost over the clip's frames"
    )
    args = parser.parse_args()
    if args.replay_cost:
        replay_cost(args.clip)
        return

    for folder in ("tests", "tests/support"):  # the app-server fixture and the conftest it imports
        sys.path.insert(0, str(REPO_ROOT / folder))
    from app_server import running_app
    from gradio_client import Client, handle_file

    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        started = time.perf_counter()
        with running_app(data_dir) as app:
            print(f"app.py answered after {time.perf_counter() - started:.1f} s")
            client = Client(app.url, verbose=False)
            time.sleep(
                5
            )  # let the background warm-up imports finish, as they would while a trainee reads the page
            for run in range(1, args.runs + 1):
                cpu0, t0 = server_cpu_seconds(app.pid), time.perf_counter()
                result = client.predict(
                    handle_file(str(args.clip)), args.procedure, "right", False, api_name="/assess"
                )
                elapsed = time.perf_counter() - t0
                cpu = server_cpu_seconds(app.pid) - cpu0
                print(
                    f"run {run}: upload to results {elapsed:.1f} s, server CPU {cpu:.1f} s, "
                    f"status {result['status']}, "
                    f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
                )
        if not args.no_replay:
            replay_timing(args.clip, args.procedure, Path(tmp) / "inproc")


def replay_timing(clip: Path, procedure: str, data_dir: Path) -> None:
    """In process, side by side: the replay drawn while tracking (the app's way now: 960 px, 15 frames a
    second; and at every frame) against the results first and a full-size replay drawn afterwards in a
    second pass (the way before)."""
    from skillsight.webapp import service as service_module

    warm_up(clip, procedure, data_dir)
    ways = {
        "replay while tracking": (True, service_module.REPLAY_MAX_SIDE, service_module.REPLAY_MAX_FPS),
        "replay while tracking, every frame": (True, service_module.REPLAY_MAX_SIDE, None),
        "second pass (before)": (False, None, None),
    }
    for k, (name, (with_replay, max_side, max_fps)) in enumerate(ways.items()):
        # the module's settings are what the service reads: None is the earlier full size and rate
        service_module.REPLAY_MAX_SIDE = max_side  # type: ignore[assignment]
        service_module.REPLAY_MAX_FPS = max_fps  # type: ignore[assignment]
        service = service_module.AppService(data_dir=data_dir / f"way{k}")
        try:
            cpu0, t0 = process_cpu_seconds(), time.perf_counter()
            view = service.assess_video(str(clip), procedure, trainee="bench", with_replay=with_replay)
            t1, cpu1 = time.perf_counter(), process_cpu_seconds() - cpu0
            replay = service.write_replay(view.session_id, "bench")
            t2, cpu = time.perf_counter(), process_cpu_seconds() - cpu0
            size = replay.stat().st_size / 1e6 if replay is not None else 0.0
        finally:
            service.close()
        print(
            f"in process, {name}: results {t1 - t0:.1f} s (CPU {cpu1:.1f} s), replay ready {t2 - t0:.1f} s "
            f"(CPU {cpu:.1f} s, {size:.1f} MB), load {os.getloadavg()[0]:.1f}"
        )


def replay_cost(clip: Path) -> None:
    """The CPU the live replay adds to a pass over the clip's frames, without tracking's noise: the clip
    decoded alone, then decoded with the replay drawn from two fake hands (every frame, and at the app's
    15 frames a second), each twice, alternating."""
    from skillsight.base.keypoints import HAND_KEYPOINTS
    from skillsight.capture.sources import open_source
    from skillsight.pose.live_overlay import LiveOverlay
    from skillsight.pose.trackers.base import FrameObservation
    from skillsight.pose.tracking_loop import Recorder
    from skillsight.webapp.service import REPLAY_MAX_FPS, REPLAY_MAX_SIDE

    class Hands:
        individuals, keypoints = ("left_hand", "right_hand"), tuple(HAND_KEYPOINTS)

    rng = np.random.default_rng(0)
    ways = {
        "decode only": None,
        "every frame": (REPLAY_MAX_SIDE, None),
        "app": (REPLAY_MAX_SIDE, REPLAY_MAX_FPS),
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name in [*ways, *reversed(ways)]:
            source, recorder = open_source(clip), Recorder(Hands())  # type: ignore[arg-type]
            cpu0 = process_cpu_seconds()
            overlay = None
            if ways[name] is not None:
                side, fps = ways[name]
                overlay = LiveOverlay(
                    Path(tmp) / "r.mp4", source.info.fps, [recorder], max_side=side, max_fps=fps
                )
            for frame in source:
                if overlay is not None:
                    points = rng.uniform(100, 900, (2, len(HAND_KEYPOINTS), 3))
                    recorder.add(frame, FrameObservation(points, np.ones(points.shape[:2])))
                    overlay.add(frame)
            if overlay is not None:
                overlay.close()
            print(f"{name:12s}: CPU {process_cpu_seconds() - cpu0:.2f} s, load {os.getloadavg()[0]:.1f}")


def warm_up(clip: Path, procedure: str, folder: Path) -> None:
    """Imports, models and the encoder loaded once before anything is timed (the first way timed would
    otherwise pay for them), as the app's own warm-up does before a trainee's first upload."""
    from skillsight.pose.track import TrackingRequest, track
    from skillsight.scoring.procedure import load_procedure

    folder.mkdir(parents=True, exist_ok=True)
    tracker = load_procedure(procedure).tracker
    track(clip, TrackingRequest(tracker=tracker, max_frames=30, overlay_path=folder / "warm.mp4"))


def process_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


if __name__ == "__main__":
    main()
