"""The Gradio Blocks page: Practice, Results, History, Report and Educator tabs.

Only wiring lives here: every event handler is a thin wrapper around `AppService` (what happens),
`views`/`plots` (what is shown) and `live` (the preview). Set GRADIO_ANALYTICS_ENABLED=False before
importing this module (app.py does).
"""

from __future__ import annotations

import functools
import logging
import os
from pathlib import Path
from typing import Any, Optional

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402

from skillsight.webapp import plots, views  # noqa: E402
from skillsight.webapp.live import LiveSessions  # noqa: E402
from skillsight.webapp.service import (  # noqa: E402
    MAX_UPLOAD_MB,
    AppService,
    SessionView,
    read_card,
    trainee_from_username,
)

LOG = logging.getLogger(__name__)
# The live preview asks for a frame at least this often (15 fps).
LIVE_STREAM_EVERY_S = 1 / 15
SYSTEM_FONTS = [
    "ui-sans-serif",
    "system-ui",
    "-apple-system",
    "Segoe UI",
    "Roboto",
    "Helvetica Neue",
    "sans-serif",
]
SYSTEM_MONO_FONTS = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]
LIVE_IMAGE_HEIGHT = 360
PLOT_HEIGHT = 420
FALLBACK_PROCEDURES = ("suturing", "intubation")
PAGE_CSS = """
#result-summary h3 {margin-top: 0}
#live-quality textarea {font-weight: 600}
.privacy-note {font-size: 0.85rem; opacity: 0.8}
"""
INTRO = (
    "## SkillSight: practice feedback\n"
    "Record or upload a practice video, get an objective assessment with its uncertainty and concrete tips. "
    "<span class='privacy-note'>Everything runs on this computer; nothing is uploaded anywhere. "
    "Only motion is stored unless you tick *keep video*.</span>"
)


def page_theme() -> Any:
    """Gradio's default look with system fonts only, so the page fetches no web fonts."""
    return gr.themes.Default(font=SYSTEM_FONTS, font_mono=SYSTEM_MONO_FONTS)


def launch_options() -> dict[str, Any]:
    """Keyword arguments for Blocks.launch() that keep the page private and offline."""
    return {
        "theme": page_theme(),
        "css": PAGE_CSS,
        "max_file_size": f"{MAX_UPLOAD_MB}mb",
        "ssr_mode": False,
        "pwa": False,
        "mcp_server": False,
        "enable_monitoring": False,
        "run_history": False,
        "footer_links": ["api", "settings"],
    }


def procedure_choices() -> list[str]:
    try:
        from skillsight.scoring.procedure import available_procedures

        return list(available_procedures()) or list(FALLBACK_PROCEDURES)
    except Exception:  # procedures folder unreadable: still show the page
        return list(FALLBACK_PROCEDURES)


@functools.lru_cache(maxsize=32)
def hands_expected(procedure: str) -> int:
    """How many hands the live preview asks for: the procedure's required hands (at least one)."""
    try:
        from skillsight.scoring.procedure import load_procedure

        return max(1, len(load_procedure(procedure).required_roles))
    except Exception:
        return 2


def _trainee(request: Optional[gr.Request]) -> str:
    return trainee_from_username(getattr(request, "username", None) if request is not None else None)


def results_outputs(view: Optional[SessionView], service: Optional[AppService] = None) -> tuple[Any, ...]:
    """Values for the Results tab: summary, feedback, replay, the four pictures, metrics, tracking quality.

    With `service`, the pictures are files the service remembers for the session (deleting it removes
    them and Gradio's copies); without, arrays."""
    if view is None:
        empty = gr.update(value=None)
        return ("No session selected.", "", empty, empty, empty, empty, empty, gr.update(value=[]), "")
    assessment = view.assessment
    figures = plots.result_figures(assessment, view.motion, view.first_frame)
    names = ("hand_paths", "speed", "percentiles", "timeline")
    images: list[Any] = [plots.figure_to_array(figures[name]) if name in figures else None for name in names]
    if service is not None:
        images = [service.served_image(view, name, image) for name, image in zip(names, images)]
    headers, rows = views.metrics_table(assessment)
    quality = "\n".join(f"- {line}" for line in views.tracking_quality_lines(assessment.tracking_quality))
    return (
        views.summary_markdown(assessment),
        views.feedback_markdown(assessment),
        str(view.replay_path) if view.replay_path else None,
        *images,
        gr.update(value=rows, headers=headers),
        f"**Tracking quality** (session {view.session_id}, {view.source_name}):\n\n{quality or '–'}",
    )


def build_app(service: Optional[AppService] = None, live: Optional[LiveSessions] = None) -> gr.Blocks:
    """The whole page; `service` and `live` are injectable for tests."""
    service = service or AppService()
    live = live or LiveSessions()
    procedures = procedure_choices()
    default_procedure = "suturing" if "suturing" in procedures else procedures[0]

    with gr.Blocks(title="SkillSight", analytics_enabled=False, delete_cache=(600, 1800)) as demo:
        gr.Markdown(INTRO)
        selection = gr.State({"model": "", "reference": ""})
        with gr.Tabs(selected="practice") as tabs:
            # ---------------------------------------------------------------- Practice
            with gr.Tab("Practice", id="practice"):
                with gr.Row():
                    procedure = gr.Dropdown(
                        procedures, value=default_procedure, label="Procedure", elem_id="procedure"
                    )
                    dominant = gr.Radio(
                        ["right", "left"], value="right", label="Dominant hand", elem_id="dominant"
                    )
                    keep_video = gr.Checkbox(
                        value=False,
                        label="Keep video",
                        info="Off: only the motion (hand positions) is stored, never the video.",
                        elem_id="keep-video",
                    )
                with gr.Accordion("Live set-up check: see tracking before you record", open=False):
                    gr.Markdown(
                        "Start the webcam and check the badge: all hands found, in frame, light OK. "
                        "Nothing from the preview is stored."
                    )
                    with gr.Row():
                        live_in = gr.Image(
                            sources=["webcam"],
                            streaming=True,
                            type="numpy",
                            label="Webcam",
                            elem_id="live-in",
                            height=LIVE_IMAGE_HEIGHT,
                        )
                        live_out = gr.Image(
                            label="Tracking", elem_id="live-out", format="jpeg", height=LIVE_IMAGE_HEIGHT
                        )
                    live_quality = gr.Textbox(
                        label="Tracking quality", interactive=False, elem_id="live-quality"
                    )
                video = gr.Video(
                    sources=["upload", "webcam"],
                    label="Practice video (record with the webcam or upload)",
                    elem_id="practice-video",
                    height=PLOT_HEIGHT,
                )
                assess_button = gr.Button("Assess my practice", variant="primary", elem_id="assess-button")
                status = gr.Markdown("", elem_id="assess-status")

            # ---------------------------------------------------------------- Results
            with gr.Tab("Results", id="results"):
                with gr.Row(equal_height=False):
                    summary = gr.Markdown(
                        "Assess a practice to see results here.",
                        elem_id="result-summary",
                        elem_classes="card",
                    )
                    feedback = gr.Markdown("", elem_id="result-feedback", elem_classes="card")
                with gr.Row():
                    replay = gr.Video(
                        label="Annotated replay (drawn after the results)",
                        elem_id="replay",
                        interactive=False,
                        height=PLOT_HEIGHT,
                    )
                    paths_img = gr.Image(
                        label="Hand paths (colour = speed)",
                        elem_id="plot-paths",
                        interactive=False,
                        height=PLOT_HEIGHT,
                    )
                speed_img = gr.Image(
                    label="Speed over time (shaded: pauses)", elem_id="plot-speed", interactive=False
                )
                with gr.Row():
                    pct_img = gr.Image(
                        label="Metrics vs experts", elem_id="plot-percentiles", interactive=False
                    )
                    timeline_img = gr.Image(
                        label="Cycles / phases", elem_id="plot-timeline", interactive=False
                    )
                metrics_df = gr.Dataframe(
                    label="All metrics", interactive=False, elem_id="metrics-table", wrap=True
                )
                quality_md = gr.Markdown("", elem_id="tracking-quality")
                with gr.Accordion("Assessment JSON (what the API returns)", open=False):
                    result_json = gr.JSON(label="Assessment", elem_id="assessment-json")
            results_components = [
                summary,
                feedback,
                replay,
                paths_img,
                speed_img,
                pct_img,
                timeline_img,
                metrics_df,
                quality_md,
            ]

            # ---------------------------------------------------------------- History
            with gr.Tab("History", id="history"):
                with gr.Row():
                    history_procedure = gr.Dropdown(procedures, value=default_procedure, label="Procedure")
                    history_metrics = gr.Dropdown(
                        [], value=[], multiselect=True, label="Learning curves for metrics", scale=2
                    )
                    refresh = gr.Button("Refresh", elem_id="history-refresh")
                history_df = gr.Dataframe(label="Your sessions", interactive=False, elem_id="history-table")
                curve_img = gr.Image(
                    label="Learning curve", interactive=False, elem_id="learning-curve", height=560
                )
                with gr.Row():
                    delete_id = gr.Number(value=None, label="Session", precision=0, elem_id="delete-id")
                    open_button = gr.Button("Show in Results", elem_id="open-button")
                    delete_button = gr.Button("Delete session", variant="stop", elem_id="delete-button")
                delete_status = gr.Markdown("", elem_id="delete-status")

            # ---------------------------------------------------------------- Report
            with gr.Tab("Report", id="report"):
                gr.Markdown("Download a self-contained report of a session to share with an educator.")
                with gr.Row():
                    report_id = gr.Number(label="Session", precision=0, elem_id="report-id")
                    report_button = gr.Button("Create report", elem_id="report-button")
                with gr.Row():
                    report_html = gr.File(label="HTML report", elem_id="report-html")
                    report_pdf = gr.File(label="PDF report", elem_id="report-pdf")
                report_status = gr.Markdown("")

            # ---------------------------------------------------------------- Educator
            with gr.Tab("Educator", id="educator"):
                gr.Markdown("### Which model and reference score sessions (for this browser session)")
                with gr.Row():
                    model_dd = gr.Dropdown([], label="Scorer model (empty: shipped default)", elem_id="model")
                    reference_dd = gr.Dropdown([], label="Expert reference (empty: shipped default)")
                with gr.Row():
                    model_card = gr.Markdown("", elem_id="model-card")
                    reference_card = gr.Markdown("", elem_id="reference-card")
                gr.Markdown("### Build an expert reference from your own experts' videos")
                with gr.Row():
                    expert_files = gr.File(
                        file_count="multiple", file_types=["video"], label="Expert videos", type="filepath"
                    )
                    with gr.Column():
                        reference_name = gr.Textbox(value="lab-experts", label="Reference name")
                        reference_version = gr.Textbox(value="1", label="Version")
                        build_button = gr.Button("Build reference")
                build_status = gr.Markdown("")

        # ==================================================================== events
        def assess(
            video_path: Optional[str],
            procedure_name: str,
            dominant_hand: str,
            keep: bool,
            chosen: dict[str, str],
            request: gr.Request,
            progress: gr.Progress = gr.Progress(),
        ) -> dict[str, Any]:
            trainee = _trainee(request)
            progress(0.0, desc="Tracking")

            def report(done: int, total: Optional[int]) -> None:
                progress((done, total), desc="Tracking", unit="frames")

            try:
                view = service.assess_video(
                    video_path,
                    procedure_name,
                    dominant_hand or "right",
                    bool(keep),
                    trainee,
                    model=(chosen or {}).get("model") or None,
                    reference=(chosen or {}).get("reference") or None,
                    progress=report,
                )
            except Exception as exc:  # the page shows why; the log keeps the traceback
                LOG.exception("assessment failed")
                raise gr.Error(str(exc) or exc.__class__.__name__) from exc
            return views.assessment_payload(
                view.assessment, session_id=view.session_id, source_name=view.source_name, trainee=trainee
            )

        def show_results(payload: Optional[dict[str, Any]], request: gr.Request) -> tuple[Any, ...]:
            view = None
            if payload and payload.get("session_id") is not None:
                view = service.session_view(int(payload["session_id"]), _trainee(request))
            session_id = view.session_id if view else None
            done = f"Session {session_id}: see the Results tab." if view else "No such session of yours."
            return (*results_outputs(view, service), gr.Tabs(selected="results"), session_id, done)

        def make_replay(payload: Optional[dict[str, Any]], request: gr.Request) -> Optional[str]:
            if not payload or payload.get("session_id") is None:
                return None
            try:
                path = service.write_replay(int(payload["session_id"]), _trainee(request))
            except Exception:  # the results stand without the replay
                LOG.exception("replay failed")
                return None
            return str(path) if path else None

        assess_button.click(
            lambda: "Working… tracking the video, then scoring.",
            None,
            status,
            queue=False,
            api_visibility="private",
        ).then(
            assess,
            [video, procedure, dominant, keep_video, selection],
            result_json,
            api_name="assess",
            concurrency_limit=1,
        ).success(
            show_results,
            [result_json],
            [*results_components, tabs, report_id, status],
            api_visibility="private",
        ).then(
            make_replay,
            [result_json],
            [replay],
            api_visibility="private",
        )

        def live_frame(image: Any, procedure_name: str, request: gr.Request) -> tuple[Any, str]:
            key = getattr(request, "session_hash", None) or "default"
            return live.handle(key, image, hands_expected(procedure_name))

        live_in.stream(
            live_frame,
            [live_in, procedure],
            [live_out, live_quality],
            stream_every=LIVE_STREAM_EVERY_S,
            time_limit=600,
            concurrency_limit=4,
            api_visibility="private",
        )

        def show_history(
            procedure_name: str, chosen_metrics: list[str], request: gr.Request
        ) -> tuple[Any, ...]:
            trainee = _trainee(request)
            headers, rows = views.history_table(service.list_sessions(trainee, procedure_name))
            history = service.metric_history(trainee, procedure_name)
            names = views.history_metric_names(history)
            chosen = [m for m in (chosen_metrics or []) if m in names] or names[:2]
            curve = plots.figure_to_array(plots.learning_curve_figure(history, chosen))
            return (
                gr.update(value=rows, headers=headers),
                curve,
                gr.update(choices=[(views.humanise_metric(n), n) for n in names], value=chosen),
            )

        history_inputs = [history_procedure, history_metrics]
        history_outputs = [history_df, curve_img, history_metrics]
        refresh.click(show_history, history_inputs, history_outputs, api_visibility="private")
        history_procedure.change(show_history, history_inputs, history_outputs, api_visibility="private")
        tabs.select(show_history, history_inputs, history_outputs, api_visibility="private")

        def delete(session_id: Optional[float], request: gr.Request) -> str:
            if session_id is None:
                return "Enter the number of a session from the table."
            if service.delete_session(int(session_id), _trainee(request)):
                return f"Session {int(session_id)} deleted, with its stored motion (and video, if kept)."
            return f"No session {int(session_id)} of yours to delete."

        delete_button.click(delete, [delete_id], [delete_status], api_visibility="private").then(
            show_history, history_inputs, history_outputs, api_visibility="private"
        )

        def open_session(session_id: Optional[float], request: gr.Request) -> tuple[Any, ...]:
            payload = {"session_id": int(session_id)} if session_id is not None else None
            return show_results(payload, request)

        def replay_for_session(session_id: Optional[float], request: gr.Request) -> Optional[str]:
            return make_replay({"session_id": int(session_id)} if session_id is not None else None, request)

        open_button.click(
            open_session,
            [delete_id],
            [*results_components, tabs, report_id, delete_status],
            api_visibility="private",
        ).then(
            replay_for_session,
            [delete_id],
            [replay],
            api_visibility="private",
        )

        def make_report(session_id: Optional[float], request: gr.Request) -> tuple[Any, Any, str]:
            if session_id is None:
                return None, None, "Enter a session number (the latest assessment fills it in)."
            try:
                paths = service.write_reports(int(session_id), _trainee(request))
            except Exception as exc:
                LOG.exception("report failed")
                return None, None, f"Could not write the report: {exc}"
            return str(paths["html"]), str(paths["pdf"]), f"Report of session {int(session_id)} ready."

        report_button.click(
            make_report, [report_id], [report_html, report_pdf, report_status], api_visibility="private"
        )

        def refresh_models(procedure_name: str, chosen: dict[str, str]) -> tuple[Any, ...]:
            models = service.available_models(procedure_name)
            references = service.available_references(procedure_name)
            model_value = chosen.get("model") if chosen.get("model") in [p for _, p in models] else None
            ref_value = (
                chosen.get("reference") if chosen.get("reference") in [p for _, p in references] else None
            )
            return (
                gr.update(choices=[("shipped default", "")] + models, value=model_value or ""),
                gr.update(choices=[("shipped default", "")] + references, value=ref_value or ""),
            )

        def choose(
            model_path: Optional[str], reference_path: Optional[str], procedure_name: str
        ) -> tuple[Any, ...]:
            chosen = {"model": model_path or "", "reference": reference_path or ""}
            return (
                chosen,
                card_markdown(service, model_path, procedure_name, "scorer"),
                card_markdown(service, reference_path, procedure_name, "reference"),
            )

        procedure.change(
            refresh_models, [procedure, selection], [model_dd, reference_dd], api_visibility="private"
        )
        demo.load(refresh_models, [procedure, selection], [model_dd, reference_dd], api_visibility="private")
        for dropdown in (model_dd, reference_dd):
            dropdown.change(
                choose,
                [model_dd, reference_dd, procedure],
                [selection, model_card, reference_card],
                api_visibility="private",
            )

        def build(
            files: Optional[list[str]],
            procedure_name: str,
            name: str,
            version: str,
            progress: gr.Progress = gr.Progress(),
        ) -> str:
            def report(done: int, total: int) -> None:
                progress((done, total), desc="Tracking expert videos", unit="videos")

            try:
                path = service.build_reference(
                    files or [], procedure_name, name, version or "1", progress=report
                )
            except Exception as exc:
                LOG.exception("reference build failed")
                return f"Could not build the reference: {exc}"
            return f"Reference saved: `{path}`. Pick it above to score with it."

        build_button.click(
            build,
            [expert_files, procedure, reference_name, reference_version],
            build_status,
            api_visibility="private",
        ).then(refresh_models, [procedure, selection], [model_dd, reference_dd], api_visibility="private")

    return demo


def card_markdown(service: AppService, path: Optional[str], procedure: str, kind: str) -> str:
    """The model card of the chosen file, or of the shipped default for the procedure."""
    if not path:
        path = default_path(procedure, kind)
        if not path:
            return f"No shipped default {kind} for {procedure} found."
    card_path = path[:-5] + ".json" if path.endswith(".onnx") else path
    card = read_card(Path(card_path))
    return views.model_card_markdown(card) if card else f"No readable card at {card_path}."


def default_path(procedure: str, kind: str) -> Optional[str]:
    try:
        import skillsight.models as models

        finder = models.default_model_path if kind == "scorer" else models.default_reference_path  # type: ignore[attr-defined]
        found = finder(procedure)
    except Exception:
        return None
    return str(found) if found else None
