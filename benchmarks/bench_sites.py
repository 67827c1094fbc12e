"""Pooled training across labs: leave-site-out beside LOUO on three generated sites with a site effect.

    python benchmarks/bench_sites.py [--participants 6] [--trials 3]

Each site (datasets/synthetic_sites.py: its own frame rate, tracking jitter and raters' GRS offset) is
exported as a motion-only dataset package (skillsight dataset export's code path), then
`skillsight train --dataset ours north.skillsight south.skillsight east.skillsight --protocol
leave-site-out` runs on the three packages and prints each site's figures held out as an unseen lab
beside LOUO on the same pooled data. Generated data: it shows the protocol runs end to end and what it
reports, not how a real model generalises.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from skillsight import dataset_export
from skillsight.commands.train import run_training
from skillsight.datasets.synthetic_sites import SITE_EFFECTS, write_site_folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=6)
    parser.add_argument("--trials", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root, packages = Path(tmp), []
        for site in SITE_EFFECTS:
            folder = write_site_folder(root, site, args.participants, args.trials)
            packages.append(root / f"{site}.skillsight")
            dataset_export.write_dataset_package(
                dataset_export.from_folder(folder), packages[-1], site=site, salt=b"bench" * 8,
                name=site, licence="CC0-1.0", consent="generated",
            )  # fmt: skip
        started = time.perf_counter()
        run_training(
            "ours", packages, procedure="suturing", protocol="leave-site-out", feature_set="default",
            classifier="auto", regressor="auto", coverage=0.9, candidates="linear", report_path=None,
            out_dir=None, name=None, version="1", cache_dir=None, echo=print,
        )  # fmt: skip
        print(f"leave-site-out and LOUO on {len(packages)} packages: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
