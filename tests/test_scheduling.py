"""make test's grouping of tests on pytest-xdist workers (tools/scheduling.py)."""

from __future__ import annotations

import doctest

import pytest

from tools import scheduling
from tools.scheduling import GRADING_SCOPE, scope_of


def test_examples():
    failures, tried = doctest.testmod(scheduling)
    assert tried >= 3
    assert failures == 0


def test_every_cell_of_a_notebook_shares_one_scope():
    cells = [f"chapters/02-backward.ipynb::Cell {i}" for i in range(40)]
    assert {scope_of(c) for c in cells} == {"chapters/02-backward.ipynb"}
    assert scope_of("chapters/01-naive-forward.ipynb::Cell 0") != scope_of(cells[0])


def test_the_graders_share_one_scope_and_nothing_else_joins_it():
    graders = ["tests/test_grading.py::test_solutions_score_full_marks[01-naive-forward]",
               "tests/test_grading_hostile.py::test_infinite_loop_times_out"]
    assert {scope_of(t) for t in graders} == {GRADING_SCOPE}
    others = ["tests/test_grading_parts.py::test_spec_round_trips",
              "tests/test_website.py::test_page_passes_axe[intro.html]",
              "convcourse/naive.py::convcourse.naive.conv2d_forward"]
    assert all(scope_of(t) == t for t in others)


def test_a_nodeid_must_be_a_string():
    with pytest.raises(TypeError, match="nodeid must be a str, got int"):
        scope_of(3)
