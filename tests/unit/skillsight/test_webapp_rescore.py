"""Re-scoring from the app's History tab, and the app's memory of sessions, without UI.

Sessions are stored as before definitions were recorded (the fake pipeline leaves them out when it
assesses a video); re-scoring reads the stored motion and the fake then records today's definitions, with
another score so a stale number can be told from a new one. session_rescore does the real work.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from webapp_samples import scored_assessment, two_hand_motion

import skillsight.pipeline
from skillsight import session_rescore
from skillsight.models import default_model_path, default_reference_path
from skillsight.scoring.features.definitions import PROVENANCE_KEY, definition_versions
from skillsight.webapp.rescoring import RescoreSummary, rescore_offer
from skillsight.webapp.service import AppService

OLD_SCORE, NEW_SCORE = 18.24, 20.5


def old_assessment():
    """As stored before definitions were recorded: no definition versions in its provenance."""
    assessment = scored_assessment()
    assessment.provenance.pop(PROVENANCE_KEY, None)
    return assessment


def shipped_summary(find) -> dict:
    """What provenance records of today's shipped model or reference for suturing (name, version, sha256)."""
    card = json.loads(Path(find("suturing")).with_suffix(".json").read_text(encoding="utf-8"))
    return {key: card.get(key) for key in ("name", "version", "sha256")}


def todays_assessment():
    assessment = copy.deepcopy(scored_assessment())
    assessment.score = NEW_SCORE
    assessment.provenance[PROVENANCE_KEY] = definition_versions(m.name for m in assessment.metrics)
    assessment.provenance["model"] = shipped_summary(default_model_path)
    assessment.provenance["reference"] = shipped_summary(default_reference_path)
    return assessment


@pytest.fixture
def app_service(tmp_path, monkeypatch):
    def fake_assess(request):
        rescoring = str(request.source).endswith(".motion.npz")  # the stored motion, read again
        assessment = todays_assessment() if rescoring else old_assessment()
        return skillsight.pipeline.AssessmentRun(motion=two_hand_motion(), assessment=assessment)

    monkeypatch.setattr(skillsight.pipeline, "assess", fake_assess)
    svc = AppService(data_dir=tmp_path / "data")
    yield svc
    svc.close()


def assess(service: AppService, tmp_path: Path, trainee: str, n: int = 1) -> list[int]:
    ids = []
    for i in range(n):
        video = tmp_path / f"{trainee}-{i}.mp4"
        video.write_bytes(f"practice {trainee} {i}".encode())  # distinct content: distinct sessions
        ids.append(service.assess_video(str(video), "suturing", "right", trainee=trainee).session_id)
    return ids


def test_only_the_signed_in_trainees_stale_sessions_are_counted_and_rescored(app_service, tmp_path):
    # the sample's metrics have definitions today: else re-scored sessions would stay stale
    assert len(definition_versions(m.name for m in scored_assessment().metrics)) == 3
    ana = assess(app_service, tmp_path, "ana", 2)
    bob = assess(app_service, tmp_path, "bob")
    assert app_service.stale_sessions("ana", "suturing") == ana
    assert app_service.stale_sessions("ana", "intubation") == []
    progress = []
    summary = app_service.rescore_stale("ana", "suturing", lambda done, total: progress.append((done, total)))
    assert summary.rescored == ana and not summary.skipped and not summary.failed
    assert progress == [(1, 2), (2, 2)]
    assert app_service.stale_sessions("ana", "suturing") == []
    assert app_service.stale_sessions("bob", "suturing") == bob  # bob's were never touched
    assert app_service.db.get_session(bob[0]).score == pytest.approx(OLD_SCORE)
    assert [h["score"] for h in app_service.metric_history("ana", "suturing")] == [
        pytest.approx(NEW_SCORE)
    ] * 2
    kept = session_rescore.rescore_history(app_service.db, ana[0])  # the old numbers, kept
    assert len(kept) == 1 and kept[0]["columns"]["score"] == pytest.approx(OLD_SCORE)
    again = app_service.rescore_stale("ana", "suturing")
    assert again.total == 0 and "Nothing to re-score" in again.markdown()


def test_a_session_whose_motion_is_gone_is_named_and_the_others_rescored(app_service, tmp_path):
    first, second = assess(app_service, tmp_path, "ana", 2)
    Path(app_service.db.get_session(first).motion_path).unlink()
    summary = app_service.rescore_stale("ana", "suturing")
    assert summary.rescored == [second] and len(summary.skipped) == 1
    text = summary.markdown()
    assert f"Session {first}" in text and "stored motion is gone" in text
    assert "1 re-scored" in text and "1 skipped" in text
    assert app_service.stale_sessions("ana", "suturing") == [first]  # still offered, still said


def test_a_rescore_with_no_answer_keeps_the_session_and_says_so(app_service, tmp_path, monkeypatch):
    (sid,) = assess(app_service, tmp_path, "ana")

    def broken(request):
        raise RuntimeError("the model file is unreadable")

    monkeypatch.setattr(skillsight.pipeline, "assess", broken)
    summary = app_service.rescore_stale("ana", "suturing")
    assert summary.failed and "the model file is unreadable" in summary.failed[0]
    assert "1 with no answer" in summary.markdown()
    assert app_service.db.get_session(sid).score == pytest.approx(OLD_SCORE)


def test_a_view_in_memory_shows_new_numbers_once_the_cli_rescored_it(app_service, tmp_path):
    (sid,) = assess(app_service, tmp_path, "ana")
    shown = app_service.session_view(sid, "ana")  # in the app's memory
    assert shown.assessment.score == pytest.approx(OLD_SCORE)
    record = app_service.db.get_session(sid)
    assert session_rescore.rescore_session(app_service.db, record).action == "rescored"  # as the CLI does
    again = app_service.session_view(sid, "ana")
    assert again.assessment.score == pytest.approx(NEW_SCORE)
    assert again.motion is shown.motion  # the motion is the same: not read again
    assert app_service.session_view(sid, "ana") is again  # and remembered at its new version


def test_a_view_in_memory_goes_once_the_session_is_deleted_elsewhere(app_service, tmp_path):
    (sid,) = assess(app_service, tmp_path, "ana")
    assert app_service.session_view(sid, "ana") is not None
    report = app_service.write_reports(sid, "ana")["html"]
    assert app_service.db.delete_session(sid, trainee="ana")  # another process (the CLI, a second app)
    assert app_service.session_view(sid, "bob") is None and report.exists()  # not bob's to clean up
    assert app_service.session_view(sid, "ana") is None
    assert not report.exists()  # what the app derived from it goes too


def test_a_view_in_memory_is_never_shown_for_another_session_under_a_reused_id(app_service, tmp_path):
    (sid,) = assess(app_service, tmp_path, "ana")
    app_service.session_view(sid, "ana")
    app_service.db.delete_session(sid, trainee="ana")  # elsewhere; then another session is stored there
    reused = app_service.db.add_session(
        trainee="ana", procedure="suturing", assessment=old_assessment(), source_name="other.mp4"
    )
    if reused != sid:
        pytest.skip("the database did not hand the freed id out again")
    assert app_service.session_view(sid, "ana").source_name == "other.mp4"


def test_a_session_scored_by_an_older_build_of_the_shipped_model_is_stale_and_a_labs_own_is_not(
    app_service, tmp_path
):
    older, own = todays_assessment(), todays_assessment()
    older.provenance["model"] = {**older.provenance["model"], "sha256": "0" * 64}  # another build, same name
    own.provenance["model"] = {"name": "lab-scorer", "version": "2", "sha256": "1" * 64}
    motion = Path(two_hand_motion().save(tmp_path / "kept.motion.npz"))
    ids = [
        app_service.db.add_session(
            trainee="ana", procedure="suturing", assessment=a, source_name="a.mp4", motion_path=str(motion)
        )
        for a in (older, own, todays_assessment())
    ]
    assert app_service.stale_sessions("ana", "suturing") == ids[:1]
    assert app_service.rescore_stale("ana", "suturing").rescored == ids[:1]
    (kept,) = session_rescore.rescore_history(app_service.db, ids[0])
    assert "scorer changed" in kept["reason"] and "0000000000" in kept["reason"]
    assert app_service.stale_sessions("ana", "suturing") == []


def test_the_offer_names_how_many_and_the_summary_says_each_outcome():
    assert rescore_offer(0) == ("", "")
    note, label = rescore_offer(3)
    assert label == "Re-score 3 sessions" and "3 of your sessions were" in note
    assert rescore_offer(1)[1] == "Re-score 1 session" and "1 of your sessions was" in rescore_offer(1)[0]
    note, label = rescore_offer(3, no_motion=1)
    assert label == "Re-score 3 sessions" and "1 of them has no stored motion" in note
    note, label = rescore_offer(2, no_motion=2)
    assert label == "" and "2 of them have no stored motion" in note  # nothing to re-read: no button
    summary = RescoreSummary(rescored=[1, 2], current=[3], skipped=["Session 4 …: gone."], failed=[])
    text = summary.markdown()
    assert "2 re-scored" in text and "1 already current" in text and "1 skipped" in text
    assert "0 with no answer" in text and "- Session 4" in text
