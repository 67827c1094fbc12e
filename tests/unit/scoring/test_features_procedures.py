"""Suturing stitch cycles, intubation phases and posture, and compute_features as a whole."""

from __future__ import annotations

import numpy as np
import pytest

from skillsight.pose.motion import LEFT_HAND, RIGHT_HAND
from skillsight.scoring.features import (
    FEATURE_SPECS,
    compute_features,
    find_intubation_phases,
    find_stitch_cycles,
    posture,
    prepare_motion,
    procedure_phases,
)
from skillsight.scoring.features.suturing import cycle_statistics, dominant_period
from skillsight.scoring.procedure import load_procedure
from skillsight.scoring.synthetic import generate_practice, motion_from_tracks


def test_dominant_period_of_a_periodic_signal():
    t = np.arange(0, 60, 1 / 30)
    period, strength = dominant_period(np.sin(2 * np.pi * t / 7.5) ** 2 + 0.1 * np.sin(2 * np.pi * t), 30.0)
    assert period == pytest.approx(3.75, abs=0.1)  # sin^2 repeats every half period
    assert strength > 0.5


@pytest.mark.parametrize(("skill", "n_stitches"), [("expert", 5), ("novice", 4), ("intermediate", 6)])
def test_stitch_cycles_are_found_on_synthetic_practice(skill, n_stitches):
    """Ten people of one skill (each with their own tremor): the count is right within one stitch for at
    least eight. Measured today: expert 10/10, novice 10/10, intermediate 8/10 (two merge two stitches
    into one cycle), so a regression in the cycle finder shows here."""
    within_one = 0
    for seed in range(1, 11):
        motion = prepare_motion(generate_practice(skill, "suturing", n_stitches=n_stitches, seed=seed))
        cycles = find_stitch_cycles(motion, RIGHT_HAND)
        within_one += abs(len(cycles) - n_stitches) <= 1
        assert all(end > start for start, end in cycles)
        assert all(b[0] == pytest.approx(a[1]) for a, b in zip(cycles, cycles[1:]))  # they tile the work
    assert within_one >= 8


def test_phases_follow_the_procedures_feature_groups_not_its_name():
    """Suturing and needle passing (a stitch-cycle group) get stitches, intubation its phases, knot
    tying (no group) none: a lab's new procedure gets phases by declaring a group."""
    stitches = prepare_motion(generate_practice("expert", "suturing", n_stitches=5, seed=1))
    expected = [(start, end) for start, end in find_stitch_cycles(stitches, RIGHT_HAND)]
    for name in ("suturing", "needle_passing"):
        phases = procedure_phases(stitches, name, RIGHT_HAND)
        assert [(p.start_s, p.end_s) for p in phases] == expected
        assert [p.label for p in phases] == [f"stitch {i + 1}" for i in range(len(expected))]
    assert procedure_phases(stitches, "knot_tying", RIGHT_HAND) == []
    airway = prepare_motion(generate_practice("expert", "intubation", seed=3))
    labels = [p.label for p in procedure_phases(airway, "intubation", LEFT_HAND)]
    assert labels == ["approach", "laryngoscopy", "tube_insertion", "withdrawal"]


def test_cycle_statistics_known_answer():
    count, mean, cv = cycle_statistics([(0.0, 10.0), (10.0, 20.0), (20.0, 40.0)])
    assert (count, mean) == (3.0, pytest.approx(40.0 / 3))
    assert cv == pytest.approx(np.std([10, 10, 20]) / np.mean([10, 10, 20]))
    assert cycle_statistics([])[0] == 0.0


def test_intubation_phases_match_the_synthetic_truth():
    """Six people of each skill. Measured today over these 18: laryngoscopy starts within 1.32 s of
    the truth, the attempt ends within 0.12 s, and the tube insertion is found 0.6-1.9 s late (the
    finder waits for the tube hand to speed up): a known bias, bounded here so it cannot grow."""
    for skill in ("expert", "intermediate", "novice"):
        for seed in range(6):
            motion = generate_practice(skill, "intubation", seed=seed)
            truth = motion.metadata["synthetic"]
            phases = {p.label: p for p in find_intubation_phases(prepare_motion(motion))}
            assert list(phases) == ["approach", "laryngoscopy", "tube_insertion", "withdrawal"]
            assert phases["laryngoscopy"].start_s == pytest.approx(truth["attempt_start_s"], abs=1.5)
            assert phases["tube_insertion"].end_s == pytest.approx(truth["attempt_end_s"], abs=0.5)
            lateness = phases["tube_insertion"].start_s - truth["tube_start_s"]
            assert 0.0 <= lateness <= 2.2


def test_posture_angles_known_answers():
    n = 10
    hip = np.zeros((n, 2))
    shoulder = np.tile([np.sin(np.radians(30)), -np.cos(np.radians(30))], (n, 1))  # 30 deg forward
    ear = shoulder + np.tile([np.sin(np.radians(50)), -np.cos(np.radians(50))], (n, 1))  # neck 20 deg more
    elbow = shoulder + np.tile([1.0, 0.0], (n, 1))  # upper arm horizontal
    tracks = {}
    for side in ("left", "right"):
        tracks.update(
            {
                ("body", f"{side}_hip"): hip,
                ("body", f"{side}_shoulder"): shoulder,
                ("body", f"{side}_ear"): ear,
            }
        )
    tracks[("body", "left_elbow")] = elbow
    motion = motion_from_tracks(tracks)
    assert posture.trunk_flexion(motion) == pytest.approx(np.full(n, 30.0))
    assert posture.neck_flexion(motion) == pytest.approx(np.full(n, 20.0))
    assert posture.elbow_elevation(motion, "left") == pytest.approx(np.full(n, 120.0))  # 90 + trunk lean
    # Forearm pointing forward (+x), hand tipped 20 degrees up (image y is down): a 20-degree bend.
    wrist = elbow + [[1.0, 0.0]]
    index = wrist + [[np.cos(np.radians(20)), -np.sin(np.radians(20))]]
    arm = motion_from_tracks(
        {("body", "left_elbow"): elbow, ("body", "left_wrist"): wrist, ("body", "left_index"): index}
    )
    assert np.abs(posture.wrist_flexion(arm, "left")) == pytest.approx(np.full(n, 20.0))


def test_compute_features_covers_each_procedures_metrics_with_units_and_reasons():
    for name in ("suturing", "intubation"):
        procedure = load_procedure(name)
        motion = prepare_motion(generate_practice("intermediate", name, seed=5, n_stitches=3))
        features = compute_features(motion, procedure)
        assert set(procedure.metrics) <= set(features)
        for key, feature in features.items():
            assert feature.name == key and feature.unit and feature.description
            assert feature.available or feature.reason, key
        units = {f.unit for f in features.values()}
        assert "hand_size" in units and "s" in units
        assert set(FEATURE_SPECS) >= {
            key.split(".", 1)[1] for key in features if key.split(".")[0] in procedure.hand_roles
        }


def test_missing_hand_gives_unavailable_features_with_a_reason():
    motion = prepare_motion(generate_practice("expert", "suturing", seed=1, n_stitches=2))
    one_hand = motion.with_updates(
        positions=np.where(np.arange(2)[None, :, None, None] == 0, np.nan, motion.positions)
    )
    features = compute_features(one_hand, "suturing")
    assert not features["forceps.path_length"].available
    assert "never tracked" in features["forceps.path_length"].reason
    assert features["needle_driver.path_length"].available


def _mirror(motion):
    """The clip flipped left-right: x mirrored and the anatomical hands swapped."""
    positions = motion.positions.copy()
    positions[..., 0] = motion.metadata["width"] - positions[..., 0]
    order = [motion.individuals.index(n) for n in (RIGHT_HAND, LEFT_HAND)]
    signals = {
        name.replace("left_hand", "@").replace("right_hand", "left_hand").replace("@", "right_hand"): v
        for name, v in motion.signals.items()
    }
    return motion.with_updates(
        positions=positions[:, order], confidence=motion.confidence[:, order], signals=signals
    )


def test_left_handed_mirror_gives_the_same_metrics():
    """Fairness: a mirrored practice scored as left-handed matches the original as right-handed."""
    original = generate_practice("intermediate", "suturing", seed=7, n_stitches=3)
    right = compute_features(prepare_motion(original), "suturing", dominant_hand="right")
    left = compute_features(prepare_motion(_mirror(original)), "suturing", dominant_hand="left")
    for name, feature in right.items():
        if feature.available:
            assert left[name].value == pytest.approx(feature.value, rel=0.02, abs=1e-9), name


@pytest.mark.parametrize("seed", [8, 12])
def test_camera_distance_does_not_change_hand_size_metrics(seed):
    """Fairness: hands half the size in the image (same 0.5 px tracking jitter, so twice the jitter in
    hand sizes) give path, speed, idle share and working area within 5%."""
    near = generate_practice("intermediate", "suturing", seed=seed, n_stitches=3, hand_size_px=90.0)
    far = generate_practice("intermediate", "suturing", seed=seed, n_stitches=3, hand_size_px=45.0)
    near_f = compute_features(prepare_motion(near), "suturing")
    far_f = compute_features(prepare_motion(far), "suturing")
    for role in ("needle_driver", "forceps"):
        for metric in ("path_length", "mean_speed", "idle_share", "working_area"):
            name = f"{role}.{metric}"
            assert far_f[name].value == pytest.approx(near_f[name].value, rel=0.05), name


def test_lab_kinematics_in_metres_get_the_same_features():
    motion = prepare_motion(generate_practice("expert", "suturing", seed=2, n_stitches=3, as_video_2d=False))
    assert motion.units == "m"
    features = compute_features(motion, "suturing")
    assert features["needle_driver.path_length"].unit == "m"
    assert 0.05 < features["needle_driver.path_length"].value < 10.0
    assert np.isnan(features["needle_driver.tremor"].value)
    assert features["suturing.stitch_count"].available


def test_glove_only_tracking_keeps_the_movement_features():
    full = generate_practice("intermediate", "suturing", seed=9, n_stitches=3)
    glove_keys = [i for i, name in enumerate(full.keypoints) if name in ("centroid", "tip")]
    gloves = full.with_updates(
        positions=full.positions[:, :, glove_keys],
        confidence=full.confidence[:, :, glove_keys],
        keypoints=("centroid", "tip"),
    )
    prepared = prepare_motion(gloves)
    assert prepared.metadata["processing"][-1]["per_hand"]["right_hand"]["method"] == "sqrt(glove area)"
    features = compute_features(prepared, "suturing")
    with_landmarks = compute_features(prepare_motion(full), "suturing")
    path = features["needle_driver.path_length"].value
    assert path == pytest.approx(with_landmarks["needle_driver.path_length"].value, rel=0.05)
    assert features["suturing.stitch_count"].available
    assert not features["needle_driver.wrist_rotation_range"].available
    assert "landmarks" in features["needle_driver.wrist_rotation_range"].reason
