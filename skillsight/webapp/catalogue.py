"""The scorers and expert references the app can offer, read from their cards, and references built from
an educator's expert videos. No UI; `AppService` calls these with its folders."""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Callable, Optional

from skillsight import pipeline  # called as pipeline.X: tests and plugins replace them there
from skillsight.scoring.reference import build_reference, save_reference
from skillsight.scoring.reference_experts import practice_person
from skillsight.webapp.uploads import UploadError, check_upload

UPLOADED_EXPERT = "expert of upload"
ONE_EXPERT_PER_UPLOAD = (
    "one expert per uploaded video, as the app asks (not checked: the app has no name field)"
)


def read_card(path: Path) -> dict[str, Any]:
    """A model card or reference JSON as a dict ({} if missing or unreadable)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def card_label(card: dict[str, Any], path: Path) -> str:
    label = " ".join(str(card[k]) for k in ("name", "version") if card.get(k))
    return f"{label} ({path.name})" if label else path.name


def available_models(folders: Iterable[Path], procedure: str) -> list[tuple[str, str]]:
    """(label, path) of ONNX scorers whose card is for `procedure`."""
    found = []
    for folder in folders:
        for onnx in sorted(folder.glob("*.onnx")) if folder.is_dir() else []:
            card = read_card(onnx.with_suffix(".json"))
            if card.get("procedure", procedure) == procedure:
                found.append((card_label(card, onnx), str(onnx)))
    return found


def available_references(folders: Iterable[Path], procedure: str) -> list[tuple[str, str]]:
    """(label, path) of expert references (JSON with kind 'reference') for `procedure`."""
    found = []
    for folder in folders:
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            card = read_card(path)
            is_reference = card.get("kind") == "reference" or "reference" in path.stem
            if is_reference and not path.with_suffix(".onnx").exists() and card.get("procedure") == procedure:
                found.append((card_label(card, path), str(path)))
    return found


def build_reference_from_videos(
    out_dir: Path,
    video_paths: Sequence[str],
    procedure: str,
    name: str,
    version: str = "1",
    progress: Optional[Callable[[int, int], None]] = None,
    on_frames: Optional[Callable[[int, int, Optional[int]], None]] = None,
) -> Path:
    """Track expert videos and build a reference from them, saved in `out_dir`.
    `progress(videos_done, n_videos)`; `on_frames(video_index, frames_done, frames_total)`."""

    if not video_paths:
        raise UploadError("no expert videos: upload at least one")
    motions = []
    for done, path in enumerate(video_paths):
        frames = functools.partial(on_frames, done) if on_frames is not None else None
        motions.append(pipeline.load_or_track(check_upload(path), procedure, progress=frames))
        if progress is not None:
            progress(done + 1, len(video_paths))
    safe_name = "".join(c if c.isalnum() or c in "-_" else "-" for c in name.strip()) or "lab-reference"
    built_from = f"{len(motions)} expert video(s) uploaded in the app: " + ", ".join(
        Path(p).name for p in video_paths
    )
    # The app asks for one video per expert and has no name field: an upload that names nobody (a video)
    # is taken as its own person, as the educator was told, and the reference records it was counted so.
    persons = [practice_person(m) or f"{UPLOADED_EXPERT} {i + 1}" for i, m in enumerate(motions)]
    reference = build_reference(
        motions, procedure, name=safe_name, version=version, built_from=built_from, experts=persons
    )
    if any(p.startswith(UPLOADED_EXPERT) for p in persons):
        reference = dataclasses.replace(reference, experts_counted_by=ONE_EXPERT_PER_UPLOAD)
    out = out_dir / f"{procedure}-{safe_name}-v{version}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    save_reference(reference, out)
    return out
