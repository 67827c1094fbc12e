"""Ctrl-C held back while a small piece of bookkeeping finishes.

A KeyboardInterrupt can land between any two bytecodes. Where a step updates several records together
(a session in the database, its row in results.csv, its count), an interruption half-way leaves them
disagreeing; holding the signal until the step ends keeps them whole, and the interruption still comes.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Optional


@contextlib.contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Run the block with SIGINT held; one that arrived meanwhile is raised again after the block.

    Only the main thread receives signals in Python: elsewhere the block simply runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received:
            signal.raise_signal(signal.SIGINT)  # handled as it would have been: usually KeyboardInterrupt


def _as_ctrl_c(signum: int, frame: Optional[FrameType]) -> None:
    handler = signal.getsignal(signal.SIGINT)
    if callable(handler):  # Python's own, or interrupts_deferred's holding one: it decides when
        handler(signal.SIGINT, frame)
    else:  # SIGINT ignored (a background job) or default: still stop
        raise KeyboardInterrupt


@contextlib.contextmanager
def termination_as_interrupt() -> Iterator[None]:
    """Run the block with SIGTERM and SIGHUP (a scheduler's stop, a closed terminal) handled like Ctrl-C,
    so that what Ctrl-C cleans up (worker processes, half-written records) is cleaned up then too; one
    that is ignored (nohup) is left ignored."""
    names = ("SIGTERM", "SIGHUP")
    signals = [getattr(signal, name) for name in names if hasattr(signal, name)]
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    # One already ignored stays so: `nohup skillsight batch ... &` must outlive the terminal.
    previous = {
        signum: signal.signal(signum, _as_ctrl_c)
        for signum in signals
        if signal.getsignal(signum) is not signal.SIG_IGN
    }
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
