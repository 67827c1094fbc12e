"""Work only where needed (issue 15): a recording too short to score is refused from its container's
packets before any tracking, with the same reason tracking would give; cut, one-frame and long-enough
files go on to decoding (its damage measurement and tracking decide)."""

from __future__ import annotations

import time

import pytest
from video_factory import truncate_file, write_test_video

import skillsight.pipeline as pipeline
from skillsight.capture.container import container_length
from skillsight.score_request import ScoreRequest
from skillsight.scoring.results import ResultStatus


class Tracked(Exception):
    pass


@pytest.fixture
def no_tracking(monkeypatch):
    def track(*_args, **_kwargs):
        raise Tracked("tracked")

    monkeypatch.setattr(pipeline, "track", track)


def test_a_short_clip_is_refused_before_tracking(tmp_path, no_tracking):
    clip = write_test_video(tmp_path / "short.mp4", 30, fps=10.0)  # 3 s; suturing needs more
    started = time.perf_counter()
    run = pipeline.assess(ScoreRequest.build(clip, "suturing", dominant_hand="left"))
    elapsed = time.perf_counter() - started
    assert run.assessment.status == ResultStatus.REFUSED.value
    assert run.assessment.refusal_reasons == [
        "the recording is 3.0 s long; at least 20 s of practice is needed for a reliable score"
    ]
    assert run.assessment.advice and "Record longer" in run.assessment.advice[0]
    assert run.assessment.provenance["refused_before_tracking"]["container_span_s"] == pytest.approx(3.0)
    assert run.motion.n_frames == 0 and run.motion.metadata["refused_before_tracking"]
    print(f"refused in {elapsed:.3f} s")


def test_the_packets_not_the_header_measure_the_length(tmp_path):
    clip = write_test_video(tmp_path / "clip.mkv", 25, fps=10.0)
    length = container_length(clip)
    assert length is not None and length.packets == 25
    assert length.span_s == pytest.approx(2.5)
    assert not length.cut_short
    assert container_length(tmp_path / "missing.mp4") is None
    (tmp_path / "text.mp4").write_text("not a video")
    assert container_length(tmp_path / "text.mp4") is None


@pytest.mark.parametrize("kind", ["long enough", "one frame", "cut short"])
def test_what_decoding_must_judge_is_tracked(tmp_path, no_tracking, kind):
    if kind == "long enough":
        clip = write_test_video(tmp_path / "long.mp4", 60, fps=10.0)  # 6 s: intubation needs 5
        procedure = "intubation"
    elif kind == "one frame":
        clip, procedure = write_test_video(tmp_path / "one.mkv", 1), "suturing"
    else:
        whole = write_test_video(tmp_path / "whole.mp4", 40, fps=10.0)
        clip, procedure = truncate_file(whole, 0.5, tmp_path / "cut.mp4"), "suturing"
        length = container_length(clip)
        assert length is None or length.cut_short
    with pytest.raises(Tracked):
        pipeline.assess(ScoreRequest.build(clip, procedure))


def test_the_app_stores_an_early_refusal(tmp_path, no_tracking):
    from skillsight.webapp.service import AppService

    clip = write_test_video(tmp_path / "short.mp4", 30, fps=10.0)
    service = AppService(data_dir=tmp_path / "data")
    try:
        view = service.assess_video(str(clip), "suturing", "right", False, "ana")
        assert view.assessment.status == ResultStatus.REFUSED.value
        record = service.db.get_session(view.session_id, trainee="ana")
        assert record is not None and record.status == ResultStatus.REFUSED.value
    finally:
        service.close()
