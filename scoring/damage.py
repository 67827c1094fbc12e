"""Decoding damage carried from the decoder into the assessment: a warning, or no score at all.

The decoder (`skillsight.capture.frames.DecodeDamage`) measures what did not decode; tracking keeps that
in the motion's metadata ("decode_damage"), so a motion file scored later still carries it. Here it
becomes a field of the assessment, a prominent warning when the loss is small, and the DAMAGED status
(no level, no score) when the undecodable share is above the limit or too few frames decoded to hold
motion: a score of the part that decoded would describe a different, shorter practice.
"""

from __future__ import annotations

import os
from typing import Any, Optional

from skillsight.capture.frames import DecodeDamage
from skillsight.scoring.results import Assessment, ResultStatus

# Above this share of undecodable frames a recording is not scored; `SKILLSIGHT_MAX_UNDECODABLE` or the
# commands' --max-undecodable option change it.
DEFAULT_MAX_UNDECODABLE_SHARE = 0.10
MAX_UNDECODABLE_ENV = "SKILLSIGHT_MAX_UNDECODABLE"

DAMAGE_ADVICE = (
    "The video file is damaged (cut short or corrupted, e.g. copied before the recording finished). "
    "Copy or export it again from the camera, or record the practice again."
)


def max_undecodable_share(given: Optional[float] = None) -> float:
    """The limit to use: the one given, else the environment's, else the default; checked to be a share."""
    value: Any = given
    if value is None:
        text = os.environ.get(MAX_UNDECODABLE_ENV, "").strip()
        value = text or DEFAULT_MAX_UNDECODABLE_SHARE
    try:
        share = float(value)
    except ValueError:
        raise ValueError(f"{MAX_UNDECODABLE_ENV}: not a number: {value!r}") from None
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"the undecodable share limit must be between 0 and 1, not {share:g}")
    return share


def damage_of(metadata: dict[str, Any]) -> Optional[DecodeDamage]:
    """The decoding damage recorded in a motion's metadata (also from files tracked before it was kept
    whole: their "decode_error" and frame counts), or None when nothing says so."""
    recorded = metadata.get("decode_damage")
    if isinstance(recorded, dict):
        return DecodeDamage.from_dict(recorded)
    error = metadata.get("decode_error")
    if not isinstance(error, dict):
        return None
    info = metadata.get("video_info") or {}
    return DecodeDamage(
        source=str(metadata.get("source") or info.get("source") or "the recording"),
        expected_frames=info.get("frame_count"),
        decoded_frames=int(metadata.get("frame_count") or error.get("frame_index") or 0),
        problems=(str(error.get("problem", "decoding stopped")),),
    )


def apply_decode_damage(
    assessment: Assessment, damage: Optional[DecodeDamage], max_share: Optional[float] = None
) -> Assessment:
    """The assessment with its damage recorded: a warning below the limit, DAMAGED (unscored) above it."""
    if damage is None or not damage.damaged:
        return assessment
    limit = max_undecodable_share(max_share)
    assessment.decode_damage = {**damage.to_dict(), "max_undecodable_share": limit}
    message = damage.describe()
    if not damage.too_few_frames and damage.undecodable_share <= limit:
        assessment.warnings.append(f"DAMAGED RECORDING: {message}; the score covers only what decoded")
        return assessment
    reason = message if damage.too_few_frames else f"{message}, above the limit of {limit:.0%}"
    assessment.status = ResultStatus.DAMAGED.value
    assessment.refusal_reasons = [reason]
    assessment.advice = [DAMAGE_ADVICE]
    assessment.skill_level = None
    assessment.level_probabilities = {}
    assessment.score = None
    assessment.score_interval = None
    assessment.feedback = []
    return assessment
