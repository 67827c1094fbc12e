"""Arms lying along a border: where they enter, and strips along a border with no hand.

A hand reaching in close to a side lays its forearm along that border (from above: a straight strip,
cut squarely where it leaves the frame, with the hand at its inner end). Its blob then touches the
border where the sleeve leaves the frame and again where the cuff or the side of the hand grazes it,
and two contacts would read as two arms entering (two hands touching). Two arms that enter apart leave
the border free between them, and both run into the frame; one arm lying along it keeps within a
fraction of its width of the border all the way between its contacts. Of such contacts, the arm
enters where it crosses the border, not where it runs beside it; a glove whose only contact is such a
graze (its sleeve, of another colour, came in elsewhere) is read as one inside the frame, so that its
hand point lies at its fingers, not on its cuff. A strip of even width with a square free end lying
along a border (a sleeve on the bench, a drape's hem) holds no hand."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import cv2
import numpy as np

from skillsight.pose.trackers.gloves.hands import TOWARD_EDGE, HandBlob, describe_hand

HUG_SHARE = 0.9  # of the border between two contacts lying this near the blob: one arm along the border
CROSSING = 0.5  # |cos| between the arm's axis and the border's normal: the arm runs into the frame there
GRAZE = 0.3  # |cos| under which the blob lies along the border where it touches it: no arm enters there
GRAZE_ELONGATION = 2.0  # main / cross axis (standard deviations) of a blob lying along a border
STRIP_WIDTH_SPREAD = 0.2  # of its median width: a bare strip's width keeps this near a line to its square end
STRIP_ENTRY_SKIP = 0.15  # of its length, at the border end (cut obliquely by the frame)
STRIP_MIN_LENGTH_WIDTHS = 2.5
_NORMALS = {"top": (0.0, 1.0), "bottom": (0.0, 1.0), "left": (1.0, 0.0), "right": (1.0, 0.0)}
HUG_BAND = 0.25  # of the wider contact's run (about an arm's width): how near the blob keeps to the border


@dataclass(frozen=True)
class _Shape:
    """A blob's centre, main axis and spread along and across it (from its image moments: cheap)."""

    axis: np.ndarray
    major: float  # variance along the main axis
    minor: float
    box: tuple[int, int, int, int]  # x, y, width, height

    @classmethod
    def of(cls, blob: np.ndarray) -> _Shape:
        m = cv2.moments(blob, binaryImage=True)
        area = max(m["m00"], 1.0)
        covariance = np.array([[m["mu20"], m["mu11"]], [m["mu11"], m["mu02"]]]) / area
        values, vectors = np.linalg.eigh(covariance)
        x, y, w, h = cv2.boundingRect(blob)
        return cls(vectors[:, -1], float(values[-1]), float(max(values[0], 1e-6)), (x, y, w, h))

    def elongated(self, ratio: float = GRAZE_ELONGATION) -> bool:
        """Long and narrow (an arm, a strip), not as wide as long (two hands side by side, a V of arms)."""
        return self.major >= ratio**2 * self.minor

    def crossing(self, run: np.ndarray, shape: tuple[int, ...]) -> float:
        """How squarely the blob runs into the frame at this run: |cos| between its main axis and the
        border's normal (1: straight in; 0: along the border, as an arm beside the border lies where it
        grazes it); a run round a corner lies on two borders, and the blob may run in across either."""
        return max(abs(float(np.dot(self.axis, _NORMALS[edge]))) for edge in _edges_of(run, shape))


def merge_arm_along_border(
    blob: np.ndarray, contacts: list[np.ndarray], trainee_edge: str = "bottom"
) -> list[np.ndarray]:
    """`contacts` (runs of the blob along the entry borders, `hands.border_contacts`) with those of one
    arm lying along a border reduced to the one where the arm crosses the border, and those where the
    blob only grazes the border left out."""
    if not contacts:
        return contacts
    shape = _Shape.of(blob)
    merged = [contacts[0]]
    distance: Optional[np.ndarray] = None
    for run in contacts[1:]:
        previous = merged[-1]
        # two arms that both run into the frame are two, however near; one arm lying along the border
        # runs beside it at one of its contacts at least
        crossing = [shape.crossing(r, blob.shape) for r in (previous, run)]
        if min(crossing) < CROSSING and shape.elongated():
            if distance is None:
                distance = cv2.distanceTransform((blob == 0).astype(np.uint8), cv2.DIST_L2, 3)
            if _hugged_between(distance, previous, run):
                merged[-1] = _entry_of(previous, run, crossing, trainee_edge)
                continue
        merged.append(run)
    # where the blob (one arm: two contacts apart are two arms) only runs beside the border, its arm came
    # in elsewhere (a sleeve of another colour beyond its cuff): no entry there, the glove is read as
    # one inside the frame
    if len(merged) == 1 and _grazes(shape, merged[0], blob.shape):
        return []
    return merged


def _grazes(shape: _Shape, run: np.ndarray, frame: tuple[int, ...]) -> bool:
    """Whether the blob only grazes the border at this run: it is long (GRAZE_ELONGATION), lies along
    the border (its main axis within GRAZE of parallel) and touches it along less than half its extent
    there (a sleeve cut by the border, or two crossed sleeves, touch it across most of theirs)."""
    if shape.crossing(run, frame) >= GRAZE or not shape.elongated():
        return False
    along = 0 if _edge_of(run, frame) in ("top", "bottom") else 1
    extent = float(shape.box[2 + along])
    return _run_length(run) + 1.0 < 0.5 * extent


def _entry_of(a: np.ndarray, b: np.ndarray, crossing: list[float], trainee_edge: str) -> np.ndarray:
    """Of two contacts of one arm, where it enters: where it crosses the border; where it crosses at
    neither (its sleeve, of another colour, goes on), the one nearer the trainee, whose arms come from
    their side."""
    if max(crossing) >= CROSSING:
        return a if crossing[0] >= crossing[1] else b
    toward = np.array(TOWARD_EDGE.get(trainee_edge, (0.0, 1.0)))
    return a if float(a.mean(axis=0) @ toward) >= float(b.mean(axis=0) @ toward) else b


def _hugged_between(distance: np.ndarray, a: np.ndarray, b: np.ndarray) -> bool:
    """Whether the blob stays near the border all along between runs a and b of one edge."""
    edge_a, edge_b = _edge_of(a, distance.shape), _edge_of(b, distance.shape)
    if edge_a != edge_b:
        return False
    height, width = distance.shape
    along = 0 if edge_a in ("top", "bottom") else 1
    fixed = {"top": 0, "bottom": height - 1, "left": 0, "right": width - 1}[edge_a]
    ends_a, ends_b = (r[r[:, 1 - along] == fixed, along] for r in (a, b))
    if not len(ends_a) or not len(ends_b):
        return False
    if float(ends_a.max()) < float(ends_b.min()):
        low, high = float(ends_a.max()), float(ends_b.min())
    else:
        low, high = float(ends_b.max()), float(ends_a.min())
    steps = np.arange(int(low) + 1, int(high))
    if len(steps) < 2:
        return True
    gap = distance[fixed, steps] if along == 0 else distance[steps, fixed]
    band = max(3.0, HUG_BAND * max(_run_length(a), _run_length(b)))
    return bool(np.mean(gap <= band) >= HUG_SHARE)


def _counts_by_edge(run: np.ndarray, shape: tuple[int, ...]) -> dict[str, int]:
    height, width = shape[:2]
    xs, ys = run[:, 0], run[:, 1]
    return {
        "left": int(np.sum(xs <= 0)),
        "right": int(np.sum(xs >= width - 1)),
        "top": int(np.sum(ys <= 0)),
        "bottom": int(np.sum(ys >= height - 1)),
    }


def _edge_of(run: np.ndarray, shape: tuple[int, ...]) -> str:
    """The border most of the run lies on."""
    counts = _counts_by_edge(run, shape)
    return max(counts, key=lambda edge: counts[edge])


def _edges_of(run: np.ndarray, shape: tuple[int, ...]) -> list[str]:
    """The borders the run lies on (two where it turns a corner)."""
    return [edge for edge, count in _counts_by_edge(run, shape).items() if count >= 2] or [
        _edge_of(run, shape)
    ]


def _run_length(run: np.ndarray) -> float:
    return math.dist(run[0], run[-1])


def bare_strip(blob: np.ndarray, contacts: list[np.ndarray]) -> bool:
    """Whether a blob entering at one border is a straight strip of even width with a square free end
    (a sleeve lying on the bench, a drape's hem), with no hand at its end: from where it enters to its
    far end its width across its main axis keeps to a straight line within STRIP_WIDTH_SPREAD of its
    median, where a gloved hand widens at the palm and thumb and narrows to the fingertips."""
    if len(contacts) != 1:
        return False
    shape = _Shape.of(blob)
    if not shape.elongated(STRIP_MIN_LENGTH_WIDTHS):
        return False  # not much longer than wide: no strip
    x, y, w, h = shape.box
    ys, xs = np.nonzero(blob[y : y + h, x : x + w])
    if len(xs) < 50:
        return False
    points = np.column_stack([xs + x, ys + y]).astype(np.float64)
    centre = points.mean(axis=0)
    axis = shape.axis if float(np.dot(contacts[0].mean(axis=0) - centre, shape.axis)) <= 0 else -shape.axis
    along = np.floor((points - centre) @ axis).astype(
        int
    )  # (rounding halves to even empties every other bin)
    widths = np.bincount(along - along.min()).astype(np.float64)  # from the entry towards the far end
    n = len(widths)
    median = float(np.median(widths))
    if n < 3 * STRIP_MIN_LENGTH_WIDTHS:
        return False
    # the end at the border may be cut obliquely; the far end is what tells a hand. A strip tilted a
    # little out of the frame narrows evenly: its width keeps to a straight line, not to a constant
    inner = widths[int(STRIP_ENTRY_SKIP * n) : n - 1]
    steps = np.arange(len(inner), dtype=np.float64)
    line = np.polyval(np.polyfit(steps, inner, 1), steps)
    return bool(np.all(np.abs(inner - line) <= STRIP_WIDTH_SPREAD * median))


def sleeve_line(blob: np.ndarray, contacts: list[np.ndarray], trainee_edge: str) -> list[HandBlob]:
    """A blob with no hand at its end that enters the frame at one place and runs straight into it, much
    longer than wide (a sleeve of another colour than the gloves, square or of even width, which is no
    hand): its arm's line, from where it enters to its far end, as a hand-less arm (none otherwise). A
    glove beyond it lies on that line (crossed arms: arm_pairs). A strip lying along the border (a table
    edge, a hem) does not run into the frame."""
    if len(contacts) != 1:
        return []
    shape = _Shape.of(blob)
    if not shape.elongated(STRIP_MIN_LENGTH_WIDTHS) or shape.crossing(contacts[0], blob.shape) < CROSSING:
        return []
    line = describe_hand(blob, contacts[0], trainee_edge)
    return [] if line is None else [line]
