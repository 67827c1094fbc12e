"""The dataset loader conformance suite: what every dataset format (and a lab's own) must pass.

A loader is a format of datasets.load_dataset (or any callable with its signature) that reads a folder
into a Dataset of Samples. The suite loads `path` twice and checks every sample, then asks for a folder
that does not exist.

    LoaderConformance("jigsaws", jigsaws_folder).run_all()
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, Optional

import numpy as np

from skillsight.datasets import SKILL_LEVEL_NAMES, Dataset, DatasetError, Sample, load_dataset
from skillsight.pose.motion import Motion


class LoaderConformance:
    """The checks for one format on one folder of data (loaded once, and again for determinism)."""

    def __init__(self, format: str, path: Path, procedure: Optional[str] = None, **options: Any) -> None:
        self.format, self.path, self.procedure, self.options = format, Path(path), procedure, options
        self._dataset: Optional[Dataset] = None

    def load(self, path: Optional[Path] = None) -> Dataset:
        return load_dataset(self.format, path or self.path, self.procedure, **self.options)

    @property
    def dataset(self) -> Dataset:
        if self._dataset is None:
            self._dataset = self.load()
        return self._dataset

    def run(self, name: str) -> None:
        """Run one check by name; AssertionError says what is wrong."""
        LOADER_CHECKS[name](self)

    def run_all(self) -> list[str]:
        for name in LOADER_CHECKS:
            self.run(name)
        return list(LOADER_CHECKS)


def check_loader(format: str, path: Path, procedure: Optional[str] = None, **options: Any) -> list[str]:
    """Run every loader check; returns their names (all passed) or raises at the first failure."""
    return LoaderConformance(format, path, procedure, **options).run_all()


def returns_a_described_dataset(suite: LoaderConformance) -> None:
    dataset = suite.dataset
    assert isinstance(dataset, Dataset), f"the loader returned {type(dataset).__name__}, not a Dataset"
    assert len(dataset) > 0, f"{suite.path}: no samples"
    assert dataset.format and dataset.procedure, "a Dataset says its format and procedure"
    summary = dataset.summary()
    assert summary["n_samples"] == len(dataset)


def samples_hold_valid_motion_and_labels(suite: LoaderConformance) -> None:
    for sample in suite.dataset:
        where = f"{sample.source or suite.path} ({sample.participant}, {sample.trial})"
        assert isinstance(sample, Sample), f"{where}: not a Sample"
        assert isinstance(sample.motion, Motion) and sample.motion.n_frames > 1, f"{where}: no motion"
        assert sample.participant and sample.trial, f"{where}: a sample names its participant and trial"
        assert sample.procedure, f"{where}: a sample names its procedure"
        assert sample.skill_level in (None, *SKILL_LEVEL_NAMES), f"{where}: level {sample.skill_level!r}"
        assert sample.grs is None or math.isfinite(sample.grs), f"{where}: GRS {sample.grs!r}"
        assert all(math.isfinite(v) for v in sample.osats.values()), f"{where}: an OSATS item is not a number"


def loads_the_same_twice(suite: LoaderConformance) -> None:
    again = suite.load()
    assert len(again) == len(suite.dataset), "a second load gave another number of samples"
    for first, second in zip(suite.dataset, again):
        key = (first.participant, first.trial, first.skill_level, first.grs)
        assert key == (second.participant, second.trial, second.skill_level, second.grs), "order changed"
        np.testing.assert_array_equal(first.motion.positions, second.motion.positions)


def names_a_missing_folder(suite: LoaderConformance) -> None:
    missing = suite.path.parent / f"{suite.path.name}-does-not-exist"
    try:
        suite.load(missing)
    except DatasetError as exc:
        assert missing.name in str(exc), f"the error does not name the folder: {exc}"
        return
    raise AssertionError(f"loading {missing} (absent) raised no DatasetError")


LOADER_CHECKS: dict[str, Callable[[LoaderConformance], None]] = {
    "returns_a_described_dataset": returns_a_described_dataset,
    "samples_hold_valid_motion_and_labels": samples_hold_valid_motion_and_labels,
    "loads_the_same_twice": loads_the_same_twice,
    "names_a_missing_folder": names_a_missing_folder,
}
