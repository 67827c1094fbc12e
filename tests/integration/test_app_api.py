"""The scripting API (/assess through gradio_client) returns plain JSON without server paths, also for a
scored result (issue 12, defect 1).

A scored assessment's provenance names the model and reference files; before the fix those came back
as {"path": ...} dicts, which gradio_client takes for files and tries to download (HTTP 403), so every
scored result failed on the client while the session was stored anyway. The page is served in-process
with the pipeline replaced by a fake that returns such a scored assessment (tests/test_app_client.py
runs the real pipeline on a real clip).
"""

from __future__ import annotations

import json

import pytest
import test_app_files
from video_factory import write_test_video
from webapp_samples import scored_assessment, two_hand_motion

import skillsight.pipeline
from skillsight.models import default_model_path, default_reference_path
from skillsight.webapp.service import public_payload

served_app = test_app_files.served_app


@pytest.fixture
def fake_pipeline(monkeypatch):
    def fake_assess(request):
        assessment = scored_assessment()
        assessment.provenance = {
            "model": {"name": "suturing-scorer", "path": str(default_model_path("suturing"))},
            "reference": {"name": "suturing-reference", "path": str(default_reference_path("suturing"))},
            "source": str(request.source),
        }
        return skillsight.pipeline.AssessmentRun(motion=two_hand_motion(), assessment=assessment)

    monkeypatch.setattr(skillsight.pipeline, "assess", fake_assess)


def _strings(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


@pytest.mark.slow
def test_a_scored_result_comes_back_as_plain_json_without_server_paths(served_app, tmp_path):
    from gradio_client import Client, handle_file

    demo, service, cache = served_app
    video = write_test_video(tmp_path / "practice.mp4", 10)
    client = Client(demo.local_url, verbose=False, download_files=False)
    result = client.predict(handle_file(str(video)), "suturing", "right", False, api_name="/assess")
    assert result["status"] == "scored" and result["score"] == pytest.approx(18.24)
    assert result["provenance"]["model"] == {"name": "suturing-scorer", "file": "suturing-scorer-v1.onnx"}
    text = json.dumps(result)
    for server_path in (
        str(service.data_dir),
        str(cache),
        str(tmp_path),
        str(default_model_path("suturing")),
    ):
        assert server_path not in text
    assert "path" not in {key for key in _strings(result) if key == "path"}
    assert len(service.list_sessions("local")) == 1  # one call, one session
    again = client.predict(handle_file(str(video)), "suturing", "right", False, api_name="/assess")
    assert again["session_id"] == result["session_id"]  # a script's retry stores no duplicate
    assert len(service.list_sessions("local")) == 1
    other_hand = client.predict(handle_file(str(video)), "suturing", "left", False, api_name="/assess")
    assert other_hand["session_id"] != result["session_id"]  # another request is another session


def test_public_payload_drops_every_server_path():
    payload = public_payload(
        {
            "provenance": {"model": {"path": "/srv/models/m.onnx"}, "motion_path": "/srv/x.npz"},
            "notes": ["C:\\lab\\video.mp4", "a/b relative stays", "line\n/with a slash"],
        }
    )
    assert payload == {
        "provenance": {"model": {"file": "m.onnx"}, "motion_file": "x.npz"},
        "notes": ["video.mp4", "a/b relative stays", "line\n/with a slash"],
    }
