"""View models: what the trainee reads for scored and refused practices, history and model cards."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

from webapp_samples import refused_assessment, scored_assessment

from skillsight.pose.quality import TrackingQuality
from skillsight.scoring.results import STATUS_WORDS, ResultStatus
from skillsight.webapp import listings, views


def test_format_number_keeps_significant_digits_and_marks_unknown():
    assert views.format_number(18.24) == "18.2"
    assert views.format_number(0.61234) == "0.612"
    assert views.format_number(1234.5) == "1234"
    assert views.format_number(None) == "–"
    assert views.format_number(float("nan")) == "–"
    assert views.format_percent(0.555) == "56%"


def test_summary_leads_with_one_sentence_the_badge_and_the_interval_in_words():
    text = views.summary_markdown(scored_assessment())
    first = text.splitlines()[0]
    assert first == "### You scored 18 out of 30: your practice looks most like an intermediate's."
    assert views.DEMO_BADGE in text
    assert "between 15 and 21" in text and "90% sure" in text
    assert "runs from 6 (a beginner) to 30 (an expert)" in text
    # The provenance sits one click away, said once.
    assert "built_from" not in text and "Model trained on" not in text
    details = views.details_markdown(scored_assessment())
    assert details.count("Build your own reference") == 1
    assert "suturing-reference 1, 12 experts" in details


def test_built_from_keeps_a_word_in_capitals_as_it_is():
    assessment = scored_assessment()
    assessment.provenance["model"] = {"name": "scorer", "version": 1, "built_from": "SYNTHETIC only."}
    assessment.provenance["reference"] = {"name": "ref", "version": 1, "built_from": "Twenty experts."}
    details = views.details_markdown(assessment)
    assert "(built from SYNTHETIC only)" in details and "(built from twenty experts)" in details


def test_a_labs_own_model_is_not_called_a_demo():
    demo = scored_assessment()
    assert views.badge_text(demo) == views.DEMO_BADGE  # the shipped defaults, built from synthetic motion
    own = scored_assessment()
    own.provenance["model"] = {"name": "kt-scorer", "built_from": "jigsaws dataset JIGSAWS/Knot_Tying"}
    own.provenance["reference"] = {"name": "kt_ref", "built_from": "9 expert practices"}
    own.provenance["disclaimer"] = "A lab should validate it on its own trainees before relying on it."
    assert views.badge_text(own) == views.UNVALIDATED_BADGE
    assert "Demo model" not in views.summary_markdown(own)
    # A lab's own model (trained on JIGSAWS) against the shipped synthetic reference: it is the reference
    # that is the demo (the CLI said "Demo model, not validated" of the lab's model).
    beside = scored_assessment()
    beside.provenance["model"] = dict(own.provenance["model"])
    assert views.badge_text(beside) == views.DEMO_REFERENCE_BADGE
    assert "Demo model" not in views.summary_markdown(beside)


def test_the_command_line_names_untrustworthy_expert_ranges_in_words():
    from skillsight.commands.score import render_assessment

    assessment = scored_assessment()
    no_spread = "the experts' values hardly differ (no real spread)"
    assessment.metrics[0] = dataclasses.replace(assessment.metrics[0], reference_note=no_spread)
    line = next(x for x in render_assessment(assessment).splitlines() if "not to be trusted" in x)
    assert "needle_driver.path_length" not in line and "needle-driver hand's distance travelled" in line


def test_probabilities_never_read_100_or_0_percent():
    assessment = scored_assessment()
    assessment.level_probabilities = {"novice": 1e-197, "intermediate": 0.0003, "expert": 0.9997}
    text = views.summary_markdown(assessment)
    assert "100%" not in text and " 0%" not in text
    assert "expert over 99%" in text and "novice under 1%" in text


def test_out_of_domain_withholds_level_and_score_but_keeps_metrics():
    assessment = scored_assessment()
    assessment.status = "out_of_domain"
    assessment.skill_level, assessment.score, assessment.score_interval = None, None, None
    assessment.refusal_reasons = ["your motion is unlike anything this model was trained on"]
    text = views.summary_markdown(assessment)
    assert text.startswith("### No score this time: your motion is outside")
    assert "unlike anything this model was trained on" in text and "You scored" not in text
    assert "What to change" not in text  # nothing to fix in the set-up
    _, rows = views.metrics_table(assessment)
    assert rows and rows[0][1] == "42.5 hand sizes"


def test_damaged_recording_says_so():
    assessment = refused_assessment()
    assessment.status = "damaged"
    assessment.refusal_reasons = ["31% of the frames could not be decoded"]
    text = views.summary_markdown(assessment)
    assert "too damaged" in text and "31% of the frames" in text


def test_refusal_says_why_and_what_to_change():
    text = views.summary_markdown(refused_assessment())
    assert views.NOT_SCORED_TITLE in text
    assert "tracked in only 12% of frames" in text
    assert "Keep both hands in view of the camera." in text
    assert "Score" not in text
    assert "could not be scored" in views.feedback_markdown(refused_assessment())


def test_refusal_without_advice_falls_back_to_generic_advice():
    bare = refused_assessment()
    bare.advice = []
    assert views.DEFAULT_REFUSAL_ADVICE[0] in views.refusal_markdown(bare)


def test_feedback_is_ranked_and_capped_at_five():
    text = views.feedback_markdown(scored_assessment(n_feedback=6))
    assert text.index("Message number 1") < text.index("Message number 2") < text.index("Message number 5")
    assert "Message number 6" not in text
    assert "Tip: Tip number 3" in text and "evidence 3" in text


def test_metrics_table_speaks_the_trainees_language():
    headers, rows = views.metrics_table(scored_assessment())
    assert headers[0] == "Metric" and len(rows) == 3
    assert rows[0] == [
        "Needle-driver hand: distance travelled",
        "42.5 hand sizes",
        "25 to 36 hand sizes",
        "30 hand sizes",
        "above the experts' range",
        "lower is better",
    ]
    assert rows[1][0] == "Hands moving in step" and rows[1][5] == "higher is better"
    assert rows[2][1] == "–" and rows[2][4] == "not compared"
    # No raw keys or unit codes anywhere a trainee reads.
    flat = " ".join(str(cell) for row in rows for cell in row)
    assert "_" not in flat and "^" not in flat


def test_lead_metrics_come_from_the_procedure_file():
    names = views.lead_metric_names(scored_assessment())
    assert names == ["needle_driver.path_length"]  # the only lead metric among the sample's three
    _, rows = views.metrics_table(scored_assessment(), names)
    assert len(rows) == 1


def test_phases_table_has_durations():
    _, rows = views.phases_table(scored_assessment())
    assert rows[1] == ["stitch 2", "3.5", "6.2", "2.7", "slower than experts"]


def test_tracking_quality_lines():
    lines = views.tracking_quality_lines(scored_assessment().tracking_quality)
    assert lines == [
        "required hand (left hand) tracked in 97% of frames",
        "left hand: found in 97% of frames, mean confidence 0.91, longest gap 0.2 s",
        "250 frames, 10 s at 25 fps",
    ]


def test_history_table_newest_first():
    def record(i, when, score):
        return SimpleNamespace(
            id=i,
            created_at=when,
            procedure="suturing",
            status="scored" if score is not None else "refused",
            skill_level="novice" if score is not None else None,
            score=score,
            score_low=None if score is None else score - 2,
            score_high=None if score is None else score + 2,
            tracking_quality=0.9,
            source_name=f"clip{i}.mp4",
        )

    headers, rows = listings.history_table(
        [record(1, "2026-01-01T10:00:00", 12.0), record(2, "2026-01-02T10:00:00", None)]
    )
    assert [r[0] for r in rows] == [2, 1]
    assert rows[1][5:8] == ["12", "10–14", "90%"]
    assert rows[0][4:7] == ["–", "–", "–"]
    assert headers[1] == "When (UTC)" and rows[1][1] == "2026-01-01 10:00:00"


def test_history_table_says_every_status_in_short_words():
    """The Status column said "scored" for a scored session but the Results page's whole heading for
    the others; now one short phrase each, the one `sessions list` prints too."""

    def record(i, status):
        return SimpleNamespace(
            id=i,
            created_at=f"2026-01-0{i}T10:00:00",
            procedure="suturing",
            status=status,
            skill_level=None,
            score=None,
            score_low=None,
            score_high=None,
            tracking_quality=0.9,
            source_name=f"clip{i}.mp4",
        )

    _, rows = listings.history_table([record(1, "out_of_domain"), record(2, "scored"), record(3, "damaged")])
    statuses = {row[0]: row[3] for row in rows}
    assert statuses == {1: "score withheld: out of domain", 2: "scored", 3: ResultStatus.DAMAGED.words}
    assert {row[2] for row in rows} == {"Open suturing (bench pad)"}  # as the Practice tab names it
    assert all(words not in views.WITHHELD_TITLES.values() for words in STATUS_WORDS.values())
    assert all(len(words) <= 50 for words in STATUS_WORDS.values())  # a table cell, not a heading
    # each begins with the word the exit codes and batch's summary use (out of domain: the curves' words)
    assert all(
        words.startswith(status.value)
        for status, words in STATUS_WORDS.items()
        if status.value != "out_of_domain"
    )


def test_history_metric_names_first_seen_order():
    history = [{"metrics": {"b": 1.0}}, {"metrics": {"a": 2.0, "b": 3.0}}]
    assert listings.history_metric_names(history) == ["b", "a"]


def test_model_card_shows_training_data_and_disclaimer():
    card = {
        "name": "suturing-scorer",
        "version": "1",
        "kind": "scorer",
        "built_from": "synthetic practices (scoring/synthetic.py)",
        "disclaimer": "Not trained on real trainees.",
        "feature_names": ["a", "b"],
        "cv_metrics": {"accuracy": 0.91234},
    }
    text = listings.model_card_markdown(card)
    assert text.startswith("### suturing-scorer 1")
    assert "Not trained on real trainees." in text
    assert "synthetic practices" in text and "metrics (2):** A, B" in text
    few = listings.model_card_markdown(
        {"name": "lab", "kind": "reference", "n_experts": 3, "units": "hand_size"}
    )
    # a card from before people were counted: its n_experts counted practices, the people are unknown
    assert "Too few experts" in few and "3 practices by experts not named" in few and "hand lengths" in few
    two = listings.model_card_markdown({"kind": "reference", "n_experts": 2, "n_practices": 6})
    assert "only 2 experts (6 practices; at least 5 experts needed)" in two
    assert "accuracy 0.912" in text
    assert listings.model_card_markdown({}) == "No model card."


def test_model_card_fields_read_in_words_and_experts_are_counted_as_loading_counts_them():
    """The Educator tab showed "motion kind: video_2d", "n experts: 6" of an old card whose n_experts
    counted practices, and "left_out_metrics: ..." in the training data."""
    card = {
        "kind": "scorer",
        "motion_kind": "video_2d",
        "units": "hand_size",
        "training_data": {"left_out_metrics": "none", "n": 240},
    }
    text = listings.model_card_markdown(card)
    assert "- **what it is:** scorer model" in text and "- **recorded from:** video (2D)" in text
    assert "- **distances in:** hand lengths" in text and "left out metrics: none" in text
    assert "video_2d" not in text and "motion kind" not in text and "left_out" not in text
    old = listings.model_card_markdown({"kind": "reference", "n_experts": 6, "built_from": "six videos"})
    assert "- **experts:** 6 practices; the experts were not named" in old and "n experts" not in old


def test_payload_is_the_assessment_json_plus_ids():
    payload = views.assessment_payload(scored_assessment(), session_id=7)
    assert payload["session_id"] == 7 and payload["status"] == "scored"
    assert payload["score_interval"] == [15.1, 21.3]


def test_humanise_metric():
    assert views.humanise_metric("needle_driver.path_length") == "Needle-driver hand: distance travelled"
    assert views.humanise_metric("task_time") == "Time on task"
    assert views.humanise_metric("lab.own_metric") == "Lab: own metric"


def test_session_labels_and_empty_states():
    record = SimpleNamespace(
        id=12, created_at="2026-11-29T17:05:00", procedure="suturing", status="scored", score=18.24
    )
    # the procedure as the Practice tab names it, not its key "suturing"
    assert (
        listings.session_label(record)
        == "Session 12 · 2026-11-29 17:05 · Open suturing (bench pad) · scored 18"
    )
    assert listings.session_choices([record]) == [(listings.session_label(record), 12)]
    withheld = SimpleNamespace(**{**vars(record), "status": "out_of_domain", "score": None})
    assert listings.session_label(withheld).endswith("· score withheld: out of domain")  # was "out_of_domain"
    assert "knot" in listings.unscorable_note(["knot_tying"]).lower()
    assert listings.unscorable_note([]) == ""
    assert "Only 2 expert videos" in listings.expert_count_warning(2)
    assert "Only" not in listings.expert_count_warning(5)


def test_tracking_quality_lines_for_the_assessment_layout():
    quality = {
        "share": 0.0,
        "required": ["right_hand", "left_hand"],
        "n_frames": 325,
        "duration_s": 13.0,
        "fps": 25.0,
        "individuals": {
            "left_hand": {"tracked_share": 0.0, "mean_confidence": 0.0, "longest_gap_s": 13.0},
            "right_hand": {"tracked_share": 1.0, "mean_confidence": 0.943, "longest_gap_s": 0.0},
        },
    }
    assert views.tracking_quality_lines(TrackingQuality.from_dict(quality)) == [
        "both required hands (right hand, left hand) tracked together in 0% of frames",
        "left hand: not found in any frame",  # was "found in 0% of frames, mean confidence 0, ..."
        "right hand: found in 100% of frames, mean confidence 0.94, longest gap 0 s",
        "325 frames, 13 s at 25 fps",
    ]
