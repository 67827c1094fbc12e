# ruff: noqa: E501  (one bad input per line reads as a table)
"""Every bad input of `skillsight batch` from the reliability review (issue 12), with its exit code and
message: 0 every video answered (scored, refused, damaged: the reason in results.csv), 1 a video failed,
2 bad usage or input, 75 the output folder stayed busy; messages name the file and the problem."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner
from video_factory import textured_frame, truncate_file

from skillsight.batch import OutputFolderLock
from skillsight.capture.sinks import AnnotatedVideoWriter
from skillsight.cli import app
from skillsight.storage import Database


def batch(*args: str, db: Path):
    return CliRunner().invoke(app, ["batch", *args, "--db", f"sqlite:///{db}", "--quiet", "--workers", "1"])


def rows(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "results.csv", newline="") as handle:
        return {row["video"]: row for row in csv.DictReader(handle)}


@pytest.fixture
def lab(tmp_path) -> Path:
    """A lab folder with a manifest, a broken manifest and a newer database."""
    (tmp_path / "videos").mkdir()
    (tmp_path / "videos" / "a.mp4").write_bytes(b"never read: every case here stops before scoring")
    (tmp_path / "notes.txt").write_text("not a manifest")
    (tmp_path / "no-video-column.csv").write_text("file,participant\na.mp4,P1\n")
    (tmp_path / "bad-hand.csv").write_text("video,participant,dominant_hand\na.mp4,P1,both\n")
    (tmp_path / "missing-file.csv").write_text("video,participant\nnot-there.mp4,P1\n")
    newer = tmp_path / "newer.db"
    Database(f"sqlite:///{newer}").close()
    with sqlite3.connect(newer) as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    return tmp_path


# (name, arguments before --out, exit code, message); {lab} is the lab folder; the database is lab.db
# unless the arguments give another.
BAD_INPUTS = [
    ("input not found", ["{lab}/absent", "-p", "suturing"], 2, "input not found"),
    ("not a folder or manifest", ["{lab}/notes.txt", "-p", "suturing"], 2, "not a folder or a manifest CSV"),
    ("folder without procedure", ["{lab}/videos"], 2, "a folder needs --procedure"),
    ("unknown procedure", ["{lab}/videos", "-p", "no_such_procedure"], 2, "unknown procedure"),
    ("manifest without video column", ["{lab}/no-video-column.csv", "-p", "suturing"], 2, "needs a 'video' column"),
    ("manifest with a bad hand", ["{lab}/bad-hand.csv", "-p", "suturing"], 2, "line 2: dominant_hand"),
    ("bad damage limit", ["{lab}/videos", "-p", "suturing", "--max-undecodable", "-1"], 2, "between 0 and 1"),
    ("file listed but missing", ["{lab}/missing-file.csv", "-p", "suturing"], 1, "not-there.mp4: file not found"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "args", "code", "message"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_each_bad_input_exits_with_its_code_and_message(lab, name, args, code, message):
    args = [a.replace("{lab}", str(lab)) for a in args]
    result = batch(*args, "--out", str(lab / "out"), db=lab / "lab.db")
    assert result.exit_code == code, result.output
    assert message in result.output and "Traceback" not in result.output


def test_a_database_newer_than_this_skillsight_is_an_error(lab):
    result = batch(str(lab / "videos"), "-p", "suturing", "--out", str(lab / "out"), db=lab / "newer.db")
    assert result.exit_code == 1 and "newer than this SkillSight" in result.output


def test_a_busy_output_folder_exits_75_after_the_timeout(lab):
    (lab / "out").mkdir()
    with OutputFolderLock(lab / "out"):
        args = [str(lab / "videos"), "-p", "suturing", "--out", str(lab / "out"), "--lock-timeout", "0.3"]
        result = batch(*args, db=lab / "lab.db")
    assert result.exit_code == 75 and "still holds this output folder" in result.output


@pytest.mark.slow
def test_damaged_and_broken_videos_get_their_status_and_error_column(lab):
    videos = lab / "videos"
    whole = videos / "whole.mp4"
    with AnnotatedVideoWriter(whole, 10, (96, 64)) as writer:
        for i in range(40):
            writer.write(textured_frame(i, (96, 64)))
    truncate_file(whole, 0.65, videos / "cut.mp4")
    whole.unlink()
    (videos / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42 this is not a video")
    result = batch(str(videos), "-p", "suturing", "--out", str(lab / "out"), db=lab / "lab.db")
    assert result.exit_code == 0, result.output  # every file has its answer: damaged or unreadable
    table = rows(lab / "out")
    assert table["cut.mp4"]["status"] == "damaged"
    assert "cut.mp4" in table["cut.mp4"]["error"] and "could not be decoded" in table["cut.mp4"]["error"]
    assert table["broken.mp4"]["status"] == "unreadable" and "broken.mp4" in table["broken.mp4"]["error"]
    assert "1 damaged" in result.output
    with Database(f"sqlite:///{lab / 'lab.db'}") as database:
        assert [s.status for s in database.list_sessions()] == ["damaged"]
