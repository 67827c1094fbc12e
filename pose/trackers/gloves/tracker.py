"""The glove tracker: per frame, the gloved hands found by colour, named by anatomy.

Per hand it reports keypoints "centroid" (the hand's centre, not the cuff's or forearm's) and "tip"
(the far end of the arm), a confidence, and extras "<hand>.glove_area_px" (the whole glove-coloured
blob, holes filled, original pixels: the hand-size reference of pose.scale, steadier than a part),
"<hand>.hand_area_px" (the hand part alone) and "<hand>.axis_deg" (main-axis angle, a wrist-rotation
proxy).
Video mode (the default) calibrates on the sample frames, keeps the white bench out of a white glove's
mask, narrows the hue band as gloves are found and keeps names across frames; `independent_frames`
(an image folder) reads every still on its own. Skin-tone latex cannot be told from bare skin by colour:
it is looked for only when asked (`skin_tone_gloves`, as auto does: it checks with MediaPipe).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Optional

import cv2
import numpy as np

from skillsight.base.keypoints import GLOVE_KEYPOINTS
from skillsight.base.keypoints import HAND_INDIVIDUALS as HAND_NAMES
from skillsight.capture.frames import Frame
from skillsight.pose.trackers.base import CAMERA_VIEWS, DEFAULT_CAMERA_VIEW, FrameObservation
from skillsight.pose.trackers.gloves import hands as handlib
from skillsight.pose.trackers.gloves.arm_entries import split_by_entries
from skillsight.pose.trackers.gloves.arm_pairs import arms_from_sleeves, by_sleeves, of_a_pair
from skillsight.pose.trackers.gloves.border_arms import bare_strip, merge_arm_along_border, sleeve_line
from skillsight.pose.trackers.gloves.calibration import (
    Calibration,
    HueModel,
    StillBackground,
    calibrate,
    still_pixels,
)
from skillsight.pose.trackers.gloves.identity import ENTRY_EDGES, TRAINEE_EDGE
from skillsight.pose.trackers.gloves.naming import MIN_REPORTED_CONFIDENCE, PAIR_CONFIDENCE, HandNamer
from skillsight.pose.trackers.gloves.palms import two_palms
from skillsight.pose.trackers.gloves.pieces import join_glove_pieces
from skillsight.pose.trackers.gloves.segmentation import (
    WORKING_LONG_SIDE,
    DrapeModel,
    WorkingImage,
    family_mask,
    find_drape,
)
from skillsight.pose.trackers.gloves.sleeves import contest_total, of_one_garment, runs_into

# What each version changed: CHANGES.md beside this module.
GLOVE_TRACKER_VERSION = "2.17"
GLOVE_COLORS = ("blue", "purple", "green", "white", "skin")
COLOR_FAMILY = {"blue": "colored", "purple": "colored", "green": "colored", "white": "white", "skin": "skin"}
DRAPE_EVERY = 25  # frames


class GloveTracker:
    """Tracks gloved hands by colour; individuals left_hand/right_hand, keypoints centroid/tip."""

    name = "gloves"
    individuals: tuple[str, ...] = HAND_NAMES
    keypoints: tuple[str, ...] = GLOVE_KEYPOINTS

    def __init__(
        self,
        camera_view: str = DEFAULT_CAMERA_VIEW,
        glove_color: str = "auto",
        independent_frames: bool = False,
        skin_tone_gloves: bool = False,
        sleeve_families: Optional[tuple[str, ...]] = None,
    ) -> None:
        if camera_view not in CAMERA_VIEWS:
            raise ValueError(f"camera_view must be one of {', '.join(CAMERA_VIEWS)}, not {camera_view!r}")
        if glove_color != "auto" and glove_color not in GLOVE_COLORS:
            raise ValueError(
                f"glove_color must be 'auto' or one of {', '.join(GLOVE_COLORS)}, not {glove_color!r}"
            )
        self.camera_view = camera_view
        self.glove_color = glove_color
        self.independent_frames = independent_frames
        if glove_color != "auto":
            self.families: tuple[str, ...] = (COLOR_FAMILY[glove_color],)
        else:
            self.families = ("colored", "white", "skin") if skin_tone_gloves else ("colored", "white")
        # where a glove lies inside the frame, sleeves of these families say where its arm enters
        self.sleeve_families = self.families if sleeve_families is None else sleeve_families
        self.calibration: Optional[Calibration] = None
        self._prepared = False
        self._names = HandNamer(camera_view, independent_frames)
        self._hue = HueModel()
        self._frames = 0
        self._frames_with = {hand: 0 for hand in HAND_NAMES}
        self._family_frames: dict[str, int] = {}
        self.last_family: Optional[str] = None
        self._drape: Optional[DrapeModel] = None
        self._drape_age = DRAPE_EVERY
        self._drape_size: tuple[int, int] = (0, 0)
        self._groups: dict[str, np.ndarray] = {}  # per family, this frame's hand-like blobs numbered
        self._strips: dict[str, list[handlib.HandBlob]] = {}  # per family, arms with no hand (sleeves)
        self._lone: dict[str, np.ndarray] = {}  # per family, in a still: the blob of its only hand

    @property
    def gloves_present(self) -> bool:
        if self.independent_frames or self.glove_color != "auto":
            return True  # stills are read one by one; a named colour is trusted
        return bool(self.calibration and self.calibration.gloves_present)

    def prepare(self, sample: Sequence[Frame]) -> None:
        self._names.reset()
        self._prepared = True
        if not sample or self.independent_frames:
            # unrelated stills teach nothing about each other: no family chosen for all of them, and no
            # "still" white background (a white glove lying where gloves often lie would be taken for it)
            self.calibration = None
            self._prepared = False  # a live source: calibrate on the first frame
            return
        images = [WorkingImage.of(f.image) for f in sample]
        self.calibration = calibrate(images, self.families, self._winner)

    def _winner(self, image: WorkingImage, background: Optional[StillBackground]) -> Optional[str]:
        return self._contest(image, self.families, background)[1]

    def process(self, frame: Frame) -> FrameObservation:
        if not self._prepared and not self.independent_frames:
            self.prepare([frame])
        if self.independent_frames:
            self._names.reset()
        self._frames += 1
        positions = np.full((2, 2, 3), np.nan)
        confidence = np.zeros((2, 2))
        extras: dict[str, Any] = {}
        for hand in HAND_NAMES:
            extras.update(
                {
                    f"{hand}.glove_area_px": math.nan,
                    f"{hand}.axis_deg": math.nan,
                    f"{hand}.hand_area_px": math.nan,
                }
            )
        if not self.gloves_present:
            return FrameObservation(positions, confidence, extras=extras)
        image = WorkingImage.of(frame.image)
        self._names.frame = frame
        found = self._names.admitted(self.find_hands(image), image.size, frame)  # a hand returns by an edge
        sx, sy = image.scale
        names = self._names.identify(found, image.size, frame)
        for (blob, score), hand in zip(found, names):
            i = HAND_NAMES.index(hand)
            for k, (x, y) in enumerate((blob.centre, blob.tip)):
                positions[i, k] = ((x + 0.5) * sx - 0.5, (y + 0.5) * sy - 0.5, 0.0)
            confidence[i, :] = score
            extras[f"{hand}.glove_area_px"] = blob.blob_area * sx * sy
            extras[f"{hand}.hand_area_px"] = blob.area * sx * sy
            extras[f"{hand}.axis_deg"] = blob.angle_deg
            self._frames_with[hand] += 1
        return FrameObservation(positions, confidence, extras=extras)

    def find_hands(self, image: WorkingImage) -> list[tuple[handlib.HandBlob, float]]:
        """Up to two hands of the one family (gloves are a pair) that shows the most hand-like ones.
        Stills look at every family; a video at the families that won its calibration samples. A glove
        lying inside the frame enters where its sleeve does: sleeves of the other families are then
        looked for too (crossed arms in other-coloured sleeves)."""
        families = self.families
        if self.calibration is not None and self.calibration.gloves_present and not self.independent_frames:
            families = self.calibration.families
        background = self.calibration.still_background if self.calibration else None
        self._lone.clear()
        best, self.last_family, found_by, masks = self._contest(image, families, background)
        if self.last_family is None:
            return best
        if any(blob.entry is None for blob, _ in best):
            for family in (*self.families, *self.sleeve_families):
                if family not in found_by:
                    found_by[family] = self._hands_of(image, family, _still_of(image, family, background))
        sleeves = [h for f, found in found_by.items() if f != self.last_family for h, _ in found]
        if self.independent_frames:  # video: the tracks name hands that meet or cross
            sleeves += [s for f, strips in self._strips.items() if f != self.last_family for s in strips]
            group = self._groups.get(self.last_family, np.zeros((1, 1), np.int32))
            best = by_sleeves(best, sleeves, group, TRAINEE_EDGE[self.camera_view], PAIR_CONFIDENCE)
            if len(best) == 1:  # no sleeves told two arms apart in it: the blob's palms may
                best = self._two_palms(self._lone.get(self.last_family), best, image)
        best = arms_from_sleeves(best, sleeves)
        self._family_frames[self.last_family] = self._family_frames.get(self.last_family, 0) + 1
        if self.last_family == "colored" and not self.independent_frames:
            self._learn_hue(image, masks["colored"], best)
        return best

    def sleeves_of(self, image: WorkingImage, family: str, glove_family: str) -> tuple[int, int]:
        """How many hands `family` shows in this image, and how many of them run into a hand-like blob of
        `glove_family` at their far end: sleeves of a glove of that colour (a navy gown over latex)."""
        masks: dict[str, np.ndarray] = {}
        found_by = {f: self._hands_of(image, f, None, masks) for f in (family, glove_family)}
        hands = [hand for hand, _ in found_by[family]]
        other = {glove_family: masks[glove_family]}
        return len(hands), sum(runs_into(h, other, found_by, masks[family]) for h in hands)

    def _contest(
        self, image: WorkingImage, families: Sequence[str], background: Optional[StillBackground]
    ) -> tuple[list[tuple[handlib.HandBlob, float]], Optional[str], dict[str, list], dict[str, np.ndarray]]:
        """The hands of the family that shows the most hand-like ones, that family (None: no hands),
        and every family's hands and hand-like masks. A "hand" whose far end runs into another family's
        blob is a sleeve (the glove begins there), not a hand."""
        masks: dict[str, np.ndarray] = {}
        found_by: dict[str, list[tuple[handlib.HandBlob, float]]] = {}
        for family in families:
            found_by[family] = self._hands_of(image, family, _still_of(image, family, background), masks)
        best: list[tuple[handlib.HandBlob, float]] = []
        winner, best_total = None, 0.0
        for family in families:
            others = {f: m for f, m in masks.items() if f != family}
            sleeves = [
                bool(others) and runs_into(h, others, found_by, masks[family]) for h, _ in found_by[family]
            ]
            # gloves are a pair before arms are one garment: two sleeves need two gloves, so a white piece
            # at one crossed glove's fingers (pad between an instrument's lines) makes neither a sleeve
            sleeves = of_a_pair(found_by, family, sleeves, others, masks[family])
            sleeves = of_one_garment(found_by[family], sleeves, masks[family])
            hands = [h for h, sleeve in zip(found_by[family], sleeves) if not sleeve]
            total = sum(score for _, score in hands)
            hands, total = contest_total(hands, family, found_by, masks)  # a sleeve ends at its glove
            if total > best_total:
                best, winner, best_total = hands, family, total
        return best, winner, found_by, masks

    def _hands_of(
        self,
        image: WorkingImage,
        family: str,
        still: Optional[np.ndarray],
        masks: Optional[dict[str, np.ndarray]] = None,
    ) -> list[tuple[handlib.HandBlob, float]]:
        drape = self._drape_of(image)
        mask = family_mask(family, image, drape, still)
        hand_like = np.zeros(mask.shape, np.float32)  # the blobs that passed as hands (or arms): their area
        if masks is not None:
            masks[family] = hand_like
        self._groups[family] = groups = np.zeros(mask.shape, np.int32)  # which group gave each hand
        self._strips[family] = strips = []
        band = self._hue.band() if family == "colored" and not self.independent_frames else None
        if band is not None:
            hue = image.hsv[..., 0]
            mask[(hue < band[0]) | (hue > band[1])] = 0
        labels, stats = handlib.components(mask)
        frame_area = float(mask.size)
        entry_edges = ENTRY_EDGES[self.camera_view]
        trainee_edge = TRAINEE_EDGE[self.camera_view]
        found: list[tuple[handlib.HandBlob, float]] = []
        whole: list[np.ndarray] = []  # the blobs that gave one hand each, unsplit
        min_radius = handlib.MIN_PALM_RADIUS * max(mask.shape)
        for number, group in enumerate(self._gloves_of(labels, stats, frame_area), start=1):
            if max(handlib.component_thickness(labels, stats, i) for i in group) < min_radius:
                continue  # no palm: a line, a rim or writing, not a hand
            blob = _blob_of(labels, group)
            area = float(stats[group, cv2.CC_STAT_AREA].sum())
            contacts = handlib.border_contacts(blob, entry_edges)
            shape = handlib.shape_score(blob, area, frame_area, contacts)
            if shape > 0:
                hand_like[blob > 0] = area
                groups[blob > 0] = number
                contacts = merge_arm_along_border(blob, contacts, trainee_edge)  # an arm along a border
            if shape <= 0 or bare_strip(blob, contacts):  # no hand; a sleeve (square, or a strip) or a hem
                strips.extend(sleeve_line(blob, contacts, trainee_edge))  # a sleeve leads to its glove
                continue
            pair = self._tracked_pair(blob, contacts, shape, image, family)
            if pair:  # video: both hands tracked a moment ago met in this blob; the tracks tell them apart
                found.extend(pair)
                whole.extend(np.empty((0, 0)) for _ in pair)
                continue
            if contacts:
                arms = split_by_entries(blob, contacts[:2], traced=self.independent_frames)
            else:
                arms = [(p, np.empty((0, 2))) for p in handlib.split_side_by_side(blob, trainee_edge)]
            for part, contact in arms:
                described = handlib.describe_hand(part, contact, trainee_edge)
                if described is None or described.blob_area < handlib.MIN_AREA_SHARE * frame_area * 0.5:
                    continue
                score = shape * _colour_strength(image, part, family)
                if score >= MIN_REPORTED_CONFIDENCE:
                    found.append((described, score))
                    whole.append(blob if len(arms) == 1 and len(contacts) <= 1 else np.empty((0, 0)))
        if len(found) == 1 and whole[0].size:
            found = self._one_or_a_pair(whole[0], found, frame_area, family)
        found.sort(key=lambda item: -item[0].blob_area * item[1])
        return found[:2]

    def _gloves_of(self, labels: np.ndarray, stats: np.ndarray, frame_area: float) -> list[np.ndarray]:
        """Label groups of one glove each: in video, joined only into hand-shaped wholes
        (pieces.join_glove_pieces); stills keep hands.join_pieces."""
        if self.independent_frames:
            return handlib.join_pieces(labels, stats, frame_area, pixel_gaps=True)
        return join_glove_pieces(labels, stats, frame_area)

    def _one_or_a_pair(
        self, blob: np.ndarray, found: list[tuple[handlib.HandBlob, float]], frame_area: float, family: str
    ) -> list[tuple[handlib.HandBlob, float]]:
        """The only hand found, from a blob that gave one: its two hands where it holds a pair (else, in a
        still, the blob is kept for `_two_palms`)."""
        holds, seeds = self._names.holds_a_pair(blob)
        if not holds:
            self._lone[family] = blob
            return found
        pair = self._names.pair_of(blob, found[0][1], ENTRY_EDGES[self.camera_view], frame_area, seeds)
        return (self._names.crossed_names(blob, pair) if seeds is None else pair) or found

    def _two_palms(
        self, blob: Optional[np.ndarray], found: list[tuple[handlib.HandBlob, float]], image: WorkingImage
    ) -> list[tuple[handlib.HandBlob, float]]:
        """A still's only hand, from a blob with two palms side by side: its two hands, the pixels nearer
        each palm. Decided after the colour contest, so that splitting a blob in two never makes its
        colour the gloves', and after the sleeves, whose lines tell crossed arms apart better."""
        edges, trainee_edge = ENTRY_EDGES[self.camera_view], TRAINEE_EDGE[self.camera_view]
        palms = None if blob is None else two_palms(blob, trainee_edge, edges)
        if blob is None or palms is None:
            return found
        pair = []
        for part in handlib.split_pair(blob, trainee_edge, palms):
            contacts = handlib.border_contacts(part, edges)
            hand = handlib.describe_hand(part, contacts[0] if contacts else np.empty((0, 2)), trainee_edge)
            if hand is None or hand.blob_area < handlib.MIN_AREA_SHARE * image.hsv[..., 0].size * 0.5:
                return found
            pair.append((hand, PAIR_CONFIDENCE * found[0][1]))
        return pair

    # the naming of split pairs lives in naming.HandNamer; this keeps _hands_of short
    def _tracked_pair(
        self, blob: np.ndarray, contacts: list[np.ndarray], shape: float, image: WorkingImage, family: str
    ) -> list[tuple[handlib.HandBlob, float]]:
        return self._names.tracked_pair(blob, contacts, lambda: shape * _colour_strength(image, blob, family))

    def _learn_hue(
        self, image: WorkingImage, mask: np.ndarray, found: list[tuple[handlib.HandBlob, float]]
    ) -> None:
        hand_pixels = np.zeros(mask.shape, bool)
        for blob_found, _ in found:  # the glove's pixels around its centre, not its edges
            x, y = int(blob_found.centre[0]), int(blob_found.centre[1])
            r = max(2, int(0.4 * math.sqrt(blob_found.area)))
            hand_pixels[max(0, y - r) : y + r + 1, max(0, x - r) : x + r + 1] = True
        self._hue.learn(image.hsv[..., 0][hand_pixels & (mask > 0)])

    def _drape_of(self, image: WorkingImage) -> Optional[DrapeModel]:
        """The drape of this frame; in video, re-estimated every DRAPE_EVERY frames (it lies still)."""
        if self.independent_frames or self._drape_age >= DRAPE_EVERY or self._drape_size != image.size:
            self._drape = find_drape(image.hsv)
            self._drape_age, self._drape_size = 0, image.size
        self._drape_age += 1
        return self._drape

    def provenance(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": GLOVE_TRACKER_VERSION,
            "camera_view": self.camera_view,
            "glove_color_requested": self.glove_color,
            "families": list(self.families),
            "independent_frames": self.independent_frames,
            "gloves_present": self.gloves_present,
            "calibration": self.calibration.as_dict() if self.calibration else None,
            "learnt_hue_band": self._hue.band(),
            "working_long_side": WORKING_LONG_SIDE,
            "frames_processed": self._frames,
            "frames_with_hand": dict(self._frames_with),
            "frames_per_family": dict(self._family_frames),
        }

    def close(self) -> None:
        self._names.reset()

    def __enter__(self) -> GloveTracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _still_of(image: WorkingImage, family: str, still: Optional[StillBackground]) -> Optional[np.ndarray]:
    """The still bench to leave out of a white glove's mask (other families need none)."""
    return still_pixels(image, still) if family == "white" else None


def _blob_of(labels: np.ndarray, group: np.ndarray) -> np.ndarray:
    """The uint8 mask of one group of joined components."""
    if len(group) > 1:
        return np.isin(labels, group).astype(np.uint8)
    return (labels == group[0]).astype(np.uint8)


def _colour_strength(image: WorkingImage, part: np.ndarray, family: str) -> float:
    """How clearly the blob has its family's colour: 0.5-1."""
    inside = part > 0
    if family == "colored":
        saturation = float(np.median(image.hsv[..., 1][inside]))
        return float(np.clip(0.5 + (saturation - 40.0) / 120.0, 0.5, 1.0))
    return 0.8
