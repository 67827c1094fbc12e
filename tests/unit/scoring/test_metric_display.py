"""Metric names, units and directions as a trainee reads them, from the one FEATURE_SPECS table."""

from __future__ import annotations

import json

import pytest

from skillsight.scoring.features import FEATURE_SPECS
from skillsight.scoring.metric_display import format_number, metric_display, too_unsure_to_rank, unit_text
from skillsight.scoring.procedure import PROCEDURES_DIR, load_procedure


@pytest.mark.parametrize(
    "unit, shown",
    [
        ("hand_size", ("hand lengths", 1.0)),
        ("hand_size/s", ("hand lengths/s", 1.0)),
        ("hand_size/s^3", ("hand lengths/s³", 1.0)),
        ("hand_size^2", ("square hand lengths", 1.0)),
        ("mm^2", ("mm²", 1.0)),
        ("deg/hand_size", ("° per hand length", 1.0)),
        ("share", ("%", 100.0)),
        ("count", ("", 1.0)),
        ("1", ("", 1.0)),
        ("count/min", ("per minute", 1.0)),
        ("s", ("s", 1.0)),
    ],
)
def test_units_read_as_words(unit, shown):
    assert unit_text(unit) == shown


def test_values_are_rounded_to_what_they_mean():
    assert metric_display("needle_driver.idle_share", "share").value_text(0.3512) == "35%"
    assert metric_display("needle_driver.movements", "count").value_text(9.0) == "9"
    assert (
        metric_display("needle_driver.mean_jerk", "hand_size/s^3").value_text(84.53) == "84.5 hand lengths/s³"
    )
    assert metric_display("task.duration", "s").value_text(61.04) == "61 s"
    assert format_number(-0.00001) == "-0.00001"
    assert format_number(1234.5) == "1234"


def test_every_metric_has_a_label_and_a_direction_text():
    for key, spec in FEATURE_SPECS.items():
        assert spec.label and "_" not in spec.label, key
        unit = spec.unit.format(u="hand_size")
        shown = metric_display(f"needle_driver.{key}" if "." not in key else key, unit)
        assert shown.better in ("higher is better", "lower is better", "closest to the experts is best")
        assert "{u}" not in shown.unit and "_" not in shown.label


def test_without_a_stored_unit_lengths_read_as_hand_lengths():
    assert metric_display("needle_driver.path_length").unit == "hand lengths"
    assert metric_display("needle_driver.idle_share").value_text(0.25) == "25%"


def test_roles_read_as_hands_and_groups_do_not():
    assert metric_display("forceps.path_length").label == "Forceps hand: distance travelled"
    assert metric_display("forceps.path_length").phrase == "forceps hand's distance travelled"
    assert metric_display("bimanual.simultaneous_share").label == "Both hands moving together"
    assert metric_display("suturing.mean_cycle_time").label == "Time per stitch"


@pytest.mark.parametrize("path", sorted(PROCEDURES_DIR.glob("*.json")), ids=lambda p: p.stem)
def test_each_procedure_leads_with_8_to_10_of_its_metrics(path):
    procedure = load_procedure(path)
    assert 8 <= len(procedure.lead_metrics) <= 10
    assert set(procedure.lead_metrics) <= set(procedure.metrics)
    assert json.loads(path.read_text())["lead_metrics"] == list(procedure.lead_metrics)


def test_a_value_reads_with_its_standard_error_rounded_to_it():
    tremor = metric_display("needle_driver.tremor", "mm")
    assert tremor.measured_text(0.4213, 0.0912) == "0.42 mm ± 0.09"
    assert tremor.measured_text(2.345, 0.147) == "2.35 mm ± 0.15"  # a leading 1 keeps two digits
    assert tremor.measured_text(0.0, 0.03) == "0.00 mm ± 0.03"
    assert metric_display("needle_driver.idle_share", "share").measured_text(0.3512, 0.041) == "35% ± 4"
    # Never more than the three significant digits a value alone gets, however small its error.
    assert metric_display("task.duration", "s").measured_text(61.04, 0.001) == "61.0 s ± 0.001"


def test_a_value_without_a_measured_error_reads_as_before():
    shown = metric_display("needle_driver.path_length", "hand_size")
    for error in (None, float("nan"), 0.0):
        assert shown.measured_text(2.41, error) == shown.value_text(2.41) == "2.41 hand lengths"


def test_a_missing_value_says_why_instead_of_a_blank():
    tremor = metric_display("needle_driver.tremor", "mm")
    why = "not enough steady hand time to read tremor: 5 s, too little to tell how sure a reading is"
    assert tremor.measured_text(None, None, why) == f"– ({why})"
    assert tremor.measured_text(float("nan"), None, why) == f"– ({why})"
    assert tremor.measured_text(None) == "–"
    assert "nan" not in tremor.measured_text(float("nan"), float("nan"))


@pytest.mark.parametrize(
    "value, error, unsure",
    [
        (0.042, 0.009, True),  # +/- 0.018 spans most of experts' 0.02 to 0.06: not ranked
        (0.042, 0.002, False),  # +/- 0.004: a rank means something
        (0.5, 0.05, False),  # far above every expert even at its lowest: plainly above
        (0.065, 0.009, True),  # outside by its value but reaching well into the range
        (0.042, None, False),  # no error measured: ranked as before
    ],
)
def test_a_value_too_unsure_to_rank_among_the_experts(value, error, unsure):
    assert too_unsure_to_rank(value, error, 0.02, 0.06) is unsure


def test_no_real_expert_range_is_left_to_its_own_note():
    assert not too_unsure_to_rank(0.04, 0.01, 0.04, 0.04)
    assert not too_unsure_to_rank(0.04, 0.01, None, 0.06)
