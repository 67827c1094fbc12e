"""Tiny JIGSAWS-format task folders with a real skill signal, for loader and training tests.

The real JIGSAWS data cannot be redistributed; these files follow the release layout exactly
(``<Task>/kinematics/AllGestures/<Task>_<User><NNN>.txt`` with 76 columns and a tab-separated
``meta_file_<Task>.txt`` with empty tab fields), including the quirks of the release: trailing
whitespace, a blank line at the end, a meta line without kinematics and kinematics without a meta line.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

# The release's eight surgeons and their self-proclaimed levels.
USER_LEVELS: dict[str, str] = {"B": "N", "C": "I", "D": "E", "E": "E", "F": "I", "G": "N", "H": "N", "I": "N"}
LEVEL_SKILL = {"N": 0.2, "I": 0.5, "E": 0.85}


def _rotation_rows(angle: np.ndarray) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    zero, one = np.zeros_like(angle), np.ones_like(angle)
    return np.stack([c, -s, zero, s, c, zero, zero, zero, one], axis=1)


def _manipulator(
    t: np.ndarray, skill: float, style: np.ndarray, rng: np.random.Generator, scale: float
) -> np.ndarray:
    """19 columns: tip xyz, rotation (9), velocity (3), rotational velocity (3), gripper angle."""
    fps = 30.0
    n_stitch = 4
    phase = 2 * np.pi * n_stitch * t / t[-1]
    tremor = (1.0 - skill) * 0.0015 * rng.standard_normal((t.size, 3))
    detour = (1.0 - skill) * 0.01 * np.sin(3.7 * phase)[:, None] * rng.uniform(0.5, 1.5, 3)
    xyz = (
        style[:3]
        + 0.02 * np.stack([np.cos(phase), np.sin(phase), 0.3 * np.sin(2 * phase)], axis=1)
        + detour
        + tremor
    )
    xyz = xyz * scale
    angle = (
        style[3]
        + 0.5 * np.sin(phase)
        + (1 - skill) * 0.2 * rng.standard_normal(t.size).cumsum() / np.sqrt(t.size)
    )
    velocity = np.gradient(xyz, axis=0) * fps
    rot_velocity = np.stack([np.zeros_like(t), np.zeros_like(t), np.gradient(angle) * fps], axis=1)
    gripper = 0.3 + 0.4 * np.sin(phase * 2) + (1 - skill) * 0.1 * rng.standard_normal(t.size)
    return np.concatenate([xyz, _rotation_rows(angle), velocity, rot_velocity, gripper[:, None]], axis=1)


def make_trial(user: str, index: int, seed: int = 0) -> tuple[np.ndarray, float, str]:
    """(T, 76) kinematics, GRS and level letter of one synthetic trial."""
    level = USER_LEVELS[user]
    user_rng = np.random.default_rng(ord(user) * 1000 + seed)
    skill = float(np.clip(LEVEL_SKILL[level] + user_rng.normal(0, 0.05), 0, 1))
    styles = [user_rng.normal(0, 0.01, 4) for _ in range(4)]
    rng = np.random.default_rng(ord(user) * 1000 + index * 7 + seed + 1)
    trial_skill = float(np.clip(skill + 0.03 * (index - 3) * (1 - skill) + rng.normal(0, 0.04), 0, 1))
    duration_s = 30.0 - 16.0 * trial_skill + rng.normal(0, 1.0)
    t = np.arange(int(duration_s * 30)) / 30.0
    columns = [
        _manipulator(t, trial_skill, styles[0], rng, 5.0),  # master left
        _manipulator(t, trial_skill, styles[1], rng, 5.0),  # master right
        _manipulator(t, trial_skill, styles[2], rng, 1.0),  # slave left
        _manipulator(t, trial_skill, styles[3], rng, 1.0),  # slave right
    ]
    grs = float(np.clip(round(6 + 24 * trial_skill + rng.normal(0, 1.0)), 6, 30))
    return np.concatenate(columns, axis=1), grs, level


def write_jigsaws_task(root: Path, task: str = "Suturing", trials_per_user: int = 5, seed: int = 0) -> Path:
    """Write a task folder; returns its path (e.g. root/Suturing)."""
    folder = Path(root) / task
    kin_dir = folder / "kinematics" / "AllGestures"
    kin_dir.mkdir(parents=True, exist_ok=True)
    meta_lines = []
    for user in USER_LEVELS:
        for index in range(1, trials_per_user + 1):
            kinematics, grs, level = make_trial(user, index, seed)
            name = f"{task}_{user}{index:03d}"
            lines = ["     ".join(f"{v:.6f}" for v in row) + "    " for row in kinematics]
            (kin_dir / f"{name}.txt").write_text("\n".join(lines) + "\n\n", encoding="utf-8")
            items = np.full(6, grs / 6.0)
            meta_lines.append(f"{name}\t\t{level}\t{grs:g}\t\t" + "\t".join(f"{v:.0f}" for v in items) + " ")
    meta_lines.append(f"{task}_Z001\t\tN\t10\t\t2\t2\t2\t2\t1\t1")  # listed, but no kinematics
    (folder / f"meta_file_{task}.txt").write_text("\n".join(meta_lines) + "\n\n", encoding="utf-8")
    extra = kin_dir / f"{task}_B099.txt"  # kinematics without a meta line
    extra.write_text("\n".join(" ".join(["0.1"] * 76) for _ in range(5)) + "\n", encoding="utf-8")
    return folder
