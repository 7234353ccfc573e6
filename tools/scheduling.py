"""Which tests of ``make test`` must run on the same pytest-xdist worker.

``make test`` spreads its tests over every core. Most are independent and go to
whichever worker is free; those that share a costly set-up stay together, in collection
order, and :func:`group_of` is the one place that says which. It goes by rule, on the
test's id alone, so that a new chapter or test file joins the right group unlisted:

- the cells of one chapter notebook (nbval runs them in order, in one kernel): the
  group of the notebook;
- every test in a file named ``test_grading*.py`` (they share the ``otter assign`` of
  each chapter, written into ``_build/assignments``, and a pool of grading processes
  made once per worker): the group ``grading``;
- the tests of one page in ``test_website.py`` (parametrized by the page: they share
  one visit of it): a group per page.

The root ``conftest.py`` marks these tests ``xdist_group(name)`` for xdist's
``--dist loadgroup``, its public API: nothing else tells xdist where a test goes. Under
pytest 9.2 loadgroup ignores the marks (pytest-dev/pytest-xdist#1386: it renames the
test ids through a field pytest no longer reads), so requirements-test.txt pins pytest
9.1.1 until that is fixed; ``tests/test_scheduling.py`` runs xdist and checks that each
group stays on one worker. The book build is shared differently: every worker may ask
for it, and :mod:`tools.bookbuild` builds it once under a lock.
"""

from __future__ import annotations

from pathlib import PurePosixPath

#: The group of every test that grades submissions.
GRADING_GROUP = "grading"
#: Test files whose name starts so share the graders' set-up.
GRADING_FILES = "test_grading"
#: The test file whose tests of one page (one parameter) share a visit of it.
WEBSITE_FILE = "test_website.py"


def group_of(nodeid: str) -> str | None:
    """The group of a test: its notebook, ``grading``, its page, or None.

    Parameters
    ----------
    nodeid : str
        pytest's id of the test, ``path::name[parameters]`` with the path relative to
        the root (an ``@group`` suffix that xdist may add is ignored).

    Returns
    -------
    str or None
        Tests with equal groups run on one worker, in collection order; None for a test
        that shares no set-up and may run anywhere. A group name never holds ``]`` or
        ``@`` (xdist appends ``@group`` to the id and finds it after the last ``]``).

    Examples
    --------
    >>> group_of("chapters/01-naive-forward.ipynb::Cell 3")
    'chapters/01-naive-forward.ipynb'
    >>> group_of("tests/test_grading_hostile.py::test_timeout")
    'grading'
    >>> group_of("tests/test_website.py::test_page[chapters/02-backward.html]")
    'tests/test_website.py(chapters/02-backward.html)'
    >>> group_of("tests/test_naive.py::test_shapes[1]") is None
    True
    """
    if not isinstance(nodeid, str):
        raise TypeError(f"nodeid must be a str, got {type(nodeid).__name__}")
    path, _, name = nodeid.partition("::")
    name = name.split("@")[0] if name.rfind("@") > name.rfind("]") else name
    if path.endswith(".ipynb"):
        return _safe(path)
    file = PurePosixPath(path).name
    if file.startswith(GRADING_FILES):
        return GRADING_GROUP
    if file == WEBSITE_FILE and name.endswith("]") and "[" in name:
        return _safe(path + name[name.index("["):])
    return None


def _safe(name: str) -> str:
    """``name`` without the characters xdist reads in a test id (``@``, ``[``, ``]``)."""
    return name.replace("@", "_").replace("[", "(").replace("]", ")")
