"""The book builds with warnings as errors, and the build says nothing to worry about."""

from __future__ import annotations

import pytest

from tools import bookbuild

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
