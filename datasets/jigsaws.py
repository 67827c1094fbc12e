"""JIGSAWS (JHU-ISI Gesture and Skill Assessment Working Set) in its official release layout.

One task's folder, e.g. ``JIGSAWS/Suturing``::

    Suturing/meta_file_Suturing.txt
    Suturing/kinematics/AllGestures/Suturing_B001.txt ... Suturing_I005.txt

Kinematics: 76 whitespace-separated numbers per line at 30 Hz (the release right-aligns them in
fixed-width fields, so lines start with blanks). Four manipulators of 19 columns each, in this order:
master left, master right (MTMs), slave left, slave right (patient-side PSMs). Per manipulator:
tool-tip xyz (3, metres), rotation matrix (9), tool-tip translational velocity (3), rotational
velocity (3), gripper angle (1).

Meta file: one trial per line, tab separated with empty fields after the name and after the GRS
(``Needle_Passing_B001<TAB><TAB>N<TAB>8<TAB><TAB>1<TAB>1<TAB>1<TAB>2<TAB>1<TAB>2``): trial name,
self-proclaimed skill level N/I/E, GRS (modified OSATS total, the sum of the items), then six OSATS
items of 1-5 (respect for tissue, suture/needle handling, time and motion, flow of operation, overall
performance, quality of final product). Fields are split on any whitespace.

Known gaps of the release, handled by skipping with a note: not every user has five trials of every
task, and kinematics files can have no meta line (no skill label). Suturing_H002 is one; in a public
copy of Needle_Passing the meta file lists 27 trials, none of user G and two of user H, while
kinematics of some unlisted trials (G001, H001, I001, ...) are present. Self-proclaimed level and
GRS often disagree (experts with a low GRS, novices with a high one), so both are learnt separately.

The slave (patient-side) tool tips become the Motion's ``left_hand``/``right_hand`` keypoint
``tool_tip`` (the release names them slave left and slave right); all 76 columns are kept in
``signals["jigsaws.kinematics"]``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

import numpy as np

from skillsight.datasets import Dataset, DatasetError, Sample, normalise_skill_level
from skillsight.pose.lab_kinematics import (
    COLUMN_NAMES,
    KINEMATICS_SIGNAL,
    N_COLUMNS,
    column_slice,
)
from skillsight.pose.motion import KIND_KINEMATICS_3D, LEFT_HAND, RIGHT_HAND, Motion

JIGSAWS_FPS = 30.0
OSATS_ITEMS = (
    "respect_for_tissue",
    "suture_needle_handling",
    "time_and_motion",
    "flow_of_operation",
    "overall_performance",
    "quality_of_final_product",
)
GRS_SCALE = {"name": "GRS (modified OSATS, 6 items of 1-5)", "min": 6.0, "max": 30.0}

_TRIAL_NAME = re.compile(r"^(?P<task>.+)_(?P<user>[A-Za-z])(?P<index>\d{3})$")
_META_NAME = re.compile(r"^meta_file_(?P<task>.+)\.txt$", re.IGNORECASE)


def parse_trial_name(name: str) -> tuple[str, str, str]:
    """'Knot_Tying_B001' -> ('Knot_Tying', 'B', '001'); the user letter is upper-cased."""
    match = _TRIAL_NAME.match(name.strip())
    if not match:
        raise DatasetError(f"{name!r} is not a JIGSAWS trial name like Suturing_B001")
    return match["task"], match["user"].upper(), match["index"]


def procedure_for_task(task: str) -> str:
    """The procedure a JIGSAWS task folder maps to: 'Knot_Tying' -> 'knot_tying' (also 'Knot-Tying')."""
    return re.sub(r"[\s\-]+", "_", task.strip()).lower()


def _meta_row(fields: list[str], where: str) -> dict[str, object]:
    level = normalise_skill_level(fields[1], origin=where)
    try:
        grs = float(fields[2])
        items = [float(v) for v in fields[3 : 3 + len(OSATS_ITEMS)]]
    except ValueError as exc:
        raise DatasetError(f"{where}: malformed meta line ({exc})") from exc
    return {"skill_level": level, "grs": grs, "osats": dict(zip(OSATS_ITEMS, items))}


def read_meta_file(path: Path, notes: Optional[list[str]] = None) -> dict[str, dict[str, object]]:
    """trial name -> {"skill_level", "grs", "osats"}.

    Fields are split on any whitespace, so the release's empty tab fields, CRLF line ends, a byte
    order mark and trailing blanks are fine. With a `notes` list, a malformed line (or a repeated trial)
    is skipped and described there instead of stopping the whole task."""
    rows: dict[str, dict[str, object]] = {}
    try:
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read the JIGSAWS meta file ({exc})") from exc
    for line_no, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        where = f"{path.name}:{line_no}"
        try:
            if len(fields) < 3:
                raise DatasetError(f"{where}: expected trial name, skill level and GRS, got {line.strip()!r}")
            if not _TRIAL_NAME.match(fields[0]):
                raise DatasetError(f"{where}: {fields[0]!r} is not a trial name like Suturing_B001")
            row = _meta_row(fields, f"{path}:{line_no}")
        except DatasetError as exc:
            if notes is None:
                raise
            notes.append(f"{exc}; line skipped")
            continue
        if fields[0] in rows:
            if notes is None:
                raise DatasetError(f"{where}: {fields[0]} is listed twice")
            notes.append(f"{where}: {fields[0]} is listed twice; the first line is used")
            continue
        rows[fields[0]] = row
    if not rows:
        raise DatasetError(f"{path}: the meta file lists no trials")
    return rows


def read_kinematics(path: Path) -> np.ndarray:
    """(T, 76) float array from one kinematics file (blank lines, leading and trailing whitespace and
    CRLF line ends ignored; 'nan' stays NaN and counts as a missing sample)."""
    values: list[list[float]] = []
    try:
        with path.open("r", encoding="utf-8-sig", errors="replace") as handle:
            for line_no, line in enumerate(handle, start=1):
                fields = line.split()
                if not fields:
                    continue
                if len(fields) != N_COLUMNS:
                    raise DatasetError(f"{path}:{line_no}: {len(fields)} columns, expected {N_COLUMNS}")
                try:
                    values.append([float(v) for v in fields])
                except ValueError as exc:
                    raise DatasetError(f"{path}:{line_no}: non-numeric kinematics ({exc})") from exc
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read kinematics ({exc})") from exc
    if len(values) < 2:
        raise DatasetError(f"{path}: fewer than two kinematic samples")
    return np.asarray(values, dtype=np.float64)


def kinematics_to_motion(kinematics: np.ndarray, source: str, trial: str, task: str) -> Motion:
    """The patient-side tool tips as hands; grippers, rotations and all columns as signals."""
    n = kinematics.shape[0]
    try:  # the user letter names the surgeon: a reference counts its experts by it, not by trials
        participant = {"participant": parse_trial_name(trial)[1]}
    except DatasetError:
        participant = {}  # a renamed file: whose it is is unknown
    positions = np.stack(
        [kinematics[:, column_slice(psm, "tip_x", 3)] for psm in ("psm_left", "psm_right")], axis=1
    )[:, :, None, :]
    signals: dict[str, np.ndarray] = {KINEMATICS_SIGNAL: kinematics}
    for hand, psm in ((LEFT_HAND, "psm_left"), (RIGHT_HAND, "psm_right")):
        signals[f"{hand}.gripper_angle"] = kinematics[:, column_slice(psm, "gripper_angle")][:, 0]
        signals[f"{hand}.rotation_matrix"] = kinematics[:, column_slice(psm, "rot_11", 9)]
        signals[f"{hand}.velocity"] = kinematics[:, column_slice(psm, "vel_x", 3)]
        signals[f"{hand}.rotational_velocity"] = kinematics[:, column_slice(psm, "rot_vel_x", 3)]
    return Motion(
        positions=positions,
        confidence=np.ones((n, 2, 1)),
        timestamps=np.arange(n) / JIGSAWS_FPS,
        individuals=(LEFT_HAND, RIGHT_HAND),
        keypoints=("tool_tip",),
        space=("x", "y", "z"),
        metadata={
            "source": source,
            "fps": JIGSAWS_FPS,
            "kind": KIND_KINEMATICS_3D,
            "units": "m",
            "dataset": "jigsaws",
            "task": task,
            "trial": trial,
            **participant,
            "kinematics_columns": list(COLUMN_NAMES),
            "hands": "left_hand/right_hand = slave (patient-side) left/right tool tips",
        },
        signals=signals,
    )


def load_jigsaws_trial(path: Path) -> Motion:
    """One kinematics file (<Task>_<User><NNN>.txt, 76 columns) as a Motion, outside its release folder
    (to score one trial, or to build a reference from chosen ones)."""
    path = Path(path)
    try:
        task = parse_trial_name(path.stem)[0]
    except DatasetError:
        task = ""  # a renamed file still holds kinematics; only the task name is unknown
    return kinematics_to_motion(read_kinematics(path), str(path), path.stem, task)


def _child(folder: Path, name: str) -> Optional[Path]:
    """`folder/name`, matching the name without regard to case (archives unpacked on other systems)."""
    exact = folder / name
    if exact.exists():
        return exact
    if not folder.is_dir():
        return None
    wanted = name.casefold()
    return next((p for p in sorted(folder.iterdir()) if p.name.casefold() == wanted), None)


def _meta_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and _META_NAME.match(p.name))


def find_task_folder(root: Path) -> Path:
    """The task folder under PATH: PATH itself when it holds ``meta_file_<Task>.txt``, else its only
    subfolder that does (an archive unpacked as ``Suturing/Suturing``, or a release folder holding one
    task). Several task folders below PATH is an error that names them."""
    if _meta_files(root):
        return root
    below = [d for d in sorted(root.iterdir()) if d.is_dir() and _meta_files(d)] if root.is_dir() else []
    if len(below) == 1:
        return below[0]
    if below:
        listed = ", ".join(str(d) for d in below)
        raise DatasetError(f"{root}: holds several JIGSAWS tasks; point PATH at one of them: {listed}")
    raise DatasetError(
        f"{root}: no meta_file_<Task>.txt (point PATH at one task's folder, e.g. JIGSAWS/Suturing)"
    )


def _meta_file(folder: Path) -> Path:
    found = _meta_files(folder)
    expected = [p for p in found if p.name.casefold() == f"meta_file_{folder.name}.txt".casefold()]
    if expected or len(found) == 1:
        return (expected or found)[0]
    raise DatasetError(f"{folder}: several meta files ({', '.join(p.name for p in found)}); keep one")


def _kinematics_folder(folder: Path) -> Path:
    kinematics = _child(folder, "kinematics")
    all_gestures = _child(kinematics, "AllGestures") if kinematics is not None else None
    if all_gestures is None or not all_gestures.is_dir():
        raise DatasetError(f"{folder}: no kinematics/AllGestures folder")
    return all_gestures


def _task_name(folder: Path, meta_path: Path) -> str:
    """The task as the release spells it: from meta_file_<Task>.txt, else the folder's name."""
    match = _META_NAME.match(meta_path.name)
    return match["task"] if match else folder.name


def load_jigsaws(root: Path, procedure: Optional[str] = None, **_: object) -> Dataset:
    """All trials of one JIGSAWS task folder that have both kinematics and a meta line.

    Anything odd is skipped and said in the dataset's notes (printed by `skillsight train` and kept in
    its report), so one bad file cannot stop a whole task: kinematics without a meta line (the release's
    Suturing_H002), meta lines without kinematics, malformed meta lines, unreadable kinematics files and
    files whose names are not trial names. Trial names match without regard to case."""
    folder = find_task_folder(Path(root))
    notes: list[str] = []
    if folder != Path(root):
        notes.append(f"{root}: the task's files are in the subfolder {folder.name}/, read from there")
    meta_path = _meta_file(folder)
    meta = read_meta_file(meta_path, notes)
    meta_by_key = {name.casefold(): name for name in meta}
    kin_dir = _kinematics_folder(folder)
    task = _task_name(folder, meta_path)
    procedure = procedure or procedure_for_task(task)
    samples: list[Sample] = []
    seen: set[str] = set()  # trials with a kinematics file, readable or not
    for path in sorted(p for p in kin_dir.iterdir() if p.is_file() and p.suffix.lower() == ".txt"):
        name = meta_by_key.get(path.stem.casefold())
        if name is None:
            notes.append(f"{path.name}: no line in {meta_path.name} (no skill label), skipped")
            continue
        seen.add(name)
        try:
            _task, user, index = parse_trial_name(name)
            kinematics = read_kinematics(path)
        except DatasetError as exc:
            notes.append(f"{exc}; trial skipped")
            continue
        labels = meta[name]
        samples.append(
            Sample(
                motion=kinematics_to_motion(kinematics, str(path), name, task),
                participant=user,
                trial=name,
                procedure=procedure,
                skill_level=labels["skill_level"],  # type: ignore[arg-type]
                grs=labels["grs"],  # type: ignore[arg-type]
                osats=labels["osats"],  # type: ignore[arg-type]
                source=str(path),
                groups={"supertrial": index, "task": task},
            )
        )
    missing = sorted(set(meta) - seen)
    notes.extend(f"{name}: in {meta_path.name} but no kinematics file, skipped" for name in missing)
    if not samples:
        raise DatasetError(f"{kin_dir}: no readable kinematics file matches a trial in {meta_path.name}")
    return Dataset(
        samples,
        format="jigsaws",
        path=str(folder),
        procedure=procedure,
        description=f"JIGSAWS {task}: da Vinci kinematics (patient-side tool tips, 30 Hz), "
        "self-proclaimed skill level and modified-OSATS GRS",
        score_scale=dict(GRS_SCALE),
        notes=notes,
    )
