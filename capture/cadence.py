"""Whether repeats keep a camera's cadence: the regular spacing that tells a slower camera's repeats
from a still scene's near-copies in a lossy file.

A camera of c images a second in a stream of s frames a second shows a new image on frame j when
j * c / s crosses a whole number: the new images (and the repeats) fall on a fixed step of phase, c / s
of a turn a frame, and the rarer of the two kinds lies on one arc of that circle (25 images a second at
30 fps: each sixth frame a repeat; 5 at 60: each twelfth frame new). An encoder that wiped a still
scene's sensor noise out leaves its frames near-copies of each other, and the ones the differences
take for repeats fall anywhere: on no step of phase. So the repeats of a stretch (CADENCE_WINDOW
frames or more) are taken only when the rarer kind's phases gather (their mean resultant at the
cadence's fundamental, `_fundamental`, at least CADENCE_COHERENCE of that of events spread
evenly over an arc of their share: sinc(share), 2/pi for a half turn), and then only those on the arc
of phase where repeats fall (the arc that holds most of them and
fewest new images, so that a frame a near-still stretch made look like a repeat, off the step, is kept).
Stretches with repeats under MIN_SHARE of their frames (a 24-fps film at 25 fps, a recording's own
repeats now and then) are left as they are: no cadence to test, and no frames dropped for them either.

A cadence also says where the repeats not found lie: `cadence_arc` is the comb's whole arc of phase,
found or not (in slow motion at a high CRF a repeat differs from its image by a third to a half of a
new image's change, and only some lie under a quarter of it: capture/repeats.py judges the rest there).
The repeats found alone cannot say which arc: they gather at the cadence's harmonics too, and those
found may lie on part of it only (`_likeliest_arc`). Given each frame's likeness to a copy (its change
against the change about it, from capture/repeats.py), the arc is the one, of the cadences the comb may
stand for, whose frames' likeness it sets most apart from the rest's (`arc_and_cadence`); the camera's
frequency is refined on the whole recording, and its arc also drawn where the strict test found too
few repeats to show a cadence, if the likeness there keeps it past chance (`_significant_arc`).
A camera may switch its rate (a webcam as the light falls): the window about the switch reads one
side's cadence and would draw it over the other's frames; where the windows that end and start with a
stretch keep different cadences, only the frames both put on an arc are (`_across_switches`). Where
nothing moves no cadence is read at all (`still` in `arc_and_cadence`, from capture/repeats.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Optional

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
# The rarer kind recurs at its rate of occurrence per frame; its frequency is searched about it (false
# repeats and new images taken for repeats move the count, not the step; where repeats are rarer, up to
# every other frame: see `_fundamental`), on a coarse grid, then finely about the best.
FREQUENCY_SPAN = 0.4
COARSE, FINE = 32, 24
REFINE_SPAN = 0.05
# Events over a span of N frames gather in a peak about 1/N wide: the coarse grid puts this many points
# in it (a coarser one stepped over the fundamental's peak and took a harmonic's).
GRID_PER_PEAK = 4
# A cadence's arc (`cadence_arc`) judges frames it puts a repeat on more loosely: there the rarer kind
# must gather past what events at random reach with these odds in the whole search (a search up to 0.5
# tries many frequencies; CADENCE_COHERENCE alone let 10-19 of 100 random patterns keep an arc).
CHANCE = 0.01
# The cadences a comb found may stand for (`_likeliest_arc`): its frequency's whole parts and multiples
# up to this. An arc's ends are drawn ARC_MARGIN of a frame's turn (1 / the window's frames) inside the
# phases of its first and next frames: a cadence's phases are a few apart, each shared by many frames,
# and a frequency read a little off moves them by a few thousandths of a turn over a window.
HARMONICS = 4
ARC_MARGIN = 0.5
# A frame's likeness to a copy (capture/repeats.py) weighs it against the change two frames about it,
# which is a whole image's only where a camera's runs of repeats are at most this long (25 images a
# second at 60 fps: 1 or 2); in longer ones (a 5-fps camera at 50 fps: 9) the arc is read from the
# repeats found alone, their runs' lengths taken at this quantile (a run too long: two images, one of
# them wrongly taken).
LIKENESS_RUN = 2
RUN_QUANTILE = 0.9
# A frequency read off the repeats found in a window is right to about a peak's width (1/N over N
# frames), which moves a cadence's phases by up to a tenth of a turn across it and may put a frame at
# its ends a step off: the recording's is refined on the whole recording's likeness, from the windows'
# median, within DRIFT_TURNS / CADENCE_WINDOW of it, on DRIFT_STEPS frequencies a level, each level a
# fifth as wide as the last, until the phases move by under FINEST_TURNS across the recording.
DRIFT_TURNS = 0.125
DRIFT_STEPS = 11
FINEST_TURNS = 0.01


def keeps_cadence(repeat: np.ndarray, unknown: Optional[np.ndarray] = None) -> np.ndarray:
    """(T,) True on the repeats that keep the cadence of the stretch around them; repeats where they are
    under MIN_SHARE of a stretch are kept as they are (see the module's note). Frames `unknown` (a held
    picture's: no camera's step) are taken as their stretch's more common kind, which adds none of the
    rarer kind whose step is read (a 5-fps camera at 30 fps whose last image held on: as new images,
    its 11 frames broke the comb of one new image in six, and the stretch's copies were kept)."""
    repeat = np.asarray(repeat, dtype=bool)
    held = np.zeros_like(repeat) if unknown is None else np.asarray(unknown, dtype=bool)

    def decide(stretch: slice) -> np.ndarray:
        window, unsure = repeat[stretch], held[stretch]
        known = window[~unsure]
        common = bool(known.size) and float(known.mean()) > 0.5
        return _window_cadence(np.where(unsure, common, window)) & ~unsure

    return _by_stretch(repeat, decide)


def cadence_arc(repeat: np.ndarray, likeness: Optional[np.ndarray] = None) -> np.ndarray:
    """(T,) True on every frame where the cadence of its stretch puts a repeat, found or not: the comb's
    arc of phase at its fundamental, as long as the repeats' share of a turn, about their mean phase
    (a camera of c images a second at s frames a second repeats frames whose phase j * c / s lies on
    an arc of 1 - c / s). False where no cadence is kept. With `likeness` (T,: how much each frame looks
    like a copy, above 0, or a new image, below), the arc is the one of the cadence's family that
    gathers the most of it (`_likeliest_arc`)."""
    repeat = np.asarray(repeat, dtype=bool)
    if likeness is None:
        return _by_stretch(repeat, lambda stretch: _window_arc(repeat[stretch]))
    return arc_and_cadence(repeat, likeness)[0]


def arc_and_cadence(
    repeat: np.ndarray, likeness: np.ndarray, still: Optional[np.ndarray] = None
) -> tuple[np.ndarray, np.ndarray]:
    """(arc, cadence): `cadence_arc` with `likeness`, and True on every frame whose stretch keeps a
    cadence (on its arc or not: a frame off the arc there is no repeat of the camera's). A camera keeps
    its cadence through the recording: the frequency its stretches found (their median) is refined on
    the whole recording's likeness (`_recording_cadence`), so that a stretch whose own frequency agrees
    draws its arc at that one (a stretch's is right to about 1/N, which moves the phases at its ends by
    up to a frame), and a stretch where the hand holds still at a high CRF, whose strict test finds too
    few repeats to show any, takes its arc where that cadence sets the likeness apart past chance
    (`_significant_arc`). A cadence holds where the scene moves: a stretch mostly of frames `still`
    (a still scene the encoder wiped: its differences follow the encoder's frame types) finds none of
    its own, and takes the arc of the one found where the scene moves, where its likeness keeps it."""
    repeat = np.asarray(repeat, dtype=bool)
    weights = np.asarray(likeness, dtype=np.float64)
    unmoving = np.zeros(repeat.size, dtype=bool) if still is None else np.asarray(still, dtype=bool)

    def decide(stretch: slice) -> np.ndarray:
        frames = stretch.stop - stretch.start
        if np.count_nonzero(unmoving[stretch]) > 0.5 * frames:  # no arc, no cadence, no frequency
            return np.full((3, frames), [[0.0], [0.0], [np.nan]])
        arc, frequency = _window_likeliest(repeat[stretch], weights[stretch])
        at = np.full(arc.size, np.nan if frequency is None else frequency)
        return np.stack([arc, arc.any() & np.ones(arc.size, dtype=bool), at])

    arc, cadence, found_at = _across_switches(repeat, decide)
    arc, cadence = arc > 0, cadence > 0
    if not np.isfinite(found_at).any():  # no cadence, or only ones read from the repeats alone
        return arc, cadence
    recording_at = _recording_cadence(float(np.nanmedian(found_at)), weights)

    def again(stretch: slice) -> np.ndarray:
        arc = _significant_arc(recording_at, weights[stretch])
        return np.stack([arc, np.full(arc.size, arc.any())])

    redrawn, kept = _by_stretch(repeat, again)
    agrees = np.abs(found_at - recording_at) <= 1.0 / CADENCE_WINDOW
    take = kept & (~cadence | agrees)
    return np.where(take, redrawn, arc), cadence | take


def _across_switches(repeat: np.ndarray, decide: Callable[[slice], np.ndarray]) -> np.ndarray:
    """(arc, cadence, frequency), each (T,), of `decide` (a window -> those three) by the window about
    each stretch; where the windows that end and start with it keep different cadences (a camera that
    switched its rate, or started or stopped repeating), only on the frames both put on an arc. The
    window about a switch draws one side's cadence over the other's frames: a 25-fps camera that
    switched to 15 at 30 fps put every other frame on the arc where a copy is every sixth, and a new
    image in steady motion lies at the loose share of the change across it (3 of its 240 frames lost).
    (Taking the side whose arc sets the stretch's likeness most apart kept half as many copies, but lost
    more images: in steady motion a new image's likeness is 0, and noise about it sets any arc apart.)"""
    about = _by_stretch(repeat, decide, np.float64)
    frequencies = about[2][about[1] > 0]
    if not repeat.size or (frequencies.size == repeat.size and np.ptp(frequencies) <= 1.0 / CADENCE_WINDOW):
        return about  # one cadence throughout (NaN: one read from runs, which may differ): no switch
    before, after = (_by_stretch(repeat, decide, np.float64, lean) for lean in (-1, 1))
    kept = (before[1] > 0, after[1] > 0)
    apart = np.abs(before[2] - after[2]) > 1.0 / CADENCE_WINDOW  # NaN: a cadence read from runs
    switched = (kept[0] != kept[1]) | (kept[0] & kept[1] & apart)
    both = np.stack([(before[0] > 0) & (after[0] > 0), kept[0] & kept[1], np.where(apart, np.nan, before[2])])
    return np.where(switched, both, about)


def _recording_cadence(frequency: float, likeness: np.ndarray) -> float:
    """The frequency near `frequency` (its stretches', right to about 1 / CADENCE_WINDOW) whose arc, of
    either length, sets the whole recording's `likeness` apart the most."""
    centred = likeness - likeness.mean()
    span = DRIFT_TURNS / CADENCE_WINDOW
    refined = [_refined_arc(frequency, length, centred, span) for length in {frequency, 1.0 - frequency}]
    return max(refined, key=lambda found: found[2])[1]


def _by_stretch(
    repeat: np.ndarray, decide: Callable[[slice], np.ndarray], dtype: type = bool, lean: int = 0
) -> np.ndarray:
    """`decide` (a window of the recording -> the window's answer) over stretches of the recording, each
    frame decided by the window about it (see the module's note), or with `lean` -1 (+1) by the window
    that ends (starts) with its stretch."""
    frames = repeat.size
    window, hop = _window_and_hop(repeat)
    if frames <= window:
        return decide(slice(0, frames))
    keep: Optional[np.ndarray] = None
    for start in range(0, frames, hop):
        stop = min(start + hop, frames)
        low = {-1: stop - window, 0: start + hop // 2 - window // 2, 1: start}[lean]
        low = min(max(0, low), frames - window)
        answer = decide(slice(low, low + window))  # (..., window): the last axis is the frames'
        if keep is None:
            keep = np.zeros((*answer.shape[:-1], frames), dtype=dtype)
        keep[..., start:stop] = answer[..., start - low : stop - low]
    assert keep is not None
    return keep


def _window_and_hop(repeat: np.ndarray) -> tuple[int, int]:
    """The frames of a window (CADENCE_WINDOW, or WINDOW_EVENTS of the rarer kind) and of the stretch
    each decides (HOP_SHARE of it)."""
    rarer_share = min(float(repeat.mean()), 1.0 - float(repeat.mean())) if repeat.size else 0.0
    window = max(CADENCE_WINDOW, int(np.ceil(WINDOW_EVENTS / max(rarer_share, 1e-9))))
    return window, max(1, int(window * HOP_SHARE))


def _window_arc(repeat: np.ndarray) -> np.ndarray:
    share = float(repeat.mean()) if repeat.size else 0.0
    # the repeats found may be fewer than MIN_SHARE of the frames: a cadence's share is its step's
    step = _window_step(repeat, CHANCE) if 0.0 < share < 1.0 else None
    if step is None or (step[1] and step[0] < MIN_SHARE):  # repeats on step now and then: no cadence
        return np.zeros_like(repeat)
    frequency, repeats_rarer = step
    events = np.flatnonzero(repeat if repeats_rarer else ~repeat)
    middle = np.angle(np.exp(2j * np.pi * frequency * events).mean()) / (2 * np.pi)
    phase = np.arange(repeat.size) * frequency - middle
    # the rarer kind's arc: as long as the step (missed repeats make them look rarer than they are, so
    # where they are the rarer kind the arc is no longer than their true share, and may be shorter)
    near_middle = np.abs(phase - np.round(phase)) < frequency / 2
    return near_middle if repeats_rarer else ~near_middle


def _window_step(repeat: np.ndarray, chance: float = 1.0) -> Optional[tuple[float, bool]]:
    """(frequency, whether repeats are the rarer kind) of a window's cadence (repeats MIN_SHARE to all
    but one of its frames), or None where it keeps none: the rarer kind's phases gather at the
    fundamental at least CADENCE_COHERENCE of a cadence's, on an arc of their share (sinc(share))."""
    share = float(repeat.mean())
    rarer = np.flatnonzero(repeat if share <= 0.5 else ~repeat)
    if rarer.size < MIN_EVENTS:
        return None
    rarer_share = rarer.size / repeat.size
    gate = float(CADENCE_COHERENCE * np.sinc(rarer_share))
    if chance < 1.0:
        # N events at random reach a mean resultant r at one frequency with odds exp(-N r^2), and a
        # search from about their rate to 0.5 over a span of S frames tries about (0.5 - rate) S apart
        tries = max(1.0, (0.5 - rarer_share * (1 - FREQUENCY_SPAN)) * repeat.size)
        gate = max(gate, float(np.sqrt(np.log(tries / chance) / rarer.size)))
    frequency, coherence = _fundamental(rarer, rarer_share, share <= 0.5, gate)
    return None if coherence < gate else (frequency, share <= 0.5)


def _window_cadence(repeat: np.ndarray) -> np.ndarray:
    share = float(repeat.mean()) if repeat.size else 0.0
    if share < MIN_SHARE or share == 1.0:
        return repeat.copy()
    step = _window_step(repeat)
    if step is None:
        return np.zeros_like(repeat)
    frequency, repeats_rarer = step
    arc = _repeat_arc(repeat, frequency)
    # the step again on the rarer kind's frames on their arc alone (a recording's own repeats, off the
    # step, pull the frequency found on all of them a little off, and over a window that adds up)
    on_arc = np.flatnonzero(repeat & arc if repeats_rarer else ~repeat & ~arc)
    if on_arc.size > 1:
        around = frequency * (1 + np.array([-1, 1]) * REFINE_SPAN)
        frequency = _best_frequency(on_arc, around[0], min(around[1], 0.5))[0]
        arc = _repeat_arc(repeat, frequency)
    return repeat & arc


def _fundamental(events: np.ndarray, rate: float, repeats_rarer: bool, gate: float) -> tuple[float, float]:
    """(frequency, mean resultant) of the cadence the rarer kind keeps. Missed repeats make repeats look
    rarer than their step, never more frequent: where they are the rarer kind, the step is searched
    from about their rate up to every other frame (a 25-fps camera at 50 fps whose slow motion let a
    quarter of its repeats be found: they recur at 0.14 a frame, on a step of 0.5). Events every P
    frames gather at 1/P and at each harmonic k/P alike, never between or below: the fundamental is
    the lowest frequency (down to about the events' rate) that is a whole part of the best one and
    where they gather past the gate (a 25-fps camera at 30 fps gathers at 1/6, 1/3 and 1/2)."""
    high = 0.5 if repeats_rarer else min(rate * (1 + FREQUENCY_SPAN), 0.5)
    low = max(rate * (1 - FREQUENCY_SPAN), 1e-3)
    frequency, coherence = _best_frequency(events, low, high)
    for divisor in range(int(frequency / low), 1, -1):  # the lowest first
        around = frequency / divisor * (1 + np.array([-1, 1]) * REFINE_SPAN)
        below, gathered = _best_frequency(events, around[0], around[1])
        if gathered >= gate:
            return below, gathered
    return frequency, coherence


def _best_frequency(events: np.ndarray, low: float, high: float) -> tuple[float, float]:
    """(frequency in turns a frame, mean resultant there) where the events' phases gather most, searched
    from `low` to `high` on a grid fine enough for a peak as narrow as the events' span allows."""
    span = max(int(events[-1] - events[0]), 1)
    grid = np.linspace(low, high, max(COARSE, int(np.ceil((high - low) * span * GRID_PER_PEAK))))
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


def _window_likeliest(repeat: np.ndarray, likeness: np.ndarray) -> tuple[np.ndarray, Optional[float]]:
    """(arc, its frequency) of a window's cadence by `_likeliest_arc`; (none, None) where it keeps none."""
    share = float(repeat.mean()) if repeat.size else 0.0
    step = _window_step(repeat, CHANCE) if 0.0 < share < 1.0 else None
    if step is None or (step[1] and step[0] < MIN_SHARE):  # as `_window_arc`
        return np.zeros_like(repeat), None
    if _longest_runs(repeat) > LIKENESS_RUN:  # the likeness says nothing inside longer runs
        return _window_arc(repeat), None
    return _likeliest_arc(step[0], likeness)


def _longest_runs(repeat: np.ndarray) -> int:
    """The RUN_QUANTILE of the lengths of the runs of repeats (0 where there are none)."""
    padded = np.concatenate([[0], repeat.astype(np.int8), [0]])
    lengths = np.flatnonzero(np.diff(padded) == -1) - np.flatnonzero(np.diff(padded) == 1)
    return int(np.ceil(np.quantile(lengths, RUN_QUANTILE))) if lengths.size else 0


def _significant_arc(frequency: float, likeness: np.ndarray) -> np.ndarray:
    """The arc at `frequency` (either length its camera may have) that sets the frames' `likeness`
    apart the most, where it does so past what chance reaches with odds CHANCE over the arcs tried:
    for likeness drawn at random, an arc's score (see `_best_arc_of_length`) times sqrt(frames) over the
    likeness' spread is a standard normal; empty elsewhere."""
    frames = likeness.size
    spread = float(likeness.std())
    if frames < 2 or not spread > 0:
        return np.zeros(frames, dtype=bool)
    centred = likeness - likeness.mean()
    phase = (np.arange(frames) * frequency) % 1.0
    arcs = [_best_arc_of_length(phase, centred, length) for length in {frequency, 1.0 - frequency}]
    score, arc = max(arcs, key=lambda scored: scored[0])
    gate = np.sqrt(2.0 * np.log(len(arcs) * frames / CHANCE))
    return arc if score * np.sqrt(frames) / spread >= gate else np.zeros(frames, dtype=bool)


def _likeliest_arc(frequency: float, likeness: np.ndarray) -> tuple[np.ndarray, Optional[float]]:
    """The arc, of the cadences the repeats found may stand for, that gathers the most `likeness`:
    the frequency found, its whole parts (a 25-fps camera at 30 fps: its copies also gather at 1/2,
    every other frame, with two new images for each copy there) and its multiples (a 25-fps camera at
    50 fps whose every other copy was found: they gather at 1/4), each with either arc its camera may
    have: c / s at a frequency f of at most a half is a camera of f (repeats on 1 - f of a turn) or of
    1 - f (on f; 25 images a second at 60 fps: 7/12, where the found copies alone may look rarer).
    A too long arc takes in new images (below 0), a too short one leaves copies out; empty (and None)
    where no arc gathers more than it loses. Also returns the chosen frequency."""
    frames = likeness.size
    candidates = {frequency / k for k in range(1, HARMONICS + 1)}
    candidates |= {frequency * m for m in range(2, HARMONICS + 1) if frequency * m <= 0.5 + 1e-9}
    centred = likeness - likeness.mean()
    best_score, best = 0.0, None
    for candidate in sorted(candidates):
        phase = (np.arange(frames) * candidate) % 1.0
        for length in {candidate, 1.0 - candidate}:
            if length < MIN_SHARE:  # repeats now and then: no cadence
                continue
            score = _best_arc_of_length(phase, centred, length)[0]
            if score > best_score:
                best_score, best = score, (candidate, length)
    if best is None:
        return np.zeros(frames, dtype=bool), None
    phase = (np.arange(frames) * best[0]) % 1.0
    return _best_arc_of_length(phase, centred, best[1])[1], best[0]


def _refined_arc(
    frequency: float, length: float, centred: np.ndarray, span: float
) -> tuple[np.ndarray, float, float]:
    """(arc, frequency, score): the arc `length` long at the frequency within `span` of `frequency`
    whose arc sets the `centred` likeness most apart, searched on DRIFT_STEPS frequencies, then again
    about the best on a span a fifth as wide, until the phases move by under FINEST_TURNS over the
    frames."""
    frames = centred.size
    best_score, best, best_at = -np.inf, np.zeros(frames, dtype=bool), frequency
    while True:
        for near in best_at + np.linspace(-span, span, DRIFT_STEPS):
            score, arc = _best_arc_of_length((np.arange(frames) * near) % 1.0, centred, length)
            if score > best_score:
                best_score, best, best_at = score, arc, float(near)
        span /= 5.0
        if span * frames < FINEST_TURNS:
            return best, best_at, best_score


def _best_arc_of_length(phase: np.ndarray, centred: np.ndarray, length: float) -> tuple[float, np.ndarray]:
    """(score, the frames on it) of the arc of phase `length` long that sets its frames' `centred`
    likeness most apart from the rest's: its sum over sqrt(frames on it x frames off it), the
    correlation of being on the arc with the likeness, times its spread (so arcs of any length compare).
    It starts at one of the frames' phases and holds whole ones (ARC_MARGIN)."""
    frames = phase.size
    order = np.argsort(phase, kind="stable")
    ordered = phase[order]
    doubled = np.concatenate([ordered, ordered + 1.0])
    summed = np.concatenate([[0.0], np.cumsum(np.concatenate([centred[order], centred[order]]))])
    margin = ARC_MARGIN / frames
    starts = np.searchsorted(ordered, ordered - margin, side="left")  # a phase's first frame
    stops = np.searchsorted(doubled, ordered[starts] + length - margin, side="left")
    stops = np.minimum(stops, starts + frames)
    on = stops - starts
    # placed where it gathers the most (an arc of a given length that leaves out a frame of its phase
    # for one more of the next is a frequency a little off, not a better arc), scored as said above
    gathered = np.where((on > 0) & (on < frames), summed[stops] - summed[starts], -np.inf)
    best = int(np.argmax(gathered))
    arc = np.zeros(frames, dtype=bool)
    arc[order[np.arange(starts[best], stops[best]) % frames]] = True
    if not np.isfinite(gathered[best]):
        return -np.inf, arc
    return float(gathered[best] / np.sqrt(on[best] * (frames - on[best]))), arc
