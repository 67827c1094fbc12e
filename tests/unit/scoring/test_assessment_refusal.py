"""The assessment refuses, and says why and what to change, when tracking is poor or the clip too short."""

from __future__ import annotations

import numpy as np
import pytest
from procedure_factory import suturing_procedure

from skillsight.pose.motion import Motion
from skillsight.scoring.assessment import assess_motion, measure_tracking_quality, required_individuals
from skillsight.scoring.procedure import Procedure
from skillsight.scoring.results import STATUS_REFUSED, Assessment

SUTURING = suturing_procedure(min_duration_s=10.0, min_tracked_share=0.6)


def two_hand_motion(
    duration_s: float = 30.0,
    fps: float = 30.0,
    right_seen_share: float = 1.0,
    left_seen_share: float = 1.0,
    confidence: float = 0.9,
) -> Motion:
    n = int(duration_s * fps)
    t = np.arange(n) / fps
    positions = np.zeros((n, 2, 1, 2))
    positions[:, 0, 0, 0] = 300 + 50 * np.sin(t)
    positions[:, 0, 0, 1] = 200 + 30 * np.cos(t)
    positions[:, 1, 0, 0] = 600 + 40 * np.sin(1.3 * t)
    positions[:, 1, 0, 1] = 220 + 20 * np.cos(0.7 * t)
    # Missing frames in one block, like a hand that left the view.
    positions[int(n * left_seen_share) :, 0] = np.nan
    positions[int(n * right_seen_share) :, 1] = np.nan
    return Motion(
        positions=positions,
        confidence=np.full((n, 2, 1), confidence),
        timestamps=t,
        individuals=("left_hand", "right_hand"),
        keypoints=("centroid",),
        space=("x", "y"),
        metadata={"kind": "video_2d", "units": "px", "fps": fps},
    )


def refused(motion: Motion, dominant_hand: str = "right") -> Assessment:
    # A refusal happens before any model or reference is read: "missing" paths prove that.
    result = assess_motion(
        motion,
        SUTURING,
        model="/nonexistent/model.onnx",
        reference="/nonexistent/ref.json",
        dominant_hand=dominant_hand,
    )
    assert result.status == STATUS_REFUSED
    assert not result.scored and result.score is None and result.skill_level is None
    return result


def test_a_hand_missing_most_of_the_time_is_refused_with_advice():
    result = refused(two_hand_motion(right_seen_share=0.25))
    assert len(result.refusal_reasons) == 1
    assert "right hand" in result.refusal_reasons[0] and "25%" in result.refusal_reasons[0]
    assert any("both hands in view" in a for a in result.advice)
    assert any("camera" in a.lower() for a in result.advice)
    assert any("light" in a.lower() for a in result.advice)
    assert result.tracking_quality.individual("right_hand").tracked_share == pytest.approx(0.25, abs=0.01)
    assert result.provenance["thresholds"]["min_tracked_share"] == 0.6


def test_a_too_short_clip_is_refused():
    result = refused(two_hand_motion(duration_s=4.0))
    assert any("4.0 s" in r and "10 s" in r for r in result.refusal_reasons)
    assert any("Record longer" in a for a in result.advice)


def test_low_confidence_is_refused():
    result = refused(two_hand_motion(confidence=0.1))
    assert any("low confidence" in r for r in result.refusal_reasons)


def test_a_missing_hand_refuses_for_either_dominant_hand():
    # Both hands are required for suturing, whichever is dominant.
    left_missing = two_hand_motion(left_seen_share=0.1)
    assert "left hand" in " ".join(refused(left_missing, dominant_hand="right").refusal_reasons)
    assert "left hand" in " ".join(refused(left_missing, dominant_hand="left").refusal_reasons)


def test_an_individual_absent_from_the_motion_is_refused():
    motion = two_hand_motion()
    one_hand = motion.with_updates(
        positions=motion.positions[:, 1:],
        confidence=motion.confidence[:, 1:],
        individuals=("right_hand",),
    )
    result = refused(one_hand)
    assert "left hand" in result.refusal_reasons[0] and "0%" in result.refusal_reasons[0]


def test_an_empty_motion_is_refused():
    motion = two_hand_motion().slice_time(0, 0)
    assert "nothing was tracked" in refused(motion).refusal_reasons[0]


def test_refusal_serialises_to_json():
    result = refused(two_hand_motion(right_seen_share=0.3))
    restored = Assessment.from_dict(result.to_dict())
    assert restored.status == STATUS_REFUSED and restored.refusal_reasons == result.refusal_reasons
    assert '"refused"' in result.to_json()


def test_tracking_quality_known_answers():
    motion = two_hand_motion(duration_s=10.0, fps=10.0, right_seen_share=0.5)
    quality = measure_tracking_quality(motion, required_individuals(SUTURING, "right"))
    assert quality.share == pytest.approx(0.5)
    right = quality.individual("right_hand")
    assert right.tracked_share == pytest.approx(0.5)
    assert right.longest_gap_s == pytest.approx(5.0)
    assert right.mean_confidence == pytest.approx(0.9)
    assert quality.individual("left_hand").longest_gap_s == 0.0


def test_bad_dominant_hand_is_an_error():
    with pytest.raises(ValueError, match="dominant hand"):
        assess_motion(two_hand_motion(), SUTURING, dominant_hand="both")


def test_a_procedure_tracking_pose_requires_the_body():
    intubation = Procedure(
        name="intubation",
        title="Intubation",
        description="",
        tracker="hands+pose",
        camera_view="side",
        hand_roles={"laryngoscope": "left", "tube": "right"},
        required_roles=("laryngoscope",),
        metrics=("task.time",),
        min_duration_s=5.0,
    )
    assert required_individuals(intubation, "right") == ("left_hand", "body")
    result = assess_motion(
        two_hand_motion(), intubation, model="/nonexistent.onnx", reference="/nonexistent.json"
    )
    assert result.status == STATUS_REFUSED
    assert "body" in result.refusal_reasons[0] and "0%" in result.refusal_reasons[0]
    assert any("whole body" in a for a in result.advice)
