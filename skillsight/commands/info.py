"""`skillsight info`: versions and where models come from, for bug reports."""

from __future__ import annotations

import importlib.metadata as metadata
import json
import platform
import sys
from pathlib import Path
from typing import Any

import typer

PACKAGES = (
    "skillsight",
    "numpy",
    "mediapipe",
    "av",
    "opencv-contrib-python",
    "onnxruntime",
    "scikit-learn",
    "skl2onnx",
    "gradio",
    "dask",
    "distributed",
    "sqlalchemy",
)


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _mediapipe_models() -> dict[str, Any]:
    # Found on disk without importing mediapipe (which takes seconds).
    try:
        dist = metadata.distribution("mediapipe")
    except metadata.PackageNotFoundError:
        return {}
    root = Path(str(dist.locate_file("mediapipe")))
    return {
        str(p.relative_to(root.parent)): p.stat().st_size for p in sorted(root.glob("modules/*/*.tflite"))
    }


def collect_info() -> dict[str, Any]:
    from skillsight.models import shipped_models_dir

    models_dir = shipped_models_dir()
    cards = {}
    for card in sorted(models_dir.glob("*.json")):
        try:
            data = json.loads(card.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        cards[card.name] = {k: data.get(k) for k in ("kind", "name", "version", "built_from") if k in data}
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": {name: _version(name) for name in PACKAGES},
        "models_dir": str(models_dir),
        "shipped_models": cards,
        "mediapipe_models": _mediapipe_models(),
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
        for name, card in data["shipped_models"].items():
            typer.echo(f"  {name}: {card}")
        typer.echo("MediaPipe models (bundled in the mediapipe wheel, never downloaded):")
        for name, size in data["mediapipe_models"].items():
            typer.echo(f"  {name} ({size} bytes)")
