"""The `ours` format read from a folder or from dataset packages, one site or several pooled.

    load_dataset("ours", "lab-a.skillsight")                    # a package another lab exported
    load_pooled("ours", ["lab-a.skillsight", "lab-b.skillsight", "our_folder/"])

A dataset package (skillsight.dataset_export) holds an `ours` folder; it is verified (every file's
sha256, the signature) into a temporary folder and read by the folder loader. Each sample's
``groups["site"]`` names its lab: the ``site`` column, else the package's site, else the folder's name,
so `--protocol leave-site-out` can hold one lab out at a time.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Optional

from skillsight.datasets import Dataset, DatasetError, PathLike, load_dataset
from skillsight.datasets.labelled_folder import load_labelled_folder
from skillsight.packages import PACKAGE_SUFFIX, PackageError, open_package


def is_package(path: PathLike) -> bool:
    return Path(path).is_file() and Path(path).suffix == PACKAGE_SUFFIX


def _load_package(path: Path, procedure: Optional[str], options: dict[str, Any]) -> Dataset:
    with tempfile.TemporaryDirectory(prefix="skillsight-dataset-") as folder:
        try:
            opened = open_package(path, folder)
        except PackageError as exc:
            raise DatasetError(str(exc)) from None
        if opened.kind != "dataset":
            raise DatasetError(f"{path}: a {opened.kind} package, not a dataset (use `skillsight import`)")
        dataset = load_labelled_folder(Path(folder), procedure=procedure, **options)  # motion read whole
    site = str((opened.card.get("exported_by") or {}).get("site") or path.stem)
    for sample in dataset:
        sample.groups.setdefault("site", site)
        sample.source = f"{path.name}:{Path(sample.source).name}"
    dataset.path = str(path)
    dataset.description = f"dataset package {path.name} (site {site}, manifest {opened.sha256[:12]})"
    signers = [s["fingerprint"] for s in opened.signers]
    dataset.notes.append(
        f"{path.name}: verified; " + (f"signed by {', '.join(signers)}" if signers else "unsigned")
    )
    return dataset


def load_ours(root: Path, procedure: Optional[str] = None, **options: Any) -> Dataset:
    """The `ours` loader: a labelled folder, or a dataset package holding one."""
    if is_package(root):
        return _load_package(Path(root), procedure, options)
    dataset = load_labelled_folder(Path(root), procedure=procedure, **options)
    for sample in dataset:
        sample.groups.setdefault("site", Path(root).resolve().name)
    return dataset


def load_pooled(
    format: str, paths: Sequence[PathLike], procedure: Optional[str] = None, **options: Any
) -> Dataset:
    """Several datasets of one format as one; sample ids are prefixed by their site when pooled."""
    if len(paths) == 1:
        return load_dataset(format, paths[0], procedure=procedure, **options)
    parts = [load_dataset(format, path, procedure=procedure, **options) for path in paths]
    samples, notes = [], []
    for part in parts:
        notes += part.notes
        for sample in part:
            site = sample.groups.setdefault("site", Path(part.path).stem)
            sample.participant = f"{site}/{sample.participant}"
            sample.trial = f"{site}/{sample.trial}"
            samples.append(sample)
    sites = Counter(s.groups["site"] for s in samples)
    notes.append("pooled sites: " + ", ".join(f"{site} ({n})" for site, n in sorted(sites.items())))
    return Dataset(
        samples,
        format=format,
        path=", ".join(str(p) for p in paths),
        procedure=procedure or parts[0].procedure,
        description=f"{len(parts)} {format} datasets pooled",
        score_scale=parts[0].score_scale,
        notes=notes,
    )
