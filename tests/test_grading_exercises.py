"""Honest exercises: the public tests a learner runs alone catch every planted mistake.

For every autograded exercise of every chapter, and every plausible mistake that
:data:`tools.planted.WRONG` plants in its solution (every mistake its chapter warns
about is one):

* the student notebook's public cases, run as ``grader.check`` runs them (otter's own
  OK-test runner on the tests in the notebook's metadata), fail, and a failing case's
  message contains the words that name the mistake;
* a hidden case fails too (the autograder's copy, run as ``make grade`` runs it), so
  that the grade agrees;
* the solutions pass every case, and the last public case tells the learner that the
  hidden tests try more.

Each exercise has at least one planted mistake, each core exercise
(:data:`tools.planted.CORE`) at least four. The assignments come from ``otter assign``
(cached in ``_build/assignments`` as for ``test_grading.py``, with which this module
shares its pytest-xdist scope: see :mod:`tools.scheduling`). ``python -m
tools.planted_check`` prints the same results as a table.
"""

from __future__ import annotations

import nbformat
import pytest

from tools import assign
from tools.grading.spec import questions_of
from tools.planted import CORE, MIN_CORE_MISTAKES, WRONG
from tools.planted_check import Chapter, names_it

pytestmark = [pytest.mark.grading, pytest.mark.usefixtures("one_thread")]

CHAPTERS = {
    path.stem: path for path in sorted((assign.ROOT / "chapters").glob("*.ipynb"))
    if assign.has_question(nbformat.read(path, as_version=4))
}
QUESTIONS = {name: [q.name for q in questions_of(nbformat.read(path, as_version=4))]
             for name, path in CHAPTERS.items()}
PLANTED = [key for key in WRONG if key[0] in CHAPTERS]

@pytest.fixture(scope="session")
def chapter():
    """``chapter(name)``: that chapter's assignment (generated if stale) and its setup
    namespace, made once per session."""
    made: dict[str, Chapter] = {}

    def get(name: str) -> Chapter:
        if name not in made:
            made[name] = Chapter(assign.assign(CHAPTERS[name], run_tests=False))
        return made[name]

    return get


@pytest.mark.parametrize("name", [q for questions in QUESTIONS.values() for q in questions])
def test_every_exercise_has_planted_mistakes(name):
    planted = [key for key in WRONG if key[1] == name]
    needed = MIN_CORE_MISTAKES if name in CORE else 1
    assert len(planted) >= needed, f"{name}: {len(planted)} planted mistakes, {needed} needed"


def test_planted_mistakes_are_of_real_exercises():
    for chapter_name, question, _ in WRONG:
        assert question in QUESTIONS.get(chapter_name, []), (chapter_name, question)
    assert CORE <= {q for questions in QUESTIONS.values() for q in questions}


@pytest.mark.parametrize("name", CHAPTERS)
def test_solutions_pass_every_case_and_hear_the_hidden_tests_try_more(chapter, name):
    graded = chapter(name)
    solutions = graded.namespace(nbformat.read(graded.solutions, as_version=4))
    student = nbformat.read(graded.student_path, as_version=4)
    for question in QUESTIONS[name]:
        shown = graded.check(question, solutions)
        assert shown.passed_all, question
        assert assign.PUBLIC_NOTICE in shown._repr_html_() + repr(shown), question
        assert graded.every_case(question, solutions) == [], question
        cases = student.metadata["otter"]["tests"][question]["suites"][0]["cases"]
        public = [case for case in cases if not case.get("hidden", True)]
        assert len(public) >= 2, f"{question}: {len(public)} public cases"
        assert public[-1].get("success_message") == assign.PUBLIC_NOTICE, question
        assert all("correct" not in case.get("success_message", "") for case in cases)


@pytest.mark.parametrize("key", [pytest.param(k, id="-".join(k[1:])) for k in PLANTED])
def test_planted_mistake_fails_a_public_case_that_names_it(chapter, key):
    public, every = chapter(key[0]).planted(key)
    assert public, f"{key}: every public case passes"
    assert names_it(key, public), (
        f"{key}: no failing public case's message contains {WRONG[key][2]!r}: "
        f"{[f.message for f in public]}")
    assert any(f.hidden for f in every), f"{key}: no hidden case fails"
