"""Which tests of ``make test`` must run on the same pytest-xdist worker.

``make test`` spreads its tests over every core with xdist's ``--dist loadgroup``: a
test marked ``xdist_group(name)`` runs on the same worker as every other test of that
group, in collection order; the others go to whichever worker is free. The root
``conftest.py`` marks each collected test with :func:`group_of`, the one place that
says which tests share a costly set-up. It goes by rule, so that a new chapter or test
file joins the right group without being listed:

- the cells of one chapter notebook (nbval runs them in order, in one kernel): the
  group of the notebook;
- every test marked ``grading`` or that uses the ``grading_pool`` fixture (they share
  the ``otter assign`` of each chapter, written into ``_build/assignments``, and a pool
  of grading processes made once per worker): the group ``grading``;
- the tests of one page of the website that use the ``opened`` fixture (one visit of
  the page, shared in the order of their module): a group per module and page.

The book build is shared differently: every worker may ask for it, and
:mod:`tools.bookbuild` builds it once under a lock. Without xdist (``-p no:xdist``, or
not installed) the marks are inert and every test runs in one process.
"""

from __future__ import annotations

from collections.abc import Iterable

#: The group of every test that grades submissions.
GRADING_GROUP = "grading"
#: Marks and session fixtures whose tests all share one set-up: name -> group.
SHARED_BY_ALL = {"grading": GRADING_GROUP, "grading_pool": GRADING_GROUP}
#: Fixtures whose tests share one set-up per parameter (a page visited once).
SHARED_PER_PARAMETER = frozenset({"opened"})


def group_of(nodeid: str, fixtures: Iterable[str] = (), marks: Iterable[str] = ()) -> str | None:
    """The xdist group of a test: its notebook, ``grading``, its page, or None.

    Parameters
    ----------
    nodeid : str
        pytest's id of the test, ``path::name[parameters]`` with the path relative to
        the root.
    fixtures : iterable of str
        The names of every fixture the test uses, directly or through other fixtures
        (pytest's ``item.fixturenames``).
    marks : iterable of str
        The names of the test's marks (``grading``, ``browser``...).

    Returns
    -------
    str or None
        Tests with equal groups run on one worker, in collection order; None for a test
        that shares no set-up and may run anywhere. A group name never holds ``]`` or
        ``@`` (xdist appends ``@group`` to the node id and finds it after the last
        ``]``).

    Examples
    --------
    >>> group_of("chapters/01-naive-forward.ipynb::Cell 3")
    'chapters/01-naive-forward.ipynb'
    >>> group_of("tests/test_grading_hostile.py::test_timeout", ["batch", "grading_pool"])
    'grading'
    >>> group_of("tests/test_grading.py::test_zip[01-naive-forward]", marks=["grading"])
    'grading'
    >>> group_of("tests/test_website.py::test_page[chapters/02-backward.html]", ["opened"])
    'tests/test_website.py(chapters/02-backward.html)'
    >>> group_of("tests/test_naive.py::test_shapes[1]", ["request"]) is None
    True
    """
    if not isinstance(nodeid, str):
        raise TypeError(f"nodeid must be a str, got {type(nodeid).__name__}")
    for name, names in (("fixtures", fixtures), ("marks", marks)):
        if isinstance(names, str):
            raise TypeError(f"{name} must be an iterable of names, got a str: {names!r}")
    fixtures = set(fixtures)
    path = nodeid.split("::", 1)[0]
    if path.endswith(".ipynb"):
        return _safe(path)
    for name, group in SHARED_BY_ALL.items():
        if name in fixtures or name in marks:
            return group
    if fixtures & SHARED_PER_PARAMETER:
        parameters = nodeid[nodeid.index("["):] if nodeid.endswith("]") else ""
        return _safe(path + parameters)
    return None


def _safe(name: str) -> str:
    """``name`` without the characters xdist reads in a node id (``@``, ``[``, ``]``)."""
    return name.replace("@", "_").replace("[", "(").replace("]", ")")
