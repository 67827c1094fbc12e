"""The synthetic generator against real expert hand motion (the knot-tying capture in ../shared, seen
from above as a webcam would see it): the figures it was calibrated on are true today, its experts
resemble the real expert more than its novices do, their fingertips handle in bursts as the real expert's
do (so their tremor is withheld about as often), and the held-out take lies in the shipped suturing
scorer's training domain."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import shared_file

from skillsight.datasets.bvh import load_bvh_recording
from skillsight.pose.motion import Motion
from skillsight.pose.scale import common_hand_size
from skillsight.scoring.procedure import load_procedure
from skillsight.scoring.reference import load_reference, measure_motion
from skillsight.scoring.scorer import load_scorer
from skillsight.scoring.scorer_margin import margin_pulls
from skillsight.scoring.synthetic import REAL_EXPERT, generate_practice
from skillsight.scoring.synthetic_realism import in_hand_units, top_view, tremor_bursts

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
TOO_UNSURE = "not enough steady hand time"
TAKES = {"fit": "BVH_Finale_Choreographie_MFK_ZFK", "held_out": "Zeigefinger_BVH"}
PALM_PX = 90.0  # top_view's palm length


@pytest.fixture(scope="module")
def real_expert() -> dict[str, Motion]:
    return {
        role: top_view(
            load_bvh_recording(shared_file(f"knot_tying_bvh/{take}")), rng=np.random.default_rng(0)
        )
        for role, take in TAKES.items()
    }


def _features(motion: Motion) -> dict[str, float]:
    _, features = measure_motion(motion, load_procedure("suturing"), "right")
    return {name: float(feature.value) for name, feature in features.items()}


def test_the_recorded_real_expert_figures_are_measured_today(real_expert):
    """REAL_EXPERT (what the generator was calibrated on) is what compute_features gives on each take;
    if a metric's definition changes, re-measure (scripts/measure_synthetic_realism.py --features)."""
    for column, role in enumerate(("fit", "held_out")):
        _, features = measure_motion(real_expert[role], load_procedure("suturing"), "right")
        for name, values in REAL_EXPERT.items():
            feature = features[name]
            if not feature.available and feature.reason.startswith(TOO_UNSURE):
                # Tremor definition 2 withholds the held-out take's 20 s (+/-32 %); the fit take is read.
                assert role == "held_out" and name == "needle_driver.tremor", (role, name, feature.reason)
                continue
            assert feature.value == pytest.approx(values[column], rel=0.15, abs=0.02), (role, name)


def test_synthetic_experts_resemble_the_real_expert_more_than_novices_do(real_expert):
    real = {role: _features(motion) for role, motion in real_expert.items()}
    synthetic = {
        level: [_features(generate_practice(level, duration_s=60.0, seed=seed)) for seed in (0, 1)]
        for level in ("expert", "novice")
    }
    for name in ("needle_driver.mean_speed", "needle_driver.mean_jerk", "needle_driver.idle_share"):
        target = np.mean([real[role][name] for role in TAKES])
        expert = np.mean([row[name] for row in synthetic["expert"]])
        novice = np.mean([row[name] for row in synthetic["novice"]])
        assert abs(expert - target) < abs(novice - target), name


def test_synthetic_experts_move_and_rest_as_the_real_expert_fit_take_does(real_expert):
    """The calibration holds: generated experts (seeds outside every benchmark set) read the fit take's
    mean speed, idle share and log dimensionless jerk at work within 15%, 15% and 1.0 (before: 1.29 hand
    sizes/s against 1.57, and -4.7 against -3.8)."""
    real = _features(real_expert["fit"])
    seeds = range(20000, 20010)
    rows = [_features(generate_practice("expert", duration_s=60.0, seed=seed)) for seed in seeds]
    for name in ("needle_driver.mean_speed", "needle_driver.idle_share"):
        generated = float(np.mean([row[name] for row in rows]))
        assert generated == pytest.approx(real[name], rel=0.15), name
    name = "needle_driver.log_dimensionless_jerk"
    assert float(np.mean([row[name] for row in rows])) == pytest.approx(real[name], abs=1.0)


def _stretches(motion: Motion, n: int) -> list[Motion]:
    bounds = np.linspace(0, motion.n_frames, n + 1).astype(int)
    return [
        motion.with_updates(
            positions=motion.positions[a:b],
            confidence=motion.confidence[a:b],
            timestamps=motion.timestamps[a:b] - motion.timestamps[a],
            frame_indices=None,
            signals={},
        )
        for a, b in zip(bounds[:-1], bounds[1:])
    ]


def test_how_far_the_assisting_hand_moves_varies_as_much_as_the_real_experts_does(real_expert):
    """The real fit take at work moves its assisting hand 0.18-0.77 times the driving hand's path from
    one quarter to the next (log sd 0.6); generated experts varied 0.07 between people (log sd), so the
    held-out take's 0.22 lay 4 robust spreads from the training data."""
    name = "bimanual.path_ratio"
    real = [_features(part)[name] for part in _stretches(real_expert["fit"], 4)]
    assert np.std(np.log(real), ddof=1) > 0.3
    generated = [
        _features(generate_practice("expert", duration_s=30.0, seed=s))[name] for s in range(20000, 20008)
    ]
    assert np.std(np.log(generated), ddof=1) > 0.2


def test_the_held_out_real_expert_take_lies_in_the_shipped_scorers_domain(real_expert):
    """Held out from the calibration: the real expert seen from above is not "unlike anything the model
    was trained on" (before calibration: 1.7 times the novelty threshold, 2 metrics out of range)."""
    scorer = load_scorer(REPO / "models" / "suturing-scorer-v1.onnx")
    row, _ = scorer.feature_vector(
        measure_motion(real_expert["held_out"], load_procedure("suturing"), "right")[1]
    )
    check = scorer.check_domain(row)
    assert check.known and not check.out_of_range
    assert check.inside and check.distance < check.threshold


@pytest.mark.parametrize("role", list(TAKES))
def test_the_real_expert_takes_lie_well_inside_and_score_as_expert(real_expert, role):
    """Both takes well inside the shipped suturing scorer's domain (at most 0.9 of its novelty threshold)
    and scored expert. Before: the fit take lay at 1.01 of it (withheld; the model's level was novice),
    read with the seconds its hands arrive in view, at 1.89 hand sizes/s and a 458-degree wrist turn."""
    scorer = load_scorer(REPO / "models" / "suturing-scorer-v1.onnx")
    output = scorer.predict(measure_motion(real_expert[role], load_procedure("suturing"), "right")[1])
    assert output.domain.inside and output.domain.distance < 0.9 * output.domain.threshold
    assert output.level == "expert"


def test_both_takes_read_in_one_hand_unit(real_expert):
    """One expert's hands, so one hand size: each hand's least foreshortened palm (pose/scale.py) reads
    0.86 and 0.87 of the palm on the two takes. Before, the median palm read 0.53 and 0.69, as the
    assisting palm was turned from the camera on one take and lay flat on the other."""
    sizes = {role: common_hand_size(motion)[0] / PALM_PX for role, motion in real_expert.items()}
    assert sizes["held_out"] == pytest.approx(sizes["fit"], rel=0.03)
    assert min(sizes.values()) > 0.8


def test_the_held_out_take_is_surely_expert_in_its_own_hand_unit(real_expert):
    """Read as the product reads any video, in its own hand size, the held-out take is expert by a wide
    margin and moves at a typical reference expert's speed. Before (the median palm as the unit, 0.69 of
    it here against the 0.53 the generator was calibrated in): expert 0.51 against intermediate 0.35,
    its speed (1.28 hand sizes/s) at the reference experts' 10th percentile."""
    scorer = load_scorer(REPO / "models" / "suturing-scorer-v1.onnx")
    reference = load_reference(REPO / "models" / "suturing-reference-v1.json")
    typical = {n: reference.features[n].median for n in scorer.feature_names}
    speed = "needle_driver.mean_speed"
    row, _ = scorer.feature_vector(
        measure_motion(real_expert["held_out"], load_procedure("suturing"), "right")[1]
    )
    shown = scorer.predict_many(row)["calibrated"][0]
    pulls = margin_pulls(lambda X: scorer.run(X)[0], scorer.levels, scorer.feature_names, row, typical)
    value = next(p.value for p in pulls.pulls if p.name == speed)
    assert reference.features[speed].p10 <= value <= reference.features[speed].p90
    levels = list(scorer.levels)
    assert shown[levels.index("expert")] >= 0.7 and shown[levels.index("intermediate")] <= 0.25


FLAT_FIT_TAKE_REASON = (
    "flat to the camera the fit take reads intermediate 0.54 against expert 0.42 (novice 0.05, 0.28 of the "
    "novelty threshold; was novice 0.68): its stitch cycles (13.0 s, above every reference expert's, "
    "median 8.1) and wrist turns (111 deg) pull it down, and its speed, read in palm lengths, no longer "
    "pulls it up (55th percentile); the held-out take reads expert 0.77 (bench_real_expert_margin.py)"
)


@pytest.mark.parametrize(
    "role",
    [pytest.param("fit", marks=pytest.mark.xfail(strict=True, reason=FLAT_FIT_TAKE_REASON)), "held_out"],
)
def test_the_real_experts_motion_with_hands_flat_to_the_camera_is_not_scored_novice(real_expert, role):
    """What a bench camera would read of the same motion if the hands lay flat (distances in palm
    lengths, 90 px in top_view): scored expert, or withheld as unlike the training data; never a
    confident novice (benchmarks/bench_real_expert_margin.py, "palm unit"). An approximation of a bench
    view: the knot is tied in the air, and its vertical motion is unseen from above either way. Before
    the hand unit was the least foreshortened palm, both takes read novice (0.68 and 0.81) here; now
    the held-out take reads expert (0.77), the fit take intermediate (0.54 against expert 0.42)."""
    scorer = load_scorer(REPO / "models" / "suturing-scorer-v1.onnx")
    flat = in_hand_units(real_expert[role], PALM_PX)
    output = scorer.predict(measure_motion(flat, load_procedure("suturing"), "right")[1])
    assert output.level == "expert" or not output.domain.inside


def test_generated_fingertip_power_comes_in_bursts_as_the_real_experts_does(real_expert):
    """How unevenly 4-12 Hz fingertip power is spread over 2-s segments decides how sure the tremor
    reading is. The fit take's driving hand: 1.68 decades from the 10th to the 90th percentile, a tenth
    of the segments carrying 58 % of the power, read at +/-18 %. Generated experts (52 s, as long as the
    take at work; seeds outside every benchmark set) match within 0.3 decades, 0.15 and a third. Before,
    their hands shook evenly: 0.27 decades, 14 % and +/-3 %."""
    real = tremor_bursts(real_expert["fit"], "right_hand")
    rows = [
        tremor_bursts(generate_practice("expert", duration_s=52.0, seed=seed), "right_hand")
        for seed in range(20000, 20008)
    ]
    assert float(np.median([r.decades for r in rows])) == pytest.approx(real.decades, abs=0.3)
    top = float(np.median([r.top_decile_share for r in rows]))
    assert top == pytest.approx(real.top_decile_share, abs=0.15)
    error = float(np.median([r.relative_error for r in rows]))
    assert error == pytest.approx(real.relative_error, rel=1 / 3)


def test_generated_tremor_is_withheld_on_short_practices_as_on_short_real_stretches(real_expert):
    """The fit take's driving hand in 20-s stretches (every 2.5 s): tremor withheld in 11 of 13 (the
    held-out take's 20 s too); its whole 52 s is read. Generated experts of 20 s have it withheld in at
    least a third of practices, and of 120 s read it in most. Before: read on every practice."""
    t = real_expert["fit"].timestamps
    stretches = [np.searchsorted(t, [start, start + 20.0]) for start in np.arange(t[0], t[-1] - 20.0, 2.5)]
    real = [tremor_bursts(real_expert["fit"].slice_time(int(a), int(b)), "right_hand") for a, b in stretches]
    assert np.mean([r.withheld for r in real]) > 0.5
    assert not tremor_bursts(real_expert["fit"], "right_hand").withheld

    def withheld(duration_s: float) -> float:
        seeds = range(20000, 20012)
        motions = [generate_practice("expert", duration_s=duration_s, seed=seed) for seed in seeds]
        return float(np.mean([tremor_bursts(m, "right_hand").withheld for m in motions]))

    assert withheld(20.0) >= 1 / 3
    assert withheld(120.0) <= 1 / 3
