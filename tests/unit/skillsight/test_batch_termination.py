"""`skillsight batch` stopped by SIGTERM (a scheduler, `timeout`, systemd) or SIGHUP (a closed terminal)
ends like Ctrl-C: its workers are stopped and it exits 130 with the interrupted message. Before, it died
at once and left its worker processes running, orphaned, on the videos they had."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import signal, sys, time
    import skillsight.batch
    from skillsight.commands.batch import run_batch_command

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # as in a background job: only SIGTERM can stop it
    if "--nohup" in sys.argv:
        signal.signal(signal.SIGHUP, signal.SIG_IGN)

    def slow_run_batch(*args, **kwargs):
        print("running", flush=True)
        sys.stdin.readline()  # a signal that stops the batch arrives here
        print("alive", flush=True)
        time.sleep(60)

    skillsight.batch.run_batch = slow_run_batch
    keys = ["participants", "dominant_hand", "input_path", "procedure", "out", "workers", "db", "dask",
            "model", "reference", "overlay", "quiet", "lock_timeout", "max_undecodable", "threads_per_worker",
            "retry_unreadable"]
    args = dict.fromkeys(keys)
    args["dominant_hand"] = "right"
    try:
        run_batch_command(args)
    except BaseException as end:
        sys.exit(getattr(end, "exit_code", 1))
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_stop_a_batch_like_ctrl_c(signum: int) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", SCRIPT],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "running"
    process.send_signal(signum)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert "Interrupted" in err and "Traceback" not in err


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_a_batch_started_with_nohup_outlives_its_terminal() -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, "--nohup"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    assert process.stdout.readline().strip() == "running"
    process.send_signal(signal.SIGHUP)  # had it stopped the batch, "alive" would never come
    process.stdin.write("carry on\n")
    process.stdin.flush()
    assert process.stdout.readline().strip() == "alive"
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
