"""What the app does, without any UI: assess an upload through the one pipeline, store the session,
read history, delete, write reports, build references and list models.

Privacy rules live here: motion is always stored; the raw video only when the trainee ticks "keep
video"; every read or delete is scoped to the signed-in trainee.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import tempfile
import threading
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

import numpy as np

from skillsight.pose.motion import Motion
from skillsight.scoring.results import Assessment

VIDEO_SUFFIXES = (".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v")
MAX_UPLOAD_MB = 500
LOCAL_TRAINEE = "local"
CACHED_SESSIONS = 8
ProgressCallback = Callable[[int, Optional[int]], None]


class UploadError(ValueError):
    """An upload was refused; the message names the file and the problem."""


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


def default_data_dir() -> Path:
    """storage.default_data_dir(): $SKILLSIGHT_DATA_DIR, else the platform's user data folder."""
    try:
        from skillsight.storage import default_data_dir as storage_data_dir

        return Path(storage_data_dir())
    except ImportError:  # storage not installed in this checkout: same rule, here
        env = os.environ.get("SKILLSIGHT_DATA_DIR")
        if env:
            return Path(env)
        import platformdirs

        return Path(platformdirs.user_data_dir("skillsight"))


def check_upload(path: Optional[str], max_mb: float = MAX_UPLOAD_MB) -> Path:
    """The uploaded file if it exists, has a video suffix and is not too large; else UploadError."""
    if not path:
        raise UploadError("no video: record one with the webcam or upload a file first")
    file = Path(path)
    if not file.is_file():
        raise UploadError(f"{file.name}: the uploaded file is missing")
    if file.suffix.lower() not in VIDEO_SUFFIXES:
        raise UploadError(f"{file.name}: not a video file (accepted: {', '.join(VIDEO_SUFFIXES)})")
    size_mb = file.stat().st_size / 1e6
    if size_mb > max_mb:
        raise UploadError(f"{file.name}: {size_mb:.0f} MB is over the {max_mb:.0f} MB upload limit")
    if file.stat().st_size == 0:
        raise UploadError(f"{file.name}: the file is empty")
    return file


def read_first_frame(path: Path) -> Optional[np.ndarray]:
    """The video's first frame (RGB), or None if it can't be read."""
    from skillsight.capture import open_source

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


def trainee_from_username(username: Optional[str]) -> str:
    """The signed-in user's name, or the single local trainee when the app runs without --auth."""
    return username if username else LOCAL_TRAINEE


class AppService:
    """The app's actions; one instance per running app, shared by all browser sessions."""

    def __init__(self, db_url: Optional[str] = None, data_dir: Optional[Path] = None) -> None:
        self.db_url = db_url
        self.data_dir = Path(data_dir) if data_dir else default_data_dir()
        self.work_dir = Path(tempfile.mkdtemp(prefix="skillsight-app-"))
        self._db: Any = None
        self._db_lock = threading.Lock()
        self._views: OrderedDict[tuple[str, int], SessionView] = OrderedDict()
        self._views_lock = threading.Lock()

    # --- database -------------------------------------------------------------------------------
    @property
    def db(self) -> Any:
        with self._db_lock:
            if self._db is None:
                from skillsight.storage import Database

                self.data_dir.mkdir(parents=True, exist_ok=True)
                url = self.db_url or f"sqlite:///{(self.data_dir / 'skillsight.db').as_posix()}"
                self._db = Database(url)
            return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
        shutil.rmtree(self.work_dir, ignore_errors=True)

    # --- assessing --------------------------------------------------------------------------------
    def assess_video(
        self,
        video_path: Optional[str],
        procedure: str,
        dominant_hand: str = "right",
        keep_video: bool = False,
        trainee: str = LOCAL_TRAINEE,
        *,
        model: Optional[str] = None,
        reference: Optional[str] = None,
        progress: Optional[ProgressCallback] = None,
        with_replay: bool = False,
    ) -> SessionView:
        """Track and assess an upload through skillsight.pipeline.assess_source, then store it.

        The annotated replay costs a second pass over the video, so by default it is made afterwards
        (`write_replay`) and the results show first.
        """
        from skillsight.pipeline import assess_source

        video = check_upload(video_path)
        token = uuid.uuid4().hex[:12]
        replay = self.work_dir / f"replay-{token}.mp4"
        run = assess_source(
            video,
            procedure,
            model=model or None,
            reference=reference or None,
            dominant_hand=dominant_hand,
            progress=progress,
            overlay_path=replay if with_replay else None,
        )
        sessions_dir = self.data_dir / "sessions"
        sessions_dir.mkdir(parents=True, exist_ok=True)
        motion_path = Path(run.motion.save(sessions_dir / f"{token}.motion.npz"))
        kept_video: Optional[Path] = None
        if keep_video:
            kept_video = sessions_dir / f"{token}{video.suffix.lower()}"
            shutil.copyfile(video, kept_video)
        session_id = self.db.add_session(
            trainee=trainee,
            procedure=procedure,
            assessment=run.assessment,
            source_name=video.name,
            source_sha256=run.motion.metadata.get("source_sha256"),
            motion_path=str(motion_path),
            video_path=str(kept_video) if kept_video else None,
        )
        view = SessionView(
            session_id=int(session_id),
            trainee=trainee,
            procedure=procedure,
            assessment=run.assessment,
            motion=run.motion,
            source_name=video.name,
            replay_path=replay if replay.exists() else None,
            first_frame=read_first_frame(video),
            upload_path=video,
        )
        self._remember(view)
        return view

    def write_replay(self, session_id: int, trainee: str) -> Optional[Path]:
        """The annotated replay (tracking drawn on the video) of a session, if its video is at hand."""
        view = self.session_view(session_id, trainee)
        if view is None or view.motion is None:
            return None
        if view.replay_path is not None and view.replay_path.exists():
            return view.replay_path
        record_video = view.upload_path
        if record_video is None or not record_video.exists():
            record = self.db.get_session(int(session_id), trainee=trainee)
            record_video = Path(record.video_path) if record and record.video_path else None
        if record_video is None or not record_video.exists():
            return None  # the video was not kept: motion alone can't be replayed over the picture
        from skillsight.capture import open_source
        from skillsight.pose.track import write_overlay

        out = self.work_dir / f"replay-{uuid.uuid4().hex[:12]}.mp4"
        source = open_source(str(record_video))
        try:
            write_overlay(source, view.motion, out)
        finally:
            source.close()
        view.replay_path = out
        return out

    def _remember(self, view: SessionView) -> None:
        key = (view.trainee, view.session_id)
        with self._views_lock:
            self._views.pop(key, None)
            self._views[key] = view
            while len(self._views) > CACHED_SESSIONS:
                self._views.popitem(last=False)

    def session_view(self, session_id: int, trainee: str) -> Optional[SessionView]:
        """A session of this trainee: from memory if just assessed, else rebuilt from the database."""
        cached = self._views.get((trainee, int(session_id)))
        if cached is not None:
            return cached
        record = self.db.get_session(int(session_id), trainee=trainee)
        if record is None:
            return None
        motion = None
        if record.motion_path and Path(record.motion_path).exists():
            from skillsight.pose.motion import load_motion

            motion = load_motion(record.motion_path)
        first_frame = read_first_frame(Path(record.video_path)) if record.video_path else None
        view = SessionView(
            session_id=record.id,
            trainee=record.trainee,
            procedure=record.procedure,
            assessment=record.assessment,
            motion=motion,
            source_name=record.source_name,
            created_at=record.created_at,
            first_frame=first_frame,
        )
        self._remember(view)
        return view

    # --- history ----------------------------------------------------------------------------------
    def list_sessions(self, trainee: str, procedure: Optional[str] = None) -> list[Any]:
        return list(self.db.list_sessions(trainee=trainee, procedure=procedure or None))

    def metric_history(self, trainee: str, procedure: str) -> list[dict[str, Any]]:
        return list(self.db.metric_history(trainee, procedure))

    def delete_session(self, session_id: int, trainee: str) -> bool:
        """Deletes the session's rows and files (only if it is this trainee's), and what the app derived
        from it in its temporary folder (replay, reports)."""
        if not self.db.delete_session(int(session_id), trainee=trainee):
            return False
        with self._views_lock:
            view = self._views.pop((trainee, int(session_id)), None)
        derived = list((self.work_dir / "reports").glob(f"skillsight-session-{int(session_id)}.*"))
        if view is not None and view.replay_path is not None:
            derived.append(view.replay_path)
        for path in derived:
            path.unlink(missing_ok=True)
        return True

    # --- reports ----------------------------------------------------------------------------------
    def write_reports(self, session_id: int, trainee: str) -> dict[str, Path]:
        """HTML and PDF of one of this trainee's sessions, in the app's temporary folder."""
        from skillsight.webapp.plots import result_figures
        from skillsight.webapp.report import write_reports

        view = self.session_view(session_id, trainee)
        if view is None:
            raise UploadError(f"session {session_id}: not found among {trainee}'s sessions")
        figures = result_figures(view.assessment, view.motion, view.first_frame)
        return write_reports(
            self.work_dir / "reports",
            f"skillsight-session-{view.session_id}",
            view.assessment,
            figures,
            trainee=trainee,
            source_name=view.source_name,
            created_at=view.created_at,
        )

    # --- models and references ----------------------------------------------------------------------
    def model_dirs(self) -> list[Path]:
        from skillsight.models import shipped_models_dir

        return [shipped_models_dir(), self.data_dir / "models", self.data_dir / "references"]

    def available_models(self, procedure: str) -> list[tuple[str, str]]:
        """(label, path) of ONNX scorers whose card is for `procedure`."""
        found = []
        for folder in self.model_dirs():
            for onnx in sorted(folder.glob("*.onnx")) if folder.is_dir() else []:
                card = read_card(onnx.with_suffix(".json"))
                if card.get("procedure", procedure) == procedure:
                    found.append((_card_label(card, onnx), str(onnx)))
        return found

    def available_references(self, procedure: str) -> list[tuple[str, str]]:
        """(label, path) of expert references (JSON with kind 'reference') for `procedure`."""
        found = []
        for folder in self.model_dirs():
            for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
                card = read_card(path)
                is_reference = card.get("kind") == "reference" or "reference" in path.stem
                if (
                    is_reference
                    and not path.with_suffix(".onnx").exists()
                    and card.get("procedure") == procedure
                ):
                    found.append((_card_label(card, path), str(path)))
        return found

    def build_reference(
        self,
        video_paths: Sequence[str],
        procedure: str,
        name: str,
        version: str = "1",
        progress: Optional[Callable[[int, int], None]] = None,
        on_frames: Optional[Callable[[int, int, Optional[int]], None]] = None,
    ) -> Path:
        """Track expert videos and build a reference from them, saved under the data folder.
        `progress(videos_done, n_videos)`; `on_frames(video_index, frames_done, frames_total)`."""
        from skillsight.pipeline import load_or_track
        from skillsight.scoring.reference import build_reference, save_reference

        if not video_paths:
            raise UploadError("no expert videos: upload at least one")
        motions = []
        for done, path in enumerate(video_paths):
            frames = functools.partial(on_frames, done) if on_frames is not None else None
            motions.append(load_or_track(check_upload(path), procedure, progress=frames))
            if progress is not None:
                progress(done + 1, len(video_paths))
        safe_name = "".join(c if c.isalnum() or c in "-_" else "-" for c in name.strip()) or "lab-reference"
        built_from = f"{len(motions)} expert video(s) uploaded in the app: " + ", ".join(
            Path(p).name for p in video_paths
        )
        reference = build_reference(
            motions, procedure, name=safe_name, version=version, built_from=built_from
        )
        out = self.data_dir / "references" / f"{procedure}-{safe_name}-v{version}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        save_reference(reference, out)
        return out


def warm_up() -> None:
    """Import the heavy tracking and scoring libraries ahead of the first upload (run in a thread)."""
    import importlib

    for module in (
        "mediapipe",
        "cv2",
        "av",
        "onnxruntime",
        "skillsight.pose.track",
        "skillsight.scoring.assessment",
        "skillsight.webapp.plots",
        "matplotlib.backends.backend_agg",
    ):
        try:
            importlib.import_module(module)
        except Exception:  # a missing extra only means the first upload pays the import
            continue


def read_card(path: Path) -> dict[str, Any]:
    """A model card or reference JSON as a dict ({} if missing or unreadable)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _card_label(card: dict[str, Any], path: Path) -> str:
    label = " ".join(str(card[k]) for k in ("name", "version") if card.get(k))
    return f"{label} ({path.name})" if label else path.name
