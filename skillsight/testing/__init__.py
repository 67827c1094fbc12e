"""Conformance suites a lab's own code can import and pass, as SkillSight's own code does.

After aeon's check_estimator: each suite is a list of named checks that raise AssertionError with a
message saying what is wrong; run them all (`check_*`) or one at a time (pytest-parametrised, as
SkillSight's tests do).

- scorer: a skill scorer (SkillScorer's contract): the scikit-learn estimator rules, learning a
  separable problem, honest intervals, ONNX agreeing with the estimator, a card that records what the
  model reads, refusing a tampered model or a motion it was not built for.
- tracker: a pose/hand tracker (pose.trackers.base.Tracker): the protocol, observation shapes,
  confidence in [0, 1] and 0 where nothing was found, JSON provenance naming the tracker, close.
- loader: a dataset loader (datasets.load_dataset's formats): samples with valid motion and labels,
  the same result twice, a clear error naming a missing folder.
"""

from skillsight.testing.loader import LOADER_CHECKS, LoaderConformance, check_loader
from skillsight.testing.scorer import SCORER_CHECKS, ScorerConformance, check_scorer, separable_problem
from skillsight.testing.tracker import TRACKER_CHECKS, TrackerConformance, check_tracker, synthetic_frames

__all__ = [
    "LOADER_CHECKS",
    "SCORER_CHECKS",
    "TRACKER_CHECKS",
    "LoaderConformance",
    "ScorerConformance",
    "TrackerConformance",
    "check_loader",
    "check_scorer",
    "check_tracker",
    "separable_problem",
    "synthetic_frames",
]
