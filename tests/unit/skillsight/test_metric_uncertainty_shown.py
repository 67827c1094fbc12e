"""A metric's standard error and a withheld metric's reason, wherever metrics are shown: the result page's
table and expert chart, the HTML and PDF reports, `skillsight score`'s text, feedback and results.csv,
all in the words of one function (metric_display.MetricDisplay.measured_text)."""

from __future__ import annotations

import csv
import math
import re
from dataclasses import replace

import pytest
from webapp_samples import scored_assessment

from skillsight import session_export
from skillsight.batch.results import BASE_COLUMNS, VideoResult, write_results_csv
from skillsight.commands.score import render_assessment
from skillsight.scoring.features import definitions
from skillsight.scoring.feedback import evidence, rank_feedback
from skillsight.scoring.procedure import load_procedure
from skillsight.scoring.reference_compare import compare
from skillsight.scoring.results import Feature, MetricComparison
from skillsight.webapp import plots, report, views
from skillsight.webapp.report_content import build_report_content

TREMOR = "needle_driver.tremor"
WITHHELD = "forceps.tremor"
WHY = "not enough steady hand time to read tremor: 5 s, too little to tell how sure a reading is (needs 8 s)"
# 0.042 +/- 2 x 0.009 covers most of the experts' 0.02 to 0.06: where it sits among them is noise.
WIDE_TREMOR = MetricComparison(
    name=TREMOR, value=0.0421, unit="mm", percentile=55.0, expert_median=0.04, expert_low=0.02,
    expert_high=0.06, n_experts=12, higher_is_better=False, deviation=3.0, uncertainty=0.0091,
)  # fmt: skip
TREMOR_TEXT = "0.042 mm ± 0.009"
UNSURE_TEXT = "within the experts' range, ± wide: too unsure to rank"


def assessment_with_tremor():
    """The sample assessment with one tremor read with its error and one withheld as too unsure."""
    assessment = scored_assessment()
    withheld = replace(assessment.metrics[2], name=WITHHELD, value=None, unit="mm", reason=WHY)
    assessment.metrics = [*assessment.metrics[:2], withheld, WIDE_TREMOR]
    return assessment


def _row(rows, label_start):
    return next(row for row in rows if row[0].startswith(label_start))


def test_the_metrics_table_shows_the_error_the_reason_and_does_not_rank_a_wide_value():
    headers, rows = views.metrics_table(assessment_with_tremor())
    assert headers[1] == "You (± standard error)"
    tremor, withheld = _row(rows, "Needle-driver hand: fine shake"), _row(rows, "Forceps hand: fine shake")
    assert tremor[1] == TREMOR_TEXT and tremor[4] == UNSURE_TEXT
    assert withheld[1] == f"– ({WHY})" and withheld[4] == "not compared"
    assert _row(rows, "Needle-driver hand: distance travelled")[1] == "42.5 hand sizes"  # no error: as before
    assert not any(re.search(r"\bnan\b", str(cell), re.IGNORECASE) for row in rows for cell in row)


def test_a_narrow_error_is_ranked_as_before():
    narrow = replace(WIDE_TREMOR, uncertainty=0.002)
    # `score` printed "(in the range (percentile 55))"
    assert views.position_text(narrow) == "in the range, percentile 55"
    assert views.position_text(replace(WIDE_TREMOR, percentile=96.0, value=0.065)).startswith("near the")


def test_the_html_and_pdf_reports_show_the_error_and_the_reason():
    assessment = assessment_with_tremor()
    html_text = report.render_html_report(assessment, {})
    assert TREMOR_TEXT in html_text and UNSURE_TEXT.replace("'", "&#x27;") in html_text
    assert f"– ({WHY})" in html_text
    pdfium = pytest.importorskip("pypdfium2", reason="pypdfium2 (dev extra) reads the PDF")
    document = pdfium.PdfDocument(report.render_pdf_report(build_report_content(assessment), {}))
    try:
        text = " ".join(" ".join(page.get_textpage().get_text_range().split()) for page in document)
    finally:
        document.close()
    assert TREMOR_TEXT in text and "too unsure to rank" in text and "too little to tell how sure" in text


def test_the_expert_chart_does_not_draw_a_wide_value_as_a_rank():
    ax = plots.experts_figure(assessment_with_tremor()).axes[0]
    unsure = [line for line in ax.lines if line.get_gid() == "unsure"]
    assert len(unsure) == 1 and unsure[0].get_markerfacecolor() == "none"
    stems = [line for line in ax.lines if line.get_gid() == "stem"]
    assert len(stems) == 2  # distance travelled and hands in step, not tremor
    labels = [text.get_text() for text in ax.texts]
    assert f"{TREMOR_TEXT} (too unsure to rank)" in labels


def test_the_cli_text_shows_the_error_and_the_reason():
    text = render_assessment(assessment_with_tremor())
    assert f"Needle-driver hand: fine shake (tremor): {TREMOR_TEXT} ({UNSURE_TEXT})" in text
    assert f"Forceps hand: fine shake (tremor): – ({WHY})" in text
    assert not re.search(r"\bnan\b", text, re.IGNORECASE)


def test_feedback_shows_the_error_and_never_ranks_a_value_too_unsure_to_rank():
    assert evidence(WIDE_TREMOR).startswith(f"{TREMOR_TEXT}; experts 0.02 to 0.06 mm")
    path_length = scored_assessment().metrics[0]  # deviation 2.1: worse than experts
    items = rank_feedback([WIDE_TREMOR, path_length], load_procedure("suturing"))
    assert [item.metric for item in items] == ["needle_driver.path_length"]


def test_the_comparison_carries_a_withheld_metrics_reason():
    features = {
        TREMOR: Feature(TREMOR, float("nan"), "mm", reason=WHY),
        "needle_driver.path_length": Feature("needle_driver.path_length", 2.0, "mm"),
    }
    compared = {m.name: m for m in compare(features, None)}
    assert compared[TREMOR].reason == WHY and compared[TREMOR].value is None
    assert compared["needle_driver.path_length"].reason == ""


def _batch_result(video, tremor, error):
    metrics = {TREMOR: tremor, "needle_driver.path_length": 2.0}
    compared = [{"name": TREMOR, "value": tremor, "uncertainty": error}] if error is not None else []
    provenance = {definitions.PROVENANCE_KEY: {n: definitions.definition_version(n) for n in metrics}}
    return VideoResult(
        video=video, source=video, procedure="suturing", status="scored", metrics=metrics,
        assessment={"metrics": compared, "provenance": provenance},
    )  # fmt: skip


def _read_csv(path):
    with path.open(newline="") as handle:
        return list(csv.reader(handle))


def test_results_csv_adds_an_error_column_only_for_metrics_that_measured_one(tmp_path):
    out = tmp_path / "results.csv"
    procedures = [load_procedure("suturing")]
    rows = [("b.mp4", _batch_result("b.mp4", 0.0421, 0.0091)), ("a.mp4", _batch_result("a.mp4", 0.05, None))]
    write_results_csv(out, rows, procedures)
    header, *lines = _read_csv(out)
    metrics = ["needle_driver.path_length", TREMOR]
    assert sorted(header[len(BASE_COLUMNS) : -1]) == sorted(metrics)  # the metrics' own columns first
    assert header[-1] == f"{TREMOR} (± s.e.)"
    by_video = {line[0]: dict(zip(header, line)) for line in lines}
    assert by_video["b.mp4"][f"{TREMOR} (± s.e.)"] == "0.0091" and by_video["b.mp4"][TREMOR] == "0.0421"
    assert by_video["a.mp4"][f"{TREMOR} (± s.e.)"] == ""
    # Without any error measured the file is exactly as before.
    write_results_csv(out, rows[1:], procedures)
    assert _read_csv(out)[0] == [*BASE_COLUMNS, *header[len(BASE_COLUMNS) : -1]]
    assert not any(math.isnan(float(c)) for c in _read_csv(out)[1][len(BASE_COLUMNS) :] if c)


def test_results_csv_says_why_a_metric_has_no_value_as_the_sessions_export_does(tmp_path):
    out = tmp_path / "results.csv"
    withheld = _batch_result("a.mp4", None, None)
    withheld.assessment["metrics"] = [{"name": TREMOR, "value": None, "uncertainty": None, "reason": WHY}]
    measured = _batch_result("b.mp4", 0.0421, 0.0091)
    write_results_csv(out, [("a.mp4", withheld), ("b.mp4", measured)], [load_procedure("suturing")])
    header, *lines = _read_csv(out)
    # The same column name as `skillsight sessions export`, after the standard errors.
    assert header[-2:] == [f"{TREMOR} (± s.e.)", session_export.reason_column(TREMOR)]
    by_video = {line[0]: dict(zip(header, line)) for line in lines}
    assert by_video["a.mp4"][f"{TREMOR} (why no value)"] == WHY and by_video["a.mp4"][TREMOR] == ""
    assert by_video["b.mp4"][f"{TREMOR} (why no value)"] == ""
