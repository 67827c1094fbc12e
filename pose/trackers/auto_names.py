"""Which landmark hand is which when the camera looks down on the bench (`auto`, top view).

MediaPipe's handedness comes from a classifier of the hand's own look, learnt on bare hands seen from the
front or from the wearer's eyes. From above it is often the wrong hand: on the generated bench videos
(real hands cut from the shared clips) it named every bare and skin-latex hand the other side. Seen from
above with the trainee at the bottom, each arm comes in from the bottom or a side border, the left arm left
of the right one along the frame's edge, and that is how the glove tracker names its hands
(gloves.identity). A landmark hand's arm lies beyond its wrist, away from its fingers: the ray from the
middle finger's knuckle through the wrist leaves the frame where that arm comes in. So a landmark hand the
glove tracker also sees takes the glove tracker's name (not where MediaPipe reports every hand and they are
bare: a bare hand wears no glove, and the blob on it is no witness); one it does not see is named where its
arm comes in; and in video every hand keeps its name from frame to frame (tracks, as the glove tracker keeps
them), whichever tracker reported it in each frame.
"""

from __future__ import annotations

import math
from typing import Optional

import numpy as np

from skillsight.base.keypoints import HAND_INDIVIDUALS as HAND_NAMES
from skillsight.capture.frames import Frame
from skillsight.pose.trackers.auto_hands import match_gloves_to_landmarks
from skillsight.pose.trackers.base import FrameObservation
from skillsight.pose.trackers.gloves.identity import HandTrack, names_by_side, names_by_tracks, side_key

WRIST, MIDDLE_FINGER_MCP = 0, 9
MAX_TRACK_GAP_S = 0.5  # as the glove tracker: a hand unseen longer is named afresh
# The hand's line is the forearm's only up to the wrist's sideways bend: about 20 degrees towards the
# thumb and 30 towards the little finger at most (anatomical range of radial and ulnar deviation).
WRIST_DEVIATION_DEG = 30.0
CLEARLY_NEARER = 2.0  # of two glove hands, one this many times nearer a lone landmark hand is that hand
VELOCITY_MEMORY = 0.5  # share of the previous velocity kept: one jumpy frame does not throw the track off


def arm_entry(
    points: np.ndarray, size: tuple[int, int], turn_deg: float = 0.0
) -> Optional[tuple[float, float]]:
    """Where the ray from the middle finger's knuckle through the wrist (turned by `turn_deg`) leaves the
    frame by the left, bottom or right border (the arm's way in); None where it leaves by the top
    (fingers pointing at the trainee: the arm's way is not known) or the points are missing."""
    width, height = size
    wrist, knuckle = np.asarray(points[WRIST][:2], float), np.asarray(points[MIDDLE_FINGER_MCP][:2], float)
    turn = math.radians(turn_deg)
    rotation = np.array([[math.cos(turn), -math.sin(turn)], [math.sin(turn), math.cos(turn)]])
    direction = rotation @ (wrist - knuckle)
    if np.isnan(direction).any() or not np.any(direction):
        return None
    steps = []
    for axis, low, high in ((0, 0.0, width - 1.0), (1, 0.0, height - 1.0)):
        if direction[axis] != 0:
            bound = high if direction[axis] > 0 else low
            steps.append(((bound - wrist[axis]) / direction[axis], axis, bound))
    t, axis, bound = min((s for s in steps if s[0] >= 0), default=(math.inf, 0, 0.0))
    if not math.isfinite(t) or (axis == 1 and bound == 0.0):
        return None
    x, y = wrist + t * direction
    return float(np.clip(x, 0, width - 1)), float(np.clip(y, 0, height - 1))


def swapped(observation: FrameObservation) -> FrameObservation:
    """The observation with its two hands' slots (and their extras) exchanged."""
    extras = {}
    for key, value in observation.extras.items():
        hand, dot, rest = key.partition(".")
        other = {HAND_NAMES[0]: HAND_NAMES[1], HAND_NAMES[1]: HAND_NAMES[0]}.get(hand)
        extras[f"{other}{dot}{rest}" if other and dot else key] = value
    order = [1, 0]
    world = observation.world[order] if observation.world is not None else None
    return FrameObservation(observation.positions[order], observation.confidence[order], world, extras)


class AnatomicalNames:
    """Names the hands of `auto`'s merged observations by anatomy, top view; keeps them in video."""

    def __init__(self, camera_view: str, n_landmarks: int, independent_frames: bool) -> None:
        self.camera_view = camera_view
        self.n_landmarks = n_landmarks  # MediaPipe's landmarks come first, then centroid and tip
        self.independent_frames = independent_frames
        self._tracks: dict[str, HandTrack] = {}
        self.renamed = 0  # frames whose hands this changed

    def name(
        self, observation: FrameObservation, glove_named: list[bool], frame: Frame, bare: bool = False
    ) -> FrameObservation:
        """`glove_named[slot]`: that hand's slot is the glove tracker's name (kept as it is); the other
        hands, landmark hands alone, are named where their arms come in, or after their tracks. `bare`: the
        landmark hands are bare (skin along their bones), and where MediaPipe reports every hand present
        the glove tracker's names are no witness for them: a bare hand wears no glove, so a blob lying on
        it is something else (a white cuff or card under it, two skin hands merged into one blob, a skin
        blob whose centroid wobbles with its forearm), and they are named as landmark hands alone."""
        height, width = frame.image.shape[:2]
        centroid = self.n_landmarks
        present = [s for s in range(2) if observation.confidence[s, centroid] > 0]
        for hand in [h for h, t in self._tracks.items() if frame.time_s - t.time_s > MAX_TRACK_GAP_S]:
            del self._tracks[hand]
        landmarks_only = all(observation.confidence[s, 0] > 0 for s in present)
        if present and (not any(glove_named[s] for s in present) or bare and landmarks_only):
            names = self._landmark_names(observation, present, (width, height), frame)
            if [HAND_NAMES.index(n) for n in names] != present:
                observation = swapped(observation)
                self.renamed += 1
        if not self.independent_frames:
            for slot in range(2):
                if observation.confidence[slot, centroid] > 0:
                    self._follow(HAND_NAMES[slot], observation.positions[slot, centroid, :2], frame)
        return observation

    def _landmark_names(
        self, observation: FrameObservation, present: list[int], size: tuple[int, int], frame: Frame
    ) -> list[str]:
        centres = [
            (
                float(observation.positions[s, self.n_landmarks, 0]),
                float(observation.positions[s, self.n_landmarks, 1]),
            )
            for s in present
        ]
        keys = [
            side_key(arm_entry(observation.positions[s, : self.n_landmarks], size), centre, size)
            for s, centre in zip(present, centres)
        ]
        names = names_by_side(keys, size, self.camera_view)
        if len(present) == 1 and self._undecided(observation.positions[present[0], : self.n_landmarks], size):
            names = [HAND_NAMES[present[0]]]  # either arm could come in there: the hand's own look decides
        if self._tracks:
            predictions = {hand: t.predicted(frame.index) for hand, t in self._tracks.items()}
            tracked = names_by_tracks(centres, names, predictions, size)
            names = tracked if len(set(tracked)) == len(tracked) else names
        return names

    def _undecided(self, points: np.ndarray, size: tuple[int, int]) -> bool:
        """Whether a lone hand's arm, within the wrist's sideways bend, may come in on either side of the
        middle of the trainee's edge (one arm's key below it, the other's above)."""
        keys = []
        for turn in (-WRIST_DEVIATION_DEG, WRIST_DEVIATION_DEG):
            entry = arm_entry(points, size, turn)
            if entry is None:
                return True
            keys.append(side_key(entry, entry, size))
        middle = names_by_side([min(keys)], size, self.camera_view) != names_by_side(
            [max(keys)], size, self.camera_view
        )
        return middle

    def _follow(self, hand: str, centre: np.ndarray, frame: Frame) -> None:
        previous = self._tracks.get(hand)
        position = (float(centre[0]), float(centre[1]))
        if previous is None or frame.index <= previous.frame_index:
            self._tracks[hand] = HandTrack(position, (0.0, 0.0), frame.index, frame.time_s)
            return
        steps = frame.index - previous.frame_index
        velocity = tuple(
            VELOCITY_MEMORY * v + (1 - VELOCITY_MEMORY) * (p - q) / steps
            for v, p, q in zip(previous.velocity, position, previous.position)
        )
        self._tracks[hand] = HandTrack(position, (velocity[0], velocity[1]), frame.index, frame.time_s)


def named_as_gloves(landmarks: FrameObservation, gloved: FrameObservation, n_kp: int) -> FrameObservation:
    """Seen from above: a landmark hand the glove tracker also sees takes the glove tracker's name (by
    where its arm enters the frame, the trainee at the bottom, kept over time in video) over MediaPipe's
    handedness, which its models learnt on bare hands seen from the front and which skin-tone latex from
    above confuses; the other landmark hand, if any, takes the other name. A lone landmark hand no glove
    hand matched takes its name from the glove hands beside it (lone_landmark_slot)."""
    taken = [bool(np.any(landmarks.confidence[slot] > 0)) for slot in range(2)]
    glove_slots = [slot for slot in range(2) if np.any(gloved.confidence[slot] > 0)]
    if not any(taken) or not glove_slots:
        return landmarks
    matched = match_gloves_to_landmarks(
        landmarks.positions[:, :n_kp], taken, gloved.positions[:, 0], glove_slots
    )
    if any(g != s for g, s in matched.items()):
        return swapped(landmarks)
    if sum(taken) == 1 and not matched:
        slot = taken.index(True)
        named = lone_landmark_slot(landmarks.positions[slot, :n_kp], gloved.positions[:, 0], glove_slots)
        return swapped(landmarks) if named is not None and named != slot else landmarks
    return landmarks


def lone_landmark_slot(
    points: np.ndarray, glove_centroids: np.ndarray, glove_slots: list[int]
) -> Optional[int]:
    """The glove tracker's name for a lone landmark hand that no glove hand matched (its landmark slot is
    MediaPipe's handedness, which from above is often the other hand's): beside one glove hand, which is
    the other hand, the other name; beside two, the name of the one clearly nearer to it (of two hands,
    the glove tracker saw this one too, its centroid pulled off the landmarks' centre by the forearm's
    stub); None where that is not clear."""
    xy = points[~np.isnan(points[:, :2]).any(axis=1), :2]
    if len(xy) == 0:
        return None
    if len(glove_slots) == 1:
        return 1 - glove_slots[0]
    distances = [float(np.linalg.norm(glove_centroids[g, :2] - xy.mean(axis=0))) for g in glove_slots]
    near, far = sorted(range(len(glove_slots)), key=lambda k: distances[k])
    return glove_slots[near] if CLEARLY_NEARER * distances[near] <= distances[far] else None
