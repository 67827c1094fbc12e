"""How a trainee reads a metric: its name, its unit and which way is better.

Everything comes from the one table of metrics, `scoring.features.FEATURE_SPECS` (label, unit template,
direction), so the page, the reports and the CLI always say the same thing. Pure functions, no UI.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

from skillsight.scoring.features import FEATURE_SPECS

# The motion's length units as a trainee reads them (plural, singular); "hand_size" is the palm length.
LENGTH_WORDS = {
    "hand_size": ("hand lengths", "hand length"),
    "px": ("pixels", "pixel"),
    "mm": ("mm", "mm"),
    "m": ("m", "m"),
}
# Stored units shown as a percentage (value x 100) or with no unit at all (counts, indices, ratios).
PERCENT_UNITS = {"share"}
BARE_UNITS = {"count", "1", "ratio", ""}
POWERS = {"^2": "²", "^3": "³"}
# Per-hand metrics are named by the role the hand plays ("needle_driver.path_length").
GROUP_PREFIXES = ("bimanual", "suturing", "intubation", "task")
DEFAULT_LENGTH_UNIT = "hand_size"
# What a motion came from (pose.motion's KIND_* codes), as people say it.
MOTION_KIND_WORDS = {
    "video_2d": "video (2D)",
    "kinematics_3d": "robot kinematics (3D)",
    "mocap_3d": "motion capture (3D)",
}
# A value whose interval of +/- this many standard errors (about 95%) spans this share of the experts'
# middle 80% is not ranked among them.
UNSURE_INTERVAL_Z = 2.0
UNSURE_RANGE_SHARE = 0.5
BETTER_TEXT = {True: "higher is better", False: "lower is better", None: "closest to the experts is best"}


@dataclass(frozen=True)
class MetricDisplay:
    """A metric as the trainee reads it."""

    name: str  # "needle_driver.path_length"
    label: str  # "Needle-driver hand: distance travelled"
    phrase: str  # for a sentence: "needle-driver hand's distance travelled"
    unit: str  # "hand lengths", "%", "s", "" (a count or an index)
    scale: float  # shown value = stored value x scale (shares as percentages)
    higher_is_better: Optional[bool]
    description: str
    whole: bool = False  # a count: shown without decimals

    @property
    def better(self) -> str:
        return BETTER_TEXT[self.higher_is_better]

    def number(self, value: Optional[float], digits: int = 3) -> str:
        """The value in the displayed unit, rounded to what it means (counts whole, percentages to the
        percent), without the unit."""
        if value is None or not math.isfinite(float(value)):
            return "–"
        shown = float(value) * self.scale
        if self.whole or (self.unit == "%" and abs(shown) >= 1):
            return f"{shown:.0f}"
        return format_number(shown, digits)

    def value_text(self, value: Optional[float], digits: int = 3) -> str:
        """'2.4 hand lengths', '35%', '12' (a count)."""
        return self._with_unit(self.number(value, digits))

    def measured_text(
        self, value: Optional[float], uncertainty: Optional[float] = None, reason: str = ""
    ) -> str:
        """The one way a trainee reads a metric's value: '0.42 mm ± 0.09' (its standard error, the
        value rounded to the error's precision), '35%' (no error measured), '– (why it is missing)'
        for a withheld or unavailable value, '–' when nobody said why."""
        if value is None or not math.isfinite(float(value)):
            return f"– ({reason})" if reason else "–"
        if uncertainty is None or not math.isfinite(float(uncertainty)) or uncertainty <= 0:
            return self.value_text(value)
        shown, error = float(value) * self.scale, float(uncertainty) * self.scale
        error_text = format_number(error, 2 if f"{error:e}".startswith("1") else 1)  # 0.14, 0.3
        decimals = len(error_text.partition(".")[2])
        if shown != 0:  # never more digits than the value alone would get
            decimals = min(decimals, self._decimals(shown))
        return f"{self._with_unit(f'{shown:.{decimals}f}')} ± {error_text}"

    def _decimals(self, shown: float, digits: int = 3) -> int:
        """How many decimals `number` gives a non-zero `shown` at most (before dropping trailing zeros)."""
        if self.whole or (self.unit == "%" and abs(shown) >= 1):
            return 0
        return max(0, digits - 1 - math.floor(math.log10(abs(shown))))

    def _with_unit(self, number: str) -> str:
        if number == "–" or not self.unit:
            return number
        return f"{number}{self.unit}" if self.unit in ("%", "°") else f"{number} {self.unit}"


def format_number(value: Optional[float], digits: int = 3) -> str:
    """At most `digits` significant digits (all of the integer part), or an en dash when unknown."""
    if value is None or not math.isfinite(float(value)):
        return "–"
    value = float(value)
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    decimals = max(0, digits - 1 - magnitude)
    text = f"{value:.{decimals}f}"
    if "." in text:  # 2.50 -> 2.5, 1.00 -> 1: trailing zeros claim a precision nobody measured
        text = text.rstrip("0").rstrip(".")
    return "0" if float(text) == 0 else text


def too_unsure_to_rank(
    value: Optional[float],
    uncertainty: Optional[float],
    expert_low: Optional[float],
    expert_high: Optional[float],
) -> bool:
    """True when the value's ~95% interval (± 2 standard errors) reaches into the experts' middle 80%
    and is at least half as wide as it: where the trainee sits among the experts is then mostly noise."""
    if value is None or uncertainty is None or expert_low is None or expert_high is None:
        return False
    centre, low, high = float(value), float(expert_low), float(expert_high)
    reach = UNSURE_INTERVAL_Z * float(uncertainty)
    if not all(map(math.isfinite, (centre, low, high, reach))) or high <= low:
        return False  # high <= low: no real range to be placed in (reference_note says so)
    overlaps = centre - reach <= high and centre + reach >= low
    return overlaps and 2 * reach >= UNSURE_RANGE_SHARE * (high - low)


def csv_number(value: float, digits: int = 4) -> str:
    """A float for a data file (results.csv): `digits` significant digits, no float noise
    (0.30000000000000004 -> '0.3'); NaN and infinities as an empty cell."""
    if not math.isfinite(value):
        return ""
    return f"{value:.{digits}g}"


def spec_key(name: str) -> Optional[str]:
    """The FEATURE_SPECS key of a metric name: the full name, else its per-hand suffix."""
    if name in FEATURE_SPECS:
        return name
    suffix = name.rpartition(".")[2]
    return suffix if suffix in FEATURE_SPECS else None


def unit_text(unit: str) -> tuple[str, float]:
    """(shown unit, scale) for a stored unit such as 'hand_size/s^2', 'share', 'deg/mm', 'count/min'."""
    if unit in PERCENT_UNITS:
        return "%", 100.0
    if unit in BARE_UNITS:
        return "", 1.0
    numerator, _, denominator = unit.partition("/")
    if numerator in ("count", "1") and denominator == "min":
        return "per minute", 1.0
    shown = _quantity(numerator, plural=True)
    if denominator:
        per = _quantity(denominator, plural=False)
        shown = f"{shown}/{per}" if denominator.startswith("s") else f"{shown} per {per}"
    return shown, 1.0


def _quantity(part: str, plural: bool) -> str:
    power = next((p for p in POWERS if part.endswith(p)), "")
    base = part[: -len(power)] if power else part
    if base == "deg":
        text = "°"
    elif base in LENGTH_WORDS:
        text = LENGTH_WORDS[base][0 if plural else 1]
    else:
        text = base
    if power and base in LENGTH_WORDS and base not in ("mm", "m"):
        return ("square " if power == "^2" else "cubic ") + text
    return text + POWERS.get(power, "")


def motion_kind_text(motion_kind: str) -> str:
    """'video (2D)' for 'video_2d' (pose.motion's KIND_* codes)."""
    return MOTION_KIND_WORDS.get(motion_kind, motion_kind.replace("_", " "))


def length_text(units: str) -> str:
    """'hand lengths' for 'hand_size': a motion's length unit as stored, in words."""
    return LENGTH_WORDS.get(units, (units.replace("_", " "), ""))[0]


def motion_text(motion_kind: str, units: str) -> str:
    """'video (2D), distances in hand lengths' for a motion kind and length unit as stored."""
    return f"{motion_kind_text(motion_kind)}, distances in {length_text(units)}"


def role_text(role: str) -> str:
    """'needle_driver' -> 'Needle-driver hand', 'forceps' -> 'Forceps hand'."""
    words = role.replace("_", "-")
    return f"{words[:1].upper()}{words[1:]} hand"


def metric_display(name: str, unit: str = "") -> MetricDisplay:
    """How to show `name` (a metric name as in an Assessment) with its stored `unit`."""
    key = spec_key(name)
    # Without a stored unit (e.g. a learning curve's history), video metrics are in hand lengths.
    stored = unit or (FEATURE_SPECS[key].unit.format(u=DEFAULT_LENGTH_UNIT) if key else "")
    shown_unit, scale = unit_text(stored)
    if key is None:  # not in the table (a lab's own metric): readable from its name alone
        words = name.replace("_", " ")
        return MetricDisplay(
            name, _sentence(words.replace(".", ": ")), words.replace(".", " "), shown_unit, scale, None, ""
        )
    spec = FEATURE_SPECS[key]
    prefix = name[: -len(key)].rstrip(".") if key != name else ""
    if prefix and prefix not in GROUP_PREFIXES:
        label = f"{role_text(prefix)}: {spec.label}"
        phrase = f"{role_text(prefix).lower()}'s {spec.label}"
    else:
        label, phrase = _sentence(spec.label), spec.label
    return MetricDisplay(
        name, label, phrase, shown_unit, scale, spec.higher_is_better, spec.description, spec.unit == "count"
    )


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]
