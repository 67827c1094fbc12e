"""The app's actions without UI: upload checks, storing (motion always, video only when kept),
per-trainee history, deletion, reports and model listing. The pipeline is replaced by a fake here;
tests/test_app_client.py and tests/test_app_browser.py run the real one."""

from __future__ import annotations

from pathlib import Path

import pytest
from webapp_samples import refused_assessment, scored_assessment, two_hand_motion

import skillsight.pipeline
from skillsight.webapp import service as service_module
from skillsight.webapp.service import AppService, UploadError, check_upload


@pytest.fixture
def fake_video(tmp_path) -> Path:
    path = tmp_path / "practice.mp4"
    path.write_bytes(b"not decoded by the fake pipeline")
    return path


@pytest.fixture
def app_service(tmp_path, monkeypatch):
    calls = []

    def fake_assess(request):
        calls.append(request)
        assessment = scored_assessment() if request.dominant_hand == "right" else refused_assessment()
        return skillsight.pipeline.AssessmentRun(motion=two_hand_motion(), assessment=assessment)

    monkeypatch.setattr(skillsight.pipeline, "assess", fake_assess)
    svc = AppService(data_dir=tmp_path / "data")
    svc.calls = calls
    yield svc
    svc.close()


def test_check_upload_refuses_with_the_file_named(tmp_path):
    with pytest.raises(UploadError, match="no video"):
        check_upload(None)
    with pytest.raises(UploadError, match="missing.mp4: the uploaded file is missing"):
        check_upload(str(tmp_path / "missing.mp4"))
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(UploadError, match="notes.txt: not a video file"):
        check_upload(str(text))
    big = tmp_path / "big.mp4"
    big.write_bytes(b"x" * 2_000_000)
    with pytest.raises(UploadError, match="big.mp4: 2 MB is over the 1 MB upload limit"):
        check_upload(str(big), max_mb=1)
    empty = tmp_path / "empty.MOV"
    empty.write_bytes(b"")
    with pytest.raises(UploadError, match="empty"):
        check_upload(str(empty))


def test_assess_stores_motion_but_not_video_by_default(app_service, fake_video):
    view = app_service.assess_video(str(fake_video), "suturing", "right", keep_video=False, trainee="ana")
    request = app_service.calls[0]
    assert Path(request.source) == fake_video and request.procedure.name == "suturing"
    assert request.dominant_hand == "right"
    # the replay is drawn from the frames being tracked, small, into the app's temporary folder only
    assert request.overlay_path is not None and request.overlay_path.parent == app_service.work_dir
    assert request.overlay_max_side == service_module.REPLAY_MAX_SIDE
    assert request.overlay_max_fps == service_module.REPLAY_MAX_FPS
    stored = list((app_service.data_dir / "sessions").iterdir())
    assert [p.name.endswith(".motion.npz") for p in stored] == [True]
    record = app_service.db.get_session(view.session_id, trainee="ana")
    assert record.video_path is None and Path(record.motion_path).exists()
    assert record.score == pytest.approx(18.24)


def test_keep_video_stores_a_copy_and_delete_removes_everything(app_service, fake_video):
    view = app_service.assess_video(str(fake_video), "suturing", "right", keep_video=True, trainee="ana")
    record = app_service.db.get_session(view.session_id, trainee="ana")
    assert Path(record.video_path).read_bytes() == fake_video.read_bytes()
    reports = app_service.write_reports(view.session_id, "ana")
    assert not app_service.delete_session(view.session_id, trainee="bob")
    assert reports["html"].exists()
    assert app_service.delete_session(view.session_id, trainee="ana")
    assert not Path(record.video_path).exists() and not Path(record.motion_path).exists()
    assert not reports["html"].exists() and not reports["pdf"].exists()
    assert app_service.session_view(view.session_id, "ana") is None


def test_each_trainee_sees_only_their_sessions(app_service, fake_video):
    ana = app_service.assess_video(str(fake_video), "suturing", "right", trainee="ana")
    app_service.assess_video(str(fake_video), "suturing", "left", trainee="bob")
    assert [r.trainee for r in app_service.list_sessions("ana")] == ["ana"]
    assert app_service.session_view(ana.session_id, "bob") is None
    assert [h["score"] for h in app_service.metric_history("ana", "suturing")] == [pytest.approx(18.24)]
    assert app_service.metric_history("bob", "suturing") == []  # bob's was refused


def test_session_view_rebuilt_from_the_database(app_service, fake_video):
    view = app_service.assess_video(str(fake_video), "suturing", "right", trainee="ana")
    app_service._views.clear()
    again = app_service.session_view(view.session_id, "ana")
    assert again.assessment.score == pytest.approx(view.assessment.score)
    assert again.motion is not None and again.motion.n_frames == view.motion.n_frames
    assert again.created_at


def test_reports_for_a_stored_session(app_service, fake_video):
    view = app_service.assess_video(str(fake_video), "suturing", "right", trainee="ana")
    paths = app_service.write_reports(view.session_id, "ana")
    assert paths["html"].read_text(encoding="utf-8").count("data:image/png;base64,") == 4
    assert paths["pdf"].read_bytes().startswith(b"%PDF")
    with pytest.raises(UploadError, match="not found"):
        app_service.write_reports(view.session_id, "bob")


def test_models_and_references_listed_per_procedure(app_service, monkeypatch, tmp_path):
    models = tmp_path / "shipped"
    models.mkdir()
    (models / "suturing-scorer-v1.onnx").write_bytes(b"onnx")
    (models / "suturing-scorer-v1.json").write_text(
        '{"name": "suturing-scorer", "version": "1", "procedure": "suturing"}'
    )
    (models / "suturing-reference-v1.json").write_text(
        '{"kind": "reference", "procedure": "suturing", "name": "r"}'
    )
    (models / "intubation-reference-v1.json").write_text('{"kind": "reference", "procedure": "intubation"}')
    monkeypatch.setattr(service_module.AppService, "model_dirs", lambda self: [models])
    assert app_service.available_models("suturing") == [
        ("suturing-scorer 1 (suturing-scorer-v1.onnx)", str(models / "suturing-scorer-v1.onnx"))
    ]
    assert [p for _, p in app_service.available_references("suturing")] == [
        str(models / "suturing-reference-v1.json")
    ]
    assert app_service.available_models("intubation") == []


@pytest.mark.slow
def test_build_reference_from_expert_videos_then_pick_it(app_service, tmp_path, monkeypatch):
    """Educator tools: expert uploads -> a reference under the data folder, listed for scoring."""
    synthetic = pytest.importorskip("skillsight.scoring.synthetic")
    videos = []
    for i in range(3):
        video = tmp_path / f"expert{i}.mp4"
        video.write_bytes(b"fake")
        videos.append(str(video))

    def fake_load_or_track(source, procedure, **options):
        seed = int(Path(source).stem[-1])
        if options.get("progress"):
            options["progress"](10, 10)  # as tracking reports frames
        return synthetic.generate_practice(skill="expert", procedure=procedure, duration_s=30, seed=seed)

    monkeypatch.setattr(skillsight.pipeline, "load_or_track", fake_load_or_track)
    done, frames = [], []
    path = app_service.build_reference(
        videos,
        "suturing",
        "our experts!",
        "2",
        progress=lambda d, t: done.append(d),
        on_frames=lambda video, d, t: frames.append((video, d, t)),
    )
    assert done == [1, 2, 3] and frames == [(0, 10, 10), (1, 10, 10), (2, 10, 10)]
    assert path == app_service.data_dir / "references" / "suturing-our-experts--v2.json"
    listed = dict((p, label) for label, p in app_service.available_references("suturing"))
    assert str(path) in listed and "our-experts- 2" in listed[str(path)]

    from skillsight.scoring.reference import load_reference

    reference = load_reference(path)
    assert reference.n_experts == 3 and "expert0.mp4" in reference.built_from
    with pytest.raises(UploadError, match="no expert videos"):
        app_service.build_reference([], "suturing", "x")


def test_a_replay_asked_with_the_assessment_comes_from_the_tracking_pass(
    app_service, fake_video, monkeypatch
):
    """with_replay: the overlay path goes down with the request (drawn from the frames being tracked),
    and the replay is then served as it is, never drawn again in a second pass."""
    tracked = skillsight.pipeline.assess

    def assess_and_draw(request):
        request.overlay_path.write_bytes(b"the one-pass overlay")
        return tracked(request)

    def second_pass(*args, **kwargs):
        raise AssertionError("the replay was drawn again")

    monkeypatch.setattr(skillsight.pipeline, "assess", assess_and_draw)
    monkeypatch.setattr(service_module, "write_overlay", second_pass)
    view = app_service.assess_video(str(fake_video), "suturing", "right", trainee="ana", with_replay=True)
    request = app_service.calls[0]
    assert request.overlay_path is not None and request.overlay_path.parent == app_service.work_dir
    assert view.replay_path == request.overlay_path
    assert app_service.write_replay(view.session_id, "ana") == request.overlay_path


def test_nothing_tracked_means_no_replay_and_no_second_pass(app_service, fake_video, monkeypatch):
    """A clip refused from its container has an empty motion: no replay, and the video is not read."""
    from skillsight.pose.motion import empty_motion

    def refused_before_tracking(request):
        motion = empty_motion(("left_hand", "right_hand"), ("wrist",))
        return skillsight.pipeline.AssessmentRun(motion=motion, assessment=refused_assessment())

    def second_pass(*args, **kwargs):
        raise AssertionError("an empty motion was drawn over the video")

    monkeypatch.setattr(skillsight.pipeline, "assess", refused_before_tracking)
    monkeypatch.setattr(service_module, "write_overlay", second_pass)
    view = app_service.assess_video(str(fake_video), "suturing", "right", trainee="ana")
    assert view.replay_path is None
    assert app_service.write_replay(view.session_id, "ana") is None
