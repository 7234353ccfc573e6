"""Which tests of ``make test`` must run on the same pytest-xdist worker.

``make test`` spreads its tests over every core. Most are independent and go to
whichever worker is free; two kinds share a costly set-up and stay together:

- the cells of one chapter notebook (nbval runs them in order, in one kernel);
- the grading tests (``tests/test_grading.py`` and ``tests/test_grading_hostile.py``):
  they share one ``otter assign`` per chapter and one pool of grading processes, both
  made once per worker.

The book build is shared differently: every worker may ask for it, and
:mod:`tools.bookbuild` builds it once under a lock. The root ``conftest.py`` hands
:func:`scope_of` to pytest-xdist.
"""

from __future__ import annotations

from pathlib import PurePosixPath

#: The scope of every test that grades submissions.
GRADING_SCOPE = "grading"
#: The test modules that share the graders' set-up.
GRADING_MODULES = frozenset({"test_grading.py", "test_grading_hostile.py"})


def scope_of(nodeid: str) -> str:
    """The work unit a test belongs to: its notebook, the grading scope, or itself.

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
    >>> scope_of("tests/test_naive.py::test_shapes[1]")
    'tests/test_naive.py::test_shapes[1]'
    """
    if not isinstance(nodeid, str):
        raise TypeError(f"nodeid must be a str, got {type(nodeid).__name__}")
    path = nodeid.split("::", 1)[0]
    if path.endswith(".ipynb"):
        return path
    if PurePosixPath(path).name in GRADING_MODULES:
        return GRADING_SCOPE
    return nodeid
