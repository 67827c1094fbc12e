"""The page's events: each handler is a thin wrapper around `AppService` (what happens) and `views`/
`plots` (what is shown). Long work (assessing, building a reference) shows its progress on the tab the
user is on, disables its controls while it runs and leaves a status that says how it ended.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any, Optional

import gradio as gr

from skillsight.webapp import curve_points, listings, plots, progress_lines, views
from skillsight.webapp.learning_curves import learning_curve_figure
from skillsight.webapp.live import LiveSessions
from skillsight.webapp.page import Page, card_markdown_for, hands_expected, results_outputs
from skillsight.webapp.preferences import chosen_models, save_choice
from skillsight.webapp.rescore_events import button_shown, rescore_controls, wire_rescore
from skillsight.webapp.service import AppService, trainee_from_username
from skillsight.webapp.sharing import wire_sharing

LOG = logging.getLogger(__name__)
# Before the first frame is tracked, the trackers look at frames across the video (about 10 s for a
# 28 MB 1080p upload on two cores): said as it is, beside Gradio's clock, never as "0.0%".
WORKING = (
    "Working: first a look at frames across the video to set up tracking (no frame count yet), "
    "then tracking it frame by frame, then scoring."
)
ON_EDUCATOR = "Saved for your user; the Practice tab uses it."
ASSESS_FAILED = "**Could not assess this video**{why} Fix it and press Assess again."
# Where no reason was kept (an error before the handler ran): Gradio shows its error at the top right.
UNSAID_REASON = " (the red message at the top right of the page says why)."
# Why each browser session's last assessment failed, for the status beside the button (Gradio's toast is
# in the corner and passes nothing to the failure event); taken once, so it never outlives its failure.
_FAILURES: dict[str, str] = {}
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]<>|~#])")


def _trainee(request: Optional[gr.Request]) -> str:
    return trainee_from_username(getattr(request, "username", None) if request is not None else None)


def _locked(busy: bool, label: str) -> Any:
    return gr.update(interactive=not busy, value=label)


def wire_events(demo: gr.Blocks, page: Page, service: AppService, live: LiveSessions) -> None:
    _wire_assess(page, service)
    _wire_live(page, live)
    _wire_history(page, service)
    _wire_report(page, service)
    _wire_educator(demo, page, service)
    wire_sharing(demo, page, service)  # the Educator tab's sharing section (webapp/sharing.py)


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
        trainee = _trainee(request)
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
        _locked(True, "Assessing…"),
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
        _locked(False, "Assess my practice"),
        gr.update(interactive=True),
        gr.update(interactive=True),
        status,
    )


def _wire_assess(page: Page, service: AppService) -> None:
    controls = [page.assess_button, page.video, page.procedure]
    results = _results_components(page)
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
    assessed.then(_assess_unlock, [page.result_json], [*controls, page.status], api_visibility="private")
    # Gradio 6's page runs no `then` after an error: without this the button stayed "Assessing…" for good.
    assessed.failure(_assess_failed, None, [*controls, page.status], api_visibility="private")

    def show(payload: Optional[dict[str, Any]], request: gr.Request) -> tuple[Any, ...]:
        return _show(service, payload, request)

    assessed.success(
        show,
        [page.result_json],
        [*results, page.tabs, page.selected_session],
        api_visibility="private",
    ).then(_replay_handler(service), [page.result_json], [page.replay], api_visibility="private")


def _results_components(page: Page) -> list[Any]:
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


def _show(service: AppService, payload: Optional[dict[str, Any]], request: gr.Request) -> tuple[Any, ...]:
    view = None
    if payload and payload.get("session_id") is not None:
        view = service.session_view(int(payload["session_id"]), _trainee(request))
    return (*results_outputs(view, service), gr.Tabs(selected="results"), view.session_id if view else None)


def _replay_handler(service: AppService) -> Any:
    def make_replay(payload: Optional[dict[str, Any]], request: gr.Request) -> Optional[str]:
        if not payload or payload.get("session_id") is None:
            return None
        try:
            path = service.write_replay(int(payload["session_id"]), _trainee(request))
        except Exception:  # the results stand without the replay
            LOG.exception("replay failed")
            return None
        return str(path) if path else None

    return make_replay


def _wire_live(page: Page, live: LiveSessions) -> None:
    def live_frame(image: Any, procedure_name: str, request: gr.Request) -> tuple[Any, str]:
        key = getattr(request, "session_hash", None) or "default"
        return live.handle(key, image, hands_expected(procedure_name or "suturing"))

    page.live_in.stream(
        live_frame,
        [page.live_in, page.procedure],
        [page.live_out, page.live_quality],
        stream_every=1 / 15,
        time_limit=600,
        concurrency_limit=4,
        api_visibility="private",
    )


def _history_handler(service: AppService) -> Any:
    """The History tab's table, learning curve, metric choices and re-score offer for the trainee and
    procedure."""

    def show_history(procedure_name: str, chosen_metrics: list[str], request: gr.Request) -> tuple[Any, ...]:
        trainee = _trainee(request)
        records = service.list_sessions(trainee, procedure_name)
        headers, rows = listings.history_table(records)
        history = service.metric_history(trainee, procedure_name)
        names = listings.history_metric_names(history)
        chosen = [m for m in (chosen_metrics or []) if m in names] or names[:2]
        curve = plots.figure_to_array(learning_curve_figure(history, chosen))
        offer, button = rescore_controls(service, trainee, procedure_name)
        notes = [  # with sessions: how sure the points are, and why a line breaks where it does
            curve_points.uncertainty_note(history, chosen),
            progress_lines.definitions_note(history, chosen, rescore_button=button_shown(button)),
        ]
        empty = (
            "\n\n".join(n for n in notes if n)
            if rows
            else "No sessions for this procedure yet: assess a practice on the **Practice** tab."
        )
        return (
            gr.update(value=rows, headers=headers, visible=bool(rows)),
            curve,
            gr.update(choices=[(views.humanise_metric(n), n) for n in names], value=chosen),
            empty,
            offer,
            button,
        )

    return show_history


def _pick_session(evt: gr.SelectData) -> tuple[Any, ...]:
    """A click in the history table: the session picked, said in words, and its buttons enabled."""
    row = list(getattr(evt, "row_value", None) or [])
    session_id = int(row[0]) if row and str(row[0]).isdigit() else None
    text = (
        f"Picked session {session_id} ({row[1]}, {row[3]})."
        if session_id is not None
        else "No session picked."
    )
    enabled = gr.update(interactive=session_id is not None)
    return session_id, text, enabled, enabled


def _delete_handler(service: AppService) -> Any:
    def delete(session_id: Optional[int], request: gr.Request) -> tuple[Any, ...]:
        if session_id is None:
            return "Click a session in the table first.", None, "No session picked."
        if service.delete_session(int(session_id), _trainee(request)):
            text = f"Session {int(session_id)} deleted, with its stored motion (and video, if kept)."
        else:
            text = f"No session {int(session_id)} of yours to delete."
        return text, None, "No session picked."

    return delete


def same_procedure(name: Optional[str]) -> Any:
    """The History tab's procedure, set to the one chosen for practice (none chosen: left as it is)."""
    return gr.update(value=name) if name else gr.update()


def _wire_history(page: Page, service: AppService) -> None:
    show_history = _history_handler(service)
    # History follows the Practice tab's procedure: a trainee who just assessed an intubation finds it there
    # (its own change event then draws that procedure's sessions).
    page.procedure.change(
        same_procedure, [page.procedure], [page.history_procedure], queue=False, api_visibility="private"
    )
    inputs = [page.history_procedure, page.history_metrics]
    outputs = [page.history_df, page.curve_img, page.history_metrics, page.history_empty]
    outputs += [page.rescore_note, page.rescore_button]
    page.refresh.click(show_history, inputs, outputs, api_visibility="private")
    page.history_procedure.change(show_history, inputs, outputs, api_visibility="private")
    page.tabs.select(show_history, inputs, outputs, api_visibility="private")
    page.history_df.select(
        _pick_session,
        None,
        [page.selected_session, page.selected_md, page.open_button, page.delete_button],
        api_visibility="private",
    )
    page.delete_button.click(
        _delete_handler(service),
        [page.selected_session],
        [page.delete_status, page.selected_session, page.selected_md],
        api_visibility="private",
    ).then(show_history, inputs, outputs, api_visibility="private")
    wire_rescore(page, service, show_history, inputs, outputs)
    _wire_open_session(page, service)


def _wire_open_session(page: Page, service: AppService) -> None:
    """Open the picked session on the Results tab, then its replay."""

    def open_session(session_id: Optional[int], request: gr.Request) -> tuple[Any, ...]:
        payload = {"session_id": session_id} if session_id is not None else None
        return _show(service, payload, request)

    def replay(session_id: Optional[int], request: gr.Request) -> Optional[str]:
        payload = {"session_id": session_id} if session_id is not None else None
        return _replay_handler(service)(payload, request)

    page.open_button.click(
        open_session,
        [page.selected_session],
        [*_results_components(page), page.tabs, page.selected_session],
        api_visibility="private",
    ).then(replay, [page.selected_session], [page.replay], api_visibility="private")


def _wire_report(page: Page, service: AppService) -> None:
    def sessions(selected: Optional[int], request: gr.Request) -> Any:
        choices = listings.session_choices(service.list_sessions(_trainee(request)))
        ids = [i for _, i in choices]
        value = selected if selected in ids else (ids[0] if ids else None)
        return gr.update(choices=choices, value=value)

    page.tabs.select(sessions, [page.selected_session], [page.report_session], api_visibility="private")

    def make_report(session_id: Optional[int], request: gr.Request) -> tuple[Any, Any, str]:
        if session_id is None:
            return None, None, "No sessions yet: assess a practice on the **Practice** tab first."
        try:
            paths = service.write_reports(int(session_id), _trainee(request))
        except Exception as exc:
            LOG.exception("report failed")
            return None, None, f"Could not write the report: {exc}"
        return str(paths["html"]), str(paths["pdf"]), f"Report of session {int(session_id)} ready."

    page.report_button.click(
        make_report,
        [page.report_session],
        [page.report_html, page.report_pdf, page.report_status],
        api_visibility="private",
    )


def _wire_educator(demo: gr.Blocks, page: Page, service: AppService) -> None:
    def refresh(procedure_name: str, request: gr.Request) -> tuple[Any, ...]:
        if not procedure_name:
            return gr.update(), gr.update(), "", "", ""
        chosen = chosen_models(service.data_dir, _trainee(request), procedure_name)
        models = [("shipped default", "")] + service.available_models(procedure_name)
        references = [("shipped default", "")] + service.available_references(procedure_name)
        return (
            gr.update(choices=models, value=chosen["model"]),
            gr.update(choices=references, value=chosen["reference"]),
            card_markdown_for(chosen["model"], procedure_name, "scorer"),
            card_markdown_for(chosen["reference"], procedure_name, "reference"),
            _active_line(chosen, procedure_name, ON_EDUCATOR),
        )

    refresh_outputs = [
        page.model_dd,
        page.reference_dd,
        page.model_card,
        page.reference_card,
        page.choice_status,
    ]
    page.educator_procedure.change(
        refresh, [page.educator_procedure], refresh_outputs, api_visibility="private"
    )
    demo.load(refresh, [page.educator_procedure], refresh_outputs, api_visibility="private")

    def choose(
        model: Optional[str], reference: Optional[str], procedure_name: str, request: gr.Request
    ) -> tuple[Any, ...]:
        chosen = save_choice(
            service.data_dir, _trainee(request), procedure_name, model or "", reference or ""
        )
        return (
            card_markdown_for(chosen["model"], procedure_name, "scorer"),
            card_markdown_for(chosen["reference"], procedure_name, "reference"),
            "Saved. " + _active_line(chosen, procedure_name, ON_EDUCATOR),
        )

    for dropdown in (page.model_dd, page.reference_dd):
        dropdown.input(
            choose,
            [page.model_dd, page.reference_dd, page.educator_procedure],
            [page.model_card, page.reference_card, page.choice_status],
            api_visibility="private",
        )

    def active(procedure_name: Optional[str], request: gr.Request) -> str:
        if not procedure_name:
            return ""
        return _active_line(
            chosen_models(service.data_dir, _trainee(request), procedure_name), procedure_name
        )

    page.procedure.change(active, [page.procedure], [page.active_models], api_visibility="private")
    demo.load(active, [page.procedure], [page.active_models], api_visibility="private")
    page.tabs.select(active, [page.procedure], [page.active_models], api_visibility="private")
    _wire_build(page, service, refresh, refresh_outputs)


def _active_line(
    chosen: dict[str, str], procedure: str, where: str = "Change it on the Educator tab."
) -> str:
    model = Path(chosen["model"]).name if chosen["model"] else "the shipped demo model"
    reference = Path(chosen["reference"]).name if chosen["reference"] else "the shipped demo reference"
    return listings.active_models_markdown(model, reference, procedure, where)


def _wire_build(page: Page, service: AppService, refresh: Any, refresh_outputs: list[Any]) -> None:
    page.expert_files.change(
        lambda files: listings.expert_count_warning(len(files or [])),
        [page.expert_files],
        [page.expert_warning],
        api_visibility="private",
    )
    page.build_button.click(
        lambda: _locked(True, "Building…"), None, [page.build_button], queue=False, api_visibility="private"
    ).then(
        _build_handler(service),
        [page.expert_files, page.educator_procedure, page.reference_name, page.reference_version],
        page.build_status,
        show_progress_on=[page.build_status],
        api_visibility="private",
    ).then(
        lambda: _locked(False, "Build reference"), None, [page.build_button], api_visibility="private"
    ).then(refresh, [page.educator_procedure], refresh_outputs, api_visibility="private")


def _build_handler(service: AppService) -> Any:
    """The Build reference button's work: track the expert videos, build and save the reference."""

    def build(
        files: Optional[list[str]],
        procedure_name: str,
        name: str,
        version: str,
        progress: gr.Progress = gr.Progress(),
    ) -> str:
        n_videos = len(files or [])
        # A count, not "0.0%": the first video is opened and sampled before any frame is counted.
        progress((0, n_videos), desc="Opening the expert videos", unit="videos")

        def frames(video: int, done: int, total: Optional[int]) -> None:
            desc = f"Tracking expert video {video + 1} of {n_videos}"
            progress((done, total), desc=desc, unit="frames")

        try:
            path = service.build_reference(
                files or [], procedure_name, name, version or "1", on_frames=frames
            )
        except Exception as exc:
            LOG.exception("reference build failed")
            said = str(exc) or exc.__class__.__name__
            for upload in files or []:  # the educator's file names, not the server's temporary copies
                said = said.replace(str(upload), Path(upload).name)
            return f"**Could not build the reference:** {said}"
        warning = listings.expert_count_warning(len(files or []))
        note = f" {warning}" if "Only" in warning else ""
        return f"Reference saved as {path.name}. Pick it above to score with it.{note}"

    return build
