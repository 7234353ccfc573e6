"""Groups the tests that share a set-up, and skips a chapter's nbval run that already
passed on identical inputs.

It sits at the repository root because ``make test`` collects ``tests/``, ``chapters/``
(nbval) and ``convcourse/`` (the doctests) in one run.

- ``make test`` runs ``pytest -n auto --dist loadgroup``: each test that shares a set-up
  is marked ``xdist_group`` (:func:`tools.scheduling.group_of`) and pytest-xdist keeps
  each group on one worker (xdist's public API alone: pytest is pinned to 9.1.1, as
  under 9.2 loadgroup ignores the marks, pytest-dev/pytest-xdist#1386). ``pytest`` runs
  the same without xdist (``-p no:xdist``), where the marks do nothing.
- nbval on a chapter passes or fails by its inputs alone
  (:func:`tools.testcache.notebook_check`): when they are unchanged since its cells last
  all passed on this machine, the cells are reported skipped as a cached pass
  (:mod:`tools.testcache`; off under ``CI`` or with ``CONVCOURSE_TEST_CACHE=0``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tools import testcache
from tools.scheduling import group_of

#: Per chapter being checked: its :class:`~tools.testcache.Check`, its cells' names, the
#: names of those passed. Names, not items: xdist's loadgroup appends ``@group`` to each
#: node id after collection, which changes an item's hash, so a set of items would never
#: be found complete and a chapter's pass never recorded under ``make test``.
_NOTEBOOKS = pytest.StashKey[dict]()


def pytest_configure(config):
    # xdist registers the mark too; without it, --strict-markers would refuse it.
    config.addinivalue_line(
        "markers", "xdist_group(name): run on the same pytest-xdist worker as its group")


def notebook_check(config, notebook: Path) -> testcache.Check:
    """nbval on ``notebook`` with this run's options (:func:`tools.testcache.notebook_check`)."""
    options = {name: str(value) for name, value in sorted(vars(config.option).items())
               if name.startswith("nbval") or name in {"sanitize_with", "current_env"}}
    sanitize = config.option.nbval_sanitize_with or config.option.sanitize_with
    return testcache.notebook_check(notebook, options,
                                    config.rootpath / sanitize if sanitize else None)


@pytest.hookimpl(tryfirst=True)  # before xdist reads the marks, and before deselection
def pytest_collection_modifyitems(config, items):
    cells: dict[Path, list] = {}
    for item in items:
        group = group_of(item.nodeid)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))
        if item.path.suffix == ".ipynb":
            cells.setdefault(item.path, []).append(item)
    config.stash[_NOTEBOOKS] = {}
    for notebook, its in cells.items():
        check = notebook_check(config, notebook)
        reason = check.cached_pass()
        if reason is not None:
            for item in its:
                item.add_marker(pytest.mark.skip(reason=reason))
        else:
            config.stash[_NOTEBOOKS][notebook] = (check, {item.name for item in its}, set())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    item.stash.setdefault(testcache.REPORTS, {})[report.when] = report
    checked = item.config.stash.get(_NOTEBOOKS, {}).get(item.path)
    if checked is not None and report.when == "call":
        check, cells, passed = checked
        if report.passed:
            passed.add(item.name)
        if passed == cells:  # every cell of the chapter ran and passed
            check.record()
    return report
