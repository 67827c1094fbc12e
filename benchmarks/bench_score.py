"""The whole `skillsight score` process on realistic clips made from the shared ones, against a bare
MediaPipe loop on the same clip in the same run (issue 15).

Clips (`--seconds` long each, 60 by default; made once into `--clips DIR`, reused when present):
- squats_720p30.mp4: the squats clip (720x1280, one person, hands small in the frame; 5 fps) with each
  frame shown 6 times, so motion keeps its real speed at 30 fps; scored as intubation (hands+pose);
- typing_1080p.mp4: the typing clip (1920x1080, two bare hands) looped; scored as suturing;
- typing_gloves_1080p.mp4: the same recoloured to blue gloves; scored as suturing.

For each clip, in turn (`--rounds` times, A B A B ...): the bare loop (a separate Python process that
decodes with PyAV and calls the Tasks landmarkers the procedure's tracker uses, one after the other on
one thread, on every frame; imports included) and `skillsight score CLIP -p PROC --no-progress --json`
(imports, model loading, hashing, tracking, scoring and the JSON). Printed: each one's real-time factor
(video seconds / wall seconds) and their ratio (bare wall / score wall: above 1, the whole score is
faster than the bare loop). `--left` also scores the squats clip's mirror image (re-encoded) as
left-handed beside the clip scored right-handed: a left-handed trainee's recording, whose frames
canonical orientation mirrors back for the tracker, against the right-handed one.

Goals: intubation 720p hands+pose >= 1.5x real time; suturing 1080p two hands >= 2x; left-handed no
slower than right-handed.

    python benchmarks/bench_score.py --seconds 20 --rounds 1        # a quick look
    python benchmarks/bench_score.py --clips /tmp/score-clips --left  # the figures
    python benchmarks/bench_score.py --against ../main/.venv/bin/python  # before/after in one run
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_tracking import loop_clip, shared_clip  # noqa: E402

BARE_LOOP = """
import sys, av
from skillsight.pose.trackers import mediapipe_tasks as mt
runners = [mt.LandmarkerRunner(mt.create_hand_landmarker(2, 0.5, 0.5, 0.5, False), False)]
if sys.argv[2] == "hands+pose":
    runners.append(mt.LandmarkerRunner(mt.create_pose_landmarker(0.5, 0.5, 0.5, False), False))
with av.open(sys.argv[1]) as container:
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    for frame in container.decode(stream):
        image = frame.to_ndarray(format="rgb24")
        for run in runners:
            run(image)
for run in runners:
    run.close()
"""

CLIPS = {  # name -> (procedure, tracker the bare loop mirrors)
    "squats_720p30.mp4": ("intubation", "hands+pose"),
    "typing_1080p.mp4": ("suturing", "hands"),
    "typing_gloves_1080p.mp4": ("suturing", "hands"),
}


def make_squats_segment(dst: Path, repeat: int = 6, fps: int = 30) -> Path:
    """The squats clip at `fps`, each frame shown `repeat` times (5 fps x 6 = 30 fps, real speed)."""
    import av

    with av.open(str(shared_clip("pose_squats.mp4"))) as src, av.open(str(dst), "w") as out:
        stream = None
        for frame in src.decode(video=0):
            image = frame.to_ndarray(format="rgb24")
            if stream is None:
                stream = out.add_stream("libx264", rate=Fraction(fps))
                stream.width, stream.height, stream.pix_fmt = image.shape[1], image.shape[0], "yuv420p"
                stream.options = {"crf": "20", "preset": "veryfast"}
            for _ in range(repeat):
                for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                    out.mux(packet)
        assert stream is not None
        for packet in stream.encode():
            out.mux(packet)
    return dst


def make_clips(folder: Path, seconds: float) -> dict[str, Path]:
    """The three clips, made once per length (a clip already there is reused)."""
    from skillsight.synthetic_video import make_gloved_clip

    folder.mkdir(parents=True, exist_ok=True)
    typing = _typing_clip()
    segments = {
        "squats_720p30.mp4": make_squats_segment,
        "typing_1080p.mp4": lambda _p: typing,
        "typing_gloves_1080p.mp4": lambda p: make_gloved_clip(typing, p, "blue"),
    }
    clips = {}
    for name, make in segments.items():
        clip = folder / f"{Path(name).stem}.{seconds:g}s.mp4"
        if not clip.exists():
            segment = make(folder / f"segment.{name}")
            loop_clip(segment, clip, seconds)
        clips[name] = clip
    return clips


def _typing_clip() -> Path:
    path = shared_clip("asl_hand.25fps.mp4").parents[1] / "mediapipe_samples" / "typing_two_hands.mp4"
    if not path.exists():
        raise SystemExit(f"{path}: shared clip not found")
    return path


def wall_of(cmd: list[str], log: Path) -> float:
    """Wall seconds of one whole process (its output kept in `log`); its CPU seconds (user + system,
    which other users of a shared machine disturb less) are printed beside."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with open(log, "ab") as sink:
        # Run outside any checkout: `python -m` puts the working folder first on sys.path, which would
        # mix this checkout's modules into another installation's (--against).
        done = subprocess.run(cmd, stdout=sink, stderr=sink, check=False, cwd=log.parent)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 3, 4, 5):  # scored, refused, out of domain, damaged all count
        raise SystemExit(f"{' '.join(cmd)} exited {done.returncode}; see {log}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    label = "bare loop" if "-c" in cmd else f"score {cmd[cmd.index('--dominant-hand') + 1]}-handed"
    if cmd[0] != sys.executable:
        label += f" ({cmd[0]})"
    print(f"    {label}: wall {wall:.1f} s, CPU {cpu:.1f} s")
    return wall


def score_cmd(
    clip: Path, procedure: str, work: Path, hand: str = "right", python: str = sys.executable
) -> list[str]:
    out = work / f"{clip.stem}.{hand}.json"
    cmd = [python, "-m", "skillsight.cli", "score", str(clip), "-p", procedure]
    return cmd + ["--dominant-hand", hand, "--no-progress", "--json", str(out)]


def duration_s(clip: Path) -> float:
    from skillsight.capture.container import container_length

    length = container_length(clip)
    assert length is not None, clip
    return length.span_s


def mirrored_copy(clip: Path) -> Path:
    """The clip mirrored (a left-handed trainee's recording of the same practice), made once."""
    from skillsight.synthetic_video import mirror_clip

    mirrored = clip.with_name(f"mirrored.{clip.name}")
    return mirrored if mirrored.exists() else mirror_clip(clip, mirrored)


def measure(
    clip: Path, procedure: str, tracker: str, work: Path, rounds: int, left: bool, against: Optional[str]
) -> None:
    seconds = duration_s(clip)
    bare_cmd = [sys.executable, "-c", BARE_LOOP, str(clip), tracker]
    bare, ours, lefts, others = [], [], [], []
    for _ in range(rounds):
        bare.append(wall_of(bare_cmd, work / "bare.log"))
        ours.append(wall_of(score_cmd(clip, procedure, work), work / "score.log"))
        if left:
            lefts.append(wall_of(score_cmd(mirrored_copy(clip), procedure, work, "left"), work / "score.log"))
        if against is not None:
            other = score_cmd(clip, procedure, work, "right", python=against)
            others.append(wall_of(other, work / "against.log"))
    ratios = ", ".join(f"{b / o:.2f}" for b, o in zip(bare, ours))
    print(
        f"{clip.name} ({seconds:.0f} s, {procedure}, {tracker}): bare loop {_rtf(seconds, bare)}, "
        f"skillsight score {_rtf(seconds, ours)}; bare wall / score wall per round: {ratios}"
    )
    if left:
        per_round = ", ".join(f"{r / lw:.2f}" for r, lw in zip(ours, lefts))
        print(f"  left-handed score {_rtf(seconds, lefts)}; right wall / left wall per round: {per_round}")
    if against is not None:
        per_round = ", ".join(f"{a / o:.2f}" for a, o in zip(others, ours))
        print(f"  {against}: score {_rtf(seconds, others)}; its wall / this wall per round: {per_round}")


def _rtf(seconds: float, walls: list[float]) -> str:
    best, median = min(walls), sorted(walls)[len(walls) // 2]
    return f"{seconds / median:.2f}x real time (median of {len(walls)}; best {seconds / best:.2f}x)"


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each clip")
    parser.add_argument("--rounds", type=int, default=2, help="bare loop and score, in turn, this many times")
    parser.add_argument("--clips", type=Path, default=Path("/tmp/skillsight-score-clips"))
    parser.add_argument("--only", choices=sorted(CLIPS), action="append", help="only these clips")
    parser.add_argument("--left", action="store_true", help="also score the squats clip left-handed")
    parser.add_argument(
        "--against",
        metavar="PYTHON",
        help="also score each clip with another installation's interpreter (e.g. main's .venv/bin/python), "
        "in turn with this one, for a before/after in one run",
    )
    args = parser.parse_args(argv)
    clips = make_clips(args.clips.resolve(), args.seconds)
    work = args.clips.resolve() / "work"
    work.mkdir(exist_ok=True)
    for name in args.only or CLIPS:
        procedure, tracker = CLIPS[name]
        left = args.left and name.startswith("squats")
        measure(clips[name], procedure, tracker, work, args.rounds, left, args.against)
    return 0


if __name__ == "__main__":
    sys.exit(main())
