"""The synthetic practice generator: valid, seeded, labelled, and each knob moves its feature."""

from __future__ import annotations

import numpy as np
import pytest

from skillsight.pose.motion import load_motion
from skillsight.scoring.features import compute_features, prepare_motion
from skillsight.scoring.features.smoothness import tremor_reading
from skillsight.scoring.synthetic import (
    GRS_RANGE,
    HAND_KEYPOINTS,
    HOVER_SPEED,
    POSE_KEYPOINTS,
    REAL_EXPERT,
    generate_practice,
    minimum_jerk,
    practice_parameters,
    synthetic_truth,
)
from skillsight.scoring.synthetic_plans import adjustments, handling_envelope, new_hand_plan, pause, reach
from skillsight.scoring.synthetic_realism import tremor_bursts


def _features(procedure="suturing", **kwargs):
    kwargs.setdefault("n_stitches", 3) if procedure == "suturing" else None
    return compute_features(prepare_motion(generate_practice(procedure=procedure, **kwargs)), procedure)


def _means(names, seeds=(0, 1, 2), **kwargs):
    runs = [_features(seed=s, **kwargs) for s in seeds]
    return {n: float(np.mean([run[n].value for run in runs])) for n in names}


def _mean(name, **kwargs):
    return _means((name,), **kwargs)[name]


def test_minimum_jerk_profile():
    tau = np.linspace(0, 1, 11)
    x = minimum_jerk(tau)
    assert x[0] == 0 and x[-1] == 1 and x[5] == pytest.approx(0.5)
    assert np.all(np.diff(x) >= 0)
    assert minimum_jerk(np.array([-1.0, 2.0])).tolist() == [0.0, 1.0]


def test_suturing_practice_looks_like_video_tracking(tmp_path):
    motion = generate_practice("expert", "suturing", n_stitches=2, seed=0)
    assert motion.kind == "video_2d" and motion.units == "px"
    assert motion.individuals == ("left_hand", "right_hand")
    assert set(HAND_KEYPOINTS) | {"centroid", "tip"} == set(motion.keypoints)
    assert motion.fps == pytest.approx(30.0)
    x = motion.positions[..., 0]
    assert np.nanmin(x) >= 0 and np.nanmax(x) <= motion.metadata["width"]
    assert 0.9 < np.mean(~np.isnan(x)) <= 1.0  # short dropouts are rare, as on real tracking
    loaded = load_motion(motion.save(tmp_path / "practice"))
    assert synthetic_truth(loaded) == synthetic_truth(motion)


def test_intubation_practice_has_a_body():
    motion = generate_practice("novice", "intubation", seed=0)
    assert motion.individuals == ("left_hand", "right_hand", "body")
    assert set(POSE_KEYPOINTS) <= set(motion.keypoints)
    assert motion.has("body", "left_shoulder") and not motion.has("body", "wrist")
    assert motion.metadata["camera_view"] == "side"


def test_seeded_and_labelled():
    a = generate_practice(0.4, "suturing", n_stitches=2, seed=5)
    b = generate_practice(0.4, "suturing", n_stitches=2, seed=5)
    c = generate_practice(0.4, "suturing", n_stitches=2, seed=6)
    np.testing.assert_array_equal(a.positions, b.positions)
    assert a.n_frames != c.n_frames or not np.array_equal(a.positions, c.positions, equal_nan=True)
    truth = synthetic_truth(a)
    assert truth["level"] == "intermediate" and truth["skill"] == 0.4
    assert GRS_RANGE[0] <= truth["grs"] <= GRS_RANGE[1]


def test_grs_follows_skill():
    skills = np.linspace(0, 1, 11)
    grs = [
        synthetic_truth(generate_practice(s, "suturing", n_stitches=1, seed=i))["grs"]
        for i, s in enumerate(skills)
    ]
    assert np.corrcoef(skills, grs)[0, 1] > 0.9
    assert synthetic_truth(generate_practice("novice", n_stitches=1))["level"] == "novice"


def test_duration_and_dominant_hand():
    motion = generate_practice("expert", "suturing", duration_s=30.0, seed=1)
    assert motion.duration_s == pytest.approx(30.0, abs=0.1)
    left = generate_practice("expert", "suturing", n_stitches=2, seed=1, dominant_hand="left")
    right = generate_practice("expert", "suturing", n_stitches=2, seed=1, dominant_hand="right")
    # The needle driver (dominant) travels further than the forceps hand.
    from skillsight.scoring.features.kinematics import compute_path_length

    assert compute_path_length(left, "left_hand") > compute_path_length(left, "right_hand")
    assert compute_path_length(right, "right_hand") > compute_path_length(right, "left_hand")


def test_bad_arguments_are_refused_clearly():
    with pytest.raises(ValueError, match="skill"):
        generate_practice("wizard")
    with pytest.raises(ValueError, match="skill"):
        generate_practice(1.5)
    with pytest.raises(ValueError, match="procedure"):
        generate_practice("expert", "knitting")
    with pytest.raises(ValueError, match="dominant_hand"):
        generate_practice("expert", dominant_hand="both")


def _tremor(seeds=(0, 1, 2), **kwargs):
    """Mean tremor amplitude of the needle-driving hand as read, whether shown or withheld: generated
    hands handle in bursts as real ones do, so a short practice's tremor is often too unsure to show."""
    kwargs.setdefault("n_stitches", 3)
    motions = [prepare_motion(generate_practice(seed=s, **kwargs)) for s in seeds]
    return float(np.mean([tremor_reading(m, "right_hand").amplitude for m in motions]))


def test_more_tremor_gives_more_tremor_power():
    # Without the fingers' own handling motion (measured on a real expert), which the metric sees too.
    low = _tremor(skill=0.5, tremor_amplitude=0.005, finger_motion=0.0)
    high = _tremor(skill=0.5, tremor_amplitude=0.04, finger_motion=0.0)
    assert high > 3 * low


def test_fingers_handling_thread_raise_the_tremor_metric_as_on_a_real_expert():
    """Real expert fingertips move 0.017-0.031 hand sizes in the 4-12 Hz band above the jitter floor
    (REAL_EXPERT): the generator's experts do too, and more tremor still adds on top."""
    still_fingers = _tremor(skill="expert", finger_motion=0.0)
    handling = _tremor(skill="expert")
    assert handling > 1.5 * still_fingers
    assert REAL_EXPERT["needle_driver.tremor"][1] * 0.7 < handling < REAL_EXPERT["needle_driver.tremor"][0]
    shaky = _tremor(skill="expert", tremor_amplitude=0.04)
    assert shaky > 1.2 * handling


def test_handling_comes_in_bursts_within_its_spans_and_keeps_the_mean_power():
    t = np.arange(0.0, 20.0, 1 / 30)
    assert np.array_equal(handling_envelope(t, [], np.random.default_rng(0)), np.ones(t.size))
    power = handling_envelope(t, [(2.0, 4.0), (10.0, 13.0)], np.random.default_rng(0))
    assert power.mean() == pytest.approx(1.0)
    outside = (t < 1.9) | ((t > 4.1) & (t < 9.9)) | (t > 13.1)
    assert power[outside].max() < 0.1 * power.max()


def test_fingertips_handle_in_bursts_so_a_short_practices_tremor_is_often_withheld():
    """Real 4-12 Hz fingertip power comes in bursts of handling: its 2-s segments span 1.7 decades (10th to
    90th percentile) on the real expert capture seen from above, 1.5-1.6 on MediaPipe-tracked real hands
    (scripts/measure_synthetic_realism.py --tremor), and the capture's 20-s stretches have tremor withheld
    in 11 of 13. Before, generated hands shook evenly: 0.24 decades, and tremor read on every practice."""
    rows = [
        tremor_bursts(generate_practice("expert", duration_s=20.0, seed=s), "right_hand")
        for s in range(30000, 30008)
    ]
    assert float(np.median([r.decades for r in rows])) > 1.0
    assert sum(r.withheld for r in rows) >= 2


def test_more_pauses_give_a_larger_idle_share():
    few = _mean("needle_driver.idle_share", skill=0.5, pause_share=0.02)
    many = _mean("needle_driver.idle_share", skill=0.5, pause_share=0.4)
    assert many > few + 0.1


def test_corrective_submovements_add_movements_and_path():
    # Reaches are chains of real-length submovements, so corrections show as more movements and a longer
    # path (averaged over seeds), no longer as a change in jerk per movement.
    names = ("needle_driver.movements", "needle_driver.path_length")
    none = _means(names, seeds=(0, 1, 2, 3), skill=0.5, corrective_submovements=0.0, tremor_amplitude=0.0)
    many = _means(names, seeds=(0, 1, 2, 3), skill=0.5, corrective_submovements=3.0, tremor_amplitude=0.0)
    assert many["needle_driver.movements"] > none["needle_driver.movements"]
    assert many["needle_driver.path_length"] > 1.05 * none["needle_driver.path_length"]


def test_detours_lengthen_the_path():
    straight = _mean("needle_driver.path_length", skill=0.5, detours=0.0)
    winding = _mean("needle_driver.path_length", skill=0.5, detours=1.2)
    assert winding > 1.1 * straight


def test_experts_are_faster_smoother_and_steadier():
    names = (
        "suturing.mean_cycle_time",
        "needle_driver.log_dimensionless_jerk",
        "needle_driver.sparc",
        "needle_driver.movements",
    )
    # Four stitches: three cycles of a novice's uneven stitches are too few to find a period in.
    novice = _means(names, skill="novice", n_stitches=4)
    expert = _means(names, skill="expert", n_stitches=4)
    assert expert["suturing.mean_cycle_time"] < novice["suturing.mean_cycle_time"]
    # Smoothness on whole practices: next test.
    assert expert["needle_driver.movements"] < novice["needle_driver.movements"]
    assert _tremor(skill="expert", n_stitches=4) < _tremor(skill="novice", n_stitches=4)


def test_smoothness_rates_experts_smoother_than_novices():
    """Log dimensionless jerk (higher is smoother; SPARC: the strict xfail below) on minute-long practices,
    hover drift off (HOVER_SPEED). Read rest to rest (per movement unit) both rated novices the smoother:
    their still pauses cut their motion into short single strokes. Read on the moving time in pieces of equal
    path (scoring/features/path_smoothness.py), a novice's stops between submovements count against them:
    seeds 0-5 gave log dimensionless jerk -4.58 (expert) against -7.11 (novice) fitted on each hand's own time
    scale (bench_synthetic_smoothness.py, seed sets 5000 and 9000: gaps of 2.22 and 2.27); on the fixed 0.1-s
    fit the benchmark read -5.91 against -7.94 on seed set 0. SPARC read -2.10 against -2.29 while a fixed
    10-Hz cap cut off quick strokes' spectra (faster read smoother): most of that gap was the experts' pace.
    Read up to the clock's Nyquist frequency (the same strokes the same at any pace, within 4 %), -2.46
    against -2.49 (benchmark: gaps 0.03 / 0.00 / 0.04 on seed sets 0 / 5000 / 9000): the generator's novice
    strokes are the experts' shapes, slower and more often stopped."""
    assert HOVER_SPEED == 0.0
    names = ("needle_driver.sparc", "needle_driver.log_dimensionless_jerk")
    seeds = (0, 1, 2, 3, 4, 5)
    expert = _means(names, seeds=seeds, skill="expert", duration_s=60.0)
    novice = _means(names, seeds=seeds, skill="novice", duration_s=60.0)
    ldlj = "needle_driver.log_dimensionless_jerk"
    assert expert[ldlj] > novice[ldlj] + 1.5


@pytest.mark.xfail(
    strict=True,
    reason="since experts reach at the real expert's speed (scoring/synthetic.py REACH_TIME_SCALE 0.55, "
    "was 0.75) SPARC at 30 fps rates their quicker strokes rougher: seeds 0-5 read -2.52 (expert) against "
    "-2.48 (novice), at 0.75 -2.44 against -2.50; the real expert's takes read -2.35 and -2.39. SPARC is "
    "not in the shipped suturing model (counted against its direction)",
)
def test_sparc_rates_experts_smoother_than_novices():
    seeds = (0, 1, 2, 3, 4, 5)
    expert = _mean("needle_driver.sparc", seeds=seeds, skill="expert", duration_s=60.0)
    novice = _mean("needle_driver.sparc", seeds=seeds, skill="novice", duration_s=60.0)
    assert expert > novice


def _reach_log_dimensionless_jerk(params, seed: int) -> float:
    """-ln of the dimensionless jerk of one 3-hand-size reach of the plan itself (1-kHz clock)."""
    plan = new_hand_plan((0.0, 0.0), 0.0)
    end = reach(plan, np.array([3.0, 0.0]), 2.0, params, np.random.default_rng(seed))
    t = np.arange(0.0, end, 1e-3)
    velocity = np.gradient(plan.position.render(t), t, axis=0)
    jerk = np.gradient(np.gradient(velocity, t, axis=0), t, axis=0)
    length = np.linalg.norm(velocity, axis=1).sum() * 1e-3
    return float(-np.log(end**5 / length**2 * np.sum(jerk**2) * 1e-3))


def test_a_novice_reach_shows_its_submovements_an_expert_blends_them():
    """Reaches of the same length and distance, without corrections or detours: a novice's submovements
    stand apart as speed peaks (overlap 0.05 of their spacing) where an expert's blend (0.3), so the
    novice's reach is the jerkier, also with an expert's even shares of the distance."""
    seeds = range(6)

    def mean_ldlj(skill: float, **overrides: float) -> float:
        params = practice_parameters(skill, "suturing", corrective_submovements=0.0, detours=0.0, **overrides)
        return float(np.mean([_reach_log_dimensionless_jerk(params, seed) for seed in seeds]))

    expert = practice_parameters(0.85, "suturing")
    assert practice_parameters(0.15, "suturing").submovement_overlap < 0.2 * expert.submovement_overlap
    assert expert.submovement_overlap == pytest.approx(0.3, abs=0.01)  # as calibrated on the real expert
    assert mean_ldlj(0.15) < mean_ldlj(0.85) - 0.5
    blend = dict(submovement_overlap=expert.submovement_overlap)
    assert mean_ldlj(0.15) < mean_ldlj(0.15, **blend) - 0.2
    even = dict(stroke_concentration=expert.stroke_concentration)
    assert mean_ldlj(0.15, **even) < mean_ldlj(0.15, **even, **blend) - 0.2


def test_tremor_does_not_pass_for_jerky_movement():
    """Log dimensionless jerk measures the movements, not 8-Hz tremor, which has its own metric."""
    names = ("needle_driver.log_dimensionless_jerk",)
    steady = _means(names, skill=0.5, tremor_amplitude=0.005, finger_motion=0.0)
    shaky = _means(names, skill=0.5, tremor_amplitude=0.04, finger_motion=0.0)
    assert _tremor(skill=0.5, tremor_amplitude=0.04, finger_motion=0.0) > 3 * _tremor(
        skill=0.5, tremor_amplitude=0.005, finger_motion=0.0
    )
    ldlj = "needle_driver.log_dimensionless_jerk"
    assert shaky[ldlj] == pytest.approx(steady[ldlj], abs=0.25)  # frame-rate differences: 0.57


def test_intubation_experts_are_quicker_lift_rather_than_lever_and_stand_straighter():
    names = (
        "intubation.attempt_duration",
        "intubation.lever_index",
        "intubation.trunk_flexion",
        "intubation.neck_flexion",
        "intubation.head_jerk",
    )
    novice = _means(names, procedure="intubation", skill="novice")
    expert = _means(names, procedure="intubation", skill="expert")
    for name in names:
        assert expert[name] < novice[name], name
    # Published anchors: experts ~5.5 s, novices ~12.4 s (Carlson 2012).
    assert 4.0 < expert["intubation.attempt_duration"] < 8.0
    assert 10.0 < novice["intubation.attempt_duration"] < 18.0


def test_metric_output_for_lab_kinematics():
    motion = generate_practice("expert", "suturing", n_stitches=2, seed=0, as_video_2d=False)
    assert motion.kind == "kinematics_3d" and motion.units == "m" and motion.keypoints == ("tool_tip",)
    steps = np.linalg.norm(np.diff(motion.track("right_hand", "tool_tip"), axis=0), axis=1)
    assert np.nanmax(steps) < 0.05  # metres per frame: hand speeds, not pixels


def test_tremor_differs_between_people_of_one_skill_unless_fixed():
    """Physiological tremor differs several-fold between people of the same skill: each seed is a
    person with their own amplitude (so tremor alone cannot tell the skill); a fixed amplitude holds."""
    amplitudes = [
        synthetic_truth(generate_practice("expert", n_stitches=1, seed=seed))["parameters"][
            "tremor_amplitude"
        ]
        for seed in range(12)
    ]
    assert max(amplitudes) / min(amplitudes) > 2.0
    assert np.median(amplitudes) == pytest.approx(0.03 - 0.025 * 0.85, rel=0.35)
    fixed = [
        synthetic_truth(generate_practice("expert", n_stitches=1, seed=seed, tremor_amplitude=0.01))
        for seed in range(3)
    ]
    assert {truth["parameters"]["tremor_amplitude"] for truth in fixed} == {0.01}


def test_calibrated_handling_varies_between_people_and_a_fixed_value_holds():
    """How far a person turns the wrist and how much their fingers move is their own (suturing)."""
    params = [
        synthetic_truth(generate_practice("expert", n_stitches=1, seed=s))["parameters"] for s in range(12)
    ]
    turns = [p["wrist_turn_scale"] for p in params]
    fingers = [p["finger_motion"] for p in params]
    assert max(turns) / min(turns) > 2.0 and max(fingers) / min(fingers) > 1.5
    fixed = generate_practice("expert", n_stitches=1, seed=0, finger_motion=0.01)
    assert synthetic_truth(fixed)["parameters"]["finger_motion"] == 0.01
    intubation = synthetic_truth(generate_practice("expert", "intubation", seed=0))["parameters"]
    assert (intubation["finger_motion"], intubation["wrist_turn_scale"]) == (0.0, 1.0)  # not calibrated


def test_adjustments_keep_working_hands_moving_but_not_hesitating_ones():
    plan = new_hand_plan((0.0, 0.0), 0.0)
    params = practice_parameters(0.5, "suturing", adjustment_rate_hz=5.0, hover_speed=0.0)
    plan.cursor = 1.0
    pause(plan, 40.0, params, np.random.default_rng(0))  # a long hesitation from 1 s on
    ((start, end),) = plan.holds
    adjustments(plan, end + 20.0, params, np.random.default_rng(1))
    starts = np.array([t0 for t0, _, _ in plan.position.moves])
    assert starts.size > 20  # adjustments outside the pause ...
    assert not np.any((starts >= start + 0.5) & (starts < end - 0.5))  # ... and none inside it
    none = practice_parameters(0.5, "intubation")
    assert none.adjustment_rate_hz == 0.0


def test_a_hesitating_novice_drifts_slowly_rather_than_freezing():
    params = practice_parameters(0.15, "suturing", hover_speed=0.3)
    plan = new_hand_plan((0.0, 0.0), 0.0)
    plan.cursor = 1.0
    pause(plan, 40.0, params, np.random.default_rng(0))
    ((start, end),) = plan.holds
    t = np.arange(0.0, end + 1.0, 1 / 30)
    path = plan.position.render(t)
    speed = np.linalg.norm(np.gradient(path, axis=0), axis=1) * 30
    inside = (t > start + 0.5) & (t < end - 0.5)
    assert 0.4 * params.hover_speed < np.mean(speed[inside]) < 1.3 * params.hover_speed
    assert np.mean(speed[inside] > 0.5 * 0.3) > 0.8  # mostly above the rest level: no full stop
    assert practice_parameters(0.15, "intubation").hover_speed == 0.0  # intubation keeps still pauses
    assert practice_parameters(0.15, "suturing").hover_speed == pytest.approx(HOVER_SPEED * 0.85)


def test_uneven_strokes_give_quick_bursts_as_a_real_expert_has():
    """Real expert speed: 99th percentile 11-19 times the median (REAL_EXPERT); even strokes gave 6."""

    def burstiness(concentration: float) -> float:
        plan = new_hand_plan((0.0, 0.0), 0.0)
        rng = np.random.default_rng(3)
        params = practice_parameters(0.85, "suturing", stroke_concentration=concentration,
                                     corrective_submovements=0.0, detours=0.0)  # fmt: skip
        for k in range(40):
            reach(plan, np.array([2.0 * (k % 2), 0.0]), 1.0, params, rng)
        t = np.arange(0.0, plan.cursor, 1 / 30)
        speed = np.linalg.norm(np.diff(plan.position.render(t), axis=0), axis=1)
        moving = speed[speed > 0.01 * speed.max()]
        return float(np.quantile(moving, 0.99) / np.median(moving))

    assert burstiness(0.5) > 1.3 * burstiness(4.0)
