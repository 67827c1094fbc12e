"""Batch scoring for skills labs: many videos, resumable, in parallel on this machine or a Dask cluster.

One job per module: `inputs` (folders and manifests), `results` (keys, result files, results.csv),
`task` (the per-video task workers run), `executors` (local pool, Dask), `lock` (one batch per output
folder), `runner` (plan, skip, run, record). This package re-exports what callers use.
"""

from __future__ import annotations

from skillsight.batch.executors import available_cores, make_executor
from skillsight.batch.inputs import MOTION_SUFFIX, VIDEO_SUFFIXES, BatchInput, BatchInputError, find_inputs
from skillsight.batch.lock import EXIT_BUSY, BatchBusyError, OutputFolderLock
from skillsight.batch.results import (
    FINISHED_STATUSES,
    RESULTS_CSV,
    VideoResult,
    VideoTask,
    make_result_key,
    read_result,
)
from skillsight.batch.runner import BatchSummary, run_batch
from skillsight.batch.task import in_progress_marker, score_one, score_with

__all__ = [
    "EXIT_BUSY",
    "FINISHED_STATUSES",
    "MOTION_SUFFIX",
    "RESULTS_CSV",
    "VIDEO_SUFFIXES",
    "BatchBusyError",
    "BatchInput",
    "BatchInputError",
    "BatchSummary",
    "OutputFolderLock",
    "VideoResult",
    "VideoTask",
    "available_cores",
    "find_inputs",
    "in_progress_marker",
    "make_executor",
    "make_result_key",
    "read_result",
    "run_batch",
    "score_one",
    "score_with",
]
