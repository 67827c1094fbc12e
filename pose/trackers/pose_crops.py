"""The pose detector and the pose landmark model run directly (see `crop_runtime`), with MediaPipe's
tracking: the legacy pose solution's graph, in numpy.

A frame with no body from the frame before runs the detector (the 224 x 224 SSD of the shipped pose
bundle; its strongest box, blended with the boxes that overlap it, gives the hip centre and a point
above the head, which place the body's region); the landmark model then runs on that region. Every
later frame takes its region from the previous frame's two auxiliary landmarks (hip centre and scale
point, smoothed) instead, until the landmark model's pose flag falls below the tracking threshold.
Landmarks are refined from the model's heat map, mapped back to the frame and smoothed with the legacy
graph's one-euro filters on the frames' clock (`landmark_filters`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

import numpy as np

from skillsight.pose.trackers.crop_runtime import Roi, aligned_roi, crop, load_model, sigmoid, transform_roi
from skillsight.pose.trackers.landmark_filters import (
    POSE_AUXILIARY_FILTER,
    POSE_LANDMARKS_FILTER,
    LandmarkSmoother,
    VisibilitySmoother,
)

DETECTOR_MEMBER = "pose_detector.tflite"
LANDMARK_MEMBER = "pose_landmarks_detector.tflite"
DETECTOR_SIZE, LANDMARK_SIZE, HEATMAP_KERNEL = 224, 256, 7
N_LANDMARKS, N_MODEL_LANDMARKS = 33, 39  # 33 body landmarks + hip centre, scale point and 4 unused
_HIP_CENTRE, _SCALE_POINT = 33, 34
ROI_SCALE = 1.25
# landmarks, pose flag, heat map, world landmarks: not the segmentation mask (Identity_2), whose
# 256 x 256 decoder took a third of the model's time for an output nothing reads
LANDMARK_OUTPUTS = ("Identity", "Identity_1", "Identity_3", "Identity_4")


@lru_cache(maxsize=1)
def detector_anchors() -> np.ndarray:
    """(2254, 2) anchor centres of the pose detector (SSD: strides 8, 16, 32, 32, 32 on 224 px, two
    anchors per cell and layer, fixed size, so only centres matter)."""
    centres = []
    for stride, layers in ((8, 1), (16, 1), (32, 3)):
        cells = math.ceil(DETECTOR_SIZE / stride)
        grid = (np.arange(cells) + 0.5) / cells
        ys, xs = np.meshgrid(grid, grid, indexing="ij")
        cell_centres = np.stack([xs.ravel(), ys.ravel()], axis=1)
        centres.append(np.repeat(cell_centres, 2 * layers, axis=0))
    return np.concatenate(centres)


@dataclass
class PosePrediction:
    """One frame's body: (33, 3) pixel landmarks (z in pixels), visibility, world landmarks (metres)."""

    points: np.ndarray
    visibility: np.ndarray
    world: np.ndarray
    score: float


class PoseCropModel:
    """Detector and landmark model of a .task bundle, each as pre-process / infer / post-process."""

    def __init__(self, bundle: Path, threads: int = 1) -> None:
        self._detector = load_model(bundle, DETECTOR_MEMBER, threads=threads)
        self._landmarks = load_model(bundle, LANDMARK_MEMBER, threads=threads, outputs=LANDMARK_OUTPUTS)

    def detect(self, image: np.ndarray, min_score: float) -> Optional[Roi]:
        """The body region from the detector's best (blended) box, or None."""
        height, width = image.shape[:2]
        side = float(max(height, width))  # letterboxed: the frame sits centred in a square
        square = Roi(width / 2.0, height / 2.0, side, side)
        raw_boxes, raw_scores = self._detector(crop(image, square, DETECTOR_SIZE, (-1.0, 1.0)))
        scores = sigmoid(np.clip(raw_scores[0, :, 0], -100.0, 100.0))
        best = int(np.argmax(scores))
        if scores[best] < min_score:
            return None
        decoded = _decode_boxes(raw_boxes[0])
        keep = (scores >= min_score) & (_iou(decoded[best, :4], decoded[:, :4]) > 0.3)
        blended = (decoded[keep] * scores[keep, None]).sum(axis=0) / scores[keep].sum()
        keypoints = square.to_image(blended[4:].reshape(-1, 2) * DETECTOR_SIZE, DETECTOR_SIZE)
        return transform_roi(aligned_roi(keypoints[0], keypoints[1]), ROI_SCALE)

    def landmarks(self, image: np.ndarray, roi: Roi) -> tuple[np.ndarray, np.ndarray, float]:
        """(39, 5) landmarks in frame pixels (x, y, z, visibility, presence), (39, 3) world, pose flag."""
        points, flag, heatmap, world = self._landmarks(crop(image, roi, LANDMARK_SIZE, (0.0, 1.0)))
        raw = points.reshape(N_MODEL_LANDMARKS, 5).astype(np.float64)
        refined = refine_from_heatmap(raw[:, :2] / LANDMARK_SIZE, heatmap[0]) * LANDMARK_SIZE
        out = np.empty_like(raw)
        out[:, :2] = roi.to_image(refined, LANDMARK_SIZE)
        out[:, 2] = raw[:, 2] / LANDMARK_SIZE * roi.width
        out[:, 3:] = sigmoid(raw[:, 3:])
        c, s = math.cos(roi.rotation), math.sin(roi.rotation)
        metres = world.reshape(N_MODEL_LANDMARKS, 3).astype(np.float64)
        metres[:, :2] = metres[:, :2] @ np.array([[c, s], [-s, c]])
        return out, metres, float(np.ravel(flag)[0])


def _decode_boxes(raw: np.ndarray) -> np.ndarray:
    """(2254, 12) detector regressions -> box centre, size and 4 keypoints, normalised to the input."""
    decoded = raw.astype(np.float64) / DETECTOR_SIZE
    anchors = detector_anchors()
    decoded[:, 0:2] += anchors
    decoded[:, 4::2] += anchors[:, :1]
    decoded[:, 5::2] += anchors[:, 1:]
    return decoded


def _iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Intersection over union of centre-size boxes."""
    low = np.maximum(box[:2] - box[2:] / 2, boxes[:, :2] - boxes[:, 2:] / 2)
    high = np.minimum(box[:2] + box[2:] / 2, boxes[:, :2] + boxes[:, 2:] / 2)
    inter = np.prod(np.clip(high - low, 0.0, None), axis=1)
    union = np.prod(box[2:]) + np.prod(boxes[:, 2:], axis=1) - inter
    return np.asarray(inter / np.maximum(union, 1e-12))


def refine_from_heatmap(xy: np.ndarray, heatmap: np.ndarray, min_confidence: float = 0.5) -> np.ndarray:
    """MediaPipe's RefineLandmarksFromHeatmap: each landmark (normalised crop coordinates) moves to the
    confidence-weighted mean cell of a 7 x 7 window of its heat map, where that window is confident.
    All landmarks' windows at once (cells outside the map weigh nothing)."""
    rows, cols = heatmap.shape[:2]
    half = (HEATMAP_KERNEL - 1) // 2
    col = (xy[:, 0] * cols).astype(np.int64)  # truncated towards zero, as MediaPipe's int()
    row = (xy[:, 1] * rows).astype(np.int64)
    inside = (col >= 0) & (col < cols) & (row >= 0) & (row < rows)
    offsets = np.arange(-half, half + 1)
    window_rows = row[:, None] + offsets  # (N, 7)
    window_cols = col[:, None] + offsets
    valid = ((window_rows >= 0) & (window_rows < rows))[:, :, None] & (
        (window_cols >= 0) & (window_cols < cols)
    )[:, None, :]
    channel = np.arange(len(xy))[:, None, None]
    values = heatmap[
        np.clip(window_rows, 0, rows - 1)[:, :, None], np.clip(window_cols, 0, cols - 1)[:, None, :], channel
    ]
    confidence = np.where(valid, sigmoid(values.astype(np.float64)), 0.0)
    total = confidence.sum(axis=(1, 2))
    confident = inside & (confidence.max(axis=(1, 2)) >= min_confidence) & (total > 0)
    safe_total = np.where(total > 0, total, 1.0)
    mean_col = (confidence * window_cols[:, None, :]).sum(axis=(1, 2)) / safe_total
    mean_row = (confidence * window_rows[:, :, None]).sum(axis=(1, 2)) / safe_total
    refined = xy.copy()
    refined[confident, 0] = mean_col[confident] / cols
    refined[confident, 1] = mean_row[confident] / rows
    return refined


class PoseCropTracker:
    """One body tracked frame after frame, as the legacy pose solution did (see the module docstring)."""

    def __init__(
        self,
        bundle: Path,
        min_detection: float = 0.5,
        min_tracking: float = 0.5,
        independent_frames: bool = False,
        threads: int = 1,
    ) -> None:
        self.model = PoseCropModel(bundle, threads)
        self.min_detection, self.min_tracking = min_detection, min_tracking
        self.independent_frames = independent_frames
        self._roi: Optional[Roi] = None
        self._smooth = LandmarkSmoother(POSE_LANDMARKS_FILTER)
        self._smooth_auxiliary = LandmarkSmoother(POSE_AUXILIARY_FILTER)
        self._smooth_visibility = VisibilitySmoother()

    def _lose(self) -> None:
        self._roi = None
        for filt in (self._smooth, self._smooth_auxiliary, self._smooth_visibility):
            filt.reset()

    def __call__(self, image: np.ndarray, time_s: float) -> Optional[PosePrediction]:
        roi = None if self.independent_frames else self._roi
        if roi is None:
            roi = self.model.detect(image, self.min_detection)
            if roi is None:
                self._lose()
                return None
        landmarks, world, flag = self.model.landmarks(image, roi)
        if flag < self.min_tracking:
            self._lose()
            return None
        if self.independent_frames:
            return PosePrediction(
                landmarks[:N_LANDMARKS, :3], landmarks[:N_LANDMARKS, 3], world[:N_LANDMARKS], flag
            )
        points = self._smooth(landmarks[:N_LANDMARKS, :3], time_s)
        auxiliary = self._smooth_auxiliary(landmarks[[_HIP_CENTRE, _SCALE_POINT], :3], time_s)
        visibility = self._smooth_visibility(landmarks[:N_LANDMARKS, 3])
        self._roi = transform_roi(aligned_roi(auxiliary[0], auxiliary[1]), ROI_SCALE)
        return PosePrediction(points, visibility, world[:N_LANDMARKS], flag)
