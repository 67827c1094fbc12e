"""The issue-10 figures: a glove reported as two hands is a false hand, as a hand on the drape is."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from skillsight.glove_scene_scoring import SceneScore, score_observation


def one_glove_scene(centre=(400.0, 300.0), side="right_hand"):
    hand = SimpleNamespace(side=side, centre=centre)
    return SimpleNamespace(
        image=np.zeros((540, 960, 3), np.uint8),
        hands=[hand],
        visible_hands=[hand],
        glove="indigo",
        drape="teal",
        condition="apart",
        seed=1,
    )


def test_one_glove_reported_as_two_hands_counts_one_false_hand():
    score = SceneScore()
    score_observation(one_glove_scene(), {"right_hand": (405.0, 300.0), "left_hand": (380.0, 320.0)}, score)
    assert (score.found, score.reported, score.false) == (1, 2, 1)
    assert score.misses[-1].endswith("doubled")


def test_each_hand_reported_once_has_no_false_hand_and_a_far_one_has():
    score = SceneScore()
    score_observation(one_glove_scene(), {"right_hand": (405.0, 300.0)}, score)
    assert (score.found, score.false) == (1, 0)
    score_observation(one_glove_scene(), {"right_hand": (405.0, 300.0), "left_hand": (900.0, 50.0)}, score)
    assert (score.found, score.reported, score.false) == (2, 3, 1)
