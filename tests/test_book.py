"""The book builds with warnings as errors, and the build says nothing to worry about."""

from __future__ import annotations

import pytest

from tools import bookbuild, page_sizes

pytestmark = pytest.mark.book


def test_book_builds_without_warnings():
    result = bookbuild.build()
    tail = "\n".join(result.log.splitlines()[-40:])
    assert result.returncode == 0, f"jupyter-book build failed:\n{tail}"
    assert result.warnings == [], "the build reported:\n" + "\n".join(result.warnings)
    assert (bookbuild.HTML_DIR / "index.html").is_file()


def test_every_toc_page_is_built():
    result = bookbuild.build()
    assert result.returncode == 0
    for page in bookbuild.toc_pages():
        assert (bookbuild.HTML_DIR / page).is_file(), f"{page} is in _toc.yml but was not built"


#: The most one page may weigh, its HTML and its images (theme files, shared by every
#: page and cached, not counted). Chapter 3's photographs make it the heaviest page.
PAGE_BUDGET = 2_500_000


def test_pages_stay_light():
    """Every page within budget; ``python tools/page_sizes.py`` prints the same table."""
    assert bookbuild.build().returncode == 0
    pages = bookbuild.toc_pages() + bookbuild.EXTRA_PAGES
    sizes = [page_sizes.page_size(page) for page in pages]
    heavy = [size.page for size in sizes if size.total > PAGE_BUDGET]
    assert heavy == [], f"pages over {PAGE_BUDGET} bytes:\n{page_sizes.report(sizes)}"

