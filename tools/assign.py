"""Generate each chapter's student notebook and autograder with ``otter assign``.

Usage: ``python tools/assign.py [--no-run-tests] [chapters/NN-name.ipynb ...]``
(``make assignments`` runs it on every chapter). For each chapter that holds an
otter question (a raw cell ``# BEGIN QUESTION``), it writes::

    _build/assignments/NN-name/student/NN-name.ipynb      hand this out
    _build/assignments/NN-name/autograder/autograder.zip  grade with `otter run`
    _build/assignments/NN-name/autograder/NN-name.ipynb   the solutions, otter-formatted

The chapter notebook is the instructor's copy and the single source. Before calling
``otter assign``, this script makes two changes to a copy of it (never to the chapter):
it adds the assignment config below as the first cell, and it removes the solutions of
the exercises that are not autograded (sphinx-exercise ``{solution}`` blocks, and the
cells from a ``{solution-start}`` to its ``{solution-end}``), which the website shows in
dropdowns but a student version must not contain. The autograded exercise keeps its
gated solution inside otter's ``# BEGIN SOLUTION`` block, where otter replaces it by a
stub. Everything else (stubs, hidden tests, ``grader.check`` cells, the autograder
zip) is otter's own work.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "_build" / "assignments"
OTTER = Path(sys.executable).parent / "otter"

# Students hand in the .ipynb itself: no export cell (it needs a PDF toolchain).
ASSIGNMENT_CONFIG = """\
# ASSIGNMENT CONFIG
init_cell: true
check_all_cell: true
export_cell: false
generate: true
tests:
  files: false
  ok_format: true
"""


def has_question(notebook: nbformat.NotebookNode) -> bool:
    """Whether the notebook holds at least one otter question."""
    return any(
        cell.cell_type == "raw" and cell.source.lstrip().upper().startswith("# BEGIN QUESTION")
        for cell in notebook.cells
    )


# A sphinx-exercise {solution} block, or a gated {solution-start} / {solution-end}
# directive, from its opening fence to the closing fence of the same length (so nested
# ``` code blocks stay inside it).
DIRECTIVE = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{(?P<kind>solution|solution-start|solution-end)\}"
    r".*?^(?P=fence)[ \t]*(?:\n|\Z)",
    re.M | re.S,
)


def _is_otter_solution_start(cells: list, index: int) -> bool:
    """The gated solution of the autograded exercise sits in otter's solution block."""
    previous = cells[index - 1] if index > 0 else None
    return (previous is not None and previous.cell_type == "raw"
            and previous.source.lstrip().upper().startswith("# BEGIN SOLUTION"))


def without_solutions(cells: list) -> list:
    """The cells with every website-only solution removed (see the module docstring).

    Drops ``{solution}`` blocks, and everything from a ``{solution-start}`` to its
    ``{solution-end}`` (whole cells in between, and the parts of the cells where they
    stand), except the autograded exercise's, which otter turns into a stub.
    """
    kept: list = []
    skipping = False
    for index, cell in enumerate(cells):
        if cell.cell_type != "markdown":
            if not skipping:
                kept.append(cell)
            continue
        protected = _is_otter_solution_start(cells, index)
        text, pieces, position = cell.source, [], 0
        for match in DIRECTIVE.finditer(text):
            if not skipping:
                pieces.append(text[position:match.start()])
            kind = match["kind"]
            if kind == "solution-start" and not skipping and not protected:
                skipping = True
            elif kind == "solution-end" and skipping:
                skipping = False
            elif kind != "solution" and not skipping:
                pieces.append(match.group(0))  # the autograded exercise's gate
            position = match.end()
        if not skipping:
            pieces.append(text[position:])
        source = "".join(pieces).strip()
        if source:
            cell = nbformat.from_dict(cell)
            cell.source = source
            kept.append(cell)
    if skipping:
        raise ValueError("a {solution-start} has no {solution-end}")
    return kept


def master_copy(chapter: Path, workdir: Path) -> Path:
    """Write the copy of ``chapter`` that otter assign reads; return its path."""
    notebook = nbformat.read(chapter, as_version=4)
    notebook.cells = without_solutions(notebook.cells)
    notebook.cells.insert(0, nbformat.v4.new_raw_cell(ASSIGNMENT_CONFIG))
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / chapter.name
    nbformat.write(notebook, path)
    return path


def assign(chapter: Path, run_tests: bool = True) -> Path | None:
    """Run otter assign on one chapter; return its output folder (None if no question)."""
    if not has_question(nbformat.read(chapter, as_version=4)):
        return None
    out = OUT / chapter.stem
    shutil.rmtree(out, ignore_errors=True)
    master = master_copy(chapter, out / "master")
    command = [str(OTTER), "assign", str(master), str(out)]
    # -v shows otter's report, ending in "All autograder tests passed." for the solutions
    command.append("-v" if run_tests else "--no-run-tests")
    subprocess.run(command, check=True, cwd=master.parent)
    zips = sorted((out / "autograder").glob("*-autograder_*.zip"))
    if len(zips) != 1:
        raise RuntimeError(f"expected one autograder zip in {out / 'autograder'}, got {zips}")
    zips[0].rename(out / "autograder" / "autograder.zip")
    shutil.rmtree(out / "master")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", type=Path)
    parser.add_argument("--no-run-tests", action="store_true",
                        help="do not grade the solutions while generating (faster)")
    args = parser.parse_args(argv)
    chapters = args.chapters or sorted((ROOT / "chapters").glob("*.ipynb"))
    for chapter in chapters:
        out = assign(chapter.resolve(), run_tests=not args.no_run_tests)
        if out is None:
            print(f"{chapter}: no otter question, skipped")
        else:
            print(f"{chapter}: {out.relative_to(ROOT)}/student/{chapter.name} and "
                  "autograder/autograder.zip")
    return 0


if __name__ == "__main__":
    sys.exit(main())
