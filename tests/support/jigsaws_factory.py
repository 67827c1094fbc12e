"""JIGSAWS-format task folders for loader, training tests and the benchmark.

The real JIGSAWS data cannot be redistributed; these files follow the release layout and the quirks
checked against public copies of release files (see datasets/README.md):

* ``<Task>/kinematics/AllGestures/<Task>_<User><NNN>.txt``: 76 numbers per line, right-aligned in
  fixed-width fields (so each line starts with blanks), ``\\n`` line ends;
* ``<Task>/meta_file_<Task>.txt``: ``name<TAB><TAB>level<TAB>GRS<TAB><TAB>item1<TAB>...<TAB>item6``
  with the GRS the sum of the six 1-5 items, and a blank line at the end;
* with ``release_gaps=True``, the trials missing from the release (Needle_Passing as listed in a
  public copy of its meta file) and kinematics files without a meta line (Suturing_H002, and the
  unlisted Needle_Passing trials whose kinematics a public copy holds).

Three generators:

* `make_hard_trial` (the default of `write_jigsaws_task`): short trials (15-30 s) as hard as the real
  release. The skill signal is weak and noisy, each surgeon has habits that mimic skill (a steady
  hand or a shaky one, a quick or slow pace, whatever their level), the latent skill only loosely
  follows the self-reported level, so the rater's GRS often disagrees with it, and there are few trials
  per surgeon. On the real Suturing release the shipped training reached LOUO accuracy 0.55 and GRS
  Spearman -0.43 and a plain linear baseline LOSO 1.00 / 0.68; here the old easy figures (LOUO 0.90 /
  0.97) are out of reach (tests/unit/scoring/test_training_honest.py checks it).
* `make_easy_trial` (difficulty="easy"): skill is plain to see; for loader tests only.
* `make_realistic_trial`: 40-200 s trials (the release's own last about 1-3 minutes), per-surgeon
  set-up; for benchmarks/bench_jigsaws.py and for scoring or building references from trials.

Trial length: the hard and easy trials are shortened to 15-30 s so that training tests stay fast
(training reads each trial whatever its length). Scoring such a trial as suturing is refused ("at least
20 s of practice is needed"), and that refusal is right: the minimum is a floor far below any real
practice (every real Suturing trial lasts over a minute), so a 15-s "suturing trial" is not one. To
score trials or build a reference from them as a user would, write `write_realistic_release`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import numpy as np

# The release's eight surgeons and their self-proclaimed levels.
USER_LEVELS: dict[str, str] = {"B": "N", "C": "I", "D": "E", "E": "E", "F": "I", "G": "N", "H": "N", "I": "N"}
LEVEL_SKILL = {"N": 0.2, "I": 0.5, "E": 0.85}
TASKS = ("Suturing", "Knot_Tying", "Needle_Passing")
FPS = 30.0

# Trials of the release that have a meta line (users -> supertrial indices). Needle_Passing: as listed
# in a public copy of meta_file_Needle_Passing.txt (27 trials). Suturing: all but H002 (39). Knot_Tying
# has 36 trials in the release; which four are absent was not confirmed, so these gaps are illustrative.
RELEASE_TRIALS: dict[str, dict[str, tuple[int, ...]]] = {
    "Suturing": {**{u: (1, 2, 3, 4, 5) for u in USER_LEVELS}, "H": (1, 3, 4, 5)},
    "Knot_Tying": {
        **{u: (1, 2, 3, 4, 5) for u in USER_LEVELS}, "E": (1, 3, 4, 5), "H": (1, 2, 4), "I": (2, 3, 4, 5)
    },
    "Needle_Passing": {
        "B": (1, 2, 3, 4),
        "C": (1, 2, 3, 4, 5),
        "D": (1, 2, 3, 4, 5),
        "E": (1, 3, 4, 5),
        "F": (1, 3, 4),
        "G": (),
        "H": (4, 5),
        "I": (2, 3, 4, 5),
    },
}  # fmt: skip
# Kinematics files without a meta line (no skill label): Suturing_H002 in the release; for
# Needle_Passing, unlisted trials whose kinematics files a public copy holds.
RELEASE_UNLISTED: dict[str, tuple[str, ...]] = {
    "Suturing": ("H002",),
    "Knot_Tying": (),
    "Needle_Passing": ("G001", "G005", "H001", "I001"),
}

TrialMaker = Callable[[str, str, int, int], tuple[np.ndarray, str, np.ndarray]]


# --------------------------------------------------------------------------------------------------
# Writing the layout
# --------------------------------------------------------------------------------------------------


def format_kinematics(kinematics: np.ndarray) -> str:
    """The release's text: each value right-aligned in 15 characters with 8 decimals, one line per frame."""
    width = "{:15.8f}" * kinematics.shape[1]
    return "".join(width.format(*row) + "\n" for row in kinematics)


def meta_line(name: str, level: str, items: np.ndarray) -> str:
    """One meta-file line: name, empty field, level, GRS (sum of items), empty field, six items."""
    values = [int(v) for v in items]
    return f"{name}\t\t{level}\t{sum(values)}\t\t" + "\t".join(str(v) for v in values)


def write_task(
    root: Path,
    task: str,
    trials: dict[str, tuple[int, ...]],
    make: TrialMaker,
    seed: int = 0,
    unlisted: tuple[str, ...] = (),
) -> Path:
    """Write one task folder with `trials` (user -> supertrial indices) made by `make(task, user, index,
    seed) -> (kinematics, level letter, six OSATS items)`; `unlisted` trials ("H002") get kinematics
    but no meta line."""
    folder = Path(root) / task
    kin_dir = folder / "kinematics" / "AllGestures"
    kin_dir.mkdir(parents=True, exist_ok=True)
    meta_lines = []
    for user, indices in trials.items():
        for index in indices:
            kinematics, level, items = make(task, user, index, seed)
            name = f"{task}_{user}{index:03d}"
            (kin_dir / f"{name}.txt").write_text(format_kinematics(kinematics), encoding="utf-8")
            meta_lines.append(meta_line(name, level, items))
    for trial in unlisted:
        kinematics, _, _ = make(task, trial[0], int(trial[1:]), seed)
        (kin_dir / f"{task}_{trial}.txt").write_text(format_kinematics(kinematics), encoding="utf-8")
    (folder / f"meta_file_{task}.txt").write_text("\n".join(meta_lines) + "\n\n", encoding="utf-8")
    return folder


# --------------------------------------------------------------------------------------------------
# Easy generator: a plain skill signal
# --------------------------------------------------------------------------------------------------


def _rotation_rows(angle: np.ndarray) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    zero, one = np.zeros_like(angle), np.ones_like(angle)
    return np.stack([c, -s, zero, s, c, zero, zero, zero, one], axis=1)


def _manipulator(
    t: np.ndarray,
    skill: float,
    style: np.ndarray,
    rng: np.random.Generator,
    scale: float,
    n_stitch: int = 4,
    radius: float = 0.02,
) -> np.ndarray:
    """19 columns: tip xyz, rotation (9), velocity (3), rotational velocity (3), gripper angle."""
    phase = 2 * np.pi * n_stitch * t / t[-1]
    tremor = (1.0 - skill) * 0.0015 * rng.standard_normal((t.size, 3))
    detour = (1.0 - skill) * 0.01 * np.sin(3.7 * phase)[:, None] * rng.uniform(0.5, 1.5, 3)
    xyz = (
        style[:3]
        + radius * np.stack([np.cos(phase), np.sin(phase), 0.3 * np.sin(2 * phase)], axis=1)
        + detour
        + tremor
    )
    xyz = xyz * scale
    angle = (
        style[3]
        + 0.5 * np.sin(phase)
        + (1 - skill) * 0.2 * rng.standard_normal(t.size).cumsum() / np.sqrt(t.size)
    )
    velocity = np.gradient(xyz, axis=0) * FPS
    rot_velocity = np.stack([np.zeros_like(t), np.zeros_like(t), np.gradient(angle) * FPS], axis=1)
    gripper = 0.3 + 0.4 * np.sin(phase * 2) + (1 - skill) * 0.1 * rng.standard_normal(t.size)
    return np.concatenate([xyz, _rotation_rows(angle), velocity, rot_velocity, gripper[:, None]], axis=1)


def make_trial(user: str, index: int, seed: int = 0) -> tuple[np.ndarray, float, str]:
    """(T, 76) kinematics, GRS and level letter of one easy synthetic trial (20-30 s)."""
    kinematics, level, items = make_easy_trial("", user, index, seed)
    return kinematics, float(items.sum()), level


def make_easy_trial(task: str, user: str, index: int, seed: int = 0) -> tuple[np.ndarray, str, np.ndarray]:
    level = USER_LEVELS[user]
    user_rng = np.random.default_rng(ord(user) * 1000 + seed)
    skill = float(np.clip(LEVEL_SKILL[level] + user_rng.normal(0, 0.05), 0, 1))
    styles = [user_rng.normal(0, 0.01, 4) for _ in range(4)]
    rng = np.random.default_rng(ord(user) * 1000 + index * 7 + seed + 1)
    trial_skill = float(np.clip(skill + 0.03 * (index - 3) * (1 - skill) + rng.normal(0, 0.04), 0, 1))
    duration_s = 30.0 - 16.0 * trial_skill + rng.normal(0, 1.0)
    t = np.arange(int(duration_s * FPS)) / FPS
    columns = [
        _manipulator(t, trial_skill, styles[0], rng, 5.0),  # master left
        _manipulator(t, trial_skill, styles[1], rng, 5.0),  # master right
        _manipulator(t, trial_skill, styles[2], rng, 1.0),  # slave left
        _manipulator(t, trial_skill, styles[3], rng, 1.0),  # slave right
    ]
    items = np.clip(np.round(1 + 4 * trial_skill + rng.normal(0, 0.3, 6)), 1, 5)
    return np.concatenate(columns, axis=1), level, items


# The hard generator's knobs (module constants so a test can state what it relies on).
HARD_LEVEL_SKILL = {"N": 0.38, "I": 0.5, "E": 0.62}  # latent skill means: levels overlap
HARD_USER_SPREAD = 0.08  # latent skill spread within a level (self-report is loose)
HARD_TRIAL_SPREAD = 0.08  # trial-to-trial variation of one surgeon
HARD_RATER_NOISE = 0.10  # the rater sees the trial's skill this noisily


@dataclass(frozen=True)
class HardSurgeon:
    """One surgeon of the hard generator: a latent skill and habits of their own, stable across trials
    (so LOSO, which has seen the surgeon, is much easier than LOUO, as on the real release)."""

    skill: float
    shakiness: float  # multiplies the unskilled share of the motion: mimics skill
    pace: float
    styles: np.ndarray  # (4, 4) per-manipulator offsets and orientation
    stitches: int  # movement cycles per trial
    radii: np.ndarray  # (4,) per-manipulator movement size


def _hard_user(task: str, user: str, seed: int) -> HardSurgeon:
    rng = np.random.default_rng([seed, ord(user), len(task), 11])
    return HardSurgeon(
        skill=float(HARD_LEVEL_SKILL[USER_LEVELS[user]] + rng.normal(0, HARD_USER_SPREAD)),
        shakiness=float(np.exp(rng.normal(0, 0.25))),
        pace=float(np.exp(rng.normal(0, 0.2))),
        styles=rng.normal(0, 0.02, (4, 4)),
        stitches=int(rng.integers(3, 7)),
        radii=0.02 * np.exp(rng.normal(0, 0.25, 4)),
    )


def make_hard_trial(task: str, user: str, index: int, seed: int = 0) -> tuple[np.ndarray, str, np.ndarray]:
    """(T, 76) kinematics, level letter and six OSATS items of one hard trial (15-30 s at 30 Hz)."""
    surgeon = _hard_user(task, user, seed)
    rng = np.random.default_rng([seed, ord(user), index, len(task), 13])
    noise = rng.normal(0, HARD_TRIAL_SPREAD)
    trial_skill = float(np.clip(surgeon.skill + 0.02 * (index - 3) + noise, 0.02, 0.98))
    # What the motion shows: the surgeon's habit times a weak skill effect, plus trial noise.
    unskilled = (1.0 - trial_skill) * surgeon.shakiness * np.exp(rng.normal(0, 0.15))
    shown = float(np.clip(1.0 - unskilled, 0.0, 1.0))
    duration_s = float(np.clip((26.0 - 8.0 * trial_skill) * surgeon.pace + rng.normal(0, 2.5), 15.0, 30.0))
    t = np.arange(int(duration_s * FPS)) / FPS
    scales = (5.0, 5.0, 1.0, 1.0)  # master left, master right, slave left, slave right
    columns = [
        _manipulator(t, shown, surgeon.styles[m], rng, scales[m], surgeon.stitches, float(surgeon.radii[m]))
        for m in range(4)
    ]
    rated = trial_skill + rng.normal(0, HARD_RATER_NOISE)
    items = np.clip(np.round(1 + 4 * rated + rng.normal(0, 0.5, 6)), 1, 5)
    return np.concatenate(columns, axis=1), USER_LEVELS[user], items


def write_jigsaws_task(
    root: Path,
    task: str = "Suturing",
    trials_per_user: int = 5,
    seed: int = 0,
    release_gaps: bool = False,
    difficulty: str = "hard",
) -> Path:
    """Write a task folder (hard by default; "easy" for loader tests); returns its path (e.g.
    root/Suturing). With `release_gaps`, only the trials the release has (of the first
    `trials_per_user`) get a meta line, and the release's unlabelled kinematics files are there too."""
    trials = {u: tuple(range(1, trials_per_user + 1)) for u in USER_LEVELS}
    unlisted: tuple[str, ...] = ()
    if release_gaps:
        trials = {u: tuple(i for i in RELEASE_TRIALS[task][u] if i <= trials_per_user) for u in USER_LEVELS}
        unlisted = RELEASE_UNLISTED[task]
    make = {"hard": make_hard_trial, "easy": make_easy_trial}[difficulty]
    return write_task(root, task, trials, make, seed, unlisted)


# --------------------------------------------------------------------------------------------------
# Realistic generator: style dominates, labels overlap
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskPlan:
    """Typical duration at middling skill, work sites (count and spread along x, m) and the raters' bias
    on the GRS (a public Needle_Passing meta file rates even experts low)."""

    duration_s: float
    sites: int
    spread: float
    rater_bias: float


TASK_PLANS = {
    "Suturing": TaskPlan(duration_s=100.0, sites=4, spread=0.025, rater_bias=0.05),
    "Knot_Tying": TaskPlan(duration_s=75.0, sites=2, spread=0.012, rater_bias=0.0),
    "Needle_Passing": TaskPlan(duration_s=90.0, sites=4, spread=0.03, rater_bias=-0.12),
}
LEVEL_MEAN_SKILL = {"N": 0.35, "I": 0.5, "E": 0.65}


@dataclass(frozen=True)
class SurgeonStyle:
    """A surgeon's own habits, fixed across trials: they dominate the differences between surgeons."""

    skill: float  # latent, only loosely following the self-proclaimed level
    centres: np.ndarray  # (2, 3) where each tool works (set-up, port placement)
    master_offsets: np.ndarray  # (2, 3) where each master handle sits
    master_scale: float  # master motion per unit of tool motion
    pace: float
    pause_habit: float
    reach: float  # how far from the site a reach lands
    angles: np.ndarray  # (2, 3) preferred tool orientation
    gripper_open: np.ndarray  # (2,) rad
    gripper_closed: np.ndarray  # (2,) rad


def _surgeon_style(task: str, user: str, seed: int) -> SurgeonStyle:
    rng = np.random.default_rng([seed, ord(user), TASKS.index(task)])
    return SurgeonStyle(
        skill=float(LEVEL_MEAN_SKILL[USER_LEVELS[user]] + rng.normal(0, 0.12)),
        centres=rng.normal(0, 0.03, (2, 3)) + np.array([[-0.05, 0.02, -0.08], [0.05, 0.02, -0.08]]),
        master_offsets=rng.normal(0, 0.05, (2, 3)) + np.array([[-0.1, 0.0, 0.3], [0.1, 0.0, 0.3]]),
        master_scale=float(rng.uniform(2.5, 3.5)),
        pace=float(np.exp(rng.normal(0, 0.25))),
        pause_habit=float(np.exp(rng.normal(0, 0.35))),
        reach=float(np.exp(rng.normal(0, 0.25))),
        angles=rng.normal(0, 0.5, (2, 3)),
        gripper_open=rng.uniform(0.3, 0.9, 2),
        gripper_closed=rng.uniform(-0.45, -0.1, 2),
    )


def _minimum_jerk(tau: np.ndarray) -> np.ndarray:
    return 10 * tau**3 - 15 * tau**4 + 6 * tau**5


def _render(times: list[float], points: list[np.ndarray], t: np.ndarray) -> np.ndarray:
    """Piecewise minimum-jerk path through `points` reached at `times` (holds where equal points)."""
    knots = np.asarray(times)
    pts = np.asarray(points)
    k = np.clip(np.searchsorted(knots, t, side="right") - 1, 0, len(knots) - 2)
    span = np.maximum(knots[k + 1] - knots[k], 1e-9)
    tau = np.clip((t - knots[k]) / span, 0.0, 1.0)
    return pts[k] + (pts[k + 1] - pts[k]) * _minimum_jerk(tau)[:, None]


def _tool_path(
    t: np.ndarray, skill: float, style: SurgeonStyle, arm: int, sites: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, list[float]]:
    """(T, 3) tool-tip path: reaches between work sites, corrective submovements (many for novices)
    and pauses; and the times of its grasps."""
    centre = style.centres[arm]
    times, points, grasps = [0.0], [centre + sites[0]], []
    now, site = 0.0, 0
    while now < t[-1]:
        site = (site + int(rng.integers(0, 2))) % len(sites)
        now += rng.uniform(0.6, 1.4) / style.pace
        times.append(now)
        points.append(centre + sites[site] + rng.normal(0, 0.004 * style.reach, 3))
        for _ in range(rng.poisson(0.5 + 3.0 * (1 - skill))):
            now += rng.uniform(0.25, 0.6) / style.pace
            times.append(now)
            points.append(points[-1] + rng.normal(0, 0.002 + 0.006 * (1 - skill), 3))
        grasps.append(now)
        now += max(rng.exponential(0.3 + 1.5 * (1 - skill)) * style.pause_habit, 0.05)
        times.append(now)
        points.append(points[-1])
    return _render(times, points, t), grasps


def _euler_rows(angles: np.ndarray) -> np.ndarray:
    """(T, 9) row-major rotation matrices from (T, 3) z-y-x angles."""
    a, b, c = angles[:, 0], angles[:, 1], angles[:, 2]
    ca, sa, cb, sb, cc, sc = np.cos(a), np.sin(a), np.cos(b), np.sin(b), np.cos(c), np.sin(c)
    return np.stack(
        [
            ca * cb, ca * sb * sc - sa * cc, ca * sb * cc + sa * sc,
            sa * cb, sa * sb * sc + ca * cc, sa * sb * cc - ca * sc,
            -sb, cb * sc, cb * cc,
        ],
        axis=1,
    )  # fmt: skip


def _smooth_noise(n: int, rng: np.random.Generator, window: int) -> np.ndarray:
    kernel = np.hanning(window) / np.hanning(window).sum()
    return np.convolve(rng.standard_normal(n + window), kernel, mode="same")[:n]


def _gripper(
    t: np.ndarray, grasps: list[float], skill: float, style: SurgeonStyle, arm: int, rng: np.random.Generator
) -> np.ndarray:
    """Open before each grasp, closed after; novices regrasp (extra open-close cycles)."""
    opened, closed = float(style.gripper_open[arm]), float(style.gripper_closed[arm])
    times, values = [0.0], [opened]
    for when in grasps:
        for _ in range(1 + rng.poisson(0.8 * (1 - skill))):
            times += [max(when - 0.5, times[-1] + 0.01), max(when - 0.2, times[-1] + 0.02), when]
            values += [values[-1], opened, closed]
    times.append(max(t[-1], times[-1]) + 1.0)
    values.append(values[-1])
    return _render(times, [np.array([v]) for v in values], t)[:, 0]


def _arm_columns(
    t: np.ndarray, skill: float, style: SurgeonStyle, arm: int, sites: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(slave 19 columns, master 19 columns) of one arm."""
    n = t.size
    xyz, grasps = _tool_path(t, skill, style, arm, sites, rng)
    shake = (0.0003 + 0.0012 * (1 - skill)) * _smooth_noise(n, rng, 5)[:, None] * rng.normal(1, 0.2, 3)
    xyz = xyz + shake
    wander = np.stack([_smooth_noise(n, rng, 45) for _ in range(3)], axis=1) * np.sqrt(45)
    angles = style.angles[arm] + (0.15 + 0.25 * (1 - skill)) * wander
    gripper = _gripper(t, grasps, skill, style, arm, rng) + rng.normal(0, 0.01, n)
    velocity = np.gradient(xyz, axis=0) * FPS + rng.normal(0, 0.002, (n, 3))
    rot_velocity = np.gradient(angles, axis=0) * FPS + rng.normal(0, 0.01, (n, 3))
    slave_xyz = xyz + rng.normal(0, 0.0002, (n, 3))  # sensor noise
    slave = np.concatenate([slave_xyz, _euler_rows(angles), velocity, rot_velocity, gripper[:, None]], axis=1)
    master_xyz = style.master_offsets[arm] + style.master_scale * (xyz - style.centres[arm])
    master_xyz = master_xyz + rng.normal(0, 0.0005, (n, 3))
    master_gripper = (0.5 * gripper + 0.1)[:, None]
    master = np.concatenate(
        [master_xyz, _euler_rows(angles + 0.05), velocity * style.master_scale, rot_velocity, master_gripper],
        axis=1,
    )
    return slave, master


def make_realistic_trial(
    task: str, user: str, index: int, seed: int = 0
) -> tuple[np.ndarray, str, np.ndarray]:
    """(T, 76) kinematics, level letter and six OSATS items of one harder synthetic trial.

    Each surgeon has a latent skill that only loosely follows the self-proclaimed level (levels
    overlap), improves a little over the supertrials and varies from trial to trial; the raters see
    that skill with noise and a task bias. Set-up offsets, pace, pauses and orientation habits are the
    surgeon's own and dominate the differences between surgeons."""
    plan = TASK_PLANS[task]
    style = _surgeon_style(task, user, seed)
    rng = np.random.default_rng([seed, ord(user), index, TASKS.index(task), 7])
    skill = float(np.clip(style.skill + 0.04 * (index - 3) + rng.normal(0, 0.07), 0.02, 0.98))
    duration = plan.duration_s * (1.5 - skill) * np.exp(rng.normal(0, 0.12)) / np.sqrt(style.pace)
    t = np.arange(int(np.clip(duration, 40.0, 200.0) * FPS)) / FPS
    along = np.linspace(-plan.spread, plan.spread, plan.sites)
    sites = np.stack([along, np.zeros(plan.sites), np.zeros(plan.sites)], axis=1)
    left_slave, left_master = _arm_columns(t, skill, style, 0, sites, rng)
    right_slave, right_master = _arm_columns(t, skill, style, 1, sites, rng)
    kinematics = np.concatenate([left_master, right_master, left_slave, right_slave], axis=1)
    rated = skill + plan.rater_bias + rng.normal(0, 0.06)
    items = np.clip(np.round(1 + 4 * rated + rng.normal(0, 0.5, 6)), 1, 5)
    return kinematics, USER_LEVELS[user], items


def write_realistic_release(
    root: Path,
    tasks: tuple[str, ...] = TASKS,
    seed: int = 0,
    trials: Optional[dict[str, dict[str, tuple[int, ...]]]] = None,
) -> dict[str, Path]:
    """Task name -> folder of a harder release with the real trial lists (or `trials`) and the
    release's unlabelled kinematics files."""
    chosen = trials or RELEASE_TRIALS
    return {
        task: write_task(root, task, chosen[task], make_realistic_trial, seed, RELEASE_UNLISTED[task])
        for task in tasks
    }
