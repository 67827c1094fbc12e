"""What the Results tab shows for one session (`SessionView`), and the app's memory of the last few.

A remembered view carries the stored version of its session (`session_rescore.stored_version`: when it
was stored and how often re-scored) and is used only while the database still says that version: a
session re-scored in the app or by `skillsight sessions rescore`, or deleted, is read again at once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import numpy as np

from skillsight.capture import open_source
from skillsight.pose.motion import Motion, load_motion
from skillsight.scoring.results import Assessment

CACHED_SESSIONS = 8
Version = Optional[tuple[str, int]]  # session_rescore.stored_version; None: not known


@dataclass
class SessionView:
    """Everything the Results tab shows for one session."""

    session_id: int
    trainee: str
    procedure: str
    assessment: Assessment
    motion: Optional[Motion]
    source_name: str
    created_at: str = ""
    replay_path: Optional[Path] = None
    first_frame: Optional[np.ndarray] = None
    # The uploaded file, while this process still has it (for the annotated replay); never stored.
    upload_path: Optional[Path] = None
    # The stored version the view was read at: a view of another version is never shown.
    version: Version = None


def read_first_frame(path: Path) -> Optional[np.ndarray]:
    """The video's first frame (RGB), or None if it can't be read."""

    try:
        source = open_source(str(path))
        try:
            for frame in source:
                return np.asarray(frame.image)
        finally:
            source.close()
    except Exception:  # a picture is a nicety; never fail the result over it
        return None
    return None


def _same_stored_session(earlier: Optional[SessionView], version: Version) -> Optional[SessionView]:
    """`earlier` if it is a view of the very session stored at `version` (same stored time), else None."""
    if earlier is None or earlier.version is None or version is None:
        return None
    return earlier if earlier.version[0] == version[0] else None


def view_from_record(record: Any, version: Version, earlier: Optional[SessionView] = None) -> SessionView:
    """A stored session as a view. `earlier`, a view of the same stored session at another version (it
    was re-scored) lends what a re-score leaves as it was: motion, picture, replay and upload."""
    kept = _same_stored_session(earlier, version)
    if kept is not None:
        motion, first_frame = kept.motion, kept.first_frame
    else:
        stored = record.motion_path and Path(record.motion_path).exists()
        motion = load_motion(record.motion_path) if stored else None
        first_frame = read_first_frame(Path(record.video_path)) if record.video_path else None
    return SessionView(
        session_id=int(record.id),
        trainee=record.trainee,
        procedure=record.procedure,
        assessment=record.assessment,
        motion=motion,
        source_name=record.source_name,
        created_at=record.created_at,
        first_frame=first_frame,
        replay_path=kept.replay_path if kept is not None else None,
        upload_path=kept.upload_path if kept is not None else None,
        version=version,
    )


class SessionViews:
    """The last `capacity` views, by (trainee, session id), least recently remembered dropped first."""

    def __init__(self, capacity: int = CACHED_SESSIONS) -> None:
        self.capacity = capacity
        self._views: OrderedDict[tuple[str, int], SessionView] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, view: SessionView) -> None:
        key = (view.trainee, view.session_id)
        with self._lock:
            self._views.pop(key, None)
            self._views[key] = view
            while len(self._views) > self.capacity:
                self._views.popitem(last=False)

    def get(self, trainee: str, session_id: int) -> Optional[SessionView]:
        """The remembered view, whatever its version (the caller compares it with the database's)."""
        with self._lock:
            return self._views.get((trainee, int(session_id)))

    def forget(self, trainee: str, session_id: int) -> Optional[SessionView]:
        with self._lock:
            return self._views.pop((trainee, int(session_id)), None)

    def clear(self) -> None:
        with self._lock:
            self._views.clear()

    def __len__(self) -> int:
        return len(self._views)
