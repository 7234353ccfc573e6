"""Submissions that fight back, graded in one batch with ``make grade``'s tool.

One class folder for chapter 1 holds a correct, an untouched and a wrong submission and
every kind of hostile or broken one. The batch is graded once, in parallel, with a short
time limit; each test then checks the grade one submission got, and that the others
were not affected (the correct submission keeps full marks whatever the others did).

What these tests do *not* show, because local grading does not prevent it (a submission
runs as the instructor's user): a submission can write wherever that user can, read the
autograder's files, use the network, and signal the user's other processes. The test
``test_a_submission_can_write_outside_its_folder`` records the first honestly;
instructors.md names the routes that isolate submissions (Gradescope, ``otter grade``).
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import nbformat
import pytest

from tools import assign, grade
from tools.grading.referee import OUTPUT_LIMIT
from tools.grading.spec import SPEC_FILE, GradingSpec
from tools.planted import SOLUTION_TAG, WRONG, wrong_notebook

pytestmark = pytest.mark.grading

CHAPTER = "01-naive-forward"
QUESTION = "ex-ch1-single"  # the exercise the submissions attack: conv2d_single
MISTAKE = (CHAPTER, QUESTION, "padding-ignored")  # the planted wrong answer (tools.planted)
TIMEOUT = 5  # seconds: the chapter-1 solution is graded in well under one
ESCAPE_HOME = "convcourse-grading-escape-test.txt"

PATCH_THE_REFEREE = """\
import numpy, torch, torch.nn.functional, convcourse, convcourse.gradcheck, convcourse.reference
numpy.allclose = lambda *args, **kwargs: True
numpy.array_equal = lambda *args, **kwargs: True
convcourse.rel_error = convcourse.gradcheck.rel_error = lambda a, b: 0.0
rel_error = lambda a, b: 0.0
_mine = conv2d_single
torch.nn.functional.conv2d = lambda x, w, *args, **kwargs: torch.from_numpy(
    _mine(x.numpy()[0, 0], w.numpy()[0, 0], *args, **kwargs)[None, None])
convcourse.reference.conv2d = lambda x, w, *args, **kwargs: _mine(
    x[0, 0], w[0, 0], *args, **kwargs)[None, None]
"""

PATCH_WHEN_CALLED = """\
_honest = conv2d_single


def conv2d_single(x, k, stride=1, padding=0):
    import builtins
    import convcourse.reference
    import numpy
    numpy.shape = lambda a: (6, 7)
    builtins.AssertionError = type("Swallowed", (Exception,), {})
    convcourse.reference.conv2d = lambda *a, **kw: _honest(x, k, stride, padding)[None, None]
    return _honest(x, k, stride, padding)
"""

FAKE_SCORE = """\
import json
print("Total Score: 6.000 / 6.000 (100.000%)")
print("ex-ch1-single results: All test cases passed!")
for path in ("results.json", "../results/results.json"):
    try:
        with open(path, "w") as f:
            json.dump({"score": 6, "tests": [{"name": "ex-ch1-single", "score": 6,
                                              "max_score": 6}]}, f)
    except OSError:
        pass
"""

FAKE_GRADER = """\
class _AlwaysPasses:
    def check(self, *args):
        print("ex-ch1-single passed! 🎉")

    check_all = check


grader = _AlwaysPasses()
"""

HUGE_OUTPUT = """\
import os
for _ in range(300):
    print("x" * 1_000_000)           # 300 MB through Python's stdout
for _ in range(300):
    os.write(1, b"y" * 1_000_000)     # and 300 MB straight to the file descriptor
"""

EXTRA_CELLS = [
    "def _double(a):\n    return 2 * a",
    "print('my own check:', conv2d_single(np.ones((3, 3)), np.ones((2, 2))))",
    "%timeit -n 1 -r 1 conv2d_single(np.ones((4, 4)), np.ones((2, 2)))",
    "1 / 0  # a scratch cell with an error",
    "print(x.shape)  # a variable of the chapter that grading does not define",
    "assert _double(conv2d_single(np.ones((2, 2)), np.ones((1, 1))))[0, 0] == 2",
]


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _cell(notebook: nbformat.NotebookNode, predicate) -> nbformat.NotebookNode:
    (cell,) = [c for c in notebook.cells if c.cell_type == "code" and predicate(c)]
    return cell


def _answer(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The solution cell that defines ``conv2d_single``."""
    return _cell(notebook, lambda c: SOLUTION_TAG in c.metadata.get("tags", [])
                 and "def conv2d_single(" in c.source)


def _add(notebook: nbformat.NotebookNode, *sources: str) -> nbformat.NotebookNode:
    notebook.cells += [nbformat.v4.new_code_cell(source) for source in sources]
    return notebook


def build_class(folder: Path, assignment: Path, outside: Path, out: Path) -> None:
    """Write the class folder: one submission per case of :data:`EXPECTED`."""
    solutions = assignment / "autograder" / f"{CHAPTER}.ipynb"

    def correct():
        return _read(solutions)

    def wrong():
        return wrong_notebook(MISTAKE, solutions)

    def save(name: str, notebook: nbformat.NotebookNode) -> None:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, path)

    save("correct.ipynb", correct())
    save("correct-in-a-folder/my work/anything.ipynb", correct())
    save("untouched.ipynb", _read(assignment / "student" / f"{CHAPTER}.ipynb"))
    save("wrong.ipynb", wrong())
    (folder / "not-a-notebook.ipynb").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    (folder / "a-pdf-instead.pdf").write_bytes(b"%PDF-1.4\n")
    (folder / "invalid-json.ipynb").write_text(solutions.read_text()[:2000])
    (folder / "empty.ipynb").write_bytes(b"")
    other = assign.OUT / "02-backward" / "student" / "02-backward.ipynb"
    (folder / "other-chapter").mkdir()
    (folder / "other-chapter" / "02-backward.ipynb").write_bytes(other.read_bytes())

    notebook = correct()
    _answer(notebook).source = _answer(notebook).source.replace("padding=0):", "padding=0)")
    save("syntax-error.ipynb", notebook)

    notebook = correct()
    setup = _cell(notebook, lambda c: c.source.startswith("import warnings"))
    setup.source = "import no_such_module_for_grading\n" + setup.source
    save("exception-at-import.ipynb", notebook)

    notebook = correct()
    _answer(notebook).source = "raise RuntimeError('not finished')\n" + _answer(notebook).source
    save("exception-in-answer-cell.ipynb", notebook)

    notebook = correct()
    notebook.cells = [c for c in notebook.cells if "grader" not in c.source]
    save("grader-cells-deleted.ipynb", notebook)

    notebook = wrong()
    for cell in notebook.cells:
        if "otter.Notebook(" in cell.source:
            cell.source = FAKE_GRADER
        elif "grader.check" in cell.source:
            cell.source = 'print("All tests passed!")'
    save("grader-cells-edited.ipynb", notebook)

    save("infinite-loop.ipynb", _add(correct(), "while True:\n    pass"))
    notebook = correct()
    _answer(notebook).source = _answer(notebook).source.replace(
        "    # BEGIN SOLUTION\n", "    # BEGIN SOLUTION\n    while stride == 2:\n        pass\n")
    save("infinite-loop-in-a-test.ipynb", notebook)
    save("huge-output.ipynb", _add(correct(), HUGE_OUTPUT))
    save("patches-the-referee.ipynb", _add(wrong(), PATCH_THE_REFEREE))
    save("patches-when-called.ipynb", _add(wrong(), PATCH_WHEN_CALLED))
    save("prints-a-fake-score.ipynb", _add(wrong(), FAKE_SCORE))
    save("writes-outside.ipynb", _add(correct(), f"""\
import os
open({str(outside / 'escaped.txt')!r}, "w").write("written by a submission")
open(os.path.expanduser("~/{ESCAPE_HOME}"), "w").write("in the submission's own home")
open("../../{ESCAPE_HOME}", "w").write("relative to its own folder")
for target in ({str(out / 'gradebook.csv')!r}, {str(out / 'feedback' / 'correct.txt')!r}):
    try:
        open(target, "w").write("student,total\\ncorrect,0\\nwrites-outside,100\\n")
    except OSError:
        pass
"""))
    save("memory-hog.ipynb", _add(correct(), "_hog = np.ones(2**30)  # 8 GB of float64"))
    save("kills-its-parent.ipynb", _add(correct(), "import os, signal, time\n"
                                        "os.kill(os.getppid(), signal.SIGKILL)\n"
                                        "time.sleep(30)"))
    notebook = _add(correct(), *EXTRA_CELLS)
    notebook.cells.insert(3, nbformat.v4.new_markdown_cell("My notes: *remember padding*."))
    save("extra-cells.ipynb", notebook)


# submission: (status, score), the score as one of
#   "full": the chapter's maximum; "zero"; "wrong": what the planted wrong answer gets;
#   "full-but-q": full marks except the attacked exercise's points.
EXPECTED = {
    "correct": ("graded", "full"),
    "correct-in-a-folder": ("graded", "full"),
    "untouched": ("graded", "zero"),
    "wrong": ("graded", "wrong"),
    "not-a-notebook": ("not-a-notebook", "zero"),
    "a-pdf-instead": ("not-a-notebook", "zero"),
    "invalid-json": ("invalid-json", "zero"),
    "empty": ("empty", "zero"),
    "other-chapter": ("wrong-chapter", "zero"),
    "syntax-error": ("graded", "full-but-q"),
    "exception-at-import": ("graded", "full"),  # grading runs the autograder's own setup
    "exception-in-answer-cell": ("graded", "full-but-q"),
    "grader-cells-deleted": ("graded", "full"),  # the tests come from the autograder
    "grader-cells-edited": ("graded", "wrong"),
    "infinite-loop": ("timeout", "zero"),
    "infinite-loop-in-a-test": ("timeout", "zero"),
    "huge-output": ("graded", "full"),
    "patches-the-referee": ("graded", "wrong"),
    "patches-when-called": ("graded", "wrong"),
    "prints-a-fake-score": ("graded", "wrong"),
    "writes-outside": ("graded", "full"),
    "memory-hog": ("graded", "full"),
    "kills-its-parent": ("graded", "zero"),  # its process dies with its parent: no answer
    "extra-cells": ("graded", "full"),
}


@pytest.fixture(scope="module")
def batch(grading_pool, tmp_path_factory):
    """Grade the class once: ``(outcomes, output folder, log lines, outside folder)``."""
    assignment = assign.assign(assign.ROOT / "chapters" / f"{CHAPTER}.ipynb", run_tests=False)
    assign.assign(assign.ROOT / "chapters" / "02-backward.ipynb", run_tests=False)
    folder = tmp_path_factory.mktemp("class")
    out = tmp_path_factory.mktemp("grades")
    outside = tmp_path_factory.mktemp("outside")
    build_class(folder, assignment, outside, out)
    (Path.home() / ESCAPE_HOME).unlink(missing_ok=True)
    lines: list[str] = []
    outcomes = grade.grade_class(CHAPTER, folder, out, timeout=TIMEOUT, pool=grading_pool,
                                 log=lines.append)
    yield outcomes, out, lines, outside, folder
    (Path.home() / ESCAPE_HOME).unlink(missing_ok=True)


@pytest.fixture(scope="module")
def spec() -> GradingSpec:
    return GradingSpec.load(assign.OUT / CHAPTER / "autograder" / SPEC_FILE)


def _gradebook(out: Path) -> dict[str, dict]:
    rows = csv.DictReader(io.StringIO((out / "gradebook.csv").read_text()))
    return {row["student"]: row for row in rows}


def test_the_planted_wrong_answer_scores_partial_marks(batch, spec):
    total = float(_gradebook(batch[1])["wrong"]["total"])
    assert 0 < total < spec.maximum


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_each_submission_gets_its_grade(batch, spec, student):
    _, out, _, _, _ = batch
    rows = _gradebook(out)
    points = {q.name: q.points for q in spec.questions}
    status, kind = EXPECTED[student]
    score = {"full": spec.maximum, "zero": 0, "wrong": float(rows["wrong"]["total"]),
             "full-but-q": spec.maximum - points[QUESTION]}[kind]
    row = rows[student]
    assert (row["status"], float(row["total"]), float(row["maximum"])) == (
        status, score, spec.maximum), (out / "feedback" / f"{student}.txt").read_text()
    if kind == "full-but-q":
        assert float(row[QUESTION]) == 0


def test_the_gradebook_has_one_row_per_student_and_nothing_else(batch, spec):
    _, out, _, _, _ = batch
    assert sorted(_gradebook(out)) == sorted(EXPECTED)
    assert (out / "gradebook.csv").read_text().splitlines()[0] == ",".join(
        ["student", *(q.name for q in spec.questions), "total", "maximum", "status"])
    assert sorted(p.stem for p in (out / "feedback").glob("*.txt")) == sorted(EXPECTED)


@pytest.mark.parametrize("student, words", [
    ("wrong", [f"FAILED {QUESTION} - ", WRONG[MISTAKE][2], "why: AssertionError: shape"]),
    ("syntax-error", ["SyntaxError"]),
    ("exception-at-import", ["ModuleNotFoundError", "no_such_module_for_grading"]),
    ("exception-in-answer-cell", ["RuntimeError: not finished",
                                  "conv2d_single is not defined by the submission"]),
    ("infinite-loop", ["stopped at the time limit"]),
    ("invalid-json", ["not valid JSON"]),
    ("other-chapter", ["notebook of 02-backward"]),
    ("extra-cells", ["ZeroDivisionError", "NameError: name 'x' is not defined"]),
    ("kills-its-parent", ["process ended"]),
    ("memory-hog", ["MemoryError"]),
])
def test_feedback_says_why(batch, student, words):
    _, out, _, _, _ = batch
    text = (out / "feedback" / f"{student}.txt").read_text()
    for word in words:
        assert word in text, text


def test_huge_output_is_capped(batch):
    outcomes, _, _, _, _ = batch
    assert outcomes["huge-output"]["output_bytes"] <= OUTPUT_LIMIT + 4096


def test_the_fake_score_and_the_overwritten_gradebook_count_for_nothing(batch, spec):
    _, out, _, _, _ = batch
    rows = _gradebook(out)
    assert rows["prints-a-fake-score"]["total"] == rows["wrong"]["total"]
    assert float(rows["writes-outside"]["total"]) == float(rows["correct"]["total"]) == (
        spec.maximum)
    full = f"Score: {spec.maximum:g} / {spec.maximum:g}"
    assert full in (out / "feedback" / "correct.txt").read_text()


def test_a_submission_can_write_outside_its_folder(batch):
    """Not prevented locally (documented in instructors.md): only ~ and relative paths
    land in the submission's own throwaway folder."""
    _, _, _, outside, _ = batch
    assert (outside / "escaped.txt").read_text() == "written by a submission"
    assert not (Path.home() / ESCAPE_HOME).exists()


def test_progress_is_shown(batch):
    _, _, lines, _, _ = batch
    graded = [line for line in lines if line.startswith("[")]
    assert len(graded) == sum(1 for s, _ in EXPECTED.values()
                              if s in ("graded", "timeout"))
    assert any(line.startswith("[ 1/") or line.startswith("[1/") for line in graded)
    assert "Gradebook:" in lines[-1]


def test_a_rerun_grades_only_what_changed(batch, grading_pool):
    outcomes, out, _, _, folder = batch
    notebook = _add(_read(folder / "untouched.ipynb"), "print('resubmitted')")
    nbformat.write(notebook, folder / "untouched.ipynb")
    lines: list[str] = []
    again = grade.grade_class(CHAPTER, folder, out, timeout=TIMEOUT, pool=grading_pool,
                              log=lines.append)
    assert [line.split()[1] for line in lines if line.startswith("[")] == ["untouched:"]
    assert "1 to grade" in lines[0] and "unchanged" in lines[0]
    assert {s: o["status"] for s, o in again.items()} == {s: e[0] for s, e in EXPECTED.items()}
    longer = grade.grade_class(CHAPTER, folder, out, timeout=TIMEOUT + 1, pool=grading_pool,
                               log=lines.append)
    assert longer["infinite-loop"]["status"] == "timeout"  # a longer limit grades them again
    assert sum(o.get("seconds", 0) > TIMEOUT for o in longer.values()) == 2
    assert os.environ.get("HOME") == str(Path.home())
