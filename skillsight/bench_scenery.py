"""The bench under the hands in the realistic glove scenes (`glove_scenes`): drape, pad, paper, table,
instruments, thread and light, drawn with OpenCV from a seeded generator (see the field notes listed in
`glove_scenes`).
"""

from __future__ import annotations

import math

import cv2
import numpy as np

DRAPES: dict[str, tuple[int, int, int]] = {
    "teal": (146, 188, 182),
    "green": (158, 190, 160),
    "blue": (160, 184, 208),
}
GOLD = (200, 164, 64)


def _drape(rng: np.random.Generator, size: tuple[int, int], rgb: tuple[int, int, int]) -> np.ndarray:
    """A low-saturation drape with folds (soft ridges), shadows and fine weave noise, float RGB."""
    width, height = size
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    shade = np.zeros((height, width), np.float32)
    for _ in range(int(rng.integers(3, 7))):  # folds: narrow ridges of light and shadow
        angle = rng.uniform(0, math.pi)
        offset = rng.uniform(-0.5, 0.5) * width
        distance = (xx - width / 2) * math.cos(angle) + (yy - height / 2) * math.sin(angle) - offset
        w = rng.uniform(0.01, 0.04) * width
        shade += (
            rng.uniform(0.06, 0.18)
            * np.sin(np.clip(distance / w, -math.pi, math.pi))
            * (np.abs(distance) < math.pi * w)
        )
    noise = cv2.resize(rng.normal(0, 1, (height // 24 + 2, width // 24 + 2)).astype(np.float32), size)
    shade += 0.05 * noise
    jitter = rng.uniform(-10, 10, 3)
    image = (np.array(rgb, np.float32) + jitter) * (1.0 + shade)[..., None]
    return image + np.asarray(rng.normal(0, 3.0, image.shape), dtype=np.float32)


def _paper_and_pad(rng: np.random.Generator, image: np.ndarray) -> None:
    height, width = image.shape[:2]
    white = float(rng.uniform(215, 245))
    band = int(rng.uniform(0.0, 0.12) * height)  # the white table beyond the drape's far edge
    if band:
        image[:band] = white + rng.normal(0, 2, (band, width, 3))
    edge = int(rng.choice([0, width - 1]))  # a sheet of paper at a side edge
    corner = np.array([edge, rng.uniform(0.1, 0.6) * height])
    sheet = cv2.boxPoints(
        ((float(corner[0]), float(corner[1])), (0.25 * width, 0.35 * height), rng.uniform(-20, 20))
    )
    cv2.fillConvexPoly(image, sheet.astype(np.int32), (white - 5, white - 5, white - 12))
    centre = (width * rng.uniform(0.4, 0.6), height * rng.uniform(0.4, 0.55))
    pad_size = (width * rng.uniform(0.28, 0.42), height * rng.uniform(0.35, 0.5))
    pad = cv2.boxPoints((centre, pad_size, float(rng.uniform(-12, 12))))
    cv2.fillConvexPoly(image, pad.astype(np.int32), (white, white - 2, white - 6))
    pin_radius = max(2, int(0.007 * width))
    for corner_point in pad:
        inward = (np.array(centre) - corner_point) * 0.08
        cv2.circle(image, tuple(int(v) for v in corner_point + inward), pin_radius, (15, 15, 18), -1)
    for k in range(int(rng.integers(1, 4))):  # handwritten labels
        x = int(pad[:, 0].min() + 0.1 * pad_size[0])
        y = int(pad[:, 1].min() + (0.15 + 0.12 * k) * pad_size[1])
        text = "".join(rng.choice(list("abcdefghklmnprstuvw 1234"), int(rng.integers(4, 10))))
        ink = np.zeros(image.shape[:2], np.uint8)  # OpenCV 5 draws text on 8-bit images only
        cv2.putText(ink, text, (x, y), cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, width / 1400, (255,), 1, cv2.LINE_AA)
        alpha = (ink.astype(np.float32) / 255.0)[..., None]
        image[:] = image * (1.0 - alpha) + np.array((30, 30, 60), np.float32) * alpha


def draw_instrument(
    rng: np.random.Generator, image: np.ndarray, start: np.ndarray, angle: float, length: float
) -> None:
    """A needle driver / forceps: two shiny grey bars, gold rings at the handle end (sometimes)."""
    width = image.shape[1]
    direction = np.array([math.cos(angle), math.sin(angle)])
    normal = np.array([-direction[1], direction[0]])
    bar = max(2, int(rng.uniform(0.006, 0.012) * width))
    for k in (-1, 1):
        a = start + k * normal * bar * 0.8
        b = start + direction * length + k * normal * bar * rng.uniform(0.2, 2.5)
        grey = float(rng.uniform(120, 175))
        cv2.line(image, _pt(a), _pt(b), (grey, grey, grey + 6), bar, cv2.LINE_AA)
        cv2.line(image, _pt(a), _pt(b), (245, 245, 250), max(1, bar // 4), cv2.LINE_AA)  # highlight
        if rng.random() < 0.6:
            ring = max(4, int(0.022 * width))
            cv2.circle(
                image,
                _pt(a - direction * ring + k * normal * ring),
                ring,
                GOLD,
                max(2, bar // 2),
                cv2.LINE_AA,
            )


def draw_thread(rng: np.random.Generator, image: np.ndarray, through: tuple[float, float]) -> None:
    height, width = image.shape[:2]
    t = np.linspace(0, 1, 30)[:, None]
    ends = rng.uniform([0, 0], [width, height], (3, 2))
    ends[1] = through
    curve = (1 - t) ** 2 * ends[0] + 2 * (1 - t) * t * ends[1] + t**2 * ends[2]
    cv2.polylines(image, [curve.astype(np.int32)], False, (25, 20, 30), 1, cv2.LINE_AA)


def _pt(p: np.ndarray) -> tuple[int, int]:
    return int(round(float(p[0]))), int(round(float(p[1])))


def bench(rng: np.random.Generator, size: tuple[int, int], drape: str) -> np.ndarray:
    image = _drape(rng, size, DRAPES[drape])
    _paper_and_pad(rng, image)
    width, height = size
    for _ in range(int(rng.integers(1, 3))):  # instruments lying on the drape
        start = rng.uniform([0.05 * width, 0.2 * height], [0.9 * width, 0.9 * height])
        draw_instrument(rng, image, start, rng.uniform(0, 2 * math.pi), rng.uniform(0.15, 0.3) * width)
    return image


def light(rng: np.random.Generator, size: tuple[int, int], strong: bool) -> np.ndarray:
    width, height = size
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    reach = 0.45 if strong else 0.15
    gain = (
        1.0
        + rng.uniform(-reach, reach) * (xx / width - 0.5)
        + rng.uniform(-reach, reach) * (yy / height - 0.5)
    )
    if strong:  # a lamp's spot
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        gain += 0.25 * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * (0.25 * width) ** 2)) - 0.1
    return gain


def bare_bench(rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    """A bench with white and blue objects on it (magazine pages with print, gauze, a sponge, a cap)."""
    width, height = size
    background = bench(rng, size, str(rng.choice(list(DRAPES))))
    for k in range(4):
        centre = (rng.uniform(0.05, 0.95) * width, rng.uniform(0.1, 0.95) * height)
        box = cv2.boxPoints(
            (centre, (rng.uniform(0.12, 0.3) * width, rng.uniform(0.12, 0.3) * height), rng.uniform(0, 90))
        )
        if k % 2 == 0:
            cv2.fillConvexPoly(background, box.astype(np.int32), (242, 242, 238))
            for line in range(6):
                y = int(box[:, 1].min() + (line + 1) * 0.1 * np.ptp(box[:, 1]))
                x0, x1 = int(box[:, 0].min()) + 8, int(box[:, 0].max()) - 8
                cv2.line(background, (x0, y), (x1, y), (90, 90, 95), 2)
        else:
            blue = (int(rng.uniform(30, 90)), int(rng.uniform(80, 140)), int(rng.uniform(170, 230)))
            cv2.fillConvexPoly(background, box.astype(np.int32), blue)
    return background
