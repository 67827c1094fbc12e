"""Executors: one `submit` / `as_completed` interface over a local process pool and a Dask cluster.

Heavy imports (concurrent.futures.process, distributed) happen only when an executor is made, so a
batch with nothing left to do starts nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any, Callable, Optional, Protocol

from skillsight.batch.inputs import BatchInputError
from skillsight.batch.results import VideoResult, VideoTask


class TaskExecutor(Protocol):
    def submit(self, fn: Callable[[VideoTask], VideoResult], task: VideoTask) -> Any: ...

    def as_completed(self, futures: Iterable[Any]) -> Iterator[Any]: ...

    def cancel(self, futures: Iterable[Any]) -> None: ...

    def close(self, interrupted: bool = False) -> None: ...


def _init_local_worker() -> None:
    import signal

    # Ctrl-C goes to the parent, which cancels the batch and stops the workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class LocalProcessExecutor:
    """A pool of worker processes (spawned, so each has its own clean tracker state)."""

    def __init__(self, workers: int) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self._pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_local_worker,
        )

    def submit(self, fn: Callable[[VideoTask], VideoResult], task: VideoTask) -> Any:
        return self._pool.submit(fn, task)

    def as_completed(self, futures: Iterable[Any]) -> Iterator[Any]:
        from concurrent.futures import as_completed

        return as_completed(list(futures))

    def cancel(self, futures: Iterable[Any]) -> None:
        for future in futures:
            future.cancel()

    def close(self, interrupted: bool = False) -> None:
        if interrupted:
            # Finished results are already on disk; videos in progress are simply redone next time.
            processes = list(getattr(self._pool, "_processes", {}).values())
            self._pool.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                process.terminate()
            for process in processes:
                process.join(timeout=5)
        else:
            self._pool.shutdown(wait=True)


class DaskExecutor:
    """The same tasks on a Dask distributed cluster: an existing scheduler, or a LocalCluster."""

    def __init__(self, address: str, workers: int) -> None:
        try:  # the default install leaves Dask out (skillsight[cluster])
            from distributed import Client, LocalCluster
        except ImportError:
            raise BatchInputError(
                "--dask needs Dask's distributed scheduler, which the default install leaves out: "
                'pip install "skillsight[cluster]" (or run without --dask to use this machine\'s cores)'
            ) from None

        self._cluster = None
        if address == "local":
            self._cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            )
            self._client = Client(self._cluster)
        else:
            self._client = Client(address)

    def submit(self, fn: Callable[[VideoTask], VideoResult], task: VideoTask) -> Any:
        return self._client.submit(fn, task, pure=False)

    def as_completed(self, futures: Iterable[Any]) -> Iterator[Any]:
        from distributed import as_completed

        return iter(as_completed(list(futures)))

    def cancel(self, futures: Iterable[Any]) -> None:
        self._client.cancel(list(futures))

    def close(self, interrupted: bool = False) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_executor(workers: int, dask: Optional[str] = None) -> TaskExecutor:
    if dask:
        return DaskExecutor(dask, workers)
    return LocalProcessExecutor(workers)


def available_cores() -> int:
    """The cores this process may run on (a container or `taskset` can allow fewer than the machine has)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1
