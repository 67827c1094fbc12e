"""Who a reference's experts are: people, not practices.

A range "from 6 experts" means six people. Six practices by two surgeons are two experts, and a
trainee judged against them is judged against two people's habits. So a reference records both counts:
`n_practices` (its inputs) and `n_experts` (the distinct people among them, or None when unknown).

Where a person comes from, per practice (the first that applies):
- a name given by the caller (`build_reference(experts=...)`, `reference build --experts`, a dataset's
  participant id);
- the motion's own `metadata["participant"]` (a JIGSAWS kinematics file's user letter, set by its loader);
- a generated practice (`metadata["synthetic"]`): its own generated expert, one per seed.
Anything else (a plain video, a feature set) names nobody. A reference with any unnamed practice does
not guess: its expert count is unknown and flagged like too few ("6 practices; the experts were not
named"), since assuming one person per practice is exactly the error this guards against.

Files written before people were counted have only `n_experts`, which then counted practices. They load
with the count of people unknown, except a file built from generated practices (its `built_from` says
"synthetic", the app's own test for the demo reference): those were one generated expert per practice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Optional

# A reference range from fewer experts (people) than this is too thin to judge a trainee by.
MIN_EXPERTS = 5
GENERATED = "generated expert"
COUNTED_NAMED = "distinct people named by the inputs"
COUNTED_GENERATED = "generated practices, one generated expert each"
COUNTED_UNKNOWN = "not known: the inputs do not name their experts"
COUNTED_LEGACY = "not recorded: built before SkillSight counted experts as people"


def practice_person(item: object) -> Optional[str]:
    """The person a practice (a Motion) names, or None: a participant id, else a generated expert."""
    metadata = getattr(item, "metadata", None)
    if not isinstance(metadata, Mapping):
        return None
    participant = metadata.get("participant")
    if participant not in (None, ""):
        return str(participant)
    synthetic = metadata.get("synthetic")
    if isinstance(synthetic, Mapping) and synthetic.get("seed") is not None:
        return f"{GENERATED} {synthetic['seed']}"
    return None


def count_people(persons: Sequence[Optional[str]]) -> Optional[int]:
    """Distinct people among the practices; None when any practice names nobody."""
    if not persons or any(p is None for p in persons):
        return None
    return len(set(persons))


def counted_by(persons: Sequence[Optional[str]]) -> str:
    """How the expert count was reached, said in words (recorded in the reference)."""
    if count_people(persons) is None:
        return COUNTED_UNKNOWN
    if all(str(p).startswith(GENERATED) for p in persons):
        return COUNTED_GENERATED
    return COUNTED_NAMED


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def experts_text(n_experts: Optional[int], n_practices: int) -> str:
    """'2 experts (6 practices)', '20 experts' or '6 practices; the experts were not named'."""
    if n_experts is None:
        return f"{_plural(n_practices, 'practice')}; the experts were not named"
    if n_practices and n_practices != n_experts:
        return f"{_plural(n_experts, 'expert')} ({_plural(n_practices, 'practice')})"
    return _plural(n_experts, "expert")


def too_few_experts(n_experts: Optional[int], n_practices: int) -> str:
    """Why a range from these experts is too thin to trust, or "" (people counted, not practices)."""
    needed = f"at least {MIN_EXPERTS} experts needed"
    if n_experts is None:
        practices = _plural(n_practices, "practice")
        return f"{practices} by experts not named: how many people is unknown ({needed})"
    if n_experts < MIN_EXPERTS:
        differ = n_practices and n_practices != n_experts
        practices = f"{_plural(n_practices, 'practice')}; " if differ else ""
        return f"only {_plural(n_experts, 'expert')} ({practices}{needed})"
    return ""


def legacy_experts(content: Mapping[str, Any]) -> tuple[Optional[int], str]:
    """People and how counted, for a reference file written before people were counted (its
    `n_experts` counted practices)."""
    if "synthetic" in str(content.get("built_from", "")).lower():
        return int(content.get("n_experts") or 0), COUNTED_GENERATED
    return None, COUNTED_LEGACY


def stored_experts(content: Mapping[str, Any]) -> tuple[Optional[int], int, str]:
    """(people or None, practices, how counted) as a reference file or card records them: the one place
    the two formats are told apart. A file with `n_practices` counted people in `n_experts`; an older
    one counted practices there (see legacy_experts). KeyError, TypeError or ValueError: malformed."""
    if "n_practices" in content:
        people = content.get("n_experts")
        counted = str(content.get("experts_counted_by", ""))
        return (None if people is None else int(people)), int(content["n_practices"]), counted
    n_experts, counted = legacy_experts(content)
    return n_experts, int(content["n_experts"]), counted


def card_experts(card: Mapping[str, Any]) -> tuple[Optional[int], int]:
    """(people or None, practices) from a reference card (its JSON) for a listing or a package: as
    `stored_experts` reads it, except that a card too malformed to count is 0 practices by experts
    not named (shown and flagged, where loading the file for scoring fails with the problem)."""
    try:
        people, practices, _ = stored_experts(card)
    except (KeyError, TypeError, ValueError):
        return None, 0
    return people, practices
