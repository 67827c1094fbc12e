"""A session's report for an educator, as one self-contained HTML file (pictures inlined, no external
fonts, scripts or styles) and an A4 PDF (fpdf2, with the DejaVu fonts matplotlib ships). Both render
the same `ReportContent`; nothing is fetched.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from skillsight.base.atomic import write_bytes_atomic
from skillsight.scoring.results import Assessment
from skillsight.webapp.plots import figure_to_png
from skillsight.webapp.report_content import (
    CODE_SPAN,
    FIGURE_CAPTIONS,
    ReportContent,
    build_report_content,
    report_figure_names,
)
from skillsight.webapp.report_pdf import ReportPdf
from skillsight.webapp.views import escape

REPORT_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:60rem;margin:2rem auto;
padding:0 1rem;color:#1d2330;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem} h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%;font-size:.9rem} th,td{border:1px solid #ddd;padding:.3rem .5rem;
text-align:left} th{background:#f3f5f8} .refused{background:#fff4e5;border-left:4px solid #f59e0b;
padding:.6rem 1rem} .headline{font-size:1.25rem;font-weight:600} figure{margin:1rem 0} img{max-width:100%}
figcaption{font-size:.85rem;color:#555} .meta{color:#555;font-size:.9rem}
.caveat{background:#fff8e1;border:1px solid #f0c36d;border-radius:6px;padding:.5rem .8rem;font-size:.9rem}
.badge{display:inline-block;background:#b45309;color:#fff;border-radius:4px;padding:.05rem .45rem;
font-size:.8rem;font-weight:600;margin-right:.4rem}
"""


def _inline_html(text: Any) -> str:
    """Escaped text with `code` spans as <code> (never raw backticks)."""
    return CODE_SPAN.sub(r"<code>\1</code>", escape(text))


def _table_html(headers: list[str], rows: list[list[Any]]) -> str:
    if not rows:
        return "<p>None.</p>"
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _headline_html(content: ReportContent) -> str:
    caveat = ""
    if content.caveat:
        badge = f"<span class='badge'>{escape(content.badge)}</span>"
        caveat = f"<p class='caveat'>{badge}{_inline_html(content.caveat)}</p>"
    if content.scored:
        body = f"<p class='headline'>{escape(content.headline)}</p><p>{escape(content.explanation)}</p>"
    else:
        reasons = "".join(f"<li>{escape(r)}</li>" for r in content.reasons)
        advice = "".join(f"<li>{escape(a)}</li>" for a in content.advice)
        body = (
            f"<p class='headline'>{escape(content.headline)}</p><div class='refused'>"
            f"<h2>{escape(content.withheld_title)}</h2><p>{escape(content.withheld_lead)}</p>"
            + (f"<ul>{reasons}</ul>" if reasons else "")
            + (f"<p><strong>What to change:</strong></p><ul>{advice}</ul>" if advice else "")
            + "</div>"
        )
    return caveat + body


def _feedback_html(content: ReportContent) -> str:
    if not content.feedback_shown:
        return "<p>Feedback needs a score; see above for what to change.</p>"
    if not content.feedback:
        return "<p>No feedback items: every metric is within the expert range.</p>"
    parts = []
    for item in content.feedback:
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
    content = build_report_content(
        assessment, trainee=trainee, source_name=source_name, created_at=created_at
    )
    meta = " · ".join(f"{escape(k)}: {escape(v)}" for k, v in content.meta)
    figures = "".join(
        f"<figure><img alt='{escape(FIGURE_CAPTIONS.get(name, name))}' "
        f"src='data:image/png;base64,{base64.b64encode(png).decode('ascii')}'>"
        f"<figcaption>{escape(FIGURE_CAPTIONS.get(name, name))}</figcaption></figure>"
        for name, png in images.items()
        if name in report_figure_names(assessment, list(images))
    )
    details = "".join(f"<li>{_inline_html(line)}</li>" for line in content.details)
    quality = "".join(f"<li>{escape(line)}</li>" for line in content.quality)
    sections = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>SkillSight report – {escape(content.procedure)}</title>",
        f"<style>{REPORT_STYLE}</style></head><body>",
        f"<h1>SkillSight practice report</h1><p class='meta'>{meta}</p>",
        _headline_html(content),
        "<h2>Feedback</h2>" + _feedback_html(content),
        "<h2>Key metrics against the experts</h2>" + _table_html(*content.lead_metrics),
        "<h2>Pictures</h2>" + (figures or "<p>No pictures.</p>"),
        "<h2>All metrics</h2>" + _table_html(*content.all_metrics),
        "<h2>Cycles and phases</h2>" + _table_html(*content.phases),
        f"<h2>Where these numbers come from</h2><ul>{details or '<li>–</li>'}</ul>",
        f"<h2>Tracking quality</h2><ul>{quality or '<li>–</li>'}</ul>",
        "<p class='meta'>Generated offline by SkillSight. Scores are estimates with the uncertainty shown; "
        "discuss them with an educator.</p></body></html>",
    ]
    return "\n".join(sections)


def write_atomic(path: Path, data: bytes) -> Path:
    """Whole file or nothing (skillsight.base.atomic), owner-only: a report is personal data."""
    return write_bytes_atomic(path, data)


def write_html_report(path: Path, html_text: str) -> Path:
    return write_atomic(Path(path), html_text.encode("utf-8"))


def render_pdf_report(content: ReportContent, images: Mapping[str, bytes]) -> bytes:
    """A4 pages: header (date, trainee, procedure), headline with the caveat beside it, feedback, the
    key metrics, the pictures scaled to the page, then every metric in a table that runs over pages."""

    pdf = ReportPdf(content)
    pdf.headline_block()
    pdf.feedback_block()
    pdf.table_block("Key metrics against the experts", content.lead_metrics)
    for name, png in images.items():
        pdf.figure_block(png, FIGURE_CAPTIONS.get(name, name))
    if content.all_metrics[1]:
        pdf.table_block("All metrics", content.all_metrics)
    if content.phases[1]:
        pdf.table_block("Cycles and phases", content.phases)
    if content.details:
        pdf.list_block("Where these numbers come from", content.details)
    pdf.list_block("Tracking quality", content.quality)
    return pdf.to_bytes()


def write_pdf_report(
    path: Path,
    assessment: Assessment,
    figures: Mapping[str, Any],
    *,
    trainee: str = "",
    source_name: str = "",
    created_at: str = "",
) -> Path:
    """The PDF report, written atomically; `figures` are matplotlib figures by name."""
    content = build_report_content(
        assessment, trainee=trainee, source_name=source_name, created_at=created_at
    )
    keep = report_figure_names(assessment, list(figures))
    images = {name: figure_to_png(fig) for name, fig in figures.items() if name in keep}
    return write_atomic(Path(path), render_pdf_report(content, images))


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
    info = {"trainee": trainee, "source_name": source_name, "created_at": created_at}
    html_text = render_html_report(assessment, images, **info)
    html_path = write_html_report(Path(folder) / f"{stem}.html", html_text)
    content = build_report_content(assessment, **info)
    keep = report_figure_names(assessment, list(images))
    pdf_bytes = render_pdf_report(content, {n: png for n, png in images.items() if n in keep})
    pdf_path = write_atomic(Path(folder) / f"{stem}.pdf", pdf_bytes)
    return {"html": html_path, "pdf": pdf_path}
