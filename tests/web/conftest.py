"""Browser fixtures: Debian's Chromium driven by Playwright, at a phone's width.

Never a browser download (``playwright install``): the tests use /usr/bin/chromium and
are skipped only where it is absent. Screenshots go to ``test-artifacts/web/`` (git-ignored).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
PHONE = {"width": 360, "height": 740}

needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(),
                                    reason="Debian's chromium is not installed")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        yield chromium
        chromium.close()


@pytest.fixture
def fresh_page(browser: object) -> Iterator[Callable[..., object]]:
    """``fresh_page(lang)``: a new browser profile (no cookies: a borrowed phone) at 360 px
    asking for ``lang``; the page records what the browser refused under the CSP."""
    contexts = []

    def make(lang: str = "zh-CN") -> object:
        context = browser.new_context(  # type: ignore[attr-defined]
            viewport=PHONE, locale=lang, extra_http_headers={"Accept-Language": lang},
            device_scale_factor=1)
        contexts.append(context)
        page = context.new_page()
        page.csp_errors = []
        page.on("console", lambda m: page.csp_errors.append(f"{m.text} on {page.url}")
                if "Content Security Policy" in m.text else None)
        return page

    yield make
    for context in contexts:
        context.close()


def shoot(page: object, name: str) -> Path:
    """Save a full-page screenshot as a test artefact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    path = ARTIFACTS / f"{name}.{worker}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path
