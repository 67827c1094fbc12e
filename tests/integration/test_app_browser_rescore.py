"""The History tab's re-score in a real browser: Playwright driving Debian's chromium against `python app.py`.

Sessions are stored as before definitions were recorded (real synthetic practices scored through the
pipeline, their definition versions taken out), one of them with its motion file gone. The trainee sees how
many are stale, presses the button, sees progress and a summary that names the session it could not
re-read, and the learning curve's lines join. A screenshot goes to artifacts/ (git-ignored); the wall time
of the re-score is printed, not asserted.
"""

from __future__ import annotations

import copy
import re
import time
from pathlib import Path

import pytest
from app_server import REPO_ROOT, running_app

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO_ROOT / "artifacts"
BASE_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
N_SESSIONS = 4  # the oldest one loses its motion file
RESCORE_TIMEOUT_MS = 300_000

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not found (apt-get install chromium)"),
]


def store_old_sessions(data_dir: Path, n: int) -> list[int]:
    """`n` sessions of the local trainee stored as before definitions were recorded, oldest first."""
    from skillsight import pipeline
    from skillsight.score_request import ScoreRequest
    from skillsight.scoring.features.definitions import PROVENANCE_KEY
    from skillsight.scoring.synthetic import generate_practice
    from skillsight.storage import Database
    from skillsight.webapp.service import LOCAL_TRAINEE

    sessions = data_dir / "sessions"
    sessions.mkdir(parents=True)
    ids = []
    with Database(f"sqlite:///{data_dir / 'skillsight.db'}") as db:
        for seed in range(n):
            motion = generate_practice("intermediate", "suturing", seed=20_000 + seed)
            path = Path(motion.save(sessions / f"old-{seed}.motion.npz"))
            assessment = copy.deepcopy(pipeline.assess(ScoreRequest.build(path, "suturing")).assessment)
            assessment.provenance.pop(PROVENANCE_KEY)  # as stored before definitions were recorded
            ids.append(
                db.add_session(
                    trainee=LOCAL_TRAINEE,
                    procedure="suturing",
                    assessment=assessment,
                    source_name=f"practice-{seed}.mp4",
                    motion_path=str(path),
                )
            )
    return ids


@pytest.fixture(scope="module")
def old_sessions_app(tmp_path_factory):
    pytest.importorskip("playwright.sync_api", reason="playwright (Python) is not installed")
    data_dir = tmp_path_factory.mktemp("rescore") / "data"
    ids = store_old_sessions(data_dir, N_SESSIONS)
    gone = ids[0]
    (data_dir / "sessions" / "old-0.motion.npz").unlink()
    with running_app(data_dir) as app:
        yield app.url, data_dir, ids, gone


def _lines(data_dir: Path, name: str):
    from skillsight.storage import Database
    from skillsight.webapp.progress_lines import runs
    from skillsight.webapp.service import LOCAL_TRAINEE

    with Database(f"sqlite:///{data_dir / 'skillsight.db'}") as db:
        return [run.positions for run in runs(db.metric_history(LOCAL_TRAINEE, "suturing"), name)]


def test_rescoring_from_the_history_tab_joins_the_learning_curve(old_sessions_app):
    from playwright.sync_api import expect, sync_playwright

    url, data_dir, ids, gone = old_sessions_app
    metric = "needle_driver.path_length"
    assert _lines(data_dir, metric) == [(i,) for i in range(N_SESSIONS)]  # each a point of its own
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=BASE_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1100})
            page.goto(url)
            page.get_by_role("tab", name="History").click()
            button = page.locator("#rescore-button")
            expect(button).to_have_text(f"Re-score {N_SESSIONS} sessions", timeout=60_000)
            note = page.locator("#rescore-note")
            expect(note).to_contain_text(f"{N_SESSIONS} of your sessions were")
            expect(note).to_contain_text("1 of them has no stored motion")
            lines_note = page.locator("#history-empty")
            expect(lines_note).to_contain_text("hollow points")
            expect(lines_note).to_contain_text("Re-score button")  # it is shown
            button.click()
            started, log = time.perf_counter(), []
            status = page.locator("#rescore-status")
            while "re-scored" not in (text := " ".join(status.inner_text().split())):
                if text and (not log or log[-1][1] != text):
                    log.append((round(time.perf_counter() - started, 1), text[:80]))
                if time.perf_counter() - started > RESCORE_TIMEOUT_MS / 1000:
                    raise AssertionError(
                        f"no summary after {RESCORE_TIMEOUT_MS / 1000:.0f} s; log {log[-5:]}"
                    )
                page.wait_for_timeout(100)
            seconds = time.perf_counter() - started
            print(f"\nre-score in the app: {N_SESSIONS} stale sessions in {seconds:.1f} s (click to summary)")
            print(f"progress seen: {log[:6]}")
            assert any(re.search(r"\d+/\d+", text) for _, text in log), f"no progress shown: {log[:6]}"
            summary = status.inner_text()
            assert f"{N_SESSIONS - 1} re-scored" in summary and "1 skipped" in summary, summary
            assert f"Session {gone}" in summary and "stored motion is gone" in summary, summary
            # The one left has no motion to re-read: said, with no button that could only skip it again.
            expect(note).to_contain_text("1 of your sessions was", timeout=60_000)
            expect(button).to_be_hidden()
            # the line is still broken at that session, and the note no longer points at a hidden button
            expect(lines_note).to_contain_text("hollow points")
            expect(lines_note).not_to_contain_text("Re-score")
            ARTIFACTS.mkdir(exist_ok=True)
            shot = ARTIFACTS / "tab_history_rescored.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot: {shot}")
        finally:
            browser.close()
    # What the chart draws: the re-scored sessions now one line; the one without motion still a point.
    assert _lines(data_dir, metric) == [(0,), tuple(range(1, N_SESSIONS))]
