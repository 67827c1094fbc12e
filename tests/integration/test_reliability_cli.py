# ruff: noqa: E501  (one bad input per line reads as a table)
"""Every bad input of `skillsight score` the reliability review tried (issue 12), with the exit code and
the message it must give: the README's exit codes (0 scored, 1 error, 2 usage, 3 refused, 4 out of
domain, 5 damaged), one line naming the right file, never a traceback, and usage errors found before
any tracking."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner
from video_factory import synthetic_frame, textured_frame, truncate_file, write_test_video

from skillsight.capture.sinks import AnnotatedVideoWriter
from skillsight.cli import app
from skillsight.models import default_model_path, default_reference_path
from skillsight.scoring.synthetic import generate_practice


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """One file or folder per bad input (and a good motion file), made once."""
    root = tmp_path_factory.mktemp("bad-inputs")
    practice = generate_practice(skill="expert", procedure="suturing", duration_s=30.0, seed=5)
    good = practice.save(root / "good")
    made = {"good": good, "text.mp4": root / "text.mp4"}
    made["text.mp4"].write_text("not a video at all")
    truncated = root / "truncated.motion.npz"
    truncated.write_bytes(good.read_bytes()[:2000])
    made["truncated"] = truncated
    made["infinite"] = _with_an_infinite_position(good, root / "infinite.motion.npz")
    made["model"] = _copied_model(root / "tampered-model", lambda card: card["feature_names"].reverse())
    made["traversal"] = _copied_model(
        root / "traversal", lambda card: card.update(onnx_file="../../../../etc/passwd")
    )
    reference = json.loads(default_reference_path("suturing").read_text())
    reference["n_experts"] = 1000
    made["reference"] = root / "tampered-reference.json"
    made["reference"].write_text(json.dumps(reference))
    made["folder"] = root / "a-folder"
    made["folder"].mkdir()
    whole = root / "whole.mp4"
    with AnnotatedVideoWriter(whole, 10, (96, 64)) as writer:
        for i in range(40):
            writer.write(textured_frame(i, (96, 64)))
    made["cut"] = truncate_file(whole, 0.65, root / "cut.mp4")
    made["one-frame"] = write_test_video(root / "one-frame.mkv", 1)
    images = root / "images"
    images.mkdir()
    for i in range(6):
        cv2.imwrite(str(images / f"{i}.png"), synthetic_frame(i))
    (images / "3.png").write_bytes(b"broken")
    made["images"] = images
    return made


def _with_an_infinite_position(motion_file: Path, out: Path) -> Path:
    """A motion file as another program might write it: one position is +inf (the container refuses to
    make one, so the arrays are written directly)."""
    with np.load(motion_file, allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    arrays["positions"] = np.array(arrays["positions"])
    arrays["positions"][10, 0, 0, 0] = np.inf
    with open(out, "wb") as handle:
        np.savez_compressed(handle, **arrays)
    return out


def _copied_model(folder: Path, change) -> Path:
    folder.mkdir()
    onnx = default_model_path("suturing")
    shutil.copy(onnx, folder / onnx.name)
    card = json.loads(onnx.with_suffix(".json").read_text())
    change(card)
    (folder / onnx.with_suffix(".json").name).write_text(json.dumps(card))
    return folder / onnx.name


# (name, arguments after `score`, exit code, what the message must say). {x} is files[x].
BAD_INPUTS = [
    ("missing file", ["/nonexistent/practice.mp4", "-p", "suturing"], 1, "practice.mp4: no such file"),
    ("not a video", ["{text.mp4}", "-p", "suturing"], 1, "text.mp4"),
    ("truncated motion file", ["{truncated}", "-p", "suturing"], 1, "truncated.motion.npz"),
    ("infinite positions", ["{infinite}", "-p", "suturing"], 1, "infinite.motion.npz: positions hold infinite"),
    ("unknown procedure", ["{good}", "-p", "no_such_procedure"], 2, "unknown procedure"),
    ("bad dominant hand", ["{good}", "-p", "suturing", "--dominant-hand", "both"], 2, "--dominant-hand"),
    ("bad damage limit", ["{good}", "-p", "suturing", "--max-undecodable", "2"], 2, "between 0 and 1"),
    ("--json to a folder", ["{good}", "-p", "suturing", "--json", "{folder}"], 2, "is a folder"),
    ("--json under a file", ["{good}", "-p", "suturing", "--json", "{good}/sub/r.json"], 2, "is a file, not a folder"),
    ("card edited (features reversed)", ["{good}", "-p", "suturing", "--model", "{model}"], 1, "does not match its manifest"),
    ("card names a file outside its folder", ["{good}", "-p", "suturing", "--model", "{traversal}"], 1, "outside the card's folder"),
    ("reference edited", ["{good}", "-p", "suturing", "--reference", "{reference}"], 1, "tampered-reference.json"),
    ("video cut to 65% of its bytes", ["{cut}", "-p", "suturing"], 5, "could not be decoded"),
    ("a one-frame video", ["{one-frame}", "-p", "suturing"], 5, "single picture holds no motion"),
    ("a broken image in a folder", ["{images}", "-p", "suturing"], 5, "3.png is not a readable image"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "args", "code", "message"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_each_bad_input_exits_with_its_code_and_message(files, name, args, code, message):
    args = [_fill(a, files) for a in args]
    result = CliRunner().invoke(app, ["score", *args, "--no-progress"])
    assert result.exit_code == code, result.output
    assert message in result.output and "Traceback" not in result.output


def _fill(arg: str, files: dict[str, Path]) -> str:
    for key, path in files.items():
        arg = arg.replace("{" + key + "}", str(path))
    return arg


def test_usage_errors_come_before_any_tracking(files, monkeypatch):
    import skillsight.pipeline

    def no_tracking(*args, **kwargs):
        raise AssertionError("tracked before the usage was checked")

    monkeypatch.setattr(skillsight.pipeline, "assess", no_tracking)
    result = CliRunner().invoke(
        app, ["score", str(files["cut"]), "-p", "suturing", "--json", str(files["folder"])]
    )
    assert result.exit_code == 2 and "is a folder" in result.output


def test_score_json_and_export_out_both_make_a_missing_folder(files, tmp_path, monkeypatch):
    """Every file SkillSight writes makes its folder (`export --out` always did); `score --json` refused
    one that did not exist yet, so the two commands disagreed on the same kind of path."""
    out = tmp_path / "results" / "ann" / "r.json"
    result = CliRunner().invoke(
        app, ["score", str(files["good"]), "-p", "suturing", "--json", str(out), "--no-progress"]
    )
    assert result.exit_code in (0, 4), (
        result.output
    )  # scored, or withheld as out of domain: written either way
    assert json.loads(out.read_text())["procedure"] == "suturing"
    monkeypatch.setenv("SKILLSIGHT_DATA_DIR", str(tmp_path / "data"))
    package = tmp_path / "shared" / "ref" / "suturing.skillsight"
    exported = CliRunner().invoke(
        app, ["export", "reference", "suturing", "--out", str(package), "--no-sign"]
    )
    assert exported.exit_code == 0 and package.is_file(), exported.output


def test_the_damaged_video_json_carries_the_damage(files, tmp_path):
    out = tmp_path / "cut.json"
    result = CliRunner().invoke(
        app, ["score", str(files["cut"]), "-p", "suturing", "--json", str(out), "--no-progress"]
    )
    assert result.exit_code == 5
    data = json.loads(out.read_text())
    assert data["status"] == "damaged" and data["decode_damage"]["expected_frames"] == 40
    assert 0.2 < data["decode_damage"]["undecodable_share"] < 0.5


def test_a_motion_file_expanding_past_the_limit_is_refused_before_it_is_expanded(files, monkeypatch):
    monkeypatch.setenv("SKILLSIGHT_MAX_MOTION_MB", "0.5")
    result = CliRunner().invoke(app, ["score", str(files["good"]), "-p", "suturing"])
    assert result.exit_code == 1
    assert "good.motion.npz: expands to" in result.output and "SKILLSIGHT_MAX_MOTION_MB" in result.output
