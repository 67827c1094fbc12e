"""A batch folder passes over files that are not videos without a word, so every container a lab's
cameras write (camcorders' AVCHD .MTS, MPEG, Windows, phones) must count as a video."""

from __future__ import annotations

from pathlib import Path

import pytest
from video_factory import write_test_video

from skillsight.batch.inputs import find_inputs
from skillsight.capture import open_source


@pytest.mark.parametrize(
    ("name", "codec"), [("clip.MTS", "mpeg2video"), ("clip.mpg", "mpeg2video"), ("clip.wmv", "wmv2")]
)
def test_camcorder_and_older_formats_are_batch_inputs_and_read(tmp_path: Path, name: str, codec: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    write_test_video(folder / name, 12, fps=25.0, codec=codec)
    (folder / "notes.txt").write_text("not a video")
    assert [item.video for item in find_inputs(folder, "suturing")] == [name]
    assert len(list(open_source(folder / name))) >= 10


def test_files_a_batch_leaves_alone_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from skillsight.batch.inputs import passed_over
    from skillsight.commands.batch import _say_passed_over

    folder = tmp_path / "in"
    (folder / "day2").mkdir(parents=True)
    write_test_video(folder / "clip.mp4", 3)
    (folder / "notes.txt").write_text("not a video")
    (folder / "day2" / "clip.vob").write_bytes(b"\x00\x00\x01\xba")  # a DVD camera's file
    (folder / ".DS_Store").write_bytes(b"")
    out = folder / "results"
    out.mkdir()
    (out / "results.csv").write_text("video\n")
    assert [item.video for item in find_inputs(folder, "suturing", out)] == ["clip.mp4"]
    assert passed_over(folder, out) == ["day2/clip.vob", "notes.txt"]
    _say_passed_over(folder, out)
    assert "passed over (not a video or motion file): day2/clip.vob, notes.txt" in capsys.readouterr().out
