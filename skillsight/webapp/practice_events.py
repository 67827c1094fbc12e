"""The Practice tab's events: assess an upload or recording (progress where the trainee looks, the
controls locked meanwhile, a status that says how it ended, in the error's own words when it failed),
then show the results and make the replay; and tell at upload a file that is not a video.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any, Optional

import gradio as gr

from skillsight.capture.frames import CaptureError
from skillsight.capture.sources import open_source
from skillsight.webapp import views
from skillsight.webapp.page import Page, results_outputs
from skillsight.webapp.preferences import chosen_models
from skillsight.webapp.service import AppService, trainee_from_username

LOG = logging.getLogger(__name__)
# Before the first frame is tracked, the trackers look at frames across the video (about 10 s for a
# 28 MB 1080p upload on two cores): said as it is, beside Gradio's clock, never as "0.0%".
WORKING = (
    "Working: first a look at frames across the video to set up tracking (no frame count yet), "
    "then tracking it frame by frame, then scoring."
)
ASSESS_FAILED = "**Could not assess this video**{why} Fix it and press Assess again."
# Where no reason was kept (an error before the handler ran): Gradio shows its error at the top right.
UNSAID_REASON = " (the red message at the top right of the page says why)."
# Why each browser session's last assessment failed, for the status beside the button (Gradio's toast is
# in the corner and passes nothing to the failure event); taken once, so it never outlives its failure.
_FAILURES: dict[str, str] = {}
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]<>|~#])")
# The upload box's own <video> errors stop here: Gradio would toast "Video not playable" (twice: at the
# preview, and again when the box is locked for assessing) beside the status, which says whether the
# file can be assessed; a video the browser cannot preview may still be one SkillSight reads.
UPLOAD_PREVIEW_ERRORS_JS = """() => {
  window.addEventListener("error", (event) => {
    const target = event.target;
    if (target instanceof HTMLVideoElement && target.closest("#practice-video")) {
      event.stopImmediatePropagation();
    }
  }, true);
}"""


def request_trainee(request: Optional[gr.Request]) -> str:
    return trainee_from_username(getattr(request, "username", None) if request is not None else None)


def locked_button(busy: bool, label: str) -> Any:
    return gr.update(interactive=not busy, value=label)


def _assess_handler(service: AppService) -> Any:
    """The Assess button's work: track and score the upload, return the API payload."""

    def assess(
        video_path: Optional[str],
        procedure_name: str,
        dominant_hand: str,
        keep: bool,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),
    ) -> dict[str, Any]:
        trainee = request_trainee(request)
        chosen = chosen_models(service.data_dir, trainee, procedure_name or "")

        def report(done: int, total: Optional[int]) -> None:
            if total and done >= total:
                progress(0.99, desc="Scoring the motion")
            else:
                progress((done, total), desc="Tracking hands, frame by frame", unit="frames")

        try:
            view = service.assess_video(
                video_path,
                procedure_name,
                dominant_hand or "right",
                bool(keep),
                trainee,
                model=chosen["model"] or None,
                reference=chosen["reference"] or None,
                progress=report,
            )
        except Exception as exc:  # the page shows why; the log keeps the traceback
            LOG.exception("assessment failed")
            said = _said_of_the_upload(exc, video_path)
            _remember_failure(request, said)
            raise gr.Error(said) from exc
        return views.assessment_payload(
            view.assessment, session_id=view.session_id, source_name=view.source_name, trainee=trainee
        )

    return assess


def upload_status(video_path: Optional[str]) -> str:
    """The status as soon as a file is chosen: ready, with its length and size, or why it is no video
    (said at once, not after pressing Assess)."""
    if not video_path:
        return ""
    name = _MARKDOWN_SPECIALS.sub(r"\\\1", Path(video_path).name)
    try:
        with open_source(video_path) as source:
            info = source.info
    except (CaptureError, OSError, ValueError) as exc:
        said = _MARKDOWN_SPECIALS.sub(r"\\\1", _said_of_the_upload(exc, video_path).rstrip("."))
        return f"**This file can't be assessed**: {said}. Choose a video file."
    length = f"{info.duration_s:.0f} s, " if info.duration_s else ""
    return f"Ready: {name} ({length}{info.width}x{info.height}). Press **Assess my practice**."


def _said_of_the_upload(exc: Exception, video_path: Optional[str]) -> str:
    """The error in the trainee's words: their file's name, not the server's temporary copy of it
    ("/tmp/skillsight-gradio-x/591a.../notes.mp4: a text file ..." reads "notes.mp4: a text file ...")."""
    message = str(exc) or exc.__class__.__name__
    return message.replace(str(video_path), Path(video_path).name) if video_path else message


def _browser_session(request: Optional[gr.Request]) -> str:
    return str(getattr(request, "session_hash", None) or "default")


def _remember_failure(request: Optional[gr.Request], said: str) -> None:
    _FAILURES[_browser_session(request)] = said
    while len(_FAILURES) > 256:  # an API client's failures have no failure event to take them
        del _FAILURES[next(iter(_FAILURES))]


def failed_status(request: Optional[gr.Request]) -> str:
    """The status beside the Assess button after a failure: why, in the words of the error."""
    said = _MARKDOWN_SPECIALS.sub(r"\\\1", _FAILURES.pop(_browser_session(request), "").rstrip("."))
    why = f": {said}." if said else UNSAID_REASON
    return ASSESS_FAILED.format(why=why)


def _assess_lock() -> tuple[Any, ...]:
    """The Practice controls while assessing: locked, the result cleared, a working note."""
    return (
        locked_button(True, "Assessing…"),
        gr.update(interactive=False),
        gr.update(interactive=False),
        None,
        WORKING,
    )


def _assess_unlock(payload: Optional[dict[str, Any]]) -> tuple[Any, ...]:
    """The Practice controls after assessing: unlocked, with where the result is (or why there is none)."""
    session_id = (payload or {}).get("session_id")
    done = f"Done: session {session_id} is on the **Results** tab."
    status = ASSESS_FAILED.format(why=UNSAID_REASON) if session_id is None else done
    return _unlocked(status)


def _assess_failed(request: gr.Request) -> tuple[Any, ...]:
    return _unlocked(failed_status(request))


def _unlocked(status: str) -> tuple[Any, ...]:
    return (
        locked_button(False, "Assess my practice"),
        gr.update(interactive=True),
        gr.update(interactive=True),
        status,
    )


def wire_assess(page: Page, service: AppService) -> None:
    controls = [page.assess_button, page.video, page.procedure]
    results = results_components(page)
    assessed = page.assess_button.click(
        _assess_lock, None, [*controls, page.result_json, page.status], queue=False, api_visibility="private"
    ).then(
        _assess_handler(service),
        [page.video, page.procedure, page.dominant, page.keep_video],
        page.result_json,
        api_name="assess",
        concurrency_limit=1,
        show_progress_on=[page.status],
    )
    page.video.upload(upload_status, [page.video], [page.status], queue=False, api_visibility="private")
    page.video.clear(lambda: "", None, [page.status], queue=False, api_visibility="private")
    assessed.then(_assess_unlock, [page.result_json], [*controls, page.status], api_visibility="private")
    # Gradio 6's page runs no `then` after an error: without this the button stayed "Assessing…" for good.
    assessed.failure(_assess_failed, None, [*controls, page.status], api_visibility="private")

    def show(payload: Optional[dict[str, Any]], request: gr.Request) -> tuple[Any, ...]:
        return show_session(service, payload, request)

    assessed.success(
        show,
        [page.result_json],
        [*results, page.tabs, page.selected_session],
        api_visibility="private",
    ).then(replay_handler(service), [page.result_json], [page.replay], api_visibility="private")


def results_components(page: Page) -> list[Any]:
    return [
        page.summary,
        page.feedback,
        page.details,
        page.experts_img,
        page.speed_img,
        page.replay,
        page.paths_img,
        page.timeline_img,
        page.metrics_df,
        page.quality_md,
    ]


def show_session(
    service: AppService, payload: Optional[dict[str, Any]], request: gr.Request
) -> tuple[Any, ...]:
    view = None
    if payload and payload.get("session_id") is not None:
        view = service.session_view(int(payload["session_id"]), request_trainee(request))
    return (*results_outputs(view, service), gr.Tabs(selected="results"), view.session_id if view else None)


def replay_handler(service: AppService) -> Any:
    def make_replay(payload: Optional[dict[str, Any]], request: gr.Request) -> Optional[str]:
        if not payload or payload.get("session_id") is None:
            return None
        try:
            path = service.write_replay(int(payload["session_id"]), request_trainee(request))
        except Exception:  # the results stand without the replay
            LOG.exception("replay failed")
            return None
        return str(path) if path else None

    return make_replay
