"""The website as a reader sees it, in a real headless browser, with no network.

The book is built once (``tools/bookbuild.py``), served from ``_build/html`` on 127.0.0.1 by a
thread, and opened in Debian's ``chromium`` driven by Playwright. Every request that
does not go to 127.0.0.1 is blocked and reported as a failure, so the pages must work
offline: MathJax comes from the site itself, as do scripts, fonts and styles.

Needs ``/usr/bin/chromium`` (``apt-get install chromium``; never ``playwright install``).
Without it these tests skip, unless ``CONVCOURSE_REQUIRE_BROWSER=1`` (set by ``.ci/run``)
turns the skip into a failure.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tools import bookbuild

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
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
HOW_TO_ENABLE = (
    "install Debian's chromium to run the browser tests: "
    "`sudo apt-get update && sudo apt-get install -y chromium` (provides /usr/bin/chromium)"
)

# Console errors that come from upstream packages, not from the course. Each entry is a
# substring of the message and must name the upstream issue it works around.
# (Empty: no upstream issue needs working around today.)
CONSOLE_ALLOW_LIST: dict[str, str] = {}

# Pages that are in the book but not in _toc.yml.
EXTRA_PAGES = ["genindex.html"]
PAGES = bookbuild.toc_pages() + EXTRA_PAGES


def _unavailable(reason: str) -> None:
    if os.environ.get("CONVCOURSE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (CONVCOURSE_REQUIRE_BROWSER=1 makes this a failure)")
    pytest.skip(f"{reason}; {HOW_TO_ENABLE}")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # the base class's signature
        pass


@pytest.fixture(scope="session")
def site():
    """The built website, served on 127.0.0.1 on a free port; yields its base URL."""
    result = bookbuild.build()
    if not (bookbuild.HTML_DIR / "index.html").is_file():
        pytest.fail("the book did not build:\n" + result.log[-3000:])
    handler = functools.partial(_QuietHandler, directory=str(bookbuild.HTML_DIR))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} not found")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed in this environment")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


class Visit:
    """One page in a fresh browser context, with everything that went wrong recorded."""

    def __init__(self, browser, base_url: str):
        self.context = browser.new_context()
        self.problems: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("requestfailed", self._request_failed)
        self.page.on("response", self._response)
        self.base_url = base_url

    def _route(self, route):
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in {"http", "https", "ws", "wss"} and parts.hostname != "127.0.0.1":
            self.problems.append(f"blocked off-site request: {url}")
            route.abort()
        else:
            route.continue_()

    def _console(self, message):
        if message.type != "error":
            return
        text = message.text
        if any(allowed in text for allowed in CONSOLE_ALLOW_LIST):
            return
        self.problems.append(f"console error: {text} ({message.location.get('url')})")

    def _request_failed(self, request):
        if urlsplit(request.url).hostname == "127.0.0.1":
            self.problems.append(f"request failed: {request.url} ({request.failure})")

    def _response(self, response):
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def open(self, path: str):
        response = self.page.goto(f"{self.base_url}/{path}", wait_until="load")
        assert response is not None and response.ok, f"{path} did not load: {response}"
        return self.page

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser, site):
    visits: list[Visit] = []

    def open_page(path: str):
        v = Visit(browser, site)
        visits.append(v)
        return v, v.open(path)

    yield open_page
    for v in visits:
        v.close()


def _check_math(page, path: str) -> int:
    """Every math element Sphinx wrote is typeset by MathJax, without errors."""
    n_math = page.locator(".math").count()
    if n_math == 0:
        return 0
    page.wait_for_function(
        "n => document.querySelectorAll('mjx-container').length >= n", arg=n_math,
        timeout=20_000,
    )
    assert page.locator("mjx-merror").count() == 0, f"{path}: MathJax reported a TeX error"
    return n_math


def _check_images(page, path: str) -> int:
    page.wait_for_function(
        "Array.from(document.images).every(img => img.complete)", timeout=20_000
    )
    broken = page.evaluate(
        "Array.from(document.images).filter(img => img.naturalWidth === 0).map(img => img.src)"
    )
    assert broken == [], f"{path}: images that did not load: {broken}"
    return page.evaluate("document.images.length")


def _check_solutions(page, path: str) -> int:
    """Each solution is folded away until its toggle button is clicked."""
    solutions = page.locator("div.solution")
    for i in range(solutions.count()):
        solution = solutions.nth(i)
        body = solution.locator(":scope > section").first
        title = solution.locator(":scope > .admonition-title").first.inner_text().strip()
        assert "dropdown" in (solution.get_attribute("class") or ""), (
            f"{path}: solution {title!r} is not a dropdown (add ':class: dropdown')"
        )
        assert not body.is_visible(), f"{path}: solution {title!r} is open by default"
        # sphinx-togglebutton puts its button in the title (the title's link goes to
        # the exercise instead).
        solution.locator(":scope > .admonition-title button.toggle-button").first.click()
        body.wait_for(state="visible", timeout=5_000)
    return solutions.count()


# Otter's markup (raw cells and test cells) must not show in a chapter on the website.
OTTER_MARKUP = ["# BEGIN QUESTION", "# BEGIN TESTS", "BEGIN TEST CONFIG", "# END QUESTION"]


@pytest.mark.parametrize("path", PAGES)
def test_page(visit, path):
    v, page = visit(path)
    page.wait_for_load_state("networkidle")
    if path.startswith("chapters/"):
        text = page.locator("main").inner_text()
        shown = [marker for marker in OTTER_MARKUP if marker in text]
        assert shown == [], f"{path} shows otter markup: {shown}"
    try:
        _check_math(page, path)
        _check_images(page, path)
        _check_solutions(page, path)
    except Exception as error:  # a blocked or failed request is often the cause: show both
        raise AssertionError(f"{path}: {error}\nrecorded: {v.problems}") from error
    assert v.problems == [], f"{path}:\n" + "\n".join(v.problems)


@pytest.mark.parametrize("path", [p for p in PAGES if p.startswith("chapters/")])
def test_chapter_offers_notebook_download_and_no_launch_buttons(visit, path):
    v, page = visit(path)
    link = page.locator("a.btn-download-source-button").first
    href = link.get_attribute("href")
    assert href is not None and href.endswith(".ipynb"), f"{path}: download link is {href!r}"
    notebook = page.request.get(page.url.rsplit("/", 1)[0] + "/" + href)
    assert notebook.ok, f"{path}: {href} does not download"
    assert "cells" in json.loads(notebook.body()), f"{path}: {href} is not a notebook"
    # Launch buttons appear only once repository.url is set in _config.yml.
    assert page.locator(".dropdown-launch-buttons").count() == 0
    assert page.locator("a[href*='mybinder'], a[href*='colab']").count() == 0
    assert v.problems == [], f"{path}:\n" + "\n".join(v.problems)


def test_search_finds_a_chapter_for_backward(visit):
    v, page = visit("search.html?q=backward")
    results = page.locator("#search-results ul.search li a")
    results.first.wait_for(timeout=20_000)
    hrefs = [results.nth(i).get_attribute("href") or "" for i in range(results.count())]
    assert any(h.startswith("chapters/") for h in hrefs), f"no chapter among {hrefs}"
    assert v.problems == [], "search.html:\n" + "\n".join(v.problems)
