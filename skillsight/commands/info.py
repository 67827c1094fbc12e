"""`skillsight info`: versions and where models come from, for bug reports."""

from __future__ import annotations

import importlib.metadata as metadata
import json
import platform
import sys
from pathlib import Path
from typing import Any

import typer

from skillsight.base.hashing import file_sha256
from skillsight.data_folder import default_data_dir
from skillsight.models import shipped_models_dir
from skillsight.pose.trackers.mediapipe_tasks import ASSETS, bundle_manifest

PACKAGES = (
    "skillsight",
    "numpy",
    "mediapipe",
    "ai-edge-litert",
    "av",
    "opencv-contrib-python",
    "onnxruntime",
    "scikit-learn",
    "skl2onnx",
    "gradio",
    "dask",
    "distributed",  # only with the [cluster] extra
    "sqlalchemy",
)


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


# Which runtime runs each bundle's models (pose/trackers: mediapipe_* for Tasks, *_crops for LiteRT).
RUNS_ON = {
    "hand_landmarker.task": "hands in a video: its hand landmark model on LiteRT on regions followed from "
    "the last landmarks (and, in hands+pose, placed from the body); mediapipe Tasks HandLandmarker palm "
    "search only for a hand not found so; stills: the Tasks HandLandmarker",
    "pose_landmarker.task": "pose: its detector and landmark model on LiteRT (legacy pose tracking and "
    "smoothing in numpy); backend='tasks': mediapipe Tasks PoseLandmarker",
}


def _tracker_models() -> dict[str, Any]:
    """The MediaPipe model bundles shipped inside SkillSight: file, sha256 (hashed now, and whether it
    matches the one recorded at build time), size, licence and source. Read without importing mediapipe."""

    manifest = bundle_manifest()
    found = {}
    for name, entry in manifest.get("bundles", {}).items():
        path = ASSETS / name
        sha256 = file_sha256(path) if path.is_file() else None
        found[name] = {
            "path": str(path),
            "sha256": sha256,
            "matches_build": sha256 == entry.get("sha256"),
            "size": path.stat().st_size if path.is_file() else None,
            "licence": entry.get("licence"),
            "source": manifest.get("source"),
            "runs_on": RUNS_ON.get(name),
        }
    return found


def _cards(folders: list[Path]) -> dict[str, dict[str, Any]]:
    """Each model or reference card in `folders`: kind, name, version, what it was built from."""
    cards = {}
    for card in sorted(path for folder in folders if folder.is_dir() for path in folder.glob("*.json")):
        try:
            data = json.loads(card.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        cards[card.name] = {k: data.get(k) for k in ("kind", "name", "version", "built_from") if k in data}
    return cards


def collect_info() -> dict[str, Any]:
    from skillsight.artifact_packages import INSTALL_FOLDER  # where `skillsight import` installs

    models_dir = shipped_models_dir()
    data_dir = default_data_dir()
    installed = [data_dir / INSTALL_FOLDER[kind] for kind in ("model", "reference")]
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": {name: _version(name) for name in PACKAGES},
        "models_dir": str(models_dir),
        "shipped_models": _cards([models_dir]),
        "data_dir": str(data_dir),
        "installed_models": _cards(installed),  # by `skillsight import`: used only where named
        "tracker_models": _tracker_models(),
    }


def register(app: typer.Typer) -> None:
    @app.command("info")
    def info(as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON.")) -> None:
        """Print versions, platform and where the models come from (paste this into bug reports)."""
        data = collect_info()
        if as_json:
            typer.echo(json.dumps(data, indent=2))
            return
        typer.echo(
            f"SkillSight {data['packages']['skillsight']} on Python {data['python']} ({data['platform']})"
        )
        for name, version in data["packages"].items():
            typer.echo(f"  {name:24s} {version}")
        typer.echo(f"Models folder: {data['models_dir']}")
        _echo_cards(data["shipped_models"])
        installed = data["installed_models"]
        typer.echo(
            f"Data folder: {data['data_dir']}; imported there (skillsight import): {len(installed) or 'none'}"
        )
        _echo_cards(installed)
        typer.echo("Tracking models (shipped inside SkillSight, never downloaded; see their NOTICE):")
        for name, model in data["tracker_models"].items():
            state = "ok" if model["matches_build"] else "DOES NOT MATCH the build record"
            typer.echo(f"  {name}: sha256 {model['sha256']} ({state})")
            typer.echo(f"    licence {model['licence']}, from {model['source']}, {model['size']} bytes")
            if model.get("runs_on"):
                typer.echo(f"    runs on: {model['runs_on']}")


def _echo_cards(cards: dict[str, dict[str, Any]]) -> None:
    for name, card in cards.items():  # in words, not a Python dict
        what = " ".join(str(card[k]) for k in ("kind", "name") if card.get(k))
        version = f" v{card['version']}" if card.get("version") else ""
        typer.echo(f"  {name}: {what}{version}")
        if card.get("built_from"):
            typer.echo(f"    built from: {card['built_from']}")
