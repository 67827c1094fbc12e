"""Build the MediaPipe Tasks model bundles SkillSight ships (hand_landmarker.task, pose_landmarker.task).

    python scripts/build_task_bundles.py [--legacy-venv build/legacy-venv] [--out models/tracking]
    python scripts/build_task_bundles.py --check      # rebuild in a temporary folder, compare sha256

The maintained MediaPipe (1.x, Tasks API) ships no model files. The models come from the Apache-2.0
``mediapipe==0.10.21`` wheel on PyPI (``mediapipe/modules/*/*.tflite``), the files its legacy
solutions ran on, so tracking keeps the same networks. A ``.task`` file is an uncompressed zip of the
detector and the landmark model under the names the Tasks graphs look for.

The Tasks graphs read each model's input normalisation from its TFLite metadata. The palm detector and
the hand landmark model carry it already; the pose landmark model has none, so it gets the one the legacy
graph used ([0, 1] input), written by mediapipe 0.10.21's own metadata writer (mediapipe 1.x ships the
writer without its flatbuffer schema). That is why this script runs part of its work in a virtual
environment with mediapipe 0.10.21 (CPython 3.9-3.12): the same one the backend benchmark uses as its
legacy side (made here when missing, from ``--base-python``).

Reproducible: each source file is checked against the sha256 pinned below, the metadata writer is
deterministic, and the zips have fixed member order and dates; ``--check`` proves it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ASSETS = REPO / "models" / "tracking"
LEGACY_VENV = REPO / "build" / "legacy-venv"
SOURCE_PACKAGE = "mediapipe==0.10.21"
LICENCE = "Apache-2.0"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)

# source file in the wheel (under mediapipe/modules/) -> its sha256, checked before use
SOURCES = {
    "palm_detection/palm_detection_full.tflite": "1b14e9422c6ad006cde6581a46c8b90dd573c07ab7f3934b5589e7cea3f89a54",  # noqa: E501
    "hand_landmark/hand_landmark_full.tflite": "11c272b891e1a99ab034208e23937a8008388cf11ed2a9d776ed3d01d0ba00e3",  # noqa: E501
    "pose_detection/pose_detection.tflite": "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c",  # noqa: E501
    "pose_landmark/pose_landmark_full.tflite": "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",  # noqa: E501
}

# bundle -> (member name the Tasks graph expects, source, normalisation metadata to add or None)
BUNDLES = {
    "hand_landmarker.task": (
        ("hand_detector.tflite", "palm_detection/palm_detection_full.tflite", None),
        ("hand_landmarks_detector.tflite", "hand_landmark/hand_landmark_full.tflite", None),
    ),
    "pose_landmarker.task": (
        ("pose_detector.tflite", "pose_detection/pose_detection.tflite", None),
        ("pose_landmarks_detector.tflite", "pose_landmark/pose_landmark_full.tflite", "pose_landmarks"),
    ),
}

# Runs inside the legacy venv: add [0, 1] image-input metadata (mean 0, std 255) to a model.
_WRITE_METADATA = """
import sys
from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer
source, target = sys.argv[1], sys.argv[2]
with open(source, "rb") as handle:
    writer = metadata_writer.MetadataWriter.create(bytearray(handle.read()))
writer.add_general_info("PoseLandmarksDetector", "BlazePose GHUM 3D (full), from mediapipe 0.10.21")
writer.add_image_input(norm_mean=[0.0], norm_std=[255.0])
for name in ("landmarks", "presence", "segmentation", "heatmap", "world_landmarks"):
    writer.add_feature_output(name=name)
model, _ = writer.populate()
with open(target, "wb") as handle:
    handle.write(bytes(model))
"""

_MODULES_DIR = "import mediapipe, os; print(os.path.join(os.path.dirname(mediapipe.__file__), 'modules'))"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_legacy_venv(venv: Path, base_python: str) -> Path:
    """A virtual environment with mediapipe 0.10.21 (made when missing); its python."""
    python = venv_python(venv)
    probe = [str(python), "-c", "import mediapipe; assert mediapipe.__version__ == '0.10.21'"]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return python
    print(f"making {venv} with {SOURCE_PACKAGE} (needs CPython 3.9-3.12: {base_python})")
    subprocess.run([base_python, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", SOURCE_PACKAGE, "av"], check=True)
    return python


def checked_sources(python: Path) -> Path:
    """The wheel's modules folder, after checking every source file against its pinned sha256."""
    modules = Path(
        subprocess.run(
            [str(python), "-c", _MODULES_DIR], capture_output=True, text=True, check=True
        ).stdout.strip()
    )
    for relative, expected in SOURCES.items():
        found = sha256(modules / relative)
        if found != expected:
            raise SystemExit(f"{modules / relative}: sha256 {found}, expected {expected}")
    return modules


def write_bundle(target: Path, members: list[tuple[str, Path]]) -> None:
    """An uncompressed zip (the Tasks loader maps the members in place) with fixed dates and order."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as bundle:
        for name, path in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.external_attr = 0o644 << 16
            bundle.writestr(info, path.read_bytes())


def build(out: Path, python: Path) -> dict:
    modules = checked_sources(python)
    manifest: dict = {"source": SOURCE_PACKAGE, "licence": LICENCE, "bundles": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for bundle, parts in BUNDLES.items():
            members, described = [], []
            for member, source, metadata in parts:
                path = modules / source
                if metadata:
                    path = Path(tmp) / member
                    subprocess.run(
                        [str(python), "-c", _WRITE_METADATA, str(modules / source), str(path)],
                        check=True,
                        capture_output=True,
                    )
                members.append((member, path))
                described.append(
                    {
                        "member": member,
                        "source": f"mediapipe/modules/{source}",
                        "source_sha256": SOURCES[source],
                        "sha256": sha256(path),
                        "metadata_added": "image input [0, 1]" if metadata else None,
                    }
                )
            write_bundle(out / bundle, members)
            manifest["bundles"][bundle] = {
                "sha256": sha256(out / bundle),
                "size": (out / bundle).stat().st_size,
                "licence": LICENCE,
                "members": described,
            }
    (out / "models.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    (out / "NOTICE").write_text(notice(manifest), encoding="utf-8")
    return manifest


def notice(manifest: dict) -> str:
    lines = [
        "MediaPipe model bundles shipped with SkillSight",
        "",
        "Copyright The MediaPipe Authors. Licensed under the Apache License, Version 2.0",
        "(https://www.apache.org/licenses/LICENSE-2.0); a copy is in SkillSight's LICENSE file.",
        "",
        f"Source: the {manifest['source']} wheel on PyPI (mediapipe/modules/...), built into",
        "MediaPipe Tasks bundles by scripts/build_task_bundles.py. Modification: the pose landmark",
        "model gained TFLite metadata describing its input normalisation; no weights were changed.",
        "",
    ]
    for bundle, entry in manifest["bundles"].items():
        lines.append(f"{bundle}  sha256 {entry['sha256']}  ({entry['licence']})")
        for member in entry["members"]:
            lines.append(f"  {member['member']} <- {member['source']} (sha256 {member['source_sha256']})")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ASSETS)
    parser.add_argument("--legacy-venv", type=Path, default=LEGACY_VENV)
    parser.add_argument("--base-python", default=sys.executable, help="CPython 3.9-3.12 for the legacy venv")
    parser.add_argument("--check", action="store_true", help="rebuild elsewhere and compare with --out")
    args = parser.parse_args(argv)
    python = ensure_legacy_venv(args.legacy_venv, args.base_python)
    if not args.check:
        args.out.mkdir(parents=True, exist_ok=True)
        for bundle, entry in build(args.out, python)["bundles"].items():
            print(f"{args.out / bundle}: {entry['size']} bytes, sha256 {entry['sha256']}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        build(Path(tmp), python)
        differ = [
            name
            for name in [*BUNDLES, "models.json", "NOTICE"]
            if not (args.out / name).exists() or sha256(Path(tmp) / name) != sha256(args.out / name)
        ]
        shutil.rmtree(tmp, ignore_errors=True)
    print("reproduced: identical" if not differ else f"differ: {', '.join(differ)}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
