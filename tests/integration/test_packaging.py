"""Packaging promises (issue 14): every package and data file declared, a lean default install, the
shipped model bundles intact. Read from pyproject.toml and the tree, so no slow install is needed."""

from __future__ import annotations

import fnmatch
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT

REPO = REPO_ROOT
tomllib = pytest.importorskip("tomllib" if sys.version_info >= (3, 11) else "tomli")


def pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def package_folders() -> dict[str, Path]:
    """Every folder holding files under the package-dir roots (code, or data such as the procedure
    definitions and the model bundles), by its installed package name."""
    package_dir = pyproject()["tool"]["setuptools"]["package-dir"]
    found = {}
    for root_name in ("skillsight", "skillsight.capture", "skillsight.pose", "skillsight.scoring",
                      "skillsight.models", "skillsight.datasets"):  # fmt: skip
        root = REPO / package_dir[root_name]
        for folder in [root, *root.rglob("*")]:
            relative = folder.relative_to(root).parts
            hidden = any(part.startswith((".", "__pycache__")) for part in relative)
            if folder.is_dir() and not hidden and any(p.is_file() for p in folder.iterdir()):
                found[".".join((root_name, *relative))] = folder
    return found


def test_every_package_folder_is_declared_and_nothing_else():
    declared = set(pyproject()["tool"]["setuptools"]["packages"])
    assert declared == set(package_folders())


def test_every_data_file_in_a_package_is_declared_package_data():
    package_data = pyproject()["tool"]["setuptools"]["package-data"]
    undeclared = []
    for name, folder in package_folders().items():
        for path in folder.iterdir():
            if path.is_file() and path.suffix not in (".py", ".pyc", ".pyi"):
                patterns = package_data.get(name, [])
                if not any(fnmatch.fnmatch(path.name, p) for p in patterns):
                    undeclared.append(str(path.relative_to(REPO)))
    assert not undeclared, f"not declared as package data: {undeclared}"


def test_the_default_install_leaves_dask_to_the_cluster_extra():
    project = pyproject()["project"]
    assert not [d for d in project["dependencies"] if d.startswith(("dask", "distributed"))]
    assert any(d.startswith("dask[distributed]") for d in project["optional-dependencies"]["cluster"])
    assert project["requires-python"] == ">=3.10"
    # OpenCV is imported directly; only the contrib build, never opencv-python beside it.
    assert any(d.startswith("opencv-contrib-python") for d in project["dependencies"])
    assert not any(d.startswith("opencv-python") for d in project["dependencies"])


def test_dask_without_the_cluster_extra_says_how_to_get_it(monkeypatch):
    from skillsight.batch import BatchInputError
    from skillsight.batch.executors import DaskExecutor

    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    with pytest.raises(BatchInputError, match=r"skillsight\[cluster\]"):
        DaskExecutor("local", 1)


def test_the_shipped_bundles_are_the_ones_the_build_recorded():
    from skillsight.base.hashing import file_sha256
    from skillsight.pose.trackers.mediapipe_tasks import ASSETS, bundle_manifest

    bundles = bundle_manifest()["bundles"]
    assert set(bundles) == {"hand_landmarker.task", "pose_landmarker.task"}
    for name, entry in bundles.items():
        assert file_sha256(ASSETS / name) == entry["sha256"], f"{name} differs from models.json"
        assert entry["licence"] == "Apache-2.0"
