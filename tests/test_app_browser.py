"""The page in a real browser: Playwright driving Debian's chromium against `python app.py`.

Uploads the real hand clip and waits for the result; streams the same clip through chromium's fake
webcam into the live mode and waits for tracked frames to come back. Screenshots go to
artifacts/ under the repository (git-ignored) and their paths are printed.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from app_server import REPO_ROOT, running_app

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO_ROOT / "artifacts"
BASE_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
RESULT_TIMEOUT_MS = 180_000
# The Results summary shows either a level and score or the "can't score" explanation.
RESULT_SHOWN_JS = (
    "() => /Skill level|can't score/.test(document.querySelector('#result-summary')?.innerText || '')"
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not found (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    pytest.importorskip("playwright.sync_api", reason="playwright (Python) is not installed")
    data_dir = tmp_path_factory.mktemp("browser") / "data"
    data_dir.mkdir()
    with running_app(data_dir) as app:
        yield app.url


def _external(requests):
    return [
        u
        for u in requests
        if urlparse(u).scheme in ("http", "https", "ws", "wss") and urlparse(u).hostname not in LOCAL_HOSTS
    ]


def _screenshot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    print(f"\nscreenshot: {path}")
    return path


def test_upload_to_results(app_url, hand_clip):
    from playwright.sync_api import expect, sync_playwright

    requests = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=BASE_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("request", lambda r: requests.append(r.url))
            page.goto(app_url)
            page.set_input_files("#practice-video input[type=file]", str(hand_clip))
            expect(page.locator("#practice-video video")).to_have_count(1, timeout=60_000)
            started = time.perf_counter()
            page.get_by_role("button", name="Assess my practice", exact=True).click()
            summary = page.locator("#result-summary")
            page.wait_for_function(RESULT_SHOWN_JS, timeout=RESULT_TIMEOUT_MS)
            elapsed = time.perf_counter() - started
            print(f"\nupload to results ({hand_clip.name}, click to result shown): {elapsed:.1f} s")
            summary_text = summary.inner_text()
            feedback_text = page.locator("#result-feedback").inner_text()
            if "Skill level" in summary_text:
                assert "Score" in summary_text and "interval" in summary_text
                assert "Tip:" in feedback_text
            else:
                assert "What to change" in summary_text
                assert feedback_text.strip()
            expect(page.locator("#plot-percentiles img")).to_have_count(1, timeout=30_000)
            expect(page.locator("#plot-paths img")).to_have_count(1, timeout=30_000)
            # The annotated replay arrives after the results.
            expect(page.locator("#replay video")).to_have_count(1, timeout=RESULT_TIMEOUT_MS)
            _screenshot(page, "app_results.png")
        finally:
            browser.close()
    assert not _external(requests), f"the page fetched from other hosts: {_external(requests)[:5]}"


@pytest.fixture
def fake_camera(tmp_path, hand_clip):
    if not shutil.which("ffmpeg"):
        pytest.skip("ffmpeg not found (needed to make the fake webcam's .y4m)")
    y4m = tmp_path / "cam.y4m"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-i",
            str(hand_clip),
            "-t",
            "6",
            "-vf",
            "scale=360:640",
            "-pix_fmt",
            "yuv420p",
            str(y4m),
        ],
        check=True,
    )
    return y4m


def test_live_mode_streams_tracked_frames(app_url, fake_camera):
    from playwright.sync_api import expect, sync_playwright

    args = BASE_ARGS + [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={fake_camera}",
    ]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=args)
        try:
            context = browser.new_context(permissions=["camera"], viewport={"width": 1280, "height": 1000})
            page = context.new_page()
            page.goto(app_url)
            page.get_by_text("Live set-up check", exact=False).first.click()
            live_in = page.locator("#live-in")
            live_in.get_by_text("Click to Access Webcam").click()
            live_in.locator("button", has_text="Record").first.click(force=True)
            quality = page.locator("#live-quality textarea")
            page.wait_for_function(
                "() => /^(GOOD|FAIR|POOR)/.test("
                "document.querySelector('#live-quality textarea')?.value || '')",
                timeout=60_000,
            )
            expect(page.locator("#live-out img")).to_have_count(1, timeout=30_000)
            # Count distinct frames coming back for a few seconds.
            sources, texts = set(), []
            deadline = time.monotonic() + 4.0
            while time.monotonic() < deadline:
                sources.add(page.locator("#live-out img").get_attribute("src"))
                texts.append(quality.input_value())
                page.wait_for_timeout(50)
            print(f"\nlive mode: {len(sources)} distinct tracked frames in 4 s; last indicator: {texts[-1]}")
            assert len(sources) >= 5
            assert any(t.startswith(("GOOD", "FAIR")) for t in texts), texts[-3:]
            _screenshot(page, "app_live.png")
        finally:
            browser.close()


def test_record_with_the_webcam_then_assess(app_url, fake_camera):
    """The practice video recorded in the page (chromium's fake webcam) goes through the same path."""
    from playwright.sync_api import sync_playwright

    args = BASE_ARGS + [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={fake_camera}",
    ]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=args)
        try:
            context = browser.new_context(
                permissions=["camera", "microphone"], viewport={"width": 1280, "height": 900}
            )
            page = context.new_page()
            page.goto(app_url)
            video = page.locator("#practice-video")
            video.locator("button[aria-label='Capture from camera']").click()
            video.get_by_text("Click to Access Webcam").click()
            page.wait_for_timeout(1500)
            video.locator("button[aria-label='start recording']").click()
            page.wait_for_timeout(3000)
            video.locator("button", has_text="Stop").first.click()
            page.wait_for_selector("#practice-video video[src]", timeout=30_000)
            page.get_by_role("button", name="Assess my practice", exact=True).click()
            page.wait_for_function(RESULT_SHOWN_JS, timeout=RESULT_TIMEOUT_MS)
            summary = page.locator("#result-summary").inner_text()
            # Three seconds of recording is too short to score: the page must say so and why.
            assert "can't score" in summary and "What to change" in summary
            _screenshot(page, "app_webcam_recording.png")
        finally:
            browser.close()
