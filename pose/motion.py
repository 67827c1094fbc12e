"""The one motion container every source produces and every feature reads.

`Motion` holds positions over named axes (time, individual, keypoint, space), a confidence per
(time, individual, keypoint), timestamps in seconds and JSON metadata (provenance). It is validated
once, where it is made, so features can trust it. Missing observations are NaN positions with zero
confidence; a keypoint that an individual never has (a pose landmark on a hand) is simply always NaN.

File format (``*.motion.npz``, documented in datasets/README.md): a compressed numpy ``.npz`` read
with ``allow_pickle=False``, holding the arrays ``positions``, ``confidence``, ``timestamps``,
``frame_indices``, optionally ``filled``, ``world_positions`` and ``signal:<name>`` arrays, plus
``names`` and ``metadata`` as JSON strings. ``format_version`` in the metadata lets later
readers migrate old files.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from skillsight.base.atomic import atomic_output

MOTION_FORMAT_VERSION = 1
MOTION_SUFFIX = ".motion.npz"

# Individuals are anatomical: left_hand is the trainee's left hand whatever the camera view.
LEFT_HAND = "left_hand"
RIGHT_HAND = "right_hand"
BODY = "body"

# Kinds of motion source; scorers and references record which kind they were built for.
KIND_VIDEO_2D = "video_2d"
KIND_KINEMATICS_3D = "kinematics_3d"
KIND_MOCAP_3D = "mocap_3d"


class MotionError(ValueError):
    """A motion container or motion file is malformed."""


def _check_axes(positions: np.ndarray, names: Mapping[str, tuple[str, ...]]) -> None:
    """positions is (time, individual, keypoint, space) with one unique name per index of each axis."""
    if positions.ndim != 4:
        raise MotionError(f"positions must be 4-D (time, individual, keypoint, space), got {positions.shape}")
    if np.isinf(positions).any():
        raise MotionError("positions hold infinite values (a missing point must be NaN)")
    for (axis, axis_names), size in zip(names.items(), positions.shape[1:]):
        if len(axis_names) != size:
            raise MotionError(f"{len(axis_names)} {axis} names for an axis of size {size}")
        if len(set(axis_names)) != len(axis_names):
            raise MotionError(f"duplicate {axis} names: {axis_names}")


def _checked_timestamps(values: Any, n_time: int) -> np.ndarray:
    timestamps = np.asarray(values, dtype=np.float64)
    if timestamps.shape != (n_time,):
        raise MotionError(f"timestamps shape {timestamps.shape} != {(n_time,)}")
    if not np.all(np.isfinite(timestamps)):
        raise MotionError("timestamps must be finite")
    if n_time > 1 and not np.all(np.diff(timestamps) > 0):
        raise MotionError("timestamps must be strictly increasing")
    return timestamps


def _consistent_positions(positions: np.ndarray, values: Any) -> tuple[np.ndarray, np.ndarray]:
    """Confidence checked to lie in [0, 1]; a missing position has no confidence (0), and a point with
    any missing coordinate is missing altogether."""
    confidence = np.asarray(values, dtype=np.float64)
    if confidence.shape != positions.shape[:3]:
        raise MotionError(f"confidence shape {confidence.shape} != {positions.shape[:3]}")
    if not np.all(np.isnan(confidence) | ((confidence >= 0) & (confidence <= 1))):
        raise MotionError("confidence must lie in [0, 1]")
    missing = np.asarray(np.isnan(positions).any(axis=-1))
    # Copied only where a value must change: a container is mostly built from arrays that are
    # consistent already (another Motion's, cleaning's), and a long video's positions are ~70 MiB a copy.
    if not _can_keep(confidence) or np.isnan(confidence).any() or np.any(confidence[missing] != 0):
        confidence = np.where(missing | np.isnan(confidence), 0.0, confidence)
    if not _can_keep(positions) or np.any(missing[..., None] & ~np.isnan(positions)):
        positions = np.where(missing[..., None], np.nan, positions)
    return positions, confidence


def _can_keep(array: np.ndarray) -> bool:
    """True when the container may hold `array` itself once it is made read-only: nothing else can
    write to its memory (it owns it, or it views arrays that are all read-only already)."""
    while not array.flags.owndata:
        if array.flags.writeable or not isinstance(array.base, np.ndarray):
            return False
        array = array.base
    return True


def _shaped(values: Any, dtype: Any, shape: tuple[int, ...], name: str) -> np.ndarray:
    array = np.asarray(values, dtype=dtype)
    if array.shape != shape:
        raise MotionError(f"{name} shape {array.shape} != {shape}")
    return array


def _checked_signals(signals: Mapping[str, Any], n_time: int) -> dict[str, np.ndarray]:
    """Extra per-frame series (areas, lab kinematics): time first, read-only."""
    checked = {}
    for name, values in dict(signals).items():
        signal = np.asarray(values, dtype=np.float64)
        if signal.ndim == 0 or signal.shape[0] != n_time:
            raise MotionError(
                f"signal {name!r} has shape {signal.shape}; its first axis must be time ({n_time})"
            )
        signal.setflags(write=False)
        checked[str(name)] = signal
    return checked


@dataclass(frozen=True, eq=False)
class Motion:
    """Tracked positions over (time, individual, keypoint, space) with confidence and provenance.

    positions:       float64 (T, I, K, S); NaN where not observed.
    confidence:      float64 (T, I, K) in [0, 1]; 0 where not observed.
    timestamps:      float64 (T,) seconds from the start of the source, strictly increasing.
    individuals:     names along axis 1, e.g. ("left_hand", "right_hand", "body").
    keypoints:       names along axis 2, e.g. MediaPipe's lower-case names, or "centroid", "tip".
    space:           names along axis 3, ("x", "y") or ("x", "y", "z").
    frame_indices:   int64 (T,) 0-based index of each sample in the source's order.
    metadata:        JSON-serialisable provenance: source, source_sha256, fps, width, height, kind,
                     units, trackers, processing steps (cleaning, scaling) with their parameters.
    filled:          optional bool (T, I, K): True where a position was interpolated by cleaning.
    world_positions: optional float64 (T, I, K, 3) in metres (MediaPipe world landmarks).
    signals:         other per-frame measurements that are not keypoint positions, name -> float64
                     array whose first axis is time, e.g. "right_hand.glove_area_px" (T,), JIGSAWS
                     gripper angles, or a dataset's raw kinematic columns (T, C).
    """

    positions: np.ndarray
    confidence: np.ndarray
    timestamps: np.ndarray
    individuals: tuple[str, ...]
    keypoints: tuple[str, ...]
    space: tuple[str, ...] = ("x", "y", "z")
    frame_indices: np.ndarray | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    filled: np.ndarray | None = None
    world_positions: np.ndarray | None = None
    signals: Mapping[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Check every axis and array once, make them read-only numpy arrays, and keep positions and
        confidence consistent (a missing position has confidence 0)."""
        individuals = tuple(str(n) for n in self.individuals)
        keypoints = tuple(str(n) for n in self.keypoints)
        space = tuple(str(n) for n in self.space)
        positions = np.asarray(self.positions, dtype=np.float64)
        _check_axes(positions, {"individuals": individuals, "keypoints": keypoints, "space": space})
        n_time, n_ind, n_kp, _ = positions.shape
        timestamps = _checked_timestamps(self.timestamps, n_time)
        positions, confidence = _consistent_positions(positions, self.confidence)
        if self.frame_indices is None:
            frame_indices = np.arange(n_time, dtype=np.int64)
        else:
            frame_indices = _shaped(self.frame_indices, np.int64, (n_time,), "frame_indices")
        filled = None if self.filled is None else _shaped(self.filled, bool, (n_time, n_ind, n_kp), "filled")
        world = None
        if self.world_positions is not None:
            world = _shaped(self.world_positions, np.float64, (n_time, n_ind, n_kp, 3), "world_positions")
        metadata = dict(self.metadata)
        try:
            json.dumps(metadata)
        except (TypeError, ValueError) as exc:
            raise MotionError(f"metadata must be JSON-serialisable: {exc}") from exc
        for arr in (positions, confidence, timestamps, frame_indices):
            arr.setflags(write=False)
        values = {
            "positions": positions,
            "confidence": confidence,
            "timestamps": timestamps,
            "individuals": individuals,
            "keypoints": keypoints,
            "space": space,
            "frame_indices": frame_indices,
            "filled": filled,
            "world_positions": world,
            "metadata": metadata,
            "signals": _checked_signals(self.signals, n_time),
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)

    # --- shape and time -------------------------------------------------------------------------
    @property
    def n_frames(self) -> int:
        return int(self.positions.shape[0])

    @property
    def duration_s(self) -> float:
        """Time covered, first to last sample plus one sample period."""
        if self.n_frames == 0:
            return 0.0
        return float(self.timestamps[-1] - self.timestamps[0] + 1.0 / self.fps) if self.n_frames > 1 else 0.0

    @property
    def fps(self) -> float:
        """Sampling rate from the median frame interval (robust to variable frame rate)."""
        if self.n_frames < 2:
            return float(self.metadata.get("fps") or 0.0)
        return float(1.0 / np.median(np.diff(self.timestamps)))

    @property
    def units(self) -> str:
        return str(self.metadata.get("units", "px"))

    @property
    def kind(self) -> str:
        return str(self.metadata.get("kind", KIND_VIDEO_2D))

    # --- selection ------------------------------------------------------------------------------
    def individual_index(self, individual: str) -> int:
        try:
            return self.individuals.index(individual)
        except ValueError:
            raise KeyError(f"no individual {individual!r}; motion has {self.individuals}") from None

    def keypoint_index(self, keypoint: str) -> int:
        try:
            return self.keypoints.index(keypoint)
        except ValueError:
            raise KeyError(f"no keypoint {keypoint!r}; motion has {self.keypoints}") from None

    def has(self, individual: str, keypoint: str | None = None) -> bool:
        """True if the individual (and keypoint) exist and were observed at least once."""
        if individual not in self.individuals:
            return False
        i = self.individual_index(individual)
        if keypoint is None:
            return bool(np.any(self.confidence[:, i] > 0))
        if keypoint not in self.keypoints:
            return False
        return bool(np.any(self.confidence[:, i, self.keypoint_index(keypoint)] > 0))

    def track(self, individual: str, keypoint: str) -> np.ndarray:
        """(T, S) positions of one keypoint of one individual; NaN rows where missing."""
        return self.positions[:, self.individual_index(individual), self.keypoint_index(keypoint), :]

    def observed(self, individual: str, keypoint: str) -> np.ndarray:
        """(T,) bool: where that keypoint was observed (or filled by cleaning)."""
        return ~np.isnan(self.track(individual, keypoint)).any(axis=-1)

    def observed_keypoints(self, individual: str) -> tuple[str, ...]:
        i = self.individual_index(individual)
        seen = np.any(~np.isnan(self.positions[:, i, :, 0]), axis=0)
        return tuple(k for k, s in zip(self.keypoints, seen) if s)

    def with_updates(self, **changes: Any) -> Motion:
        """A new validated Motion with some fields replaced (the container is immutable)."""
        return replace(self, **changes)

    def with_processing_step(self, step: Mapping[str, Any], **changes: Any) -> Motion:
        """A new Motion with `step` appended to metadata['processing'] (provenance of clean-up)."""
        metadata = dict(changes.pop("metadata", self.metadata))
        metadata["processing"] = [*metadata.get("processing", []), dict(step)]
        return replace(self, metadata=metadata, **changes)

    def slice_time(self, start: int, stop: int) -> Motion:
        sl = slice(start, stop)
        return replace(
            self,
            positions=self.positions[sl],
            confidence=self.confidence[sl],
            timestamps=self.timestamps[sl],
            frame_indices=self.frame_indices[sl] if self.frame_indices is not None else None,
            filled=self.filled[sl] if self.filled is not None else None,
            world_positions=self.world_positions[sl] if self.world_positions is not None else None,
            signals={k: v[sl] for k, v in self.signals.items()},
        )

    # --- persistence ----------------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write atomically to ``path`` (``.motion.npz`` is appended when missing)."""
        return save_motion(self, path)


def empty_motion(
    individuals: Sequence[str],
    keypoints: Sequence[str],
    space: Sequence[str] = ("x", "y", "z"),
    metadata: Mapping[str, Any] | None = None,
) -> Motion:
    """A valid Motion with zero frames (e.g. a video where nothing could be decoded)."""
    n_i, n_k, n_s = len(individuals), len(keypoints), len(space)
    return Motion(
        positions=np.empty((0, n_i, n_k, n_s)),
        confidence=np.empty((0, n_i, n_k)),
        timestamps=np.empty((0,)),
        individuals=tuple(individuals),
        keypoints=tuple(keypoints),
        space=tuple(space),
        metadata=dict(metadata or {}),
    )


def concatenate_individuals(motions: Iterable[Motion], metadata: Mapping[str, Any] | None = None) -> Motion:
    """Stack motions that share timestamps along the individual axis, taking the union of keypoints."""
    motions = list(motions)
    if not motions:
        raise MotionError("nothing to concatenate")
    first = motions[0]
    for m in motions[1:]:
        if m.n_frames != first.n_frames or not np.allclose(m.timestamps, first.timestamps):
            raise MotionError("motions to combine must share timestamps")
        if m.space != first.space:
            raise MotionError(f"space axes differ: {m.space} vs {first.space}")
    keypoints: list[str] = []
    for m in motions:
        keypoints.extend(k for k in m.keypoints if k not in keypoints)
    individuals = [ind for m in motions for ind in m.individuals]
    n_t, n_k, n_s = first.n_frames, len(keypoints), len(first.space)
    positions = np.full((n_t, len(individuals), n_k, n_s), np.nan)
    confidence = np.zeros((n_t, len(individuals), n_k))
    any_world = any(m.world_positions is not None for m in motions)
    world = np.full((n_t, len(individuals), n_k, 3), np.nan) if any_world else None
    any_filled = any(m.filled is not None for m in motions)
    filled = np.zeros((n_t, len(individuals), n_k), dtype=bool) if any_filled else None
    offset = 0
    for m in motions:
        kp_idx = [keypoints.index(k) for k in m.keypoints]
        for j in range(len(m.individuals)):
            positions[:, offset + j][:, kp_idx] = m.positions[:, j]
            confidence[:, offset + j][:, kp_idx] = m.confidence[:, j]
            if world is not None and m.world_positions is not None:
                world[:, offset + j][:, kp_idx] = m.world_positions[:, j]
            if filled is not None and m.filled is not None:
                filled[:, offset + j][:, kp_idx] = m.filled[:, j]
        offset += len(m.individuals)
    merged_meta = dict(first.metadata)
    merged_meta.update(metadata or {})
    return Motion(
        positions=positions,
        confidence=confidence,
        timestamps=first.timestamps,
        individuals=tuple(individuals),
        keypoints=tuple(keypoints),
        space=first.space,
        frame_indices=first.frame_indices,
        metadata=merged_meta,
        filled=filled,
        world_positions=world,
    )


_SIGNAL_PREFIX = "signal:"


def _motion_path(path: str | os.PathLike[str]) -> Path:
    p = Path(path)
    return p if p.name.endswith(".npz") else p.with_name(p.name + MOTION_SUFFIX)


def save_motion(motion: Motion, path: str | os.PathLike[str]) -> Path:
    """Save a motion file atomically: written to a temporary file beside it, then renamed."""
    target = _motion_path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    metadata = dict(motion.metadata)
    metadata["format_version"] = MOTION_FORMAT_VERSION
    names = {"individuals": motion.individuals, "keypoints": motion.keypoints, "space": motion.space}
    arrays: dict[str, np.ndarray] = {
        "positions": motion.positions,
        "confidence": motion.confidence,
        "timestamps": motion.timestamps,
        "frame_indices": np.asarray(motion.frame_indices),
        "names": np.array(json.dumps(names)),
        "metadata": np.array(json.dumps(metadata)),
    }
    if motion.filled is not None:
        arrays["filled"] = motion.filled
    if motion.world_positions is not None:
        arrays["world_positions"] = motion.world_positions
    for name, values in motion.signals.items():
        arrays[_SIGNAL_PREFIX + name] = values
    with atomic_output(target, suffix=".npz") as tmp, open(tmp, "wb") as handle:
        np.savez_compressed(handle, **arrays)  # type: ignore[arg-type]
    return target


def load_motion(path: str | os.PathLike[str]) -> Motion:
    """Load a motion file written by `save_motion`; errors name the file and the problem."""
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"{p}: motion file not found")
    _check_expanded_size(p)
    try:
        with np.load(p, allow_pickle=False) as data:
            data = _ReadOnlyArrays(data)
            names = json.loads(str(data["names"]))
            metadata = json.loads(str(data["metadata"]))
            version = int(metadata.get("format_version", 0))
            if version > MOTION_FORMAT_VERSION:
                raise MotionError(f"format_version {version} is newer than this SkillSight reads")
            return Motion(
                positions=data["positions"],
                confidence=data["confidence"],
                timestamps=data["timestamps"],
                individuals=tuple(names["individuals"]),
                keypoints=tuple(names["keypoints"]),
                space=tuple(names["space"]),
                frame_indices=data["frame_indices"],
                metadata=metadata,
                filled=data["filled"] if "filled" in data.files else None,
                world_positions=data["world_positions"] if "world_positions" in data.files else None,
                signals={
                    f[len(_SIGNAL_PREFIX) :]: data[f] for f in data.files if f.startswith(_SIGNAL_PREFIX)
                },
            )
    except MotionError as exc:
        raise MotionError(f"{p}: {exc}") from exc
    except (OSError, KeyError, ValueError) as exc:
        raise MotionError(f"{p}: not a SkillSight motion file ({exc})") from exc


class _ReadOnlyArrays:
    """An npz file's arrays made read-only as they are read. np.load returns a writable view of a
    buffer only it holds; once both are read-only the container keeps them instead of copying
    (~70 MiB a copy of a long video's positions)."""

    def __init__(self, data: Any) -> None:
        self.files = data.files
        self._data = data

    def __getitem__(self, name: str) -> np.ndarray:
        array = self._data[name]
        view = array
        while isinstance(view, np.ndarray):
            view.setflags(write=False)
            view = view.base
        return array


# A motion file is compressed; what it expands to is read from its zip directory before anything is
# decompressed (zipfile never inflates a member past its declared size). An hour of hands and body at
# 60 fps is about 0.8 GB expanded; $SKILLSIGHT_MAX_MOTION_MB raises the limit for longer recordings.
MAX_MOTION_MB_ENV = "SKILLSIGHT_MAX_MOTION_MB"
DEFAULT_MAX_MOTION_MB = 1024


def max_motion_bytes() -> int:
    text = os.environ.get(MAX_MOTION_MB_ENV, "").strip()
    try:
        megabytes = float(text) if text else DEFAULT_MAX_MOTION_MB
    except ValueError:
        raise MotionError(f"{MAX_MOTION_MB_ENV}: not a number: {text!r}") from None
    return int(megabytes * 1024 * 1024)


def _check_expanded_size(path: Path) -> None:
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except (OSError, zipfile.BadZipFile, ValueError) as exc:
        raise MotionError(f"{path}: not a SkillSight motion file ({exc})") from exc
    limit = max_motion_bytes()
    if expanded > limit:
        raise MotionError(
            f"{path}: expands to {expanded / 2**20:.0f} MB, over the {limit / 2**20:.0f} MB limit "
            f"(set {MAX_MOTION_MB_ENV} to allow larger motion files)"
        )


def is_motion_file(path: str | os.PathLike[str]) -> bool:
    return str(path).endswith(".npz")
