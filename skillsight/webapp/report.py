"""A session's report for an educator: one self-contained HTML file (pictures inlined as base64, no
external fonts, scripts or styles) and a PDF drawn with matplotlib's PdfPages. Nothing is fetched.
"""

from __future__ import annotations

import base64
import os
import tempfile
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Optional

from skillsight.scoring.results import Assessment
from skillsight.webapp.plots import figure_to_png
from skillsight.webapp.views import (
    NOT_SCORED_TITLE,
    escape,
    feedback_markdown,
    level_text,
    metrics_table,
    phases_table,
    score_text,
    source_facts,
    tracking_quality_lines,
)

FIGURE_CAPTIONS = {
    "hand_paths": "Hand paths over the first frame, coloured by speed",
    "speed": "Speed over time; shaded stretches are pauses",
    "percentiles": "Each metric's percentile among the experts (band: experts' 10th–90th percentile)",
    "timeline": "Stitch cycles or procedure phases on the timeline",
}

REPORT_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:60rem;margin:2rem auto;
padding:0 1rem;color:#1d2330;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem} h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%;font-size:.9rem} th,td{border:1px solid #ddd;padding:.3rem .5rem;
text-align:left} th{background:#f3f5f8} .refused{background:#fff4e5;border-left:4px solid #f59e0b;
padding:.6rem 1rem} .headline{font-size:1.15rem} figure{margin:1rem 0} img{max-width:100%}
figcaption{font-size:.85rem;color:#555} .facts li{margin:.1rem 0} .meta{color:#555;font-size:.9rem}
"""


def _table_html(headers: list[str], rows: list[list[Any]]) -> str:
    if not rows:
        return "<p>None.</p>"
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _feedback_html(assessment: Assessment) -> str:
    items = sorted(assessment.feedback, key=lambda f: f.rank)[:5]
    if not items:
        return "<p>No feedback items: every metric is within the expert range.</p>"
    parts = []
    for item in items:
        evidence = f"<br><small>{escape(item.evidence)}</small>" if item.evidence else ""
        parts.append(f"<li><strong>{escape(item.message)}</strong><br>Tip: {escape(item.tip)}{evidence}</li>")
    return "<ol>" + "".join(parts) + "</ol>"


def render_html_report(
    assessment: Assessment,
    images: Mapping[str, bytes],
    *,
    trainee: str = "",
    source_name: str = "",
    created_at: str = "",
) -> str:
    """The whole report as one HTML string; `images` maps figure names to PNG bytes."""
    meta = " · ".join(
        escape(part)
        for part in (f"Trainee: {trainee}" if trainee else "", source_name, created_at, assessment.procedure)
        if part
    )
    if assessment.scored:
        headline = (
            f"<p class='headline'><strong>Skill level:</strong> {escape(level_text(assessment))}<br>"
            f"<strong>Score:</strong> {escape(score_text(assessment))}</p>"
        )
    else:
        reasons = "".join(f"<li>{escape(r)}</li>" for r in assessment.refusal_reasons)
        advice = "".join(f"<li>{escape(a)}</li>" for a in assessment.advice)
        headline = (
            f"<div class='refused'><h2>{escape(NOT_SCORED_TITLE)}</h2><ul>{reasons}</ul>"
            f"<p><strong>What to change:</strong></p><ul>{advice}</ul></div>"
        )
    facts = "".join(
        f"<li><strong>{escape(k)}:</strong> {escape(v)}</li>" for k, v in source_facts(assessment).items()
    )
    quality = "".join(
        f"<li>{escape(line)}</li>" for line in tracking_quality_lines(assessment.tracking_quality)
    )
    figures = "".join(
        f"<figure><img alt='{escape(FIGURE_CAPTIONS.get(name, name))}' "
        f"src='data:image/png;base64,{base64.b64encode(png).decode('ascii')}'>"
        f"<figcaption>{escape(FIGURE_CAPTIONS.get(name, name))}</figcaption></figure>"
        for name, png in images.items()
    )
    sections = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>SkillSight report – {escape(assessment.procedure)}</title>",
        f"<style>{REPORT_STYLE}</style></head><body>",
        f"<h1>SkillSight practice report</h1><p class='meta'>{meta}</p>",
        headline,
        "<h2>Feedback</h2>" + (_feedback_html(assessment) if assessment.scored else "<p>Not scored.</p>"),
        "<h2>Pictures</h2>" + (figures or "<p>No pictures.</p>"),
        "<h2>Metrics against the experts</h2>" + _table_html(*metrics_table(assessment)),
        "<h2>Cycles and phases</h2>" + _table_html(*phases_table(assessment)),
        f"<h2>Where these numbers come from</h2><ul class='facts'>{facts or '<li>–</li>'}</ul>",
        f"<h2>Tracking quality</h2><ul>{quality or '<li>–</li>'}</ul>",
        "<p class='meta'>Generated offline by SkillSight. Scores are estimates with the uncertainty shown; "
        "discuss them with an educator.</p></body></html>",
    ]
    return "\n".join(sections)


def write_atomic(path: Path, data: bytes) -> Path:
    """Write bytes to `path` through a temp file in the same folder and os.replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_html_report(path: Path, html_text: str) -> Path:
    return write_atomic(Path(path), html_text.encode("utf-8"))


def _text_page(title: str, body: str) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8.27, 11.69))  # A4 portrait
    FigureCanvasAgg(fig)
    fig.text(0.07, 0.95, title, fontsize=16, weight="bold", va="top")
    wrapped = "\n".join(textwrap.fill(line, 95) if line else "" for line in body.splitlines())
    fig.text(0.07, 0.91, wrapped, fontsize=9, va="top", family="DejaVu Sans")
    return fig


def _summary_text(assessment: Assessment, trainee: str, source_name: str, created_at: str) -> str:
    lines = [f"Procedure: {assessment.procedure}"]
    lines += [f"Trainee: {trainee}"] if trainee else []
    lines += [f"Source: {source_name}"] if source_name else []
    lines += [f"Date: {created_at}"] if created_at else []
    lines.append("")
    if assessment.scored:
        lines += [f"Skill level: {level_text(assessment)}", f"Score: {score_text(assessment)}", ""]
        lines.append(feedback_markdown(assessment).replace("**", "").replace("### ", "").replace("*", ""))
    else:
        lines += [NOT_SCORED_TITLE, ""]
        lines += [f"- {r}" for r in assessment.refusal_reasons]
        lines += ["", "What to change:"] + [f"- {a}" for a in assessment.advice]
    lines += ["", "Where these numbers come from:"]
    lines += [f"- {k}: {v}" for k, v in source_facts(assessment).items()]
    lines += ["", "Tracking quality:"] + [
        f"- {line}" for line in tracking_quality_lines(assessment.tracking_quality)
    ]
    headers, rows = metrics_table(assessment)
    if rows:
        lines += ["", "Metrics (value; expert range; percentile):"]
        lines += [f"- {r[0]}: {r[1]} {r[2]}; {r[3]}; {r[5]}" for r in rows]
    return "\n".join(lines)


def write_pdf_report(
    path: Path,
    assessment: Assessment,
    figures: Mapping[str, Any],
    *,
    trainee: str = "",
    source_name: str = "",
    created_at: str = "",
) -> Path:
    """A PDF: a text summary page, then one page per figure. Written atomically."""
    import io

    from matplotlib.backends.backend_pdf import PdfPages

    buffer = io.BytesIO()
    with PdfPages(buffer, metadata={"Title": f"SkillSight report ({assessment.procedure})"}) as pdf:
        pdf.savefig(
            _text_page(
                "SkillSight practice report", _summary_text(assessment, trainee, source_name, created_at)
            )
        )
        for name, fig in figures.items():
            fig.suptitle(FIGURE_CAPTIONS.get(name, name), fontsize=9, y=0.02, va="bottom")
            pdf.savefig(fig, bbox_inches="tight")
    return write_atomic(Path(path), buffer.getvalue())


def write_reports(
    folder: Path,
    stem: str,
    assessment: Assessment,
    figures: Mapping[str, Any],
    *,
    trainee: str = "",
    source_name: str = "",
    created_at: str = "",
) -> dict[str, Path]:
    """Both reports for one session into `folder`; returns {"html": path, "pdf": path}."""
    images = {name: figure_to_png(fig) for name, fig in figures.items()}
    info: dict[str, Optional[str]] = {
        "trainee": trainee,
        "source_name": source_name,
        "created_at": created_at,
    }
    html_text = render_html_report(assessment, images, **{k: v or "" for k, v in info.items()})
    html_path = write_html_report(Path(folder) / f"{stem}.html", html_text)
    pdf_path = write_pdf_report(
        Path(folder) / f"{stem}.pdf",
        assessment,
        figures,
        trainee=trainee,
        source_name=source_name,
        created_at=created_at,
    )
    return {"html": html_path, "pdf": pdf_path}
