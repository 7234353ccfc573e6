"""Never the answer before its exercise: no chapter shows, above an autograded exercise,
the package function that the exercise asks the learner to write.

:data:`tools.answers.ANSWERS` declares, for every otter question, the functions its
solution mirrors (``ex-ch1-forward`` -> ``naive.conv2d_forward``, ...);
:func:`tools.answers.shown_before` finds the cells above the question that show one of
them (``show_source``, ``inspect.getsource``, ``??``, or a listing of its lines in a
cell's text or stored output). The chapters are read as stored, without running them.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from convcourse import naive
from convcourse.source import source_without_docstring
from tools.answers import ANSWERS, check_chapter, question_cells, resolve, shown_before

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
QUESTIONS = {question: path for path in CHAPTERS
             for question in question_cells(nbformat.read(path, as_version=4))}


@pytest.mark.parametrize("question", ANSWERS)
def test_no_answer_is_shown_above_its_exercise(question):
    assert question in QUESTIONS, f"{question}: no chapter has this otter question"
    chapter = nbformat.read(QUESTIONS[question], as_version=4)
    shown = shown_before(chapter, question)
    assert not shown, (
        "the answer is shown before its exercise; move the cell after the exercise "
        "(and its checks with it):\n" + "\n".join(map(str, shown)))


def test_every_exercise_declares_the_functions_its_answer_mirrors():
    undeclared = sorted(set(QUESTIONS) - set(ANSWERS))
    assert not undeclared, f"add to tools.answers.ANSWERS: {undeclared}"


@pytest.mark.parametrize("question", ANSWERS)
def test_the_declared_answers_are_functions(question):
    for path in ANSWERS[question]:
        assert callable(resolve(path)), path


# -- the rule itself, on small made-up chapters -------------------------------------------

def _chapter(*cells: tuple[str, str]) -> nbformat.NotebookNode:
    make = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell,
            "raw": nbformat.v4.new_raw_cell}
    return nbformat.v4.new_notebook(cells=[make[kind](source) for kind, source in cells])


IMPORTS = ("code", "from convcourse import naive\nimport inspect as ins\n"
                   "from convcourse.source import show_source")
QUESTION = ("raw", "# BEGIN QUESTION\nname: ex-ch1-forward")


@pytest.mark.parametrize("cell", [
    ("code", "show_source(naive.conv2d_forward)"),
    ("code", "print(ins.getsource(naive.conv2d_forward))"),
    ("code", "import convcourse.naive as nv\nshow_source(nv.conv2d_forward)"),
    ("code", "naive.conv2d_forward??"),
    ("code", "%psource naive.conv2d_forward"),
])
def test_a_call_that_shows_the_answer_is_caught(cell):
    shown = shown_before(_chapter(IMPORTS, cell, QUESTION), "ex-ch1-forward")
    assert [s.cell for s in shown] == [1], shown


def test_a_listing_of_the_answer_is_caught_in_markdown_and_in_outputs():
    listing = "```python\n" + source_without_docstring(naive.conv2d_forward) + "```"
    chapter = _chapter(IMPORTS, ("markdown", listing), ("code", "print('the loops')"),
                       QUESTION)
    chapter.cells[2].outputs = [nbformat.v4.new_output(
        "stream", name="stdout", text=source_without_docstring(naive.conv2d_forward))]
    shown = shown_before(chapter, "ex-ch1-forward")
    assert {s.cell for s in shown} == {1, 2}
    assert all("listing" in s.how for s in shown)


def test_what_comes_after_the_exercise_or_is_another_function_is_allowed():
    chapter = _chapter(
        IMPORTS,
        ("code", "show_source(naive.conv2d_backward)\nout = naive.conv2d_forward(x, w)"),
        ("markdown", "`naive.conv2d_forward` loops over n, o, i and j."),
        QUESTION,
        ("code", "show_source(naive.conv2d_forward)"),
    )
    assert shown_before(chapter, "ex-ch1-forward") == []


def test_an_undeclared_or_missing_question_is_an_error():
    with pytest.raises(KeyError, match="ex-ch9-new"):
        shown_before(_chapter(("raw", "# BEGIN QUESTION\nname: ex-ch9-new")), "ex-ch9-new")
    with pytest.raises(KeyError, match="ex-ch1-forward"):
        shown_before(_chapter(IMPORTS), "ex-ch1-forward")


def test_check_chapter_reads_a_notebook_file(tmp_path):
    path = tmp_path / "chapter.ipynb"
    nbformat.write(_chapter(IMPORTS, ("code", "show_source(naive.conv2d_forward)"),
                            QUESTION), path)
    assert [s.function for s in check_chapter(path)] == ["convcourse.naive.conv2d_forward"]
