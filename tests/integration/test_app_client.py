"""gradio_client calls the same /assess endpoint the page's button uses, against a running app.py
started with two --auth users: the signed-in user's name is the trainee the session is stored under."""

from __future__ import annotations

import json
import time

import pytest
from app_server import running_app

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("client") / "data"
    data_dir.mkdir()
    with running_app(data_dir, ["--auth", "ana:pw-ana", "--auth", "bob:pw-bob"]) as app:
        yield app.url, data_dir


def _client(url, user="ana"):
    from gradio_client import Client

    return Client(url, auth=(user, f"pw-{user}"), verbose=False)


def test_assess_endpoint_returns_the_assessment_json(app_url, hand_clip):
    from gradio_client import handle_file

    url, data_dir = app_url
    client = _client(url)
    api = client.view_api(return_format="dict", print_info=False)
    params = api["named_endpoints"]["/assess"]["parameters"]
    assert [p["parameter_name"] for p in params] == ["video_path", "procedure_name", "dominant_hand", "keep"]

    started = time.perf_counter()
    result = client.predict(handle_file(str(hand_clip)), "suturing", "right", False, api_name="/assess")
    elapsed = time.perf_counter() - started
    print(f"\n/assess on {hand_clip.name}: {elapsed:.1f} s, status {result['status']}")
    assert result["status"] in ("scored", "refused")
    assert result["procedure"] == "suturing" and isinstance(result["session_id"], int)
    assert '"path"' not in json.dumps(result) and str(data_dir) not in json.dumps(result)
    if result["status"] == "scored":
        assert result["score"] is not None and 3 <= len(result["feedback"]) <= 5
    else:
        assert result["refusal_reasons"] and result["advice"]
    # The motion is stored, the video is not (keep_video was off).
    stored = sorted(p.name for p in (data_dir / "sessions").iterdir())
    assert stored and all(name.endswith(".motion.npz") for name in stored)
    # Stored under the signed-in user, invisible to the other one.
    from skillsight.storage import Database

    with Database(f"sqlite:///{data_dir / 'skillsight.db'}") as db:
        assert [r.id for r in db.list_sessions(trainee="ana")] == [result["session_id"]]
        assert db.list_sessions(trainee="bob") == []
        assert db.get_session(result["session_id"], trainee="bob") is None


def test_signing_in_is_required(app_url):
    from gradio_client import Client

    url, _ = app_url
    with pytest.raises(Exception):  # noqa: B017 (gradio_client raises a plain ValueError/HTTP error)
        Client(url, verbose=False)
    with pytest.raises(Exception):  # noqa: B017
        Client(url, auth=("ana", "wrong"), verbose=False)


def test_a_non_video_upload_is_refused_with_its_name(app_url, tmp_path):
    from gradio_client import handle_file

    url, _ = app_url
    bogus = tmp_path / "notes.mp4"
    bogus.write_text("this is not a video")
    client = _client(url, "bob")
    with pytest.raises(Exception, match="notes"):
        client.predict(handle_file(str(bogus)), "suturing", "right", False, api_name="/assess")
