"""Playwright (Python) driving Debian's Chromium against pytest-django's live server.

The browser is never downloaded: it is /usr/bin/chromium from the `chromium` package.
Every page opened through the ``open_page`` fixture fails its test on a console error or
warning, or a failed request. Screenshots go to test-artifacts/screenshots/.
"""

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the
# test body are still synchronous, so tell Django not to refuse them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageProblems(list):
    def check(self):
        assert not self, "browser reported problems:\n" + "\n".join(self)


@pytest.fixture
def open_page(browser, live_server):
    """open_page(path, viewport=DESKTOP) -> a Playwright page; problems fail the test."""
    contexts = []
    problems = PageProblems()

    def _open(path, viewport=DESKTOP, context=None):
        if context is None:
            context = browser.new_context(viewport=viewport, locale="zh-CN")
            contexts.append(context)
        page = context.new_page()
        # Warnings too: Chromium reports a header it does not understand (a Permissions-Policy
        # feature, a CSP directive) as a console warning on every page.
        page.on(
            "console",
            lambda msg: msg.type in {"error", "warning"} and problems.append(f"console {msg.type}: {msg.text}"),
        )
        page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
        page.on(
            "requestfailed",
            # ERR_ABORTED is the browser dropping a request when the page navigates or closes.
            lambda req: (
                req.failure != "net::ERR_ABORTED" and problems.append(f"request failed: {req.url} {req.failure}")
            ),
        )
        page.on(
            "response",
            lambda resp: resp.status >= 400 and problems.append(f"HTTP {resp.status}: {resp.url}"),
        )
        page.goto(live_server.url + path)
        return page

    _open.problems = problems
    yield _open
    for context in contexts:
        context.close()
    problems.check()


def screenshot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)
