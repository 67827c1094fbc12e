"""The page's events: each handler is a thin wrapper around `AppService` (what happens) and `views`/
`plots` (what is shown). Long work (assessing, building a reference) shows its progress on the tab the
user is on, disables its controls while it runs and leaves a status that says how it ended.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Optional

import gradio as gr

from skillsight.webapp import curve_points, listings, plots, progress_lines, views
from skillsight.webapp.learning_curves import learning_curve_figure
from skillsight.webapp.live import LiveSessions
from skillsight.webapp.page import Page, card_markdown_for, hands_expected
from skillsight.webapp.practice_events import locked_button as _locked
from skillsight.webapp.practice_events import replay_handler, results_components, show_session, wire_assess
from skillsight.webapp.practice_events import request_trainee as _trainee
from skillsight.webapp.preferences import chosen_models, save_choice
from skillsight.webapp.rescore_events import button_shown, rescore_controls, wire_rescore
from skillsight.webapp.service import AppService
from skillsight.webapp.sharing import wire_sharing

LOG = logging.getLogger(__name__)
ON_EDUCATOR = "Saved for your user; the Practice tab uses it."


def wire_events(demo: gr.Blocks, page: Page, service: AppService, live: LiveSessions) -> None:
    wire_assess(page, service)
    _wire_live(page, live)
    _wire_history(page, service)
    _wire_report(page, service)
    _wire_educator(demo, page, service)
    wire_sharing(demo, page, service)  # the Educator tab's sharing section (webapp/sharing.py)


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
        return show_session(service, payload, request)

    def replay(session_id: Optional[int], request: gr.Request) -> Optional[str]:
        payload = {"session_id": session_id} if session_id is not None else None
        return replay_handler(service)(payload, request)

    page.open_button.click(
        open_session,
        [page.selected_session],
        [*results_components(page), page.tabs, page.selected_session],
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
