"""make test's grouping of tests on pytest-xdist workers (tools/scheduling.py, conftest.py)."""

from __future__ import annotations

import doctest
import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import nbformat
import pytest

from tools import scheduling, testcache
from tools.scheduling import GRADING_GROUP, group_of


def test_examples():
    failures, tried = doctest.testmod(scheduling)
    assert tried >= 4
    assert failures == 0


def test_every_cell_of_a_notebook_shares_one_group():
    cells = [f"chapters/02-backward.ipynb::Cell {i}" for i in range(40)]
    assert {group_of(c) for c in cells} == {"chapters/02-backward.ipynb"}
    assert group_of("chapters/01-naive-forward.ipynb::Cell 0") != group_of(cells[0])
    assert group_of("chapters/09-new-chapter.ipynb::Cell 0") == "chapters/09-new-chapter.ipynb"


def test_every_grading_file_shares_one_group_and_nothing_else_joins_it():
    graders = ["tests/test_grading.py::test_solutions_score_full_marks[01-naive-forward]",
               "tests/test_grading_hostile.py::test_infinite_loop_times_out",
               "tests/test_grading_exercises.py::test_a_future_file",
               "tests/test_grading.py::test_assignment_is_generated[01-naive-forward]"]
    assert {group_of(t) for t in graders} == {GRADING_GROUP}
    alone = ["tests/test_book.py::test_book_builds_without_warnings",
             "tests/test_exercise_order.py::test_no_answer_before_its_exercise[ex-ch1-forward]",
             "convcourse/naive.py::convcourse.naive.conv2d_forward"]
    assert [group_of(t) for t in alone] == [None] * len(alone)


def test_the_tests_of_one_page_share_a_group():
    tests = ["test_folds_open_and_close_from_the_keyboard", "test_page",
             "test_page_passes_axe"]
    page = {group_of(f"tests/test_website.py::{t}[chapters/01-naive-forward.html]")
            for t in tests}
    assert page == {"tests/test_website.py(chapters/01-naive-forward.html)"}
    assert group_of("tests/test_website.py::test_page[intro.html]") != page.pop()
    assert group_of("tests/test_website.py::test_search_finds_a_chapter_for_backward") is None
    small_book = "tests/test_website_fixture.py::test_players_play_in_the_page[0]"
    assert group_of(small_book) is None


def test_an_xdist_suffix_is_ignored_and_a_group_name_is_one_xdist_can_read_back():
    """xdist appends ``@group`` to the test id and reads it after the last ``]``."""
    page = "tests/test_website.py::test_page[intro.html]"
    assert group_of(page + "@" + group_of(page)) == group_of(page)
    group = group_of("tests/test_website.py::test_page[a@b]c]")
    assert "@" not in group and "]" not in group


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match="nodeid must be a str, got int"):
        group_of(3)


def test_collected_tests_carry_their_group_mark(request):
    """The root conftest marked this very session's tests (it runs with or without xdist)."""
    for item in request.session.items:
        marks = [m.args[0] for m in item.iter_markers("xdist_group")]
        expected = group_of(item.nodeid)
        assert marks == ([] if expected is None else [expected]), item.nodeid


def test_pytest_runs_without_xdist():
    """No hook of the conftests needs pytest-xdist: a run with it disabled passes."""
    process = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:xdist", "-p", "no:cacheprovider", "-q",
         "tests/test_scheduling.py", "-k", "not without_xdist and not public_api"],
        cwd=scheduling.__file__.rsplit("/tools/", 1)[0], capture_output=True, text=True,
        env={**os.environ, "PYTEST_ADDOPTS": ""}, timeout=300,
    )
    assert process.returncode == 0, process.stdout[-3000:] + process.stderr[-3000:]
    assert " passed" in process.stdout and "xdist" not in process.stderr


ROOT = Path(scheduling.__file__).resolve().parents[1]


def test_xdist_keeps_each_group_on_one_worker_through_its_public_api(tmp_path):
    """The root conftest's marks and ``--dist loadgroup``, nothing else: a notebook's
    cells run on one worker, so do the grading tests of two files, and only they carry
    a group (xdist appends it to the id). Fails under pytest 9.2, where loadgroup
    ignores the marks (pytest-dev/pytest-xdist#1386). And the chapter's pass is recorded
    (it was not while the root conftest kept items, whose hash the new ids change)."""
    for name in ("test_grading_one.py", "test_grading_two.py", "test_free.py"):
        (tmp_path / name).write_text(
            "import pytest\n\n\n@pytest.mark.parametrize('i', range(6))\n"
            "def test_it(i):\n    pass\n")
    cells = ["x = 1", "x += 1", "assert x == 2", "y = x * 3", "assert y == 6", "print(y)"]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nbformat.write(notebook, tmp_path / "chapter.ipynb")
    # The chapter's pass must be recorded through the marks too (xdist renames the items).
    record = testcache.notebook_check(tmp_path / "chapter.ipynb", {}, None)._record
    record.unlink(missing_ok=True)
    process = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "conftest", "-n", "2", "--dist", "loadgroup",
         "--nbval-lax", "-v", "-p", "no:cacheprovider", "--rootdir", str(tmp_path),
         str(tmp_path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTEST_ADDOPTS": "",
             "CI": "", testcache.SWITCH: "1"},
    )
    assert process.returncode == 0, process.stdout[-3000:] + process.stderr[-3000:]
    assert record.is_file(), "every cell passed on one worker, yet no pass was recorded"
    record.unlink()
    workers: dict[str | None, set[str]] = defaultdict(set)
    ran = 0
    for worker, nodeid in re.findall(r"^\[(gw\d+)\].* PASSED (.+?)\s*$", process.stdout,
                                     re.M):
        expected = group_of(nodeid)
        assert nodeid.endswith(f"@{expected}") == (expected is not None), nodeid
        workers[expected].add(worker)
        ran += 1
    assert ran == 3 * 6 + len(cells)
    assert set(workers) == {GRADING_GROUP, "chapter.ipynb", None}
    assert len(workers[GRADING_GROUP]) == len(workers["chapter.ipynb"]) == 1, dict(workers)
