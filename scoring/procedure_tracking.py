"""Track a source the way a procedure asks: its trackers, camera view and tracker options.

The one place that turns a procedure into a tracking call; the app shell (skillsight.pipeline) and the
dataset loaders (datasets.labelled_folder) both track through it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Union

from skillsight.pose.motion import Motion
from skillsight.pose.track import ProgressCallback, track_source
from skillsight.scoring.procedure import Procedure, load_procedure

PathLike = Union[str, "os.PathLike[str]"]


def track_for_procedure(
    source: Union[PathLike, int],
    procedure: Union[str, Procedure],
    *,
    tracker: Optional[str] = None,
    camera_view: Optional[str] = None,
    progress: Optional[ProgressCallback] = None,
    overlay_path: Optional[PathLike] = None,
    marker_mm: Optional[float] = None,
    dominant_hand: str = "right",
) -> Motion:
    """Track `source` with the procedure's trackers (or `tracker` when given) and tracker options, in
    the canonical orientation (a left-hander's frames mirrored for the tracker, the motion mirrored back)."""
    proc = load_procedure(procedure)
    return track_source(
        source,
        tracker=tracker or proc.tracker,
        camera_view=camera_view or proc.camera_view,
        progress=progress,
        overlay_path=Path(overlay_path) if overlay_path else None,
        marker_mm=marker_mm,
        tracker_options=proc.tracker_options,
        dominant_hand=dominant_hand,
    )
