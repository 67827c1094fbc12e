"""What the app does, without any UI: assess an upload through the one pipeline, store the session,
read history, re-score stale sessions, delete, write reports, build references and list models.

`AppService` is the one object the page and the tests use; the jobs behind it live in their own
modules: session views and their memory (session_views), re-scoring (rescoring), scorers and references
(catalogue), upload checks (uploads). Names they define are re-exported here for the page and tests.

Privacy rules live here: motion is always stored; the raw video only when the trainee ticks "keep
video"; every read, re-score or delete is scoped to the signed-in trainee.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Callable, Optional

import numpy as np

from skillsight import pipeline  # called as pipeline.X: tests and plugins replace them there
from skillsight.base.atomic import write_bytes_atomic
from skillsight.capture import open_source
from skillsight.models import shipped_models_dir
from skillsight.pose.motion import Motion
from skillsight.pose.track import write_overlay
from skillsight.score_request import ScoreRequest
from skillsight.scoring.procedure import load_procedure
from skillsight.session_rescore import stored_version
from skillsight.storage import Database
from skillsight.storage import default_data_dir as storage_data_dir
from skillsight.webapp import catalogue, rescoring
from skillsight.webapp.catalogue import read_card  # noqa: F401 - re-exported: the page imports it here
from skillsight.webapp.files import PRIVATE_FILE_MODE, ServedFiles, copy_private, private_dir, tighten
from skillsight.webapp.payload import public_payload  # noqa: F401 - the API's payload, re-exported
from skillsight.webapp.plots import result_figures
from skillsight.webapp.report import write_reports
from skillsight.webapp.rescoring import RescoreProgress, RescoreSummary
from skillsight.webapp.session_views import (  # noqa: F401 - re-exported: the page and tests import them
    CACHED_SESSIONS,
    SessionView,
    SessionViews,
    read_first_frame,
    view_from_record,
)
from skillsight.webapp.uploads import (  # re-exported: the page and tests import them from here
    MAX_UPLOAD_MB,
    UploadError,
    check_upload,
    megabytes_from_env,
    request_key,
)

MAX_UPLOAD_ENV = "SKILLSIGHT_MAX_UPLOAD_MB"
USER_QUOTA_ENV = "SKILLSIGHT_USER_QUOTA_MB"  # per trainee: stored motion and kept videos; unset: none
LOCAL_TRAINEE = "local"
REPLAY_MAX_SIDE = 960  # the replay's long side in pixels: a browser's player needs no more
# Frames drawn a second (None: every frame). A trainee reviews fast hand motion in the replay, and
# within a whole score 15 fps saved only ~2% CPU (24.2 vs 24.6 CPU-s, 30-s 1080p clip).
REPLAY_MAX_FPS: Optional[float] = None
ProgressCallback = Callable[[int, Optional[int]], None]


def default_data_dir() -> Path:
    """storage.default_data_dir(): $SKILLSIGHT_DATA_DIR, else the platform's user data folder."""
    try:
        return Path(storage_data_dir())
    except ImportError:  # storage not installed in this checkout: same rule, here
        env = os.environ.get("SKILLSIGHT_DATA_DIR")
        if env:
            return Path(env)
        import platformdirs

        return Path(platformdirs.user_data_dir("skillsight"))


def trainee_from_username(username: Optional[str]) -> str:
    """The signed-in user's name, or the single local trainee when the app runs without --auth."""
    return username if username else LOCAL_TRAINEE


class AppService:
    """The app's actions; one instance per running app, shared by all browser sessions.

    Files are owner-only (folders 0700, files 0600). `max_upload_mb` bounds one upload, `user_quota_mb`
    what one trainee may keep stored (motion files and kept videos); both default from the environment.
    """

    def __init__(
        self,
        db_url: Optional[str] = None,
        data_dir: Optional[Path] = None,
        *,
        max_upload_mb: Optional[float] = None,
        user_quota_mb: Optional[float] = None,
    ) -> None:
        self.db_url = db_url
        self.data_dir = Path(data_dir) if data_dir else default_data_dir()
        self.max_upload_mb: float = max_upload_mb or megabytes_from_env(MAX_UPLOAD_ENV, MAX_UPLOAD_MB) or 0
        self.user_quota_mb = user_quota_mb or megabytes_from_env(USER_QUOTA_ENV, None)
        self.work_dir = Path(tempfile.mkdtemp(prefix="skillsight-app-"))  # mkdtemp: 0700
        self.served = ServedFiles()
        self._db: Any = None
        self._db_lock = threading.Lock()
        self._views = SessionViews()  # the last few views; each used only while its session is unchanged

    # --- database -------------------------------------------------------------------------------
    @property
    def db(self) -> Any:
        with self._db_lock:
            if self._db is None:
                private_dir(self.data_dir)
                url = self.db_url or f"sqlite:///{(self.data_dir / 'skillsight.db').as_posix()}"
                self._db = Database(url)
            return self._db

    def close(self) -> None:
        """At shutdown (also on SIGTERM/SIGINT, see app.py): the work folder and every served copy go."""
        if self._db is not None:
            self._db.close()
        self.served.remove_all()
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
        with_replay: bool = True,
    ) -> SessionView:
        """Track and assess an upload through the one pipeline (skillsight.pipeline.assess), then store it.

        The annotated replay is drawn from the frames being tracked (one decoding pass,
        `pose.live_overlay`), at most `REPLAY_MAX_SIDE` pixels on its long side and `REPLAY_MAX_FPS`
        frames a second (every frame by default): a 1080p H.264 replay costs ~26 CPU-ms a frame and
        competes with tracking on two cores, a 960-px one ~7, half that at half the frames (and a
        1080p second pass after the results ~36: decoding, conversion and encoding again). The
        replay is a temporary file served to this trainee, never stored. `with_replay=False` leaves it to
        `write_replay` (a second pass, while the upload lasts); benchmarks/bench_app.py times both.
        The same request again (a script retrying after a
        network error: same trainee, video content, procedure, hand, model, reference and keep choice)
        returns the session already stored instead of a duplicate.
        """
        video = check_upload(video_path, self.max_upload_mb)
        key = request_key(video, trainee, procedure, dominant_hand, keep_video, model, reference)
        earlier = self._earlier_session(key, trainee, video)
        if earlier is not None:
            return earlier
        self.check_quota(trainee, video)
        token = uuid.uuid4().hex[:12]
        replay = self.work_dir / f"replay-{token}.mp4"
        request = ScoreRequest.build(
            video,
            procedure,
            model=model or None,
            reference=reference or None,
            dominant_hand=dominant_hand,
            progress=progress,
            overlay_path=replay if with_replay else None,
            overlay_max_side=REPLAY_MAX_SIDE,
            overlay_max_fps=REPLAY_MAX_FPS,
        )
        run = pipeline.assess(request)
        return self._store_session(run, request, video, token, keep_video, trainee, key)

    def _store_session(
        self,
        run: Any,
        request: ScoreRequest,
        video: Path,
        token: str,
        keep_video: bool,
        trainee: str,
        key: str,
    ) -> SessionView:
        """The assessed upload stored: motion (and the video if kept), its session, the view remembered."""
        motion_path, kept_video = self._store_files(run.motion, video, token, keep_video)
        session_id = self.db.add_session(
            trainee=trainee,
            procedure=request.procedure.name,
            assessment=run.assessment,
            source_name=video.name,
            source_sha256=run.motion.metadata.get("source_sha256"),
            motion_path=str(motion_path),
            video_path=str(kept_video) if kept_video else None,
            result_key=key,
        )
        replay = request.overlay_path
        view = SessionView(
            session_id=int(session_id),
            trainee=trainee,
            procedure=request.procedure.name,
            assessment=run.assessment,
            motion=run.motion,
            source_name=video.name,
            replay_path=replay if replay is not None and replay.exists() else None,
            first_frame=read_first_frame(video),
            upload_path=video,
            version=stored_version(self.db, int(session_id), trainee),
        )
        served = (trainee, int(session_id))
        self.served.add(served, video, ours=False)  # the raw upload: goes with the session
        self.served.add(served, view.replay_path)
        self._views.remember(view)
        return view

    def _earlier_session(self, key: str, trainee: str, video: Path) -> Optional[SessionView]:
        record = self.db.find_by_key(key)
        if record is None or record.trainee != trainee:
            return None
        view = self.session_view(record.id, trainee)
        if view is not None and view.upload_path is None:
            view.upload_path = video  # for the replay, while this upload lasts
            self.served.add((trainee, view.session_id), video, ours=False)
        return view

    def _store_files(
        self, motion: Motion, video: Path, token: str, keep_video: bool
    ) -> tuple[Path, Optional[Path]]:
        """The motion (always) and a copy of the video (only when kept), owner-only."""
        sessions_dir = private_dir(self.data_dir / "sessions")
        motion_path = Path(motion.save(sessions_dir / f"{token}.motion.npz"))
        tighten(motion_path, PRIVATE_FILE_MODE)
        kept_video = None
        if keep_video:
            kept_video = copy_private(video, sessions_dir / f"{token}{video.suffix.lower()}")
        return motion_path, kept_video

    def usage_bytes(self, trainee: str) -> int:
        """What this trainee keeps stored: motion files and kept videos."""
        total = 0
        for record in self.db.list_sessions(trainee=trainee):
            for path in (record.motion_path, record.video_path):
                if path and Path(path).is_file():
                    total += Path(path).stat().st_size
        return total

    def check_quota(self, trainee: str, upload: Path) -> None:
        """Refuse an upload that would take the trainee past the lab's per-user quota."""
        if self.user_quota_mb is None:
            return
        used = self.usage_bytes(trainee) + upload.stat().st_size
        if used > self.user_quota_mb * 1e6:
            raise UploadError(
                f"{upload.name}: storing it would use {used / 1e6:.0f} MB, over your "
                f"{self.user_quota_mb:.0f} MB quota; delete old sessions first"
            )

    def served_image(self, view: SessionView, name: str, image: Optional[np.ndarray]) -> Optional[str]:
        """A picture of a session written as a private PNG and remembered, so deletion removes it and
        the copy Gradio serves."""
        if image is None:
            return None
        import cv2

        ok, png = cv2.imencode(".png", cv2.cvtColor(np.asarray(image), cv2.COLOR_RGB2BGR))
        if not ok:
            return None

        # One file per session and picture (reopening a session rewrites it); private, atomic.
        folder = private_dir(self.work_dir / "images")
        path = write_bytes_atomic(folder / f"session-{view.session_id}-{name}.png", png.tobytes())
        return self.served.add((view.trainee, view.session_id), path)

    def write_replay(self, session_id: int, trainee: str) -> Optional[Path]:
        """The annotated replay (tracking drawn on the video) of a session, if its video is at hand."""
        view = self.session_view(session_id, trainee)
        if view is None or view.motion is None or view.motion.n_frames == 0:
            return None  # nothing was tracked (e.g. refused from its container): nothing to draw
        if view.replay_path is not None and view.replay_path.exists():
            return view.replay_path
        record_video = view.upload_path
        if record_video is None or not record_video.exists():
            record = self.db.get_session(int(session_id), trainee=trainee)
            record_video = Path(record.video_path) if record and record.video_path else None
        if record_video is None or not record_video.exists():
            return None  # the video was not kept: motion alone can't be replayed over the picture

        out = self.work_dir / f"replay-{uuid.uuid4().hex[:12]}.mp4"
        source = open_source(str(record_video))
        try:
            hands = _required_hands(view.assessment.procedure)
            write_overlay(
                source,
                view.motion,
                out,
                max_side=REPLAY_MAX_SIDE,
                max_fps=REPLAY_MAX_FPS,
                hands_expected=hands,
            )
        finally:
            source.close()
        view.replay_path = out
        self.served.add((trainee, int(session_id)), out)
        return out

    def session_view(self, session_id: int, trainee: str) -> Optional[SessionView]:
        """A session of this trainee: from memory while the database holds it unchanged (not re-scored,
        not deleted, here or by the CLI), else read again from the database."""
        version = stored_version(self.db, int(session_id), trainee)
        if version is None:
            if self._views.get(trainee, int(session_id)) is not None:  # theirs, deleted elsewhere
                self._drop_derived(int(session_id), trainee)
            return None
        cached = self._views.get(trainee, int(session_id))
        if cached is not None and cached.version == version:
            return cached
        record = self.db.get_session(int(session_id), trainee=trainee)
        if record is None:
            return None
        view = view_from_record(record, version, earlier=cached)
        self._views.remember(view)
        return view

    # --- history ----------------------------------------------------------------------------------
    def list_sessions(self, trainee: str, procedure: Optional[str] = None) -> list[Any]:
        return list(self.db.list_sessions(trainee=trainee, procedure=procedure or None))

    def metric_history(self, trainee: str, procedure: str) -> list[dict[str, Any]]:
        return list(self.db.metric_history(trainee, procedure))

    # --- re-scoring -------------------------------------------------------------------------------
    def stale_sessions(self, trainee: str, procedure: Optional[str] = None) -> list[int]:
        """This trainee's stale sessions (session_rescore's test: a metric read by another or an unrecorded
        definition, or a score from an older build of the shipped scorer)."""
        return rescoring.stale_sessions(self.db, trainee, procedure)

    def rescore_stale(
        self, trainee: str, procedure: Optional[str] = None, progress: Optional[RescoreProgress] = None
    ) -> RescoreSummary:
        """Re-score this trainee's stale sessions from their stored motion (one transaction each, the old
        numbers kept); their views are read again on next use."""
        return rescoring.rescore_stale(self.db, trainee, procedure, progress)

    def delete_session(self, session_id: int, trainee: str) -> bool:
        """Deletes the session's rows and files (only if it is this trainee's), and what the app derived
        from it in its temporary folder (replay, reports)."""
        if not self.db.delete_session(int(session_id), trainee=trainee):
            return False
        self._drop_derived(int(session_id), trainee)
        return True

    def _drop_derived(self, session_id: int, trainee: str) -> None:
        """What the app derived from a deleted session of this trainee: its view, replay and reports."""
        view = self._views.forget(trainee, session_id)
        derived = list((self.work_dir / "reports").glob(f"skillsight-session-{session_id}.*"))
        if view is not None and view.replay_path is not None:
            derived.append(view.replay_path)
        for path in derived:
            path.unlink(missing_ok=True)
        self.served.remove((trainee, session_id))  # with Gradio's copies and the upload

    # --- reports ----------------------------------------------------------------------------------
    def write_reports(self, session_id: int, trainee: str) -> dict[str, Path]:
        """HTML and PDF of one of this trainee's sessions, in the app's temporary folder."""

        view = self.session_view(session_id, trainee)
        if view is None:
            raise UploadError(f"session {session_id}: not found among {trainee}'s sessions")
        figures = result_figures(view.assessment, view.motion, view.first_frame)
        paths = write_reports(
            private_dir(self.work_dir / "reports"),
            f"skillsight-session-{view.session_id}",
            view.assessment,
            figures,
            trainee=trainee,
            source_name=view.source_name,
            created_at=view.created_at,
        )
        for path in paths.values():
            tighten(path, PRIVATE_FILE_MODE)
            self.served.add((view.trainee, view.session_id), path)
        return paths

    # --- models and references ----------------------------------------------------------------------
    def model_dirs(self) -> list[Path]:
        return [shipped_models_dir(), self.data_dir / "models", self.data_dir / "references"]

    def available_models(self, procedure: str) -> list[tuple[str, str]]:
        """(label, path) of ONNX scorers whose card is for `procedure`."""
        return catalogue.available_models(self.model_dirs(), procedure)

    def available_references(self, procedure: str) -> list[tuple[str, str]]:
        """(label, path) of expert references (JSON with kind 'reference') for `procedure`."""
        return catalogue.available_references(self.model_dirs(), procedure)

    def build_reference(
        self,
        video_paths: Sequence[str],
        procedure: str,
        name: str,
        version: str = "1",
        progress: Optional[Callable[[int, int], None]] = None,
        on_frames: Optional[Callable[[int, int, Optional[int]], None]] = None,
    ) -> Path:
        """Track expert videos and build a reference from them, saved under the data folder's references.
        `progress(videos_done, n_videos)`; `on_frames(video_index, frames_done, frames_total)`."""
        return catalogue.build_reference_from_videos(
            self.data_dir / "references", video_paths, procedure, name, version, progress, on_frames
        )


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


def _required_hands(procedure: str) -> int:
    """The hands a procedure needs tracked (the replay's badge counts them); 0 where it is unknown."""
    try:
        return len(load_procedure(procedure).required_roles)
    except Exception:  # a procedure file removed since: the badge counts the hands found
        return 0
