"""Which tests of ``make test`` must run on the same pytest-xdist worker.

``make test`` spreads its tests over every core. Most are independent and go to
whichever worker is free; two kinds share a costly set-up and stay together:

- the cells of one chapter notebook (nbval runs them in order, in one kernel);
- the grading tests (``tests/test_grading.py``, ``tests/test_grading_hostile.py`` and
  ``tests/test_exercises.py``): they share one ``otter assign`` per chapter (which two
  workers must not write at once) and one pool of grading processes, both made once
  per worker;
- the browser tests of one page of the website (``tests/test_website.py``, one
  parameter per page): they share one visit of the page, in the order of that file.

The book build is shared differently: every worker may ask for it, and
:mod:`tools.bookbuild` builds it once under a lock. The root ``conftest.py`` hands
:func:`scope_of` to pytest-xdist.
"""

from __future__ import annotations

from pathlib import PurePosixPath

#: The scope of every test that grades submissions.
GRADING_SCOPE = "grading"
#: The test modules that share the graders' set-up.
GRADING_MODULES = frozenset({"test_grading.py", "test_grading_hostile.py",
                             "test_exercises.py"})
#: The test module whose tests of one page share a visit of it.
WEBSITE_MODULE = "test_website.py"


def scope_of(nodeid: str) -> str:
    """The work unit a test belongs to: its notebook, the grading scope, its page of
    the website, or itself.

    Parameters
    ----------
    nodeid : str
        pytest's id of the test, ``path::name`` with the path relative to the root.

    Returns
    -------
    str
        Tests with equal scopes run on one worker, in collection order.

    Examples
    --------
    >>> scope_of("chapters/01-naive-forward.ipynb::Cell 3")
    'chapters/01-naive-forward.ipynb'
    >>> scope_of("tests/test_grading_hostile.py::test_timeout")
    'grading'
    >>> scope_of("tests/test_website.py::test_page[chapters/02-backward.html]")
    'tests/test_website.py[chapters/02-backward.html]'
    >>> scope_of("tests/test_naive.py::test_shapes[1]")
    'tests/test_naive.py::test_shapes[1]'
    """
    if not isinstance(nodeid, str):
        raise TypeError(f"nodeid must be a str, got {type(nodeid).__name__}")
    path = nodeid.split("::", 1)[0]
    if path.endswith(".ipynb"):
        return path
    name = PurePosixPath(path).name
    if name in GRADING_MODULES:
        return GRADING_SCOPE
    if name == WEBSITE_MODULE and nodeid.endswith("]") and "[" in nodeid:
        return path + nodeid[nodeid.index("["):]
    return nodeid
