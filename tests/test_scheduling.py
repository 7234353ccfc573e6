"""make test's grouping of tests on pytest-xdist workers (tools/scheduling.py)."""

from __future__ import annotations

import doctest

import pytest

from tools import scheduling
from tools.scheduling import GRADING_SCOPE, scope_of


def test_examples():
    failures, tried = doctest.testmod(scheduling)
    assert tried >= 4
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
              "tests/test_book.py::test_book_builds_without_warnings",
              "convcourse/naive.py::convcourse.naive.conv2d_forward"]
    assert all(scope_of(t) == t for t in others)


def test_the_browser_tests_of_one_page_share_a_scope():
    tests = ["test_folds_open_and_close_from_the_keyboard", "test_page",
             "test_page_passes_axe"]
    page = {scope_of(f"tests/test_website.py::{t}[chapters/01-naive-forward.html]")
            for t in tests}
    assert page == {"tests/test_website.py[chapters/01-naive-forward.html]"}
    assert scope_of("tests/test_website.py::test_page[intro.html]") != page.pop()
    alone = "tests/test_website.py::test_search_finds_a_chapter_for_backward"
    assert scope_of(alone) == alone
    small_book = "tests/test_website_fixture.py::test_players_play_in_the_page[0]"
    assert scope_of(small_book) == small_book


def test_a_nodeid_must_be_a_string():
    with pytest.raises(TypeError, match="nodeid must be a str, got int"):
        scope_of(3)
