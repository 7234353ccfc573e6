"""Exercises an instructor can assign: otter assign, then grading with ``make grade``'s tool.

For every chapter with an otter question, ``tools/assign.py`` generates the student
notebook, the autograder zip and the local grader's recipe (into ``_build/assignments``,
cached by the chapter's content), and ``tools.grade.grade_class`` grades a folder of
three submissions with it:

* the instructor's solutions (otter's autograder notebook) score full marks;
* the untouched student notebook (stubs only) scores zero;
* each plausible wrong answer (:mod:`tools.planted`) scores partial marks on its
  exercise, and the feedback names the failing case.

That the zip itself grades the same way with nothing but what it declares is
``make autograder-check`` (run by ``.ci/run``; minutes, so not part of ``make test``).
Hostile submissions are in ``test_grading_hostile.py``.
"""

from __future__ import annotations

import zipfile
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest
import yaml

from tools import assign, grade
from tools.grading.spec import SPEC_FILE, GradingSpec, rebound_test_names
from tools.planted import WRONG, mistakes, wrong_notebook

pytestmark = pytest.mark.grading

CHAPTERS = sorted(
    p for p in (assign.ROOT / "chapters").glob("*.ipynb")
    if assign.has_question(nbformat.read(p, as_version=4))
)


@pytest.fixture(scope="session")
def assignments() -> dict[str, object]:
    """Every chapter's assignment folder (generated only if stale), by chapter name."""
    with ThreadPoolExecutor(2) as pool:
        outs = list(pool.map(lambda c: assign.assign(c, run_tests=False), CHAPTERS))
    return {chapter.stem: out for chapter, out in zip(CHAPTERS, outs, strict=True)}


@pytest.fixture(scope="session")
def grades(assignments, grading_server, tmp_path_factory) -> dict[str, tuple[dict, object]]:
    """``{chapter: (outcomes by submission, output folder)}`` for the three submissions."""
    result = {}
    for chapter, out in assignments.items():
        folder = tmp_path_factory.mktemp(f"{chapter}-class")
        solutions = out / "autograder" / f"{chapter}.ipynb"
        (folder / "solutions.ipynb").write_bytes(solutions.read_bytes())
        (folder / "student").mkdir()
        (folder / "student" / f"{chapter}.ipynb").write_bytes(
            (out / "student" / f"{chapter}.ipynb").read_bytes())
        for key in mistakes(chapter):
            nbformat.write(wrong_notebook(key, solutions), folder / _wrong_name(key))
        graded = tmp_path_factory.mktemp(f"{chapter}-grades")
        outcomes = grade.grade_class(chapter, folder, graded, timeout=60, log=lambda line: None)
        result[chapter] = (outcomes, graded)
    return result


def _wrong_name(key: tuple[str, str, str]) -> str:
    return f"wrong-{key[1]}-{key[2]}.ipynb"


def _score(outcome: dict) -> tuple[float, float]:
    questions = outcome["questions"]
    return sum(q["score"] for q in questions), sum(q["possible"] for q in questions)


@pytest.mark.parametrize("chapter", [c.stem for c in CHAPTERS])
def test_assignment_is_generated(assignments, chapter):
    out = assignments[chapter]
    student = nbformat.read(out / "student" / f"{chapter}.ipynb", as_version=4)
    sources = [c.source for c in student.cells]
    assert any("grader.check(" in s for s in sources), "no grader.check cell"
    assert not any("# BEGIN SOLUTION" in s for s in sources), "a solution was not stubbed"
    # The public tests travel in the notebook's metadata; the hidden ones must not.
    tests = student.metadata["otter"]["tests"]
    cases = [c for q in tests.values() for suite in q["suites"] for c in suite["cases"]]
    assert cases and not any(c["hidden"] for c in cases), "hidden tests reached the student"
    assert not any("{solution}" in s or "{solution-start}" in s for s in sources), (
        "the student version contains a solution"
    )
    assert student.metadata["otter"]["assignment_name"] == chapter
    spec = GradingSpec.load(out / "autograder" / SPEC_FILE)
    assert spec.setup and spec.questions and spec.maximum > 0
    assert spec.fingerprint == assign.fingerprint(assign.ROOT / "chapters" / f"{chapter}.ipynb")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.stem)
def test_tests_read_from_the_setup_what_gradescope_reads(chapter):
    """No other cell rebinds a name the tests take from the setup cells (see spec)."""
    assert rebound_test_names(nbformat.read(chapter, as_version=4)) == []


@pytest.mark.parametrize("chapter", [c.stem for c in CHAPTERS])
def test_autograder_zip_declares_what_grading_needs(assignments, chapter):
    """What Gradescope or `otter grade` installs from the zip (proved by autograder-check)."""
    with zipfile.ZipFile(assignments[chapter] / "autograder" / "autograder.zip") as archive:
        names = set(archive.namelist())
        environment = yaml.safe_load(archive.read("environment.yml"))
        setup = archive.read("setup.sh").decode()
        nodeps = archive.read(f"files/{assign.NODEPS}").decode().split()
        config = archive.read("otter_config.json").decode()
        wheel_name = nodeps[0].removeprefix("./")
        with zipfile.ZipFile(archive.open(f"files/{wheel_name}")) as wheel:
            packaged = {n for n in wheel.namelist() if n.startswith("convcourse/")}
    assert f"python={assign.PYTHON_VERSION}" in environment["dependencies"]
    (pip,) = [d["pip"] for d in environment["dependencies"] if isinstance(d, dict)]
    pins = [line for line in (assign.ROOT / "requirements-autograder.txt").read_text()
            .splitlines() if line and not line.startswith("#")]
    assert pip == pins
    for package in ("numpy==", "torch==", "myst-nb==", "otter-grader=="):
        assert any(p.startswith(package) for p in pip), package
    assert f"-r {assign.NODEPS}" in setup and "--no-deps" in setup
    assert nodeps[1:] == ["d2l==1.0.3"] and f"files/{wheel_name}" in names
    source = {str(p.relative_to(assign.ROOT)) for p in assign.package_files()}
    assert packaged == source
    assert f'"assignment_name": "{chapter}"' in config


@pytest.mark.parametrize("chapter", [c.stem for c in CHAPTERS])
def test_solutions_score_full_marks(grades, chapter):
    outcomes, _ = grades[chapter]
    outcome = outcomes["solutions"]
    score, possible = _score(outcome)
    assert outcome["status"] == "graded" and outcome["cell_errors"] == [], outcome
    assert possible > 0 and score == possible, outcome


@pytest.mark.parametrize("chapter", [c.stem for c in CHAPTERS])
def test_untouched_student_notebook_scores_zero(grades, chapter):
    outcomes, _ = grades[chapter]
    score, possible = _score(outcomes["student"])
    assert possible > 0 and score == 0, outcomes["student"]


@pytest.mark.parametrize(("chapter", "question", "mistake"),
                         [key for key in WRONG if key[0] in {c.stem for c in CHAPTERS}])
def test_wrong_submission_scores_partial_marks_and_names_the_case(grades, chapter, question,
                                                                  mistake):
    outcomes, graded = grades[chapter]
    student = _wrong_name((chapter, question, mistake)).removesuffix(".ipynb")
    (result,) = [q for q in outcomes[student]["questions"] if q["name"] == question]
    assert 0 < result["score"] < result["possible"], outcomes[student]
    feedback = (graded / "feedback" / f"{student}.txt").read_text()
    failed = [line for line in feedback.splitlines() if f"FAILED {question} - " in line]
    assert any(WRONG[chapter, question, mistake][2] in line for line in failed), feedback
