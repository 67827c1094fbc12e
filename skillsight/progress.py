"""Progress a person or a log file can read, for tracking (frames) and batches (videos).

On a terminal, progress is a tqdm bar; elsewhere (a log file, a pipe, a batch script) it is one plain
line every PROGRESS_EVERY_S seconds, never carriage-return redraws. The CLI and batch both use it.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any, Optional, TextIO

PROGRESS_EVERY_S = 5.0
MIN_STEP_SHARE = 0.05
MAX_SILENCE_S = 30.0
# Before the first frame is counted, the trackers look at a sample of the source (about 9 s for a 1080p
# clip on two cores with `auto`): said if no frame has been counted this long after the start.
SETUP_NOTE_AFTER_S = 1.0
# The bar of whole items (a batch's videos): the count finished in front; the share, time left and rate
# with the items under way.
WHOLE_BAR = "{desc}: {percentage:3.0f}%|{bar}| [{elapsed}<{remaining}, {rate_fmt}{postfix}]"


def setup_note(unit: str = "frames") -> str:
    """What tracking does before its first frame (said instead of a silent wait; with `auto` it looks at
    frames sampled across the source, as the app says)."""
    return f"setting up the trackers before the first {unit[:-1]} (this can take several seconds)"


class CountProgress:
    """tqdm's update/set_postfix/close for counted work (batch videos), written like FrameProgress:
    a bar on a terminal, else a line every few seconds, never one redraw per item."""

    def __init__(
        self,
        total: int,
        what: str = "batch",
        unit: str = "videos",
        enabled: bool = True,
        stream: Optional[TextIO] = None,
    ) -> None:
        self.done = 0
        self.total = total
        self.postfix = ""
        self.enabled = enabled
        self._progress = FrameProgress(stream, what=what, unit=unit, whole=True)
        self._lock = threading.Lock()  # `working` comes from a watching thread
        if enabled and total:
            # Shown from the start: a first video takes a while, and a bar first drawn when it finished
            # read "1/4 [00:00<00:00, 161319.38video/s]" (its clock started then).
            self._progress.update_to(0, total)

    def update(self, n: int = 1) -> None:
        with self._lock:
            self.done += n
            self._progress.working(0.0, "")  # the finished item's share is in `done` now: read again
            if self.enabled:
                self._progress.update_to(self.done, self.total)

    def working(self, share: float, now: str) -> None:
        """Items under way: `share` is how much of them is done (1.5: one and a half items' worth),
        `now` says which in words ("clip.mp4 frame 120/750"); counted in the bar's share and time left."""
        with self._lock:
            if self.enabled and self.total:
                self._progress.working(share, now)
                self._progress.update_to(self.done, self.total)

    def set_postfix(self, **values: Any) -> None:
        self.postfix = ", ".join(f"{k} {v}" for k, v in values.items())

    def close(self, interrupted: bool = False) -> None:
        with self._lock:
            if self.enabled:
                self._progress.close(interrupted)


def clock_text(seconds: float) -> str:
    """'0:45', '3:05', '1:02:10'."""
    seconds = max(0, int(round(seconds)))
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class FrameProgress:
    """Progress of tracking (frames) or of a batch (videos): a bar on a terminal, else a line every
    PROGRESS_EVERY_S seconds or more, each at least MIN_STEP_SHARE further on (or MAX_SILENCE_S later),
    so a slow machine writes no more lines than a fast one."""

    def __init__(
        self,
        stream: Optional[TextIO] = None,
        what: str = "tracking",
        unit: str = "frames",
        every_s: float = PROGRESS_EVERY_S,
        whole: bool = False,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.what, self.unit, self.every_s = what, unit, every_s
        # whole: items counted only when finished (videos), with the share of those under way beside
        self.whole = whole
        self._partial, self._now = 0.0, ""
        self.terminal = bool(getattr(self.stream, "isatty", lambda: False)())
        self._bar: Any = None
        self._started = time.monotonic()
        self._first: Optional[tuple[float, int]] = None  # (time, done) of the first update: rate from here
        self._last_line = (-float("inf"), -1.0)  # (time, share) of the last line written
        self._done: int = 0
        self._total: Optional[int] = None
        self._note: Optional[threading.Timer] = None
        self._note_lock = threading.Lock()  # the note's timer thread never writes once counting began

    def note_setup(self, after_s: float = SETUP_NOTE_AFTER_S) -> None:
        """Say what happens before the first frame is counted, if none is within `after_s` (a motion
        file or a clip refused before tracking says nothing)."""
        text = f"{self.what}: {setup_note(self.unit)}"
        with self._note_lock:
            self._note = threading.Timer(max(after_s, 0.0), self._write, (text,))
            self._note.daemon = True
        if after_s <= 0:
            self._write(text)
        else:
            self._note.start()

    def _write(self, line: str) -> None:
        with self._note_lock:
            if self._note is not None:  # not cancelled: nothing counted yet, not closed
                self._note = None
                self.stream.write(line + "\n")
                self.stream.flush()

    def _cancel_note(self) -> None:
        with self._note_lock:
            if self._note is not None:
                self._note.cancel()
                self._note = None

    def working(self, share: float, now: str) -> None:
        """Work under way on items not yet counted (see CountProgress.working); shown at the next update."""
        self._partial, self._now = max(0.0, share), now

    def update_to(self, done: int, total: Optional[int]) -> None:
        self._cancel_note()
        now = time.monotonic()
        self._done, self._total = done, total
        if self._first is None:
            self._first = (now, done)
        if self.terminal:
            self._update_bar(done, total)
            return
        share = (done + self._partial) / total if total else 0.0
        last_time, last_share = self._last_line
        due = now - last_time >= self.every_s
        moved = share - last_share >= MIN_STEP_SHARE or now - last_time >= MAX_SILENCE_S
        if due and moved:
            self._last_line = (now, share)
            self.stream.write(self.line(now) + "\n")
            self.stream.flush()

    def line(self, now: Optional[float] = None) -> str:
        """'tracking 250/775 frames (32%), 0:12 elapsed, about 0:25 left'."""
        now = now if now is not None else time.monotonic()
        elapsed = now - self._started
        done, total = self._done, self._total
        if not total:
            return f"{self.what} {done} {self.unit}, {clock_text(elapsed)} elapsed"
        progressed = min(done + self._partial, total)
        share = f"{100 * progressed / total:.0f}%"
        under_way = f", now {self._now}" if self._now and done < total else ""
        text = f"{self.what} {done}/{total} {self.unit} ({share}){under_way}, {clock_text(elapsed)} elapsed"
        first_time, first_done = self._first or (now, done)
        if progressed - first_done > 0 and done < total and now > first_time:
            rate = (progressed - first_done) / (now - first_time)
            text += f", about {clock_text((total - progressed) / rate)} left"
        return text

    def _update_bar(self, done: int, total: Optional[int]) -> None:
        if self._bar is None:
            from tqdm import tqdm

            # Drawn at once with its total, not as "0video [00:00, ?video/s]".
            unit = self.unit[:-1] or self.unit
            # Its rate counts from here (`initial`): the first frame alone read "131072.00frame/s".
            desc = f"{self.what} {done}/{total} {self.unit}" if self.whole else self.what
            self._bar = tqdm(
                total=total, initial=done, unit=unit, desc=desc, leave=False, file=self.stream,
                bar_format=WHOLE_BAR if self.whole else None,
            )  # fmt: skip
        if total is not None and self._bar.total != total:
            self._bar.total = total
        if self.whole:  # "batch 1/4 videos: 34%|###  | [00:40<01:18, 40.0s/video, now b.mp4 frame 120/750]"
            self._bar.desc = f"{self.what} {done}/{total} {self.unit}"
            self._bar.set_postfix_str(
                f"now {self._now}" if self._now and done != total else "", refresh=False
            )
            self._bar.n = min(done + self._partial, total) if total else done
        else:
            self._bar.n = done
        self._bar.refresh()

    def close(self, interrupted: bool = False) -> None:
        """The last line of a log: "batch done: 6 videos in 0:30", or, when the work was interrupted,
        "batch interrupted: 1 of 2 videos finished in 0:26" (never "done" for work left undone)."""
        self._cancel_note()
        if self._bar is not None:
            self._bar.close()
        elif not self.terminal and self._done:
            elapsed = clock_text(time.monotonic() - self._started)
            unit = self.unit[:-1] if self._done == 1 and self.unit.endswith("s") else self.unit
            if interrupted:
                of = f" of {self._total}" if self._total else ""
                line = f"{self.what} interrupted: {self._done}{of} {self.unit} finished in {elapsed}"
            else:
                line = f"{self.what} done: {self._done} {unit} in {elapsed}"
            self.stream.write(line + "\n")
            self.stream.flush()
