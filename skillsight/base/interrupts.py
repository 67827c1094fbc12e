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
