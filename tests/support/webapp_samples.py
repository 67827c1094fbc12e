"""Hand-made assessments and motions with known answers for the app's view-model tests."""

from __future__ import annotations

import numpy as np

from skillsight.pose.motion import Motion
from skillsight.pose.quality import IndividualQuality, TrackingQuality
from skillsight.scoring.results import Assessment, FeedbackItem, MetricComparison, Phase

FPS = 25.0


def left_hand_quality(left_hand: IndividualQuality) -> TrackingQuality:
    """The tracking quality of a 10-s, 25-fps practice whose one required hand is the left."""
    return TrackingQuality(
        share=left_hand.tracked_share,
        required=("left_hand",),
        n_frames=250,
        duration_s=10.0,
        fps=25.0,
        individuals={"left_hand": left_hand},
    )


def scored_assessment(n_feedback: int = 6) -> Assessment:
    metrics = [
        MetricComparison(
            name="needle_driver.path_length",
            value=42.5,
            unit="hand sizes",
            description="distance travelled",
            percentile=95.0,
            expert_median=30.0,
            expert_low=25.0,
            expert_high=36.0,
            n_experts=12,
            higher_is_better=False,
            deviation=2.1,
        ),
        MetricComparison(
            name="bimanual.speed_correlation",
            value=0.61,
            unit="",
            percentile=40.0,
            expert_median=0.65,
            expert_low=0.5,
            expert_high=0.8,
            n_experts=12,
        ),
        MetricComparison(name="forceps.tremor", value=None, unit="ratio"),
    ]
    feedback = [
        FeedbackItem(
            rank=i + 1,
            metric=f"metric_{i}",
            message=f"Message number {i + 1}",
            tip=f"Tip number {i + 1}",
            severity=10.0 - i,
            evidence=f"evidence {i + 1}",
        )
        for i in reversed(range(n_feedback))
    ]
    return Assessment(
        status="scored",
        procedure="suturing",
        skill_level="intermediate",
        level_probabilities={"novice": 0.2, "intermediate": 0.55, "expert": 0.25},
        score=18.24,
        score_interval=(15.1, 21.3),
        score_scale="GRS 6-30",
        interval_coverage=0.9,
        metrics=metrics,
        feedback=feedback,
        phases=[Phase("stitch 1", 0.5, 3.0), Phase("stitch 2", 3.5, 6.2, note="slower than experts")],
        tracking_quality=left_hand_quality(IndividualQuality(0.97, 242, 0.91, 0.2)),
        provenance={
            "model": {"name": "suturing-scorer", "version": "1", "built_from": "synthetic practices"},
            "reference": {
                "name": "suturing-reference",
                "version": "1",
                "n_experts": 12,
                "built_from": "synthetic experts",
                "disclaimer": "Build your own reference from your lab's experts.",
            },
            "dominant_hand": "right",
        },
    )


def refused_assessment() -> Assessment:
    return Assessment(
        status="refused",
        procedure="suturing",
        refusal_reasons=["the left hand was tracked in only 12% of frames (needs 60%)"],
        advice=["Keep both hands in view of the camera.", "Add light from the front."],
        tracking_quality=left_hand_quality(IndividualQuality(0.12, 30, 0.8, 6.0)),
    )


def two_hand_motion(seconds: float = 4.0, speed_px_s: float = 100.0, pause=(1.0, 2.0)) -> Motion:
    """Right hand moves right at `speed_px_s` except during `pause`; left hand stands still, then gone."""
    n = int(seconds * FPS)
    t = np.arange(n) / FPS
    moving = (t < pause[0]) | (t >= pause[1])
    x = 100.0 + np.concatenate([[0.0], np.cumsum(moving[1:] * speed_px_s / FPS)])
    positions = np.full((n, 2, 1, 2), np.nan)
    positions[:, 1, 0, 0] = x
    positions[:, 1, 0, 1] = 200.0
    positions[: n // 2, 0, 0, :] = (50.0, 60.0)
    confidence = np.where(np.isnan(positions[..., 0]), 0.0, 0.9)
    return Motion(
        positions=positions,
        confidence=confidence,
        timestamps=t,
        individuals=("left_hand", "right_hand"),
        keypoints=("centroid",),
        space=("x", "y"),
        metadata={"width": 640, "height": 480, "fps": FPS, "units": "px"},
    )
