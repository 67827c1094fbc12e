"""`skillsight score` and `skillsight reference build`: exit codes, printed summary, JSON output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from skillsight.cli import app
from skillsight.models import default_model_path, default_reference_path
from skillsight.scoring.results import EXIT_ERROR, EXIT_OUT_OF_DOMAIN, EXIT_REFUSED, EXIT_SCORED
from skillsight.scoring.synthetic import generate_practice

runner = CliRunner()


@pytest.fixture(scope="module")
def expert_file(tmp_path_factory) -> Path:
    motion = generate_practice(skill="expert", procedure="suturing", duration_s=30.0, seed=5)
    return motion.save(tmp_path_factory.mktemp("motions") / "expert")


@pytest.fixture(scope="module")
def one_hand_file(tmp_path_factory) -> Path:
    motion = generate_practice(skill="expert", procedure="suturing", duration_s=30.0, seed=6)
    positions = np.array(motion.positions)
    positions[motion.n_frames // 5 :, motion.individual_index("left_hand")] = np.nan  # forceps hand leaves
    return motion.with_updates(positions=positions).save(tmp_path_factory.mktemp("motions") / "one_hand")


def score(*args: str):
    return runner.invoke(app, ["score", *args])


def test_scored_exit_zero_with_summary_and_json(expert_file, tmp_path):
    out = tmp_path / "result.json"
    result = score(str(expert_file), "--procedure", "suturing", "--json", str(out))
    assert result.exit_code == EXIT_SCORED, result.output
    assert "Skill level:" in result.output and "Score:" in result.output and "Tip:" in result.output
    assert "synthetic" in result.output.lower()  # the provenance says what the defaults were built from
    data = json.loads(out.read_text())
    assert data["status"] == "scored"
    assert set(data["level_probabilities"]) == {"novice", "intermediate", "expert"}
    assert sum(data["level_probabilities"].values()) == pytest.approx(1.0, abs=1e-6)
    low, high = data["score_interval"]
    assert low <= data["score"] <= high
    assert 3 <= len(data["feedback"]) <= 5
    assert all(m["percentile"] is not None for m in data["metrics"] if m["value"] is not None)
    prov = data["provenance"]
    assert prov["model"]["sha256"] and prov["reference"]["n_experts"] >= 10
    assert "synthetic" in prov["reference"]["built_from"].lower() and prov["reference"]["disclaimer"]
    assert prov["dominant_hand"] == "right" and prov["thresholds"]["min_tracked_share"] == 0.6


def test_refused_exit_three_says_why(one_hand_file, tmp_path):
    out = tmp_path / "refused.json"
    result = score(str(one_hand_file), "--procedure", "suturing", "--json", str(out))
    assert result.exit_code == EXIT_REFUSED, result.output
    assert "NOT SCORED" in result.output and "left hand" in result.output
    assert "both hands in view" in result.output
    data = json.loads(out.read_text())
    assert data["status"] == "refused" and data["score"] is None and data["refusal_reasons"]


def test_json_to_stdout(expert_file):
    result = score(str(expert_file), "--procedure", "suturing", "--json", "-")
    assert result.exit_code == EXIT_SCORED
    assert json.loads(result.stdout)["status"] == "scored"


def test_left_handed_setting_reaches_the_assessment(expert_file, tmp_path):
    out = tmp_path / "left.json"
    result = score(str(expert_file), "--procedure", "suturing", "--dominant-hand", "left", "--json", str(out))
    # A right-handed practice read as left-handed may lie outside the model's domain (exit 4).
    assert result.exit_code in (EXIT_SCORED, EXIT_REFUSED, EXIT_OUT_OF_DOMAIN)
    assert json.loads(out.read_text())["provenance"]["dominant_hand"] == "left"


def test_a_model_for_another_procedure_is_refused(expert_file):
    result = score(
        str(expert_file), "--procedure", "suturing", "--model", str(default_model_path("intubation"))
    )
    assert result.exit_code == EXIT_REFUSED, result.output
    assert "intubation" in result.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["/nonexistent/practice.motion.npz", "--procedure", "suturing"], "practice.motion.npz"),
        (["{expert}", "--procedure", "suturing", "--reference", "/nonexistent/ref.json"], "ref.json"),
    ],
)
def test_errors_exit_one_with_a_clear_message(expert_file, args, expected):
    args = [a.replace("{expert}", str(expert_file)) for a in args]
    result = score(*args)
    assert result.exit_code == EXIT_ERROR
    assert expected in result.output
    assert "Traceback" not in result.output


def test_an_unreadable_video_is_named_once_without_the_error_class(tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    result = score(str(empty), "--procedure", "suturing")
    assert result.exit_code == EXIT_ERROR
    assert result.output.count("empty.mp4") == 1 and "NotAVideoError" not in result.output, result.output


def test_a_procedure_without_a_shipped_model_names_the_installed_one(tmp_path, monkeypatch):
    """After `skillsight import` of a knot-tying scorer, scoring without --model still stops (a lab's own
    model is used only when named), and the error names the installed one."""
    from jigsaws_factory import write_jigsaws_task

    monkeypatch.setenv("SKILLSIGHT_DATA_DIR", str(tmp_path / "data"))
    installed = tmp_path / "data" / "models"
    installed.mkdir(parents=True)
    card = {"kind": "scorer", "name": "knot_tying-scorer", "procedure": "knot_tying", "version": "1"}
    (installed / "knot_tying-scorer-v1.json").write_text(json.dumps(card))
    trial = next(
        (write_jigsaws_task(tmp_path, "Knot_Tying", trials_per_user=1) / "kinematics").rglob("*.txt")
    )
    result = score(str(trial), "--procedure", "knot_tying")
    assert result.exit_code == EXIT_ERROR
    assert "no shipped scorer" in result.output and "installed here: knot_tying-scorer-v1" in result.output


def test_a_tampered_reference_is_an_error(expert_file, tmp_path):
    content = json.loads(default_reference_path("suturing").read_text())
    content["n_experts"] = 1000
    bad = tmp_path / "tampered.json"
    bad.write_text(json.dumps(content))
    result = score(str(expert_file), "--procedure", "suturing", "--reference", str(bad))
    assert result.exit_code == EXIT_ERROR and "sha256" in result.output


def test_an_unknown_procedure_is_a_usage_error_as_documented(expert_file):
    result = score(str(expert_file), "--procedure", "no_such_procedure")
    assert result.exit_code == 2 and "unknown procedure" in result.output


def test_bad_dominant_hand_is_a_usage_error(expert_file):
    assert score(str(expert_file), "--procedure", "suturing", "--dominant-hand", "both").exit_code == 2


def test_real_process_exit_codes_and_no_traceback(one_hand_file):
    cmd = [sys.executable, "-m", "skillsight.cli", "score", str(one_hand_file), "--procedure", "suturing"]
    refused = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert refused.returncode == EXIT_REFUSED, refused.stderr
    missing = subprocess.run(
        cmd[:4] + ["/nonexistent.motion.npz", "--procedure", "suturing"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == EXIT_ERROR
    assert "nonexistent.motion.npz" in missing.stderr and "Traceback" not in missing.stderr


def test_reference_build_from_motion_files(tmp_path):
    files = []
    for seed in range(3):
        motion = generate_practice(
            skill=0.8 + 0.05 * seed, procedure="suturing", duration_s=25.0, seed=100 + seed
        )
        files.append(str(motion.save(tmp_path / f"expert{seed}")))
    out = tmp_path / "lab-reference.json"
    result = runner.invoke(
        app,
        [
            "reference",
            "build",
            "--procedure",
            "suturing",
            *files,
            "--out",
            str(out),
            "--version",
            "3",
            "--built-from",
            "three lab experts",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "warning: only 3 experts (at least 5 experts needed)" in result.output  # said while building
    data = json.loads(out.read_text())
    assert data["name"] == "lab-reference" and data["version"] == "3" and data["n_experts"] == 3
    assert data["built_from"] == "three lab experts"
    assert data["template"]["role"] == "needle_driver" and len(data["template"]["profile"]) == 100
    shown = runner.invoke(app, ["reference", "show", str(out)])
    assert shown.exit_code == 0 and "Needle-driver hand: distance travelled" in shown.output
    # The new reference scores a practice.
    practice = generate_practice(skill="novice", procedure="suturing", duration_s=25.0, seed=9).save(
        tmp_path / "p"
    )
    scored = score(str(practice), "--procedure", "suturing", "--reference", str(out))
    assert scored.exit_code == EXIT_SCORED, scored.output
    assert "Expert reference: lab-reference 3, 3 experts" in scored.output


def test_reference_build_errors_are_clear(tmp_path):
    result = runner.invoke(
        app,
        ["reference", "build", "--procedure", "suturing", str(tmp_path / "missing.npz"), "--out", "x.json"],
    )
    assert result.exit_code == EXIT_ERROR and "missing.npz" in result.output


def test_reference_build_names_a_file_that_is_no_video_and_an_unknown_procedure_without_a_traceback(tmp_path):
    """A text file among the experts' videos ended in a NotAVideoError traceback, and an unknown procedure
    was exit 1 (score says 2: wrong usage), found only after reading the experts."""
    notes = tmp_path / "notes.mp4"
    notes.write_text("expert list for Tuesday\n")
    empty = tmp_path / "no_images"
    empty.mkdir()
    for source, words in ((notes, "a text file, not a video"), (empty, "holds no png or jpg images")):
        built = runner.invoke(
            app, ["reference", "build", "-p", "suturing", str(source), "--out", str(tmp_path / "r.json")]
        )
        assert built.exit_code == EXIT_ERROR and words in built.output, built.output
        assert built.exception is None or isinstance(built.exception, SystemExit)
    unknown = runner.invoke(
        app, ["reference", "build", "-p", "nosuch", str(notes), "--out", str(tmp_path / "r.json")]
    )
    assert unknown.exit_code == 2 and "unknown procedure 'nosuch'" in unknown.output
    assert "reading" not in unknown.output  # said before any expert file is read
