"""Trainees' files: owner-only, and gone from disk and from every URL once a session is deleted
(issue 12, defect 2).

The page is served in-process by Gradio with the pipeline replaced by a fake (as in
test_webapp_service.py). Files reach Gradio's cache the way the server puts them there: the upload
through the real /gradio_api/upload route, the pictures, replay and reports through each component's
postprocess and Gradio's move_files_to_cache. Before the fix these copies stayed served (HTTP 200) after
deletion, until Gradio's 30-minute sweep.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import httpx
import pytest
from app_server import default_interrupts, free_port
from video_factory import write_test_video
from webapp_samples import scored_assessment, two_hand_motion

import skillsight.pipeline
from skillsight.webapp.service import AppService, UploadError


@pytest.fixture
def fake_pipeline(monkeypatch):
    def fake_assess(request):
        return skillsight.pipeline.AssessmentRun(motion=two_hand_motion(), assessment=scored_assessment())

    monkeypatch.setattr(skillsight.pipeline, "assess", fake_assess)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_database_its_wal_and_kept_videos_are_owner_only(tmp_path, fake_pipeline):
    video = write_test_video(tmp_path / "practice.mp4", 5)
    service = AppService(data_dir=tmp_path / "data")
    try:
        view = service.assess_video(str(video), "suturing", keep_video=True, trainee="ana")
        record = service.db.get_session(view.session_id, trainee="ana")
        db_file = service.data_dir / "skillsight.db"
        files = [db_file, Path(record.video_path), Path(record.motion_path)]
        files += [p for p in (Path(f"{db_file}-wal"), Path(f"{db_file}-shm")) if p.exists()]
        assert len(files) >= 4  # WAL mode: the -wal file exists while the database is open
        assert {str(p.name): _mode(p) for p in files} == {str(p.name): 0o600 for p in files}
        for folder in (service.data_dir, service.data_dir / "sessions", service.work_dir):
            assert _mode(folder) == 0o700, folder
    finally:
        service.close()


def test_an_upload_over_the_quota_is_refused_and_stores_nothing(tmp_path, fake_pipeline):
    video = write_test_video(tmp_path / "practice.mp4", 5)
    second = write_test_video(tmp_path / "second.mp4", 6)
    service = AppService(data_dir=tmp_path / "data", user_quota_mb=video.stat().st_size * 1.5 / 1e6)
    try:
        service.assess_video(str(video), "suturing", keep_video=True, trainee="ana")
        with pytest.raises(UploadError, match="second.mp4: .* over your .* quota"):
            service.assess_video(str(second), "suturing", keep_video=True, trainee="ana")
        assert len(service.list_sessions("ana")) == 1
        service.assess_video(str(second), "suturing", keep_video=True, trainee="bob")  # quota per user
    finally:
        service.close()


def test_the_upload_limit_is_configurable(tmp_path, monkeypatch):
    video = tmp_path / "big.mp4"
    video.write_bytes(b"x" * 300_000)
    monkeypatch.setenv("SKILLSIGHT_MAX_UPLOAD_MB", "0.2")
    service = AppService(data_dir=tmp_path / "data")
    try:
        with pytest.raises(UploadError, match="big.mp4: 0 MB is over the 0 MB upload limit"):
            service.assess_video(str(video), "suturing", trainee="ana")
    finally:
        service.close()


@pytest.fixture
def served_app(tmp_path, monkeypatch, fake_pipeline):
    """The real page, served in-process on loopback with a private Gradio folder."""
    cache = tmp_path / "gradio"
    cache.mkdir(mode=0o700)
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(cache))
    from skillsight.webapp.layout import build_app

    service = AppService(data_dir=tmp_path / "data")
    demo = build_app(service)
    demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True)
    try:
        yield demo, service, cache
    finally:
        demo.close()
        service.close()


def _upload(url: str, video: Path) -> str:
    with open(video, "rb") as handle:
        response = httpx.post(f"{url}gradio_api/upload", files={"files": (video.name, handle, "video/mp4")})
    response.raise_for_status()
    return response.json()[0]


def _serve(demo, elem_id: str, value) -> str:
    """What Gradio does with an event's output: postprocess, then copy the file into its cache."""
    from gradio.processing_utils import move_files_to_cache

    block = next(b for b in demo.blocks.values() if getattr(b, "elem_id", None) == elem_id)
    data = block.postprocess(value)
    moved = move_files_to_cache(data, block, postprocess=True)
    payload = moved if isinstance(moved, dict) else moved.model_dump()
    return payload["video"]["path"] if "video" in payload else payload["path"]


def _session_files(demo, service, url, video, trainee):
    """Assess an upload as `trainee` and serve everything the page shows for it: (session, cached)."""
    from skillsight.webapp.page import results_outputs

    upload = _upload(url, video)
    view = service.assess_video(upload, "suturing", trainee=trainee)
    outputs = results_outputs(view, service)
    cached = [upload]
    # (summary, feedback, details, experts, speed chart (data, no file), replay, paths, timeline, ...)
    pictures = {"plot-experts": outputs[3], "plot-paths": outputs[6], "plot-timeline": outputs[7]}
    shown = {elem_id: update.get("value") for elem_id, update in pictures.items()}
    assert any(shown.values()), "no picture was served"
    cached += [_serve(demo, elem_id, value) for elem_id, value in shown.items() if value is not None]
    replay = service.write_replay(view.session_id, trainee)
    assert replay is not None
    cached.append(_serve(demo, "replay", str(replay)))
    reports = service.write_reports(view.session_id, trainee)
    cached += [
        _serve(demo, "report-html", str(reports["html"])),
        _serve(demo, "report-pdf", str(reports["pdf"])),
    ]
    return view, cached, [replay, *reports.values(), *service.served.files_of((trainee, view.session_id))]


def _status(url: str, path: str) -> int:
    return httpx.get(f"{url}gradio_api/file={path}").status_code


@pytest.mark.slow
def test_deleting_a_session_leaves_no_file_on_disk_or_by_url(served_app, tmp_path):
    demo, service, cache = served_app
    url = demo.local_url
    video = write_test_video(tmp_path / "practice.mp4", 20, size=(96, 64))
    ana, ana_cached, ana_disk = _session_files(demo, service, url, video, "ana")
    # Bob uploads the very same file: Gradio keeps one copy of it for both.
    (tmp_path / "bob").mkdir()
    same = Path(shutil.copy(video, tmp_path / "bob" / video.name))
    bob, bob_cached, _ = _session_files(demo, service, url, same, "bob")
    print(f"\nana's upload {ana_cached[0]}\nbob's upload {bob_cached[0]}")
    listed = sorted(set(ana_cached) | {str(p) for p in ana_disk})
    assert len(ana_cached) >= 5  # upload, the pictures shown, replay, HTML and PDF report
    assert all(Path(p).exists() for p in listed)
    assert {_status(url, p) for p in ana_cached} == {200}

    assert service.delete_session(ana.session_id, "ana")
    shared = {p for p in ana_cached if p in bob_cached}  # Bob's identical upload
    print(f"\nafter deleting session {ana.session_id}: {len(listed)} paths checked, {len(shared)} shared")
    for path in listed:
        if path in shared:
            continue
        assert not Path(path).exists(), f"still on disk: {path}"
    for path in ana_cached:
        if path not in shared:
            assert _status(url, path) in (403, 404), f"still served: {path}"
    assert shared and {_status(url, p) for p in shared} == {200}  # Bob's upload still works
    leftovers = [p for p in service.work_dir.rglob("*") if f"session-{ana.session_id}" in p.name]
    assert leftovers == []
    assert service.delete_session(bob.session_id, "bob")
    assert all(not Path(p).exists() for p in bob_cached)


@pytest.mark.slow
@pytest.mark.parametrize("how", ["SIGTERM", "SIGINT"])
def test_stopping_the_app_removes_uploads_and_its_work_folder(tmp_path, how):
    import signal
    import subprocess
    import sys
    import time

    from app_server import REPO_ROOT

    data = tmp_path / "data"
    data.mkdir()
    gradio_dir = tmp_path / "gradio-parent"
    gradio_dir.mkdir()
    port = free_port()
    env = {**os.environ, "SKILLSIGHT_DATA_DIR": str(data), "TMPDIR": str(gradio_dir)}
    env.pop("GRADIO_TEMP_DIR", None)
    app = subprocess.Popen(
        [sys.executable, str(REPO_ROOT / "app.py"), "--port", str(port)],
        env=env,
        preexec_fn=default_interrupts,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and app.poll() is None, "app did not start"
            time.sleep(0.5)
        uploaded = Path(_upload(url, write_test_video(tmp_path / "raw.mp4", 5)))
        assert uploaded.exists() and gradio_dir in uploaded.parents
        app.send_signal(getattr(signal, how))
        app.wait(timeout=60)
    finally:
        if app.poll() is None:
            app.kill()
    assert app.returncode is not None and not uploaded.exists()
    left = sorted(
        p.name for p in gradio_dir.rglob("*") if p.name.startswith("skillsight") or p.suffix == ".mp4"
    )
    assert left == []  # no skillsight-gradio-*, no skillsight-app-* folder, no video
