"""Re-scoring a trainee's stale sessions from the History tab, through `skillsight.session_rescore`.

Stale means what `session_rescore` says (a metric read by another definition than today's, or by one not
recorded). Every read and write is scoped to the signed-in trainee: their sessions are listed by name,
and only those are handed to `rescore_session`, which replaces each in its own transaction after keeping
its old numbers in `session_rescores`. A session whose motion file is gone is named and left as it is.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from skillsight import session_rescore
from skillsight.webapp.listings import session_label

RescoreProgress = Callable[[int, int], None]  # (sessions done, sessions to do)


@dataclass
class RescoreSummary:
    """How a re-score of one trainee's stale sessions ended, session by session."""

    rescored: list[int] = field(default_factory=list)
    current: list[int] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # motion gone: one sentence naming each session
    failed: list[str] = field(default_factory=list)  # re-scoring gave no answer: the same
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return len(self.rescored) + len(self.current) + len(self.skipped) + len(self.failed)

    def markdown(self) -> str:
        """What the History tab says when it is done (plain words, one line per session left alone)."""
        if not self.total:
            return "Nothing to re-score: every session is read by today's definitions."
        counts = [
            f"**{len(self.rescored)} re-scored**",
            f"{len(self.current)} already current",
            f"{len(self.skipped)} skipped (stored motion gone)",
            f"{len(self.failed)} with no answer",
        ]
        lines = [", ".join(counts) + "."]
        if self.rescored:
            lines.append("Their old numbers are kept; the learning curve now shows the new ones.")
        lines += [f"- {text}" for text in self.skipped + self.failed]
        return "\n".join(lines)


def stale_sessions(db: Any, trainee: str, procedure: Optional[str]) -> list[int]:
    """The trainee's sessions (of the procedure, if given) that re-scoring would re-read."""
    return session_rescore.stale_session_ids(db, trainee, procedure or None)


def _no_answer_reason(message: str, session_id: int) -> str:
    """session_rescore's message without its leading "session N: " and trailing "; left as it is"."""
    text = message.removeprefix(f"session {session_id}: ").removesuffix("; left as it is")
    return text.removeprefix("re-scoring it gave no answer ").strip("() ") or "no reason given"


def rescore_stale(
    db: Any, trainee: str, procedure: Optional[str], progress: Optional[RescoreProgress] = None
) -> RescoreSummary:
    """Re-score the trainee's stale sessions one by one (one transaction each); `progress(done, total)`
    after each. Sessions of other trainees are never read."""
    started = time.perf_counter()
    stale = set(stale_sessions(db, trainee, procedure))
    records = [r for r in db.list_sessions(trainee=trainee, procedure=procedure or None) if r.id in stale]
    summary = RescoreSummary()
    for done, record in enumerate(records, start=1):
        outcome = session_rescore.rescore_session(db, record)
        name = session_label(record)
        if outcome.action == "rescored":
            summary.rescored.append(record.id)
        elif outcome.action == "current":
            summary.current.append(record.id)
        elif outcome.action == "skipped":
            summary.skipped.append(f"{name}: its stored motion is gone, so it keeps its old numbers.")
        else:
            reason = _no_answer_reason(outcome.message, record.id)
            summary.failed.append(f"{name}: re-scoring gave no answer ({reason}); it keeps its old numbers.")
        if progress is not None:
            progress(done, len(records))
    summary.seconds = time.perf_counter() - started
    return summary


def without_motion(records: Iterable[Any], session_ids: Iterable[int]) -> int:
    """How many of these sessions have no stored motion file left (re-scoring can only name them)."""
    wanted = set(session_ids)
    return sum(1 for r in records if r.id in wanted and not (r.motion_path and Path(r.motion_path).is_file()))


def rescore_offer(count: int, no_motion: int = 0) -> tuple[str, str]:
    """(note, button label) for the History tab: how many sessions are stale, how many of them have no
    motion left, and the button's words ("" when none is stale, or none could be re-read)."""
    if count <= 0:
        return "", ""
    note = (
        f"**{count} of your sessions {'was' if count == 1 else 'were'} scored by older metric definitions "
        "or an older scorer** (their points don't join today's lines)."
    )
    if no_motion:
        note += (
            f" {no_motion} of them {'has' if no_motion == 1 else 'have'} no stored motion left, so "
            f"{'it keeps its' if no_motion == 1 else 'they keep their'} numbers."
        )
    if no_motion >= count:
        return note, ""
    note += " Re-scoring re-reads each from its stored motion; the old numbers are kept."
    return note, f"Re-score {count} {'session' if count == 1 else 'sessions'}"
