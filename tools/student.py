"""The student notebooks, for a learner who studies alone (``make student``).

Usage: ``python -m tools.student [chapters/NN-name.ipynb ...]``. Generates each
chapter's student notebook (:mod:`tools.assign`: the exercises as stubs, their public
tests inside, no solutions) and copies it into ``student/``, where ``make student`` then
opens JupyterLab. A notebook already in ``student/`` holds the learner's answers and is
never overwritten; delete it to start that chapter again from the stubs.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from tools import assign

STUDENT = assign.ROOT / "student"


def copy_student_notebooks(chapters: list[Path], folder: Path = STUDENT) -> list[Path]:
    """Copy the student notebook of each chapter with exercises into ``folder`` unless
    it is there already; return the notebooks of ``folder`` for those chapters."""
    folder.mkdir(parents=True, exist_ok=True)
    notebooks = []
    for chapter in chapters:
        out = assign.assign(chapter.resolve(), run_tests=False)
        if out is None:
            continue
        target = folder / chapter.name
        if target.exists():
            print(f"{target.relative_to(folder.parent)}: kept (your answers); delete it to "
                  "start again from the stubs")
        else:
            shutil.copy(out / "student" / chapter.name, target)
            print(f"{target.relative_to(folder.parent)}: new")
        notebooks.append(target)
    return notebooks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", type=Path)
    args = parser.parse_args(argv)
    chapters = args.chapters or sorted((assign.ROOT / "chapters").glob("*.ipynb"))
    copy_student_notebooks(chapters)
    print("In each notebook, the cell grader.check(\"ex-...\") under an exercise runs its "
          "public tests; the hidden tests (an instructor's grade) try more cases.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
