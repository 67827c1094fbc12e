"""`auto`'s evidence from one frame: which glove blob is a hand MediaPipe already reports, and whether a
landmark hand is bare (skin along its bones) or gloved (MediaPipe sometimes finds a gloved hand too);
and from a video's samples, which glove candidates are rigid objects lying still."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

import numpy as np

from skillsight.base.keypoints import HAND_INDIVIDUALS as HAND_NAMES
from skillsight.capture.frames import Frame
from skillsight.pose.trackers.base import FrameObservation

BARE_SKIN_SHARE = 0.3  # of the points along a landmark hand's bones on skin colour, at least
HAND_BONES = (
    (0, 1), (1, 2), (2, 3), (3, 4), (0, 5), (5, 6), (6, 7), (7, 8), (5, 9), (9, 10), (10, 11),
    (11, 12), (9, 13), (13, 14), (14, 15), (15, 16), (13, 17), (0, 17), (17, 18), (18, 19), (19, 20),
)  # fmt: skip
BESIDE_HAND_SIZES = 1.5  # a forearm is about one and a half hand sizes long
SAME_HAND_RADIUS = 0.75  # hand sizes (landmark box diagonal) between a glove centroid and the same hand
# A rigid object lying still keeps its outline to pixel noise; a living hand drifts and changes its outline.
RIGID_DRIFT = 0.01  # of its own size: median drift of a still object's centroid over a video's samples
RIGID_AREA_CHANGE = 0.005  # median relative change of a still object's area over the samples
MIN_STILL_SAMPLES = 3
SAME_OBJECT_AREA = 2.0  # an object seen in two samples keeps its area within this factor
STILL_OBJECT_RADIUS = 0.1  # of a still object's size: a glove hand this close, of its size, is that object
MIN_HAND_MOTION = 0.03  # of the frame width: median move of a glove over the samples, for it to be a hand
# A hand MediaPipe misses is the size of the hands it sees in the same recording (one person, one camera
# distance): its skin blob, with the stub of forearm the skin tracker keeps, covers at most this many squared
# landmark-box diagonals D^2 (a box of diagonal D holds at most D^2 / 2: three such boxes). Generated bare
# hands 0.2-0.8, skin latex in white sleeves 0.7-1.4 (video 5000); on the real typing clip the table top,
# the bare shoulder and the rug the skin tracker took beside the typing hand 1.8-3.6.
MAX_SKIN_HAND_AREA = 1.5
RECENT_HAND_S = 1.0  # a hand MediaPipe lost this long ago is still about where it was (SAME_HAND_RADIUS)


def match_gloves_to_landmarks(
    landmark_points: np.ndarray, taken: list[bool], glove_centroids: np.ndarray, glove_slots: list[int]
) -> dict[int, int]:
    """glove slot -> landmark slot for glove blobs that are a hand MediaPipe already reports: the nearest
    glove centroid to that hand's landmark centre, within SAME_HAND_RADIUS hand sizes of it. Each
    landmark hand takes at most one glove, so the other glove stays a hand of its own."""
    matched: dict[int, int] = {}
    for landmark_slot in (s for s in range(2) if taken[s]):
        xy = landmark_points[landmark_slot, :, :2]
        xy = xy[~np.isnan(xy).any(axis=1)]
        free = [g for g in glove_slots if g not in matched]
        if not free or len(xy) == 0:
            continue
        centre = xy.mean(axis=0)
        hand_size = float(np.linalg.norm(xy.max(axis=0) - xy.min(axis=0)))
        distances = [float(np.linalg.norm(glove_centroids[g, :2] - centre)) for g in free]
        nearest = int(np.argmin(distances))
        if distances[nearest] <= SAME_HAND_RADIUS * hand_size:
            matched[free[nearest]] = landmark_slot
    return matched


def beside_a_bare_hand(
    centre: np.ndarray, landmark_points: np.ndarray, taken: list[bool], frame: Frame
) -> bool:
    """Whether a glove candidate lies on or beside (within a forearm's reach of) a bare landmark hand:
    its sleeve, its cuff or the hand itself."""
    for slot in (s for s in range(2) if taken[s]):
        xy = landmark_points[slot, :, :2]
        xy = xy[~np.isnan(xy).any(axis=1)]
        if len(xy) == 0:
            continue
        hand_size = float(np.linalg.norm(xy.max(axis=0) - xy.min(axis=0)))
        near = (
            float(np.linalg.norm(np.asarray(centre)[:2] - xy.mean(axis=0))) <= BESIDE_HAND_SIZES * hand_size
        )
        if near and is_bare(landmark_points[slot, :, :2], frame.image):
            return True
    return False


def bare_hand_seen(landmarks: FrameObservation, image_rgb: np.ndarray) -> bool:
    """Whether a landmark hand of this frame is bare: most of its landmarks lie on skin-coloured pixels
    (MediaPipe sometimes finds a gloved hand too; its landmarks then lie on glove colour)."""
    if image_rgb.ndim != 3 or image_rgb.shape[2] != 3:
        return False
    for slot in range(landmarks.confidence.shape[0]):
        if np.any(landmarks.confidence[slot] > 0) and is_bare(landmarks.positions[slot, :, :2], image_rgb):
            return True
    return False


def is_bare(points: np.ndarray, image_rgb: np.ndarray) -> bool:
    """Whether one landmark hand is bare: along its bones (not only at its 21 joints, which an instrument or
    the hand's edge may cover), skin-coloured pixels outnumber glove-coloured ones (saturated colour or
    white) and cover a fair share; grey instruments and dark thread count for neither."""
    height, width = image_rgb.shape[:2]
    if len(points) != 21:
        return False
    t = np.linspace(0.0, 1.0, 6)[:, None]
    xy = np.concatenate([points[a] + t * (points[b] - points[a]) for a, b in HAND_BONES])
    xy = xy[~np.isnan(xy).any(axis=1)].round().astype(int)
    inside = (xy[:, 0] >= 0) & (xy[:, 0] < width) & (xy[:, 1] >= 0) & (xy[:, 1] < height)
    if inside.sum() < 20:
        return False
    pixels = np.ascontiguousarray(image_rgb[xy[inside, 1], xy[inside, 0]].reshape(1, -1, 3), dtype=np.uint8)
    # lazy: OpenCV (cv2) loads only when a frame is checked, so `skillsight track --help` stays light
    from skillsight.pose.trackers.gloves.segmentation import glove_coloured, skin_coloured

    skin = float(np.mean(skin_coloured(pixels)))
    return skin >= BARE_SKIN_SHARE and skin > float(np.mean(glove_coloured(pixels)))


SampleObject = list[tuple[int, np.ndarray, float, np.ndarray]]  # (sample index, centroid, area, tip) each


def sample_objects(observations: Sequence[FrameObservation]) -> list[SampleObject]:
    """The glove candidates of a video's samples followed as objects, whichever slot reports them: per
    object, (sample index, centroid, area, tip) of each sample it is seen in. A candidate continues the object
    whose last centroid lies nearest it within that object's size (the square root of its area), of an
    area within a factor SAME_OBJECT_AREA of it; else it starts an object of its own. A slot that jumps
    from a blue box to a sleeve between samples so holds two objects, each still or moving on its own."""
    objects: list[SampleObject] = []
    for index, observation in enumerate(observations):
        continued: set[int] = set()
        for slot in range(observation.confidence.shape[0]):
            area = float(observation.extras.get(f"{HAND_NAMES[slot]}.glove_area_px", np.nan))
            centre = np.asarray(observation.positions[slot, 0, :2], dtype=float)
            if observation.confidence[slot, 0] <= 0 or np.isnan(centre).any() or not area > 0:
                continue
            best, best_distance = None, np.inf
            for k, seen in enumerate(objects):
                _, last_centre, last_area, _ = seen[-1]
                distance = float(np.linalg.norm(centre - last_centre))
                same_size = 1 / SAME_OBJECT_AREA <= area / last_area <= SAME_OBJECT_AREA
                if (
                    k not in continued
                    and same_size
                    and distance <= np.sqrt(last_area)
                    and distance < best_distance
                ):
                    best, best_distance = k, distance
            if best is None:
                objects.append([])
                best = len(objects) - 1
            objects[best].append((index, centre, area, observation.positions[slot, 1, :2]))
            continued.add(best)
    return objects


def still_objects(
    observations: Sequence[FrameObservation], noise_px: float = 0.0, width: float = np.inf
) -> list[tuple[np.ndarray, float]]:
    """(centre, size) of each glove candidate (sample_objects) that is a rigid object lying still over a
    video's samples: seen in at least MIN_STILL_SAMPLES of them, its centroid stays within RIGID_DRIFT of its
    own size (the square root of its area), or within `noise_px` (a pixel of the image the glove tracker
    segments, where its centroid wobbles), and its area within RIGID_AREA_CHANGE (medians over the samples).
    A living hand is never that still: over seconds it drifts and changes its outline (fingers, wrist,
    tremor). The quietest real hand we hold, the typing hand of typing_two_hands.mp4 recoloured blue, drifts
    0.049 of its size and changes its area by 1.9% over the samples; a still object drifts by pixel noise.
    Given the frame's `width`, nor does a rigid object ever move like a hand: in all but a tenth of its
    samples its centroid lies within MIN_HAND_MOTION of the width of its place. A hand that holds still
    while the other is out of the frame (most of the samples, on generated crossing videos: 66-77% of
    them) but moved in the tie before (9-10% of the width) is a hand, not a box."""
    objects = []
    for seen in sample_objects(observations):
        if len(seen) < MIN_STILL_SAMPLES:
            continue
        centres = np.array([c for _, c, _, _ in seen])
        areas = np.array([a for _, _, a, _ in seen])
        size = float(np.sqrt(np.median(areas)))
        centre = np.median(centres, axis=0)
        drifts = np.linalg.norm(centres - centre, axis=1)
        drift = float(np.median(drifts))
        area_change = float(np.median(np.abs(areas / np.median(areas) - 1.0)))
        never_moved = float(np.percentile(drifts, 90)) < MIN_HAND_MOTION * width
        if drift <= max(RIGID_DRIFT * size, noise_px) and area_change <= RIGID_AREA_CHANGE and never_moved:
            objects.append((centre, size))
    return objects


def moving_candidates(
    observations: Sequence[FrameObservation], noise_px: float = 0.0, sample: Sequence[Frame] = ()
) -> int:
    """Glove candidates (sample_objects) seen in at least MIN_STILL_SAMPLES samples that are not still,
    nor (given the `sample` frames) sleeves: ending in skin in most of the samples they are seen in."""
    objects = [o for o in sample_objects(observations) if len(o) >= MIN_STILL_SAMPLES]
    sleeves = sum(int(bool(sample) and is_a_sleeve(o, sample)) for o in objects)
    width = float(sample[0].image.shape[1]) if sample else np.inf
    return len(objects) - sleeves - len(still_objects(observations, noise_px, width))


def is_a_sleeve(seen: SampleObject, sample: Sequence[Frame]) -> bool:
    """Whether an object ends in skin (ends_in_skin) in most of the samples it is seen in: a sleeve."""
    return sum(int(ends_in_skin(c, a, tip, sample[i].image)) for i, c, a, tip in seen) > len(seen) / 2


def ends_in_skin(centre: np.ndarray, area: float, tip: np.ndarray, image_rgb: np.ndarray) -> bool:
    """Whether skin-coloured pixels cover BARE_SKIN_SHARE of a disc just beyond a candidate's tip (its
    point farthest from where its arm enters), of a quarter of its size: a sleeve ends in a bare hand, a
    glove in its own fingers, beyond which lies the bench (a still box is no sleeve: its tip is its
    corner). Generated bare arms in blue sleeves (seed 20021): 0.43-0.69 of skin there; indigo gloves,
    blue boxes: 0.00-0.08."""
    if np.isnan(tip).any() or np.isnan(centre).any() or not area > 0:
        return False
    radius = 0.25 * float(np.sqrt(area))
    direction = (tip - centre) / max(float(np.linalg.norm(tip - centre)), 1e-9)
    cx, cy = tip + direction * radius
    height, width = image_rgb.shape[:2]
    x0, x1 = max(int(cx - radius), 0), min(int(cx + radius) + 1, width)
    y0, y1 = max(int(cy - radius), 0), min(int(cy + radius) + 1, height)
    if x1 <= x0 or y1 <= y0:
        return False
    yy, xx = np.mgrid[y0:y1, x0:x1]
    disc = (xx - cx) ** 2 + (yy - cy) ** 2 <= radius**2
    pixels = np.ascontiguousarray(image_rgb[y0:y1, x0:x1][disc].reshape(1, -1, 3), dtype=np.uint8)
    # lazy: OpenCV (cv2) loads only when a frame is checked
    from skillsight.pose.trackers.gloves.segmentation import skin_coloured

    return pixels.size > 0 and float(np.mean(skin_coloured(pixels))) >= BARE_SKIN_SHARE


def working_pixel(frame: Frame) -> float:
    """One pixel of the image the glove tracker segments, in pixels of `frame`."""
    # lazy: OpenCV (cv2) loads with the segmentation module
    from skillsight.pose.trackers.gloves.segmentation import WORKING_LONG_SIDE

    return max(frame.image.shape[:2]) / WORKING_LONG_SIDE


def on_a_still_object(centre: np.ndarray, area: float, objects: Sequence[tuple[np.ndarray, float]]) -> bool:
    """Whether a glove hand is one of the video's still objects: its centroid within STILL_OBJECT_RADIUS of
    the object's size from the object's centre, with about the object's area (a hand on the object makes a
    larger blob, whose centroid moves with the hand)."""
    for object_centre, size in objects:
        near = float(np.linalg.norm(np.asarray(centre)[:2] - object_centre)) <= STILL_OBJECT_RADIUS * size
        if near and abs(float(np.sqrt(area)) / size - 1.0) <= STILL_OBJECT_RADIUS:
            return True
    return False


def landmark_hands(landmarks: FrameObservation, n_kp: int) -> list[tuple[np.ndarray, float]]:
    """(centre, landmark-box diagonal) of each hand MediaPipe reports in one frame."""
    hands = []
    for slot in range(landmarks.confidence.shape[0]):
        if np.any(landmarks.confidence[slot] > 0):
            xy = landmarks.positions[slot, :n_kp, :2]
            xy = xy[~np.isnan(xy).any(axis=1)]
            if len(xy):
                hands.append((xy.mean(axis=0), float(np.linalg.norm(xy.max(axis=0) - xy.min(axis=0)))))
    return hands


def landmark_hand_size(landmarks: Sequence[FrameObservation], n_kp: int) -> Optional[float]:
    """Median landmark-box diagonal (pixels) of the hands MediaPipe reports; None where it reports none."""
    sizes = [size for observation in landmarks for _, size in landmark_hands(observation, n_kp)]
    return float(np.median(sizes)) if sizes else None


class RecentHands:
    """Where MediaPipe's hands were within RECENT_HAND_S of a moment: in the frames before it, and in the
    video's samples on either side (MediaPipe sees them before tracking starts). A skin blob whose centroid
    lies where one of them was, while no landmark hand is there now, is that hand, which MediaPipe lost
    (whatever the blob's size)."""

    def __init__(self, n_kp: int) -> None:
        self.n_kp = n_kp
        self._seen: list[tuple[float, np.ndarray, float]] = []  # (time, centre, landmark-box diagonal)

    def update(self, time_s: float, landmarks: FrameObservation) -> None:
        self._seen = [seen for seen in self._seen if time_s - seen[0] <= RECENT_HAND_S]
        self.add(time_s, landmarks)

    def add(self, time_s: float, landmarks: FrameObservation) -> None:
        self._seen += [(time_s, centre, size) for centre, size in landmark_hands(landmarks, self.n_kp)]

    def lost_at(self, point: np.ndarray, landmarks: FrameObservation, time_s: float) -> bool:
        now = [centre for centre, _ in landmark_hands(landmarks, self.n_kp)]
        for seen_s, place, size in self._seen:
            if abs(seen_s - time_s) > RECENT_HAND_S:
                continue
            radius = SAME_HAND_RADIUS * size
            here = float(np.linalg.norm(np.asarray(point)[:2] - place)) <= radius
            if here and all(float(np.linalg.norm(centre - place)) > radius for centre in now):
                return True
        return False


def hand_sized(area: float, hand_size: Optional[float]) -> bool:
    """Whether a skin blob of `area` pixels can be a hand of a recording whose landmark hands measure
    `hand_size` (landmark_hand_size): no larger than MAX_SKIN_HAND_AREA squared diagonals."""
    return hand_size is None or (not np.isnan(area) and area <= MAX_SKIN_HAND_AREA * hand_size**2)


def samples_missing_skin_hands(
    skin_hands: Sequence[FrameObservation],
    sample: Sequence[Frame],
    landmarks: Sequence[FrameObservation],
    n_kp: int,
    by_size: bool = True,
) -> int:
    """Samples in which the skin tracker (`skin_hands`: its view of them, prepared on them) finds a hand
    that no landmark hand lies on while MediaPipe reports fewer than two: where a hand MediaPipe lost was
    (RecentHands) or, `by_size`, hand-sized (hand_sized, by the landmark hands of the samples)."""
    missed = 0
    hand_size = landmark_hand_size(landmarks, n_kp)
    recent = RecentHands(n_kp)
    for frame, observation in zip(sample, landmarks):
        recent.add(frame.time_s, observation)
    for frame, observation, skin in zip(sample, landmarks, skin_hands):
        areas = [skin.extras.get(f"{hand}.glove_area_px", np.nan) for hand in HAND_NAMES]
        slots = [
            s
            for s in range(2)
            if np.any(skin.confidence[s] > 0)
            and (
                by_size
                and hand_sized(areas[s], hand_size)
                or recent.lost_at(skin.positions[s, 0], observation, frame.time_s)
            )
        ]
        taken = [bool(np.any(observation.confidence[s] > 0)) for s in range(2)]
        matched = match_gloves_to_landmarks(
            observation.positions[:, :n_kp], taken, skin.positions[:, 0], slots
        )
        missed += int(len(slots) > len(matched) and sum(taken) < 2)
    return missed


def followed_missed_hand(
    skin_hands: Sequence[FrameObservation],
    sample: Sequence[Frame],
    landmarks: Sequence[FrameObservation],
    n_kp: int,
) -> bool:
    """Whether the skin tracker (`skin_hands`: its view of the samples) follows one object that no landmark
    hand lies on, hand-sized by MediaPipe's own hands, through most of the samples (sample_objects), and
    that object does not lie still: a hand MediaPipe misses in every sample. A table top, a shoulder or a
    face beside a real hand is hand-sized in some samples only, or lies still (the real hand_reaching
    clip, one hand: its skin objects beside the hand are followed through at most 15 of 41 samples)."""
    hand_size = landmark_hand_size(landmarks, n_kp)
    beside: list[FrameObservation] = []  # per sample, the hand-sized skin blobs no landmark hand lies on
    for observation, skin in zip(landmarks, skin_hands):
        areas = [skin.extras.get(f"{hand}.glove_area_px", np.nan) for hand in HAND_NAMES]
        slots = [s for s in range(2) if np.any(skin.confidence[s] > 0) and hand_sized(areas[s], hand_size)]
        taken = [bool(np.any(observation.confidence[s] > 0)) for s in range(2)]
        matched = match_gloves_to_landmarks(
            observation.positions[:, :n_kp], taken, skin.positions[:, 0], slots
        )
        confidence = skin.confidence.copy()
        confidence[[s for s in range(2) if s not in slots or s in matched]] = 0.0
        beside.append(FrameObservation(skin.positions, confidence, extras=skin.extras))
    followed = [seen for seen in sample_objects(beside) if len(seen) > len(sample) / 2]
    return len(followed) > len(still_objects(beside, working_pixel(sample[0])))


def candidates_are_hands(
    probed: Sequence[FrameObservation],
    sample: Sequence[Frame],
    landmarks: Sequence[FrameObservation],
    n_kp: int,
) -> bool:
    """In a bare-handed video, whether a glove candidate (`probed`: a glove tracker's view of the samples,
    followed as objects by sample_objects) is a hand all the same: it moves over the samples like a hand,
    or MediaPipe sees a gloved hand on it (a magazine lies still, with no hand on it). A candidate on a bare
    hand (its sleeve, its cuff) moves with it but is no glove; a slot that jumps between a still box and a
    sleeve does not move as one hand."""
    width = float(sample[0].image.shape[1])
    for seen in sample_objects(probed):
        if len(seen) < 3:
            continue
        on_gloved, on_bare = 0, 0  # samples where the candidate lies on a landmark hand
        for i, centre, _, _ in seen:
            observation, frame = landmarks[i], sample[i]
            taken = [bool(np.any(observation.confidence[s] > 0)) for s in range(2)]
            glove = np.full((2, 3), np.nan)
            glove[0, :2] = centre
            matched = match_gloves_to_landmarks(observation.positions[:, :n_kp], taken, glove, [0])
            if matched and not is_bare(observation.positions[matched[0], :, :2], frame.image):
                on_gloved += 1
            on_bare += int(beside_a_bare_hand(centre, observation.positions[:, :n_kp], taken, frame))
        moves = _moves([c for _, c, _, _ in seen], width) and not is_a_sleeve(seen, sample)
        if on_gloved >= len(seen) / 3 or (moves and on_bare < len(seen) / 2):
            return True
    return False


def _moves(centres: list[np.ndarray], width: float) -> bool:
    """Whether an object moves like a hand over the samples (spread over the video)."""
    points = np.array(centres)
    spread = np.linalg.norm(points - np.median(points, axis=0), axis=1)
    return float(np.median(spread)) >= MIN_HAND_MOTION * width
