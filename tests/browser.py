"""Open pages in a real headless Chromium (Debian's ``chromium``), driven by Playwright.

Playwright only drives the system browser (``executable_path``); it never downloads one. Every
run gets a fresh profile, networking off (``offline``), and records each request, each failed
load, console messages and page errors, so tests can assert that a page loads nothing and
logs nothing.

Locally, without a browser, the tests that need one skip with the reason; with
``LINKREPORT_REQUIRE_BROWSER=1`` (set by ``.ci/run``) a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs
import pytest

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--host-resolver-rules=MAP * ~NOTFOUND",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
#: Where screenshots are kept (CI keeps them as artefacts): LINKREPORT_ARTIFACTS or build/artifacts.
ARTIFACTS = Path(
    os.environ.get("LINKREPORT_ARTIFACTS") or Path(__file__).parent.parent / "build" / "artifacts"
)


def chromium_path() -> str | None:
    """The system Chromium: ``LINKREPORT_CHROMIUM``, else ``chromium`` on PATH."""
    named = os.environ.get("LINKREPORT_CHROMIUM")
    if named:
        return named if os.access(named, os.X_OK) else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def require_browser() -> str:
    """The browser's path; skip (locally) or fail (``LINKREPORT_REQUIRE_BROWSER=1``) without one."""
    path = chromium_path()
    problem = None
    if path is None:
        problem = "no Chromium found (apt-get install chromium, or set LINKREPORT_CHROMIUM)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the playwright package is not installed (make setup)"
    if problem:
        if os.environ.get("LINKREPORT_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests required but {problem}")
        pytest.skip(f"browser test skipped: {problem}")
    assert path is not None
    return path


@attrs.define
class Visit:
    """What happened while a page was open."""

    page: Any
    url: str
    requests: list[str] = attrs.Factory(list)
    failed: list[str] = attrs.Factory(list)
    console: list[tuple[str, str]] = attrs.Factory(list)
    page_errors: list[str] = attrs.Factory(list)

    @property
    def console_errors(self) -> list[str]:
        return [text for kind, text in self.console if kind in ("error", "warning")]

    @property
    def outside_requests(self) -> list[str]:
        """Requests for anything but the page itself."""
        return [url for url in self.requests if url != self.url]

    def screenshot(self, name: str, *, full_page: bool = False) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def evaluate(self, script: str, arg: Any = None) -> Any:
        return self.page.evaluate(script, arg)


@contextmanager
def chromium(executable: str) -> Iterator[Any]:
    """A fresh persistent Chromium context (new profile directory), offline."""
    from playwright.sync_api import sync_playwright

    with (
        tempfile.TemporaryDirectory(prefix="linkreport-chromium-") as profile,
        sync_playwright() as pw,
    ):
        context = pw.chromium.launch_persistent_context(
            profile,
            executable_path=executable,
            headless=True,
            args=ARGS,
            offline=True,
            viewport=DESKTOP,
            service_workers="block",
        )
        try:
            yield context
        finally:
            context.close()


@contextmanager
def visit(context: Any, path: Path, viewport: dict[str, int] = DESKTOP) -> Iterator[Visit]:
    """Open ``path`` in a new page of ``context`` and record what it does."""
    page = context.new_page()
    page.set_viewport_size(viewport)
    result = Visit(page=page, url=path.resolve().as_uri())
    page.on("request", lambda request: result.requests.append(request.url))
    page.on("requestfailed", lambda request: result.failed.append(request.url))
    page.on("console", lambda message: result.console.append((message.type, message.text)))
    page.on("pageerror", lambda error: result.page_errors.append(str(error)))
    page.goto(result.url, wait_until="load")
    page.wait_for_load_state("networkidle")
    try:
        yield result
    finally:
        page.close()
