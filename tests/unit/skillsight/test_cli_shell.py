"""The CLI shell: `skillsight info` and the packaging promises of issue 2."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from skillsight.cli import app


def test_info_names_each_shipped_model_with_its_sha256_and_licence():
    result = CliRunner().invoke(app, ["info", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["packages"]["skillsight"] != "not installed"
    assert data["packages"]["mediapipe"].split(".")[0] == "1"  # the maintained Tasks API
    assert data["packages"]["ai-edge-litert"].split(".")[0] == "2"  # runs the crop models
    # The hand and pose bundles ship inside SkillSight, never from a download; their bytes are the
    # ones scripts/build_task_bundles.py recorded.
    models = data["tracker_models"]
    assert set(models) == {"hand_landmarker.task", "pose_landmarker.task"}
    for name, model in models.items():
        assert len(model["sha256"]) == 64 and model["matches_build"], name
        assert model["licence"] == "Apache-2.0"
        assert model["source"] == "mediapipe==0.10.21"
        assert "LiteRT" in model["runs_on"], name
    text = CliRunner().invoke(app, ["info"]).output
    assert f"hand_landmarker.task: sha256 {models['hand_landmarker.task']['sha256']} (ok)" in text
    # the shipped cards in words: it printed "suturing-scorer-v1.json: {'kind': 'scorer', ...}"
    assert "  suturing-scorer-v1.json: scorer suturing-scorer v1\n    built from: SYNTHETIC" in text
    assert "{'" not in text


def test_the_model_notice_records_each_bundle_and_its_sources():
    from skillsight.base.hashing import file_sha256
    from skillsight.pose.trackers.mediapipe_tasks import ASSETS

    notice = (ASSETS / "NOTICE").read_text(encoding="utf-8")
    assert "Apache License, Version 2.0" in notice
    for name in ("hand_landmarker.task", "pose_landmarker.task"):
        assert f"{name}  sha256 {file_sha256(ASSETS / name)}" in notice
    assert "mediapipe/modules/pose_landmark/pose_landmark_full.tflite" in notice


def modules_loaded_by(argv: list[str], modules: tuple[str, ...]) -> list[str]:
    """Which of `modules` a fresh interpreter has loaded after running `skillsight ARGV`."""
    code = (
        "import sys; from skillsight.cli import main\n"
        f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
        f"print('LOADED=' + ','.join(m for m in {modules!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return [m for m in out.strip().splitlines()[-1].removeprefix("LOADED=").split(",") if m]


def test_info_does_not_import_heavy_backends():
    backends = ("mediapipe", "cv2", "gradio", "onnxruntime", "sklearn", "dask")
    assert modules_loaded_by(["info"], backends) == []


def test_no_generic_top_level_packages_are_installed():
    # The repository folders install as skillsight.pose etc., never as bare `pose` or `scoring`.
    code = (
        "import importlib.util, os, sys\n"
        "sys.path = [p for p in sys.path if p not in ('', os.getcwd())]\n"
        "print([n for n in ('pose', 'scoring', 'models', 'capture') if importlib.util.find_spec(n)])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="/"
    ).stdout
    assert out.strip() == "[]"


def test_the_command_line_does_not_load_the_database_stack():
    """`skillsight --help` and commands that never open the database do not import sqlalchemy (a third of
    the CLI's start-up); the commands that do (batch, rate, consent, site, dataset export) import it."""
    assert modules_loaded_by(["--help"], ("sqlalchemy", "skillsight.storage", "typer")) == ["typer"]
    assert modules_loaded_by(["site", "--help"], ("sqlalchemy",)) == []


def test_info_names_the_data_folder_and_what_was_imported_there(tmp_path, monkeypatch):
    """A bug report from a lab that scores with an imported model showed only the shipped ones."""
    from skillsight.models import default_model_path

    monkeypatch.setenv("SKILLSIGHT_DATA_DIR", str(tmp_path))
    text = CliRunner().invoke(app, ["info"]).output
    assert f"Data folder: {tmp_path}; imported there (skillsight import): none" in text
    (tmp_path / "models").mkdir()
    card = json.loads(default_model_path("suturing").with_suffix(".json").read_text())
    card.update(version="2", built_from="jigsaws dataset Suturing")
    (tmp_path / "models" / "suturing-scorer-v2.json").write_text(json.dumps(card))
    data = json.loads(CliRunner().invoke(app, ["info", "--json"]).output)
    assert data["data_dir"] == str(tmp_path)
    assert data["installed_models"]["suturing-scorer-v2.json"]["version"] == "2"
    text = CliRunner().invoke(app, ["info"]).output
    assert (
        "imported there (skillsight import): 1\n  suturing-scorer-v2.json: scorer suturing-scorer v2" in text
    )
