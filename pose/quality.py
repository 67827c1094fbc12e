"""How well a recording was tracked: the one TrackingQuality, made where tracking ends.

Tracking writes the per-individual part into the motion's metadata (``tracking_summary``); the
assessment measures it again with the procedure's required individuals, which adds ``share``: the
share of frames in which every required individual was tracked. The app, the CLI and batch all store
that object as it is (``TrackingQuality.to_dict``); the database's ``tracking_quality`` column is its
``share``.

A keypoint counts as seen in a frame when its position is a number and its confidence is above 0;
an individual is tracked in a frame when any of its keypoints is seen.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from skillsight.pose.cleaning import longest_gap_s
from skillsight.pose.motion import Motion


@dataclass(frozen=True)
class IndividualQuality:
    """One individual (a hand, the body): how often and how surely it was found."""

    tracked_share: float  # share of frames in which it was tracked
    frames_tracked: int
    mean_confidence: float  # mean confidence of its seen keypoints (0 when never seen)
    longest_gap_s: Optional[float]  # None: never part of the motion at all

    def to_dict(self) -> dict[str, Any]:
        return {
            "tracked_share": self.tracked_share,
            "frames_tracked": self.frames_tracked,
            "mean_confidence": self.mean_confidence,
            "longest_gap_s": self.longest_gap_s,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> IndividualQuality:
        # "share_tracked": the motion files' summary before the one definition (kept readable).
        share = d.get("tracked_share", d.get("share_tracked", 0.0))
        gap = d.get("longest_gap_s")
        return cls(
            tracked_share=float(share or 0.0),
            frames_tracked=int(d.get("frames_tracked", 0) or 0),
            mean_confidence=float(d.get("mean_confidence", 0.0) or 0.0),
            longest_gap_s=None if gap is None else float(gap),
        )


MISSING = IndividualQuality(tracked_share=0.0, frames_tracked=0, mean_confidence=0.0, longest_gap_s=None)


@dataclass(frozen=True)
class TrackingQuality:
    """The tracking quality of one motion, for the individuals a procedure requires."""

    share: float  # frames with every required individual tracked (no requirement: mean of individuals)
    required: tuple[str, ...] = ()
    n_frames: int = 0
    duration_s: float = 0.0
    fps: float = 0.0
    individuals: Mapping[str, IndividualQuality] = field(default_factory=dict)

    @property
    def stored_share(self) -> Optional[float]:
        """`share` as the database column and batch's results table hold it: None when no frame was
        tracked at all (a failed or damaged recording has no tracking quality, not a zero one)."""
        return self.share if self.n_frames and math.isfinite(self.share) else None

    def individual(self, name: str) -> IndividualQuality:
        return self.individuals.get(name, MISSING)

    def to_dict(self) -> dict[str, Any]:
        return {
            "share": self.share,
            "required": list(self.required),
            "n_frames": self.n_frames,
            "duration_s": self.duration_s,
            "fps": self.fps,
            "individuals": {name: q.to_dict() for name, q in self.individuals.items()},
        }

    @classmethod
    def from_dict(cls, d: Optional[Mapping[str, Any]]) -> TrackingQuality:
        """Read what `to_dict` wrote (assessment JSON, stored sessions, batch results)."""
        d = d or {}
        individuals = d.get("individuals", {})
        return cls(
            share=float(d.get("share", 0.0) or 0.0),
            required=tuple(str(r) for r in d.get("required", ())),
            n_frames=int(d.get("n_frames", 0) or 0),
            duration_s=float(d.get("duration_s", 0.0) or 0.0),
            fps=float(d.get("fps", 0.0) or 0.0),
            individuals={str(k): IndividualQuality.from_dict(v) for k, v in individuals.items()},
        )


def tracked_frames(motion: Motion) -> dict[str, np.ndarray]:
    """Per individual, a (T,) mask of the frames in which it was tracked."""
    seen = np.isfinite(motion.positions[..., 0]) & (motion.confidence > 0)
    return {name: seen[:, i, :].any(axis=1) for i, name in enumerate(motion.individuals)}


def measure_tracking_quality(motion: Motion, required: Sequence[str] = ()) -> TrackingQuality:
    """The one measure of tracking quality (see the module docstring); `required` adds `share`."""
    n = motion.n_frames
    rows = tracked_frames(motion)
    individuals: dict[str, IndividualQuality] = {}
    for i, name in enumerate(motion.individuals):
        tracked = rows[name]
        seen = np.isfinite(motion.positions[:, i, :, 0]) & (motion.confidence[:, i, :] > 0)
        individuals[name] = IndividualQuality(
            tracked_share=round(float(tracked.mean()) if n else 0.0, 4),
            frames_tracked=int(tracked.sum()),
            mean_confidence=round(float(motion.confidence[:, i, :][seen].mean()) if seen.any() else 0.0, 4),
            longest_gap_s=round(longest_gap_s(~tracked, motion.timestamps), 3),
        )
    for name in required:
        individuals.setdefault(name, MISSING)
    if required and n:
        everyone = np.ones(n, dtype=bool)
        for name in required:
            everyone &= rows.get(name, np.zeros(n, dtype=bool))
        share = float(everyone.mean())
    else:
        share = float(np.mean([q.tracked_share for q in individuals.values()])) if individuals else 0.0
    return TrackingQuality(
        share=round(share, 4),
        required=tuple(required),
        n_frames=n,
        duration_s=round(motion.duration_s, 3),
        fps=round(motion.fps, 3),
        individuals=individuals,
    )
