"""Which test cases each planted mistake fails: the public ones, as ``grader.check`` runs
them in the student notebook, and the hidden ones, as ``make grade`` runs them.

Usage: ``python -m tools.planted_check [chapters/NN-name.ipynb ...]`` prints, per
exercise, a table of the mistakes of :data:`tools.planted.WRONG` against the public and
hidden results (it generates the assignments first if they are stale). The test
``tests/test_exercises.py`` asserts what the table shows: every mistake fails a public
case whose failure message names it, and a hidden case.

A learner studying alone sees only the public cases: otter's ``grader.check`` reads them
from the student notebook's metadata and runs them with otter's own OK-test runner in
the notebook's namespace. Here that namespace is made the way ``make grade`` makes it:
the chapter's ``grading-setup`` cells (:mod:`tools.grading.spec`), then the solution
cells of otter's autograder notebook with one mistake planted (:mod:`tools.planted`).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from tools import assign
from tools.grading.referee import Assignment, grade_question
from tools.planted import SOLUTION_TAG, WRONG, wrong_notebook


@dataclass(frozen=True)
class Failure:
    """One failed test case: its name, whether it is hidden, and its failure message."""

    case: str
    hidden: bool
    message: str


class Chapter:
    """One chapter's generated assignment, with the namespace of its setup cells."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.name = self.folder.name
        self.assignment = Assignment(self.folder)
        self.student_path = self.folder / "student" / f"{self.name}.ipynb"
        self.solutions = self.folder / "autograder" / f"{self.name}.ipynb"
        self._setup, errors = self.assignment.setup_namespace()
        if errors:
            raise RuntimeError(f"{self.name}: the setup cells fail: {errors}")

    def namespace(self, notebook: nbformat.NotebookNode) -> dict:
        """The setup cells' namespace after the solution cells of ``notebook``."""
        namespace = dict(self._setup)
        cells = [c.source for c in notebook.cells
                 if c.cell_type == "code" and SOLUTION_TAG in c.metadata.get("tags", [])]
        with contextlib.redirect_stdout(io.StringIO()):
            for number, source in enumerate(cells, start=1):
                exec(compile(source, f"<solution cell {number}>", "exec"), namespace)
        return namespace

    def check(self, question: str, namespace: dict):
        """What ``grader.check(question)`` returns in the student notebook (otter's
        ``TestFile``, whose repr the notebook shows), run in ``namespace``."""
        from otter.execute import Checker
        from otter.nbmeta_config import NBMetadataConfig

        config = NBMetadataConfig.from_notebook(nbformat.read(self.student_path, as_version=4))
        with contextlib.redirect_stdout(io.StringIO()):
            return Checker.check(str(self.student_path), config, question, namespace)

    def public(self, question: str, namespace: dict) -> list[Failure]:
        """The public cases of ``question`` that fail, run as ``grader.check`` runs them."""
        result = self.check(question, namespace)
        return [Failure(r.test_case.name, r.test_case.hidden, r.test_case.failure_message or "")
                for r in result.test_case_results if not r.passed]

    def every_case(self, question: str, namespace: dict) -> list[Failure]:
        """The cases of ``question`` (public and hidden) that fail, as ``make grade`` runs
        the autograder's copy of them."""
        result = grade_question(self.assignment.tests[question], namespace)
        return [Failure(c.name, c.hidden, c.message) for c in result.cases if not c.passed]

    def planted(self, key: tuple[str, str, str]) -> tuple[list[Failure], list[Failure]]:
        """``(public failures, every failure)`` of the solutions with mistake ``key``."""
        namespace = self.namespace(wrong_notebook(key, self.solutions))
        return self.public(key[1], namespace), self.every_case(key[1], namespace)


def names_it(key: tuple[str, str, str], failures: list[Failure]) -> bool:
    """Whether a failed public case's message contains the mistake's words."""
    words = WRONG[key][2]
    return any(words in f.message for f in failures if not f.hidden)


def table(chapter: Chapter) -> str:
    """A markdown table per exercise: each planted mistake x public / hidden result."""
    lines = []
    for key in (k for k in WRONG if k[0] == chapter.name):
        public, every = chapter.planted(key)
        hidden = [f for f in every if f.hidden]
        lines.append(f"| `{key[1]}` | {key[2]} | "
                     f"{'fails' if public else '**passes**'} ({len(public)})"
                     f"{'' if not public or names_it(key, public) else ', cause not named'} | "
                     f"{'fails' if hidden else '**passes**'} ({len(hidden)}) |")
    return "\n".join(["| exercise | mistake | public (cases failed) | hidden (cases failed) |",
                      "|---|---|---|---|", *lines])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", type=Path)
    args = parser.parse_args(argv)
    names = sorted({key[0] for key in WRONG})
    chapters = args.chapters or [assign.ROOT / "chapters" / f"{n}.ipynb" for n in names]
    for path in chapters:
        out = assign.assign(path.resolve(), run_tests=False)
        if out is None:
            continue
        print(f"\n{path.stem}\n")
        print(table(Chapter(out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
