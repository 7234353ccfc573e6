"""What the browser tests share: a local server, a recorded page visit, and the checks.

The website is served from a directory on 127.0.0.1 by a thread and opened in Debian's
``chromium`` driven by Playwright. Every request that does not go to 127.0.0.1 is
blocked and reported as a problem, so a page must work offline: MathJax comes from the
site itself, as do scripts, fonts and styles, and axe-core is injected from the
``axe-playwright-python`` package (it fetches nothing).

Needs ``/usr/bin/chromium`` (``apt-get install chromium``; never ``playwright install``).
Without it the browser tests skip, unless ``CONVCOURSE_REQUIRE_BROWSER=1`` (set by
``.ci/run``) turns the skip into a failure.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from tools import testcache

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

#: The colour modes of the theme; the pages are checked in both.
COLOR_SCHEMES = ("light", "dark")


def unavailable(reason: str) -> None:
    """Skip (or, with ``CONVCOURSE_REQUIRE_BROWSER=1``, fail) for want of a browser."""
    if os.environ.get("CONVCOURSE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (CONVCOURSE_REQUIRE_BROWSER=1 makes this a failure)")
    pytest.skip(f"{reason}; {HOW_TO_ENABLE}")


@contextlib.contextmanager
def launch() -> Iterator[object]:
    """Headless chromium, or a skip (see :func:`unavailable`)."""
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} not found")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright package is not installed in this environment")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # the base class's signature
        pass


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 on a free port; yields its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


#: How long a page may take to load (milliseconds), see :class:`Visit`.
LOAD_TIMEOUT_MS = 120_000


class Visit:
    """One page in a fresh browser context, with everything that went wrong recorded."""

    def __init__(self, browser, base_url: str, color_scheme: str = "light"):
        self.context = browser.new_context(color_scheme=color_scheme)
        # Loading waits (page load, network idle) get longer than Playwright's 30 s:
        # make test runs two workers, kernels and browsers on two cores, and a chapter's
        # first load can take that long there. A wait with a timeout of its own keeps it.
        self.context.set_default_timeout(LOAD_TIMEOUT_MS)
        self.problems: list[str] = []
        #: The paths of every file the site served to this page (for tools/testcache).
        self.loaded: set[str] = set()
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
        parts = urlsplit(response.url)
        if parts.hostname == "127.0.0.1":
            self.loaded.add(unquote(parts.path).lstrip("/") or "index.html")
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def open(self, path: str):
        response = self.page.goto(f"{self.base_url}/{path}", wait_until="load")
        assert response is not None and response.ok, f"{path} did not load: {response}"
        return self.page

    def close(self) -> None:
        self.context.close()


# --- cached passes -------------------------------------------------------------------------


def browser_identity() -> str:
    """The installed chromium (its launcher's bytes, the size and time of its binaries)."""
    parts = []
    for path in (CHROMIUM, CHROMIUM.resolve(), Path("/usr/lib/chromium/chromium")):
        if path.is_file():
            stat = path.stat()
            parts.append(f"{path} {stat.st_size} {stat.st_mtime_ns}")
    if CHROMIUM.is_file() and CHROMIUM.stat().st_size < 1_000_000:
        parts.append(hashlib.sha256(CHROMIUM.read_bytes()).hexdigest())
    return "\n".join(parts)


def page_check(test: str, path: str, html_dir: Path, code: list[Path]) -> testcache.Check:
    """A browser test of one page of the built site as a check :mod:`tools.testcache` may
    remember: it reads the page and, found while it runs, every file the page loads
    (:attr:`Visit.loaded`: stylesheets, scripts, images, fonts, what axe fetches); it runs
    ``code`` in the installed browser (the auditing library's version is in
    :func:`tools.testcache.environment`)."""
    page = html_dir / urlsplit(path).path
    return testcache.Check(f"{test} {path}", [page, *code], {"browser": browser_identity()})


# --- accessibility ------------------------------------------------------------------------


def open_folds(page) -> int:
    """Open every folded solution and hidden cell, so that axe sees what they hold.

    Returns how many folds were opened, once sphinx-togglebutton's fade-in is over.
    """
    opened = page.evaluate(
        """() => {
            let n = 0;
            document.querySelectorAll("button.toggle-button-hidden").forEach(button => {
                button.click();
                n++;
            });
            document.querySelectorAll("details:not([open])").forEach(details => {
                details.open = true;
                n++;
            });
            return n;
        }"""
    )
    settle(page)
    return opened


def settle(page) -> None:
    """Wait until no CSS transition runs (text half faded in, or a background half way
    from light to dark, would fail axe's contrast check)."""
    page.wait_for_function(
        """() => document.getAnimations()
                  .filter(animation => animation instanceof CSSTransition)
                  .every(animation => animation.playState !== "running")""",
        timeout=10_000,
    )


def _redirect_misresolved_imports(page) -> None:
    """Send axe-core's requests for ``@import``-ed stylesheets where they belong.

    axe-core 4.12.1 (in axe-playwright-python 0.1.8) fetches the stylesheets a page
    ``@import``-s in order to check them (rule "css-orientation-lock"), but resolves
    their relative URLs against the page instead of the importing stylesheet
    (dequelabs/axe-core#5268, fix proposed in #5269): the theme's
    ``_static/styles/theme.css`` imports ``../basic.css``, and axe asks for
    ``/basic.css``, a 404. This routes each such request to the URL the browser itself
    loaded, so axe checks the real stylesheet. Remove it once axe-core resolves them.
    """
    pairs = page.evaluate(
        """() => Array.from(document.styleSheets).flatMap(sheet => {
            let rules;
            try { rules = Array.from(sheet.cssRules); } catch (error) { return []; }
            return rules.filter(rule => rule instanceof CSSImportRule).map(rule => [
                new URL(rule.href, document.baseURI).href,
                new URL(rule.href, sheet.href || document.baseURI).href,
            ]);
        })"""
    )
    for wrong, right in pairs:
        if wrong != right:
            page.route(wrong, functools.partial(_continue_to, right))


def _continue_to(url: str, route, request) -> None:
    route.continue_(url=url)


def axe_violations(page) -> list[str]:
    """Run axe-core (every rule it runs by default) on the page; one line per problem."""
    from axe_playwright_python.sync_playwright import Axe

    _redirect_misresolved_imports(page)
    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {', '.join(map(str, node['target']))}: "
        f"{node.get('failureSummary', '').replace(chr(10), ' ')}"
        for violation in results.response["violations"]
        for node in violation["nodes"]
    ]


def axe_violations_in_each_mode(page) -> list[str]:
    """:func:`axe_violations` in light mode, then in dark mode (``mode: problem`` lines).

    The theme follows the browser's colour scheme (``default_mode: auto``): the browser
    switches it, and axe runs once the page has finished changing colour.
    """
    violations = []
    for color_scheme in COLOR_SCHEMES:
        page.emulate_media(color_scheme=color_scheme)
        page.wait_for_function("mode => document.documentElement.dataset.theme === mode",
                               arg=color_scheme, timeout=5_000)
        settle(page)
        violations += [f"{color_scheme}: {line}" for line in axe_violations(page)]
    return violations


def images(page) -> list[dict[str, str | None]]:
    """``src`` (shortened) and ``alt`` of every ``<img>`` in the page as rendered."""
    return page.evaluate(
        """() => Array.from(document.images).map(img => ({
            src: (img.getAttribute("src") || "").slice(0, 80),
            alt: img.getAttribute("alt"),
        }))"""
    )


def focus_ring(page) -> str:
    """How the focused element shows its focus: its outline or box shadow ('' if none)."""
    return page.evaluate(
        """() => {
            const style = getComputedStyle(document.activeElement);
            if (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0) {
                return `outline ${style.outlineWidth} ${style.outlineStyle} ${style.outlineColor}`;
            }
            return style.boxShadow !== "none" ? `box-shadow ${style.boxShadow}` : "";
        }"""
    )


def tab_to(page, locator) -> None:
    """Move the keyboard focus onto ``locator`` with the Tab key.

    Focus lands on the element, Shift+Tab moves to the focusable element before it and
    Tab comes back: the element is in the tab order, and has the focus as a keyboard
    user gives it (so ``:focus-visible`` applies).
    """
    locator.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    assert locator.evaluate("element => element === document.activeElement"), (
        "Tab does not reach " + locator.evaluate("element => element.outerHTML.slice(0, 120)")
    )


# --- animation players --------------------------------------------------------------------


def check_player(page, player) -> None:
    """A player (``div.cc-player``) shows its first frame, steps, plays and pauses.

    Steps with the Next button from the keyboard, plays with Play until the frame has
    moved on twice, then pauses.
    """
    label = player.get_attribute("aria-label")
    image = player.locator("img")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                           arg=image.element_handle(), timeout=10_000)
    assert player.get_attribute("data-ready") == "1", f"{label}: its script did not run"
    assert player.locator(".cc-player-controls").is_visible(), f"{label}: no controls"
    assert player.get_attribute("data-frame") == "0", f"{label}: does not start at frame 0"
    first_src = image.get_attribute("src")
    first_caption = player.locator(".cc-player-caption").inner_text()

    tab_to(page, player.locator("button[data-action=next]"))
    assert focus_ring(page), f"{label}: the focused Next button shows no focus"
    page.keyboard.press("Enter")
    assert player.get_attribute("data-frame") == "1", f"{label}: Next did not step"
    assert image.get_attribute("src") != first_src, f"{label}: the image did not change"
    assert player.locator(".cc-player-caption").inner_text() != first_caption

    play = player.locator("button[data-action=play]")
    play.click()
    assert play.inner_text() == "Pause"
    page.wait_for_function("element => Number(element.dataset.frame) >= 3",
                           arg=player.element_handle(), timeout=20_000)
    play.click()
    assert play.inner_text() == "Play"
    paused_at = player.get_attribute("data-frame")
    page.wait_for_timeout(1.5 * int(player.get_attribute("data-interval")))
    assert player.get_attribute("data-frame") == paused_at, f"{label}: Pause did not stop"
