"""Makers of synthetic clips: glove recolouring keeps shading; mirrored and resized clips."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from skillsight.synthetic_video import (
    GLOVE_RGB,
    hand_mask_from_landmarks,
    mirror_clip,
    recolor_skin_to_glove,
    resize_clip,
    rewrite_clip,
    skin_mask_ycrcb,
)

cv2 = pytest.importorskip("cv2")
av = pytest.importorskip("av")

SKIN = np.array([224, 172, 150], np.float32)


def shaded_skin_patch() -> tuple[np.ndarray, np.ndarray]:
    """A grey-blue background with a skin ellipse shaded from dark (left) to light (right)."""
    height, width = 240, 320
    image = np.empty((height, width, 3), np.float32)
    image[:] = (90, 110, 130)
    mask = np.zeros((height, width), np.uint8)
    cv2.ellipse(mask, (160, 120), (110, 80), 0, 0, 360, 255, -1)
    shade = np.linspace(0.55, 1.05, width, dtype=np.float32)[None, :, None]
    image = np.where(mask[..., None] > 0, np.clip(SKIN * shade, 0, 255), image)
    return image.astype(np.uint8), mask


@pytest.mark.parametrize("color", sorted(GLOVE_RGB))
def test_recolouring_keeps_the_shading_and_changes_the_colour(color: str) -> None:
    image, mask = shaded_skin_patch()
    gloved = recolor_skin_to_glove(image, color, mask)
    inner = cv2.erode(mask, np.ones((9, 9), np.uint8)) > 0
    lightness_before = cv2.cvtColor(image, cv2.COLOR_RGB2LAB)[..., 0][inner].astype(float)
    lightness_after = cv2.cvtColor(gloved, cv2.COLOR_RGB2LAB)[..., 0][inner].astype(float)
    assert np.corrcoef(lightness_before, lightness_after)[0, 1] > 0.95
    # the chroma (Lab a, b) is the glove's, whatever the lightness; the skin's was far from it
    glove_ab = cv2.cvtColor(np.array([[GLOVE_RGB[color]]], np.uint8), cv2.COLOR_RGB2LAB)[0, 0, 1:].astype(
        float
    )
    after_ab = cv2.cvtColor(gloved, cv2.COLOR_RGB2LAB)[..., 1:][inner].astype(float).mean(axis=0)
    before_ab = cv2.cvtColor(image, cv2.COLOR_RGB2LAB)[..., 1:][inner].astype(float).mean(axis=0)
    assert np.linalg.norm(before_ab - glove_ab) > 15
    assert np.linalg.norm(after_ab - glove_ab) < 6
    outside = cv2.dilate(mask, np.ones((9, 9), np.uint8)) == 0
    np.testing.assert_array_equal(gloved[outside], image[outside])


def test_without_a_mask_skin_pixels_are_found_by_colour() -> None:
    image, mask = shaded_skin_patch()
    found = skin_mask_ycrcb(image) > 0
    truth = mask > 0
    assert (found & truth).sum() / truth.sum() > 0.9
    assert (found & ~truth).sum() < 0.01 * truth.sum()
    gloved = recolor_skin_to_glove(image, "blue")
    assert gloved[120, 160, 2] > gloved[120, 160, 0]  # blue now dominates where skin was


def test_hand_mask_from_landmarks_covers_the_hand_and_a_cuff_over_the_wrist() -> None:
    image = np.full((400, 400, 3), SKIN, np.uint8)  # all skin: the mask is the hull alone
    landmarks = np.array([[200.0, 300.0]] + [[150.0 + 5 * i, 150.0 + 3 * (i % 5)] for i in range(20)])
    landmarks[9] = (200.0, 200.0)  # middle-finger MCP: the palm points up from the wrist
    mask = hand_mask_from_landmarks(image, landmarks) > 0
    for x, y in landmarks.astype(int):
        assert mask[y, x]
    assert mask[320, 200]  # the cuff covers the wrist below the wrist landmark
    assert not mask[390, 200] and not mask[10, 10]


def write_test_clip(path: Path, frames: int = 8, size=(64, 48)) -> Path:
    width, height = size
    images = []
    for i in range(frames):
        image = np.zeros((height, width, 3), np.uint8)
        image[:, : width // 4] = (255, 0, 0)  # a red band on the left
        image[10:20, 5 + i : 15 + i] = (0, 255, 0)
        images.append(image)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for image in images:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
        container.mux(stream.encode())
    return path


def decoded(path: Path) -> list:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def test_mirror_clip_flips_left_and_right(tmp_path: Path) -> None:
    source = write_test_clip(tmp_path / "src.mp4")
    mirrored = decoded(mirror_clip(source, tmp_path / "out" / "mirrored.mp4"))
    original = decoded(source)
    assert len(mirrored) == len(original) == 8
    # the red band moved to the right edge
    assert mirrored[0][:, -5:, 0].mean() > 200 and mirrored[0][:, :5, 0].mean() < 60
    assert np.abs(mirrored[3].astype(int) - original[3][:, ::-1].astype(int)).mean() < 6


def test_resize_clip_halves_the_size_and_keeps_the_frames(tmp_path: Path) -> None:
    source = write_test_clip(tmp_path / "src.mp4")
    half = decoded(resize_clip(source, tmp_path / "half.mp4", 0.5))
    assert len(half) == 8 and half[0].shape == (24, 32, 3)
    with pytest.raises(ValueError, match="positive"):
        resize_clip(source, tmp_path / "bad.mp4", 0)


def test_rewrite_is_atomic_when_the_transform_fails(tmp_path: Path) -> None:
    source = write_test_clip(tmp_path / "src.mp4")

    def broken(index: int, image: np.ndarray) -> np.ndarray:
        if index == 3:
            raise RuntimeError("boom")
        return image

    with pytest.raises(RuntimeError):
        rewrite_clip(source, tmp_path / "out.mp4", broken)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src.mp4"]
