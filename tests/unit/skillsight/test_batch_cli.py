"""`skillsight batch`: exit codes, summary, and that the command only wires run_batch."""

from __future__ import annotations

import csv

import pytest
import test_batch_local
from test_batch_local import GOOD, fake_task, make_videos
from typer.testing import CliRunner

from skillsight import batch
from skillsight.cli import app

# The fixtures that test_batch_local defines, shared here.
procedure_file = test_batch_local.procedure_file
calls_dir = test_batch_local.calls_dir


@pytest.fixture
def fake_scoring(monkeypatch):
    monkeypatch.setattr(batch, "score_one", fake_task)


def invoke(*args: str):
    return CliRunner().invoke(app, ["batch", *args, "--quiet", "--workers", "1"])


def test_exit_code_is_zero_when_all_were_scored_or_refused(tmp_path, procedure_file, calls_dir, fake_scoring):
    make_videos(tmp_path / "videos", GOOD)
    db = f"sqlite:///{tmp_path / 'lab.db'}"
    result = invoke(
        str(tmp_path / "videos"), "--procedure", procedure_file, "--out", str(tmp_path / "out"), "--db", db
    )
    assert result.exit_code == 0, result.output
    assert "3 scored, 1 refused, 0 failed" in result.output
    with open(tmp_path / "out" / "results.csv", newline="") as handle:
        assert len(list(csv.DictReader(handle))) == 4
    again = invoke(
        str(tmp_path / "videos"), "--procedure", procedure_file, "--out", str(tmp_path / "out"), "--db", db
    )
    assert again.exit_code == 0 and "4 already done, 0 scored" in again.output


def test_exit_code_is_one_when_any_failed(tmp_path, procedure_file, calls_dir, fake_scoring):
    make_videos(tmp_path / "videos", {"ok.mp4": b"fine", "bad.mp4": b"FLAKY"})
    db = f"sqlite:///{tmp_path / 'lab.db'}"
    result = invoke(
        str(tmp_path / "videos"), "--procedure", procedure_file, "--out", str(tmp_path / "out"), "--db", db
    )
    assert result.exit_code == 1
    assert "failed: bad.mp4" in result.output


def test_an_unreadable_file_is_skipped_next_time_and_retried_on_request(
    tmp_path, procedure_file, calls_dir, fake_scoring
):
    make_videos(tmp_path / "videos", {"ok.mp4": b"fine", "empty.mp4": b"CORRUPT"})
    args = [str(tmp_path / "videos"), "--procedure", procedure_file, "--out", str(tmp_path / "out")]
    args += ["--db", f"sqlite:///{tmp_path / 'lab.db'}"]
    first, second = invoke(*args), invoke(*args)
    assert (first.exit_code, second.exit_code) == (0, 0), first.output + second.output
    assert "1 unreadable, 0 failed" in first.output and "unreadable: empty.mp4" in first.output
    # The unreadable one is among the skipped, and said so (it read "2 already done" then listed it again).
    assert "2 already done (1 of them unreadable, listed below)" in second.output
    assert "recorded as unreadable" in second.output
    assert "--retry-unreadable" in second.output
    retried = invoke(*args, "--retry-unreadable")
    assert retried.exit_code == 0 and "1 already done, 0 scored, 0 refused, 1 unreadable" in retried.output


def test_bad_input_is_a_usage_error_naming_the_file(tmp_path, procedure_file):
    result = invoke(str(tmp_path / "absent"), "--procedure", procedure_file, "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "absent" in result.output


def test_help_documents_the_exit_codes():
    result = CliRunner().invoke(app, ["batch", "--help"], terminal_width=200)
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "0 when every video got an answer" in text and "1 when any video failed" in text
    assert "unreadable" in text
    options = ("--workers", "--db", "--dask", "--model", "--reference", "--overlay", "--retry-unreadable")
    for option in options:
        assert option in text


def test_a_folder_without_videos_says_so(tmp_path, procedure_file, calls_dir, fake_scoring):
    """A staffer who pointed the batch at the wrong folder read "0 input(s): ... 0 failed" and exit 0, as
    if a batch had finished."""
    (tmp_path / "wrong").mkdir()
    (tmp_path / "wrong" / "notes.txt").write_text("not a video")
    db = f"sqlite:///{tmp_path / 'lab.db'}"
    result = invoke(
        str(tmp_path / "wrong"), "--procedure", procedure_file, "--out", str(tmp_path / "out"), "--db", db
    )
    assert result.exit_code == 0, result.output
    assert "holds no video or motion file" in result.output and "nothing was scored" in result.output
