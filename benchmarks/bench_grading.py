"""How many submissions ``make grade`` grades a minute: ``make bench-grading``.

Builds a class of chapter-1 submissions (by default 120: a third each the instructor's
solutions, the planted wrong answer and the untouched student notebook, each with an
extra cell of its own so that no two files are equal), grades it with
``tools.grade.grade_class``, one submission per core at once, and prints the start-up
time (the fork server imports torch), the grading time, and submissions graded a minute
without the start-up, with each submission isolated (tools.grading.sandbox) and then,
for comparison, unisolated (fresh output folders, the same fork server). Then it grades the
folder again, where every submission is unchanged and skipped. Nothing is asserted: the
numbers depend on the machine and on what else runs on it.

Usage: ``python -m benchmarks.bench_grading [--students N] [--jobs N]``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import nbformat

from tools import assign, grade
from tools.planted import mistakes, wrong_notebook

CHAPTER = "01-naive-forward"


def build_class(folder: Path, students: int) -> None:
    """``students`` notebooks in ``folder``: solutions, wrong answers and untouched ones."""
    out = assign.assign(assign.ROOT / "chapters" / f"{CHAPTER}.ipynb", run_tests=False)
    solutions = out / "autograder" / f"{CHAPTER}.ipynb"
    kinds = [nbformat.read(solutions, as_version=4),
             wrong_notebook(mistakes(CHAPTER)[0], solutions),
             nbformat.read(out / "student" / f"{CHAPTER}.ipynb", as_version=4)]
    for number in range(students):
        notebook = nbformat.from_dict(kinds[number % 3])
        notebook.cells = [*notebook.cells, nbformat.v4.new_code_cell(f"student = {number}")]
        nbformat.write(notebook, folder / f"student-{number:04d}.ipynb")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=120)
    parser.add_argument("--jobs", type=int, default=None, help="default: one per core")
    args = parser.parse_args(argv)
    jobs = args.jobs or os.cpu_count() or 1
    rates = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "class"
        folder.mkdir()
        build_class(folder, args.students)
        startup = 0.0
        for isolate in (True, False):
            lines: list[str] = []
            grade.grade_class(CHAPTER, folder, Path(tmp) / f"grades-{isolate}", jobs=jobs,
                              log=lines.append, isolate=isolate)
            (summary,) = [line for line in lines if line.startswith("graded ")]
            rates[isolate] = float(summary.split()[3])
            startup = startup or float(summary.split()[-4])
        start = time.monotonic()
        grade.grade_class(CHAPTER, folder, Path(tmp) / "grades-True", jobs=jobs,
                          log=lambda line: None)
        rerun = time.monotonic() - start
    print(f"chapter {CHAPTER}: {args.students} submissions, {jobs} at once "
          f"on {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}")
    print(f"  start-up (the fork server imports torch): {startup:6.1f} s")
    for isolate, label in ((True, "isolated (default)"), (False, "unisolated")):
        seconds = rates[isolate]
        print(f"  grading, {label:<19}  {seconds:6.1f} s   "
              f"{60 * args.students / seconds:5.0f} submissions a minute")
    print(f"  re-run, all unchanged (skipped):  {rerun:6.1f} s")


if __name__ == "__main__":
    main()
