"""Damaged recordings: the decoder measures what is lost, and scoring carries it (issue 12, defect 3).

The decoder's measure (`DecodeDamage`) is tested on real containers cut or broken the way recordings
break (a file copied before it finished, a broken image in a folder, a one-frame video); scoring is
tested on motion files that carry that measure, so the CLI path runs without minutes of tracking.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner
from video_factory import synthetic_frame, textured_frame, truncate_file, write_test_video

from skillsight.capture.frames import DecodeDamage
from skillsight.capture.sources import open_source
from skillsight.cli import app
from skillsight.scoring.damage import apply_decode_damage, damage_of
from skillsight.scoring.results import EXIT_DAMAGED, EXIT_SCORED, ResultStatus
from skillsight.scoring.synthetic import generate_practice

runner = CliRunner()


def _front_indexed_mp4(path, n_frames):
    """An MP4 whose index (moov) is at the front, as phones and the app's writer make them."""
    from skillsight.capture.sinks import AnnotatedVideoWriter

    with AnnotatedVideoWriter(path, 10, (96, 64)) as writer:
        for i in range(n_frames):
            writer.write(textured_frame(i, (96, 64)))
    return path


def test_an_intact_video_reports_no_damage(tmp_path):
    source = open_source(_front_indexed_mp4(tmp_path / "whole.mp4", 40))
    assert len(list(source)) == 40
    assert source.damage is not None and not source.damage.damaged
    assert source.damage.undecodable_share == 0.0


def test_a_video_cut_to_65_percent_of_its_bytes_reports_the_missing_share(tmp_path):
    whole = _front_indexed_mp4(tmp_path / "whole.mp4", 40)
    cut = truncate_file(whole, 0.65, tmp_path / "cut.mp4")
    source = open_source(cut)
    frames = list(source)
    damage = source.damage
    assert damage is not None and damage.damaged
    assert damage.expected_frames == 40 and damage.decoded_frames == len(frames)
    assert damage.undecodable_share == pytest.approx(1 - len(frames) / 40)
    assert 0.2 < damage.undecodable_share < 0.5
    assert damage.describe().startswith("cut.mp4: ") and "could not be decoded" in damage.describe()
    assert str(tmp_path) not in damage.describe()  # the app showed its temporary copy's path as the reason


def test_a_pass_stopped_by_its_consumer_measures_nothing(tmp_path):
    source = open_source(_front_indexed_mp4(tmp_path / "whole.mp4", 20))
    for frame in source:
        if frame.index == 3:
            break
    assert source.damage is None


def test_a_broken_image_in_the_middle_of_a_folder_is_skipped_and_named(tmp_path):
    import cv2

    for i in range(6):
        cv2.imwrite(str(tmp_path / f"{i}.png"), synthetic_frame(i))
    (tmp_path / "2.png").write_bytes(b"broken")
    source = open_source(tmp_path, fps=2)
    frames = list(source)
    assert len(frames) == 5  # before the fix only the 2 images before the broken one were used
    assert [f.time_s for f in frames] == [0.0, 0.5, 1.5, 2.0, 2.5]  # the broken one stays a gap
    assert [f.index for f in frames] == list(range(5))
    assert source.damage is not None and source.damage.damaged
    assert source.damage.missing_frames == 1 and "2.png" in source.damage.describe()


def test_a_one_frame_video_is_too_few_frames_to_hold_motion(tmp_path):
    source = open_source(write_test_video(tmp_path / "one.mkv", 1))
    assert len(list(source)) == 1
    assert source.damage is not None and source.damage.too_few_frames and source.damage.damaged
    assert "single picture" in source.damage.describe()


# --- carried into the assessment -------------------------------------------------------------------


def _motion_with_damage(tmp_path, decoded, expected, name="practice"):
    motion = generate_practice(skill="expert", procedure="suturing", duration_s=30.0, seed=5)
    damage = DecodeDamage(f"/videos/{name}.mp4", expected, decoded, ("the file ends early",))
    metadata = {**motion.metadata, "decode_damage": damage.to_dict()}
    return motion.with_updates(metadata=metadata).save(tmp_path / name)


def test_score_of_a_badly_damaged_recording_exits_5_with_the_damage_in_the_json(tmp_path):
    motion_file = _motion_with_damage(tmp_path, decoded=625, expected=1000)
    out = tmp_path / "result.json"
    result = runner.invoke(app, ["score", str(motion_file), "--procedure", "suturing", "--json", str(out)])
    assert result.exit_code == EXIT_DAMAGED == 5, result.output
    assert "NOT SCORED: the recording is damaged" in result.output
    data = json.loads(out.read_text())
    assert data["status"] == "damaged" and data["score"] is None and data["skill_level"] is None
    assert data["decode_damage"]["undecodable_share"] == pytest.approx(0.375)
    assert "38% of the recording could not be decoded" in data["refusal_reasons"][0]


def test_a_loss_below_the_limit_is_scored_with_a_prominent_warning(tmp_path):
    motion_file = _motion_with_damage(tmp_path, decoded=625, expected=1000)
    out = tmp_path / "result.json"
    args = ["score", str(motion_file), "-p", "suturing", "--json", str(out), "--max-undecodable", "0.5"]
    result = runner.invoke(app, args)
    assert result.exit_code == EXIT_SCORED, result.output
    assert result.output.splitlines()[0].startswith("WARNING: DAMAGED RECORDING")
    data = json.loads(out.read_text())
    assert data["status"] == "scored" and data["decode_damage"]["damaged"]
    assert data["warnings"] and "practice.mp4" in data["warnings"][0]


def test_the_limit_comes_from_the_environment_and_a_bad_one_is_usage(tmp_path, monkeypatch):
    motion_file = _motion_with_damage(tmp_path, decoded=940, expected=1000)
    monkeypatch.setenv("SKILLSIGHT_MAX_UNDECODABLE", "0.05")
    assert runner.invoke(app, ["score", str(motion_file), "-p", "suturing"]).exit_code == EXIT_DAMAGED
    monkeypatch.setenv("SKILLSIGHT_MAX_UNDECODABLE", "0.1")
    assert runner.invoke(app, ["score", str(motion_file), "-p", "suturing"]).exit_code == EXIT_SCORED
    bad = runner.invoke(app, ["score", str(motion_file), "-p", "suturing", "--max-undecodable", "2"])
    assert bad.exit_code == 2 and "between 0 and 1" in bad.output


def test_an_intact_motion_has_no_damage_field():
    motion = generate_practice(skill="expert", procedure="suturing", duration_s=30.0, seed=5)
    assert damage_of(motion.metadata) is None


def test_a_motion_file_tracked_before_damage_was_kept_still_carries_its_decode_error():
    metadata = {
        "source": "old.mp4",
        "frame_count": 250,
        "video_info": {"frame_count": 1000},
        "decode_error": {"frame_index": 250, "time_s": 10.0, "problem": "the file ends early"},
    }
    damage = damage_of(metadata)
    assert damage is not None and damage.undecodable_share == pytest.approx(0.75)


def test_too_few_frames_is_damaged_whatever_the_limit():
    from skillsight.scoring.results import Assessment

    assessment = Assessment(status="refused", procedure="suturing", refusal_reasons=["nothing was tracked"])
    damaged = apply_decode_damage(assessment, DecodeDamage("one.mp4", 1, 1), max_share=1.0)
    assert damaged.status == ResultStatus.DAMAGED and "single picture" in damaged.refusal_reasons[0]
    assert ResultStatus(damaged.status).exit_code == 5


def test_the_page_shows_the_damage_first():
    from skillsight.scoring.results import Assessment
    from skillsight.webapp.views import summary_markdown

    scored = Assessment(status="scored", procedure="suturing", score=12.0, score_interval=(10.0, 14.0))
    damage = DecodeDamage("cut.mp4", 1000, 950, ("the file ends early",))
    text = summary_markdown(apply_decode_damage(scored, damage, 0.1))
    assert text.startswith("> **Warning:** DAMAGED RECORDING: cut.mp4: 5% of the recording")
    refused = apply_decode_damage(Assessment(status="scored", procedure="suturing"), damage, 0.01)
    assert "The video file is damaged" in summary_markdown(refused)


@pytest.mark.parametrize(
    ("suffix", "codec"), [(".webm", "libvpx-vp9"), (".mkv", "libx264"), (".avi", "mjpeg")]
)
def test_each_container_cut_short_reports_the_share_it_lost(tmp_path, suffix, codec):
    frames = [textured_frame(i, (96, 64)) for i in range(40)]
    whole = write_test_video(tmp_path / f"whole{suffix}", frames, fps=10, codec=codec)
    source = open_source(truncate_file(whole, 0.65, tmp_path / f"cut{suffix}"))
    decoded = len(list(source))
    assert source.damage is not None and source.damage.expected_frames == 40
    assert source.damage.undecodable_share == pytest.approx(1 - decoded / 40)
    assert source.damage.undecodable_share > 0.2  # well above the default limit of 10%
