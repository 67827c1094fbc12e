"""The History tab's re-score offer: how many of the trainee's sessions are stale, a button that re-scores
them (`AppService.rescore_stale`) with progress on the tab, a plain summary, then the curve redrawn."""

from __future__ import annotations

import logging
from typing import Any, Optional

import gradio as gr

from skillsight.webapp.page import Page
from skillsight.webapp.rescoring import rescore_offer, without_motion
from skillsight.webapp.service import AppService, trainee_from_username

LOG = logging.getLogger(__name__)


def _trainee(request: Optional[gr.Request]) -> str:
    return trainee_from_username(getattr(request, "username", None) if request is not None else None)


def rescore_controls(service: AppService, trainee: str, procedure: Optional[str]) -> tuple[Any, Any]:
    """The offer's note and button for this trainee and procedure: no note when nothing is stale, no button
    when nothing stale could be re-read (`button_shown` tells from the second)."""
    stale = service.stale_sessions(trainee, procedure or None)
    gone = without_motion(service.list_sessions(trainee, procedure or None), stale) if stale else 0
    note, label = rescore_offer(len(stale), gone)
    return note, gr.update(value=label or "Re-score", visible=bool(label), interactive=True)


def button_shown(button: Any) -> bool:
    """Whether `rescore_controls`' button update shows the button."""
    return bool(button.get("visible")) if isinstance(button, dict) else False


def _rescore_handler(service: AppService) -> Any:
    def rescore(
        procedure_name: Optional[str], request: gr.Request, progress: gr.Progress = gr.Progress()
    ) -> str:
        progress(0.0, desc="Re-scoring your sessions from their stored motion")

        def report(done: int, total: int) -> None:
            progress((done, total), desc="Re-scoring your sessions from their stored motion", unit="sessions")

        try:
            summary = service.rescore_stale(_trainee(request), procedure_name or None, report)
        except Exception as exc:  # the tab says why; the log keeps the traceback
            LOG.exception("re-score failed")
            return f"**Could not re-score:** {exc}"
        LOG.info("re-scored %d session(s) in %.1f s", summary.total, summary.seconds)
        return summary.markdown()

    return rescore


def wire_rescore(
    page: Page, service: AppService, show_history: Any, inputs: list[Any], outputs: list[Any]
) -> None:
    """The button locks while it works, says how it ended, then the History tab is read again."""
    page.rescore_button.click(
        lambda: gr.update(interactive=False, value="Re-scoring…"),
        None,
        [page.rescore_button],
        queue=False,
        api_visibility="private",
    ).then(
        _rescore_handler(service),
        [page.history_procedure],
        [page.rescore_status],
        concurrency_limit=1,
        show_progress_on=[page.rescore_status],
        api_visibility="private",
    ).then(show_history, inputs, outputs, api_visibility="private")
