"""Frames a camera repeated: the same image delivered again inside a faster stream.

A laptop webcam in low light exposes longer than its stream's frame interval and sends each image two
or three times (15 new images a second in a 30-fps stream); a converted file does the same (a 24-fps
film at 25 fps repeats one frame a second; a 25-fps clip at 30, 50 or 60 fps repeats every frame's
share). A repeat is no new look at the hand: its motion lies on the clock of new images, and a held
image puts the motion's own frequencies above them (where tremor's jitter floor is read).

Each frame is compared with the one before on a strided sample of its pixels (about SAMPLE_PIXELS,
so sensor noise is kept, not averaged away), as the mean absolute difference. A frame is a repeat when
that difference is under REPEAT_SHARE of the change across it (the frame after against the frame
before, and this frame against the one two back), which is the recording's own change between frames
at that moment: in motion it is the motion,
on a still scene with sensor noise it is the noise (a new frame there differs from the one before as
much as from the one before that, so it is never taken for a repeat). A repeat of a lossy file is not
exact (the encoder's residue: 0.03-0.08 grey levels on the real 24 -> 25 fps ASL clip, where the frames
around it differ by 1-4).

A lossy file shows an image three or more times as near-copies, the third as close to the second as to
the first: each is judged against the image (the last new frame), not its last copy, and the change
across a run is the next new image against it (`repeats_of_new_images`). Where these repeats are a
cadence, every frame where the cadence puts a repeat (its arc of phase, `cadence_arc`), found or not,
needs only to lie under RESIDUE_SHARE of the change across it, in runs as long as the arc's: in slow
motion at a high CRF a repeat differs from its image by a third to a half of a new image's change, and
only some lie under REPEAT_SHARE (the real hand_reaching clip at 50 fps, CRF 28: 55 of its 202 copies),
too few to be a cadence by their count, yet on its step. Which arc is read from every frame's change,
not only from the repeats found (`_copy_likeness`): the repeats found gather at the cadence's harmonics
too (every other frame, where a 25-fps camera at 30 fps copies one in six), and may look rarer than
they are (7 copies in 12 frames at 60 fps, of which the ones found lie on 5); the arc is the one whose
frames' change sets them most apart from the rest. Where no cadence is kept, the encoder's residue is
measured on the repeats that keep one elsewhere (`encoder_residue`): up to it, a frame is judged at
RESIDUE_SHARE too, in runs no longer than those found. Off a cadence's arc it is not: there a frame
that moved as little as a copy's residue is a new image in slow motion (hand_reaching at 30 fps, CRF
28: one was dropped).
A still scene's frames differ from each other alike (by sensor noise and residue), never more from the
frame after than from the one before; but where the encoder wiped the noise out (a still picture at a
high CRF) they are near-copies, some identical, and the differences take many for repeats. A camera's
repeats keep a regular step and a still scene's do not: repeats are taken only where they keep the
cadence of their stretch, and only those on its step (`keeps_cadence`, in capture/cadence.py); the
residue is read on those alone. The rest are kept, and counted as occasional.
A cadence holds where the scene moves. Where the encoder wiped a still scene's noise out, its frames
differ by hundredths of a grey level and repeat in the pattern of its frame types (x264: a P frame and
3 B frames), as a camera of 3/4 of the stream's rate would: there (`still_frames`) no cadence is read,
and no repeat is dropped but on the arc of a cadence read where the scene moves (the old finder lost
up to 44 of 150 frames of such a scene at 50 fps).

A run of repeats longer than MAX_REPEAT_RUN_S is a held picture (a frozen feed, a still scene the
encoder copied), not a camera's cadence: those frames are kept, and counted apart. So are repeats that
come now and then (under MIN_CADENCE_SHARE of the frames: a 24-fps film at 25 fps repeats one in 25):
one held frame a second moves no metric measurably, while the gap a dropped one leaves has neighbours
whose times are up to a frame off (the real ASL clip at 15 fps, made from its 25-fps frames: active
time -5.0 % with them dropped, -0.6 % held).

A stream may carry a recording that has repeats of its own: the real ASL clip (a 24-fps recording at
25 fps, a lossy repeat about once a second) shown at 30 or 60 fps by a player or a conversion that
copies whole decoded frames. Where the frames identical to the one before are a cadence, they are the
stream's, and the near-repeats among the rest are the recording's: those are judged on the recording's
frames, as they are in the recording itself (there, now and then: kept). Judged with the copies, the
clip's 11 were dropped too and its images came at 24.2 a second at 30 and 60 fps, 25 at 25 and 50.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from skillsight.capture.cadence import CADENCE_WINDOW, arc_and_cadence, keeps_cadence
from skillsight.capture.frames import Frame

SAMPLE_PIXELS = 20_000
REPEAT_SHARE = 0.25
# A lossy file's repeats differ from their image by the encoder's residue, measured on the repeats found
# (this quantile of their differences); up to it, a repeat needs only to lie under RESIDUE_SHARE of the
# change across it (a still scene's new frames differ from each other alike: never under a half).
RESIDUE_QUANTILE = 0.9
RESIDUE_SHARE = 0.5
# A webcam sends at least 4 new images a second; a longer hold is a frozen picture, kept as frames.
MAX_REPEAT_RUN_S = 0.25
# A frame is compared with the last LAGS differing frames: a run of up to LAGS - 1 lossy repeats is
# judged against its image (a 5-fps camera in a 60-fps stream: 11); a longer one against its last copy.
LAGS = 12
# Repeats are a camera's cadence, and dropped, from this share of the frames on (25 images a second in
# a 30-fps stream repeat one frame in six).
MIN_CADENCE_SHARE = 0.1
# Two draws of a camera's sensor noise (s.d. 0.5 grey levels or more, even in good light) differ by
# 0.56 a pixel or more on average: frames that differ by less, up to LAGS frames apart, show a still
# scene whose noise the encoder wiped out (see `still_frames`).
STILL_CHANGE = 0.5
# New images are retimed on a sliding mean over about this long (see `new_image_times`) when more than
# UNEVEN_SHARE of their intervals are off the typical one by more than UNEVEN_BY of it.
RETIME_WINDOW_S = 1.0
UNEVEN_SHARE = 0.1
UNEVEN_BY = 0.25
METHOD = (
    "mean absolute difference of a strided pixel sample from the last new image, under 1/4 of the change"
    " across the run (1/2 on a cadence's arc, or up to the lossy repeats' measured residue off any cadence)"
)


@dataclass(frozen=True)
class FrameRepeats:
    """What repeat detection found in a recording (the motion's metadata["frame_repeats"]).

    frames:        frames compared (those decoded and watched).
    repeated:      frames dropped as repeats of the image before.
    held:          repeats in runs over MAX_REPEAT_RUN_S, kept as frames (a frozen picture).
    occasional:    repeats kept because they come now and then, not as a cadence (MIN_CADENCE_SHARE),
                   or off a cadence's step (a still scene's near-copies in a lossy file).
    image_fps:     new images per second after the repeats were dropped (None: under two frames).
    retimed:       True when the new images' times were evened out (`new_image_times`).
    """

    frames: int
    repeated: int
    held: int = 0
    occasional: int = 0
    image_fps: Optional[float] = None
    retimed: bool = False
    method: str = METHOD

    def __post_init__(self) -> None:
        counts = (self.frames, self.repeated, self.held, self.occasional)
        if any(not isinstance(c, (int, np.integer)) or isinstance(c, bool) or c < 0 for c in counts):
            raise ValueError(f"frame repeat counts must be non-negative integers, got {counts}")
        if self.repeated + self.held + self.occasional > self.frames:
            raise ValueError(
                f"{self.repeated} + {self.held} + {self.occasional} repeats in {self.frames} frames"
            )
        if self.image_fps is not None and not (np.isfinite(self.image_fps) and self.image_fps > 0):
            raise ValueError(f"image_fps must be a positive number, got {self.image_fps}")
        object.__setattr__(self, "frames", int(self.frames))
        object.__setattr__(self, "repeated", int(self.repeated))
        object.__setattr__(self, "held", int(self.held))
        object.__setattr__(self, "occasional", int(self.occasional))

    def to_dict(self) -> dict[str, Any]:
        return {
            "frames": self.frames,
            "repeated": self.repeated,
            "held": self.held,
            "occasional": self.occasional,
            "image_fps": None if self.image_fps is None else round(float(self.image_fps), 4),
            "retimed": bool(self.retimed),
            "method": self.method,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FrameRepeats:
        fps = data.get("image_fps")
        return cls(
            frames=int(data["frames"]),
            repeated=int(data["repeated"]),
            held=int(data.get("held", 0)),
            occasional=int(data.get("occasional", 0)),
            image_fps=None if fps is None else float(fps),
            retimed=bool(data.get("retimed", False)),
            method=str(data.get("method", METHOD)),
        )


class RepeatWatcher:
    """Watches frames go by (`watch`) and keeps a few numbers a frame, never an image beyond the pixel
    samples of the last LAGS differing frames; `find` then says which frames were repeats. A frame
    identical to the one before (sample for sample) is a repeat and leaves the comparison as it was, so a
    file's near-repeat shown twice (a 24-fps film at 25 fps, then at 50) is judged against the next image
    that differs. Cost: a nearest-pixel resize and up to LAGS differences of about SAMPLE_PIXELS x 3
    values a frame (one where the frame is identical to the one before), each an OpenCV L1 norm."""

    def __init__(self) -> None:
        self.indices: list[int] = []
        self.times: list[float] = []
        self.step: list[float] = []  # difference from the last differing frame (NaN for the first)
        self.lags: list[np.ndarray] = []  # (LAGS,): from the last LAGS differing frames, latest first
        self.identical: list[bool] = []
        self._recent: list[np.ndarray] = []  # the last LAGS differing samples, latest first
        # the decoding thread may still add a frame read ahead while `find` runs (tracking stopped at
        # max_frames): each frame's numbers go in together, and `find` reads them together
        self._lock = threading.Lock()

    def watch(self, frames: Iterable[Frame]) -> Iterator[Frame]:
        for frame in frames:
            self.add(frame)
            yield frame

    def add(self, frame: Frame) -> None:
        sample = _pixel_sample(frame.image)
        with self._lock:
            self._add(frame, sample)

    def _add(self, frame: Frame, sample: np.ndarray) -> None:
        if self._recent and (self._recent[0].shape, self._recent[0].dtype) != (sample.shape, sample.dtype):
            self._recent = []  # another size: compare afresh
        lags = np.full(LAGS, np.nan)
        same = bool(self._recent) and _difference(sample, self._recent[0]) == 0.0
        if not same:
            lags[: len(self._recent)] = [_difference(sample, earlier) for earlier in self._recent]
            self._recent = [sample, *self._recent[: LAGS - 1]]
        self.indices.append(int(frame.index))
        self.times.append(float(frame.time_s))
        self.identical.append(same)
        self.step.append(0.0 if same else float(lags[0]))
        self.lags.append(lags)

    def repeats(self) -> np.ndarray:
        """(T,) True on every frame that shows the image of the frame before."""
        copies, near = self._repeats_by_kind()
        return copies | near

    def _repeats_by_kind(self) -> tuple[np.ndarray, np.ndarray]:
        """(copies, near): frames identical to the last differing one, and near-repeats (a lossy
        file's repeat: see `repeats_of_new_images`) among the others."""
        copies, near = self._repeats_and_arc()[:2]
        return copies, near

    def _repeats_and_arc(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(copies, near, arc, still): `_repeats_by_kind`, the frames on a cadence's arc
        (`arc_and_cadence`), and the frames of still stretches (`still_frames`)."""
        with self._lock:
            identical = np.asarray(self.identical, dtype=bool)
            lags = np.asarray(self.lags[: identical.size], dtype=np.float64).reshape(-1, LAGS)
        near = np.zeros_like(identical)
        differing = np.flatnonzero(~identical)
        found, offset = repeats_of_new_images(lags[differing])
        near[differing] = found
        still = still_frames(lags, identical)
        # where the repeats found keep a cadence (a still scene's near-copies keep none), however few of
        # its repeats they are, the encoder's residue is read on them and the frames on its arc are
        # judged at RESIDUE_SHARE (see the module's note)
        on_arc, in_cadence = arc_and_cadence(identical | near, _copy_likeness(lags, identical), still)
        arc, cadence = on_arc[differing], in_cadence[differing]
        if arc.any():
            on_step = found & keeps_cadence(identical | near, still)[differing]
            residue = encoder_residue(np.where(on_step, offset, np.nan))
            # on the arc, runs as long as the cadence's; elsewhere as long as the repeats' found on it
            most = (_cadence_run(on_step), max(_cadence_run(on_step), _cadence_run(arc)))
            found = repeats_of_new_images(lags[differing], residue, most, arc, cadence)[0]
            near[differing] = found
        return identical, near, on_arc, still

    def find(self) -> tuple[np.ndarray, FrameRepeats]:
        """(frame indices that are repeats to drop, what was found)."""
        copies, near, on_arc, still = self._repeats_and_arc()
        n = copies.size  # frames read ahead after this are left to the next call
        found_any = copies | near
        held = _held_runs(found_any, np.asarray(self.times[:n]))
        # on the step: on the arc the frames' change sets apart, or keeping the cadence of the repeats
        # found where the scene moves; off it: kept, counted as occasional
        on_step = held | on_arc | keeps_cadence(found_any & ~held, held | still)
        copies, near = copies & on_step, near & on_step
        dropped = _cadence(copies | near, held, n)
        if _cadence(copies, held, n).any():
            # A stream that copies whole frames as a cadence carries a recording that may have repeats of
            # its own: those are judged on the recording's frames, as in the recording itself.
            dropped = (copies & ~held) | _cadence(near, held, n - int((copies & ~held).sum()))
        occasional = found_any & ~held & ~dropped
        found = FrameRepeats(
            frames=n, repeated=int(dropped.sum()), held=int(held.sum()), occasional=int(occasional.sum())
        )
        return np.asarray(self.indices[:n], dtype=np.int64)[dropped], found


def still_frames(lags: np.ndarray, identical: np.ndarray) -> np.ndarray:
    """(T,) True on the frames of still stretches: where, over about CADENCE_WINDOW frames, the median
    frame differs from each of its last LAGS differing frames by under STILL_CHANGE (an identical frame
    is taken as its image). A camera's sensor noise alone sets new images further apart; under it the
    encoder has wiped the noise and nothing moves, and what differences are left follow the encoder's
    frame types (x264 repeats a still scene in a pattern of 4 frames, as a camera of 3/4 of the stream's
    rate would), so they say nothing of a camera's cadence."""
    farthest = np.full(identical.size, np.nan)
    differing = np.flatnonzero(~identical)
    if not differing.size:
        return np.zeros(identical.size, dtype=bool)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a first frame has no lags
        farthest[differing] = np.nanmax(lags[differing], axis=1)
    # an identical frame takes its image's change (none before the first differing frame)
    known = np.isfinite(farthest)
    last = np.maximum.accumulate(np.where(known, np.arange(identical.size), -1))
    farthest = np.where(last >= 0, farthest[np.maximum(last, 0)], np.nan)
    half = CADENCE_WINDOW // 2  # a shorter window at the recording's ends
    windows = np.lib.stride_tricks.sliding_window_view(
        np.pad(farthest, half, constant_values=np.nan), 2 * half + 1
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a window with no change measured: not still
        typical = np.nanmedian(windows, axis=1)
    return typical < STILL_CHANGE


def _copy_likeness(lags: np.ndarray, identical: np.ndarray) -> np.ndarray:
    """(T,) RESIDUE_SHARE less each frame's change from the frame before as a share of the change across
    two frames about it (the larger of this frame against the one two back and the next against the one
    before this): above 0 for a copy (its image's residue against a whole image's change), below for a
    new image in steady motion (one step against at most two); RESIDUE_SHARE on an identical frame."""
    likeness = np.full(identical.size, RESIDUE_SHARE)
    differing = np.flatnonzero(~identical)
    step, two_back = lags[differing, 0], lags[differing, 1]
    around = np.fmax(two_back, np.concatenate([two_back[1:], [np.nan]]))
    with np.errstate(invalid="ignore", divide="ignore"):
        share = step / around
    likeness[differing] = np.where(np.isfinite(share), RESIDUE_SHARE - share, 0.0)
    return likeness


def _cadence(repeat: np.ndarray, held: np.ndarray, frames: int) -> np.ndarray:
    """The repeats outside held runs when they are a camera's cadence (MIN_CADENCE_SHARE of `frames`),
    else none: repeats now and then are kept."""
    candidates = repeat & ~held
    return candidates if candidates.sum() >= MIN_CADENCE_SHARE * max(frames, 1) else np.zeros_like(candidates)


def _pixel_sample(image: np.ndarray) -> np.ndarray:
    """About every s-th pixel of every s-th row (about SAMPLE_PIXELS), by OpenCV's nearest-pixel resize
    (a quarter of the cost of copying a strided view)."""
    import cv2  # here: `track --help` imports this module and must not load OpenCV

    height, width = image.shape[:2]
    stride = max(1, int(np.sqrt(height * width / SAMPLE_PIXELS)))
    if stride == 1:
        return np.ascontiguousarray(image)
    size = (-(-width // stride), -(-height // stride))
    return cv2.resize(np.ascontiguousarray(image), size, interpolation=cv2.INTER_NEAREST)


def _difference(a: np.ndarray, b: np.ndarray) -> float:
    """The mean absolute difference (OpenCV's L1 norm: exact, no wrap-around, and a tenth of numpy's
    cost in int16, so a frame can be compared with LAGS earlier ones)."""
    import cv2  # here: `track --help` imports this module and must not load OpenCV

    return float(cv2.norm(a, b, cv2.NORM_L1)) / a.size


def repeats_of_new_images(
    lags: np.ndarray,
    residue: float = 0.0,
    most: tuple[int, int] = (LAGS - 1, LAGS - 1),
    on_arc: Optional[np.ndarray] = None,
    in_cadence: Optional[np.ndarray] = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(repeat, offset): True on the frames that repeat the last new image, and each one's difference
    from it (NaN on new images), from each frame's differences from the LAGS frames before it
    (`lags[j, k - 1]` is frame j against frame j - k). Going from a new image on, the frames after it
    repeat it when each differs from it by under REPEAT_SHARE of the change across the run (the next new
    image against it) and of the change behind (this frame against the new image before): a lossy
    repeat shown three times differs from the second showing by residue as it does from the first, so it
    is judged against the image, not its last copy. On the frames `on_arc` (where a cadence puts a
    repeat), and up to `residue` (the encoder's residue on repeats, see `encoder_residue`) outside
    `in_cadence` (the stretches that keep one), RESIDUE_SHARE of the change is enough (slow motion moves
    little more than the residue). Runs are at most most[0] repeats (the longest of those found), or
    most[1] on the arc (the cadence's). The next new image ends the run."""
    repeat = np.zeros(lags.shape[0], dtype=bool)
    offset = np.full(lags.shape[0], np.nan)
    loose = np.zeros(lags.shape[0], dtype=bool) if on_arc is None else on_arc
    # up to the residue, but only where no cadence says where the repeats fall (off its arc, a frame
    # that moved as little as a copy's residue is slow motion: hand_reaching at 30 fps, CRF 28)
    by_residue = np.ones(lags.shape[0], dtype=bool) if in_cadence is None else ~in_cadence
    # After a new image that followed a new image, the next frame can start a run only where it lies
    # under RESIDUE_SHARE of its change behind (`_run_after`'s first test): the walk skips to those.
    # (LAGS >= 2: the change behind is a lag of 2)
    with np.errstate(invalid="ignore"):
        may_start = np.flatnonzero(~(lags[1:, 0] > RESIDUE_SHARE * lags[1:, 1]))  # NaN: it may
    image, before = 0, -1
    while image < lags.shape[0] - 1:
        run = _run_after(lags, image, before, residue, most, loose, by_residue)
        repeat[image + 1 : image + 1 + run] = True
        offset[image + 1 : image + 1 + run] = lags[np.arange(image + 1, image + 1 + run), np.arange(run)]
        image, before = image + run + 1, image
        if run == 0:  # the next run starts at the next frame that may start one (or none: done)
            later = np.searchsorted(may_start, image)
            image = int(may_start[later]) if later < len(may_start) else lags.shape[0] - 1
            before = image - 1
    return repeat, offset


def _run_after(
    lags: np.ndarray,
    image: int,
    before: int,
    residue: float,
    most: tuple[int, int],
    loose: np.ndarray,
    by_residue: np.ndarray,
) -> int:
    """How many frames after new image `image` repeat it: the longest run whose frames all lie under
    REPEAT_SHARE of the change across and behind them (or RESIDUE_SHARE, up to `residue`); 0: the next
    frame is new. A run that reaches the last frame is judged on the change behind alone."""
    frames, depth = lags.shape
    first = image + 1  # its change behind bounds every run's: a frame of new motion ends here, cheaply
    behind_first = lags[first, first - before - 1] if before >= 0 and first - before <= depth else np.nan
    if lags[first, 0] > RESIDUE_SHARE * behind_first:
        return 0
    longest = min(depth - 1, frames - image - 1, max(most))
    if longest < 1:
        return 0
    run = np.arange(first, first + longest)  # every length at once: row = the run's length - 1
    step = lags[run, run - first]
    behind = np.full(longest, np.nan)
    if before >= 0:
        near = run - before <= depth
        behind[near] = lags[run[near], run[near] - before - 1]
    after = run + 1
    across = np.full(longest, np.nan)
    inside = after < frames
    across[inside] = lags[after[inside], np.arange(1, longest + 1)[inside]]
    change = np.fmin(across[:, None], behind[None, :])  # fmin: where one is missing, the other
    share = np.where(loose[run] | ((step <= residue) & by_residue[run]), RESIDUE_SHARE, REPEAT_SHARE)
    with np.errstate(invalid="ignore"):
        fits = (step[None, :] <= share[None, :] * change) | np.triu(np.ones((longest, longest), bool), 1)
    # a run longer than most[0] (the repeats found) lies on the cadence's arc, up to most[1]
    allowed = (np.arange(1, longest + 1) <= most[0]) | (np.cumprod(loose[run]) > 0)
    lengths = np.flatnonzero(fits.all(axis=1) & allowed) + 1
    return int(lengths[-1]) if lengths.size else 0


def _cadence_run(repeat: np.ndarray) -> int:
    """The most repeats an image gets in the cadence: the RESIDUE_QUANTILE of the runs' lengths (25
    images a second at 60 fps: 1 or 2; a run longer is two images, one of them wrongly taken)."""
    padded = np.concatenate([[0], repeat.astype(np.int8), [0]])
    lengths = np.flatnonzero(np.diff(padded) == -1) - np.flatnonzero(np.diff(padded) == 1)
    return int(np.ceil(np.quantile(lengths, RESIDUE_QUANTILE))) if lengths.size else 0


def encoder_residue(offset: np.ndarray) -> float:
    """The encoder's residue on a lossy file's repeats: the RESIDUE_QUANTILE of the differences from their
    image of the repeats that keep a camera's cadence (`offset`: NaN elsewhere); 0 where none do."""
    found = offset[np.isfinite(offset)]
    return float(np.quantile(found, RESIDUE_QUANTILE)) if found.size else 0.0


def _held_runs(repeat: np.ndarray, times: np.ndarray) -> np.ndarray:
    """True on repeats in runs that hold one image over MAX_REPEAT_RUN_S (from its first showing)."""
    held = np.zeros(repeat.size, dtype=bool)
    padded = np.concatenate([[False], repeat, [False]]).astype(np.int8)
    starts = np.flatnonzero(np.diff(padded) == 1)
    stops = np.flatnonzero(np.diff(padded) == -1)
    for a, b in zip(starts, stops):
        shown_until = times[b] if b < times.size else times[b - 1] + _period(times)
        if shown_until - times[a - 1 if a else 0] > MAX_REPEAT_RUN_S + 1e-9:
            held[a:b] = True
    return held


def _period(times: np.ndarray) -> float:
    return float(np.median(np.diff(times))) if times.size > 1 else 0.0


def shown_unevenly(times: np.ndarray) -> bool:
    """True when the new images' first showings are uneven (a 25-fps camera in a 30-fps stream: one
    interval in five is twice the others; in a 60-fps stream half are 50 ms, half 33 ms), so they need
    `new_image_times`. A repeat now and then (a 24-fps film at 25 fps) leaves a gap as a dropped frame
    does, which an even clock fills; evening out the rest around it would move a second of images."""
    intervals = np.diff(np.asarray(times, dtype=np.float64))
    if intervals.size < 2:
        return False
    typical = float(np.median(intervals))
    return bool(np.mean(np.abs(intervals - typical) > UNEVEN_BY * typical) > UNEVEN_SHARE)


def new_image_times(times: np.ndarray) -> np.ndarray:
    """The new images' times evened out: a sliding mean over about RETIME_WINDOW_S of images, padded at
    each end by the ends' own trend (so a steady clock comes back as it is). A new image is first shown
    up to one stream frame after it was taken (a 25-fps image in a 30-fps stream: 0, 8, 7, 5, 3 ms late
    in a 0.2-s pattern, a 5-Hz wobble in the clock, inside tremor's band); the camera's own clock is
    steady, and the mean of a strictly increasing series stays strictly increasing."""
    t = np.asarray(times, dtype=np.float64)
    if t.size < 3 or not t[-1] > t[0]:
        return t.copy()
    rate = (t.size - 1) / (t[-1] - t[0])
    half = min(int(round(RETIME_WINDOW_S * rate)) // 2, t.size - 1)
    if half < 1:
        return t.copy()
    head = 2 * t[0] - t[half:0:-1]  # odd reflection: a straight clock continues straight
    tail = 2 * t[-1] - t[-2 : -half - 2 : -1]
    padded = np.concatenate([head, t, tail])
    kernel = np.full(2 * half + 1, 1.0 / (2 * half + 1))
    return np.convolve(padded, kernel, mode="valid")
