"""BVH motion capture of hands (Leap Motion / Ultraleap exports) as Motion containers.

A BVH file has a HIERARCHY (joints with OFFSETs from their parent and CHANNELS) and a MOTION block
(one line of channel values per frame). Joint world positions come from forward kinematics: each
joint's rotation is the product of its rotation channels in the order the file declares them
(e.g. ``Zrotation Xrotation Yrotation`` -> Rz @ Rx @ Ry, degrees), and its position is the parent's
position plus the parent's world rotation applied to the joint's offset. Offsets here are metres.

Ultraleap hand exports have root ``Elbow``, then ``L_Wrist`` and per finger ``*_Proximal``, ``*_b``,
``*_c`` (thumb: ``*_Proximal``, ``*_a``, ``*_b``) plus an end site; they are renamed to MediaPipe's
keypoint names (wrist, thumb_cmc ... pinky_tip) and the elbow is kept as ``elbow``. The hand comes
from the file name (``LeftHand_*.bvh`` / ``RightHand_*.bvh``): the exports name the joints ``L_*`` in
both files. Timestamps come from ``MetaData/Frametimes.txt`` (``frame_index<TAB>milliseconds``) when
it matches the frames, else from ``Frame Time``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np

from skillsight.datasets import Dataset, DatasetError, Sample, normalise_skill_level
from skillsight.pose.motion import KIND_MOCAP_3D, LEFT_HAND, RIGHT_HAND, Motion, concatenate_individuals

FRAMETIMES_FILE = Path("MetaData") / "Frametimes.txt"

_FINGER_JOINTS = {
    "thumb": {"proximal": "thumb_cmc", "a": "thumb_mcp", "b": "thumb_ip", "end": "thumb_tip"},
    **{
        finger: {"proximal": f"{name}_mcp", "b": f"{name}_pip", "c": f"{name}_dip", "end": f"{name}_tip"}
        for finger, name in (
            ("index", "index_finger"),
            ("middle", "middle_finger"),
            ("ring", "ring_finger"),
            ("pinky", "pinky"),
        )
    },
}


@dataclass
class BvhJoint:
    name: str
    parent: int  # index into the joint list, -1 for the root
    offset: np.ndarray
    channels: tuple[str, ...] = ()
    end_site: bool = False


@dataclass
class BvhData:
    joints: list[BvhJoint]
    frames: np.ndarray  # (T, total channels)
    frame_time: float
    notes: list[str] = field(default_factory=list)


def _parse_hierarchy(lines: Sequence[str], path: Path) -> tuple[list[BvhJoint], int]:
    """Joints in file order (parents before children) and the index of the MOTION line."""
    joints: list[BvhJoint] = []
    stack: list[int] = []
    pending: Optional[BvhJoint] = None
    for i, raw in enumerate(lines):
        tokens = raw.split()
        if not tokens:
            continue
        key = tokens[0].upper()
        if key == "HIERARCHY":
            continue
        if key in ("ROOT", "JOINT"):
            if len(tokens) < 2:
                raise DatasetError(f"{path}:{i + 1}: {tokens[0]} without a name")
            pending = BvhJoint(tokens[1], stack[-1] if stack else -1, np.zeros(3))
        elif key == "END":
            parent = stack[-1] if stack else -1
            pending = BvhJoint(
                f"{joints[parent].name}_end" if parent >= 0 else "end", parent, np.zeros(3), end_site=True
            )
        elif key == "{":
            if pending is None:
                raise DatasetError(f"{path}:{i + 1}: '{{' without a joint")
            joints.append(pending)
            stack.append(len(joints) - 1)
            pending = None
        elif key == "}":
            if not stack:
                raise DatasetError(f"{path}:{i + 1}: unbalanced '}}'")
            stack.pop()
        elif key == "OFFSET":
            try:
                joints[stack[-1]].offset = np.array([float(v) for v in tokens[1:4]])
            except (ValueError, IndexError) as exc:
                raise DatasetError(f"{path}:{i + 1}: malformed OFFSET ({exc})") from exc
        elif key == "CHANNELS":
            count = int(tokens[1])
            channels = tuple(tokens[2 : 2 + count])
            if len(channels) != count:
                raise DatasetError(f"{path}:{i + 1}: CHANNELS declares {count} but names {len(channels)}")
            joints[stack[-1]].channels = channels
        elif key == "MOTION":
            if stack:
                raise DatasetError(f"{path}: HIERARCHY not closed before MOTION")
            return joints, i
    raise DatasetError(f"{path}: no MOTION section (not a BVH file?)")


def read_bvh(path: Path) -> BvhData:
    """Parse a BVH file; frames with a wrong number of values end the data (reported in notes)."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read BVH ({exc})") from exc
    if not lines or lines[0].strip().upper() != "HIERARCHY":
        raise DatasetError(f"{path}: not a BVH file (no HIERARCHY header)")
    joints, motion_at = _parse_hierarchy(lines, path)
    if not joints:
        raise DatasetError(f"{path}: no joints in HIERARCHY")
    header: dict[str, str] = {}
    data_at = motion_at + 1
    while data_at < len(lines) and ":" in lines[data_at] and len(header) < 2:
        key, value = lines[data_at].split(":", 1)
        header[key.strip().lower()] = value.strip()
        data_at += 1
    try:
        declared = int(header["frames"])
        frame_time = float(header["frame time"])
    except (KeyError, ValueError) as exc:
        raise DatasetError(f"{path}: MOTION needs 'Frames:' and 'Frame Time:' ({exc})") from exc
    n_channels = sum(len(j.channels) for j in joints)
    rows: list[np.ndarray] = []
    notes: list[str] = []
    for line_no, line in enumerate(lines[data_at:], start=data_at + 1):
        if not line.strip():
            continue
        values = np.array(line.split(), dtype=np.float64) if line.strip() else np.empty(0)
        if values.size != n_channels:
            notes.append(f"line {line_no}: {values.size} values, expected {n_channels}; data ends there")
            break
        rows.append(values)
    if not rows:
        raise DatasetError(f"{path}: no complete frames in MOTION")
    if len(rows) != declared:
        notes.append(f"declared {declared} frames, read {len(rows)}")
    return BvhData(joints=joints, frames=np.vstack(rows), frame_time=frame_time, notes=notes)


def _axis_rotation(axis: str, degrees: np.ndarray) -> np.ndarray:
    """(T, 3, 3) right-handed rotations about one axis."""
    a = np.radians(degrees)
    c, s = np.cos(a), np.sin(a)
    one, zero = np.ones_like(a), np.zeros_like(a)
    rows = {
        "X": ((one, zero, zero), (zero, c, -s), (zero, s, c)),
        "Y": ((c, zero, s), (zero, one, zero), (-s, zero, c)),
        "Z": ((c, -s, zero), (s, c, zero), (zero, zero, one)),
    }[axis]
    return np.stack([np.stack(r, axis=-1) for r in rows], axis=-2)


def forward_kinematics(data: BvhData) -> np.ndarray:
    """(T, J, 3) world positions of every joint and end site."""
    n_frames = data.frames.shape[0]
    positions = np.zeros((n_frames, len(data.joints), 3))
    rotations = np.zeros((n_frames, len(data.joints), 3, 3))
    column = 0
    for j, joint in enumerate(data.joints):
        local_rotation = np.broadcast_to(np.eye(3), (n_frames, 3, 3)).copy()
        translation = np.broadcast_to(joint.offset, (n_frames, 3)).copy()
        for channel in joint.channels:
            values = data.frames[:, column]
            column += 1
            axis, kind = channel[0].upper(), channel[1:].lower()
            if kind == "position":
                translation[:, "XYZ".index(axis)] += values
            elif kind == "rotation":
                local_rotation = local_rotation @ _axis_rotation(axis, values)
            else:
                raise DatasetError(f"unknown BVH channel {channel!r} on joint {joint.name}")
        if joint.parent < 0:
            positions[:, j] = translation
            rotations[:, j] = local_rotation
        else:
            parent_rotation = rotations[:, joint.parent]
            positions[:, j] = positions[:, joint.parent] + np.einsum(
                "tij,tj->ti", parent_rotation, translation
            )
            rotations[:, j] = parent_rotation @ local_rotation
    return positions


def keypoint_name(joint_name: str) -> str:
    """Ultraleap joint -> MediaPipe keypoint ('L_index_b' -> 'index_finger_pip'); others lower-cased."""
    base = re.sub(r"^(l|r|left|right)_", "", joint_name.lower())
    if base in ("elbow", "wrist"):
        return base
    match = re.match(r"^(thumb|index|middle|ring|pinky)_([a-z]+?)(_end)?$", base)
    if match:
        finger, part, end = match.groups()
        names = _FINGER_JOINTS[finger]
        if end:
            return names["end"]
        if part in names:
            return names[part]
    return base


def _frametimes(folder: Path, n_frames: int) -> tuple[Optional[np.ndarray], str]:
    path = folder / FRAMETIMES_FILE
    if not path.exists():
        return None, "Frame Time (no MetaData/Frametimes.txt)"
    try:
        table = np.loadtxt(path, ndmin=2)
    except ValueError as exc:
        return None, f"Frame Time ({path.name} unreadable: {exc})"
    if table.shape[0] < n_frames or table.shape[1] < 2:
        return None, f"Frame Time ({path.name} has {table.shape[0]} rows for {n_frames} frames)"
    ms = table[:n_frames, 1]
    if np.any(np.diff(ms) <= 0):
        return None, f"Frame Time ({path.name} is not strictly increasing)"
    return (ms - ms[0]) / 1000.0, str(FRAMETIMES_FILE)


def _hand_from_file_name(path: Path) -> str:
    name = path.name.lower()
    if name.startswith("left"):
        return LEFT_HAND
    if name.startswith("right"):
        return RIGHT_HAND
    first = path.read_text(encoding="utf-8", errors="replace")[:2000]
    return RIGHT_HAND if re.search(r"JOINT\s+R_", first) else LEFT_HAND


def bvh_to_motion(
    path: Path, individual: Optional[str] = None, timestamps: Optional[np.ndarray] = None
) -> Motion:
    """One BVH file as a one-hand Motion (positions in metres)."""
    path = Path(path)
    data = read_bvh(path)
    world = forward_kinematics(data)
    n = world.shape[0]
    timing = "given"
    if timestamps is None:
        timestamps, timing = _frametimes(path.parent, n)
    if timestamps is None:
        timestamps = np.arange(n) * data.frame_time
    keypoints = [keypoint_name(j.name) for j in data.joints]
    if len(set(keypoints)) != len(keypoints):  # unknown layout: keep the file's own names
        keypoints = [j.name.lower() for j in data.joints]
    individual = individual or _hand_from_file_name(path)
    return Motion(
        positions=world[:, None],
        confidence=np.ones((n, 1, len(keypoints))),
        timestamps=timestamps[:n],
        individuals=(individual,),
        keypoints=tuple(keypoints),
        space=("x", "y", "z"),
        metadata={
            "source": str(path),
            "fps": float(1.0 / np.median(np.diff(timestamps[:n]))) if n > 1 else 1.0 / data.frame_time,
            "kind": KIND_MOCAP_3D,
            "units": "m",
            "dataset": "bvh",
            "timestamps_from": timing,
            "bvh_notes": data.notes,
            "bvh_joints": [j.name for j in data.joints],
        },
    )


def load_bvh_recording(path: Path) -> Motion:
    """A .bvh file, or a folder with LeftHand_*.bvh and/or RightHand_*.bvh, as one Motion."""
    path = Path(path)
    if path.is_file():
        return bvh_to_motion(path)
    files = {LEFT_HAND: sorted(path.glob("LeftHand*.bvh")), RIGHT_HAND: sorted(path.glob("RightHand*.bvh"))}
    chosen = {hand: found[0] for hand, found in files.items() if found}
    if not chosen:
        others = sorted(path.glob("*.bvh"))
        if len(others) == 1:
            return bvh_to_motion(others[0])
        raise DatasetError(f"{path}: no LeftHand_*.bvh or RightHand_*.bvh here")
    motions = [bvh_to_motion(p, individual=hand) for hand, p in chosen.items()]
    if len(motions) == 1:
        return motions[0]
    n = min(m.n_frames for m in motions)
    # Both hands share the recording's clock; the left file's timestamps stand for both.
    shared = motions[0].timestamps[:n]
    aligned = [m.slice_time(0, n).with_updates(timestamps=shared) for m in motions]
    metadata = dict(motions[0].metadata)
    metadata["source"] = str(path)
    metadata["sources"] = {hand: str(p) for hand, p in chosen.items()}
    if len({m.n_frames for m in motions}) > 1:
        metadata["bvh_notes"] = [*metadata.get("bvh_notes", []), f"hands truncated to {n} common frames"]
    return concatenate_individuals(aligned, metadata=metadata)


def _recording_folders(root: Path) -> list[Path]:
    if root.is_file() or any(root.glob("*.bvh")):
        return [root]
    return sorted(p for p in root.iterdir() if p.is_dir() and any(p.glob("*.bvh")))


def _read_labels(root: Path) -> dict[str, dict[str, str]]:
    labels_path = root / "labels.csv"
    if not labels_path.exists():
        return {}
    with labels_path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    key = "recording" if rows and "recording" in rows[0] else "file"
    return {str(row.get(key, "")).strip(): row for row in rows}


def load_bvh_dataset(root: Path, procedure: Optional[str] = None, **_: object) -> Dataset:
    """A recording folder, a .bvh file, or a folder of recording folders (optionally with labels.csv:
    recording, participant, skill_level, grs) as a Dataset; unlabelled recordings have no level."""
    root = Path(root)
    labels = _read_labels(root) if root.is_dir() else {}
    samples = []
    for folder in _recording_folders(root):
        row = labels.get(folder.name, {})
        grs_text = str(row.get("grs", "")).strip()
        samples.append(
            Sample(
                motion=load_bvh_recording(folder),
                participant=str(row.get("participant", "") or folder.name),
                trial=folder.name,
                procedure=procedure or str(row.get("procedure", "") or "knot_tying"),
                skill_level=normalise_skill_level(row.get("skill_level"), origin=str(root / "labels.csv")),
                grs=float(grs_text) if grs_text else None,
                source=str(folder),
            )
        )
    if not samples:
        raise DatasetError(f"{root}: no BVH recordings found")
    return Dataset(
        samples,
        format="bvh",
        path=str(root),
        procedure=procedure or samples[0].procedure,
        description="BVH hand motion capture (Ultraleap), joint positions in metres",
    )
