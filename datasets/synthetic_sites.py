"""Generated practice of several labs with a site effect, for tests and benchmarks of pooled training.

    write_site_folder(root, "south", n_participants=6, trials=3)   # an `ours` folder with consent

Each site records the same kind of practice (scoring.synthetic) but with its own camera frame rate,
its own tracking jitter (a worse camera) and its own raters, who score the GRS a little higher or lower:
the differences a lab meets when it uses a model trained elsewhere. Not real data: numbers on it show
that leave-site-out runs and what it reports, not how a real model will generalise.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from skillsight.pose.motion import save_motion
from skillsight.scoring.synthetic import generate_practice, synthetic_truth

# site -> (frame rate, tracking jitter in px, raters' GRS offset)
SITE_EFFECTS: dict[str, tuple[float, float, float]] = {
    "north": (30.0, 0.0, 0.0),
    "south": (25.0, 1.0, 2.0),
    "east": (20.0, 2.0, -2.0),
}
LEVELS = ("novice", "intermediate", "expert")


def write_site_folder(
    root: Path, site: str, n_participants: int = 4, trials: int = 2, duration_s: float = 25.0
) -> Path:
    """An `ours` folder (motion files, labels.csv with consent = yes) of one generated site."""
    fps, jitter_px, grs_offset = SITE_EFFECTS[site]
    folder = Path(root) / site
    folder.mkdir(parents=True)
    rows = ["participant,procedure,trial,file,skill_level,grs,consent"]
    base = 1000 * list(SITE_EFFECTS).index(site)
    for p in range(n_participants):
        level = LEVELS[p % len(LEVELS)]
        for t in range(trials):
            seed = base + 10 * p + t
            motion = generate_practice(level, "suturing", duration_s=duration_s, fps=fps, seed=seed)
            noise = np.random.default_rng(seed).normal(0.0, jitter_px, motion.positions.shape)
            motion = motion.with_updates(positions=motion.positions + noise)
            save_motion(motion, folder / f"{p}-{t}.motion.npz")
            truth = synthetic_truth(motion)
            grs = float(truth["grs"]) + grs_offset
            rows.append(f"{site}-{p},suturing,{t},{p}-{t}.motion.npz,{truth['level']},{grs:.2f},yes")
    (folder / "labels.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder
