# ruff: noqa: E501  (one bad input per line reads as a table)
"""Every bad input of the app (`python app.py` and its page's actions) from the reliability review
(issue 12), with what it must say: uploads refused naming the file (UploadError, shown on the page),
settings refused at start-up with one line and exit code, never a password in a message."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from app_server import REPO_ROOT
from webapp_samples import scored_assessment, two_hand_motion

import skillsight.pipeline
from skillsight.webapp.service import AppService, UploadError


def load_app_module():
    spec = importlib.util.spec_from_file_location("skillsight_app_script", REPO_ROOT / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def service(tmp_path, monkeypatch):
    def fake_assess(request):
        return skillsight.pipeline.AssessmentRun(motion=two_hand_motion(), assessment=scored_assessment())

    monkeypatch.setattr(skillsight.pipeline, "assess", fake_assess)
    svc = AppService(data_dir=tmp_path / "data", max_upload_mb=1, user_quota_mb=0.5)
    yield svc
    svc.close()


def _file(folder: Path, name: str, size: int) -> str:
    path = folder / name
    path.write_bytes(b"v" * size)
    return str(path)


# (name, upload made in tmp_path or None, message)
BAD_UPLOADS = [
    ("no upload", None, "no video: record one with the webcam or upload a file first"),
    ("missing upload", "gone.mp4", "gone.mp4: the uploaded file is missing"),
    ("not a video", ("notes.txt", 10), "notes.txt: not a video file"),
    ("empty file", ("empty.mp4", 0), "empty.mp4: the file is empty"),
    ("over the upload limit", ("big.mp4", 1_500_000), "big.mp4: 2 MB is over the 1 MB upload limit"),
    ("over the user's quota", ("large.mp4", 600_000), "large.mp4: storing it would use 1 MB, over your 0 MB quota"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "upload", "message"), BAD_UPLOADS, ids=[b[0] for b in BAD_UPLOADS])
def test_each_bad_upload_is_refused_naming_the_file_and_stores_nothing(
    service, tmp_path, name, upload, message
):
    path = (
        None
        if upload is None
        else str(tmp_path / upload)
        if isinstance(upload, str)
        else _file(tmp_path, *upload)
    )
    with pytest.raises(UploadError) as refused:
        service.assess_video(path, "suturing", trainee="ana")
    assert message in str(refused.value)
    assert service.list_sessions("ana") == []


# (name, command-line arguments, environment, exit message); no message may show a password.
BAD_SETTINGS = [
    ("--auth without a password", ["--auth", "ana"], {}, "--auth, entry 1 (ana): expected user:password"),
    ("missing --auth-file", ["--auth-file", "/nonexistent/users.txt"], {}, "users.txt: cannot read the sign-in file"),
    ("empty auth file", ["--auth-file", "{empty}"], {}, "no user:password lines"),
    ("malformed SKILLSIGHT_AUTH", [], {"SKILLSIGHT_AUTH": "ana:s3cret,bob"}, "SKILLSIGHT_AUTH, entry 2 (bob)"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "args", "env", "message"), BAD_SETTINGS, ids=[b[0] for b in BAD_SETTINGS])
def test_each_bad_setting_stops_with_one_line(tmp_path, monkeypatch, name, args, env, message):
    app = load_app_module()
    empty = tmp_path / "empty.txt"
    empty.write_text("# no users yet\n")
    for key in ("SKILLSIGHT_AUTH", "SKILLSIGHT_AUTH_FILE"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SystemExit) as stopped:
        app.resolve_auth(app.parse_args([a.replace("{empty}", str(empty)) for a in args]))
    assert message in str(stopped.value) and "s3cret" not in str(stopped.value)


def test_sign_in_users_come_from_a_file_and_the_environment(tmp_path, monkeypatch, capsys):
    app = load_app_module()
    users = tmp_path / "users.txt"
    users.write_text("# lab users\nana:pw-ana\n\nbob:pw:with:colons\n")
    users.chmod(0o600)
    monkeypatch.setenv("SKILLSIGHT_AUTH", "cy:pw-cy")
    monkeypatch.delenv("SKILLSIGHT_AUTH_FILE", raising=False)
    pairs = app.resolve_auth(app.parse_args(["--auth-file", str(users)]))
    assert pairs == [("ana", "pw-ana"), ("bob", "pw:with:colons"), ("cy", "pw-cy")]
    assert capsys.readouterr().err == ""  # an owner-only file, no password on the command line
    users.chmod(0o644)
    app.resolve_auth(app.parse_args(["--auth-file", str(users), "--auth", "dan:pw"]))
    err = capsys.readouterr().err
    assert "readable by others" in err and "process list" in err


@pytest.mark.slow
def test_a_bad_upload_limit_in_the_environment_stops_the_app_with_one_line(tmp_path):
    env = {**os.environ, "SKILLSIGHT_MAX_UPLOAD_MB": "lots", "SKILLSIGHT_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "app.py"), "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "error: SKILLSIGHT_MAX_UPLOAD_MB: not a number of megabytes: 'lots'" in result.stderr
    assert "Traceback" not in result.stderr
