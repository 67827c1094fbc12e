"""Sleeves and gloves of two colours: which family's "hand" is a sleeve whose glove lies beyond it.

From above, an arm is sleeve, cuff and glove, and only the glove's colour is the gloves'. A coloured
"hand" whose far end runs into a blob of another glove family of a glove's size is a sleeve (scrubs
over white latex, a gown over skin-tone latex); arms entering as one blob (crossed sleeves) are one
garment (which glove a sleeve leads to: arm_pairs).
"""

from __future__ import annotations

import math
from typing import Optional

import cv2
import numpy as np

from skillsight.pose.trackers.gloves import hands as handlib

SLEEVE_REACH = 2.0  # hand sizes from a sleeve's end to the centre of the glove it runs into (as arm_pairs)
MAX_GLOVE_TO_SLEEVE = 4.0  # a glove beyond a sleeve is at most this many times the sleeve's hand part
# ... and its whole blob at least this share of it: a glove is a hand, and a sleeve's hand part is about a
# hand's size (a lit pad piece or an instrument's white lines at a glove's fingertips are far smaller)
MIN_GLOVE_TO_SLEEVE = 0.25
SLEEVE_END_SHARE = 0.1  # of the window beyond a blob's far end covered by another family: a sleeve
# seen from above, a hand turns from its forearm's line by its wrist's sideways bend (under about 45
# degrees): a glove a sleeve ends at lies within this angle of the sleeve's line, seen from its far end
MAX_TURN_AT_WRIST_DEG = 60.0


def runs_into(
    blob: handlib.HandBlob,
    other_masks: dict[str, np.ndarray],
    found_by: dict[str, list[tuple[handlib.HandBlob, float]]],
    own_mask: Optional[np.ndarray] = None,
) -> bool:
    """Whether another family's hand-like blob (`other_masks` hold each blob's area on its pixels) lies at
    this one's far end (just beyond its tip): the arm goes on in another colour, so this blob is a sleeve
    or cuff and the hand lies beyond. White pad, card and paper lie at a glove's fingertips on every
    bench: a white blob there makes the glove a sleeve only where it is a glove's size (not a pad's) or
    shows a white hand within reach."""
    if blob.entry is None:
        return False
    radius = max(2, int(0.5 * math.sqrt(blob.area)))
    angle = math.radians(blob.angle_deg)
    x = int(round(blob.tip[0] + 0.5 * radius * math.cos(angle)))
    y = int(round(blob.tip[1] + 0.5 * radius * math.sin(angle)))
    window = (slice(max(0, y - radius), y + radius + 1), slice(max(0, x - radius), x + radius + 1))
    beyond = set() if own_mask is None else _met_beyond(blob, own_mask, _gloves_only(other_masks, found_by))
    for family, mask in other_masks.items():
        # an arm's size, not an instrument's or a highlight's: the blob beyond is at least half this hand,
        # a white one a whole hand (as in _met_beyond: a lit patch of the pad or an instrument's white
        # lines at a coloured glove's fingers are smaller than the glove)
        smallest = blob.area if family == "white" else 0.5 * blob.area
        at_tip = mask[window].size and float(np.mean(mask[window] >= smallest)) >= SLEEVE_END_SHARE
        if not at_tip and family not in beyond:
            continue
        hands = [h for h, _ in found_by.get(family, [])]
        hand_sized = float(np.mean(mask[window] > MAX_GLOVE_TO_SLEEVE * blob.area)) < SLEEVE_END_SHARE
        if family != "white" or hand_sized or any(_within_reach(blob.tip, h) for h in hands):
            return True
    return False


def contest_total(
    hands: list[tuple[handlib.HandBlob, float]],
    family: str,
    found_by: dict[str, list[tuple[handlib.HandBlob, float]]],
    masks: Optional[dict[str, np.ndarray]] = None,
) -> tuple[list[tuple[handlib.HandBlob, float]], float]:
    """`family`'s hands in the colour contest (video and stills), and what they weigh there. A sleeve is
    a garment ending at a glove, so it cannot outscore the glove it ends at (`gloves_at_end`): where every
    "hand" of the family ends at another family's hand, they are sleeves (no hands). Two sleeves need two
    gloves: two hands that end at one hand only, whose blob could not hold both gloves, stay hands (white
    pad seen between crossed gloves' fingers). Where only some end at one, they stay hands too (a white
    piece at one glove's fingers, the other glove ending on the bench)."""
    crossed = _crossed(hands, masks[family]) if masks is not None else [False] * len(hands)
    ends = [gloves_at_end(hand, family, found_by, masks, not c) for (hand, _), c in zip(hands, crossed)]
    if hands and all(ends) and _a_glove_each(hands, ends):
        return [], 0.0
    return hands, sum(score for _, score in hands)


def _a_glove_each(hands: list[tuple[handlib.HandBlob, float]], ends: list[list[handlib.HandBlob]]) -> bool:
    """Whether two sleeves end at two gloves: different ones, or one blob large enough for both (a pair
    merged into one blob). One sleeve needs one glove."""
    if len(hands) != 2:
        return True
    if any(a is not b for a in ends[0] for b in ends[1]):
        return True
    both = hands[0][0].area + hands[1][0].area
    return any(glove.blob_area >= both for glove in ends[0])


def gloves_at_end(
    blob: handlib.HandBlob,
    family: str,
    found_by: dict[str, list[tuple[handlib.HandBlob, float]]],
    masks: Optional[dict[str, np.ndarray]] = None,
    on_its_line: bool = True,
) -> list[handlib.HandBlob]:
    """The hands of other families that this "hand", entering the frame, ends at: ones lying inside the
    frame (entering nowhere: their arm is this blob), ahead of this one's centre (away from where it
    enters) and on its line beyond its far end (`_on_the_line`), of a hand's size (MIN_GLOVE_TO_SLEEVE),
    within a sleeve's reach of its far end or
    centre (crossed sleeves, split where they cross, may not end where their parts' tips point; a glove
    split by its shading is smaller than the sleeve, whose size then sets the reach)."""
    if blob.entry is None:
        return []
    axis = np.subtract(blob.centre, blob.entry, dtype=float)
    axis /= max(float(np.linalg.norm(axis)), 1e-6)
    gloves = []
    for other, found in found_by.items():
        for hand, _ in found if other != family else []:
            reach = SLEEVE_REACH * math.sqrt(max(hand.area, blob.area))
            near = min(math.dist(blob.tip, hand.centre), math.dist(blob.centre, hand.centre)) <= reach
            if not near and masks is not None and other in masks:  # a glove found at its fingers only
                near = _gap_to_blob(blob.tip, hand.centre, masks[other]) <= math.sqrt(blob.area)
            ahead = float(np.dot(np.subtract(hand.centre, blob.centre), axis)) > 0
            ahead &= not on_its_line or _on_the_line(blob, hand.centre, axis)
            hand_sized = hand.blob_area >= MIN_GLOVE_TO_SLEEVE * blob.area
            if hand.entry is None and near and ahead and hand_sized:
                gloves.append(hand)
    return gloves


def _crossed(hands: list[tuple[handlib.HandBlob, float]], mask: np.ndarray) -> list[bool]:
    """Which hands enter as one blob with another (crossed sleeves, split where they cross: their far ends
    are where the split fell, not where the arm ends)."""
    _, labels = cv2.connectedComponents((mask > 0).astype(np.uint8), connectivity=8)
    blobs = [_label_near(labels, hand.entry) for hand, _ in hands]
    return [b != 0 and blobs.count(b) > 1 for b in blobs]


def _label_near(labels: np.ndarray, point: Optional[tuple[float, float]]) -> int:
    """The blob label at `point` (its 5x5 neighbourhood: an entry lies on the blob's rim); 0 for none."""
    if point is None:
        return 0
    height, width = labels.shape
    x, y = int(np.clip(point[0], 0, width - 1)), int(np.clip(point[1], 0, height - 1))
    return int(labels[max(0, y - 2) : y + 3, max(0, x - 2) : x + 3].max())


def _gap_to_blob(point: tuple[float, float], centre: tuple[float, float], mask: np.ndarray) -> float:
    """Working pixels from `point` to the nearest pixel of the blob of `mask` holding `centre` (inf: none)."""
    _, labels = cv2.connectedComponents((mask > 0).astype(np.uint8), connectivity=8)
    label = _label_near(labels, centre)
    if label == 0:
        return math.inf
    ys, xs = np.nonzero(labels == label)
    return float(np.sqrt(np.min((xs - point[0]) ** 2 + (ys - point[1]) ** 2)))


def _on_the_line(blob: handlib.HandBlob, point: tuple[float, float], axis: np.ndarray) -> bool:
    """Whether `point` lies within MAX_TURN_AT_WRIST_DEG of the arm's line beyond its far end: where its
    glove goes on (white pad beside a coloured glove's fingers lies off it)."""
    offset = np.subtract(point, blob.tip, dtype=float)
    along = float(np.dot(offset, axis))
    across = abs(float(offset[0] * axis[1] - offset[1] * axis[0]))
    return along > 0 and across <= math.tan(math.radians(MAX_TURN_AT_WRIST_DEG)) * along


def of_one_garment(
    hands: list[tuple[handlib.HandBlob, float]], sleeves: list[bool], mask: np.ndarray
) -> list[bool]:
    """Arms that enter as one blob (crossed sleeves) are of one garment: where one of them runs into a
    glove of another colour, the other is a sleeve too (its own end, where the crossing was cut, may
    not reach the glove)."""
    if not any(sleeves) or all(sleeves):
        return sleeves
    _, labels = cv2.connectedComponents((mask > 0).astype(np.uint8), connectivity=8)
    of_sleeves = {_label_near(labels, h.entry) for (h, _), sleeve in zip(hands, sleeves) if sleeve} - {0}
    return [sleeve or _label_near(labels, h.entry) in of_sleeves for (h, _), sleeve in zip(hands, sleeves)]


def _met_beyond(blob: handlib.HandBlob, own_mask: np.ndarray, other_masks: dict[str, np.ndarray]) -> set[str]:
    """The families whose hand-like blobs of a glove's size (half to MAX_GLOVE_TO_SLEEVE
    times this hand) touch this hand's whole blob mostly beyond its centre, away from where it enters:
    its arm goes on there in another colour (crossed sleeves, split where they cross, may not end where
    their parts' tips do)."""
    if blob.entry is None:
        return set()
    height, width = own_mask.shape
    x, y = int(np.clip(blob.entry[0], 0, width - 1)), int(np.clip(blob.entry[1], 0, height - 1))
    _, labels = cv2.connectedComponents((own_mask > 0).astype(np.uint8), connectivity=8)
    label = labels[max(0, y - 2) : y + 3, max(0, x - 2) : x + 3].max()
    if label == 0:
        return set()
    mine = (labels == label).astype(np.uint8)
    rim = (cv2.dilate(mine, np.ones((5, 5), np.uint8)) > 0) & (mine == 0)
    axis = np.subtract(blob.centre, blob.entry)
    axis /= max(float(np.linalg.norm(axis)), 1e-6)
    met = set()
    for family, mask in other_masks.items():
        # a white glove beyond its sleeve is a whole hand at least (instruments' white lines and pad
        # pieces at a coloured glove's fingers are smaller than the glove)
        smallest = blob.area if family == "white" else 0.5 * blob.area
        glove_sized = (mask >= smallest) & (mask <= MAX_GLOVE_TO_SLEEVE * blob.area)
        ys, xs = np.nonzero(rim & glove_sized)
        if len(xs) < 0.2 * math.sqrt(blob.area):
            continue  # a corner touched, not an arm going on
        ahead = (xs - blob.centre[0]) * axis[0] + (ys - blob.centre[1]) * axis[1] > 0
        if float(np.mean(ahead)) >= 0.5:
            met.add(family)
    return met


def _gloves_only(
    masks: dict[str, np.ndarray], found_by: dict[str, list[tuple[handlib.HandBlob, float]]]
) -> dict[str, np.ndarray]:
    """The hand-like masks, the white one kept only in blobs that hold a white hand entering the frame
    nowhere (its arm is the sleeve it meets): white pad, card and paper lie beside a glove's hand on every
    bench and, cut by it, may pass as hand-like, but hold no such hand (a pad piece touches the border
    or is flat, and a glove found inside the frame is what a crossed white glove beyond its sleeve is)."""
    if "white" not in masks:
        return masks
    white = masks["white"]
    centres = [h.centre for h, _ in found_by.get("white", []) if h.entry is None]
    n, labels = cv2.connectedComponents((white > 0).astype(np.uint8), connectivity=8)
    height, width = white.shape
    held = {int(labels[min(height - 1, int(y)), min(width - 1, int(x))]) for x, y in centres}
    held.discard(0)
    kept = dict(masks)
    kept["white"] = np.where(np.isin(labels, list(held)), white, 0).astype(white.dtype)
    return kept


def _within_reach(point: tuple[float, float], hand: handlib.HandBlob) -> bool:
    return math.dist(point, hand.centre) <= SLEEVE_REACH * math.sqrt(hand.area)
