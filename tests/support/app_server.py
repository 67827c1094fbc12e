"""Start `python app.py` on a free localhost port for the client and browser tests."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from conftest import REPO_ROOT

START_TIMEOUT_S = 120


def default_interrupts() -> None:
    """In a child before it starts: Ctrl-C (SIGINT) does what it does for a user at a terminal. A test
    run started from a script in the background inherits an ignored SIGINT, and its children with it,
    so a test that interrupts an app or a batch would wait for nothing."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class RunningApp:
    url: str
    pid: int


@contextlib.contextmanager
def running_app(data_dir: Path, extra_args: Optional[list[str]] = None) -> Iterator[RunningApp]:
    """Yields the app's URL and process id; the server (our own child process) is stopped afterwards."""
    port = free_port()
    env = dict(os.environ, SKILLSIGHT_DATA_DIR=str(data_dir), GRADIO_ANALYTICS_ENABLED="False")
    env.pop("GRADIO_SERVER_PORT", None)
    log = open(data_dir.parent / f"app-{port}.log", "w")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [sys.executable, str(REPO_ROOT / "app.py"), "--port", str(port), *(extra_args or [])],
        cwd=str(REPO_ROOT),
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"app.py exited with {process.returncode}; see {log.name}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"app.py did not answer on {url} within {START_TIMEOUT_S} s; see {log.name}"
                )
            time.sleep(0.5)
        yield RunningApp(url, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
