"""The website as a reader sees it, in a real headless browser, with no network.

The book is built once (``tools/bookbuild.py``), served from ``_build/html`` on
127.0.0.1, and opened in Debian's ``chromium`` driven by Playwright, with every
off-site request blocked and reported (``tests/browsing.py``). Besides loading, math,
images, solutions and search, every page is checked for accessibility: axe-core finds
no violation (any impact; no rule switched off) in light or dark mode, every image has
alt text that says what it shows, solutions open and close from the keyboard with a
visible focus, and each chapter's animation players play.

Opening a chapter costs seconds (its HTML, figures, players and MathJax), so the tests
of one page share one visit (the ``opened`` fixture): they run one after another on
the same worker (``tools/scheduling.py``), in the order of this file, each leaving the
page as a reader could: the keyboard test closes every fold it opens and the player
test pauses its players; then the page test opens the solutions, and last the
accessibility test opens every fold and switches to dark mode. A problem the browser
reports on a page, from its loading on, fails every test that sees it.
"""

from __future__ import annotations

import json
from pathlib import Path

import browsing
import pytest
from browsing import (
    Visit,
    axe_violations_in_each_mode,
    check_player,
    focus_ring,
    images,
    open_folds,
    page_check,
    serve,
    tab_to,
)

from convcourse.plot import player
from convcourse.plot.player import PLAYER_BUDGET
from tools import bookbuild, set_alt_text, testcache
from tools.set_alt_text import alt_text_problem

pytestmark = pytest.mark.browser

PAGES = bookbuild.toc_pages() + bookbuild.EXTRA_PAGES
CHAPTERS = [p for p in PAGES if p.startswith("chapters/")]

# How many animation players (convcourse.plot.animate_*) each chapter shows: chapter 1
# animate_windows, chapter 2 animate_backward, chapter 5 animate_im2col, chapter 6
# animate_max_pool_backward, chapter 7 animate_activations, chapter 8
# animate_conv_transpose. A page not listed must show none.
EXPECTED_PLAYERS: dict[str, int] = {
    "chapters/01-naive-forward.html": 1,
    "chapters/02-backward.html": 1,
    "chapters/05-fast-convolution.html": 1,
    "chapters/06-network.html": 1,
    "chapters/07-cnn-blocks.html": 1,
    "chapters/08-going-backwards.html": 1,
}


@pytest.fixture(scope="session")
def site():
    """The built website, served on 127.0.0.1 on a free port; yields its base URL."""
    result = bookbuild.build()
    if not (bookbuild.HTML_DIR / "index.html").is_file():
        pytest.fail("the book did not build:\n" + result.log[-3000:])
    with serve(bookbuild.HTML_DIR) as base_url:
        yield base_url


@pytest.fixture
def visit(browser, site):
    """``visit(path, color_scheme="light")``: open a page of the site in a fresh context."""
    visits: list[Visit] = []

    def open_page(path: str, color_scheme: str = "light"):
        v = Visit(browser, site, color_scheme)
        visits.append(v)
        return v, v.open(path)

    yield open_page
    for v in visits:
        v.close()


#: The code the tests of a page run: this module and what it calls in the project.
TEST_CODE = [Path(m.__file__) for m in (browsing, player, bookbuild, set_alt_text)] + [
    Path(__file__)]


@pytest.fixture(autouse=True)
def _cached_pass(request):
    """A test of one page (it uses ``opened``) that passed on this machine with identical
    inputs is reported skipped, as a cached pass, and the page is not even opened for
    it: see ``browsing.page_check`` for its inputs and ``tools/testcache.py``."""
    if "opened" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("site")  # the book, built or reused
    path = request.node.callspec.params["path"]
    check = page_check(request.node.originalname, path, bookbuild.HTML_DIR, TEST_CODE)
    reason = check.cached_pass()
    if reason is not None:
        pytest.skip(reason)
    visits = request.getfixturevalue("opened").visits
    yield
    report = request.node.stash.get(testcache.REPORTS, {}).get("call")
    if report is not None and report.passed and path in visits:
        check.found = [bookbuild.HTML_DIR / p for p in visits[path].loaded]
        check.record()


@pytest.fixture(scope="module")
def opened(browser, site):
    """``opened(path)``: the page at ``path``, loaded once (light mode, network idle)
    and shared by this module's tests of that page; returns ``(visit, page)``."""
    visits: dict[str, Visit] = {}

    def open_shared(path: str):
        from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

        if path not in visits:
            v = Visit(browser, site)
            v.open(path)
            try:
                v.page.wait_for_load_state("networkidle")
            except PlaywrightTimeoutError:
                # Seen about once in a few full runs on two busy cores: the page loaded
                # but the network never went quiet for 500 ms. Load it once more; a page
                # that never settles still fails here.
                v.open(path)
                v.page.wait_for_load_state("networkidle")
            visits[path] = v
        return visits[path], visits[path].page

    open_shared.visits = visits
    yield open_shared
    for v in visits.values():
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


# --- the tests of one page, in the order they may share its visit --------------------


@pytest.mark.parametrize("path", CHAPTERS)
def test_folds_open_and_close_from_the_keyboard(opened, path):
    """Tab reaches each solution's toggle and each hidden cell's summary, its focus is
    visible, Enter opens it and Space closes it again."""
    v, page = opened(path)
    folds = page.locator("div.solution, details")
    for i in range(folds.count()):
        fold = folds.nth(i)
        if fold.evaluate("element => element.tagName") == "DETAILS":
            toggle = fold.locator(":scope > summary")
            is_open = "element => element.open"
        else:
            toggle = fold.locator(":scope > .admonition-title button.toggle-button")
            is_open = "element => !element.classList.contains('toggle-hidden')"
        name = fold.inner_text().strip().splitlines()[0]
        tab_to(page, toggle)
        assert focus_ring(page), f"{path}: {name!r}: the focused toggle shows no focus"
        assert not fold.evaluate(is_open), f"{path}: {name!r} starts open"
        page.keyboard.press("Enter")
        assert fold.evaluate(is_open), f"{path}: Enter did not open {name!r}"
        if toggle.get_attribute("aria-expanded") is not None:  # a button says its state
            assert toggle.get_attribute("aria-expanded") == "true", f"{path}: {name!r}"
        page.keyboard.press("Space")
        assert not fold.evaluate(is_open), f"{path}: Space did not close {name!r}"
    assert v.problems == [], f"{path}:\n" + "\n".join(v.problems)


@pytest.mark.parametrize("path", CHAPTERS)
def test_animation_players_play(opened, path):
    v, page = opened(path)
    players = page.locator("div.cc-player")
    assert players.count() == EXPECTED_PLAYERS.get(path, 0)
    for i in range(players.count()):
        check_player(page, players.nth(i))
        size = len(players.nth(i).evaluate("element => element.outerHTML").encode())
        assert size <= PLAYER_BUDGET, f"{path}: player {i} weighs {size} bytes"
    assert v.problems == [], f"{path}:\n" + "\n".join(v.problems)


@pytest.mark.parametrize("path", CHAPTERS)
def test_chapter_offers_notebook_download_and_no_launch_buttons(opened, path):
    v, page = opened(path)
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


@pytest.mark.parametrize("path", PAGES)
def test_images_have_alt_text(opened, path):
    """Every image says what it shows: no empty alt, no file name or hash, 4+ words."""
    v, page = opened(path)
    problems = [
        f"{image['src']}: alt text {problem}: {image['alt']!r}"
        for image in images(page)
        if (problem := alt_text_problem(image["alt"]))
    ]
    assert problems == [], f"{path}:\n" + "\n".join(problems)


# Otter's markup (raw cells and test cells) must not show in a chapter on the website.
OTTER_MARKUP = ["# BEGIN QUESTION", "# BEGIN TESTS", "BEGIN TEST CONFIG", "# END QUESTION"]


@pytest.mark.parametrize("path", PAGES)
def test_page(opened, path):
    v, page = opened(path)
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


# --- accessibility (last: it opens every fold and switches to dark mode) -------------

# Every page, and the search page with results (its results are inserted by script).
SEARCH_PAGE = "search.html?q=backward"


@pytest.mark.parametrize("path", [*PAGES, SEARCH_PAGE])
def test_page_passes_axe(opened, path):
    """axe-core finds no violation of any impact, in light and dark mode, folds opened.

    Folded solutions and hidden cells are invisible to axe, so all are opened first;
    the toggles themselves look the same open or closed.
    """
    v, page = opened(path)
    if path == SEARCH_PAGE:
        page.locator("#search-results ul.search li a").first.wait_for(timeout=20_000)
    open_folds(page)
    violations = axe_violations_in_each_mode(page)
    assert violations == [], f"{path}:\n" + "\n".join(violations)
    assert v.problems == [], f"{path}:\n" + "\n".join(v.problems)  # axe fetched nothing


# --- search (a page of its own) -------------------------------------------------------


def test_search_finds_a_chapter_for_backward(visit):
    v, page = visit("search.html?q=backward")
    results = page.locator("#search-results ul.search li a")
    results.first.wait_for(timeout=20_000)
    hrefs = [results.nth(i).get_attribute("href") or "" for i in range(results.count())]
    assert any(h.startswith("chapters/") for h in hrefs), f"no chapter among {hrefs}"
    assert v.problems == [], "search.html:\n" + "\n".join(v.problems)
