"""Shared pytest settings: hypothesis profiles (profiles.py), matplotlib without a display,
fixtures that several test files use."""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib
import profiles  # noqa: F401  (the hypothesis profiles, loaded before any test module)
import pytest

# Figures are drawn off-screen, in this process only (notebook kernels that nbval
# starts keep their own inline backend).
matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every figure a test opened (if it used pyplot at all)."""
    yield
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")


@pytest.fixture
def with_gid():
    """``with_gid(fig, "tap-0")``: the artists of a figure that carry that gid."""

    def find(figure, gid):
        return figure.findobj(lambda artist: artist.get_gid() == gid)

    return find


@pytest.fixture(scope="session")
def grading_server():
    """The grading fork server (tools.grading.pool), started once for the grading tests
    of a session, with every chapter's setup imports preloaded (as ``make grade``
    preloads its chapter's): its pid."""
    import nbformat

    from tools.grading import pool
    from tools.grading.spec import setup_imports

    chapters = sorted((Path(__file__).parent.parent / "chapters").glob("*.ipynb"))
    imports = [name for chapter in chapters
               for name in setup_imports(nbformat.read(chapter, as_version=4))]
    return pool.start(list(dict.fromkeys(imports)))


@pytest.fixture(scope="session")
def browser():
    """Headless Debian chromium driven by Playwright, for the browser tests.

    Skips without ``/usr/bin/chromium`` (fails instead with
    ``CONVCOURSE_REQUIRE_BROWSER=1``); see ``tests/browsing.py``.
    """
    from browsing import launch

    with launch() as chromium:
        yield chromium


@pytest.fixture(scope="module")
def one_thread():
    """torch and numpy's BLAS on one thread each (see ``reference.single_threaded``):
    small problems on a shared 2-core machine run many times faster. Use it with
    ``pytestmark = pytest.mark.usefixtures("one_thread")``."""
    from convcourse import reference

    with reference.single_threaded():
        yield
