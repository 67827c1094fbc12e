"""Which found glove is which hand, frame after frame: names kept by tracks in video, split pairs named.

In video every hand has a track (where it was, how it moved); a hand found near where its track is due
keeps its name (`identity.names_by_tracks`), anatomy names the others (where its arm or its forearm's line
enters the frame). A blob that holds both tracked hands' predicted positions (they met or cross) is split
between them and each part takes its track's name. Hands that met in one blob may cross inside it
unseen: once they part, the first clear frames of where their arms enter name them again (`PairNames`).
A still's blob that holds two hands crossed at the wrists gives each hand the other side's name (each
arm comes in on the other hand's side).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Optional

import cv2
import numpy as np

from skillsight.base.keypoints import HAND_INDIVIDUALS as HAND_NAMES
from skillsight.capture.frames import Frame
from skillsight.pose.trackers.gloves import hands as handlib
from skillsight.pose.trackers.gloves.arm_pairs import close_pair
from skillsight.pose.trackers.gloves.identity import (
    ENTRY_EDGES,
    TRAINEE_EDGE,
    HandTrack,
    arm_entry,
    names_by_side,
    names_by_tracks,
    side_key,
)
from skillsight.pose.trackers.gloves.merged_tracks import kept_on

MIN_REPORTED_CONFIDENCE = 0.3
PAIR_CONFIDENCE = 0.6  # of the blob's score, for each of two hands found by splitting one blob
PAIR_TRACK_MARGIN = 0.25  # of the blob's size: how far outside it a hand's predicted position may lie
MAX_TRACK_GAP_S = 0.5
VELOCITY_MEMORY = 0.5  # share of a track's earlier velocity kept at each frame
# share of a track's velocity kept at each frame while its hand is merged with the other: at full speed,
# tracks of hands that met and held (tying) coasted out of their blob, which was then one hand
MERGED_SLOWING = 0.95

# A pair's names are weighed in frames' worth of clear anatomy: two arms entering this far apart (share of
# the frame width) name their hands clearly, and one frame of it weighs 1
CLEAR_ARMS_APART = 0.25
LINE_ONLY = 0.5  # weight of an arm placed only by its glove's axis line (the sleeve not of its colour)
# anatomy renames two tracked hands once its contrary evidence exceeds all agreeing evidence by this much:
# at least three frames, more where the first frame's arms were clear
RENAME_AFTER = 2.0
# after the hands met in one blob, where they may have crossed unseen: the names swap once contrary
# evidence reaches this much (one clear frame of both arms' entries, two of arms placed by their lines),
# and stand once agreeing evidence does
RENAME_AFTER_MEETING = 0.75
SURE_AFTER_MEETING = 0.75
# agreeing evidence kept at most: names anatomy confirmed for a while can still be revised by it, as
# after a long misreading of the arms, but only over several more frames of clear contrary evidence
EVIDENCE_KEPT = 6.0
# two tracked hands whose left-right order swapped by more than this (hand sizes) crossed
CROSSED_BY = 0.5
# a tracked hand last seen with its centre this near the frame's edge (hand sizes) and then not found left
# the frame (to take an instrument, pull thread); one found this near an edge, or whose arm enters the
# frame, may be one coming back
AT_EDGE = 1.0
GONE_AT_MOST_S = 5.0  # after this long out, a hand found anywhere may be the one that left
PIECE_REACH = 1.5  # hand sizes: how near the staying hand's track a piece of its glove lies
CORNER_ARM = 0.5  # the staying hand's sizes: how near two borders an arm crossing a corner lies

Found = list[tuple[handlib.HandBlob, float]]
Seeds = list[tuple[str, tuple[float, float]]]


@dataclasses.dataclass
class PairNames:
    """How well the two tracked hands' names are settled. Names come from anatomy in one frame (the
    first, or one where the tracks lost the hands), and one frame can misread an arm (an axis read
    backwards, a hand cut in two by an instrument). Each later frame with the hands apart weighs where
    their arms enter for or against the names (`balance`); names anatomy goes on contradicting are
    revised. A crossing seen by the tracks (the hands' left-right order swapped while both were followed)
    settles the names while the hands stay apart: hands that crossed are told apart by their paths, not
    by their arms (floating gloves, or forearms out of view, may point the other way once crossed). Hands
    that met in one blob (`met`) may have crossed back, or not, inside it: which is which is unknown
    there, so the settling ends, and after they part the first clear frames of their arms name them
    (real forearms that cross keep their entries' order, so where the arms do not cross they name
    their hands rightly)."""

    balance: float = 0.0
    crossed: bool = False
    order: int = 0  # the sign of the left hand's x minus the right's, last seen clearly apart; 0: not yet
    unsure: bool = False  # the hands met in one blob since anatomy last confirmed their names

    def restart(self, evidence: float) -> None:
        self.balance, self.crossed, self.order = min(evidence, EVIDENCE_KEPT), False, 0
        self.unsure = False

    def met(self) -> None:
        """The two hands were found in one blob: a crossing seen before no longer settles their names,
        one inside the blob is not seen, and what anatomy said before weighs nothing for after."""
        self.balance, self.crossed, self.order = min(self.balance, 0.0), False, 0
        self.unsure = True

    def saw_order(self, left_minus_right: float, hand_size: float) -> None:
        if abs(left_minus_right) <= CROSSED_BY * hand_size:
            return
        order = 1 if left_minus_right > 0 else -1
        self.crossed = self.crossed or self.order == -order
        self.order = order

    def weigh(self, evidence: float) -> bool:
        """Adds a frame's evidence; whether the names are to be swapped (then the evidence is theirs)."""
        self.balance = min(self.balance + evidence, EVIDENCE_KEPT)
        if self.balance >= SURE_AFTER_MEETING:
            self.unsure = False
        if self.crossed or self.balance > -(RENAME_AFTER_MEETING if self.unsure else RENAME_AFTER):
            return False
        self.balance, self.order = -self.balance, -self.order  # the names, and so the order, swap
        self.unsure = False
        return True


class HandNamer:
    """Names the hands a glove tracker finds; in video, keeps a track per hand."""

    def __init__(self, camera_view: str, independent_frames: bool) -> None:
        self.camera_view = camera_view
        self.independent_frames = independent_frames
        self.tracks: dict[str, HandTrack] = {}
        self.pair = PairNames()
        self.frame = Frame(0, 0.0, np.zeros((1, 1, 3), np.uint8))  # the frame being processed
        self._merged: Optional[np.ndarray] = None  # this frame's blob of both hands (filled), split by tracks
        self.gone: dict[str, float] = {}  # hands that left the frame by its edge: when last seen
        self._last_sizes: dict[str, float] = {}  # per hand, its size (root of its area) when last found

    def reset(self) -> None:
        self.tracks.clear()
        self.pair = PairNames()
        self._merged = None
        self.gone.clear()

    def admitted(self, found: Found, size: tuple[int, int], frame: Frame) -> Found:
        """Video: while one hand is out of the frame (last seen at its edge, then not found) and the other
        is tracked, a hand comes back only across the edge. A second hand found beside the staying one
        (within `PIECE_REACH` of its track), away from every edge and with no arm entering the frame, is a
        piece of the staying glove (cut off by an instrument, a fold or a shadow), not the hand that left;
        the hand nearest the staying one's track is that one. Far from it, the staying "hand" may be what
        is wrong (a sleeve), so a hand found there stays. A hand out by a side border still has its arm
        running to the body below the frame: a piece in a corner of the frame, its centre within half the
        staying hand's size of both borders, is that arm (a sleeve of the glove's colour), not the hand
        coming back (which comes in beyond it)."""
        for hand, seen_s in list(self.gone.items()):
            if frame.time_s - seen_s > GONE_AT_MOST_S:
                del self.gone[hand]
        if self.independent_frames or not self.gone or len(self.tracks) != 1 or len(found) < 2:
            return found
        hand, track = next(iter(self.tracks.items()))
        staying = track.predicted(frame.index)
        nearest = min(range(len(found)), key=lambda i: math.dist(found[i][0].centre, staying))
        reach = PIECE_REACH * self._last_sizes.get(hand, 0.0)  # a piece lies beside the glove it came from

        def piece(blob: handlib.HandBlob) -> bool:
            if _in_corner(blob.centre, size, CORNER_ARM * self._last_sizes.get(hand, 0.0)):
                return True
            return math.dist(blob.centre, staying) <= reach and not _at_edge(blob, size)

        return [item for i, item in enumerate(found) if i == nearest or not piece(item[0])]

    def _note_gone(self, frame: Frame, size: tuple[int, int]) -> None:
        """Tracked hands not found this frame whose last place was at the frame's edge left the frame:
        their tracks end (a track coasting beyond the edge would split the staying hand's blob)."""
        for hand, track in list(self.tracks.items()):
            if track.frame_index < frame.index and hand in self._last_sizes:
                (x, y), width, height = track.position, size[0], size[1]
                if min(x, y, width - 1 - x, height - 1 - y) <= AT_EDGE * self._last_sizes[hand]:
                    self.gone[hand] = track.time_s
                    del self.tracks[hand]

    def identify(self, found: Found, size: tuple[int, int], frame: Frame) -> list[str]:
        for hand in list(self.tracks):
            if frame.time_s - self.tracks[hand].time_s > MAX_TRACK_GAP_S:
                del self.tracks[hand]
        blobs = [b for b, _ in found]
        if self.independent_frames and not close_pair(blobs):  # apart, each hand lies on its own arm's side
            keys = [side_key(b.entry, b.centre, size) for b in blobs]
        else:  # a glove inside the frame is named by where its forearm's line enters
            keys = [side_key(arm_entry(b.entry, b.tip, b.angle_deg, size), b.centre, size) for b in blobs]
        anatomy = names_by_side(keys, size, self.camera_view) if blobs else []
        names = anatomy
        if blobs and all(b.named for b in blobs):  # one blob's two hands, known apart (tracks, crossing)
            names = [str(b.named) for b in blobs]
        elif blobs and self.tracks:  # video: hands keep their names from frame to frame
            predictions = {hand: t.predicted(frame.index) for hand, t in self.tracks.items()}
            tracked = names_by_tracks([b.centre for b in blobs], anatomy, predictions, size)
            # names_by_tracks hands back anatomy's own list where it does not trust the tracks
            if len(set(tracked)) == len(tracked) and tracked is not anatomy:
                names = self._settled(blobs, keys, anatomy, tracked, size)
        if len(blobs) == 2 and names is anatomy and not self.independent_frames:
            self.pair.restart(_evidence(blobs, keys, anatomy, anatomy, size[0]))  # named afresh
        if not self.independent_frames and self._in_one_blob(blobs, frame):
            self.pair.met()
        for blob, hand in zip(blobs, names):
            self.gone.pop(hand, None)
            self._last_sizes[hand] = math.sqrt(blob.area)
            self.tracks[hand] = followed(self.tracks.get(hand), blob, frame)
            if blob.named and self._merged is not None:  # a merged hand's track stays near its blob
                limit = 0.5 * PAIR_TRACK_MARGIN * math.sqrt(float(np.count_nonzero(self._merged)))
                self.tracks[hand] = kept_on(self.tracks[hand], blob.centre, self._merged, limit)
        self._merged = None
        if not self.independent_frames:
            self._note_gone(frame, size)
        return names

    def _in_one_blob(self, blobs: list[handlib.HandBlob], frame: Frame) -> bool:
        """Whether both tracked hands are in one blob this frame, or may be: split from it by their
        tracks, two hands found touching (a blob split by its shape), or one hand found where both are
        due."""
        if any(b.named for b in blobs) or close_pair(blobs):
            return True
        if len(blobs) != 1 or len(self.tracks) < 2:
            return False
        reach = math.sqrt(blobs[0].blob_area)
        due = [t.predicted(frame.index) for t in self.tracks.values()]
        return all(math.dist(blobs[0].centre, point) <= reach for point in due)

    def _settled(
        self,
        blobs: list[handlib.HandBlob],
        keys: list[float],
        anatomy: list[str],
        tracked: list[str],
        size: tuple[int, int],
    ) -> list[str]:
        """Two hands' tracked names, weighed against where their arms enter (`PairNames`): the tracks'
        names, or anatomy's where it has said otherwise clearly for several frames and no crossing
        vouches for the tracks. The tracks swap with their names."""
        if len(blobs) != 2 or set(tracked) != set(HAND_NAMES):
            return tracked
        left, right = (blobs[tracked.index(hand)] for hand in HAND_NAMES)
        self.pair.saw_order(left.centre[0] - right.centre[0], math.sqrt(0.5 * (left.area + right.area)))
        if close_pair(blobs) or _arms_cross(blobs, size):  # which arm is whose is what is unknown there
            return tracked
        if not self.pair.weigh(_evidence(blobs, keys, anatomy, tracked, size[0])):
            return tracked
        first, second = HAND_NAMES
        if first in self.tracks and second in self.tracks:
            self.tracks[first], self.tracks[second] = self.tracks[second], self.tracks[first]
        return list(anatomy)  # a copy: the names were weighed, not given afresh

    def holds_a_pair(self, blob: np.ndarray) -> tuple[bool, Optional[Seeds]]:
        """Whether the only blob of its colour holds both hands, and where they are expected. In video,
        where both hands were tracked a moment ago and both are predicted on this blob (they met), and it
        enters the frame at one place at most (two arms entering apart are split at their entries; two
        side by side enter as one); a still has only the blob's shape."""
        if self.independent_frames:
            return handlib.two_hands_in_one(blob, TRAINEE_EDGE[self.camera_view]), None
        frame = self.frame
        recent = [
            (hand, t.predicted(frame.index))
            for hand, t in self.tracks.items()
            if frame.time_s - t.time_s <= MAX_TRACK_GAP_S
        ]
        if len(recent) < 2:
            return False, None
        height, width = blob.shape
        margin = PAIR_TRACK_MARGIN * math.sqrt(float(np.count_nonzero(blob)))
        x0, y0, w, h = cv2.boundingRect(blob)
        for _, (x, y) in recent:  # cheap first: each predicted position near the blob's box
            if not (x0 - margin <= x <= x0 + w + margin and y0 - margin <= y <= y0 + h + margin):
                return False, None
        outside = cv2.distanceTransform((handlib.fill_holes(blob) == 0).astype(np.uint8), cv2.DIST_L2, 3)
        for _, (x, y) in recent:
            column, row = int(np.clip(x, 0, width - 1)), int(np.clip(y, 0, height - 1))
            if outside[row, column] > margin:
                return False, None
        return True, recent

    def tracked_pair(
        self, blob: np.ndarray, contacts: list[np.ndarray], score_of: Callable[[], float]
    ) -> Found:
        """In video, a blob entering at one place at most that holds both tracked hands' predicted
        positions: its two hands, split between where they are due (the tracks know better than the
        blob's shape which part is which hand as they cross); else none. `score_of`: the blob's score."""
        if self.independent_frames or len(contacts) > 1 or len(self.tracks) < 2:
            return []
        holds, seeds = self.holds_a_pair(blob)
        if not holds:
            return []
        score = score_of()
        if score < MIN_REPORTED_CONFIDENCE:
            return []
        entry_edges = ENTRY_EDGES[self.camera_view]
        return self.pair_of(blob, score, entry_edges, float(blob.size), seeds)

    def pair_of(
        self,
        blob: np.ndarray,
        score: float,
        entry_edges: tuple[str, ...],
        frame_area: float,
        seeds: Optional[Seeds],
    ) -> Found:
        """The two hands of a blob that is the only one of its colour and looks like two touching or
        crossed hands (gloves are a pair); each less sure than a hand seen on its own. Empty where a part
        is too small to be a hand."""
        trainee_edge = TRAINEE_EDGE[self.camera_view]
        pair: Found = []
        points = [point for _, point in seeds] if seeds is not None else None
        for part in handlib.split_pair(blob, trainee_edge, points):
            contacts = handlib.border_contacts(part, entry_edges)
            contact = contacts[0] if contacts else np.empty((0, 2))
            described = handlib.describe_hand(part, contact, trainee_edge)
            if described is None or described.blob_area < handlib.MIN_AREA_SHARE * frame_area * 0.5:
                return []
            if seeds is not None:
                described = dataclasses.replace(described, named=seeds[len(pair)][0])
            pair.append((described, PAIR_CONFIDENCE * score))
        if len(pair) == 2 and seeds is not None:
            self._merged = handlib.fill_holes(blob)
        return pair if len(pair) == 2 else []

    def crossed_names(self, blob: np.ndarray, pair: Found) -> Found:
        """A still's two hands split from one blob (image-left part first): where they are crossed at the
        wrists, each arm comes in on the other hand's side, so each hand takes the other side's name."""
        if len(pair) != 2 or handlib.pair_in_one(blob, TRAINEE_EDGE[self.camera_view]) != "crossed":
            return pair
        height, width = blob.shape
        names = names_by_side([1.0, 0.0], (width, height), self.camera_view)
        return [(dataclasses.replace(hand, named=name), score) for (hand, score), name in zip(pair, names)]


def _in_corner(point: tuple[float, float], size: tuple[int, int], reach: float) -> bool:
    """Whether a point lies within `reach` of two borders that meet (a corner of the frame)."""
    (x, y), (width, height) = point, size
    return min(x, width - 1 - x) <= reach and min(y, height - 1 - y) <= reach


def _at_edge(blob: handlib.HandBlob, size: tuple[int, int]) -> bool:
    """Whether a hand's arm enters the frame, or its centre lies within a hand's size of an edge."""
    if blob.entry is not None:
        return True
    (x, y), (width, height) = blob.centre, size
    return min(x, y, width - 1 - x, height - 1 - y) <= AT_EDGE * math.sqrt(blob.area)


def _evidence(
    blobs: list[handlib.HandBlob], keys: list[float], anatomy: list[str], names: list[str], width: int
) -> float:
    """One frame's evidence for two hands' names from where their arms enter: +1 for arms clearly apart
    on the names' sides, -1 for the other way round, less for arms nearer each other or placed only by
    their axis lines."""
    clearness = min(abs(keys[0] - keys[1]) / (CLEAR_ARMS_APART * width), 1.0)
    weight = 1.0 if all(b.entry is not None for b in blobs) else LINE_ONLY
    return weight * clearness * (1.0 if anatomy == names else -1.0)


def _arms_cross(blobs: list[handlib.HandBlob], size: tuple[int, int]) -> bool:
    """Whether two hands' forearms (each from the hand's centre to where its arm enters the frame) cross:
    arms crossed at the wrists, or one blob of both arms split between them by a guess. Either way the
    frame cannot say which arm is whose."""
    ends = [arm_entry(b.entry, b.tip, b.angle_deg, size) for b in blobs]
    if ends[0] is None or ends[1] is None:
        return False
    (p, p_end), (q, q_end) = (blobs[0].centre, ends[0]), (blobs[1].centre, ends[1])

    def turn(a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]) -> float:
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])

    return turn(p, p_end, q) * turn(p, p_end, q_end) < 0 and turn(q, q_end, p) * turn(q, q_end, p_end) < 0


def followed(previous: Optional[HandTrack], blob: handlib.HandBlob, frame: Frame) -> HandTrack:
    """A hand's track after this frame. Where its blob merged with the other hand's, the part's centre
    is pulled towards the other's: the hand keeps moving as it did (each is looked for beyond the
    other as they cross) until they part."""
    if previous is None or frame.index <= previous.frame_index:
        return HandTrack(blob.centre, (0.0, 0.0), frame.index, frame.time_s)
    if blob.named:  # in video only the tracks name a part
        # a hand hidden in the merged blob stays in it: its coasting slows a little while the pair
        # stays merged (a hold while tying), so both stay predicted on the blob until they part
        slowed = (MERGED_SLOWING * previous.velocity[0], MERGED_SLOWING * previous.velocity[1])
        return HandTrack(previous.predicted(frame.index), slowed, frame.index, frame.time_s)
    steps = frame.index - previous.frame_index
    # part of the last step, part of the earlier ones: one frame whose centre jumped (hands that met
    # or parted, a blob cut by an instrument) does not send the prediction off
    keep = VELOCITY_MEMORY
    velocity = (
        keep * previous.velocity[0] + (1 - keep) * (blob.centre[0] - previous.position[0]) / steps,
        keep * previous.velocity[1] + (1 - keep) * (blob.centre[1] - previous.position[1]) / steps,
    )
    return HandTrack(blob.centre, velocity, frame.index, frame.time_s)
