"""Building blocks of synthetic practice: minimum-jerk submovement plans and the hand they move.

A hand's palm position, in-plane rotation and grip aperture are each a sum of minimum-jerk submovements
(Flash & Hogan 1985; superposition as in Flash & Henis 1991); reaches are chains of submovements as long
as a real expert's, with the skill's detours and corrections; the hand is drawn as 21 MediaPipe-ordered
landmarks around the palm, with tremor on the fingertips. scoring/synthetic.py assembles practices.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from skillsight.base.keypoints import HAND_KEYPOINTS

# Real expert hand motion (knot-tying motion capture, scripts/measure_synthetic_realism.py): submovements
# of 0.22 s (median), 2.3 per second. Reaches are chains of submovements this long, overlapping a little
# (by this share of their spacing, unless PracticeParameters.submovement_overlap says otherwise).
SUBMOVEMENT_S = 0.25
SUBMOVEMENT_OVERLAP = 0.3
FINGER_MOTION_HZ = (1.0, 12.0)  # fingers handling thread move faster than the hand, slower than 12 Hz
FINGERTIP_KEYPOINTS = ("thumb_tip", "index_finger_tip", "middle_finger_tip", "ring_finger_tip", "pinky_tip")
# Real fingertips' 4-12 Hz motion comes in bursts of handling: per 2-s stretch its power spans 1.7 decades
# (10th to 90th percentile) on the real expert capture seen from above, 1.5-1.6 on MediaPipe-tracked real
# hands, against 0.2-0.35 for a hand that shakes evenly (scripts/measure_synthetic_realism.py --tremor).
# A hand's fingers and tremor move with its handling (HandPlan.handling): each burst's power is log-normal
# (HANDLING_BURST_SD) and between bursts they keep HANDLING_QUIET of a typical burst's.
HANDLING_BURST_SD = 1.2
HANDLING_QUIET = 0.02
HANDLING_RAMP_S = 0.15  # bursts rise and fall over this long
HANDLING_BURST_S = (0.3, 1.0)

# Hand template in palm lengths, in a frame where the palm centre is the origin, "forward" (wrist ->
# middle knuckle) is +f and the thumb side is +s. The wrist sits half a palm behind the centre.
_FINGERS = {  # name: (knuckle side offset, knuckle forward, finger direction side-tilt, length)
    "index_finger": (0.30, 0.48, 0.10, 0.75),
    "middle_finger": (0.05, 0.50, 0.00, 0.80),
    "ring_finger": (-0.20, 0.46, -0.08, 0.72),
    "pinky": (-0.42, 0.38, -0.15, 0.58),
}


@dataclass(frozen=True)
class PracticeParameters:
    """What makes a practice novice-like or expert-like; derived from the skill unless overridden."""

    skill: float
    cycle_time_s: float  # stitch cycle (suturing) or attempt duration (intubation)
    cycle_cv: float
    pause_share: float
    tremor_hz: float
    tremor_amplitude: float  # fingertip oscillation amplitude, hand sizes
    detours: float  # typical sideways excursion of a reach, hand sizes
    corrective_submovements: float  # expected corrections per reach
    endpoint_error: float  # error of a primary movement before correction, hand sizes
    wrist_lever_deg: float  # intubation: wrist flexion during the lift
    lift_hand_sizes: float  # intubation: lift along the forearm
    trunk_flexion_deg: float
    neck_flexion_deg: float
    # Calibrated on real expert hand motion for suturing (scoring/synthetic.py, REAL_EXPERT); the
    # defaults keep plain minimum-jerk reaches (intubation is not calibrated yet).
    stroke_concentration: float = 4.0  # Dirichlet concentration of a reach's submovement shares
    adjustment_rate_hz: float = 0.0  # small corrective adjustments of a working hand, per second
    adjustment_hand_sizes: float = 0.0  # their typical size
    finger_motion: float = 0.0  # RMS of fingertip motion relative to the palm, hand sizes
    wrist_turn_scale: float = 1.0  # one person's wrist turn relative to the typical one
    assist_scale: float = 1.0  # how far one person's assisting (forceps) hand moves, relative to the typical
    reach_time_scale: float = 1.0  # reaches take this times the planned time (quicker strokes < 1)
    # How far a reach's successive submovements overlap (share of their spacing): blended into one
    # flowing stroke when high, separate speed peaks when low (scoring/synthetic.py BLENDING).
    submovement_overlap: float = SUBMOVEMENT_OVERLAP
    # A hesitating suturing novice's hand drifts rather than freezes (scoring/synthetic.py HOVER_SPEED);
    # 0 keeps the still pauses intubation was built with.
    hover_speed: float = 0.0  # hand sizes/s


# --- minimum-jerk plans -----------------------------------------------------------------------


def minimum_jerk(tau: np.ndarray) -> np.ndarray:
    """Minimum-jerk position profile 10 tau^3 - 15 tau^4 + 6 tau^5 on [0, 1] (clipped outside)."""
    tau = np.clip(tau, 0.0, 1.0)
    return tau**3 * (10.0 - 15.0 * tau + 6.0 * tau**2)


@dataclass
class SubmovementPlan:
    """Submovements (start s, duration s, displacement vector) summed into one trajectory."""

    start: np.ndarray
    moves: list[tuple[float, float, np.ndarray]] = field(default_factory=list)

    def add(self, t0: float, duration: float, displacement: np.ndarray) -> None:
        self.moves.append((float(t0), max(float(duration), 1e-3), np.asarray(displacement, dtype=float)))

    def position_at_end(self) -> np.ndarray:
        return self.start + sum((m[2] for m in self.moves), np.zeros_like(self.start))

    def render(self, t: np.ndarray) -> np.ndarray:
        """(T, D) trajectory: start + sum of displacement * minimum_jerk((t - t0) / duration)."""
        out = np.tile(self.start.astype(float), (t.size, 1))
        after = np.zeros_like(out)
        for t0, duration, delta in self.moves:
            i0, i1 = np.searchsorted(t, [t0, t0 + duration])
            out[i0:i1] += minimum_jerk((t[i0:i1] - t0) / duration)[:, None] * delta
            if i1 < t.size:
                after[i1] += delta
        return out + np.cumsum(after, axis=0)


@dataclass
class HandPlan:
    """A hand's palm position (hand sizes), in-plane rotation (rad) and grip aperture (hand sizes)."""

    position: SubmovementPlan
    rotation: SubmovementPlan
    aperture: SubmovementPlan
    cursor: float = 0.0  # time at which the hand is free for its next action
    holds: list[tuple[float, float]] = field(default_factory=list)  # (start, end) s of pauses
    # (start, end) s in which the fingers handle needle, instrument or thread (HANDLING_*); none: even shake
    handling: list[tuple[float, float]] = field(default_factory=list)


def new_hand_plan(start_xy: tuple[float, float], angle: float, aperture: float = 0.35) -> HandPlan:
    return HandPlan(
        SubmovementPlan(np.array(start_xy, dtype=float)),
        SubmovementPlan(np.array([angle])),
        SubmovementPlan(np.array([aperture])),
    )


def reach(
    plan: HandPlan, target: np.ndarray, duration: float, p: PracticeParameters, rng: np.random.Generator
) -> float:
    """Move the palm to `target` from where the plan ends, starting at plan.cursor, with the skill's
    detour and corrective submovements. Returns the time the hand arrives."""
    duration *= p.reach_time_scale
    t0 = plan.cursor
    current = plan.position.position_at_end()
    delta = np.asarray(target, dtype=float) - current
    distance = float(np.linalg.norm(delta))
    n_corrections = int(rng.poisson(p.corrective_submovements)) if distance > 0.3 else 0
    error = np.zeros(2)
    if n_corrections:
        angle = rng.uniform(0, 2 * np.pi)
        error = p.endpoint_error * rng.uniform(0.6, 1.4) * np.array([np.cos(angle), np.sin(angle)])
    _primary_movement(
        plan.position, t0, duration, delta + error, rng, p.stroke_concentration, p.submovement_overlap
    )
    if distance > 0.3 and p.detours > 0:
        perp = np.array([-delta[1], delta[0]]) / distance
        bulge = p.detours * rng.uniform(0.3, 1.2) * rng.choice([-1.0, 1.0]) * perp
        plan.position.add(t0, duration / 2, bulge)
        plan.position.add(t0 + duration / 2, duration / 2, -bulge)
    end = t0 + duration
    for _ in range(n_corrections):
        # Each correction starts before the previous one ends (overlapping submovements).
        d = 0.35 * rng.uniform(0.8, 1.3)
        start = end - 0.25 * d
        plan.position.add(start, d, -error / n_corrections)
        end = start + d
    plan.cursor = end
    return end


def _primary_movement(
    plan: SubmovementPlan, t0: float, duration: float, displacement: np.ndarray, rng: np.random.Generator,
    concentration: float = 4.0, overlap: float = SUBMOVEMENT_OVERLAP,
) -> None:  # fmt: skip
    """A reach as a chain of minimum-jerk submovements of about SUBMOVEMENT_S each (uneven shares of the
    distance: the lower `concentration`, the more a few quick strokes carry it), each overlapping the
    next by `overlap` of their spacing, as real hands move: not one smooth stroke per reach."""
    k = max(1, int(round(duration / SUBMOVEMENT_S)))
    if k == 1:
        plan.add(t0, duration, displacement)
        return
    shares = rng.dirichlet(np.full(k, concentration))
    step = duration / (k + overlap)
    for j, share in enumerate(shares):
        plan.add(t0 + j * step, step * (1.0 + overlap), share * displacement)


def adjustments(plan: HandPlan, end: float, p: PracticeParameters, rng: np.random.Generator) -> None:
    """Small submovements of a working hand at random times over [0, end] (Poisson, p.adjustment_rate_hz):
    real hands keep adjusting their grip and the thread between the task's reaches, so they are rarely
    still. Not while the hand pauses (plan.holds: a hesitating hand waits). Each is about SUBMOVEMENT_S
    long, p.adjustment_hand_sizes in a random direction, and goes back after a moment."""
    if p.adjustment_rate_hz <= 0 or p.adjustment_hand_sizes <= 0 or end <= 0:
        return
    times = np.sort(rng.uniform(0.0, end, int(rng.poisson(p.adjustment_rate_hz * end))))
    for a, b in plan.holds:
        times = times[(times < a) | (times >= b)]
    for t0 in times:
        angle = rng.uniform(0, 2 * np.pi)
        size = p.adjustment_hand_sizes * rng.lognormal(0.0, 0.5)
        step = size * np.array([np.cos(angle), np.sin(angle)])
        duration = SUBMOVEMENT_S * rng.uniform(0.7, 1.3)
        back = t0 + duration + rng.exponential(0.3)
        if any(t0 < b and a < back + duration for a, b in plan.holds):
            continue  # its way back would move a pausing hand
        plan.position.add(t0, duration, step)
        plan.position.add(back, duration, -step)


def pause(plan: HandPlan, active_s: float, p: PracticeParameters, rng: np.random.Generator) -> None:
    """Hold still after an action; on average pause_share of the time is spent so."""
    share = min(max(p.pause_share, 0.0), 0.9)
    if share > 0:
        start = plan.cursor
        plan.cursor += float(rng.exponential(active_s * share / (1.0 - share)))
        plan.holds.append((start, plan.cursor))
        hover(plan.position, start, plan.cursor, p.hover_speed, rng)


def hover(plan: SubmovementPlan, start: float, end: float, speed: float, rng: np.random.Generator) -> None:
    """A hesitating hand that does not freeze: it drifts at about `speed` (hand sizes/s) in slow,
    half-overlapping strokes of about 0.4 s, from the end of the movement before the pause into the
    start of the next, so it never comes fully to rest. Nothing for speed 0."""
    if speed <= 0 or end <= start:
        return
    stroke = 0.4
    t = start - 0.5 * stroke
    heading = rng.uniform(0, 2 * np.pi)
    while t < end:
        heading += rng.normal(0.0, 0.8)
        size = speed * stroke / 2 * rng.uniform(0.7, 1.3)
        plan.add(t, stroke, size * np.array([np.cos(heading), np.sin(heading)]))
        t += stroke / 2


def handle(plan: HandPlan, start: float, end: float) -> None:
    """The fingers handle needle, instrument or thread from `start` to `end` (s): a burst of finger motion
    and tremor (`handling_envelope`)."""
    if end > start:
        plan.handling.append((float(start), float(end)))


def handling_envelope(
    t: np.ndarray, spans: list[tuple[float, float]], rng: np.random.Generator
) -> np.ndarray:
    """(T,) power of a hand's finger motion and tremor over time, mean 1: a burst of log-normal power
    (HANDLING_BURST_SD) in each handling span with HANDLING_RAMP_S edges, HANDLING_QUIET of a typical
    burst's between them. All ones without spans (an even shake)."""
    if not spans or t.size == 0:
        return np.ones(t.size)
    power = np.full(t.size, HANDLING_QUIET)
    for span_start, span_end in spans:
        level = float(rng.lognormal(0.0, HANDLING_BURST_SD))
        length = min(span_end - span_start, float(rng.uniform(*HANDLING_BURST_S)))
        start = float(rng.uniform(span_start, span_end - length))
        end = start + length
        edge = np.clip(np.minimum(t - start, end - t) / HANDLING_RAMP_S + 0.5, 0.0, 1.0)
        power = np.maximum(power, level * np.sin(0.5 * np.pi * edge) ** 2)
    return power / float(power.mean())


def rotate(plan: HandPlan, t0: float, duration: float, radians: float) -> None:
    plan.rotation.add(t0, duration, np.array([radians]))


def grip(plan: HandPlan, t0: float, duration: float, change: float) -> None:
    plan.aperture.add(t0, duration, np.array([change]))


# --- hand and body geometry -------------------------------------------------------------------


def hand_keypoints(
    palm: np.ndarray, angle: np.ndarray, aperture: np.ndarray, size: float, mirror: bool
) -> np.ndarray:
    """(T, 21, 2) MediaPipe-ordered landmarks of a hand whose palm centre, forward angle (rad, in image
    coordinates) and thumb-index aperture (hand sizes) are given; `size` is the palm length in px.
    `mirror` puts the thumb on the other side (a left hand seen from above vs a right hand)."""
    n = palm.shape[0]
    fwd = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    sgn = -1.0 if mirror else 1.0
    side = sgn * np.stack([-fwd[:, 1], fwd[:, 0]], axis=1)
    local: dict[str, tuple[float, float]] = {"wrist": (0.0, -0.5)}
    for finger, (s0, f0, tilt, length) in _FINGERS.items():
        for j, joint in enumerate(("mcp", "pip", "dip", "tip")):
            name = "pinky_mcp" if finger == "pinky" and joint == "mcp" else f"{finger}_{joint}"
            frac = (0.0, 0.45, 0.75, 1.0)[j]
            local[name] = (s0 + tilt * frac * length, f0 + frac * length)
    local.update({"thumb_cmc": (0.25, -0.3), "thumb_mcp": (0.45, -0.05), "thumb_ip": (0.55, 0.25)})
    out = np.zeros((n, len(HAND_KEYPOINTS), 2))
    for k, name in enumerate(HAND_KEYPOINTS):
        if name == "thumb_tip":
            continue
        s_off, f_off = local[name]
        out[:, k] = palm + size * (s_off * side + f_off * fwd)
    # The thumb tip sits `aperture` away from the index tip, towards the thumb's side and back.
    index_tip = out[:, HAND_KEYPOINTS.index("index_finger_tip")]
    direction = 0.8 * side - 0.6 * fwd
    out[:, HAND_KEYPOINTS.index("thumb_tip")] = index_tip + size * aperture[:, None] * direction
    return out


def tremor_shake(t: np.ndarray, hz: float, amplitude: float, rng: np.random.Generator) -> np.ndarray:
    """(T, 2) physiological-tremor-like oscillation: a sine whose phase drifts and amplitude wanders."""
    if amplitude <= 0 or hz <= 0:
        return np.zeros((t.size, 2))
    drift = np.cumsum(rng.normal(0, 0.05, t.size))
    envelope = 1.0 + 0.2 * np.sin(2 * np.pi * 0.1 * t + rng.uniform(0, 2 * np.pi))
    phase = 2 * np.pi * hz * t + drift
    direction = rng.normal(size=2)
    direction /= np.linalg.norm(direction)
    return amplitude * (envelope * np.sin(phase))[:, None] * direction


def finger_motion(t: np.ndarray, rms: float, rng: np.random.Generator) -> np.ndarray:
    """(T, 2) a fingertip's own motion relative to the palm while it handles thread and instrument:
    band-limited noise (FINGER_MOTION_HZ) of RMS `rms` per axis; zero when `rms` is 0."""
    if rms <= 0 or t.size < 4:
        return np.zeros((t.size, 2))
    fps = (t.size - 1) / max(float(t[-1] - t[0]), 1e-9)
    spectrum = np.fft.rfft(rng.normal(size=(t.size, 2)), axis=0)
    hz = np.fft.rfftfreq(t.size, 1.0 / fps)
    spectrum[(hz < FINGER_MOTION_HZ[0]) | (hz > FINGER_MOTION_HZ[1])] = 0.0
    out = np.fft.irfft(spectrum, n=t.size, axis=0)
    return out * (rms / max(float(np.sqrt(np.mean(out**2))), 1e-12))


def render_hand(
    plan: HandPlan,
    t: np.ndarray,
    origin: np.ndarray,
    size: float,
    mirror: bool,
    p: PracticeParameters,
    rng: np.random.Generator,
    plan_unit: float = 1.0,
) -> np.ndarray:
    """(T, 23, 2) px: 21 landmarks plus centroid and tip, with tremor and finger motion on the fingertips,
    in bursts while the hand handles (`handling_envelope`). `size` is the palm length in px; the plan's
    distances (its path, tremor and finger motion) are in units of `plan_unit` palm lengths."""
    unit_px = size * plan_unit
    palm = origin + unit_px * plan.position.render(t)
    angle = plan.rotation.render(t)[:, 0]
    aperture = np.clip(plan.aperture.render(t)[:, 0], 0.02, 1.2)
    bursts = np.sqrt(handling_envelope(t, plan.handling, rng))[:, None] * unit_px
    shake = tremor_shake(t, p.tremor_hz, p.tremor_amplitude, rng) * bursts
    palm = palm + 0.15 * shake  # the whole hand shakes a little, the fingertips most
    points = hand_keypoints(palm, angle, aperture, size, mirror)
    for name in FINGERTIP_KEYPOINTS:
        points[:, HAND_KEYPOINTS.index(name)] += shake
        points[:, HAND_KEYPOINTS.index(name)] += finger_motion(t, p.finger_motion, rng) * bursts
    centroid = points.mean(axis=1)
    tip = points[:, HAND_KEYPOINTS.index("middle_finger_tip")]
    return np.concatenate([points, centroid[:, None], tip[:, None]], axis=1)


def two_link_elbow(shoulder: np.ndarray, wrist: np.ndarray, upper: float, fore: float) -> np.ndarray:
    """Elbow position for a planar two-link arm (y image-down), always bending the same way."""
    d = wrist - shoulder
    dist = np.clip(np.linalg.norm(d, axis=1), 1e-6, upper + fore - 1e-6)
    a = (upper**2 - fore**2 + dist**2) / (2 * dist)
    h = np.sqrt(np.clip(upper**2 - a**2, 0, None))
    unit = d / dist[:, None]
    # Always the same side of the shoulder-wrist line (behind and below for a reach forward).
    perp = np.stack([-unit[:, 1], unit[:, 0]], axis=1)
    return shoulder + a[:, None] * unit + h[:, None] * perp
