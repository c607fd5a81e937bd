"""Headless Chromium for browser tests: Debian's chromium (bin/setup installs it) driven by Playwright.

Playwright's own browser downloads are never used (the machines have no internet): the system chromium
runs with a fresh profile and without background networking, which would otherwise fail on a closed
network. Screenshots go to ``$TEST_ARTIFACTS`` or ``<repo>/build/test-artifacts``.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_NAMES = ("chromium", "chromium-browser")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_executable() -> str:
    """``$CHROMIUM``, else the first of chromium, chromium-browser on PATH."""
    explicit = os.environ.get("CHROMIUM")
    found = explicit or next((p for p in map(shutil.which, CHROMIUM_NAMES) if p), None)
    if not found:
        raise RuntimeError("no chromium on PATH (bin/setup installs Debian's chromium); or set $CHROMIUM")
    return found


def artifacts_dir() -> Path:
    path = Path(os.environ.get("TEST_ARTIFACTS") or ROOT / "build" / "test-artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def open_browser(width: int = 1280, height: int = 800) -> Iterator[Page]:
    """A page in a new headless Chromium with a throwaway profile; the browser is closed afterwards."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="samza-chromium-") as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=chromium_executable(),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": width, "height": height},
        )
        try:
            yield context.pages[0] if context.pages else context.new_page()
        finally:
            context.close()


def save_screenshot(page: Page, name: str) -> Path:
    """Writes a full-page PNG ``<artifacts>/<name>.png`` and returns its path."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "screenshot"
    path = artifacts_dir() / f"{safe}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
