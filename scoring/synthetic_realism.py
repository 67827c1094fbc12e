"""Real 3-D hand motion seen as a webcam above the bench would see it, to check the generator against.

The generator (scoring/synthetic.py) is calibrated against the real expert knot-tying motion capture in
../shared (Ultraleap BVH, both hands, about 91 Hz): `top_view` turns such a capture into what the
suturing scorer reads from video (21 MediaPipe-ordered landmarks plus centroid and tip per hand, in px,
at a webcam's frame rate, with the tracking jitter measured on real MediaPipe clips), so the project's
own compute_* features can be measured on it exactly as on a tracked video or a synthetic practice.

The captures come from a Unity project (y up), so a camera above the bench sees the x-z plane. Frames
where the capture jumps faster than any hand moves (the tracker losing and re-finding a hand as it
enters or leaves) are cut off at the ends of the recording, as a video would start after the hands are
in view, and so are the seconds in which the hands arrive at and leave the place they work at
(`working_span`): the fit take's first 2.2 s (its hands coming in from 1.2 m away) and last 0.7 s,
which had read as an expert moving 1.89 hand sizes a second (1.57 at work; hand sizes as measured
before the least foreshortened palm became the unit) and turning the wrist through 458 degrees (111).
The held-out take keeps all of its 20.1 s. Any limit from 1.5 to 3 palm lengths gives the same spans
within 1.1 s; 1 palm length would cut the held-out take's last 5 s of work.
Only summary statistics of the GPL-licensed capture enter the generator, never its motion.

`tremor_bursts` measures how a hand's 4-12 Hz fingertip power is spread over its 2-s segments (what the
tremor metric averages, and whose spread decides whether it is shown), the same way on real and generated
motion: real hands handle in bursts, and a steady shake would always be read.

`in_hand_units` reads a motion in a hand size given from outside instead of its own measured one. The
two takes are one expert's hands, yet the median palm over frames as seen from above read 0.53 of the
palm on the fit take and 0.69 on the held-out one, because the knot is tied with the hands in the air:
the fit take's assisting palm is turned away from the camera (0.40 of its length in the median frame),
the held-out take's lies flat (0.85). Every metric in hand sizes then read the held-out take in a unit
1.3 times as long (its speed 1.28 hand sizes/s against the fit take's 1.57, though in palm lengths it
moves 0.89 against 0.83), and it was scored expert only just. The hand size is now each hand's least
foreshortened palm (pose/scale.py: the larger hand's 95th percentile), 0.86 and 0.87 of the palm on
the two takes, so both read in nearly one unit (speeds 0.97 and 1.02 hand sizes/s); the generator's
plans keep the old unit's calibration at 0.613 of today's (synthetic.SUTURING_PLAN_UNIT, from the fit
take alone). benchmarks/bench_real_expert_margin.py reads both takes in their own, the fit take's and
the palm's unit.
"""

from __future__ import annotations

from typing import NamedTuple, Optional

import numpy as np

from skillsight.base.keypoints import GLOVE_KEYPOINTS, HAND_KEYPOINTS
from skillsight.pose.cleaning import mask_runs
from skillsight.pose.motion import KIND_VIDEO_2D, Motion
from skillsight.scoring.features import prepare_motion
from skillsight.scoring.features.smoothness import (
    MIN_TREMOR_RUN_S,
    even_clock,
    fingertip_offsets,
    segment_tremor,
    tremor_reading,
    tremor_with_uncertainty,
)
from skillsight.scoring.synthetic_tracking import add_tracking_artifacts

UP_AXIS = 1  # Unity (and so these BVH exports) is y-up
MAX_HAND_SPEED_M_S = 3.0  # faster than careful hand work: a tracking jump, not motion
PALM_M = ("wrist", "middle_finger_mcp")
# How the captured expert differs from webcam tracking of suturing, so the cards say so (BUILT_FROM in
# scripts/build_default_models.py): the knot is tied in the air (forearms pointing up), so from above the
# palms are foreshortened; the hand size (each hand's least foreshortened palm, pose/scale.py) reads 77.6
# px of a 90-px palm on the fit take, 78.3 on the held-out one, so every per-hand-size figure of
# synthetic.REAL_EXPERT (speed, jerk, path) reads about 1.16 times what the same motion of hands flat to
# the camera would.
CAPTURE_VIEW_NOTE = (
    "The real expert capture is knot tying in the air seen from above: even its least foreshortened "
    "palms read 0.86 of their length (the hand size on the calibration take), so its speeds in hand sizes "
    "read about 1.16 times those of the same motion with hands flat to the camera, as on a bench."
)
# How the generated hands' fingertip motion was made like the real capture's, so the cards say so.
TREMOR_BURSTS_NOTE = (
    "Its hands' finger motion and tremor come in bursts of handling (needle drive, regrasp, thread pull), "
    "as the real capture's 4-12 Hz fingertip power does, so tremor is too unsure to show on some generated "
    "practices, as on short real ones."
)
# A wrist further than this (palm lengths) from where it works is arriving or leaving, not working.
ARRIVAL_PALMS = 2.0


def steady_span(positions: np.ndarray, timestamps: np.ndarray) -> slice:
    """The longest run of frames in which no hand's wrist jumps faster than MAX_HAND_SPEED_M_S."""
    wrist = positions[:, :, 0]
    step = np.linalg.norm(np.diff(wrist, axis=0), axis=-1) / np.diff(timestamps)[:, None]
    bad = np.concatenate([[True], np.any(~(step <= MAX_HAND_SPEED_M_S), axis=1), [True]])
    edges = np.flatnonzero(bad)
    gaps = np.diff(edges)
    best = int(np.argmax(gaps))
    return slice(int(edges[best]), int(edges[best + 1]))


def working_span(positions: np.ndarray, timestamps: np.ndarray, palm_m: float) -> slice:
    """From the first moment to the last that every hand's wrist is within ARRIVAL_PALMS palm lengths of
    the place it works at (its median position; the distance's running median over 1 s, so a quick
    excursion is not an arrival). Before and after, the hands are arriving from or leaving for outside
    the capture's volume: a practice video shows hands at work."""
    wrist = positions[:, :, 0]
    fps = (timestamps.size - 1) / max(float(timestamps[-1] - timestamps[0]), 1e-9)
    half = max(1, int(round(fps / 2)))
    near = np.ones(timestamps.size, dtype=bool)
    for i in range(wrist.shape[1]):
        away = np.linalg.norm(wrist[:, i] - np.nanmedian(wrist[:, i], axis=0), axis=-1)
        padded = np.pad(away, half, mode="edge")
        running = np.array([np.nanmedian(padded[k : k + 2 * half + 1]) for k in range(away.size)])
        near &= running <= ARRIVAL_PALMS * palm_m
    inside = np.flatnonzero(near)
    return slice(int(inside[0]), int(inside[-1]) + 1) if inside.size else slice(0, timestamps.size)


def in_hand_units(motion: Motion, hand_size: float) -> Motion:
    """`motion` (px) with its distances in units of `hand_size` px rather than its own measured hand
    size: prepare_motion leaves a motion already in hand sizes as it is."""
    if motion.units != "px" or not hand_size > 0:
        raise ValueError(f"need a motion in px and a positive hand size, got {motion.units}, {hand_size}")
    return motion.with_updates(
        positions=motion.positions / float(hand_size), metadata={**motion.metadata, "units": "hand_size"}
    )


def exposed(values: np.ndarray, t: np.ndarray, clock: np.ndarray, exposure_s: float) -> np.ndarray:
    """(T, ...) `values` sampled at irregular `t`, as frames at `clock` each exposed for `exposure_s`
    see them: the mean over the exposure (a camera's motion blur), from the running integral."""
    flat = values.reshape(values.shape[0], -1)
    integral = np.concatenate([np.zeros((1, flat.shape[1])), np.cumsum(
        0.5 * (flat[1:] + flat[:-1]) * np.diff(t)[:, None], axis=0)])  # fmt: skip
    lo = np.clip(clock - exposure_s / 2, t[0], t[-1])
    hi = np.clip(clock + exposure_s / 2, t[0], t[-1])
    cols = [(np.interp(hi, t, c) - np.interp(lo, t, c)) for c in integral.T]
    width = np.maximum(hi - lo, 1e-9)
    out = np.stack(cols, axis=1) / width[:, None]
    return out.reshape((clock.size, *values.shape[1:]))


def top_view(
    capture: Motion,
    fps: float = 30.0,
    hand_size_px: float = 90.0,
    image_size: tuple[int, int] = (1280, 720),
    rng: Optional[np.random.Generator] = None,
) -> Motion:
    """A 3-D hand capture (metres, MediaPipe keypoint names) as seen from above in px at `fps`.

    The palm length (wrist to middle knuckle) becomes `hand_size_px`; with `rng` the measured
    MediaPipe jitter of scoring/synthetic_tracking.py is added (no dropouts: a capture has none)."""
    names = list(capture.keypoints)
    missing = [k for k in HAND_KEYPOINTS if k not in names]
    if missing:
        raise ValueError(f"{capture.metadata.get('source', 'capture')}: no {', '.join(missing)} keypoints")
    order = [names.index(k) for k in HAND_KEYPOINTS]
    xyz = capture.positions[:, :, order]  # (T, I, 21, 3), wrist first
    span = steady_span(xyz, capture.timestamps)
    xyz, t = xyz[span], capture.timestamps[span]
    palm_m = float(np.nanmedian(np.linalg.norm(xyz[:, :, 9] - xyz[:, :, 0], axis=-1)))
    span = working_span(xyz, t, palm_m)
    xyz, t = xyz[span], t[span]
    clock = t[0] + np.arange(int((t[-1] - t[0]) * fps) + 1) / fps
    plane = [a for a in range(3) if a != UP_AXIS]
    flat = exposed(xyz[..., plane], t, clock, 1.0 / fps)
    centre = np.nanmedian(flat.reshape(-1, 2), axis=0)
    px = (flat - centre) * (hand_size_px / palm_m) + np.array(image_size, dtype=float) / 2.0
    centroid = px.mean(axis=2, keepdims=True)
    tip = px[:, :, HAND_KEYPOINTS.index("middle_finger_tip")][:, :, None]
    px = np.concatenate([px, centroid, tip], axis=2)
    positions = np.concatenate([px, np.zeros(px.shape[:3] + (1,))], axis=-1)
    confidence = np.full(px.shape[:3], 0.9)
    if rng is not None:
        n_i = px.shape[1]
        positions, confidence = add_tracking_artifacts(
            positions, {i: slice(None) for i in range(n_i)}, {i: hand_size_px for i in range(n_i)},
            fps, rng, dropout_share=0.0,
        )  # fmt: skip
    metadata = {
        "source": f"top view of {capture.metadata.get('source', 'a capture')}",
        "fps": float(fps),
        "width": int(image_size[0]),
        "height": int(image_size[1]),
        "kind": KIND_VIDEO_2D,
        "units": "px",
        "camera_view": "top",
        "captured_span_s": [float(t[0]), float(t[-1])],
    }
    return Motion(
        positions,
        confidence,
        clock - clock[0],
        capture.individuals,
        HAND_KEYPOINTS + GLOVE_KEYPOINTS,
        ("x", "y", "z"),
        metadata=metadata,
    )


class TremorBursts(NamedTuple):
    """How a hand's 4-12 Hz fingertip power (above the jitter floor, hand sizes^2) is spread over its 2-s
    segments, and what the tremor metric makes of it."""

    segments: int
    variation: float  # sd / mean of the segments' power: what the reading's standard error grows with
    top_decile_share: float  # share of the summed power in the tenth of the segments that carry most
    decades: float  # log10 of the 90th over the 10th percentile of the segments' power above the floor
    relative_error: float  # the reading's (smoothness.TremorReading.relative_error)
    withheld: bool  # tremor not shown: too unsure, or too few segments


def segment_powers(motion: Motion, hand: str) -> np.ndarray:
    """(S,) 4-12 Hz power above the jitter floor of each 2-s segment of the hand's tracked runs of
    MIN_TREMOR_RUN_S or more, per fingertip, as smoothness.tremor_reading reads them (after
    prepare_motion, so in hand sizes^2 on video)."""
    prepared = prepare_motion(motion)
    offsets, _ = fingertip_offsets(prepared, hand)
    if offsets is None:
        return np.zeros(0)
    finite = np.isfinite(offsets.reshape(offsets.shape[0], -1)).all(axis=1)
    powers = [np.zeros(0)]
    for a, b in mask_runs(finite):
        if prepared.timestamps[b - 1] - prepared.timestamps[a] + 1.0 / prepared.fps >= MIN_TREMOR_RUN_S:
            even, rate = even_clock(offsets[a:b], prepared.timestamps[a:b])
            segments, _ = segment_tremor(even.reshape(even.shape[0], -1), rate)
            powers.append(segments / offsets.shape[1])
    return np.concatenate(powers)


def tremor_bursts(motion: Motion, hand: str) -> TremorBursts:
    """`TremorBursts` of one hand of a motion (NaN figures where no segment was read)."""
    powers = segment_powers(motion, hand)
    prepared = prepare_motion(motion)
    reading = tremor_reading(prepared, hand)
    withheld = not np.isfinite(tremor_with_uncertainty(prepared, hand)[0])
    if powers.size < 2 or not powers.sum() > 0:
        return TremorBursts(int(powers.size), np.nan, np.nan, np.nan, float(reading.relative_error), withheld)
    ranked = np.sort(powers)[::-1]
    top = float(ranked[: max(1, powers.size // 10)].sum() / powers.sum())
    above = powers[powers > 0]
    low, high = np.quantile(above, [0.1, 0.9]) if above.size > 2 else (np.nan, np.nan)
    variation = float(powers.std() / powers.mean())
    decades = float(np.log10(high / low))
    return TremorBursts(int(powers.size), variation, top, decades, float(reading.relative_error), withheld)
