"""Glove tracker figures (issue 10), measured side by side in one run.

1. Accuracy on the generated scene set (skillsight.glove_scenes: every glove colour x drape x listed
   condition, real hands cut from the shared clips), read as independent stills: share of visible hands
   found on the right side within 0.15 x width, median error (x width), share of false hands; per colour.
2. Speed on decoded 1920x1080 frames, OpenCV on one thread: a gloved 1080p H.264 clip is made from
   generated frames, decoded (decoding fps printed) and tracked from memory (glove fps printed).
3. `auto` on a gloved video of a few minutes against gloves alone (CPU seconds; ratio printed).

    python benchmarks/bench_gloves.py [--scene-size 960 540] [--repeats 1] [--minutes 2] [--skip-accuracy]
        [--seed 0|5000|9000] [--gloves indigo,purple,green] [--auto-stills] [--skip-speed]
        [--auto-videos 100,101,102] [--crossing-videos 4] [--auto-leaving-videos 100,101,102]
        [--auto-crossing-videos 100,101,102]

Accuracy also prints, per tracker and scene condition, each kind of miss (wrong side, too far, not found)
and false hands.
--auto-stills adds `auto` on stills (each decided on its own, as `skillsight track FOLDER --tracker auto`
runs) with 14 bare-handed stills, two of each of the 7 skin tones, where every glove hand is false.
--crossing-videos N adds the "crossing in video" condition (skillsight.glove_scenes_video: two gloved
hands approaching, touching, crossing at the wrists and parting, 48 frames): N videos per glove colour,
seeds S+1..S+N of the seed set; per colour, the share of visible hands found at all (a reported hand of
either side within 0.15 x width), found on the right side, and false hands; the same apart for the
videos as they were and for those in which one hand leaves the frame and comes back (a quarter,
drawn per colour: skillsight.glove_scenes_leaving), with what happens while it is out and as it returns.
--auto-leaving-videos SEEDS: `auto` on one video per seed and kind (skin-tone latex, bare, indigo) in which
one hand leaves the frame and comes back (a crossing video with a leave, 30 frames of tie), scored as
--auto-videos is, with the "hand leaves" line of --crossing-videos.
--auto-crossing-videos SEEDS: the same crossing videos without a leave (hands meet, cross and part). Each
`auto` option also prints how many bare-handed videos were decided as gloves (every one is wrong).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Optional

import numpy as np


def accuracy(
    size: tuple[int, int], repeats: int, seed: int = 0, gloves: Optional[list[str]] = None, auto: bool = False
) -> None:
    from skillsight.capture.frames import Frame
    from skillsight.glove_scene_scoring import SceneScore, centres_of, score_observation
    from skillsight.glove_scenes import SKIN_TONES, bare_hand_scene, scene_set
    from skillsight.pose.trackers.gloves import GloveTracker

    trackers: dict[str, Any] = {
        "gloves": GloveTracker(independent_frames=True),
        "gloves+skin-tone": GloveTracker(independent_frames=True, skin_tone_gloves=True),
    }
    if auto:  # the path of `skillsight track FOLDER --tracker auto`: every still decided on its own
        from skillsight.pose.trackers.auto import AutoTracker

        trackers["auto-stills"] = AutoTracker(camera_view="top", independent_frames=True)
        trackers["auto-stills"].prepare([])
    scores: dict[str, dict[str, SceneScore]] = {name: defaultdict(SceneScore) for name in trackers}
    kinds: dict[str, dict[str, Counter[str]]] = {name: defaultdict(Counter) for name in trackers}
    started = time.perf_counter()
    scenes = list(scene_set(size=size, seed=seed, repeats=repeats, gloves=gloves))
    if auto:  # bare hands of every skin tone beside white and blue objects: no glove may be reported
        tones = list(SKIN_TONES)
        scenes += [bare_hand_scene(seed + 100 + i, size, skin=tones[i % len(tones)]) for i in range(14)]
    for n, scene in enumerate(scenes, start=1):
        for name, tracker in trackers.items():
            if scene.glove is None and name != "auto-stills":
                continue
            centres = centres_of(tracker.process(Frame(n, float(n), scene.image)))
            for key in (str(scene.glove), "all"):
                score_observation(scene, centres, scores[name][key])
            for kind in hand_outcomes(scene, centres):
                kinds[name][scene.condition][kind] += 1
    print(
        f"accuracy on {len(scenes)} generated scenes at {size[0]}x{size[1]}, seed {seed} "
        f"({time.perf_counter() - started:.0f} s):"
    )
    for name, per_glove in scores.items():
        for glove, score in per_glove.items():
            print(f"  {name:>17} {glove:>11}: {score.summary()}")
        print(f"  {name:>17} misses: {' '.join(per_glove['all'].misses)}")
        print(f"  {name:>17} by condition, found / visible and each kind of miss:")
        for condition, tally in kinds[name].items():
            seen = sum(tally[k] for k in OUTCOMES[:4])  # visible hands (false and doubled hands are none)
            missed = ", ".join(f"{k} {tally[k]}" for k in OUTCOMES[1:] if tally[k])
            print(f"  {'':>17}   {condition:>16}: {tally['found']}/{seen} {missed}")


OUTCOMES = ("found", "wrong side", "too far", "not found", "false", "doubled")


def hand_outcomes(scene: Any, centres: dict[str, tuple[float, float]]) -> list[str]:
    """Per visible hand: found (on its side within 0.15 x width), "wrong side" (only the other side's
    hand lies that near), "too far" (a hand of its side is reported, farther), "not found" (neither);
    then "false" for each reported hand near no true hand, and "doubled" for each other reported hand
    beyond the scene's hands (one glove reported as two, both near it: the figures do not count it)."""
    from skillsight.glove_scene_scoring import TOLERANCE

    limit = TOLERANCE * scene.image.shape[1]
    outcomes = []
    for hand in scene.visible_hands:
        other = "left_hand" if hand.side == "right_hand" else "right_hand"
        near = {side: math.dist(c, hand.centre) <= limit for side, c in centres.items()}
        if near.get(hand.side):
            outcomes.append("found")
        elif near.get(other):
            outcomes.append("wrong side")
        else:
            outcomes.append("too far" if hand.side in centres else "not found")
    false = [p for p in centres.values() if not any(math.dist(p, h.centre) <= limit for h in scene.hands)]
    outcomes += ["false"] * len(false)
    return outcomes + ["doubled"] * max(0, len(centres) - len(false) - len(scene.hands))


def auto_videos(
    seeds: list[int], size: tuple[int, int], leaving: bool = False, crossing: bool = False
) -> None:
    """`auto` (real MediaPipe) on generated 30-frame videos: skin-tone latex, bare hands beside white and
    blue objects (every glove hand false), indigo nitrile; per kind, videos where skin latex was found.
    `leaving`: instead, crossing videos (30 frames of the tie) of those kinds in which one hand leaves the
    frame and comes back (every one: `glove_scenes_video.crossing_video(leaving=True)`, on a drape with a
    white pad; the bare hands' glove hands are false there too). `crossing`: the same crossing videos
    without a leave (hands meeting, crossing and parting). Then, how many bare-handed videos were decided
    as gloves (skin-tone latex found, or any hand reported from the glove tracker)."""
    from skillsight.capture.frames import Frame
    from skillsight.glove_scene_scoring import SceneScore, centres_of, score_observation
    from skillsight.glove_scenes import DRAPES, scene_video
    from skillsight.glove_scenes_video import crossing_video
    from skillsight.pose.trackers.auto import AutoTracker

    trips = LeavingTally()
    bare_as_gloves = 0
    for glove in ("skin_latex", None, "indigo"):
        score, latex, from_gloves, from_skin, frames_seen = SceneScore(), 0, 0, 0, 0
        for seed in seeds:
            drape = list(DRAPES)[seed % len(DRAPES)]
            if leaving or crossing:
                scenes = crossing_video(seed, 30, glove=glove, drape=drape, size=size, leaving=leaving)
            else:
                scenes = scene_video(seed, 30, glove, drape, size)
            frames = [Frame(i, i / 25.0, scene.image) for i, scene in enumerate(scenes)]
            tracker = AutoTracker(camera_view="top")
            tracker.prepare(frames[::3])
            observations = [tracker.process(frame) for frame in frames]
            provenance = tracker.provenance()
            tracker.close()
            latex += int(bool(provenance.get("skin_tone_gloves_found")))
            as_gloves = (
                provenance.get("skin_tone_gloves_found")
                or provenance["per_frame_sources"]["hands_from_gloves"]
            )
            bare_as_gloves += int(glove is None and bool(as_gloves))
            from_gloves += provenance["per_frame_sources"]["hands_from_gloves"]
            from_skin += provenance["per_frame_sources"]["hands_from_skin_colour"]
            frames_seen += len(frames)
            for scene, observation in zip(scenes, observations):
                score_observation(scene, centres_of(observation), score)
            if leaving:
                trips.add(scenes, [centres_of(observation) for observation in observations])
        kind = "auto video leaving" if leaving else "auto video crossing" if crossing else "auto video"
        print(
            f"  {kind} {str(glove):>11}: skin latex found in {latex}/{len(seeds)} videos, glove hands "
            f"{from_gloves} in {frames_seen} frames, bare hands by skin colour {from_skin}; {score.summary()}"
        )
    print(f"  bare-handed videos decided as gloves: {bare_as_gloves}/{len(seeds)}")
    trips.report()


def crossing_videos(seed: int, count: int, size: tuple[int, int]) -> None:
    """The glove tracker in video mode on generated crossing videos, per glove colour and in all; then
    apart, the videos as they were (no hand leaves) and those in which one hand leaves the frame."""
    from skillsight.capture.frames import Frame
    from skillsight.glove_scene_scoring import SceneScore, centres_of, score_observation
    from skillsight.glove_scenes_video import CONDITION, LEAVING_CONDITION, VIDEO_GLOVES, crossing_video
    from skillsight.pose.trackers.gloves import GloveTracker

    started = time.perf_counter()
    totals: dict[str, SceneScore] = defaultdict(SceneScore)
    located: dict[str, int] = defaultdict(int)
    trips = LeavingTally()
    for glove in VIDEO_GLOVES:
        for video_seed in range(seed + 1, seed + 1 + count):
            scenes = crossing_video(video_seed, glove=glove, size=size)
            frames = [Frame(i, i / 25.0, scene.image) for i, scene in enumerate(scenes)]
            tracker = GloveTracker(camera_view="top")
            tracker.prepare(frames[::5])
            seen = [centres_of(tracker.process(frame)) for frame in frames]
            for scene, centres in zip(scenes, seen):
                near = located_hands(scene, centres)
                for key in (glove, "all", scene.condition):
                    score_observation(scene, centres, totals[key])
                    located[key] += near
            if scenes[0].condition == LEAVING_CONDITION:
                trips.add(scenes, seen)
    print(
        f"crossing in video, {count} videos per colour, seeds {seed + 1}-{seed + count} "
        f"({time.perf_counter() - started:.0f} s):"
    )
    names = {CONDITION: "old videos", LEAVING_CONDITION: "hand leaves"}
    for key in [*VIDEO_GLOVES, "all", CONDITION, LEAVING_CONDITION]:
        score = totals[key]
        print(
            f"  {names.get(key, key):>11}: found {located[key] / max(score.visible, 1):.1%}, on the right "
            f"side {score.found_share:.1%}, false {score.false_share:.1%} ({score.summary()})"
        )
    print(f"  misses: {' '.join(sorted(set(m.split(' ')[0] for m in totals['all'].misses)))}")
    trips.report()


def located_hands(scene: Any, centres: dict[str, tuple[float, float]]) -> int:
    """How many visible hands have a reported hand of either side within the tolerance."""
    from skillsight.glove_scene_scoring import TOLERANCE

    limit = TOLERANCE * scene.image.shape[1]
    return sum(
        any(math.dist(c, hand.centre) <= limit for c in centres.values()) for hand in scene.visible_hands
    )


class LeavingTally:
    """Videos in which one hand leaves the frame and returns: hands reported while it is out (each one
    near no true hand is invented), the staying hand found on its side meanwhile, and the returning hand:
    frames from its first visible frame back until it is first found on its side, and its visible frames
    after that found on the other side (its track confused with the staying hand's)."""

    def __init__(self) -> None:
        self.videos = self.out_frames = self.invented = 0
        self.staying = self.staying_found = 0
        self.delays: list[int] = []
        self.returned = self.returned_wrong = 0

    def add(self, scenes: list, seen: list[dict[str, tuple[float, float]]]) -> None:
        from skillsight.glove_scene_scoring import TOLERANCE

        limit = TOLERANCE * scenes[0].image.shape[1]
        out = [i for i, scene in enumerate(scenes) if len(scene.hands) == 1]
        if not out:
            return
        self.videos += 1
        staying = scenes[out[0]].hands[0].side
        leaving = "left_hand" if staying == "right_hand" else "right_hand"
        for i in out:
            hand = scenes[i].hands[0]
            self.out_frames += 1
            self.invented += sum(math.dist(c, hand.centre) > limit for c in seen[i].values())
            self.staying += 1
            point = seen[i].get(staying)
            self.staying_found += int(point is not None and math.dist(point, hand.centre) <= limit)
        back = [
            i for i in range(out[-1] + 1, len(scenes)) for h in scenes[i].visible_hands if h.side == leaving
        ]
        truth = {i: next(h for h in scenes[i].hands if h.side == leaving) for i in back}
        right = [
            i for i in back if leaving in seen[i] and math.dist(seen[i][leaving], truth[i].centre) <= limit
        ]
        self.delays.append(right[0] - back[0] if right else len(back))
        after = [i for i in back if right and i > right[0]]
        self.returned += len(after)
        self.returned_wrong += sum(
            leaving not in seen[i] and any(math.dist(c, truth[i].centre) <= limit for c in seen[i].values())
            for i in after
        )

    def report(self) -> None:
        if not self.videos:
            return
        print(
            f"  hand leaves, {self.videos} videos: {self.invented} hands invented in {self.out_frames} "
            f"frames with one hand out; staying hand found on its side in "
            f"{self.staying_found}/{self.staying}; "
            f"returning hand named right after {self.delays} frames (median "
            f"{float(np.median(self.delays)):.0f}), then on the wrong side in {self.returned_wrong}/"
            f"{self.returned} visible frames"
        )


def write_clip(path: Path, frames: list[np.ndarray], fps: int = 25) -> None:
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height = frames[0].shape[1], frames[0].shape[0]
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "23"}
        for image in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def gloved_clip(folder: Path, seconds: float) -> Path:
    """A 1920x1080 clip of two gloved hands moving over a bench: 2 s of generated frames played
    forwards and backwards for `seconds`."""
    import cv2

    from skillsight.glove_scenes import scene_video

    base = [
        cv2.resize(s.image, (1920, 1080), interpolation=cv2.INTER_LINEAR)
        for s in scene_video(5, n_frames=50, glove="indigo", size=(960, 540))
    ]
    loop = base + base[::-1]
    frames = [loop[i % len(loop)] for i in range(int(seconds * 25))]
    path = folder / f"gloved_{int(seconds)}s.mp4"
    write_clip(path, frames)
    return path


def decode(path: Path) -> tuple[list, float]:
    import av

    from skillsight.capture.frames import Frame

    started = time.process_time()
    frames = []
    with av.open(str(path)) as container:
        container.streams.video[0].thread_type = "NONE"
        for i, frame in enumerate(container.decode(video=0)):
            frames.append(Frame(i, i / 25.0, frame.to_ndarray(format="rgb24")))
    return frames, time.process_time() - started


def track_cpu(tracker, frames: list) -> float:  # type: ignore[no-untyped-def]
    tracker.prepare(frames[:: max(1, len(frames) // 20)])
    started = time.process_time()
    for frame in frames:
        tracker.process(frame)
    return time.process_time() - started


def speed(folder: Path, minutes: float) -> None:
    import cv2

    from skillsight.pose.trackers.gloves import GloveTracker

    cv2.setNumThreads(1)
    short = gloved_clip(folder, 12)
    frames, decode_s = decode(short)
    tracking_s = track_cpu(GloveTracker(), frames)
    n = len(frames)
    print(
        f"1920x1080, one thread: decoding {n / decode_s:.0f} fps, glove tracking {n / tracking_s:.0f} fps "
        f"(CPU time, {n} frames; load {os.getloadavg()[0]:.1f})"
    )
    try:
        from skillsight.pose.trackers.auto import AutoTracker
    except ImportError:
        print("auto vs gloves skipped: MediaPipe not installed")
        return
    long = gloved_clip(folder, minutes * 60)
    frames, _ = decode(long)
    gloves_s = track_cpu(GloveTracker(), frames)
    auto = AutoTracker(camera_view="top")
    auto_s = track_cpu(auto, frames)
    skipped = auto.provenance()["per_frame_sources"]["mediapipe_frames_skipped"]
    auto.close()
    print(
        f"{len(frames)} frames ({minutes:g} min) gloved: gloves {gloves_s:.1f} s, auto {auto_s:.1f} s CPU "
        f"(auto / gloves = {auto_s / gloves_s:.2f}; goal <= 1.10; MediaPipe skipped on {skipped} frames)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scene-size", nargs=2, type=int, default=[960, 540])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--skip-accuracy", action="store_true")
    parser.add_argument("--seed", type=int, default=0, help="seed set: 0 (tuned on), 5000, 9000 (held out)")
    parser.add_argument("--gloves", help="comma-separated glove colours (each keeps its seed in the set)")
    parser.add_argument(
        "--auto-stills", action="store_true", help="also AutoTracker(independent_frames=True), bare stills"
    )
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--auto-videos", help="seeds of generated videos for `auto`, comma-separated")
    parser.add_argument("--crossing-videos", type=int, default=0, help="crossing videos per glove colour")
    parser.add_argument(
        "--auto-leaving-videos", help="seeds of generated videos for `auto` in which a hand leaves the frame"
    )
    parser.add_argument(
        "--auto-crossing-videos", help="seeds of generated crossing videos (no hand leaves) for `auto`"
    )
    args = parser.parse_args()
    from skillsight.hand_cutouts import load_cutouts

    if not load_cutouts():
        print(
            "shared clips not found (../shared/data or SKILLSIGHT_TEST_DATA): nothing to measure",
            file=sys.stderr,
        )
        return 1
    if not args.skip_accuracy:
        gloves = args.gloves.split(",") if args.gloves else None
        size = (args.scene_size[0], args.scene_size[1])
        accuracy(size, args.repeats, args.seed, gloves, args.auto_stills)
    if args.crossing_videos:
        size = (args.scene_size[0], args.scene_size[1])
        crossing_videos(args.seed, args.crossing_videos, size)
    if args.auto_videos:
        auto_videos([int(seed) for seed in args.auto_videos.split(",")], (640, 360))
    if args.auto_leaving_videos:
        auto_videos([int(seed) for seed in args.auto_leaving_videos.split(",")], (640, 360), leaving=True)
    if args.auto_crossing_videos:
        auto_videos([int(seed) for seed in args.auto_crossing_videos.split(",")], (640, 360), crossing=True)
    if not args.skip_speed:
        with tempfile.TemporaryDirectory() as folder:
            speed(Path(folder), args.minutes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
