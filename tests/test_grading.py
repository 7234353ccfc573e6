"""Exercises an instructor can assign: otter assign + otter run, locally, no Docker.

For every chapter with an otter question, ``tools/assign.py`` generates the student
notebook and the autograder zip (into ``_build/assignments``, which pytest never
collects), and ``otter run`` grades three submissions with that zip:

* the instructor's solutions (otter's autograder notebook) score full marks;
* the untouched student notebook (stubs only) scores zero;
* a plausible wrong answer scores partial marks, and the results name the failing case.

Grading executes each notebook top to bottom, so the runs go in parallel.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from tools import assign

pytestmark = pytest.mark.grading

CHAPTERS = sorted(
    p for p in (assign.ROOT / "chapters").glob("*.ipynb")
    if assign.has_question(nbformat.read(p, as_version=4))
)

# Plausible mistakes, keyed (chapter, question, mistake): (text in the instructor's
# solution, what a student might write instead, words that the results must show to name
# the failing case).
WRONG = {
    # the padding is never applied
    ("01-naive-forward", "ex-ch1-single", "padding-ignored"): (
        "x_pad = np.pad(x, padding)", "x_pad = x", "padding=1"),
    # zeros added on every axis, the batch and channel axes too (right for one 2-D image)
    ("01-naive-forward", "ex-ch1-forward", "every-axis-padded"): (
        "x_pad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))",
        "x_pad = np.pad(x, padding)", "image axes"),
    # dL/dx with the kernel in the wrong orientation (flipped once too often)
    ("02-backward", "ex-ch2-conv1d-backward", "kernel-flipped"): (
        "grad_x[start : start + k] += upstream * w",
        "grad_x[start : start + k] += upstream * w[::-1]", "grad_x"),
    # dL/db of the first image only: not summed over the batch
    ("02-backward", "ex-ch2-conv2d-backward", "bias-of-one-image"): (
        "grad_bias = grad_out.sum(axis=(0, 2, 3))", "grad_bias = grad_out[0].sum(axis=(1, 2))",
        "summed over the batch"),
    # the gradient of the padding zeros kept: grad_x has x_pad's shape
    ("02-backward", "ex-ch2-conv2d-backward", "padding-kept"): (
        "grad_x = grad_x_pad[:, :, padding : padding + H, padding : padding + W]",
        "grad_x = grad_x_pad", "padding cut off"),
    # the kernel flipped upside down but not left to right
    ("03-corr2d-intuition", "ex-ch3-convolve2d", "half-flipped"): (
        "K[::-1, ::-1]", "K[::-1, :]", "3x3 kernel"),
    # groups ignored: every kernel sees all input channels
    ("04-parameter-efficiency", "ex-ch4-param-count", "groups-ignored"): (
        "(in_channels // groups)", "in_channels", "groups"),
    # im2col rows in (u, v, c) order instead of (c, u, v)
    ("05-fast-convolution", "ex-ch5-im2col", "rows-reordered"): (
        ".transpose(1, 4, 5, 0, 2, 3)", ".transpose(4, 5, 1, 0, 2, 3)", "(c, u, v)"),
}


def _wrong_submission(key: tuple[str, str, str], solutions: Path, out: Path) -> Path:
    chapter, question, mistake = key
    old, new, _ = WRONG[key]
    notebook = nbformat.read(solutions, as_version=4)
    cells = [c for c in notebook.cells
             if c.cell_type == "code" and "otter_assign_solution_cell" in c.metadata.get("tags", [])
             and old in c.source]
    assert len(cells) == 1, f"{chapter}: no solution cell contains {old!r} any more"
    cells[0].source = cells[0].source.replace(old, new)
    path = out / "wrong" / question / mistake / solutions.name
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path


def _quiet_worker(log: str) -> None:
    """Send a grading worker's output (otter's and its kernels') to a log file."""
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    os.dup2(fd, 1)
    os.dup2(fd, 2)


def _grade(autograder: Path, submission: Path, out: Path) -> dict:
    """``otter run -a autograder -o out submission``, in this (worker) process."""
    from otter.run import main as otter_run

    out.mkdir(parents=True, exist_ok=True)
    otter_run(str(submission), autograder=str(autograder), output_dir=str(out), no_logo=True)
    results = json.loads((out / "results.json").read_text())
    questions = [t for t in results["tests"] if "max_score" in t]
    return {
        "score": sum(t["score"] for t in questions),
        "max_score": sum(t["max_score"] for t in questions),
        "questions": {t["name"]: (t["score"], t["max_score"]) for t in questions},
        "output": "\n".join(t.get("output", "") for t in questions),
    }


@pytest.fixture(scope="session")
def grades(tmp_path_factory) -> dict[tuple[str, str], dict]:
    """Generate every assignment, then grade every submission; keyed (chapter, kind)."""
    # Each run waits on its kernel part of the time: two runs per core keep both busy.
    workers = min(4, 2 * (os.cpu_count() or 1))
    with ThreadPoolExecutor(workers) as pool:
        outs = list(pool.map(lambda c: assign.assign(c, run_tests=False), CHAPTERS))
    jobs = {}
    for chapter, out in zip(CHAPTERS, outs, strict=True):
        name = chapter.stem
        tmp = tmp_path_factory.mktemp(name)
        solutions = out / "autograder" / chapter.name
        jobs[name, "solutions"] = solutions
        jobs[name, "student"] = out / "student" / chapter.name
        for key in WRONG:
            if key[0] == name:
                jobs[name, f"wrong {key[1]} {key[2]}"] = _wrong_submission(key, solutions, tmp)
    # otter run in worker processes that import otter once (it changes directory while
    # grading, so one submission at a time per process).
    log = str(tmp_path_factory.mktemp("otter") / "otter-run.log")
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_quiet_worker,
                             initargs=(log,)) as pool:
        futures = {
            key: pool.submit(_grade, assign.OUT / key[0] / "autograder" / "autograder.zip",
                             submission, tmp_path_factory.mktemp(f"{key[0]}-{key[1]}"))
            for key, submission in jobs.items()
        }
        return {key: future.result() for key, future in futures.items()}


@pytest.mark.parametrize("chapter", [c.stem for c in CHAPTERS])
def test_assignment_is_generated(grades, chapter):
    out = assign.OUT / chapter
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
    assert (out / "autograder" / "autograder.zip").is_file()


@pytest.mark.parametrize("chapter", [c.stem for c in CHAPTERS])
def test_solutions_score_full_marks(grades, chapter):
    result = grades[chapter, "solutions"]
    assert result["max_score"] > 0
    assert result["score"] == result["max_score"], result["output"]


@pytest.mark.parametrize("chapter", [c.stem for c in CHAPTERS])
def test_untouched_student_notebook_scores_zero(grades, chapter):
    result = grades[chapter, "student"]
    assert result["max_score"] > 0
    assert result["score"] == 0, result["output"]


@pytest.mark.parametrize(("chapter", "question", "mistake"),
                         [key for key in WRONG if key[0] in {c.stem for c in CHAPTERS}])
def test_wrong_submission_scores_partial_marks_and_names_the_case(grades, chapter, question,
                                                                  mistake):
    result = grades[chapter, f"wrong {question} {mistake}"]
    score, max_score = result["questions"][question]
    assert 0 < score < max_score, result["output"]
    # otter prints the failure_message of each failed case as "<question> - <n> message:"
    messages = [line for line in result["output"].splitlines()
                if line.strip().startswith(f"{question} - ") and " message: " in line]
    assert any(WRONG[chapter, question, mistake][2] in line for line in messages), (
        result["output"])
