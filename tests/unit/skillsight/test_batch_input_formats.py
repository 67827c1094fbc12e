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
