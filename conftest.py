"""Spreads ``make test`` over pytest-xdist's workers by :func:`tools.scheduling.scope_of`.

It sits at the repository root because ``make test`` collects ``tests/``, ``chapters/``
(nbval) and ``convcourse/`` (the doctests) in one run. xdist hands out the scopes with
the most tests first, so the long notebook and grading groups start at once and the
many short tests fill in behind them.
"""

from __future__ import annotations


def pytest_xdist_make_scheduler(config, log):
    """Called by pytest-xdist when ``-n`` is given: group tests by their scope."""
    from xdist.scheduler import LoadScopeScheduling

    from tools.scheduling import scope_of

    class SharedSetUpScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return scope_of(nodeid)

    return SharedSetUpScheduling(config, log)
