"""Measure real motion and tracking, and the synthetic generator's, side by side.

    python scripts/measure_synthetic_realism.py [--data ../shared/data] [--no-tracking]

What scoring/synthetic.py is calibrated against (its TRACKING_* and EXPERT_* constants):

* tracking jitter of MediaPipe hands, in palm lengths, on a still hand and on a moving hand: the residual
  of each landmark from a local quadratic fit (Savitzky-Golay, 7 frames), split into the part the whole
  hand shares (its landmark centroid) and the part each landmark adds; measured on the tfjs reference
  landmarks of asl_hand and on this project's own tracking of asl_hand, hand_reaching and typing_two_hands;
* tracking dropouts: share of frames without the hand and mean gap length, from this project's tracking;
* hand motion of a real expert (the knot-tying motion capture): palm speed (median, 90th percentile, in
  palm lengths per second), pause share (speed under 20% of the clip's 95th percentile for >= 0.3 s) and
  submovement durations (between successive speed minima).

Every statistic is computed the same way on synthetic practices of three skills, and printed beside the
real value. Only summary statistics are taken from the GPL-licensed motion capture, never its motion.

With --features, the suturing scorer's own metrics (compute_features, the assessment's steps) are measured
on the real expert capture seen from above as a webcam would see it (scoring/synthetic_realism.top_view)
and on synthetic practices of three skills: scoring/synthetic.py REAL_EXPERT holds these figures. The
generator's suturing constants were fitted to the first take (BVH_Finale_Choreographie_MFK_ZFK); the
second (Zeigefinger_BVH) is held out, to check.

With --tremor SEEDS, how bursty the 4-12 Hz fingertip power is (scoring/synthetic_realism.tremor_bursts:
the spread of its 2-s segments, which decides whether tremor is shown) on the real expert capture seen
from above (each take, each hand, and the fit take's hand in stretches of 20 and 30 s), on this project's
MediaPipe tracking of the real clips, and on SEEDS generated practices (seeds 20000 on) per skill and
length, with the share of them whose tremor is withheld. The generator's HANDLING_* constants
(scoring/synthetic_plans.py) were fitted to the fit take's needle-driving hand; the held-out take is
only reported.

With --domain MODELS, each take's novelty distance from the suturing scorer's training domain is split
metric by metric (robust z, and each metric's share of the squared distance): what puts it near the edge.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Optional

import numpy as np
from scipy.signal import argrelextrema, savgol_filter

REPO = Path(__file__).resolve().parents[1]
WINDOW = 7
STILL_QUANTILE = 0.3  # frames whose palm speed is in the slowest 30% count as "still"
PAUSE_FRACTION = 0.2
PAUSE_MIN_S = 0.3
SMOOTH_S = 0.1


# --- statistics ---------------------------------------------------------------------------------------


def palm_length(points: np.ndarray) -> float:
    """Median wrist -> middle-finger knuckle distance of (T, 21, D) MediaPipe-ordered landmarks."""
    length = np.linalg.norm(points[:, 9, :2] - points[:, 0, :2], axis=1)
    return float(np.nanmedian(length))


def _residual(track: np.ndarray) -> np.ndarray:
    """Residual of (T, ...) from a local quadratic fit; for white noise its sd is 0.816 of the noise's."""
    return (track - savgol_filter(track, WINDOW, 2, axis=0)) / np.sqrt(1.0 - 1.0 / 3.0)


def jitter(points: np.ndarray, fps: float) -> dict[str, float]:
    """Jitter in palm lengths of (T, 21, 2) landmarks of one continuously tracked run, still vs moving."""
    points = points[:, :21, :2] / palm_length(points)
    centroid = points.mean(axis=1)
    speed = np.linalg.norm(np.gradient(savgol_filter(centroid, WINDOW, 2, axis=0), axis=0), axis=1) * fps
    still = speed <= np.quantile(speed, STILL_QUANTILE)
    common = np.linalg.norm(_residual(centroid), axis=1) / np.sqrt(2)  # per axis
    own = np.linalg.norm(_residual(points - centroid[:, None]), axis=2) / np.sqrt(2)
    edge = slice(WINDOW, -WINDOW)  # the fit is one-sided at the ends
    return {
        "common_still": float(np.median(common[edge][still[edge]]) * 1.4826),
        "common_moving": float(np.median(common[edge][~still[edge]]) * 1.4826),
        "landmark_still": float(np.median(own[edge][still[edge]]) * 1.4826),
        "landmark_moving": float(np.median(own[edge][~still[edge]]) * 1.4826),
    }


def longest_observed_run(observed: np.ndarray) -> slice:
    padded = np.concatenate([[False], observed, [False]])
    edges = np.flatnonzero(np.diff(padded.astype(int)))
    starts, stops = edges[::2], edges[1::2]
    best = int(np.argmax(stops - starts)) if starts.size else 0
    return slice(int(starts[best]), int(stops[best])) if starts.size else slice(0, 0)


def dropouts(observed: np.ndarray, fps: float) -> dict[str, float]:
    """Share of frames missing inside the tracked span, gaps per second and mean gap length (frames)."""
    seen = np.flatnonzero(observed)
    if seen.size == 0:
        return {"missing_share": 1.0, "gaps_per_s": 0.0, "mean_gap_frames": 0.0}
    inside = observed[seen[0] : seen[-1] + 1]
    padded = np.concatenate([[0], (~inside).astype(int), [0]])
    edges = np.flatnonzero(np.diff(padded))
    lengths = edges[1::2] - edges[::2]
    return {
        "missing_share": float(np.mean(~inside)),
        "gaps_per_s": float(lengths.size / (inside.size / fps)),
        "mean_gap_frames": float(lengths.mean()) if lengths.size else 0.0,
    }


def movement(palm: np.ndarray, t: np.ndarray, palm_len: float) -> dict[str, float]:
    """Speed, pauses and submovements of a (T, D) palm path in palm lengths."""
    fps = 1.0 / float(np.median(np.diff(t)))
    window = max(5, int(round(SMOOTH_S * fps)) | 1)
    smooth = savgol_filter(palm / palm_len, window, 2, axis=0)
    speed = np.linalg.norm(np.gradient(smooth, t, axis=0), axis=1)
    slow = speed < PAUSE_FRACTION * np.quantile(speed, 0.95)
    padded = np.concatenate([[0], slow.astype(int), [0]])
    edges = np.flatnonzero(np.diff(padded))
    long_enough = (edges[1::2] - edges[::2]) >= PAUSE_MIN_S * fps
    paused = int(np.sum((edges[1::2] - edges[::2])[long_enough]))
    minima = argrelextrema(speed, np.less_equal, order=max(1, int(0.08 * fps)))[0]
    durations = np.diff(minima) / fps
    peaks = np.array([speed[a:b].max() for a, b in zip(minima[:-1], minima[1:])]) if minima.size > 1 else []
    real = durations[np.asarray(peaks) > PAUSE_FRACTION * np.quantile(speed, 0.95)] if len(peaks) else []
    return {
        "speed_median": float(np.median(speed)),
        "speed_p90": float(np.quantile(speed, 0.9)),
        "pause_share": paused / speed.size,
        "submovement_s_median": float(np.median(real)) if len(real) else float("nan"),
        "submovements_per_s": float(len(real) / (t[-1] - t[0])),
    }


# --- real data ----------------------------------------------------------------------------------------


def real_reference_jitter(data: Path) -> Optional[dict[str, float]]:
    path = data / "tfjs" / "asl_hand.full.json"
    if not path.exists():
        return None
    points = np.asarray(json.loads(path.read_text()), dtype=float)
    return jitter(points, 25.0)


def tracked_clips(data: Path) -> dict[str, Any]:
    from skillsight.pose.track import track_source

    clips = {
        "asl_hand": data / "tfjs" / "asl_hand.25fps.mp4",
        "hand_reaching": data / "mediapipe_samples" / "hand_reaching.mp4",
        "typing_two_hands": data / "mediapipe_samples" / "typing_two_hands.mp4",
    }
    out = {}
    for name, path in clips.items():
        if path.exists():
            out[name] = track_source(str(path), tracker="hands")
    return out


def tracked_statistics(motion: Any) -> dict[str, float]:
    """Jitter and dropouts of the best-tracked hand of a tracked clip."""
    fps = motion.fps
    best, best_seen = 0, -1
    for i in range(2):
        seen = int(np.sum(motion.confidence[:, i, 0] > 0))
        best, best_seen = (i, seen) if seen > best_seen else (best, best_seen)
    observed = motion.confidence[:, best, 0] > 0
    run = longest_observed_run(observed)
    stats = dropouts(observed, fps)
    if run.stop - run.start > 3 * WINDOW:
        stats.update(jitter(motion.positions[run, best, :21, :2], fps))
    return stats


def bvh_expert(data: Path) -> list[dict[str, float]]:
    from skillsight.datasets.bvh import load_bvh_recording

    rows = []
    for folder in sorted((data / "knot_tying_bvh").glob("*/")):
        motion = load_bvh_recording(folder)
        for hand in motion.individuals:
            i = motion.individuals.index(hand)
            names = list(motion.keypoints)
            wrist, mcp = names.index("wrist"), names.index("middle_finger_mcp")
            knuckles = [names.index(k) for k in names if k.endswith("_mcp")]
            xyz = motion.positions[:, i]
            palm = xyz[:, [wrist, *knuckles]].mean(axis=1)
            length = float(np.nanmedian(np.linalg.norm(xyz[:, mcp] - xyz[:, wrist], axis=1)))
            rows.append(movement(palm, motion.timestamps, length))
    return rows


# --- synthetic ----------------------------------------------------------------------------------------


def synthetic_statistics(skill: float, seed: int) -> dict[str, float]:
    from skillsight.pose.keypoints import HAND_KEYPOINTS
    from skillsight.scoring.synthetic import generate_practice

    motion = generate_practice(skill=skill, procedure="suturing", duration_s=60.0, seed=seed)
    hand = motion.individuals.index("right_hand")
    landmarks = motion.positions[:, hand, : len(HAND_KEYPOINTS), :2]
    observed = motion.confidence[:, hand, 0] > 0
    stats = dropouts(observed, motion.fps)
    run = longest_observed_run(observed)
    stats.update(jitter(landmarks[run], motion.fps))
    palm = landmarks[:, [0, 5, 9, 13, 17]].mean(axis=1)  # NaN where the hand dropped out
    filled = np.stack(
        [np.interp(motion.timestamps, motion.timestamps[observed], palm[observed, k]) for k in range(2)], 1
    )
    stats.update(movement(filled, motion.timestamps, palm_length(landmarks[observed])))
    return stats


FEATURE_NAMES = (
    "needle_driver.mean_speed", "needle_driver.mean_jerk", "needle_driver.log_dimensionless_jerk",
    "needle_driver.sparc", "needle_driver.idle_share", "needle_driver.tremor",
    "needle_driver.wrist_rotation_range", "forceps.log_dimensionless_jerk", "forceps.idle_share",
    "bimanual.speed_correlation", "bimanual.simultaneous_share", "bimanual.path_ratio",
    "suturing.mean_cycle_time", "needle_driver.path_length", "needle_driver.movements",
    "needle_driver.pauses",
)  # fmt: skip


def suturing_features(motion: Any) -> dict[str, float]:
    """The suturing metrics of a motion, the right hand driving the needle (as the assessment does)."""
    from skillsight.scoring.procedure import load_procedure
    from skillsight.scoring.reference import measure_motion

    _, features = measure_motion(motion, load_procedure("suturing"), "right")
    out = {n: float(features[n].value) if n in features else float("nan") for n in FEATURE_NAMES}
    idle_s = features["needle_driver.task_time"].value - features["needle_driver.active_time"].value
    out["mean pause s (idle / pauses)"] = float(idle_s / max(out["needle_driver.pauses"], 1.0))
    return out


def feature_comparison(data: Path, seeds: int) -> dict[str, dict[str, float]]:
    """Columns: each real take seen from above (fit / held out), then synthetic means per skill."""
    from skillsight.datasets.bvh import load_bvh_recording
    from skillsight.scoring.synthetic import generate_practice
    from skillsight.scoring.synthetic_realism import top_view

    columns = {}
    for role, take in (("fit", "BVH_Finale_Choreographie_MFK_ZFK"), ("held out", "Zeigefinger_BVH")):
        folder = data / "knot_tying_bvh" / take
        if folder.exists():
            seen = top_view(load_bvh_recording(folder), rng=np.random.default_rng(0))
            columns[f"real expert ({role})"] = suturing_features(seen)
    for name, skill in (("expert", 0.85), ("intermediate", 0.5), ("novice", 0.15)):
        rows = [suturing_features(generate_practice(skill, duration_s=60.0, seed=s)) for s in range(seeds)]
        columns[f"synthetic {name}"] = _mean(rows)
    return columns


TREMOR_KEYS = ("segments", "variation", "top_decile_share", "decades", "relative_error", "withheld")
TREMOR_STRETCHES_S = (20.0, 30.0)
TREMOR_LENGTHS_S = (20.0, 52.0, 120.0)  # generated practices; 52 s: the fit take at work


def _bursts_row(motion: Any, hand: str) -> dict[str, float]:
    from skillsight.scoring.synthetic_realism import tremor_bursts

    return {k: float(v) for k, v in tremor_bursts(motion, hand)._asdict().items()}


def _stretches_row(motion: Any, hand: str, length_s: float) -> dict[str, float]:
    """Median figures of the hand over stretches of `length_s`, every 2.5 s (overlapping), and the share
    of them whose tremor is withheld."""
    t = motion.timestamps
    rows = []
    for start in np.arange(t[0], t[-1] - length_s + 1e-9, 2.5):
        a, b = np.searchsorted(t, [start, start + length_s])
        rows.append(_bursts_row(motion.slice_time(int(a), int(b)), hand))
    return _median(rows)


def _median(rows: list[dict[str, float]]) -> dict[str, float]:
    """Medians of each figure; "withheld" becomes the share withheld."""
    keys = rows[0].keys() if rows else []
    return {k: float((np.mean if k == "withheld" else np.nanmedian)([r[k] for r in rows])) for k in keys}


def real_tremor_columns(data: Path) -> dict[str, dict[str, float]]:
    """The real expert takes seen from above (each hand; the fit take's driving hand also in stretches)
    and the tracked real clips (the hand tracked most)."""
    from skillsight.datasets.bvh import load_bvh_recording
    from skillsight.scoring.synthetic_realism import top_view

    columns: dict[str, dict[str, float]] = {}
    for role, take in (("fit", "BVH_Finale_Choreographie_MFK_ZFK"), ("held out", "Zeigefinger_BVH")):
        folder = data / "knot_tying_bvh" / take
        if not folder.exists():
            continue
        seen = top_view(load_bvh_recording(folder), rng=np.random.default_rng(0))
        for hand in ("right_hand", "left_hand"):
            columns[f"{role} {hand.split('_')[0]}"] = _bursts_row(seen, hand)
        if role == "fit":
            for length in TREMOR_STRETCHES_S:
                columns[f"fit right {length:.0f}-s stretches"] = _stretches_row(seen, "right_hand", length)
    for name, motion in tracked_clips(data).items():
        hand = max(range(2), key=lambda i: int(np.sum(motion.confidence[:, i, 0] > 0)))
        columns[f"{name} tracked"] = _bursts_row(motion, motion.individuals[hand])
    return columns


def generated_tremor_columns(seeds: int) -> dict[str, dict[str, float]]:
    """Median figures of generated suturing practices' needle-driving hand per skill and length."""
    from skillsight.scoring.synthetic import generate_practice

    columns = {}
    for name, skill in (("expert", 0.85), ("intermediate", 0.5), ("novice", 0.15)):
        for length in TREMOR_LENGTHS_S:
            rows = [
                _bursts_row(generate_practice(skill, duration_s=length, seed=s), "right_hand")
                for s in range(20000, 20000 + seeds)
            ]
            columns[f"{name} {length:.0f} s"] = _median(rows)
    return columns


def novelty_contributions(domain: dict[str, Any], row: np.ndarray) -> dict[str, tuple[float, float]]:
    """{metric: (robust z against the training data, its share of the squared novelty distance)}: the
    squared distance z' P z (P the stored precision: leading components plus residual) split as
    z_j (P z)_j, which sums to it; a metric whose z is typical can still add through its covariance."""
    novelty = domain["novelty"]
    used = np.asarray(novelty["features"], dtype=int)
    centre = np.asarray(domain["centre"], dtype=float)[used]
    scale = np.asarray(domain["scale"], dtype=float)[used]
    z = np.nan_to_num((np.asarray(row, dtype=float).reshape(-1)[used] - centre) / scale)
    vectors = np.asarray(novelty["components"], dtype=float).T
    precision = vectors @ np.diag(1.0 / np.asarray(novelty["variances"], dtype=float)) @ vectors.T
    precision += (np.eye(used.size) - vectors @ vectors.T) / float(novelty["residual_variance"])
    names = [domain["feature_names"][j] for j in used]
    return {n: (float(z[k]), float(z[k] * (precision @ z)[k])) for k, n in enumerate(names)}


def domain_report(data: Path, models: Path) -> None:
    """Each real expert take's novelty distance from the suturing scorer's domain, metric by metric."""
    from skillsight.datasets.bvh import load_bvh_recording
    from skillsight.scoring.procedure import load_procedure
    from skillsight.scoring.reference import measure_motion
    from skillsight.scoring.scorer import load_scorer
    from skillsight.scoring.synthetic_realism import top_view

    scorer = load_scorer(models / "suturing-scorer-v1.onnx")
    for role, take in (("fit", "BVH_Finale_Choreographie_MFK_ZFK"), ("held out", "Zeigefinger_BVH")):
        seen = top_view(load_bvh_recording(data / "knot_tying_bvh" / take), rng=np.random.default_rng(0))
        row, _ = scorer.feature_vector(measure_motion(seen, load_procedure("suturing"), "right")[1])
        check = scorer.check_domain(row)
        print(f"\n{take} ({role}): novelty {check.distance:.2f} of {check.threshold:.2f}")
        for name, (z, part) in novelty_contributions(scorer.card["domain"], row).items():
            print(f"  {name:40s} robust z {z:6.2f}   share of distance^2 {part:6.2f}")


def _mean(rows: list[dict[str, float]]) -> dict[str, float]:
    keys = rows[0].keys() if rows else []
    return {k: float(np.nanmean([r.get(k, np.nan) for r in rows])) for k in keys}


def print_table(title: str, columns: dict[str, dict[str, float]]) -> None:
    keys = list(dict.fromkeys(k for col in columns.values() for k in col))
    print(f"\n{title}")
    print(f"  {'statistic':22s}" + "".join(f"{name[:23]:>24s}" for name in columns))
    for key in keys:
        cells = "".join(f"{columns[c].get(key, float('nan')):24.4f}" for c in columns)
        print(f"  {key:22s}{cells}")


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--no-tracking", action="store_true", help="skip tracking the shared videos")
    parser.add_argument(
        "--features",
        type=int,
        metavar="SEEDS",
        default=0,
        help="only the suturing metrics: real expert capture vs SEEDS practices per skill",
    )
    parser.add_argument(
        "--domain",
        type=Path,
        metavar="MODELS",
        help="only the real expert takes' novelty against MODELS/suturing-scorer-v1, metric by metric",
    )
    parser.add_argument(
        "--tremor",
        type=int,
        metavar="SEEDS",
        default=0,
        help="only the fingertip power's burstiness: real capture and clips vs SEEDS practices per skill",
    )
    args = parser.parse_args(argv)
    if args.tremor:
        print_table("4-12 Hz fingertip power over 2-s segments (real)", real_tremor_columns(args.data))
        print_table("... generated suturing, needle driver (medians)", generated_tremor_columns(args.tremor))
        print("  (withheld: share of the stretches or practices whose tremor is withheld)")
        return 0
    if args.domain:
        domain_report(args.data, args.domain)
        return 0
    if args.features:
        print_table("Suturing metrics (compute_features)", feature_comparison(args.data, args.features))
        return 0
    tracking_and_motion_report(args.data, args.no_tracking)
    return 0


def tracking_and_motion_report(data: Path, no_tracking: bool) -> None:
    """Tracking jitter, dropouts and palm motion: real clips and capture beside synthetic practices."""
    synthetic = {
        f"synthetic {name}": _mean([synthetic_statistics(skill, seed) for seed in range(3)])
        for name, skill in (("novice", 0.15), ("intermediate", 0.5), ("expert", 0.85))
    }
    tracking: dict[str, dict[str, float]] = {}
    reference = real_reference_jitter(data)
    if reference:
        tracking["asl tfjs landmarks"] = reference
    if not no_tracking:
        for name, motion in tracked_clips(data).items():
            tracking[f"{name} tracked"] = tracked_statistics(motion)
    jitter_keys = ("common_still", "common_moving", "landmark_still", "landmark_moving")
    drop_keys = ("missing_share", "gaps_per_s", "mean_gap_frames")
    pick = lambda d, ks: {k: d[k] for k in ks if k in d}  # noqa: E731
    print_table(
        "Tracking jitter (palm lengths, robust sd per axis)",
        {**{k: pick(v, jitter_keys) for k, v in tracking.items()},
         **{k: pick(v, jitter_keys) for k, v in synthetic.items()}},
    )  # fmt: skip
    print_table(
        "Tracking dropouts (one hand, inside its tracked span)",
        {**{k: pick(v, drop_keys) for k, v in tracking.items() if "tracked" in k},
         **{k: pick(v, drop_keys) for k, v in synthetic.items()}},
    )  # fmt: skip
    move_keys = ("speed_median", "speed_p90", "pause_share", "submovement_s_median", "submovements_per_s")
    expert = bvh_expert(data) if (data / "knot_tying_bvh").exists() else []
    columns = {"real expert (BVH)": _mean(expert)} if expert else {}
    columns.update({k: pick(v, move_keys) for k, v in synthetic.items()})
    print_table("Hand motion (palm, palm lengths and seconds)", columns)


if __name__ == "__main__":
    sys.exit(main())
