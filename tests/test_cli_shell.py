"""The CLI shell: `skillsight info` and the packaging promises of issue 2."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from skillsight.cli import app


def test_info_prints_versions_and_model_locations():
    result = CliRunner().invoke(app, ["info", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["packages"]["skillsight"] != "not installed"
    assert data["packages"]["mediapipe"] == "0.10.21"
    # The hand and pose models come from the mediapipe wheel itself, never from a download.
    names = " ".join(data["mediapipe_models"])
    assert "hand_landmark_full.tflite" in names
    assert "pose_landmark_full.tflite" in names


def test_info_does_not_import_heavy_backends():
    code = (
        "import sys; from skillsight.cli import main\n"
        "try:\n    main(['info'])\nexcept SystemExit:\n    pass\n"
        "backends = ('mediapipe', 'cv2', 'gradio', 'onnxruntime', 'sklearn', 'dask')\n"
        "heavy = [m for m in backends if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "HEAVY="


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
