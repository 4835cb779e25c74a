"""Real-browser helpers: Debian's Chromium driven by Playwright (pip), never a downloaded browser build.

Tests that need a browser call `chromium_or_skip()`, which skips with the reason when Chromium or
Playwright is missing (`.ci/run` installs both: `apt-get install chromium`, `pip install '.[test]'`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
AXE_TOOL = REPO.parent / "shared" / "tools" / "axe" / "run_axe.sh"  # CI copies shared/ beside the clone
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
NARROW = 320  # px: the narrowest phone width a page must fit without scrolling sideways
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]  # what run_axe.sh checks by default


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def chromium_or_skip() -> str:
    """Chromium's path, after checking that Playwright imports; the test skips (with the reason) otherwise."""
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed: pip install '.[test]'")
    path = chromium_path()
    if path is None:
        pytest.skip("Chromium is not installed: apt-get install -y chromium (Debian's package)")
    return path


@contextmanager
def browser_context(profile: Path, *, width: int = 1100, height: int = 900) -> Iterator[Any]:
    """A fresh headless Chromium profile (a new user-data-dir) with one viewport size; closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=chromium_or_skip(), headless=True, args=CHROMIUM_ARGS,
            viewport={"width": width, "height": height}, timeout=60_000)
        context.set_default_timeout(20_000)
        try:
            yield context
        finally:
            context.close()


def page_width(page: Any) -> int:
    """How wide the document is: more than the window means the page scrolls sideways as a whole."""
    return int(page.evaluate("document.documentElement.scrollWidth"))


def axe_source_or_skip() -> str:
    """axe-core's JavaScript as run_axe.sh installs it (npm, into AXE_HOME); runs the script once to install it."""
    if not AXE_TOOL.is_file():
        pytest.skip(f"the axe tool is not at {AXE_TOOL} (shared/ beside the repository)")
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are needed by run_axe.sh: apt-get install -y nodejs npm")
    cache = Path(os.environ.get("AXE_HOME", Path.home() / ".cache" / "axe-runner"))
    source = cache / "node_modules" / "axe-core" / "axe.min.js"
    if not source.is_file():
        blank = cache.parent / "axe-install-check.html"
        blank.parent.mkdir(parents=True, exist_ok=True)
        blank.write_text('<!DOCTYPE html><html lang="en"><title>t</title><main><h1>t</h1></main></html>')
        run_axe_script(blank)
    if not source.is_file():
        pytest.skip(f"run_axe.sh did not install axe-core into {cache}")
    return source.read_text(encoding="utf-8")


def run_axe_script(page: Path, tags: str | None = None) -> dict[str, Any]:
    """The JSON summary that `run_axe.sh PAGE` prints (AXE_TAGS=tags when given)."""
    env = {**os.environ, "CHROMIUM": chromium_or_skip()}
    if tags:
        env["AXE_TAGS"] = tags
    done = subprocess.run(["bash", str(AXE_TOOL), str(page)], capture_output=True, text=True, env=env,
                          timeout=300, check=False)
    assert done.returncode == 0, f"run_axe.sh failed on {page}:\n{done.stderr[-2000:]}"
    return json.loads(done.stdout)


def axe_violations(page: Any, axe_source: str, tags: list[str] | None) -> list[dict[str, Any]]:
    """axe-core's violations on the loaded page: `tags` as run_axe.sh's AXE_TAGS, None for axe's default rules."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source)
    options = {"runOnly": {"type": "tag", "values": tags}} if tags else {}
    results = page.evaluate("async (options) => await axe.run(document, options)", options)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": len(v["nodes"]),
             "example": v["nodes"][0]["target"] if v["nodes"] else None} for v in results["violations"]]
