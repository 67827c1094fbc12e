"""One score request: what to score, for whom and how, built (and checked) once at the entry point.

The CLI's `skillsight score`, the app's assess_video and batch's worker task each build one; the
pipeline passes it down instead of six parameter lists. The procedure is resolved (read from disk)
once, here; everything below takes the `Procedure` itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Union

from skillsight.pose.orientation import DOMINANT_HANDS
from skillsight.pose.track import TrackingRequest
from skillsight.scoring.procedure import Procedure, load_procedure

# progress(done_frames, total_frames_or_None)
ProgressCallback = Callable[[int, Optional[int]], None]
PathLike = Union[str, "os.PathLike[str]"]
SourceSpec = Union[str, Path, int]


def _optional_path(value: Optional[PathLike]) -> Optional[Path]:
    return Path(value) if value else None


@dataclass(frozen=True)
class ScoreRequest:
    """Score `source` (a video, image folder, webcam index or motion file) for `procedure`.

    model, reference:       None: the procedure's shipped ones.
    tracker, camera_view:   None: the procedure's.
    marker_mm:              side of a printed ArUco marker on the pad (distances in mm).
    overlay_path:           also write the annotated replay there.
    overlay_max_side:       shrink that replay to this many pixels on its long side (None: full size).
    overlay_max_fps:        draw that replay at most this many frames a second (None: every frame).
    max_undecodable_share:  None: scoring.damage's default (or $SKILLSIGHT_MAX_UNDECODABLE).
    threads:                None: a trainee's score uses every core it can; 1: a batch worker's.
    progress:               progress(done, total) while tracking (not part of the request's identity).
    """

    source: SourceSpec
    procedure: Procedure
    dominant_hand: str = "right"
    model: Optional[Path] = None
    reference: Optional[Path] = None
    tracker: Optional[str] = None
    camera_view: Optional[str] = None
    marker_mm: Optional[float] = None
    overlay_path: Optional[Path] = None
    overlay_max_side: Optional[int] = None
    overlay_max_fps: Optional[float] = None
    max_undecodable_share: Optional[float] = None
    threads: Optional[int] = None
    progress: Optional[ProgressCallback] = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.dominant_hand not in DOMINANT_HANDS:
            raise ValueError(f"dominant hand must be 'left' or 'right', not {self.dominant_hand!r}")
        if self.threads is not None and self.threads < 1:
            raise ValueError(f"threads must be at least 1, got {self.threads}")

    @classmethod
    def build(
        cls,
        source: Union[SourceSpec, os.PathLike[str]],
        procedure: Union[str, PathLike, Procedure],
        **options: Any,
    ) -> ScoreRequest:
        """A request from plain values: the procedure (a name, a JSON file or a Procedure) is resolved
        now, path options become Paths, None options are left to the defaults."""
        given = {key: value for key, value in options.items() if value is not None}
        for key in ("model", "reference", "overlay_path"):
            if key in given:
                given[key] = _optional_path(given[key])
        spec: SourceSpec = source if isinstance(source, (int, str, Path)) else Path(os.fspath(source))
        return cls(source=spec, procedure=load_procedure(procedure), **given)

    @property
    def is_webcam(self) -> bool:
        return isinstance(self.source, int)

    def tracking(self) -> TrackingRequest:
        """How the pose layer tracks this request's source."""
        return TrackingRequest(
            tracker=self.tracker or self.procedure.tracker,
            camera_view=self.camera_view or self.procedure.camera_view,
            dominant_hand=self.dominant_hand,
            tracker_options=dict(self.procedure.tracker_options),
            marker_mm=self.marker_mm,
            overlay_path=self.overlay_path,
            overlay_max_side=self.overlay_max_side,
            overlay_max_fps=self.overlay_max_fps,
            overlay_hands_expected=len(self.procedure.required_roles),
            threads=self.threads,
        )
