"""MediaPipe hands (the Tasks API's HandLandmarker) as a `Tracker` with anatomical hand identities.

The models of the shipped bundle ``models/tracking/hand_landmarker.task`` (the full palm detector and
hand landmark model of mediapipe 0.10.21; see `mediapipe_tasks`): unrelated stills go to
``mediapipe.tasks.vision.HandLandmarker`` in IMAGE mode, a video's hands are followed on crops
(below). The legacy ``mp.solutions.hands`` backend is gone: it exists only for CPython <= 3.12 with
numpy < 2, and two backends would mean two test suites.

Hands followed on crops. In a video, each hand found is followed into the next frame from its own
landmarks (the legacy hand graph's region), the hand landmark model running on that crop on LiteRT
(`hand_crops`), both hands at once on two threads where the tracker may use a thread beside the
caller's (`base.tracker_threads`: a trainee's score, not a batch worker given one core). In
"hands+pose" the pose tracker also hands each frame's wrist, index and pinky points over (`body_link`),
and a hand the body shows is placed from them. The whole frame is searched for palms (the Tasks
HandLandmarker in IMAGE mode) only for a hand neither followed nor shown by the body: at once when a
followed hand is lost, else every 5 frames, every 15 once a hand has been missing 30 frames (MediaPipe's
VIDEO mode searches every frame that lacks a hand). A hand placed from the body takes the
body's side as its identity (unless the hand model is sure of the other) and its presence score as its
score; a followed hand keeps the identity it was given.

Coordinates: x, y in pixels of the ORIGINAL frame (frames over 1920 px are downscaled for tracking and
mapped back); z is MediaPipe's relative depth (wrist-centred, smaller = nearer the camera) times the image
width, the convention of the tfjs reference landmarks; world landmarks are in metres.

Handedness and camera view. A camera preserves a hand's chirality; only mirroring flips it. The Tasks
HandLandmarker labels hands as they are on an ordinary recording (unlike the legacy solution, which
labelled as if every image were mirrored), whatever the camera view. Checked on the real clip
``tfjs/asl_hand.25fps.mp4``: a right hand (palm to the camera, thumb on the image right) is "Right"
(score 0.995) in every frame, and "Left" in the same clip mirrored. Pass ``mirrored=True`` for
recordings saved mirrored.

The camera view only decides which image side a hand is expected on, used when labels cannot decide
(both hands get the same label and no earlier position helps):

- "top":   bird's-eye from the trainee's side, trainee at the bottom: left hand on the image left.
- "front": the camera faces the trainee: left hand on the image right.
- "side":  no side prior; the more confident label wins and the other hand takes the other identity.

Identity stays stable across frames: when both hands' recent positions are known, MediaPipe's labels
are overridden if swapping them fits the previous positions much better (hands crossing, label flips),
and a lone hand whose label flips while it sits where the other identity was just seen keeps that
identity.

Confidence. MediaPipe hands give no per-landmark visibility, so each hand gets one confidence for all 21
keypoints: MediaPipe's handedness score (how sure the classifier is of this hand, 0.5-1) times a size
consistency term, 1 when the palm length (wrist to middle-finger MCP) matches the hand's recent median
and falling towards 0 as it halves or doubles in one step (a typical sign of a wrong fit).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from skillsight.base.keypoints import HAND_KEYPOINTS
from skillsight.capture.frames import Frame
from skillsight.capture.resize import downscale_for_tracking, map_points_to_original
from skillsight.pose.motion import LEFT_HAND, RIGHT_HAND
from skillsight.pose.trackers.base import (
    CAMERA_VIEWS,
    DEFAULT_CAMERA_VIEW,
    FrameObservation,
    spare_thread_allowed,
)
from skillsight.pose.trackers.body_link import BodyFeed
from skillsight.pose.trackers.crop_runtime import runtime_version
from skillsight.pose.trackers.hand_crops import HandCropTracker, roi_from_pose
from skillsight.pose.trackers.mediapipe_tasks import (
    HAND_BUNDLE,
    DeferredRunner,
    LandmarkerRunner,
    bundle_path,
    bundle_provenance,
    create_hand_landmarker,
    mediapipe_version,
)

HANDS: tuple[str, str] = (LEFT_HAND, RIGHT_HAND)
_PALM = [0, 5, 9, 13, 17]  # wrist and the four finger MCPs
_WRIST, _MIDDLE_MCP = 0, 9
MAX_TRACKING_SIDE = 1920
_SEARCH_EVERY = 5  # frames between palm searches for a hand not followed (6 a second at 30 fps)
# a hand missing for a second (30 frames) is out of view or one MediaPipe cannot find: searched for
# every 15 frames from then on (twice a second at 30 fps), until every hand wanted is found again
_SEARCH_SLOWER_AFTER, _SEARCH_EVERY_SLOWER = 30, 15
_SURE_HANDEDNESS = 0.9


def anatomical_hand(label: str, mirrored: bool = False) -> str:
    """MediaPipe Tasks' handedness label -> the trainee's anatomical hand (see the module docstring)."""
    is_left_label = label.lower().startswith("l")
    return (
        (RIGHT_HAND if is_left_label else LEFT_HAND)
        if mirrored
        else (LEFT_HAND if is_left_label else RIGHT_HAND)
    )


def _same_hand(a: HandDetection, b: HandDetection) -> bool:
    """Two detections whose palms nearly coincide (within half a palm length) are one hand."""
    distance = float(np.linalg.norm(a.palm_centre - b.palm_centre))
    return distance < 0.5 * max(a.palm_length, b.palm_length, 1.0)


def _other(hand: str) -> str:
    return RIGHT_HAND if hand == LEFT_HAND else LEFT_HAND


@dataclass
class HandDetection:
    """One hand found in one frame: (21, 3) pixel landmarks, its anatomical label and score."""

    points: np.ndarray
    hand: str
    score: float
    world: Optional[np.ndarray] = None

    @property
    def palm_centre(self) -> np.ndarray:
        return np.asarray(self.points[_PALM, :2].mean(axis=0))

    @property
    def palm_length(self) -> float:
        return float(np.linalg.norm(self.points[_MIDDLE_MCP, :2] - self.points[_WRIST, :2]))


@dataclass
class _Track:
    centre: np.ndarray
    frame: int
    sizes: list[float] = field(default_factory=list)


class HandIdentityResolver:
    """Assigns detections to anatomical hands, keeping identity stable across frames.

    Pure bookkeeping (no MediaPipe), so it is tested with synthetic detections.
    """

    def __init__(self, camera_view: str = DEFAULT_CAMERA_VIEW, memory_frames: int = 15) -> None:
        self.camera_view = camera_view
        self.memory_frames = memory_frames
        self._tracks: dict[str, _Track] = {}
        self._frame = -1

    def assign(self, detections: Sequence[HandDetection]) -> dict[str, HandDetection]:
        """Anatomical hand -> detection for one frame (at most one detection per hand)."""
        self._frame += 1
        dets = sorted(detections, key=lambda d: d.score, reverse=True)[:2]
        if len(dets) == 2 and _same_hand(dets[0], dets[1]):
            dets = dets[:1]  # one hand found twice: reporting it as both hands would be worse
        if len(dets) == 2:
            assigned = self._assign_pair(dets[0], dets[1])
        elif len(dets) == 1:
            assigned = {self._assign_single(dets[0]): dets[0]}
        else:
            assigned = {}
        for hand, det in assigned.items():
            track = self._tracks.get(hand)
            sizes = (track.sizes if track else [])[-14:] + [det.palm_length]
            self._tracks[hand] = _Track(det.palm_centre, self._frame, sizes)
        return assigned

    def size_consistency(self, hand: str, palm_length: float) -> float:
        """1 when the palm length matches this hand's recent median, towards 0 at x0.5 or x2."""
        track = self._tracks.get(hand)
        if track is None or len(track.sizes) < 2 or palm_length <= 0:
            return 1.0
        reference = float(np.median(track.sizes[:-1]))
        if reference <= 0:
            return 1.0
        return float(np.clip(1.0 - abs(math.log(palm_length / reference)) / math.log(2.0), 0.0, 1.0))

    def _recent(self, hand: str) -> Optional[_Track]:
        track = self._tracks.get(hand)
        if track is None or self._frame - track.frame > self.memory_frames:
            return None
        return track

    def _distance(self, hand: str, det: HandDetection) -> float:
        track = self._recent(hand)
        return math.inf if track is None else float(np.linalg.norm(det.palm_centre - track.centre))

    def _assign_pair(self, first: HandDetection, second: HandDetection) -> dict[str, HandDetection]:
        by_label = {first.hand: first, _other(first.hand): second}
        swapped = {_other(first.hand): first, first.hand: second}
        both_recent = self._recent(LEFT_HAND) is not None and self._recent(RIGHT_HAND) is not None
        if both_recent:
            cost_label = sum(self._distance(h, d) for h, d in by_label.items())
            cost_swap = sum(self._distance(h, d) for h, d in swapped.items())
            palm = max(first.palm_length, second.palm_length, 1.0)
            labels_agree = first.hand != second.hand
            if not labels_agree or (cost_swap < 0.5 * cost_label and cost_label - cost_swap > palm):
                return by_label if cost_label <= cost_swap else swapped
            return by_label
        if first.hand != second.hand:
            return by_label
        # Same label and no two recent tracks: one recent track decides, else the image side.
        for hand in HANDS:
            if self._recent(hand) is not None:
                nearer, farther = sorted((first, second), key=lambda d: self._distance(hand, d))
                return {hand: nearer, _other(hand): farther}
        return self._assign_by_image_side(first, second, by_label)

    def _assign_by_image_side(
        self, first: HandDetection, second: HandDetection, by_label: dict[str, HandDetection]
    ) -> dict[str, HandDetection]:
        if self.camera_view == "side":
            return by_label
        image_left, image_right = sorted((first, second), key=lambda d: float(d.palm_centre[0]))
        if self.camera_view == "top":
            return {LEFT_HAND: image_left, RIGHT_HAND: image_right}
        return {LEFT_HAND: image_right, RIGHT_HAND: image_left}

    def _assign_single(self, det: HandDetection) -> str:
        other = _other(det.hand)
        other_track = self._recent(other)
        if other_track is None:
            return det.hand
        d_other = self._distance(other, det)
        d_label = self._distance(det.hand, det)
        near_other = d_other < 0.5 * max(det.palm_length, 1.0)
        if near_other and (math.isinf(d_label) or d_label > 2.0 * d_other + det.palm_length):
            return other
        return det.hand


class MediaPipeHandsTracker:
    """Up to two hands with 21 landmarks each, as the trainee's anatomical left and right hands."""

    name = "hands"
    individuals: tuple[str, ...] = HANDS
    keypoints: tuple[str, ...] = HAND_KEYPOINTS
    needs_sample = False  # prepare() ignores its sample: the tracking loop may skip gathering one

    def __init__(
        self,
        camera_view: str = DEFAULT_CAMERA_VIEW,
        max_hands: int = 2,
        model_complexity: int = 1,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
        mirrored: bool = False,
        independent_frames: bool = False,
        threads: int = 1,
    ) -> None:
        if camera_view not in CAMERA_VIEWS:
            raise ValueError(f"unknown camera view {camera_view!r}; choose from {', '.join(CAMERA_VIEWS)}")
        if max_hands not in (1, 2):
            raise ValueError(f"max_hands must be 1 or 2, got {max_hands}")
        if model_complexity != 1:
            raise ValueError(f"only the full hand model ships (model_complexity=1), got {model_complexity}")
        self.camera_view = camera_view
        self.mirrored = mirrored
        self._settings = {
            "max_num_hands": max_hands,
            "model_complexity": model_complexity,
            "min_detection_confidence": min_detection_confidence,
            "min_tracking_confidence": min_tracking_confidence,
            "crop_threads": threads,  # LiteRT threads of each hand crop model
        }
        # Unrelated stills (an image folder): detect afresh in each, and let no image's hands decide
        # the identity or the size consistency of the next one's.
        self.independent_frames = independent_frames
        self._resolver = HandIdentityResolver(camera_view, memory_frames=0 if independent_frames else 15)
        self._body: Optional[BodyFeed] = None  # set in "hands+pose": hands placed from the body
        # A video: hands followed on crops (both at once where a spare thread is allowed), palms searched
        # for only where a hand is not followed (see `_should_search`).
        self._crops: Optional[HandCropTracker] = (
            None
            if independent_frames
            else HandCropTracker(
                bundle_path(HAND_BUNDLE), min_presence=0.5, threads=threads, parallel=spare_thread_allowed()
            )
        )
        self._since_search = _SEARCH_EVERY  # frames since the last palm search: the first frame searches
        self._missing_for = 0  # frames in a row with fewer hands found than wanted
        # a search due whatever the crops find runs beside them (see `_search_certain`)
        self._search_pool: Optional[ThreadPoolExecutor] = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="skillsight-palm-search")
            if self._crops is not None and self._crops.parallel
            else None
        )
        # the palm search's landmarker: stills search every image, a video only where a hand is missing,
        # so there it is built ahead on the search thread (idle at the start) or when first needed
        self._hands: Any = (
            self._new_landmarker()
            if independent_frames
            else DeferredRunner(self._new_landmarker, ahead=self._search_pool)
        )

    def can_follow_body(self) -> bool:
        """Whether hand regions may come from a pose tracker (a video, not unrelated stills)."""
        return not self.independent_frames

    def attach_body(self, feed: BodyFeed) -> None:
        """Place hand regions from the body's hand points each frame (see `hand_crops`)."""
        self._body = feed

    def _new_landmarker(self) -> LandmarkerRunner:
        """The Tasks HandLandmarker in IMAGE mode: every call a fresh palm search (in a video it runs only
        on frames where a hand is not followed, so its own VIDEO-mode tracking would follow stale hands)."""
        landmarker = create_hand_landmarker(
            num_hands=int(self._settings["max_num_hands"]),
            min_detection=float(self._settings["min_detection_confidence"]),
            min_presence=0.5,
            min_tracking=float(self._settings["min_tracking_confidence"]),
            independent_frames=True,
        )
        return LandmarkerRunner(landmarker, True)

    def prepare(self, sample: Sequence[Frame]) -> None:
        """Nothing to calibrate: MediaPipe's models need no per-video set-up."""

    def process(self, frame: Frame) -> FrameObservation:
        image, to_original = tracking_image(frame.image)
        detections = self._detect(image) if self._crops is None else self._detect_followed(image, frame.index)
        in_image = {id(det): det.points for det in detections}  # tracking-image pixels, as crops want
        for det in detections:
            det.points = to_original(det.points)
        assigned = self._resolver.assign(detections)
        if self._crops is not None:  # each hand followed under the identity it was given
            self._crops.follow_as({hand: in_image[id(det)] for hand, det in assigned.items()})
        positions = np.full((2, len(HAND_KEYPOINTS), 3), np.nan)
        confidence = np.zeros((2, len(HAND_KEYPOINTS)))
        world = np.full((2, len(HAND_KEYPOINTS), 3), np.nan)
        for slot, hand in enumerate(HANDS):
            found = assigned.get(hand)
            if found is None:
                continue
            positions[slot] = found.points
            consistency = (
                1.0 if self.independent_frames else self._resolver.size_consistency(hand, found.palm_length)
            )
            confidence[slot] = found.score * consistency
            if found.world is not None:
                world[slot] = found.world
        return FrameObservation(positions, confidence, world, {"hands.detected": float(len(detections))})

    def _detect(self, image: np.ndarray) -> list[HandDetection]:
        """The hands in one tracking image, found by the Tasks HandLandmarker (palm detection)."""
        height, width = image.shape[:2]
        return _detections(self._hands(image), width, height, self.mirrored)

    def _detect_followed(self, image: np.ndarray, index: int) -> list[HandDetection]:
        """Hands followed from their last landmarks or placed from the body on crops; palm detection (the
        Tasks HandLandmarker) only for a hand neither follows (see `_should_search`)."""
        assert self._crops is not None
        body = self._body.take(index) if self._body is not None else {}
        regions = {hand: None if body.get(hand) is None else roi_from_pose(*body[hand]) for hand in HANDS}
        followed = self._crops.following
        beside: Optional[Future] = None
        if self._search_pool is not None and self._search_certain(regions, followed):
            self._since_search = 0
            beside = self._search_pool.submit(self._hands, image)
        found = self._crops.track(image, regions)
        detections = [
            HandDetection(c.points, self._crop_hand(hand, c.right_score), c.presence, c.world)
            for hand, c in found.items()
        ]
        search = beside is not None or self._should_search(found, regions, followed)
        self._count_missing(found)  # after both decisions of this frame: one thread or two alike
        if search:
            height, width = image.shape[:2]
            result = beside.result() if beside is not None else self._hands(image)
            searched = _detections(result, width, height, self.mirrored)
            detections += [d for d in searched if not any(_same_hand(d, f) for f in detections)]
        return detections

    def _search_certain(self, regions: dict[str, Any], followed: Sequence[str]) -> bool:
        """Whether `_should_search` will say yes this frame whatever the crops find: fewer hands are
        followed or shown by the body than wanted (the crops find no others) and a periodic search is
        due. Such a search can then run beside the crops, on the spare thread."""
        candidates = set(followed) | {hand for hand in HANDS if regions[hand] is not None}
        wanted = int(self._settings["max_num_hands"])
        return len(candidates) < wanted and self._since_search + 1 >= self._search_interval()

    def _count_missing(self, found: dict[str, Any]) -> None:
        wanted = int(self._settings["max_num_hands"])
        self._missing_for = 0 if len(found) >= wanted else self._missing_for + 1

    def _search_interval(self) -> int:
        """Frames between periodic searches: a hand just gone often comes back at once; one long gone, or
        never found, would cost a full search six times a second for nothing."""
        return _SEARCH_EVERY if self._missing_for < _SEARCH_SLOWER_AFTER else _SEARCH_EVERY_SLOWER

    def _should_search(self, found: dict[str, Any], regions: dict[str, Any], followed: Sequence[str]) -> bool:
        """Search the whole frame for palms when fewer hands than wanted are found and a missing one is
        not shown by the body: at once when a followed hand was just lost, else periodically (MediaPipe
        searches every such frame: for a one-handed video, a palm detection on every frame)."""
        self._since_search += 1
        missing = [hand for hand in HANDS if hand not in found and regions[hand] is None]
        if len(found) >= int(self._settings["max_num_hands"]) or not missing:
            return False
        just_lost = any(hand in followed and hand not in found for hand in HANDS)
        if just_lost or self._since_search >= self._search_interval():
            self._since_search = 0
            return True
        return False

    def _crop_hand(self, side: str, right_score: float) -> str:
        """The body's side for a hand placed from it, unless the hand model is sure it is the other hand
        (a body misread in a close-up of one hand)."""
        label = anatomical_hand("Right" if right_score >= 0.5 else "Left", self.mirrored)
        return label if label != side and max(right_score, 1.0 - right_score) >= _SURE_HANDEDNESS else side

    def provenance(self) -> dict[str, Any]:
        video, linked = self._crops is not None, self._body is not None
        regions = "the previous landmarks" + (" or the pose's wrist/index/pinky" if linked else "")
        return {
            "name": self.name,
            "backend": (
                "skillsight.hand_crops (LiteRT)"
                + (" on pose regions" if linked else "")
                + " + mediapipe.tasks HandLandmarker palm search"
            )
            if video
            else "mediapipe.tasks.vision.HandLandmarker",
            "runtime": f"{runtime_version()} + mediapipe {mediapipe_version()}"
            if video
            else f"mediapipe {mediapipe_version()}",
            "hand_regions": f"from {regions}; palm detection only for a hand not found so (at once when "
            f"one is lost, else every {_SEARCH_EVERY} frames, every {_SEARCH_EVERY_SLOWER} once a hand has "
            f"been missing {_SEARCH_SLOWER_AFTER})"
            if video
            else "palm detection (Tasks HandLandmarker)",
            "mediapipe_version": mediapipe_version(),
            "model": bundle_provenance(HAND_BUNDLE),
            "settings": dict(
                self._settings,
                running_mode="IMAGE (palm searches)",
                parallel_hands=self._crops is not None and self._crops.parallel,
            ),
            "camera_view": self.camera_view,
            "mirrored": self.mirrored,
            "handedness": "MediaPipe Tasks labels taken as anatomy (unmirrored recording)"
            if not self.mirrored
            else "MediaPipe Tasks labels swapped to anatomy (mirrored recording)",
            "confidence": "handedness score (hand presence score for hands placed from the body) x "
            "palm-size consistency, same for all 21 keypoints",
            "z": "MediaPipe relative depth x image width (px)",
        }

    def close(self) -> None:
        if self._search_pool is not None:  # first: a search still in flight uses the landmarker
            self._search_pool.shutdown(wait=True)
            self._search_pool = None
        if self._hands is not None:
            self._hands.close()
            self._hands = None
        if self._crops is not None:
            self._crops.close()

    def __enter__(self) -> MediaPipeHandsTracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _detections(result: Any, width: int, height: int, mirrored: bool) -> list[HandDetection]:
    """A HandLandmarkerResult as detections in pixels (z in image widths x width, as x)."""
    worlds = result.hand_world_landmarks or [None] * len(result.hand_landmarks)
    detections = []
    for landmarks, handedness, world_landmarks in zip(result.hand_landmarks, result.handedness, worlds):
        points = np.array([(p.x * width, p.y * height, p.z * width) for p in landmarks], dtype=np.float64)
        world = (
            None
            if world_landmarks is None
            else np.array([(p.x, p.y, p.z) for p in world_landmarks], dtype=np.float64)
        )
        label = handedness[0]
        detections.append(
            HandDetection(points, anatomical_hand(label.category_name, mirrored), float(label.score), world)
        )
    return detections


def tracking_image(image: np.ndarray) -> tuple[np.ndarray, Any]:
    """The frame MediaPipe sees (downscaled over 1920 px) and a function mapping its points back."""
    if max(image.shape[:2]) <= MAX_TRACKING_SIDE:
        return image, _identity_points

    small, scale = downscale_for_tracking(image, max_side=MAX_TRACKING_SIDE)

    def to_original(points: np.ndarray) -> np.ndarray:
        mapped = map_points_to_original(points, scale)
        mapped[..., 2] /= scale  # z is in tracking-image widths too
        return mapped

    return small, to_original


def _identity_points(points: np.ndarray) -> np.ndarray:
    return points
