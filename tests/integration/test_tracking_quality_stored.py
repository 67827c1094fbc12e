"""One TrackingQuality, stored as is: the app and batch store the same number for the same video.

Before, the app stored the assessment's share (every required individual tracked, from confidence)
and batch its own (hands only, from positions), in the same database column.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import shared_file

from skillsight.batch import run_batch
from skillsight.pose.motion import Motion
from skillsight.pose.quality import TrackingQuality, measure_tracking_quality
from skillsight.storage import Database
from skillsight.synthetic_video import rewrite_clip
from skillsight.webapp.service import AppService

N_FRAMES = 150  # 6 s at 25 fps: long enough for intubation (5 s), so tracked, not refused early
PROCEDURE = "intubation"


@pytest.mark.slow
def test_app_and_batch_store_the_same_tracking_quality(tmp_path):
    source = shared_file("tfjs/asl_hand.25fps.mp4")
    videos = tmp_path / "videos"
    # Half size keeps tracking quick; the signing hand is found in some frames, the other in none.
    clip = rewrite_clip(
        source, videos / "practice.mp4", lambda _i, image: image[::2, ::2], max_frames=N_FRAMES
    )

    service = AppService(data_dir=tmp_path / "app")
    try:
        view = service.assess_video(str(clip), PROCEDURE)
        app_record = service.db.get_session(view.session_id)
    finally:
        service.close()
    db_url = f"sqlite:///{tmp_path / 'lab.db'}"
    summary = run_batch(videos, PROCEDURE, tmp_path / "out", workers=1, db_url=db_url, progress=False)
    assert summary.total == 1 and summary.failed == 0, [r.error for r in summary.rows]
    with Database(db_url) as database:
        (batch_record,) = database.list_sessions(trainee="batch")

    assert app_record is not None and app_record.tracking_quality is not None
    assert batch_record.tracking_quality == app_record.tracking_quality
    assert batch_record.assessment.tracking_quality == app_record.assessment.tracking_quality
    assert summary.rows[0].tracking_quality == app_record.tracking_quality
    quality = app_record.assessment.tracking_quality
    assert isinstance(quality, TrackingQuality) and quality.n_frames == N_FRAMES
    assert app_record.tracking_quality == quality.share


def test_share_counts_frames_with_every_required_individual():
    n = 10
    positions = np.zeros((n, 3, 1, 2))
    positions[5:, 0] = np.nan  # left hand gone in the second half
    confidence = np.ones((n, 3, 1))
    confidence[:2, 1] = 0.0  # right hand: a position but no confidence in the first two frames
    motion = Motion(
        positions=positions,
        confidence=confidence,
        timestamps=np.arange(n) / 10.0,
        individuals=("left_hand", "right_hand", "body"),
        keypoints=("wrist",),
        space=("x", "y"),
    )
    hands = measure_tracking_quality(motion, ("left_hand", "right_hand"))
    assert hands.share == pytest.approx(0.3)  # frames 2, 3, 4
    assert hands.individual("left_hand").tracked_share == pytest.approx(0.5)
    assert hands.individual("right_hand").tracked_share == pytest.approx(0.8)
    assert hands.individual("left_hand").longest_gap_s == pytest.approx(0.5)
    assert measure_tracking_quality(motion, ("body",)).share == 1.0
    missing = measure_tracking_quality(motion, ("left_hand", "needle"))
    assert missing.share == 0.0 and missing.individual("needle").longest_gap_s is None
    assert TrackingQuality.from_dict(hands.to_dict()) == hands
    assert TrackingQuality(share=0.0).stored_share is None
