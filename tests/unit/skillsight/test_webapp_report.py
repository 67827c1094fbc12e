"""Reports: a self-contained HTML file and a PDF, both offline."""

from __future__ import annotations

import re
from dataclasses import replace
from html import escape

import pytest
from conftest import REPO_ROOT
from webapp_samples import refused_assessment, scored_assessment, two_hand_motion

from skillsight.scoring.results import FeedbackItem
from skillsight.webapp import plots, report, views

ARTIFACTS = REPO_ROOT / "artifacts"


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
    assert "You scored 18 out of 30" in text and "between 15 and 21" in text
    assert "Message number 1" in text and "Message number 6" not in text
    assert "12 experts" in text and "Trainee: ana" in text and "Date: " in text


def test_html_puts_the_caveat_before_the_headline_without_raw_backticks():
    assessment = scored_assessment()
    assessment.provenance["model"]["disclaimer"] = "Demo only: build your own (`skillsight reference build`)."
    text = report.render_html_report(assessment, {})
    assert text.index("class='caveat'") < text.index("You scored")
    assert "`" not in text and "<code>skillsight reference build</code>" in text


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


def test_out_of_domain_report_keeps_the_feedback_the_results_tab_shows(tmp_path):
    assessment = scored_assessment()
    assessment.status, assessment.skill_level, assessment.score = "out_of_domain", None, None
    assessment.score_interval, assessment.level_probabilities = None, {}
    assessment.refusal_reasons = ["your motion is unlike anything this model was trained on"]
    message = min(assessment.feedback, key=lambda item: item.rank).message
    assert message in views.feedback_markdown(assessment)
    text = report.render_html_report(assessment, {})
    assert message in text and "Feedback needs a score" not in text
    pdfium = pytest.importorskip("pypdfium2", reason="pypdfium2 (dev extra) reads the PDF")
    document = pdfium.PdfDocument(report.write_pdf_report(tmp_path / "ood.pdf", assessment, {}).read_bytes())
    try:
        pages = " ".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()
    assert message in _squash(pages)


def _pdf_pages(path, artefact_stem):
    """(text, (width, height) in points) of each page; each page is also rendered to a PNG artefact."""
    pdfium = pytest.importorskip("pypdfium2", reason="pypdfium2 (dev extra) reads and renders the PDF")
    ARTIFACTS.mkdir(exist_ok=True)
    pages = []
    document = pdfium.PdfDocument(str(path))
    try:
        for number, page in enumerate(document, start=1):
            text = page.get_textpage().get_text_range()
            image = page.render(scale=1.0).to_pil()
            image.save(ARTIFACTS / f"{artefact_stem}-page{number}.png")
            assert image.getextrema() != ((255, 255),) * 3  # something is drawn on every page
            pages.append((text, (page.get_width(), page.get_height())))
    finally:
        document.close()
    return pages


def _squash(text):
    return " ".join(text.split())


def test_pdf_is_a4_with_every_metric_the_page_shows(tmp_path):
    assessment = scored_assessment()
    many = [
        replace(assessment.metrics[0], name=f"needle_driver.{key}", unit="s", percentile=float(i % 101))
        for i, key in enumerate(["task_time", "active_time", "movements", "pauses", "tremor"] * 9)
    ]
    assessment.metrics = many + assessment.metrics  # 48 rows: the table has to run over pages
    path = report.write_pdf_report(
        tmp_path / "r.pdf", assessment, _figures(assessment), trainee="ana", source_name="clip.mp4"
    )
    pages = _pdf_pages(path, "report-scored")
    assert len(pages) >= 3
    assert all(abs(w - 595.3) < 1 and abs(h - 841.9) < 1 for _, (w, h) in pages)  # A4 portrait
    first = _squash(pages[0][0])
    assert "Trainee: ana" in first and "Procedure: Open suturing (bench pad)" in first and "Date: " in first
    # The caveat sits right under the headline on page 1.
    assert (
        first.index("You scored 18 out of 30")
        < first.index("Demo model, not validated")
        < first.index("The score runs from")
    )
    text = _squash(" ".join(t for t, _ in pages))
    _, rows = views.metrics_table(assessment)
    for row in rows:  # every metric of the Results page, with its value, somewhere in the PDF
        assert _squash(row[0]) in text and _squash(row[1]) in text
    assert f"Page {len(pages)} of {len(pages)}" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.pdf"]  # no temporary file left


def test_refused_pdf_has_no_pages_that_only_say_nothing(tmp_path):
    assessment = refused_assessment()
    path = report.write_pdf_report(tmp_path / "r.pdf", assessment, _figures(assessment))
    pages = _pdf_pages(path, "report-refused")
    text = _squash(" ".join(t for t, _ in pages))
    assert "tracked in only 12% of frames" in text and "Keep both hands in view" in text
    assert "no metrics" not in text and "no cycles" not in text
    assert "You scored" not in text


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
    assert f", {n_experts} experts" in text and "Expert reference: " in text
    disclaimer = report.CODE_SPAN.sub(
        r"<code>\1</code>", escape(assessment.provenance["reference"]["disclaimer"])
    )
    assert disclaimer in text
    assert 3 <= text.count("Tip: ") <= 5
