"""What the events fill the page with: the Page of components by name, the Results tab's values and
the model cards. Shared by the layout (which builds the components) and the events (which update them).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import skillsight.models as models
from skillsight.pose.motion import Motion
from skillsight.scoring.procedure import load_procedure
from skillsight.webapp import listings, plots, views
from skillsight.webapp.service import AppService, SessionView, read_card

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402

RESULTS_EMPTY = (
    "### No results yet\nOn the **Practice** tab, upload or record a practice video and press "
    "**Assess my practice**; or pick an earlier session on the **History** tab."
)


@dataclass
class Page:
    """Every component the events touch, by name."""

    components: dict[str, Any]

    def __getattr__(self, name: str) -> Any:
        try:
            return self.components[name]
        except KeyError as exc:
            raise AttributeError(name) from exc


@functools.lru_cache(maxsize=32)
def hands_expected(procedure: str) -> int:
    """How many hands the live preview asks for: the procedure's required hands (at least one)."""
    try:
        return max(1, len(load_procedure(procedure).required_roles))
    except Exception:
        return 2


# A recording refused before tracking (too short, unreadable) has no tracking quality; a lone dash read as
# a broken page.
NOT_TRACKED = "- not measured: the recording was not tracked (why is said above)"


def results_outputs(view: Optional[SessionView], service: Optional[AppService] = None) -> tuple[Any, ...]:
    """Values for the Results tab: summary, feedback, details, experts chart, speed, replay, paths,
    timeline, metrics table, tracking quality (hidden pictures and table while there is no session).

    With `service`, the pictures are files the service remembers for the session (deleting it removes
    them and Gradio's copies); without, arrays."""
    if view is None:
        hidden = gr.update(value=None, visible=False)
        return (RESULTS_EMPTY, "", "", hidden, hidden, hidden, hidden, hidden, hidden, "")
    assessment = view.assessment
    lead = views.lead_metric_names(assessment)
    # A recording refused before tracking (too short) has a motion of no frames: no chart, replay or
    # paths of it (they showed an empty chart, a replay that never came and "no hands tracked").
    motion = view.motion if view.motion is not None and view.motion.n_frames > 0 else None
    # The motion in the metrics' units, prepared once for the paths picture and the speed chart.
    scaled = plots.metric_motion(motion) if motion is not None else None
    figures = plots.result_figures(
        assessment, motion, view.first_frame, lead, scaled=scaled, speed_picture=False
    )
    compared = any(m.percentile is not None for m in assessment.metrics)

    def image(name: str, show: bool = True) -> Any:
        if name not in figures or not show:
            return gr.update(value=None, visible=False)
        picture: Any = plots.figure_to_array(figures[name])
        if service is not None:
            picture = service.served_image(view, name, picture)
        return gr.update(value=picture, visible=True)

    headers, rows = views.metrics_table(assessment)
    quality = "\n".join(f"- {line}" for line in views.tracking_quality_lines(assessment.tracking_quality))
    return (
        views.summary_markdown(assessment),
        views.feedback_markdown(assessment),
        views.details_markdown(assessment),
        image("experts", compared),
        speed_chart(motion, scaled),
        gr.update(value=str(view.replay_path) if view.replay_path else None, visible=motion is not None),
        image("hand_paths", motion is not None),
        image("timeline", bool(assessment.phases)),
        gr.update(value=rows, headers=headers, visible=bool(rows)),
        f"**Tracking quality** (session {view.session_id}, {view.source_name}):\n\n{quality or NOT_TRACKED}",
    )


def speed_chart(motion: Optional[Motion], scaled: Optional[Motion] = None) -> Any:
    """The interactive speed-over-time chart (hover for time, speed, hand, pause), on a robust axis."""
    if motion is None:
        return gr.update(value=None, visible=False)
    import pandas as pd

    series = plots.speed_series(motion, scaled)
    return gr.update(
        value=pd.DataFrame(series["columns"]),
        y_lim=[0, series["top"]],
        y_title=f"speed ({series['unit']})",
        visible=True,
    )


def card_markdown_for(path: Optional[str], procedure: str, kind: str) -> str:
    """The model card of the chosen file, or of the shipped default for the procedure."""
    if not path:
        path = default_path(procedure, kind)
        if not path:
            return f"No shipped default {kind} for {views.procedure_title(procedure)}."
    card_path = path[:-5] + ".json" if path.endswith(".onnx") else path
    card = read_card(Path(card_path))
    return listings.model_card_markdown(card) if card else f"No readable card at {Path(card_path).name}."


def default_path(procedure: str, kind: str) -> Optional[str]:
    try:
        finder = models.default_model_path if kind == "scorer" else models.default_reference_path
        found = finder(procedure)
    except Exception:
        return None
    return str(found) if found else None
