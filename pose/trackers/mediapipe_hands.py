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

Handedness, camera view and identity across frames: `hand_identity`; the image MediaPipe sees and its
landmarks in the frame's pixels: `hand_landmarks`. This module is the tracker: which hands are followed,
when the frame is searched for palms, and each frame's observation.

Confidence. MediaPipe hands give no per-landmark visibility, so each hand gets one confidence for all 21
keypoints: MediaPipe's handedness score (how sure the classifier is of this hand, 0.5-1) times a size
consistency term, 1 when the palm length (wrist to middle-finger MCP) matches the hand's recent median
and falling towards 0 as it halves or doubles in one step (a typical sign of a wrong fit).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Optional

import numpy as np

from skillsight.base.keypoints import HAND_KEYPOINTS
from skillsight.capture.frames import Frame
from skillsight.pose.trackers.base import (
    CAMERA_VIEWS,
    DEFAULT_CAMERA_VIEW,
    FrameObservation,
    spare_thread_allowed,
)
from skillsight.pose.trackers.body_link import BodyFeed
from skillsight.pose.trackers.crop_runtime import runtime_version
from skillsight.pose.trackers.hand_crops import HandCropTracker, roi_from_pose
from skillsight.pose.trackers.hand_identity import (
    HANDS,
    HandDetection,
    HandIdentityResolver,
    anatomical_hand,
    same_hand,
)
from skillsight.pose.trackers.hand_landmarks import detections_from_result, tracking_image
from skillsight.pose.trackers.mediapipe_tasks import (
    HAND_BUNDLE,
    DeferredRunner,
    LandmarkerRunner,
    bundle_path,
    bundle_provenance,
    create_hand_landmarker,
    mediapipe_version,
)

_SEARCH_EVERY = 5  # frames between palm searches for a hand not followed (6 a second at 30 fps)
# a hand missing for a second (30 frames) is out of view or one MediaPipe cannot find: searched for
# every 15 frames from then on (twice a second at 30 fps), until every hand wanted is found again
_SEARCH_SLOWER_AFTER, _SEARCH_EVERY_SLOWER = 30, 15
_SURE_HANDEDNESS = 0.9


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
        return detections_from_result(self._hands(image), width, height, self.mirrored)

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
            searched = detections_from_result(result, width, height, self.mirrored)
            detections += [d for d in searched if not any(same_hand(d, f) for f in detections)]
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
