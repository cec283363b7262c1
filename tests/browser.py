"""A real browser against the live test server: Debian's Chromium, headless, driven by
Playwright (its own browser download is never used). The workspace and the portal
tests open it with their own language and screen size."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.db import connections

from tests.servers import requires_server

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[1]


def artifacts_dir() -> Path:
    """Where the end-to-end tests keep their screenshots (kept by CI as test artifacts)."""
    configured = os.environ.get("ZAYAVKA_TEST_ARTIFACTS")
    path = Path(configured) if configured else REPO / "var" / "test-artifacts"
    path.mkdir(parents=True, exist_ok=True)
    return path


# Chromium reports what the Content-Security-Policy refused both as a DOM event and as a
# console error; every page a browser test opens is checked for either.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI} `
    + `at ${e.sourceFile}:${e.lineNumber} ${e.sample}`);
});
"""


def is_csp_violation(text: str) -> bool:
    return "CSP violation" in text or "Content Security Policy" in text


@dataclass
class Browser:
    page: Page
    base_url: str
    shots: Path
    prefix: str
    csp_violations: list[str] = field(default_factory=list)
    lang: str = "en"  # the language the pages are asked in
    phone: bool = False  # a phone-sized screen

    def t(self, russian: str, english: str) -> str:
        """The text the page shows in this browser's language."""
        return russian if self.lang == "ru" else english

    def assert_fits(self) -> None:
        """Nothing on the page is wider than the screen: no sideways scrolling."""
        width, inner = self.page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]"
        )
        wide: list[str] = []
        if width > inner:
            wide = self.page.evaluate(
                """(inner) => Array.from(document.querySelectorAll("body *"))
                  .filter((el) => el.getBoundingClientRect().right > inner)
                  .slice(0, 5).map((el) => el.tagName + "." + el.className + "#" + el.id)""",
                inner,
            )
        assert width <= inner, f"the page is {width}px wide on a {inner}px screen: {wide}"

    def open(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def htmx_ready(self) -> None:
        """Wait until htmx has wired every element of the page that asks it to: after a
        boosted navigation a field filled at once could otherwise beat its listener."""
        self.page.wait_for_function(
            "() => window.htmx && Array.from(document.querySelectorAll("
            "'[hx-get], [hx-post]')).every((el) => el['htmx-internal-data'])"
        )

    def accessibility_problems(self) -> list[str]:
        """What axe-core (from the npm registry, installed by bin/setup) finds serious or
        critical on the page, one line per rule: its id, what it says, where."""
        axe = REPO / "node_modules" / "axe-core" / "axe.min.js"
        requires_server("axe-core", axe.exists(), "run bin/setup (npm installs axe-core)")
        # Evaluated, not added as a <script>: the Content-Security-Policy allows no
        # script but our own files, and the tool must not change what it checks.
        self.page.evaluate(axe.read_text(encoding="utf-8"))
        found = self.page.evaluate(
            """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
                .filter((v) => v.impact === "serious" || v.impact === "critical")
                .map((v) => `${v.id}: ${v.help} at ${v.nodes.slice(0, 3)
                  .map((n) => n.target.join(" ")).join(", ")}`)"""
        )
        return list(found)

    def screenshot(self, name: str) -> None:
        self.page.screenshot(path=self.shots / f"{self.prefix}-{name}.png", full_page=True)


@contextmanager
def open_browser(
    live_server: Any, monkeypatch: pytest.MonkeyPatch, *, prefix: str, **context: Any
) -> Iterator[Browser]:
    """A fresh browser context (``context``: Playwright's new_context options)."""
    requires_server(
        "Chromium", CHROMIUM.exists(), "install Debian's chromium package (/usr/bin/chromium)"
    )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls
    # are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        browser_context = chromium.new_context(timezone_id="Europe/Moscow", **context)
        browser_context.set_default_timeout(20_000)
        browser_context.add_init_script(REPORT_CSP_VIOLATIONS)
        browser = Browser(browser_context.new_page(), live_server.url, artifacts_dir(), prefix)

        def on_console(message: Any) -> None:
            if message.type == "error" and is_csp_violation(message.text):
                browser.csp_violations.append(
                    f"{message.page.url if message.page else ''}: {message.text}"
                )

        browser_context.on("console", on_console)
        try:
            yield browser
        finally:
            browser_context.close()
            chromium.close()
            # The test's own queries ran while Playwright's loop was current, so Django
            # kept their connection apart from the thread's usual one: close it here.
            connections.close_all()
        if browser.csp_violations:
            pytest.fail(
                "the Content-Security-Policy refused something:\n"
                + "\n".join(dict.fromkeys(browser.csp_violations)),
                pytrace=False,
            )
