"""`skillsight score` and `skillsight batch` find a shipped or installed model or reference by name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner
from video_factory import write_test_video

from skillsight import pipeline
from skillsight.cli import app


class _Captured(Exception):
    pass


@pytest.fixture
def installed_model(tmp_path, monkeypatch) -> Path:
    """The shipped suturing scorer exported by one lab and imported by another (this data folder)."""
    runner = CliRunner()
    package = tmp_path / "m.skillsight"
    monkeypatch.setenv("SKILLSIGHT_DATA_DIR", str(tmp_path / "lab_a"))
    exported = runner.invoke(app, ["export", "model", "suturing", "--out", str(package), "--no-sign"])
    assert exported.exit_code == 0, exported.output
    monkeypatch.setenv("SKILLSIGHT_DATA_DIR", str(tmp_path / "lab_b"))
    imported = runner.invoke(app, ["import", str(package)])
    assert imported.exit_code == 0, imported.output
    # The package's v1 is v2 here, even in a fresh data folder: after the shipped v1, so that
    # "suturing-scorer-v1" still names one file. Said, with why and the name that picks it.
    said = "installed as suturing-scorer version 2 (the package's version 1;"
    assert said in imported.output and "use it with --model suturing-scorer-v2" in imported.output
    assert "after every shipped and installed one for suturing" in imported.output
    # Counts and the motion in words, not card keys and unit codes ("n_practices 240", "video_2d").
    assert re.search(r"\(\d+ practices\)", imported.output) and "n_practices" not in imported.output
    assert "from video (2D), distances in hand lengths" in imported.output
    assert "video_2d" not in imported.output
    return tmp_path / "lab_b" / "models" / "suturing-scorer-v2.onnx"


def test_score_finds_an_installed_model_by_name(tmp_path, installed_model, monkeypatch):
    seen = []

    def assess(request):
        seen.append(request)
        raise _Captured("stop before tracking")

    monkeypatch.setattr(pipeline, "assess", assess)
    clip = write_test_video(tmp_path / "clip.mp4", 10, fps=10.0)
    result = CliRunner().invoke(
        app, ["score", str(clip), "-p", "suturing", "--model", "suturing-scorer-v2", "--no-progress"]
    )
    assert "stop before tracking" in result.output
    assert len(seen) == 1 and Path(seen[0].model) == installed_model


@pytest.mark.parametrize("command", ["score", "batch"])
def test_an_unknown_model_name_is_usage_naming_the_known_ones(tmp_path, installed_model, command):
    (tmp_path / "videos").mkdir()
    clip = write_test_video(tmp_path / "videos" / "clip.mp4", 10, fps=10.0)
    source = str(clip) if command == "score" else str(clip.parent)
    args = [command, source, "-p", "suturing", "--model", "suturing-scorer-v9"]
    if command == "batch":
        args += ["--out", str(tmp_path / "out"), "--quiet"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "no model named 'suturing-scorer-v9'" in result.output and "suturing-scorer" in result.output


def test_exporting_an_unknown_model_says_only_that(tmp_path, monkeypatch):
    """It said "note: no signing key ... the package is unsigned" before "no model named": a package that
    was never going to be written."""
    monkeypatch.setenv("SKILLSIGHT_DATA_DIR", str(tmp_path / "data"))
    result = CliRunner().invoke(app, ["export", "model", "nope", "--out", str(tmp_path / "x.skillsight")])
    assert result.exit_code == 1 and "no model named 'nope'" in result.output
    assert "signing key" not in result.output and not (tmp_path / "x.skillsight").exists()
