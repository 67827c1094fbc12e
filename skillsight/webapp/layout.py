"""The Gradio Blocks page: Practice, Results, History, Report and Educator tabs.

Only components live here; the event wiring is in `events`, what happens in `AppService`, what is
shown in `views`/`plots`. Set GRADIO_ANALYTICS_ENABLED=False before importing this module (app.py does).
"""

from __future__ import annotations

import logging
import os
from typing import Any, Optional

from skillsight.scoring.procedure import available_procedures
from skillsight.scoring.results import Assessment
from skillsight.webapp.events import wire_events

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402

from skillsight.webapp import listings, plots, views  # noqa: E402
from skillsight.webapp.live import LiveSessions  # noqa: E402
from skillsight.webapp.page import RESULTS_EMPTY, Page  # noqa: E402
from skillsight.webapp.practice_events import UPLOAD_PREVIEW_ERRORS_JS  # noqa: E402
from skillsight.webapp.service import MAX_UPLOAD_MB, AppService  # noqa: E402
from skillsight.webapp.sharing import build_sharing_section  # noqa: E402

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
.demo-badge {display: inline-block; background: #b45309; color: #fff; border-radius: 4px;
  padding: 0.05rem 0.5rem; font-size: 0.8rem; font-weight: 600}
.greyed {color: #6b7280; font-size: 0.9rem}
#assess-status, #build-status {min-height: 3.2rem}
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
        "js": UPLOAD_PREVIEW_ERRORS_JS,
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
        return list(available_procedures()) or list(FALLBACK_PROCEDURES)
    except Exception:  # procedures folder unreadable: still show the page
        return list(FALLBACK_PROCEDURES)


def scorable_procedures(service: AppService, procedures: list[str]) -> list[str]:
    """Procedures with a scorer model (shipped or the lab's own) and an expert reference."""
    return [p for p in procedures if service.available_models(p) and service.available_references(p)]


def titled(procedures: list[str]) -> list[tuple[str, str]]:
    return [(views.procedure_title(p), p) for p in procedures]


def _practice_tab(
    c: dict[str, Any], scorable: list[str], unscorable: list[str], default: Optional[str]
) -> None:
    with gr.Row():
        c["procedure"] = gr.Dropdown(
            titled(scorable),
            value=default if default in scorable else None,
            label="Procedure",
            elem_id="procedure",
        )
        c["dominant"] = gr.Radio(["right", "left"], value="right", label="Dominant hand", elem_id="dominant")
        c["keep_video"] = gr.Checkbox(
            value=False,
            label="Keep video",
            info="Off: only the motion (hand positions) is stored, never the video.",
            elem_id="keep-video",
        )
    c["procedure_note"] = gr.Markdown(listings.unscorable_note(unscorable), elem_id="procedure-note")
    c["active_models"] = gr.Markdown("", elem_id="active-models")
    with gr.Accordion("Live set-up check: see tracking before you record", open=False):
        gr.Markdown(
            "Start the webcam and check the badge: all hands found, in frame, light OK. "
            "Nothing from the preview is stored."
        )
        with gr.Row():
            c["live_in"] = gr.Image(
                sources=["webcam"],
                streaming=True,
                type="numpy",
                label="Webcam",
                elem_id="live-in",
                height=LIVE_IMAGE_HEIGHT,
            )
            c["live_out"] = gr.Image(
                label="Tracking", elem_id="live-out", format="jpeg", height=LIVE_IMAGE_HEIGHT
            )
        c["live_quality"] = gr.Textbox(label="Tracking quality", interactive=False, elem_id="live-quality")
    c["video"] = gr.Video(
        sources=["upload", "webcam"],
        label="Practice video (record with the webcam or upload)",
        elem_id="practice-video",
        height=PLOT_HEIGHT,
    )
    c["assess_button"] = gr.Button(
        "Assess my practice", variant="primary", elem_id="assess-button", interactive=bool(scorable)
    )
    c["status"] = gr.Markdown("", elem_id="assess-status")


def _results_tab(c: dict[str, Any]) -> None:
    with gr.Row(equal_height=False):
        c["summary"] = gr.Markdown(RESULTS_EMPTY, elem_id="result-summary")
        c["feedback"] = gr.Markdown("", elem_id="result-feedback")
    with gr.Accordion(
        "About this result: model, expert reference and caveat", open=False, elem_id="result-about"
    ):
        c["details"] = gr.Markdown("", elem_id="result-details")
    c["experts_img"] = gr.Image(
        show_label=False, elem_id="plot-experts", interactive=False, visible=False, buttons=[]
    )
    c["speed_img"] = gr.LinePlot(
        x="time (s)",
        y="speed",
        color="hand",
        color_map={
            "left hand": plots.HAND_COLOURS["left_hand"],
            "right hand": plots.HAND_COLOURS["right_hand"],
        },
        tooltip=["time (s)", "speed", "hand", "pause"],
        title="Speed over time (hover for values)",
        label="Speed over time",
        show_label=False,
        elem_id="plot-speed",
        visible=False,
        height=300,
    )
    with gr.Row():
        c["replay"] = gr.Video(
            label="Annotated replay",
            elem_id="replay",
            interactive=False,
            height=PLOT_HEIGHT,
            visible=False,
        )
        c["paths_img"] = gr.Image(
            show_label=False,
            elem_id="plot-paths",
            interactive=False,
            height=PLOT_HEIGHT,
            visible=False,
            buttons=[],
        )
    c["timeline_img"] = gr.Image(
        show_label=False, elem_id="plot-timeline", interactive=False, visible=False, buttons=[]
    )
    c["metrics_df"] = gr.Dataframe(
        headers=views.metrics_table(_EMPTY_ASSESSMENT)[0],
        label="All metrics",
        interactive=False,
        elem_id="metrics-table",
        wrap=True,
        column_widths=["28%", "15%", "19%", "14%", "14%", "10%"],
        visible=False,
    )
    c["quality_md"] = gr.Markdown("", elem_id="tracking-quality")
    with gr.Accordion("Assessment JSON (what the API returns)", open=False):
        c["result_json"] = gr.JSON(label="Assessment", elem_id="assessment-json")


def _history_tab(c: dict[str, Any], procedures: list[str], default: Optional[str]) -> None:
    with gr.Row():
        c["history_procedure"] = gr.Dropdown(
            titled(procedures), value=default, label="Procedure", elem_id="history-procedure"
        )
        c["history_metrics"] = gr.Dropdown(
            [], value=[], multiselect=True, label="Learning curves for metrics", scale=2
        )
        c["refresh"] = gr.Button("Refresh", elem_id="history-refresh")
    c["history_empty"] = gr.Markdown("", elem_id="history-empty")
    with gr.Row():  # shown only while some sessions are read by older metric definitions
        c["rescore_note"] = gr.Markdown("", elem_id="rescore-note")
        c["rescore_button"] = gr.Button("Re-score", elem_id="rescore-button", visible=False, scale=0)
    c["rescore_status"] = gr.Markdown("", elem_id="rescore-status")
    c["history_df"] = gr.Dataframe(
        headers=listings.history_table([])[0],
        label="Your sessions: click a row to pick it",
        interactive=False,
        elem_id="history-table",
    )
    c["selected_md"] = gr.Markdown("No session picked.", elem_id="history-selected")
    with gr.Row():
        c["open_button"] = gr.Button("Show in Results", elem_id="open-button", interactive=False)
        c["delete_button"] = gr.Button(
            "Delete session", variant="stop", elem_id="delete-button", interactive=False
        )
    c["delete_status"] = gr.Markdown("", elem_id="delete-status")
    c["curve_img"] = gr.Image(
        show_label=False, interactive=False, elem_id="learning-curve", height=560, buttons=[]
    )


def _report_tab(c: dict[str, Any]) -> None:
    gr.Markdown("Download a session's report (HTML and A4 PDF) to share with an educator.")
    with gr.Row():
        c["report_session"] = gr.Dropdown([], label="Session", elem_id="report-session", scale=3)
        c["report_button"] = gr.Button("Create report", elem_id="report-button")
    with gr.Row():
        c["report_html"] = gr.File(label="HTML report", elem_id="report-html")
        c["report_pdf"] = gr.File(label="PDF report", elem_id="report-pdf")
    c["report_status"] = gr.Markdown("", elem_id="report-status")


def _educator_tab(c: dict[str, Any], procedures: list[str], default: Optional[str]) -> None:
    c["educator_procedure"] = gr.Dropdown(
        titled(procedures), value=default, label="Procedure", elem_id="educator-procedure"
    )
    gr.Markdown("### Which model and reference score this procedure (saved for your user)")
    with gr.Row():
        c["model_dd"] = gr.Dropdown([], label="Scorer model", elem_id="model")
        c["reference_dd"] = gr.Dropdown([], label="Expert reference", elem_id="reference")
    c["choice_status"] = gr.Markdown("", elem_id="choice-status")
    with gr.Row():
        c["model_card"] = gr.Markdown("", elem_id="model-card")
        c["reference_card"] = gr.Markdown("", elem_id="reference-card")
    gr.Markdown("### Build an expert reference from your own experts' videos (one video per expert)")
    with gr.Row():
        c["expert_files"] = gr.File(
            file_count="multiple",
            file_types=["video"],
            label="Expert videos",
            type="filepath",
            elem_id="educator-files",
        )
        with gr.Column():
            c["reference_name"] = gr.Textbox(value="lab-experts", label="Reference name")
            c["reference_version"] = gr.Textbox(value="1", label="Version")
            c["build_button"] = gr.Button("Build reference", elem_id="build-button")
    c["expert_warning"] = gr.Markdown(listings.expert_count_warning(0), elem_id="expert-warning")
    c["build_status"] = gr.Markdown("", elem_id="build-status")
    build_sharing_section(c)  # packages from other labs, ratings, consent, site (webapp/sharing.py)


def build_app(service: Optional[AppService] = None, live: Optional[LiveSessions] = None) -> gr.Blocks:
    """The whole page; `service` and `live` are injectable for tests."""

    service = service or AppService()
    live = live or LiveSessions()
    procedures = procedure_choices()
    scorable = scorable_procedures(service, procedures)
    unscorable = [p for p in procedures if p not in scorable]
    default = "suturing" if "suturing" in scorable else (scorable[0] if scorable else procedures[0])
    components: dict[str, Any] = {}
    with gr.Blocks(title="SkillSight", analytics_enabled=False, delete_cache=(600, 1800)) as demo:
        gr.Markdown(INTRO)
        with gr.Tabs(selected="practice") as tabs:
            components["tabs"] = tabs
            with gr.Tab("Practice", id="practice"):
                _practice_tab(components, scorable, unscorable, default)
            with gr.Tab("Results", id="results"):
                _results_tab(components)
            with gr.Tab("History", id="history"):
                _history_tab(components, procedures, default)
            with gr.Tab("Report", id="report"):
                _report_tab(components)
            with gr.Tab("Educator", id="educator"):
                _educator_tab(components, procedures, default)
        components["selected_session"] = gr.State(None)
        wire_events(demo, Page(components), service, live)
    return demo


def _empty_assessment() -> Any:
    return Assessment(status="refused", procedure="")


_EMPTY_ASSESSMENT = _empty_assessment()
