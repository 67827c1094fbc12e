"""The page's wiring and privacy settings, checked without a browser."""

from __future__ import annotations

import dataclasses
import importlib.util
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import REPO_ROOT


def load_app_module():
    spec = importlib.util.spec_from_file_location("skillsight_app_script", REPO_ROOT / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_app_binds_localhost_without_share_by_default(monkeypatch):
    monkeypatch.delenv("GRADIO_SERVER_PORT", raising=False)
    args = load_app_module().parse_args([])
    assert (args.host, args.port, args.share, args.auth, args.db) == ("127.0.0.1", 7860, False, None, None)


def test_app_honours_gradio_server_port_and_options(monkeypatch):
    monkeypatch.setenv("GRADIO_SERVER_PORT", "8123")
    app = load_app_module()
    assert app.parse_args([]).port == 8123
    args = app.parse_args(["--port", "9000", "--host", "0.0.0.0", "--auth", "ana:pw", "--auth", "bob:x:y"])
    assert args.port == 9000 and args.host == "0.0.0.0"
    assert app.parse_auth(args.auth) == [("ana", "pw"), ("bob", "x:y")]
    with pytest.raises(SystemExit, match="user:password"):
        app.parse_auth(["no-password"])


def test_a_port_in_use_is_one_clear_line_not_a_traceback(monkeypatch, tmp_path):
    import socket

    monkeypatch.setenv("SKILLSIGHT_DATA_DIR", str(tmp_path / "data"))
    app = load_app_module()
    monkeypatch.setattr(app, "_stop_on_sigterm", lambda: None)  # leave pytest's own SIGTERM handling
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SystemExit) as stopped:
            app.main(["--port", str(port)])
    message = str(stopped.value.code)
    assert message.startswith(f"error: port {port} on 127.0.0.1 is in use") and "--port" in message


def test_analytics_are_off_before_gradio_loads():
    import os

    load_app_module()
    assert os.environ["GRADIO_ANALYTICS_ENABLED"] == "False"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from skillsight.webapp.layout import build_app
    from skillsight.webapp.service import AppService

    service = AppService(data_dir=tmp_path_factory.mktemp("layout"))
    yield build_app(service)
    service.close()


def test_only_the_assess_endpoint_is_public(demo):
    endpoints = demo.get_api_info()["named_endpoints"]
    assert list(endpoints) == ["/assess"]
    names = [p["parameter_name"] for p in endpoints["/assess"]["parameters"]]
    assert names == ["video_path", "procedure_name", "dominant_hand", "keep"]
    assert demo.config["analytics_enabled"] is False


def test_live_mode_asks_for_15_frames_per_second_or_more(demo):
    streams = [d for d in demo.config["dependencies"] if d.get("api_name") == "live_frame"]
    assert len(streams) == 1 and streams[0]["stream_every"] <= 1 / 15 + 1e-9


def test_theme_uses_system_fonts_only():
    from gradio.themes.utils.fonts import GoogleFont, LocalFont

    from skillsight.webapp.layout import launch_options

    options = launch_options()
    theme = options["theme"]
    fonts = list(theme._font) + list(theme._font_mono)
    assert not any(isinstance(f, (GoogleFont, LocalFont)) for f in fonts)
    assert "ui-sans-serif" in theme.font and options["ssr_mode"] is False
    assert options["max_file_size"] == "500mb"


def test_layout_module_is_the_only_one_importing_gradio():
    for name in (
        "views",
        "plots",
        "report",
        "report_content",
        "report_pdf",
        "preferences",
        "service",
        "session_views",
        "rescoring",
        "catalogue",
        "live",
    ):
        source = (REPO_ROOT / "skillsight" / "webapp" / f"{name}.py").read_text(encoding="utf-8")
        assert "import gradio" not in source, name


def test_results_outputs_fill_every_results_component():
    from webapp_samples import refused_assessment, scored_assessment, two_hand_motion

    from skillsight.pose.quality import TrackingQuality
    from skillsight.webapp.page import RESULTS_EMPTY, results_outputs
    from skillsight.webapp.service import SessionView

    view = SessionView(7, "ana", "suturing", scored_assessment(), two_hand_motion(), "clip.mp4")
    summary, feedback, details, experts, speed, replay, paths, timeline, table, quality = results_outputs(
        view
    )
    assert summary.startswith("### You scored 18") and "Message number 1" in feedback
    assert "Build your own reference" in details and "Build your own reference" in summary  # badge tooltip
    assert replay["value"] is None and replay["visible"]  # drawn afterwards
    assert all(image["value"].ndim == 3 and image["visible"] for image in (experts, paths, timeline))
    assert speed["visible"] and set(speed["value"]["hand"]) == {"left hand", "right hand"}
    assert speed["y_lim"][1] < 1000 and "pause" in speed["value"]
    assert table["value"][0][0] == "Needle-driver hand: distance travelled" and "session 7" in quality
    refused = results_outputs(SessionView(8, "ana", "suturing", refused_assessment(), None, "c.mp4"))
    assert "can't score" in refused[0]
    assert not refused[3]["visible"] and not refused[6]["visible"]  # no empty chart of nothing compared
    assert results_outputs(None)[0] == RESULTS_EMPTY
    too_short = dataclasses.replace(refused_assessment(), tracking_quality=TrackingQuality(share=0.0))
    untracked = results_outputs(SessionView(9, "ana", "suturing", too_short, None, "c.mp4"))
    assert untracked[9].endswith("not measured: the recording was not tracked (why is said above)")
    # refused from its container before tracking: a motion of no frames showed an empty speed chart, a
    # replay that never came and the first frame marked "no hands tracked"
    no_frames = two_hand_motion().slice_time(0, 0)
    frame = np.zeros((8, 8, 3), dtype=np.uint8)
    view = SessionView(10, "ana", "suturing", too_short, no_frames, "c.mp4", first_frame=frame)
    _, _, _, _, speed, replay, paths, *_ = results_outputs(view)
    assert not any(shown["visible"] for shown in (speed, replay, paths))


def test_long_work_shows_progress_on_the_tab_the_user_is_on(demo):
    config = demo.config
    ids = {c["id"]: c.get("props", {}).get("elem_id") for c in config["components"]}
    assess = next(d for d in config["dependencies"] if d.get("api_name") == "assess")
    assert [ids[i] for i in assess["show_progress_on"]] == ["assess-status"]
    for status in ("build-status", "rescore-status"):  # building a reference; re-scoring on History
        shown = [
            d
            for d in config["dependencies"]
            if any(ids.get(i) == status for i in d.get("show_progress_on") or [])
        ]
        assert len(shown) == 1, status


def test_only_scorable_procedures_are_offered(demo):
    dropdown = next(c for c in demo.config["components"] if c.get("props", {}).get("elem_id") == "procedure")
    offered = [value for _, value in dropdown["props"]["choices"]]
    assert offered == ["intubation", "suturing"] and dropdown["props"]["value"] == "suturing"
    note = next(c for c in demo.config["components"] if c.get("props", {}).get("elem_id") == "procedure-note")
    assert "Knot" in note["props"]["value"] and "Not offered yet" in note["props"]["value"]


def test_the_history_tab_follows_the_procedure_chosen_for_practice(demo):
    """A trainee who assessed an intubation opened History on suturing and did not find the session."""
    from skillsight.webapp.events import same_procedure

    by_elem = {c["props"].get("elem_id"): c["id"] for c in demo.config["components"] if c.get("props")}
    practice, history = by_elem["procedure"], by_elem["history-procedure"]
    follows = [
        d
        for d in demo.config["dependencies"]
        if [practice, "change"] in [list(t) for t in d["targets"]] and history in d["outputs"]
    ]
    assert len(follows) == 1
    assert same_procedure("intubation")["value"] == "intubation" and "value" not in same_procedure(None)


def test_a_failed_assessment_unlocks_the_assess_button(demo):
    """Gradio 6's page runs no `then` after an error: a text file uploaded as a video left the button
    "Assessing…" and disabled until the page was reloaded (seen in chromium). A `failure` event unlocks it."""
    by_elem = {c["props"].get("elem_id"): c["id"] for c in demo.config["components"] if c.get("props")}
    dependencies = demo.config["dependencies"]
    assess = next(d["id"] for d in dependencies if d.get("api_name") == "assess")
    on_failure = [
        d for d in dependencies if d.get("trigger_after") == assess and d.get("trigger_only_on_failure")
    ]
    assert len(on_failure) == 1
    assert (
        by_elem["assess-button"] in on_failure[0]["outputs"]
        and by_elem["assess-status"] in on_failure[0]["outputs"]
    )


def test_an_assessment_error_names_the_trainees_file_not_the_servers_copy(tmp_path):
    import gradio as gr

    from skillsight.webapp.practice_events import _assess_handler
    from skillsight.webapp.service import AppService

    upload = tmp_path / "skillsight-gradio-x" / "591a50db" / "lab_notes.mp4"
    upload.parent.mkdir(parents=True)
    upload.write_text("notes from the lab\n")
    service = AppService(data_dir=tmp_path / "data")
    try:
        with pytest.raises(gr.Error) as said:
            _assess_handler(service)(
                str(upload), "suturing", "right", False, None, progress=lambda *a, **k: None
            )
    finally:
        service.close()
    assert said.value.message.startswith("lab_notes.mp4: a text file, not a video"), said.value.message
    assert str(upload.parent) not in said.value.message


def test_an_upload_is_said_ready_or_not_a_video_as_soon_as_it_is_chosen(tmp_path):
    """A text file named .mp4 was found out only after pressing Assess, while Gradio toasted its own
    "Video not playable" twice: the status now says at upload what the file is."""
    import subprocess

    from skillsight.webapp.practice_events import upload_status

    notes = tmp_path / "lab_notes.mp4"
    notes.write_text("notes from the lab\n")
    said = upload_status(str(notes))
    assert said.startswith("**This file can't be assessed**: lab\\_notes.mp4: a text file, not a video"), said
    assert str(tmp_path) not in said and upload_status(None) == ""
    clip = tmp_path / "clip.mp4"
    command = ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=10", "-t", "3"]
    subprocess.run([*command, "-pix_fmt", "yuv420p", str(clip)], check=True)
    assert upload_status(str(clip)) == "Ready: clip.mp4 (3 s, 320x240). Press **Assess my practice**."


def test_a_failed_assessment_says_why_beside_the_button(tmp_path):
    """The status said "(the message above says why)" while Gradio's toast was at the top right of the
    page: now it says why itself, in the toast's words, for the browser session that failed."""
    import gradio as gr

    from skillsight.webapp.practice_events import _assess_handler, failed_status
    from skillsight.webapp.service import AppService

    upload = tmp_path / "lab_notes.mp4"
    upload.write_text("notes from the lab\n")
    service = AppService(data_dir=tmp_path / "data")
    trainee = SimpleNamespace(username=None, session_hash="browser-1")
    try:
        with pytest.raises(gr.Error) as said:
            _assess_handler(service)(
                str(upload), "suturing", "right", False, trainee, progress=lambda *a, **k: None
            )
    finally:
        service.close()
    other = failed_status(SimpleNamespace(session_hash="browser-2"))
    shown = failed_status(trainee)
    assert "above" not in shown and r"lab\_notes.mp4: a text file, not a video" in shown
    assert said.value.message.rstrip(".").replace("_", r"\_") in shown
    assert "lab" not in other and "top right" in other  # another browser's failure is not this one's
    assert "lab" not in failed_status(trainee)  # said once


def test_no_percentage_is_shown_before_the_first_frame_is_tracked(tmp_path):
    """A 28 MB 1080p upload read "Opening the video – 0.0%" for about 10 s while the trackers looked at
    frames across it: no number is shown until frames are counted, and the status says what comes first."""
    import gradio as gr

    from skillsight.webapp.practice_events import _assess_handler, _assess_lock
    from skillsight.webapp.service import AppService

    upload = tmp_path / "notes.mp4"
    upload.write_text("not a video\n")
    service = AppService(data_dir=tmp_path / "data")
    shown = []
    try:
        with pytest.raises(gr.Error):
            _assess_handler(service)(
                str(upload), "suturing", "right", False, None, progress=lambda *a, **k: shown.append((a, k))
            )
    finally:
        service.close()
    assert shown == []
    assert "look at frames across the video" in _assess_lock()[-1]


def test_a_failed_reference_build_names_the_educators_file_and_counts_videos_not_percent(tmp_path):
    """The Educator's build said "Opening the expert videos – 0.0%" and, when a file was not a video,
    named the server's temporary copy of it."""
    from skillsight.webapp.events import _build_handler
    from skillsight.webapp.service import AppService

    upload = tmp_path / "gradio-x" / "4be1" / "expert_ana.mp4"
    upload.parent.mkdir(parents=True)
    upload.write_text("notes, not a video\n")
    service = AppService(data_dir=tmp_path / "data")
    shown = []
    try:
        said = _build_handler(service)(
            [str(upload)], "suturing", "lab", "1", progress=lambda *a, **k: shown.append((a, k))
        )
    finally:
        service.close()
    assert said.startswith("**Could not build the reference:** expert_ana.mp4: "), said
    assert str(upload.parent) not in said
    assert shown[0] == (((0, 1),), {"desc": "Opening the expert videos", "unit": "videos"})


def test_the_terminal_is_not_told_to_edit_launch(monkeypatch, tmp_path):
    """Gradio printed "To create a public link, set `share=True` in `launch()`" to a trainee who runs
    `python app.py` (the option is --share); its lines are off unless --share asks for its public link."""
    import gradio as gr

    monkeypatch.setenv("SKILLSIGHT_DATA_DIR", str(tmp_path / "data"))
    app = load_app_module()
    monkeypatch.setattr(app, "_stop_on_sigterm", lambda: None)
    launched = []
    monkeypatch.setattr(gr.Blocks, "launch", lambda self, **options: launched.append(options))
    app.main(["--port", "7999"])
    app.main(["--port", "7999", "--share"])
    assert [options["quiet"] for options in launched] == [True, False]
