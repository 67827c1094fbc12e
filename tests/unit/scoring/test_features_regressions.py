"""Regressions found while integrating: each once crashed the assessment path."""

from __future__ import annotations

import numpy as np

from skillsight.scoring.features import compute_features, prepare_motion
from skillsight.scoring.features.suturing import dominant_period
from skillsight.scoring.procedure import load_procedure
from skillsight.scoring.synthetic import generate_practice


def test_short_novice_suturing_whose_autocorrelation_peaks_are_all_negative_still_scores():
    # This seed once made dominant_period index an empty selection (all candidate peaks < 0).
    motion = generate_practice(skill=5.5 / 90, procedure="suturing", duration_s=30, seed=10005)
    features = compute_features(prepare_motion(motion), load_procedure("suturing"))
    assert "suturing.stitch_count" in features


def test_dominant_period_finds_a_known_cycle():
    fs = 30.0
    t = np.arange(0, 60, 1 / fs)
    period, strength = dominant_period(np.sin(2 * np.pi * t / 6.0), fs, min_s=2.0, max_s=20.0)
    assert abs(period - 6.0) < 0.1
    assert strength > 0.9
