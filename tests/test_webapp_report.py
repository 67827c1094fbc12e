"""Reports: a self-contained HTML file and a PDF, both offline."""

from __future__ import annotations

import re
from dataclasses import replace
from html import escape

import pytest
from skillsight.scoring.results import FeedbackItem
from webapp_samples import refused_assessment, scored_assessment, two_hand_motion

from skillsight.webapp import plots, report


def _figures(assessment):
    return plots.result_figures(assessment, two_hand_motion())


def test_html_is_self_contained_and_complete(tmp_path):
    assessment = scored_assessment()
    paths = report.write_reports(
        tmp_path, "s1", assessment, _figures(assessment), trainee="ana", source_name="a.mp4"
    )
    text = paths["html"].read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    # Nothing outside the file: no external src/href, no scripts, no web fonts.
    assert not re.search(r"(src|href)\s*=\s*['\"]?(https?:)?//", text)
    assert "<script" not in text and "@import" not in text and "fonts.googleapis" not in text
    assert len(re.findall(r"src='data:image/png;base64,", text)) == 4
    assert "Intermediate (novice 20%, intermediate 55%, expert 25%)" in text
    assert "18.2 (90% interval 15.1–21.3, GRS 6-30)" in text
    assert "Message number 1" in text and "Message number 6" not in text
    assert "12 experts" in text and "Trainee: ana" in text


def test_html_escapes_what_it_shows():
    assessment = scored_assessment()
    nasty = FeedbackItem(rank=0, metric="x", message="<script>alert(1)</script>", tip="a & b", severity=9.0)
    assessment = replace(assessment, feedback=[nasty])
    text = report.render_html_report(assessment, {})
    assert "<script>alert" not in text and "&lt;script&gt;" in text and "a &amp; b" in text


def test_refused_report_explains_instead_of_scoring():
    assessment = refused_assessment()
    text = report.render_html_report(assessment, {})
    assert "class='refused'" in text and "tracked in only 12% of frames" in text
    assert "Keep both hands in view" in text and "Skill level" not in text


def test_pdf_has_a_summary_page_and_one_page_per_figure(tmp_path):
    assessment = scored_assessment()
    figures = _figures(assessment)
    path = report.write_pdf_report(tmp_path / "r.pdf", assessment, figures, trainee="ana")
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", data)) == 1 + len(figures)
    assert not list(tmp_path.glob(".*.tmp"))  # the temporary file was renamed away


@pytest.mark.slow
def test_a_real_assessment_of_synthetic_practice_reports_its_provenance(tmp_path):
    """Integration with the real scoring path: the shipped model and reference, honest about their origin."""
    synthetic = pytest.importorskip("skillsight.scoring.synthetic")
    from skillsight.scoring.assessment import assess_motion

    motion = synthetic.generate_practice(skill="novice", procedure="suturing", duration_s=30, seed=7)
    assessment = assess_motion(motion, "suturing")
    assert assessment.scored, assessment.refusal_reasons
    paths = report.write_reports(tmp_path, "real", assessment, plots.result_figures(assessment, motion))
    text = paths["html"].read_text(encoding="utf-8")
    n_experts = assessment.provenance["reference"]["n_experts"]
    assert f"({n_experts} experts)" in text and "Reference built from" in text
    assert escape(assessment.provenance["reference"]["disclaimer"]) in text
    assert 3 <= text.count("Tip: ") <= 5
