"""Marks the tests that share a set-up with ``xdist_group`` (:func:`tools.scheduling.group_of`).

``make test`` runs ``pytest -n auto --dist loadgroup``: pytest-xdist keeps each group on
one worker. It sits at the repository root because ``make test`` collects ``tests/``,
``chapters/`` (nbval) and ``convcourse/`` (the doctests) in one run. Only pytest's own
hooks are used: ``pytest`` runs the same without xdist (``-p no:xdist``), where the marks
do nothing.
"""

from __future__ import annotations

import pytest

from tools.scheduling import group_of


def pytest_configure(config):
    # xdist registers the mark too; without it, --strict-markers would refuse it.
    config.addinivalue_line(
        "markers", "xdist_group(name): run on the same pytest-xdist worker as its group")


@pytest.hookimpl(tryfirst=True)  # before xdist reads the marks
def pytest_collection_modifyitems(config, items):
    for item in items:
        group = group_of(item.nodeid, getattr(item, "fixturenames", ()),
                         [mark.name for mark in item.iter_markers()])
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))
