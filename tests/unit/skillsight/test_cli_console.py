"""The CLI's stderr when it is not a terminal: a progress line every few seconds, no native log chatter."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import textwrap

from skillsight.commands.console import FrameProgress, clock_text, is_native_log, without_native_logs

NATIVE_LINES = [
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    "I0000 00:00:1764435000.123456   12345 gl_context.cc:369] GL version: 3.2 (OpenGL ES 3.2 Mesa 22.3.6)",
    "INFO: Created TensorFlow Lite XNNPACK delegate for CPU.",
    "W0000 00:00:1764435000.223456   12399 inference_feedback_manager.cc:114] Feedback manager.",
    # LiteRT (mediapipe 0.10.3x), seen on every `skillsight score`, `track` and batch worker:
    "INFO: [environment.cc:36] Creating LiteRT environment with options",
    "INFO: [accelerator_registry.cc:54] RegisterAccelerator: ptr=0x7f0888006510, name=CpuAccelerator",
    "WARNING: Read-only tensor #3 (model_1/model/up_sampling2d_1/mul) has an unaligned buffer "
    "(0x7f8b47a2a1c2, required alignment 4); copying to an aligned heap buffer.",
    "WARNING: Logging before InitGoogle() is written to STDERR",
    "[ERROR:0@0.016] global obsensor_uvc_stream_channel.cpp:163 getStreamChannelGroup Camera index out of",
    "[ WARN:0@0.021] global cap_v4l.cpp:914 open VIDEOIO(V4L2:/dev/video0): can't open camera by index",
]


def test_native_log_lines_are_recognised_and_others_are_not():
    assert all(is_native_log(line) for line in NATIVE_LINES)
    assert not is_native_log("error: clip.mp4: no such file")
    assert not is_native_log("UserWarning: something a user should see")


def test_an_opencv_error_goes_with_its_continuation_lines_and_the_rest_stays():
    opencv = [
        "OpenCV(5.1.0) /io/opencv/modules/videoio/src/cap_ffmpeg_impl.hpp:1225: error: (-2:Unspecified)\n",
        "> VIDEOIO/FFMPEG: Camera index out of range (expected: 'index < device_list->nb_devices'), where\n",
        ">     'index' is 0\n",
        "\n",
        "\n",
    ]
    ours = [
        "error: camera 0: the camera could not be opened (is it connected and free?)\n",
        "> a quote of ours\n",
    ]
    assert without_native_logs([*opencv, *ours]) == ours


def test_non_terminal_progress_is_a_line_every_few_seconds():
    stream = io.StringIO()
    progress = FrameProgress(stream, every_s=3600)
    for done in range(1, 776):
        progress.update_to(done, 775)
    progress.close()
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("tracking 1/775 frames (0%)") and "\r" not in stream.getvalue()
    assert lines[-1].startswith("tracking done: 775 frames in")
    assert len(lines) == 2  # one at the start, one at the end, nothing in between within the interval


def test_the_last_progress_line_of_an_interrupted_batch_does_not_say_done():
    """An interrupted batch's log ended "batch done: 1 videos in 0:26", though one of two was left."""
    from skillsight.progress import CountProgress

    stream = io.StringIO()
    bar = CountProgress(2)
    bar._progress = FrameProgress(stream, what="batch", unit="videos")
    bar.update()
    bar.close(interrupted=True)
    assert stream.getvalue().splitlines()[-1].startswith("batch interrupted: 1 of 2 videos finished in ")
    finished = FrameProgress(stream, what="batch", unit="videos")
    finished.update_to(1, 1)
    finished.close()
    assert stream.getvalue().splitlines()[-1].startswith("batch done: 1 video in ")


def test_progress_line_says_how_long_is_left_from_the_tracking_rate():
    progress = FrameProgress(io.StringIO())
    progress.update_to(0, 1000)
    progress._started -= 40.0  # start-up (loading models) does not count towards the rate
    progress._first = (progress._first[0] - 10.0, 0)
    progress.update_to(250, 1000)
    line = progress.line()
    assert "(25%)" in line and "0:40 elapsed" in line and "about 0:30 left" in line
    assert clock_text(185) == "3:05" and clock_text(3725) == "1:02:05"


def test_a_slow_machine_writes_no_more_lines_than_a_fast_one():
    stream = io.StringIO()
    progress = FrameProgress(stream, every_s=0)
    for done in range(1, 1001):  # every update is "due": only 5% steps make a line
        progress.update_to(done, 1000)
    assert len(stream.getvalue().splitlines()) <= 21


def test_native_logs_written_to_fd_2_are_dropped_and_the_rest_passes(tmp_path):
    script = textwrap.dedent(
        f"""
        import os, sys
        from skillsight.commands.console import FrameProgress, native_logs_filtered
        with native_logs_filtered() as stderr:
            for line in {NATIVE_LINES!r}:
                os.write(2, (line + "\\n").encode())  # as absl/glog do, below Python
            print("a warning the user should see", file=sys.stderr)
            bar = FrameProgress(stderr, every_s=0)
            bar.update_to(10, 20)
            bar.close()
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    err = result.stderr
    assert "a warning the user should see" in err and "tracking 10/20 frames (50%)" in err
    assert not any(line.split()[0] in err for line in NATIVE_LINES[1:]) and "absl" not in err
    assert not any(line in err for line in NATIVE_LINES)


def test_batch_drops_native_logs_of_its_worker_processes_and_keeps_its_own_lines(tmp_path):
    script = textwrap.dedent(
        f"""
        import subprocess, sys
        from types import SimpleNamespace
        import skillsight.batch
        from skillsight.commands.batch import run_batch_command

        def fake_run_batch(*args, **kwargs):
            # a spawned worker writes to the fd 2 it inherited, as MediaPipe/LiteRT do
            native = "import os; os.write(2, {NATIVE_LINES[4]!r}.encode() + bytes([10]))"
            subprocess.run([sys.executable, "-c", native])
            print("batch 1/1 videos (100%)", file=sys.stderr)
            return SimpleNamespace(describe=lambda: "1 input(s)", interrupted=False, exit_code=0, total=1)

        skillsight.batch.run_batch = fake_run_batch
        keys = ["participants", "dominant_hand", "input_path", "procedure", "out", "workers", "db", "dask",
                "model", "reference", "overlay", "quiet", "lock_timeout", "max_undecodable",
                "threads_per_worker", "retry_unreadable"]
        args = dict.fromkeys(keys)
        args["dominant_hand"] = "right"
        args["input_path"] = args["out"] = {str(tmp_path)!r}
        try:
            run_batch_command(args)
        except BaseException as end:
            sys.exit(getattr(end, "exit_code", 1))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "batch 1/1 videos (100%)" in result.stderr and "1 input(s)" in result.stdout
    assert NATIVE_LINES[4] not in result.stderr


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_batch_progress_shows_from_the_start_and_its_rate_counts_from_there():
    """Nothing showed until the first video was done (40 s for a 1080p one), and the bar then first drawn
    read "1/4 [00:00<00:00, 161319.38video/s]"."""
    from skillsight.progress import CountProgress

    log = io.StringIO()
    CountProgress(4, stream=log)
    assert log.getvalue().startswith("batch 0/4 videos (0%), 0:00 elapsed")
    terminal = _Terminal()
    bar = CountProgress(4, stream=terminal)
    assert "0/4" in terminal.getvalue() and "0video" not in terminal.getvalue()
    bar._progress._bar.start_t -= 40.0  # as if the first video took 40 s
    bar.update()
    drawn = terminal.getvalue().split("\r")[-1]
    assert "1/4" in drawn and re.search(r"\b(4\d\.\d\ds/video|0\.02video/s)", drawn), drawn
    bar.close()


def test_tracking_says_what_it_does_before_its_first_frame_and_the_first_frame_has_no_rate():
    """`track` and `score` were silent for about 9 s on a terminal (the trackers' set-up on sampled
    frames), then the bar's first frame read "1/96 [00:00<00:00, 131072.00frame/s]"."""
    log = io.StringIO()
    bar = FrameProgress(log)
    bar.note_setup(after_s=0)
    assert log.getvalue() == (
        "tracking: setting up the trackers before the first frame (this can take several seconds)\n"
    )
    late = FrameProgress(io.StringIO())
    late.note_setup(after_s=60)
    late.update_to(1, 96)  # a frame counted first: the note is never said
    assert late._note is None
    terminal = _Terminal()
    shown = FrameProgress(terminal)
    shown.update_to(1, 96)
    assert "1/96" in terminal.getvalue() and "?frame/s" in terminal.getvalue(), terminal.getvalue()
    shown.close()


def test_track_says_it_is_setting_up_and_score_of_a_motion_file_does_not(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    import skillsight.commands.score as score_command
    import skillsight.commands.track as track_command
    from skillsight.cli import app
    from skillsight.pose.track import summarize_tracking
    from skillsight.scoring.synthetic import generate_practice

    motion = generate_practice("expert", "suturing", duration_s=25.0, seed=3)
    motion = motion.with_updates(metadata={**motion.metadata, "tracking_summary": summarize_tracking(motion)})
    monkeypatch.setattr(track_command, "SETUP_NOTE_AFTER_S", 0.0)
    monkeypatch.setattr(score_command, "SETUP_NOTE_AFTER_S", 0.0)
    monkeypatch.setattr(track_command, "track", lambda *_a, **_k: motion)
    monkeypatch.chdir(tmp_path)
    tracked = CliRunner().invoke(app, ["track", "clip.mp4", "--out", str(tmp_path / "t.motion.npz")])
    assert tracked.exit_code == 0, tracked.output
    assert "tracking: setting up the trackers before the first frame" in tracked.output
    saved = motion.save(tmp_path / "practice")
    scored = CliRunner().invoke(app, ["score", str(saved), "-p", "suturing"])
    assert scored.exit_code in (0, 3, 4), scored.output
    assert "setting up" not in scored.output  # a motion file is read, not tracked


def test_a_folder_of_stills_is_summed_up_in_images_without_gaps_in_seconds(tmp_path, monkeypatch):
    """`track FOLDER` said "found in 50% of frames, ..., longest gap 1 s" of two unrelated pictures read
    at a made-up 1 frame per second."""
    from typer.testing import CliRunner

    import skillsight.commands.track as track_command
    from skillsight.cli import app
    from skillsight.pose.track import summarize_tracking
    from skillsight.scoring.synthetic import generate_practice

    motion = generate_practice("expert", "suturing", duration_s=25.0, seed=3)
    summary = summarize_tracking(motion)
    summary["left_hand"] = {**summary["left_hand"], "tracked_share": 0.0}
    motion = motion.with_updates(metadata={**motion.metadata, "tracking_summary": summary})
    monkeypatch.setattr(track_command, "track", lambda *_a, **_k: motion)
    (tmp_path / "stills").mkdir()
    tracked = CliRunner().invoke(app, ["track", str(tmp_path / "stills"), "--out", str(tmp_path / "s.npz")])
    assert tracked.exit_code == 0, tracked.output
    assert "right hand: found in 100% of images, mean confidence" in tracked.output
    assert "left hand: not found in any image" in tracked.output
    assert "of frames" not in tracked.output and "longest gap" not in tracked.output
