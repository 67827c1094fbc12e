"""Glove tracker on arms lying along a border (issue 10): the generated scenes of
skillsight.border_arm_scenes (every glove colour x drape x {arm_along_border, strip_along_border}), read as
independent stills. Prints, per condition, visible hands found on the right side within 0.15 x width,
median error and false hands (on strip_along_border every reported hand is false), and the misses.

    python benchmarks/bench_border_arms.py [--seed 0|5000|9000] [--scene-size 960 540]
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict


def main() -> None:
    from skillsight.border_arm_scenes import BORDER_CONDITIONS, border_scene_set
    from skillsight.capture.frames import Frame
    from skillsight.glove_scene_scoring import SceneScore, centres_of, score_observation
    from skillsight.pose.trackers.gloves import GloveTracker

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scene-size", nargs=2, type=int, default=[960, 540])
    args = parser.parse_args()
    tracker = GloveTracker(independent_frames=True, skin_tone_gloves=True)
    scores: dict[str, SceneScore] = defaultdict(SceneScore)
    started = time.perf_counter()
    n = 0
    for n, scene in enumerate(border_scene_set(size=tuple(args.scene_size), seed=args.seed), start=1):
        observation = tracker.process(Frame(n, float(n), scene.image))
        score_observation(scene, centres_of(observation), scores[scene.condition])
    print(f"{n} border scenes, seed {args.seed} ({time.perf_counter() - started:.0f} s), gloves+skin-tone:")
    for condition in BORDER_CONDITIONS:
        print(f"  {condition:>18}: {scores[condition].summary()}")
        print(f"  {'misses':>18}: {' '.join(scores[condition].misses)}")


if __name__ == "__main__":
    main()
