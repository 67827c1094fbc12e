"""Whether repeats keep a camera's cadence: the regular spacing that tells a slower camera's repeats
from a still scene's near-copies in a lossy file.

A camera of c images a second in a stream of s frames a second shows a new image on frame j when
j * c / s crosses a whole number: the new images (and the repeats) fall on a fixed step of phase, c / s
of a turn a frame, and the rarer of the two kinds lies on one arc of that circle (25 images a second at
30 fps: each sixth frame a repeat; 5 at 60: each twelfth frame new). An encoder that wiped a still
scene's sensor noise out leaves its frames near-copies of each other, and the ones the differences
take for repeats fall anywhere: on no step of phase. So the repeats of a stretch (CADENCE_WINDOW
frames or more) are taken only when the rarer kind's phases gather (their mean resultant at its best
frequency, searched about its rate of occurrence, at least CADENCE_COHERENCE of that of events spread
evenly over an arc of their share: sinc(share), 2/pi for a half turn), and then only those on the arc
of phase where repeats fall (the arc that holds most of them and
fewest new images, so that a frame a near-still stretch made look like a repeat, off the step, is kept).
Stretches with repeats under MIN_SHARE of their frames (a 24-fps film at 25 fps, a recording's own
repeats now and then) are left as they are: no cadence to test, and no frames dropped for them either.
"""

from __future__ import annotations

import numpy as np

# About a second of frames at 60 fps, longer where the rarer kind is rarer: a stretch holds at least
# WINDOW_EVENTS of them (4 s for a 5-fps camera at 60 fps; chance gathers a few on a step, not 20),
# decided on its middle third (HOP_SHARE). Fewer than MIN_EVENTS of the rarer kind gather on any
# step: no cadence is read from them.
CADENCE_WINDOW = 64
WINDOW_EVENTS = 20
MIN_EVENTS = 4
HOP_SHARE = 1 / 3
# The rarer kind's mean resultant on the circle of phase, as a share of a camera's (sinc of the rarer
# kind's share: 2/pi for a half turn, 15 images a second at 30 fps); missed or false repeats lower a
# camera's, and events at random sit near 1/sqrt(their number). Measured on seeds 30001-30003 (still
# scenes and 5-25 fps cameras at CRF 18-28): still scenes lost frames from 0.6 down, a 5-fps camera at
# 50 fps kept copies from 0.7 up.
CADENCE_COHERENCE = 0.65
MIN_SHARE = 0.1
# The rarer kind recurs at its rate of occurrence per frame; its frequency is searched about it (misses
# and false repeats move the count, not the step), on a coarse grid, then finely about the best.
FREQUENCY_SPAN = 0.4
COARSE, FINE = 32, 24
REFINE_SPAN = 0.05


def keeps_cadence(repeat: np.ndarray) -> np.ndarray:
    """(T,) True on the repeats that keep the cadence of the stretch around them; repeats where they are
    under MIN_SHARE of a stretch are kept as they are (see the module's note)."""
    repeat = np.asarray(repeat, dtype=bool)
    frames = repeat.size
    rarer_share = min(float(repeat.mean()), 1.0 - float(repeat.mean())) if frames else 0.0
    window = max(CADENCE_WINDOW, int(np.ceil(WINDOW_EVENTS / max(rarer_share, 1e-9))))
    if frames <= window:
        return _window_cadence(repeat)
    keep = np.zeros(frames, dtype=bool)
    hop = max(1, int(window * HOP_SHARE))
    for start in range(0, frames, hop):
        low = min(max(0, start + hop // 2 - window // 2), frames - window)
        stop = min(start + hop, frames)
        keep[start:stop] = _window_cadence(repeat[low : low + window])[start - low : stop - low]
    return keep


def _window_cadence(repeat: np.ndarray) -> np.ndarray:
    share = float(repeat.mean()) if repeat.size else 0.0
    if share < MIN_SHARE or share == 1.0:
        return repeat.copy()
    rarer_kind = repeat if share <= 0.5 else ~repeat
    rarer = np.flatnonzero(rarer_kind)
    if rarer.size < MIN_EVENTS:
        return np.zeros_like(repeat)
    rarer_share = rarer.size / repeat.size
    frequency, coherence = _best_frequency(rarer, rarer_share, FREQUENCY_SPAN)
    if coherence < CADENCE_COHERENCE * np.sinc(rarer_share):  # a cadence's, on an arc of that share
        return np.zeros_like(repeat)
    arc = _repeat_arc(repeat, frequency)
    # the step again on the rarer kind's frames on their arc alone (a recording's own repeats, off the
    # step, pull the frequency found on all of them a little off, and over a window that adds up)
    on_arc = np.flatnonzero(rarer_kind & (arc if share <= 0.5 else ~arc))
    if on_arc.size > 1:
        frequency = _best_frequency(on_arc, frequency, REFINE_SPAN)[0]
        arc = _repeat_arc(repeat, frequency)
    return repeat & arc


def _best_frequency(events: np.ndarray, rate: float, span: float) -> tuple[float, float]:
    """(frequency in turns a frame, mean resultant there) where the events' phases gather most, searched
    within `span` (a share) of `rate`."""
    low, high = max(rate * (1 - span), 1e-3), min(rate * (1 + span), 0.5)
    grid = np.linspace(low, high, COARSE)
    resultant = _resultant(events, grid)
    best = int(np.argmax(resultant))
    step = grid[1] - grid[0]
    fine = np.linspace(grid[best] - step, grid[best] + step, FINE)
    resultant_fine = _resultant(events, fine)
    best_fine = int(np.argmax(resultant_fine))
    return float(fine[best_fine]), float(resultant_fine[best_fine])


def _resultant(events: np.ndarray, frequencies: np.ndarray) -> np.ndarray:
    return np.abs(np.exp(2j * np.pi * np.outer(frequencies, events)).mean(axis=1))


def _repeat_arc(repeat: np.ndarray, frequency: float) -> np.ndarray:
    """True on the frames whose phase lies on the arc (contiguous in phase, at most a turn) holding the
    most repeats less new images: where a camera's repeats fall."""
    frames = repeat.size
    order = np.argsort((np.arange(frames) * frequency) % 1.0, kind="stable")
    weight = np.where(repeat[order], 1, -1)
    summed = np.concatenate([[0], np.cumsum(np.concatenate([weight, weight]))])
    start = np.arange(frames)[:, None]
    length = np.arange(1, frames + 1)[None, :]
    gain = summed[start + length] - summed[start]
    first, size = np.unravel_index(int(np.argmax(gain)), gain.shape)
    arc = np.zeros(frames, dtype=bool)
    arc[order[(first + np.arange(size + 1)) % frames]] = True
    return arc
