"""Batch scoring with the local process pool: failures recorded, resumable, keyed by content and model.

A stand-in assessment (`fake_assess`: a ScoreRequest in, as pipeline.assess) keeps these fast; the real
path is tested in test_batch_real.py. It reads the "video" bytes: b"CORRUPT" raises a capture error (not a
video: unreadable), b"FLAKY" an OSError (a transient failure), b"REFUSE" is refused, anything else is
scored with a score derived from the content. Each call leaves a marker in $BATCH_TEST_CALLS so tests can
count what was really scored.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pytest

from skillsight.batch import BatchInputError, VideoTask, run_batch, score_with
from skillsight.batch import runner as batch_runner
from skillsight.batch.task import in_progress_marker
from skillsight.capture.frames import NotAVideoError
from skillsight.pipeline import AssessmentRun
from skillsight.pose.motion import Motion, load_motion
from skillsight.pose.quality import measure_tracking_quality
from skillsight.scoring.features.definitions import PROVENANCE_KEY as DEFINITIONS_KEY
from skillsight.scoring.features.definitions import definition_versions
from skillsight.scoring.results import Assessment, MetricComparison
from skillsight.storage import Database

TESTS_DIR = Path(__file__).resolve().parent
PROCEDURE = {
    "name": "bench_test",
    "title": "Batch test procedure",
    "description": "two hands, one metric",
    "tracker": "hands",
    "camera_view": "top",
    "hand_roles": {"driver": "dominant", "helper": "non_dominant"},
    "required_roles": ["driver", "helper"],
    "metrics": ["driver.path_length", "driver.idle_share"],
}


def fake_assess(request):
    source, reference, dominant_hand = request.source, request.reference, request.dominant_hand
    if request.threads != 1:  # a batch worker uses the one thread it is given by default
        raise AssertionError(f"a worker was given {request.threads} threads")
    data = Path(source).read_bytes()
    calls = os.environ.get("BATCH_TEST_CALLS")
    if calls:
        name = f"{hashlib.sha256(data).hexdigest()[:16]}-{uuid.uuid4().hex}"
        Path(calls, name).write_text(str(source))
    delay = float(os.environ.get("BATCH_TEST_DELAY", "0"))
    if delay:
        time.sleep(delay)
    if data.startswith(b"CORRUPT"):
        raise NotAVideoError(str(source), "not a video file (invalid data found when processing input)")
    if data.startswith(b"FLAKY"):
        raise OSError(f"{source}: input/output error (the network share went away)")
    n = 20
    positions = np.zeros((n, 2, 1, 2))
    positions[:, 0, 0, 0] = np.arange(n)
    positions[:, 1, 0, 1] = np.arange(n)
    positions[n // 4 :, 0] = np.nan  # the left hand is tracked in the first quarter only
    motion = Motion(
        positions=positions,
        confidence=np.ones((n, 2, 1)),
        timestamps=np.arange(n) / 10.0,
        individuals=("left_hand", "right_hand"),
        keypoints=("wrist",),
        space=("x", "y"),
        metadata={"source": str(source)},
    )
    if data.startswith(b"REFUSE"):
        assessment = Assessment(status="refused", procedure=PROCEDURE["name"], refusal_reasons=["too dark"])
    else:
        value = int(hashlib.sha256(data).hexdigest()[:6], 16) % 1000 / 37.0
        reference_tag = Path(reference).read_text()[:20] if reference else ""
        assessment = Assessment(
            status="scored",
            procedure=PROCEDURE["name"],
            skill_level="expert" if value > 13 else "novice",
            score=value,
            score_interval=(value - 1.0, value + 1.0),
            metrics=[
                MetricComparison(name="driver.path_length", value=value / 3.0, unit="hand"),
                MetricComparison(name="driver.idle_share", value=0.1, unit="share"),
            ],
            provenance={"reference": reference_tag, "dominant_hand": dominant_hand},
        )
        # As assess_motion does: the definition that read each metric.
        assessment.provenance[DEFINITIONS_KEY] = definition_versions(m.name for m in assessment.metrics)
    # As assess_motion does: the one tracking quality, for the procedure's two hands.
    assessment.tracking_quality = measure_tracking_quality(motion, ("left_hand", "right_hand"))
    return AssessmentRun(motion=motion, assessment=assessment)


def fake_task(task: VideoTask):
    return score_with(task, fake_assess)


@pytest.fixture
def procedure_file(tmp_path: Path) -> str:
    path = tmp_path / "bench_test.json"
    path.write_text(json.dumps(PROCEDURE))
    return str(path)


@pytest.fixture
def calls_dir(tmp_path: Path, monkeypatch) -> Path:
    calls = tmp_path / "calls"
    calls.mkdir()
    monkeypatch.setenv("BATCH_TEST_CALLS", str(calls))
    return calls


def make_videos(folder: Path, contents: dict) -> None:
    for name, data in contents.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def scored_hashes(calls: Path) -> list[str]:
    return sorted(p.name.split("-")[0] for p in calls.iterdir())


def read_rows(out: Path) -> list[dict]:
    with open(out / "results.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def run(videos, procedure_file, out, db, **kwargs):
    kwargs.setdefault("workers", 2)
    kwargs.setdefault("task_function", fake_task)
    return run_batch(videos, procedure_file, out, db_url=f"sqlite:///{db}", progress=False, **kwargs)


GOOD = {
    "a/one.mp4": b"first practice",
    "a/two.mov": b"second practice",
    "b/three.mkv": b"third practice",
    "dark.webm": b"REFUSE: far too dark",
}


def test_a_corrupt_file_is_recorded_and_the_others_are_scored(tmp_path, procedure_file, calls_dir):
    videos, out, db = tmp_path / "videos", tmp_path / "out", tmp_path / "lab.db"
    make_videos(videos, {**GOOD, "broken.mp4": b"CORRUPT bytes", "notes.txt": b"not an input"})
    summary = run(videos, procedure_file, out, db)
    counts = (summary.total, summary.scored, summary.refused, summary.unreadable, summary.failed)
    assert counts == (5, 3, 1, 1, 0)
    assert summary.exit_code == 0  # an unreadable file is an answer about it, as a damaged one is
    rows = {r["video"]: r for r in read_rows(out)}
    assert list(rows) == sorted(rows)
    assert set(rows) == {"a/one.mp4", "a/two.mov", "b/three.mkv", "dark.webm", "broken.mp4"}
    assert rows["broken.mp4"]["status"] == "unreadable"
    assert "broken.mp4" in rows["broken.mp4"]["error"] and "not a video" in rows["broken.mp4"]["error"]
    # named as in the video column, once: it read "/tmp/.../videos/broken.mp4: not a video", and the
    # summary "unreadable: broken.mp4: /tmp/.../videos/broken.mp4: not a video"
    assert str(videos) not in rows["broken.mp4"]["error"]
    assert "unreadable: broken.mp4: not a video" in summary.describe()
    assert rows["dark.webm"]["status"] == "refused" and rows["dark.webm"]["error"] == "too dark"
    one = rows["a/one.mp4"]
    assert one["status"] == "scored" and one["procedure"] == "bench_test"
    expected = int(hashlib.sha256(b"first practice").hexdigest()[:6], 16) % 1000 / 37.0
    assert float(one["score"]) == pytest.approx(expected, rel=1e-3)  # 4 significant digits
    assert float(one["score_low"]) == pytest.approx(expected - 1, rel=1e-3)
    assert float(one["driver.path_length"]) == pytest.approx(expected / 3, rel=1e-3)
    assert float(one["tracking_quality"]) == pytest.approx(0.25)  # both hands in 5 of 20 frames
    # Per-video motion and JSON beside results.csv, named by content.
    sha = hashlib.sha256(b"first practice").hexdigest()
    result = json.loads((out / f"{sha[:16]}.bench_test.result.json").read_text())
    assert result["status"] == "scored" and result["source_sha256"] == sha
    assert load_motion(out / f"{sha[:16]}.bench_test.motion.npz").n_frames == 20
    # The database holds the assessments (not the unreadable file), under the default trainee.
    with Database(f"sqlite:///{db}") as database:
        records = database.list_sessions(trainee="batch")
        assert sorted(r.source_name for r in records) == [
            "a/one.mp4",
            "a/two.mov",
            "b/three.mkv",
            "dark.webm",
        ]
        assert {r.status for r in records} == {"scored", "refused"}


def test_a_second_run_does_nothing_new_and_starts_no_pool(tmp_path, procedure_file, calls_dir, monkeypatch):
    videos, out, db = tmp_path / "videos", tmp_path / "out", tmp_path / "lab.db"
    make_videos(videos, GOOD)
    first = run(videos, procedure_file, out, db)
    assert first.exit_code == 0 and first.started_executor
    csv_before = (out / "results.csv").read_bytes()
    calls_before = scored_hashes(calls_dir)
    assert len(calls_before) == 4

    def no_executor(*args, **kwargs):
        raise AssertionError("an executor was started with nothing to do")

    monkeypatch.setattr(batch_runner, "make_executor", no_executor)
    second = run(videos, procedure_file, out, db)
    assert (second.skipped, second.scored, second.failed, second.started_executor) == (4, 0, 0, False)
    assert second.exit_code == 0
    assert (out / "results.csv").read_bytes() == csv_before
    assert scored_hashes(calls_dir) == calls_before
    with Database(f"sqlite:///{db}") as database:
        assert len(database.list_sessions()) == 4  # recorded once, not again


def test_failed_videos_are_retried(tmp_path, procedure_file, calls_dir):
    videos, out, db = tmp_path / "videos", tmp_path / "out", tmp_path / "lab.db"
    make_videos(videos, {"ok.mp4": b"fine", "broken.mp4": b"FLAKY"})
    assert run(videos, procedure_file, out, db, workers=1).failed == 1
    assert run(videos, procedure_file, out, db, workers=1).failed == 1  # the same file: tried again
    assert len(scored_hashes(calls_dir)) == 3
    (videos / "broken.mp4").write_bytes(b"repaired video")
    again = run(videos, procedure_file, out, db, workers=1)
    assert (again.skipped, again.scored, again.failed, again.exit_code) == (1, 1, 0, 0)
    assert {r["status"] for r in read_rows(out)} == {"scored"}


def test_unreadable_files_are_skipped_until_they_change_or_are_retried(tmp_path, procedure_file, calls_dir):
    videos, out, db = tmp_path / "videos", tmp_path / "out", tmp_path / "lab.db"
    make_videos(videos, {"ok.mp4": b"fine", "broken.mp4": b"CORRUPT", "other.mp4": b"CORRUPT too"})
    first = run(videos, procedure_file, out, db, workers=1)
    assert (first.scored, first.unreadable, first.failed, first.exit_code) == (1, 2, 0, 0)
    assert "unreadable: broken.mp4" in first.describe() and first.describe().startswith("3 inputs: ")
    second = run(videos, procedure_file, out, db, workers=1)
    assert (second.skipped, second.unreadable, second.failed, second.started_executor) == (3, 0, 0, False)
    assert second.exit_code == 0
    assert "skipped 2 files recorded as unreadable" in second.describe()
    assert "unreadable: broken.mp4" in second.describe()
    assert len(scored_hashes(calls_dir)) == 3  # not read again
    assert {r["video"]: r["status"] for r in read_rows(out)}["broken.mp4"] == "unreadable"
    (videos / "other.mp4").write_bytes(b"CORRUPT, copied again")  # a changed file is tried again
    third = run(videos, procedure_file, out, db, workers=1)
    assert (third.skipped, third.unreadable) == (2, 1) and len(scored_hashes(calls_dir)) == 4
    retried = run(videos, procedure_file, out, db, workers=1, retry_unreadable=True)
    assert (retried.skipped, retried.unreadable) == (1, 2) and len(scored_hashes(calls_dir)) == 6
    with Database(f"sqlite:///{db}") as database:
        assert [r.source_name for r in database.list_sessions()] == ["ok.mp4"]


def test_the_in_progress_marker_is_owner_only(tmp_path, procedure_file, calls_dir):
    videos, out, db = tmp_path / "videos", tmp_path / "out", tmp_path / "lab.db"
    make_videos(videos, {"ok.mp4": b"fine"})
    summary = run(videos, procedure_file, out, db, workers=1, task_function=marker_mode_task)
    assert summary.scored == 1
    assert (calls_dir / "marker-mode").read_text() == oct(0o600)


def marker_mode_task(task: VideoTask):
    """fake_task that notes the permissions of its in-progress marker while it runs."""

    def assess(request):
        mode = in_progress_marker(task).stat().st_mode & 0o777
        (Path(os.environ["BATCH_TEST_CALLS"]) / "marker-mode").write_text(oct(mode))
        return fake_assess(request)

    return score_with(task, assess)


def test_renamed_file_is_not_rescored_and_edited_file_is(tmp_path, procedure_file, calls_dir):
    videos, out, db = tmp_path / "videos", tmp_path / "out", tmp_path / "lab.db"
    make_videos(videos, {"x.mp4": b"practice x", "y.mp4": b"practice y"})
    run(videos, procedure_file, out, db, workers=1)
    (videos / "x.mp4").rename(videos / "renamed_x.mp4")
    (videos / "y.mp4").write_bytes(b"practice y, trimmed")
    summary = run(videos, procedure_file, out, db, workers=1)
    assert (summary.skipped, summary.scored) == (1, 1)
    x, y_old, y_new = (
        hashlib.sha256(d).hexdigest()[:16] for d in (b"practice x", b"practice y", b"practice y, trimmed")
    )
    assert scored_hashes(calls_dir) == sorted([x, y_old, y_new])
    rows = {r["video"]: r for r in read_rows(out)}
    assert set(rows) == {"renamed_x.mp4", "y.mp4"}
    assert rows["renamed_x.mp4"]["status"] == "scored"


def test_a_new_reference_scores_again(tmp_path, procedure_file, calls_dir):
    videos, out, db = tmp_path / "videos", tmp_path / "out", tmp_path / "lab.db"
    make_videos(videos, {"x.mp4": b"practice x"})
    reference = tmp_path / "ref.json"
    reference.write_text(json.dumps({"name": "lab-ref", "version": "1"}))
    run(videos, procedure_file, out, db, workers=1, reference=reference)
    assert run(videos, procedure_file, out, db, workers=1, reference=reference).skipped == 1
    reference.write_text(json.dumps({"name": "lab-ref", "version": "2"}))
    assert run(videos, procedure_file, out, db, workers=1, reference=reference).scored == 1
    assert len(scored_hashes(calls_dir)) == 2


def test_manifest_names_participants_and_resolves_paths(tmp_path, procedure_file, calls_dir):
    videos, out, db = tmp_path / "videos", tmp_path / "out", tmp_path / "lab.db"
    make_videos(videos, {"p1/t1.mp4": b"p1 trial 1", "p2/t1.mp4": b"p2 trial 1"})
    manifest = videos / "manifest.csv"
    manifest.write_text(
        f"video,participant,procedure\np1/t1.mp4,P01,{procedure_file}\np2/t1.mp4,P02,\nmissing.mp4,P03,\n"
    )
    summary = run(manifest, procedure_file, out, db, workers=1)
    assert (summary.scored, summary.failed) == (2, 1)
    rows = {r["video"]: r for r in read_rows(out)}
    assert rows["missing.mp4"]["status"] == "failed" and "missing.mp4" in rows["missing.mp4"]["error"]
    with Database(f"sqlite:///{db}") as database:
        assert [r.source_name for r in database.list_sessions(trainee="P01")] == ["p1/t1.mp4"]
        assert [r.source_name for r in database.list_sessions(trainee="P02")] == ["p2/t1.mp4"]


def test_bad_inputs_are_named(tmp_path, procedure_file):
    with pytest.raises(BatchInputError, match="nowhere"):
        run(tmp_path / "nowhere", procedure_file, tmp_path / "out", tmp_path / "db")
    manifest = tmp_path / "m.csv"
    manifest.write_text("file,who\na.mp4,me\n")
    with pytest.raises(BatchInputError, match=r"m\.csv.*'video' column"):
        run(manifest, procedure_file, tmp_path / "out", tmp_path / "db")


def test_outputs_inside_the_input_folder_are_not_inputs(tmp_path, procedure_file, calls_dir):
    videos, db = tmp_path / "videos", tmp_path / "lab.db"
    make_videos(videos, {"x.mp4": b"practice x"})
    run(videos, procedure_file, videos / "results", db, workers=1)
    again = run(videos, procedure_file, videos / "results", db, workers=1)
    assert (again.total, again.skipped) == (1, 1)
    # Even when the output folder is the input folder itself.
    same = tmp_path / "same"
    make_videos(same, {"y.mp4": b"practice y"})
    run(same, procedure_file, same, db, workers=1)
    assert len(list(same.glob("*.motion.npz"))) == 1
    assert run(same, procedure_file, same, db, workers=1).total == 1


def test_results_recorded_only_in_the_database_are_found_there(tmp_path, procedure_file, calls_dir):
    videos, db = tmp_path / "videos", tmp_path / "lab.db"
    make_videos(videos, {"x.mp4": b"practice x"})
    run(videos, procedure_file, tmp_path / "out1", db, workers=1)
    second = run(videos, procedure_file, tmp_path / "out2", db, workers=1)
    assert (second.skipped, second.scored) == (1, 0)
    assert read_rows(tmp_path / "out2") == read_rows(tmp_path / "out1")
    with Database(f"sqlite:///{db}") as database:
        assert len(database.list_sessions()) == 1


# --- interruption -----------------------------------------------------------------------------------


def _batch_process(videos: Path, procedure_file: str, out: Path, db: Path, delay: float, calls: Path):
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import test_batch_local as t;"
        "from skillsight.batch import run_batch;"
        "s = run_batch(sys.argv[2], sys.argv[3], sys.argv[4], workers=1, db_url='sqlite:///' + sys.argv[5],"
        " progress=False, task_function=t.fake_task);"
        "print('INTERRUPTED' if s.interrupted else 'DONE', s.scored, flush=True)"
    )
    # here, not at the top: the child imports this module without tests/support on its path
    from app_server import default_interrupts

    env = {**os.environ, "BATCH_TEST_DELAY": str(delay), "BATCH_TEST_CALLS": str(calls)}
    args = [sys.executable, "-c", code, str(TESTS_DIR), str(videos), procedure_file, str(out), str(db)]
    return subprocess.Popen(
        args,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=default_interrupts,
    )


def _wait_for_results(out: Path, n: int, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(list(out.glob("*.result.json"))) >= n:
            return
        if proc.poll() is not None:
            raise AssertionError(f"batch ended early: {proc.communicate()}")
        time.sleep(0.05)
    raise AssertionError("no results appeared")


@pytest.mark.slow
@pytest.mark.parametrize("how", ["SIGKILL", "SIGINT"])
def test_an_interrupted_run_loses_nothing_finished(tmp_path, procedure_file, calls_dir, how):
    videos, out, db = tmp_path / "videos", tmp_path / "out", tmp_path / "lab.db"
    contents = {f"v{i}.mp4": f"practice number {i}".encode() for i in range(6)}
    make_videos(videos, contents)
    proc = _batch_process(videos, procedure_file, out, db, delay=0.6, calls=calls_dir)
    _wait_for_results(out, 2, proc)
    if how == "SIGKILL":
        os.killpg(proc.pid, signal.SIGKILL)  # the parent and its workers, with no chance to tidy up
        proc.wait(timeout=30)
    else:
        os.kill(proc.pid, signal.SIGINT)  # Ctrl-C: the parent cancels and stops its workers
        stdout, stderr = proc.communicate(timeout=60)
        assert stdout.startswith("INTERRUPTED"), stderr
        assert len(read_rows(out)) >= 2  # results.csv written with what finished
    finished_before = {json.loads(p.read_text())["source_sha256"][:16] for p in out.glob("*.result.json")}
    assert 2 <= len(finished_before) < 6
    summary = run(videos, procedure_file, out, db, workers=1)
    assert summary.skipped >= len(finished_before)
    assert summary.skipped + summary.scored == 6 and summary.exit_code == 0
    calls = scored_hashes(calls_dir)
    for sha in finished_before:
        assert calls.count(sha) == 1, f"{sha} was scored again after the interruption"
    assert len(read_rows(out)) == 6
    with Database(f"sqlite:///{db}") as database:
        assert len(database.list_sessions()) == 6  # each once, including any finished just before the kill


class _CtrlCAfterTheWorkersFinish:
    """Runs each task at once, as a worker would (writing its result file), then Ctrl-C arrives before
    the parent has received any result: the race a real Ctrl-C can hit."""

    def submit(self, fn, task):
        fn(task)
        return task

    def as_completed(self, futures):
        raise KeyboardInterrupt
        yield  # a generator, like the real one

    def cancel(self, futures):
        pass

    def close(self, interrupted=False):
        pass


def test_results_written_just_before_ctrl_c_are_kept(tmp_path, procedure_file, calls_dir, monkeypatch):
    videos, out, db = tmp_path / "videos", tmp_path / "out", tmp_path / "lab.db"
    make_videos(videos, GOOD)
    with monkeypatch.context() as patched:
        patched.setattr(batch_runner, "make_executor", lambda *args: _CtrlCAfterTheWorkersFinish())
        summary = run(videos, procedure_file, out, db)
    assert summary.interrupted and summary.not_run == 0
    assert len(read_rows(out)) == 4  # results.csv names every video a worker finished
    with Database(f"sqlite:///{db}") as database:
        assert len(database.list_sessions()) == 4
    again = run(videos, procedure_file, out, db)
    assert (again.skipped, again.scored) == (4, 0)
    assert len(scored_hashes(calls_dir)) == 4  # none scored twice


def killing_task(task: VideoTask):
    """Like fake_task, but a video whose bytes start with KILLME kills its worker process outright."""
    if Path(task.source).read_bytes().startswith(b"KILLME"):
        from skillsight.batch import in_progress_marker

        in_progress_marker(task).parent.mkdir(parents=True, exist_ok=True)
        in_progress_marker(task).touch()
        os.kill(os.getpid(), signal.SIGKILL)
    return fake_task(task)


@pytest.mark.slow
def test_a_worker_that_dies_fails_only_its_own_video(tmp_path, procedure_file, calls_dir):
    videos, out, db = tmp_path / "videos", tmp_path / "out", tmp_path / "lab.db"
    make_videos(videos, {**GOOD, "killer.mp4": b"KILLME", "z1.mp4": b"late one", "z2.mp4": b"late two"})
    summary = run_batch(
        videos,
        procedure_file,
        out,
        db_url=f"sqlite:///{db}",
        progress=False,
        task_function=killing_task,
        workers=2,
    )
    rows = {r["video"]: r for r in read_rows(out)}
    assert rows["killer.mp4"]["status"] == "failed" and "worker process died" in rows["killer.mp4"]["error"]
    assert {v: r["status"] for v, r in rows.items() if v != "killer.mp4"} == {
        "a/one.mp4": "scored",
        "a/two.mov": "scored",
        "b/three.mkv": "scored",
        "dark.webm": "refused",
        "z1.mp4": "scored",
        "z2.mp4": "scored",
    }
    assert (summary.failed, summary.exit_code) == (1, 1)


def test_a_rerun_with_nothing_to_do_loads_nothing_heavy(tmp_path, procedure_file, calls_dir):
    videos, out, db = tmp_path / "videos", tmp_path / "out", tmp_path / "lab.db"
    make_videos(videos, {"x.mp4": b"practice x"})
    run(videos, procedure_file, out, db, workers=1)
    code = (
        "import sys; from skillsight.batch import run_batch;"
        "s = run_batch(sys.argv[1], sys.argv[2], sys.argv[3],"
        " db_url='sqlite:///' + sys.argv[4], progress=False);"
        "heavy = ('mediapipe', 'cv2', 'av', 'onnxruntime', 'sklearn', 'distributed',"
        " 'concurrent.futures.process');"
        "print(s.skipped, s.started_executor, [m for m in heavy if m in sys.modules])"
    )
    args = [sys.executable, "-c", code, str(videos), procedure_file, str(out), str(db)]
    output = subprocess.run(args, capture_output=True, text=True, check=True).stdout.strip()
    assert output == "1 False []"


def test_manifest_dominant_hand_reaches_the_assessment_and_the_key(tmp_path, procedure_file, calls_dir):
    videos, out, db = tmp_path / "videos", tmp_path / "out", tmp_path / "lab.db"
    make_videos(videos, {"l.mp4": b"left-handed trainee"})
    manifest = videos / "manifest.csv"
    manifest.write_text("video,participant,dominant_hand\nl.mp4,P09,left\n")
    run(manifest, procedure_file, out, db, workers=1)
    sha = hashlib.sha256(b"left-handed trainee").hexdigest()
    # a participant's result has a name of its own: another participant may practise on the same file
    (result_path,) = out.glob(f"{sha[:16]}.bench_test.p*.result.json")
    result = json.loads(result_path.read_text())
    assert result["assessment"]["provenance"]["dominant_hand"] == "left"
    # Left-handed: the needle driver is the left hand, tracked in a quarter of the frames like the right.
    assert result["tracking_quality"] == pytest.approx(0.25)
    manifest.write_text("video,participant,dominant_hand\nl.mp4,P09,right\n")
    assert run(manifest, procedure_file, out, db, workers=1).scored == 1  # another key: scored again
    manifest.write_text("video,participant,dominant_hand\nl.mp4,P09,sideways\n")
    with pytest.raises(BatchInputError, match=r"line 2.*dominant_hand"):
        run(manifest, procedure_file, out, db, workers=1)
