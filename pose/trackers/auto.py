"""The "auto" tracker: MediaPipe landmarks where MediaPipe finds a hand, the glove tracker where not.

prepare() decides per video (gloves present or not, bare-handed or not, skin-tone latex, sleeves, still
objects) on sample frames, with a separate MediaPipe instance; process() then reports, per frame and per
hand, MediaPipe's landmarks where it has that hand, else the glove's (or skin blob's) centroid and tip, so a
frame never holds fewer hands than either tracker alone. Stills of an image folder are each decided on their
own. Seen from above, hands are named by anatomy (auto_names). In a gloved video without landmarks MediaPipe
only probes every PROBE_EVERY_S. The whole decision, with the reason for each rule: pose/trackers/AUTO.md.

Keypoints: MediaPipe's 21 hand keypoints, then "centroid" and "tip". For landmark hands, centroid is the
centre of all 21 landmarks (pose.hand_geometry: the whole hand, as a glove blob's centroid is) and tip the
index fingertip, so features can use "centroid" whatever the source. The choice and per-frame source
counts go into provenance().
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Callable, Optional

import numpy as np

from skillsight.base.keypoints import GLOVE_KEYPOINTS
from skillsight.base.keypoints import HAND_INDIVIDUALS as HAND_NAMES
from skillsight.capture.frames import Frame
from skillsight.pose.hand_geometry import landmark_centroid
from skillsight.pose.trackers.auto_factories import (
    TrackerFactory,
    default_gloves_factory,
    default_hands_factory,
    skin_latex_factory,
)
from skillsight.pose.trackers.auto_hands import (
    RecentHands,
    bare_hand_seen,
    candidates_are_hands,
    followed_missed_hand,
    hand_sized,
    is_bare,
    landmark_hand_size,
    match_gloves_to_landmarks,
    moving_candidates,
    on_a_still_object,
    samples_missing_skin_hands,
    still_objects,
    working_pixel,
)
from skillsight.pose.trackers.auto_latex import of_one_chroma
from skillsight.pose.trackers.base import (
    CAMERA_VIEWS,
    DEFAULT_CAMERA_VIEW,
    FrameObservation,
)

# what each version changed: pose/trackers/gloves/CHANGES.md ("`auto` versions")
AUTO_TRACKER_VERSION = "1.13"
TIP_KEYPOINT = "index_finger_tip"
BARE_HANDED_SAMPLE_SHARE = 0.5  # of samples with landmarks: the video is bare-handed
MISSED_SKIN_SAMPLE_SHARE = 0.1  # of samples with a skin hand MediaPipe misses: the skin tracker runs too
PROBE_AFTER_S = 1.0  # landmarks absent this long in a gloved video: MediaPipe only probes
PROBE_EVERY_S = 5.0  # each probe costs about ten frames of glove tracking
SOURCE_COUNTS = (  # per frame, into provenance()["per_frame_sources"]
    "frames",
    "hands_from_landmarks",
    "hands_from_gloves",
    "hands_from_skin_colour",  # bare hands MediaPipe missed, found by skin colour beside its landmarks
    "glove_hands_matched_to_landmarks",
    "mediapipe_frames_skipped",
    "glove_hands_dropped_beside_bare_hands",
    "glove_hands_dropped_on_still_objects",
    "skin_hands_dropped_not_hand_sized",
)
_is_bare = is_bare  # the name tests/unit/skillsight/test_glove_scenes.py imports


class AutoTracker:
    """Landmarks where MediaPipe finds hands, gloves where it does not; never fewer hands than either."""

    name = "auto"
    individuals: tuple[str, ...] = HAND_NAMES
    _skin_probed: Optional[list[FrameObservation]] = None  # the skin tracker's view of the samples

    def __init__(
        self,
        camera_view: str = DEFAULT_CAMERA_VIEW,
        glove_color: str = "auto",
        hands_factory: Optional[TrackerFactory] = None,
        gloves_factory: Optional[TrackerFactory] = None,
        independent_frames: bool = False,
        skin_tone_gloves: Optional[bool] = None,
    ) -> None:
        if camera_view not in CAMERA_VIEWS:
            raise ValueError(f"camera_view must be one of {', '.join(CAMERA_VIEWS)}, not {camera_view!r}")
        self.camera_view = camera_view
        self.independent_frames = independent_frames  # stills: MediaPipe sees every one
        self._hands_factory = hands_factory or default_hands_factory(camera_view, independent_frames)
        self._skin_factory: Optional[TrackerFactory] = None
        if gloves_factory is None and skin_tone_gloves is None and not independent_frames:
            self._skin_factory = skin_latex_factory(camera_view)  # a video decides for itself
        if skin_tone_gloves is None:  # stills: each one checked with MediaPipe for a bare hand on its own
            skin_tone_gloves = independent_frames
        if gloves_factory is None:
            gloves_factory = default_gloves_factory(
                camera_view, glove_color, independent_frames, skin_tone_gloves
            )
        self._gloves_factory: Optional[TrackerFactory] = gloves_factory
        self.hands = self._hands_factory()
        self.gloves: Any = gloves_factory()
        if tuple(self.hands.individuals) != HAND_NAMES or tuple(self.gloves.individuals) != HAND_NAMES:
            raise ValueError("the hands and gloves trackers must both report left_hand and right_hand")
        self.hand_keypoints: tuple[str, ...] = tuple(self.hands.keypoints)
        self.keypoints: tuple[str, ...] = (*self.hand_keypoints, *GLOVE_KEYPOINTS)
        self._tip = self.hand_keypoints.index(TIP_KEYPOINT)
        self._names: Optional[Any] = None
        self._named_as_gloves: Callable[[FrameObservation, FrameObservation, int], FrameObservation]
        if camera_view == "top":  # MediaPipe's handedness is learnt on hands seen from the front
            # lazy: the names share the glove tracker's identity module, which loads OpenCV
            from skillsight.pose.trackers.auto_names import AnatomicalNames, named_as_gloves

            self._names = AnatomicalNames(camera_view, len(self.hand_keypoints), independent_frames)
            self._named_as_gloves = named_as_gloves
        self.gloves_present = False
        self._awaiting_sample = True  # prepare() not called yet
        self.bare_handed_rejected = False  # glove candidates rejected: a bare-handed video, still objects
        self.still_objects_rejected = False  # every glove candidate lay still over the samples
        self._still_objects: list[tuple[np.ndarray, float]] = []  # (centre, size) of still candidates
        self._probed: Optional[list[FrameObservation]] = None  # a glove tracker's view of the samples
        self.sleeves_rejected = False  # the coloured or white "gloves" end in skin-coloured hands: sleeves
        self.gloves_beaten_by_skin = False  # skin hands won more samples than them, every family contesting
        self._sleeves_among: Optional[bool] = None  # some "gloves" end in skin hands in most samples
        self.skin_tone_gloves_found = False
        self._skin_hand_followed = False  # a skin hand MediaPipe missed in every sample, followed in most
        self.skin_hands_beside_landmarks = False  # skin hands MediaPipe misses in some samples: tracked too
        self.skin_latex_sample_share: Optional[float] = None  # samples with a moving, entering skin hand
        self._hand_size: Optional[float] = None  # landmark-box diagonal of MediaPipe's hands in the samples
        self._recent = RecentHands(len(self.hand_keypoints))  # where MediaPipe's hands were lately
        self._time_s = 0.0  # of the frame being merged
        self._last_landmarks_s: Optional[float] = None
        self._last_probe_s: Optional[float] = None
        self.sample_frames = 0
        self.sample_frames_with_landmarks = 0
        self._counts = dict.fromkeys(SOURCE_COUNTS, 0)

    @property
    def choice(self) -> str:
        """What the video is tracked with; both run per frame while gloves are present."""
        if not self.gloves_present:
            return "landmarks"
        return "gloves+landmarks" if self.sample_frames_with_landmarks else "gloves"

    def prepare(self, sample: Sequence[Frame]) -> None:
        self._awaiting_sample = not sample  # no sample (a live source): decide on the first frame
        if self._awaiting_sample:
            return
        self.gloves.prepare(sample)
        self.gloves_present = bool(getattr(self.gloves, "gloves_present", False))
        self.hands.prepare(sample)
        self.sample_frames = len(sample)
        self._probed = self._skin_probed = None
        if self.gloves_present and not self.independent_frames:
            self._reject_still_objects(sample)
        if self._looks_like_skin_latex(sample):
            sample_landmarks = self._sample_landmarks(sample)
            self._take_skin_latex(sample, sample_landmarks)
        # Only a gloved video needs to know whether landmarks are found too (it names the choice);
        # a bare-handed one is tracked with landmarks anyway, so skip the second MediaPipe pass.
        elif self.gloves_present:
            sample_landmarks = self._sample_landmarks(sample)
        else:
            sample_landmarks = []
        if self.sleeves_rejected and not (self.skin_tone_gloves_found or self.skin_hands_beside_landmarks):
            # bare hands (or latex MediaPipe sees) in sleeves: the landmarks report them, not the sleeves
            self.gloves_present = False
        self.sample_frames_with_landmarks = sum(int(np.any(o.confidence > 0)) for o in sample_landmarks)
        bare = self.sample_frames_with_landmarks >= BARE_HANDED_SAMPLE_SHARE * len(sample)
        bare = bare and not self.independent_frames  # unrelated stills: each decided on its own
        bare = bare and not self.skin_hands_beside_landmarks  # skin hands: vetted by their own evidence
        if (
            self.gloves_present
            and bare
            and (self._sleeves_beaten(sample) or not self._gloves_are_hands(sample, sample_landmarks))
        ):
            self.gloves_present = False
            self.bare_handed_rejected = True
            # without them the video is checked for skin hands MediaPipe misses, as any video without gloves
            if self._looks_like_skin_latex(sample):
                self._take_skin_latex(sample, sample_landmarks)

    def _reject_still_objects(self, sample: Sequence[Frame]) -> None:
        """Glove candidates that lie still over the samples (rigid objects: a blue box, a white card) are not
        gloves; where no candidate moves, the video has no gloves (MediaPipe may have missed its bare
        hands: the skin check comes next)."""
        observations = self._glove_probe(sample)
        if observations is None:
            return
        width = float(sample[0].image.shape[1])
        self._still_objects = still_objects(observations, working_pixel(sample[0]), width)
        if self._still_objects and moving_candidates(observations, working_pixel(sample[0]), sample) == 0:
            self.gloves_present = False
            self.still_objects_rejected = True

    def _looks_like_skin_latex(self, sample: Sequence[Frame]) -> bool:
        """Whether skin-coloured hands enter and move in enough of the samples, where coloured or white
        "gloves" are not found, are their sleeves, or lose to them where every family contests the samples
        (the cheap half: MediaPipe is asked only then)."""
        if self._skin_factory is None or len(sample) < 3:
            return False
        from skillsight.pose.trackers.gloves import latex  # lazy: OpenCV loads only for gloves

        if self.gloves_present:
            calibration = getattr(self.gloves, "calibration", None)
            families = tuple(calibration.families) if calibration is not None else ()
            if not families:
                return False
            # a sleeve ends in a hand of skin colour, a glove in its fingers
            self.sleeves_rejected = latex.are_latex_sleeves(families[0], sample, self.camera_view)
            # white is what differs from the still bench, so a moving skin hand's surroundings are white too;
            # coloured "gloves" lose to skin hands only where some end in skin (sleeves joined to blue boxes)
            self.gloves_beaten_by_skin = not self.sleeves_rejected and latex.skin_wins(
                families[0], sample, self.camera_view
            )
            if families[0] != "white":  # coloured gloves are found by their colour: beaten where sleeves
                self.gloves_beaten_by_skin = self._sleeves_beaten(sample)
            if not (self.sleeves_rejected or self.gloves_beaten_by_skin):
                return False
        self.skin_latex_sample_share = latex.moving_latex_share(sample, self.camera_view)
        return latex.enough_latex(self.skin_latex_sample_share)

    def _take_skin_latex(self, sample: Sequence[Frame], landmarks: Sequence[FrameObservation]) -> None:
        """Skin-tone latex where MediaPipe sees no hand in most samples (bare hands it finds). Where it
        finds them in most samples but misses skin-coloured hands the skin tracker sees in others (bare or
        latex, MediaPipe lost them), the skin tracker runs beside the landmarks and fills the hands they
        miss."""
        seen = sum(int(np.any(o.confidence > 0)) for o in landmarks)
        if self._skin_factory is None:
            return
        latex = seen < BARE_HANDED_SAMPLE_SHARE * len(sample)
        if not latex:
            if self.gloves_present and self.gloves_beaten_by_skin:
                return  # skin hands MediaPipe sees beat the gloves: they stay for the bare-handed check
            if not self._skin_hands_missed(sample, landmarks):
                return
        # MediaPipe misses bare hands too (small, holding instruments, crossing): latex is of one chroma
        latex = latex and of_one_chroma(self._skin_view(sample), sample)
        self.gloves.close()
        self.gloves = self._skin_factory()
        self.gloves.prepare(sample)
        self.gloves_present = True
        self.skin_tone_gloves_found = latex
        self.skin_hands_beside_landmarks = not self.skin_tone_gloves_found
        if self.skin_hands_beside_landmarks:  # a hand MediaPipe misses is the size of those it sees
            self._hand_size = landmark_hand_size(landmarks, len(self.hand_keypoints))
            for frame, observation in zip(sample, landmarks):  # and where it saw them, before or after
                self._recent.add(frame.time_s, observation)

    def _skin_hands_missed(self, sample: Sequence[Frame], landmarks: Sequence[FrameObservation]) -> bool:
        """Whether the skin tracker finds, in at least MISSED_SKIN_SAMPLE_SHARE of the samples (and two),
        a hand with no landmark hand on it while MediaPipe reports fewer than two; or, where objects were
        rejected in a bare-handed video (only hands where MediaPipe lost one count then), follows a hand-sized
        one MediaPipe misses through most of the samples (auto_hands.followed_missed_hand)."""
        skin = self._skin_view(sample)
        n_kp = len(self.hand_keypoints)
        missed = samples_missing_skin_hands(skin, sample, landmarks, n_kp, self._missed_by_size)
        if missed >= max(2.0, MISSED_SKIN_SAMPLE_SHARE * len(sample)):
            return True
        if not self._missed_by_size:  # after a rejection of objects: a hand it missed in every sample
            self._skin_hand_followed = followed_missed_hand(skin, sample, landmarks, n_kp)
        return self._skin_hand_followed

    def _skin_view(self, sample: Sequence[Frame]) -> list[FrameObservation]:
        """The skin tracker's hands in each sample (a tracker of its own, prepared on them; once a video)."""
        assert self._skin_factory is not None
        if self._skin_probed is None:
            probe = self._skin_factory()
            try:
                probe.prepare(sample)
                self._skin_probed = [probe.process(frame) for frame in sample]
            finally:
                probe.close()
        return self._skin_probed

    def _sleeves_beaten(self, sample: Sequence[Frame]) -> bool:
        """Whether skin hands beat the "gloves" in every family's contest and some end in skin: sleeves."""
        from skillsight.pose.trackers.gloves import latex  # lazy: OpenCV loads only for gloves

        if self.gloves_beaten_by_skin and self._sleeves_among is None:
            families = tuple(self.gloves.calibration.families)
            self._sleeves_among = latex.sleeves_among(families[0], sample, self.camera_view)
        return self.gloves_beaten_by_skin and bool(self._sleeves_among)

    def _glove_probe(self, sample: Sequence[Frame]) -> Optional[list[FrameObservation]]:
        """Per sample, the glove candidates of a glove tracker of its own (made once per video); None where
        no glove tracker can be built or the sample is too short to tell motion."""
        if self._gloves_factory is None or len(sample) < 3:
            return None
        if self._probed is None:
            probe = self._gloves_factory()
            try:
                probe.prepare(sample)
                self._probed = [probe.process(frame) for frame in sample]
            finally:
                probe.close()
        return self._probed

    def _gloves_are_hands(self, sample: Sequence[Frame], landmarks: Sequence[FrameObservation]) -> bool:
        """In a bare-handed video, whether a glove candidate is a hand all the same (auto_hands)."""
        probed = self._glove_probe(sample)
        return probed is None or candidates_are_hands(probed, sample, landmarks, len(self.hand_keypoints))

    def _sample_landmarks(self, sample: Sequence[Frame]) -> list[FrameObservation]:
        if not sample:
            return []
        probe = self._hands_factory()  # its own instance: the tracking one must not see the sample
        try:
            return [probe.process(frame) for frame in sample]
        finally:
            probe.close()

    def process(self, frame: Frame) -> FrameObservation:
        if self._awaiting_sample:
            self.prepare([frame])
        landmarks = self._landmarks(frame)
        gloved = self.gloves.process(frame) if self.gloves_present else None
        # beside a bare hand a white or blue "glove" is an object; a skin-coloured one is the other hand
        # (bare, which MediaPipe missed, or skin-tone latex): it stays
        skin = getattr(self.gloves, "last_family", None) == "skin"
        bare = gloved is not None and bare_hand_seen(landmarks, frame.image)
        if gloved is not None and self._names is not None:
            landmarks = self._named_as_gloves(landmarks, gloved, len(self.hand_keypoints))
        self._time_s = frame.time_s
        observation = self._merge(landmarks, gloved, not skin and bare)
        if self.skin_hands_beside_landmarks:  # the only videos that read where MediaPipe's hands were lately
            self._recent.update(frame.time_s, landmarks)
        if self._names is not None:  # from above: by anatomy, one name per hand whichever tracker saw it
            areas = [observation.extras.get(f"{hand}.glove_area_px", np.nan) for hand in HAND_NAMES]
            glove_named = [not np.isnan(area) for area in areas]
            observation = self._names.name(observation, glove_named, frame, bare)
        self._counts["frames"] += 1
        return observation

    def _landmarks(self, frame: Frame) -> FrameObservation:
        """MediaPipe on this frame, or (a gloved video, landmarks long absent) an empty observation
        between probes."""
        if self.choice == "gloves" and not self.independent_frames and not self._should_probe(frame.time_s):
            self._counts["mediapipe_frames_skipped"] += 1
            n = len(self.hand_keypoints)
            return FrameObservation(np.full((2, n, 3), np.nan), np.zeros((2, n)))
        observation = self.hands.process(frame)
        self._last_probe_s = frame.time_s
        if np.any(observation.confidence > 0):
            self._last_landmarks_s = frame.time_s
        return observation

    def _should_probe(self, time_s: float) -> bool:
        if (
            self._last_probe_s is None
            or self._last_landmarks_s is not None
            and (time_s - self._last_landmarks_s < PROBE_AFTER_S)
        ):
            return True
        absent_since = self._last_landmarks_s if self._last_landmarks_s is not None else -PROBE_AFTER_S
        if time_s - absent_since < PROBE_AFTER_S:
            return True
        return time_s - self._last_probe_s >= PROBE_EVERY_S

    def _merge(
        self, landmarks: FrameObservation, gloved: Optional[FrameObservation], bare_hand: bool = False
    ) -> FrameObservation:
        n_hand_kp = len(self.hand_keypoints)
        positions = np.full((2, len(self.keypoints), 3), np.nan)
        confidence = np.zeros((2, len(self.keypoints)))
        extras: dict[str, Any] = dict(landmarks.extras)
        world = None
        if landmarks.world is not None:
            world = np.full((2, len(self.keypoints), 3), np.nan)
            world[:, :n_hand_kp] = landmarks.world
        taken: list[bool] = [False, False]
        for slot in range(2):
            if not np.any(landmarks.confidence[slot] > 0):
                extras[f"{HAND_NAMES[slot]}.from_gloves"] = 0.0
                continue
            points = landmarks.positions[slot]
            positions[slot, :n_hand_kp] = points
            confidence[slot, :n_hand_kp] = landmarks.confidence[slot]
            positions[slot, n_hand_kp] = landmark_centroid(points)
            positions[slot, n_hand_kp + 1] = points[self._tip]
            confidence[slot, n_hand_kp:] = float(np.max(landmarks.confidence[slot]))
            extras[f"{HAND_NAMES[slot]}.from_gloves"] = 0.0
            taken[slot] = True
            self._counts["hands_from_landmarks"] += 1
        for hand in HAND_NAMES:
            extras[f"{hand}.from_skin_colour"] = 0.0
        if gloved is not None:
            self._add_glove_hands(gloved, positions, confidence, taken, extras, bare_hand, landmarks)
        return FrameObservation(positions, confidence, world, extras)

    def _add_glove_hands(
        self,
        gloved: FrameObservation,
        positions: np.ndarray,
        confidence: np.ndarray,
        taken: list[bool],
        extras: dict[str, Any],
        bare_hand: bool = False,
        landmarks: Optional[FrameObservation] = None,
    ) -> None:
        """Glove hands into free slots; none besides a bare hand (whoever has one bare hand has no glove
        on the other: the "glove" is a white or blue object)."""
        n_hand_kp = len(self.hand_keypoints)
        glove_slots = [slot for slot in range(2) if np.any(gloved.confidence[slot] > 0)]
        matched = match_gloves_to_landmarks(
            positions[:, :n_hand_kp], taken, gloved.positions[:, 0], glove_slots
        )
        for slot in glove_slots:
            area = gloved.extras.get(f"{HAND_NAMES[slot]}.glove_area_px", np.nan)
            if slot in matched:  # MediaPipe already reports this hand: keep its landmarks, note the area
                extras[f"{HAND_NAMES[matched[slot]]}.glove_area_px"] = area
                self._counts["glove_hands_matched_to_landmarks"] += 1
                continue
            if on_a_still_object(gloved.positions[slot, 0], area, self._still_objects):
                self._counts["glove_hands_dropped_on_still_objects"] += 1
                continue
            if self.skin_hands_beside_landmarks and not self._a_missed_hand(
                gloved.positions[slot, 0], area, landmarks
            ):
                self._counts["skin_hands_dropped_not_hand_sized"] += 1  # a table top, a shoulder
                continue
            target = slot if not taken[slot] else (1 - slot if not taken[1 - slot] else None)
            if target is None or bare_hand:
                self._counts["glove_hands_dropped_beside_bare_hands"] += int(bare_hand)
                continue
            positions[target, n_hand_kp:] = gloved.positions[slot]
            confidence[target, n_hand_kp:] = gloved.confidence[slot]
            extras[f"{HAND_NAMES[target]}.glove_area_px"] = area
            # beside landmarks the skin tracker finds bare hands MediaPipe missed: they are no gloves
            source = "skin_colour" if self.skin_hands_beside_landmarks else "gloves"
            extras[f"{HAND_NAMES[target]}.from_{source}"] = 1.0
            taken[target] = True
            self._counts[f"hands_from_{source}"] += 1
        for hand in HAND_NAMES:
            extras.setdefault(f"{hand}.glove_area_px", np.nan)

    def _a_missed_hand(self, centre: np.ndarray, area: float, landmarks: Optional[FrameObservation]) -> bool:
        """Whether a skin hand beside landmarks can be one MediaPipe missed: the size of those it sees in
        the recording, or where one it lost was lately."""
        lost = landmarks is not None and self._recent.lost_at(centre, landmarks, self._time_s)
        return lost or (self._missed_by_size and hand_sized(area, self._hand_size))

    @property
    def _missed_by_size(self) -> bool:
        """Whether a hand-sized skin blob beside landmarks is a hand MediaPipe missed: not after objects (a
        table top is skin-coloured too) were rejected in a bare-handed video, unless as its hands' sleeves."""
        if self._skin_hand_followed:  # a hand it missed in every sample: found by its size, as before
            return True
        return not self.bare_handed_rejected or self.gloves_beaten_by_skin and bool(self._sleeves_among)

    def provenance(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": AUTO_TRACKER_VERSION,
            "camera_view": self.camera_view,
            "choice": self.choice,
            "gloves_present": self.gloves_present,
            "sample_frames": self.sample_frames,
            "sample_frames_with_landmarks": self.sample_frames_with_landmarks,
            "still_glove_candidates_rejected": self.bare_handed_rejected,
            "still_objects": len(self._still_objects),
            "still_objects_rejected": self.still_objects_rejected,
            "sleeves_rejected": self.sleeves_rejected,
            "gloves_beaten_by_skin": self.gloves_beaten_by_skin,
            "names": "top view: by where each arm enters (the glove tracker's, else the ray from the middle "
            "knuckle through the wrist), kept over time"
            if self._names is not None
            else "MediaPipe handedness",
            "hands_renamed_by_anatomy": self._names.renamed if self._names is not None else 0,
            "skin_tone_gloves_found": self.skin_tone_gloves_found,
            "skin_hands_beside_landmarks": self.skin_hands_beside_landmarks,
            "skin_latex_sample_share": self.skin_latex_sample_share,
            "per_frame_sources": dict(self._counts),
            "centroid": "landmark hands: mean of the 21 landmarks; glove hands: blob centroid",
            "tip": f"landmark hands: {TIP_KEYPOINT}; glove hands: blob point farthest from the arm's entry",
            "trackers": {"hands": self.hands.provenance(), "gloves": self.gloves.provenance()},
        }

    def close(self) -> None:
        self.hands.close()
        self.gloves.close()

    def __enter__(self) -> AutoTracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
