"""Downscaling for tracking and mapping coordinates back to the original pixels."""

from __future__ import annotations

import numpy as np
import pytest

from skillsight.capture import downscale_for_tracking, map_points_to_original, tracking_scale


def test_a_frame_within_the_limit_is_returned_unchanged():
    image = np.zeros((1080, 1920, 3), dtype=np.uint8)
    out, scale = downscale_for_tracking(image)
    assert out is image and scale == 1.0


def test_a_4k_frame_is_halved_by_area_averaging():
    image = np.zeros((2160, 3840, 3), dtype=np.uint8)
    image[:, 1::2] = 200  # alternate columns: area averaging gives exactly their mean
    out, scale = downscale_for_tracking(image)
    assert scale == 0.5
    assert out.shape == (1080, 1920, 3)
    assert np.all(out == 100)


def test_a_portrait_frame_is_limited_on_its_long_side():
    out, scale = downscale_for_tracking(np.zeros((4000, 1000, 3), dtype=np.uint8), max_side=1000)
    assert scale == pytest.approx(0.25)
    assert out.shape == (1000, 250, 3)


def test_points_found_on_the_small_frame_map_back_to_the_original():
    # A bright pixel block at a known place in a 4K frame, found again on the downscaled one.
    image = np.zeros((2160, 3840), dtype=np.uint8)
    image[1000:1010, 3000:3010] = 255
    small, scale = downscale_for_tracking(image)
    rows, cols = np.nonzero(small > 127)
    # continuous pixel coordinates of the block centre on the small image
    found = np.array([[cols.mean() + 0.5, rows.mean() + 0.5, -0.3]])
    mapped = map_points_to_original(found, scale)
    assert mapped[0, :2] == pytest.approx([3005.0, 1005.0], abs=1.0)
    assert mapped[0, 2] == -0.3  # z is not a pixel coordinate


def test_mapping_keeps_missing_points_missing_and_does_not_modify_its_input():
    points = np.array([[10.0, 20.0], [np.nan, np.nan]])
    mapped = map_points_to_original(points, 0.25)
    assert mapped[0].tolist() == [40.0, 80.0]
    assert np.isnan(mapped[1]).all()
    assert points[0].tolist() == [10.0, 20.0]


def test_scale_is_validated():
    assert tracking_scale(3000, 1000, 1500) == 0.5
    with pytest.raises(ValueError):
        map_points_to_original(np.zeros((1, 2)), 0.0)
    with pytest.raises(ValueError):
        tracking_scale(10, 10, 0)


def test_replay_size_shrinks_to_max_side_and_never_enlarges():
    from skillsight.capture.resize import replay_image, replay_size

    assert replay_size(1920, 1080, None) == ((1920, 1080), 1.0)
    assert replay_size(1920, 1080, 960) == ((960, 540), 0.5)
    assert replay_size(720, 1280, 960) == ((540, 960), 0.75)
    assert replay_size(640, 360, 960) == ((640, 360), 1.0)
    image = np.zeros((1080, 1920, 3), dtype=np.uint8)
    image[:, 1000:] = 200
    small = replay_image(image, (960, 540))
    assert small.shape == (540, 960, 3) and small[0, 499, 0] == 0 and small[0, 500, 0] == 200
    same = replay_image(image, (1920, 1080))
    assert same is not image and np.array_equal(same, image)  # a copy to draw on
