"""Skin-tone latex in a video: what colour cannot tell from bare skin, time and the arm's course can.

`auto` asks these where a video holds no coloured or white gloves, or where those "gloves" are the
sleeves of latex hands or (white) lose the samples to skin hands where every family contests them:
skin-coloured hands that move against the samples' still background and enter the frame (by a border, or
through a sleeve that moves with them) are latex where MediaPipe, which finds bare hands by their
knuckles and nails, sees no hand in most samples (auto checks that last part).
"""

from __future__ import annotations

from collections.abc import Sequence

from skillsight.capture.frames import Frame
from skillsight.pose.trackers.gloves.calibration import MIN_GLOVED_SAMPLE_SHARE, moving_entering_share
from skillsight.pose.trackers.gloves.identity import ENTRY_EDGES
from skillsight.pose.trackers.gloves.segmentation import WorkingImage
from skillsight.pose.trackers.gloves.tracker import GloveTracker


def latex_tracker(camera_view: str, contest: bool = False) -> GloveTracker:
    """Skin-tone latex alone (a latex glove inside the frame enters where its sleeve of any other colour
    does), or (`contest`) every glove family contesting, skin-tone latex included."""
    if contest:
        return GloveTracker(camera_view=camera_view, skin_tone_gloves=True)
    return GloveTracker(camera_view=camera_view, glove_color="skin", sleeve_families=("colored", "white"))


def moving_latex_share(sample: Sequence[Frame], camera_view: str) -> float:
    """Share of the samples holding a skin-coloured hand that moves and enters the frame."""
    probe = latex_tracker(camera_view)
    try:
        probe.prepare(sample)
        images = [WorkingImage.of(frame.image) for frame in sample]
        return moving_entering_share(
            images, lambda image: [b for b, _ in probe.find_hands(image)], ENTRY_EDGES[camera_view]
        )
    finally:
        probe.close()


def enough_latex(share: float) -> bool:
    return share >= MIN_GLOVED_SAMPLE_SHARE


def sleeve_counts(family: str, sample: Sequence[Frame], camera_view: str) -> list[tuple[int, int]]:
    """Per sample, how many hands `family` shows and how many of them run into a skin-coloured hand at
    their far end (sleeves: a sleeve ends in skin, a glove in its own fingers)."""
    probe = latex_tracker(camera_view, contest=True)
    try:
        return [probe.sleeves_of(WorkingImage.of(frame.image), family, "skin") for frame in sample]
    finally:
        probe.close()


def are_latex_sleeves(family: str, sample: Sequence[Frame], camera_view: str) -> bool:
    """Whether the "gloves" of `family` are the sleeves of skin-tone latex: in most samples where they
    show, they run into skin-coloured hands at their far end (a navy gown over latex). A glove with a
    bare forearm behind it is the other way round, and stays a glove."""
    counts = sleeve_counts(family, sample, camera_view)
    shown = sum(n > 0 for n, _ in counts)
    return shown > 0 and sum(into >= n > 0 for n, into in counts) >= shown / 2


def sleeves_among(family: str, sample: Sequence[Frame], camera_view: str) -> bool:
    """Whether, in most samples where they show, some of the "gloves" of `family` run into skin-coloured
    hands at their far end: sleeves among them, the rest objects of their colour they join or lie beside
    (a navy sleeve joined to a blue box). No glove ends in skin."""
    counts = sleeve_counts(family, sample, camera_view)
    shown = sum(n > 0 for n, _ in counts)
    return shown > 0 and sum(into > 0 for _, into in counts) >= shown / 2


def skin_wins(family: str, sample: Sequence[Frame], camera_view: str) -> bool:
    """Whether skin-coloured hands win more of the samples than the "gloves" of `family` where every family
    contests them, as in a frame (a "hand" whose far end runs into another family's hand is a sleeve, and
    gloves are a pair of one colour). A bare forearm behind a glove runs into it and loses to it; white pad
    uncovered at a moving latex hand's fingertips, a flat white sleeve's moving edge or a white table edge
    under changing light are pieces beside whole skin hands, and lose to them."""
    probe = latex_tracker(camera_view, contest=True)
    try:
        probe.prepare(sample)
        shares = probe.calibration.family_shares if probe.calibration is not None else {}
    finally:
        probe.close()
    return shares.get("skin", 0.0) > shares.get(family, 0.0)
