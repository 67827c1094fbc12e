"""Ctrl-C while the batch records a result: the database, results.csv and the counts stay whole."""

from __future__ import annotations

import os
import signal
import threading
from concurrent.futures import Future

import pytest
import test_batch_local
from test_batch_local import GOOD, make_videos, read_rows, run, scored_hashes

from skillsight.base.interrupts import interrupts_deferred
from skillsight.batch import runner as batch_runner
from skillsight.batch.recording import Recorder
from skillsight.storage import Database

procedure_file = test_batch_local.procedure_file
calls_dir = test_batch_local.calls_dir


@pytest.fixture(autouse=True)
def ctrl_c_interrupts():
    """Ctrl-C raises KeyboardInterrupt here, as in a terminal: a shell starts background jobs (CI's
    pytest among them) with SIGINT ignored, and Python then leaves it ignored."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_a_ctrl_c_inside_the_block_arrives_after_it():
    steps = []
    with pytest.raises(KeyboardInterrupt):
        with interrupts_deferred():
            os.kill(os.getpid(), signal.SIGINT)
            steps.append("finished the block")
        steps.append("not reached")
    assert steps == ["finished the block"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_without_a_ctrl_c_nothing_is_raised_and_in_a_thread_the_block_just_runs():
    with interrupts_deferred():
        pass
    ran = []
    worker = threading.Thread(target=lambda: ran.append(interrupts_deferred().__enter__() is None))
    worker.start()
    worker.join()
    assert ran == [True]


class _Lazy(Future):
    def __init__(self, fn, task):
        super().__init__()
        self.run = lambda: self.set_result(fn(task))


class _InOrder:
    """Runs each task in this process when its turn comes: a worker pool of one."""

    def submit(self, fn, task):
        return _Lazy(fn, task)

    def as_completed(self, futures):
        for future in futures:
            future.run()
            yield future

    def cancel(self, futures):
        pass

    def close(self, interrupted=False):
        pass


def test_a_ctrl_c_while_recording_keeps_that_result(tmp_path, procedure_file, calls_dir, monkeypatch):
    videos, out, db = tmp_path / "videos", tmp_path / "out", tmp_path / "lab.db"
    make_videos(videos, GOOD)
    original = Recorder.record
    seen = []

    def ctrl_c_on_the_second(self, result):
        seen.append(result.video)
        if len(seen) == 2:
            os.kill(os.getpid(), signal.SIGINT)  # lands here, before the database has this session
        original(self, result)

    with monkeypatch.context() as patched:
        patched.setattr(batch_runner, "make_executor", lambda *args: _InOrder())
        patched.setattr(Recorder, "record", ctrl_c_on_the_second)
        summary = run(videos, procedure_file, out, db)
    assert summary.interrupted
    assert len(read_rows(out)) == 2  # the one being recorded is in results.csv too
    with Database(f"sqlite:///{db}") as database:
        assert len(database.list_sessions()) == 2
    again = run(videos, procedure_file, out, db)
    assert again.skipped == 2 and not again.interrupted and len(read_rows(out)) == 4
    assert len(scored_hashes(calls_dir)) == 4  # none scored twice
