"""Batch: each participant's default dominant hand (a participants CSV, their other manifest rows, or
--dominant-hand), and the threads each worker is given."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from skillsight.batch.inputs import BatchInputError, DominantHands, find_inputs, read_manifest
from skillsight.cli import app


def _manifest(tmp_path: Path, text: str) -> Path:
    for name in ("a.mp4", "b.mp4", "c.mp4", "d.mp4"):
        (tmp_path / name).write_bytes(b"x")
    path = tmp_path / "manifest.csv"
    path.write_text(text)
    return path


def test_a_row_without_a_hand_takes_its_participants_then_the_default(tmp_path):
    manifest = _manifest(
        tmp_path,
        "video,participant,dominant_hand\na.mp4,P1,left\nb.mp4,P1,\nc.mp4,P2,\nd.mp4,P3,right\n",
    )
    hands = {item.video: item.dominant_hand for item in read_manifest(manifest, "suturing")}
    assert hands == {"a.mp4": "left", "b.mp4": "left", "c.mp4": "right", "d.mp4": "right"}
    lefties = DominantHands(default="left")
    hands = {item.video: item.dominant_hand for item in read_manifest(manifest, "suturing", lefties)}
    assert hands == {"a.mp4": "left", "b.mp4": "left", "c.mp4": "left", "d.mp4": "right"}


def test_a_participants_file_gives_defaults_and_a_row_still_wins(tmp_path):
    manifest = _manifest(tmp_path, "video,participant,dominant_hand\na.mp4,P1,\nb.mp4,P2,\nc.mp4,P2,right\n")
    people = tmp_path / "participants.csv"
    people.write_text("participant,dominant_hand\nP1,left\nP2,LEFT\n")
    hands = DominantHands.read(people)
    assert hands.of("P1") == "left" and hands.of("P9") == "right" and hands.of(None) == "right"
    items = {item.video: item.dominant_hand for item in read_manifest(manifest, "suturing", hands)}
    assert items == {"a.mp4": "left", "b.mp4": "left", "c.mp4": "right"}


def test_folders_take_the_default_and_bad_hands_name_their_line(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.mp4").write_bytes(b"x")
    found = find_inputs(tmp_path / "in", "suturing", hands=DominantHands(default="left"))
    assert [item.dominant_hand for item in found] == ["left"]
    people = tmp_path / "people.csv"
    people.write_text("participant,dominant_hand\nP1,both\n")
    with pytest.raises(BatchInputError, match=r"people.csv, line 2.*left or right"):
        DominantHands.read(people)
    with pytest.raises(BatchInputError, match="--dominant-hand"):
        DominantHands(default="up")
    manifest = _manifest(
        tmp_path, "video,participant,dominant_hand\na.mp4,P1,left\nb.mp4,P1,right\nc.mp4,P1,\n"
    )
    with pytest.raises(BatchInputError, match=r"line 4: P1's other rows give both hands"):
        read_manifest(manifest, "suturing")


def test_the_cli_takes_the_options_and_refuses_a_bad_hand(tmp_path):
    (tmp_path / "in").mkdir()
    result = CliRunner().invoke(
        app,
        [
            "batch",
            str(tmp_path / "in"),
            "-p",
            "suturing",
            "-o",
            str(tmp_path / "out"),
            "--dominant-hand",
            "up",
        ],
    )
    assert result.exit_code == 2 and "left or right" in result.output
    result = CliRunner().invoke(
        app,
        [
            "batch",
            str(tmp_path / "in"),
            "-p",
            "suturing",
            "-o",
            str(tmp_path / "o"),
            "--threads-per-worker",
            "0",
        ],
    )
    assert result.exit_code == 2
