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
stub. It also gives the last public test case of each exercise a success message
(:data:`PUBLIC_NOTICE`): otter says "passed!" when the public cases pass, and a learner
studying alone must hear that the hidden tests try more. Everything else (stubs, hidden
tests, ``grader.check`` cells, the autograder zip) is otter's own work.

The zip is self-contained, for Gradescope or ``otter grade``: it declares Python 3.11
and every package grading needs, pinned (``requirements-autograder.txt``), and carries
``convcourse`` as a wheel, which its ``setup.sh`` installs together with ``d2l`` (both
``--no-deps``: d2l's own pins do not install, see the README). ``make autograder-check``
proves it in an environment built from the zip alone.

Next to the zip, ``grading.json`` is the recipe of the local grader (``make grade``,
:mod:`tools.grading.spec`). A chapter is only re-generated when it, this script, the
package or the pins change (a fingerprint of them is kept in ``fingerprint.txt``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import zipfile
from dataclasses import replace
from importlib.metadata import version
from pathlib import Path

import nbformat
import yaml

from tools.grading.referee import load_tests
from tools.grading.spec import SETUP_TAG, SPEC_FILE, build_spec, rebound_test_names

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "_build" / "assignments"
WHEELS = ROOT / "_build" / "wheels"
OTTER = Path(sys.executable).parent / "otter"
PYTHON_VERSION = "3.11"
NODEPS = "requirements-nodeps.txt"

# Students hand in the .ipynb itself: no export cell (it needs a PDF toolchain). The
# name lets otter (and `make grade`) refuse a notebook of another chapter.
ASSIGNMENT_CONFIG = """\
# ASSIGNMENT CONFIG
name: {name}
init_cell: true
check_all_cell: true
export_cell: false
python_version: "{python}"
requirements: requirements.txt
overwrite_requirements: true
autograder_files:
{files}
generate: true
tests:
  files: false
  ok_format: true
"""

# Appended to otter's setup.sh (run once when Gradescope builds the grading image).
SETUP_SH = """
# convcourse (a wheel of the course's package) and d2l, installed without their
# dependencies: d2l pins numpy 1.23.5 and friends, which do not install with numpy 2;
# what they import is pinned in requirements.txt (see the course's README).
cd {autograder_dir}/source/files && mamba run -n otter-env pip install --no-deps -r {nodeps}
"""

# What an assignment is generated from: a change to any of these regenerates it.
INPUTS = ["tools/assign.py", "tools/grading/spec.py", "requirements-autograder.txt",
          "requirements-d2l.txt", "pyproject.toml"]


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


# What grader.check shows under the last public case of an exercise when it passes
# (otter writes it into a "..." string: no double quotes or backslashes).
PUBLIC_NOTICE = (
    "This case passes. Passing every public case is not a proof that your answer is right: "
    "the hidden tests, which grade the exercise, try more cases (other shapes and values)."
)
TEST_CONFIG_END = '""" # END TEST CONFIG'


def _test_config(source: str) -> dict:
    """The YAML config at the top of an otter test cell (empty if it has none)."""
    if TEST_CONFIG_END not in source:
        return {}
    head = source.split(TEST_CONFIG_END, 1)[0].split("# BEGIN TEST CONFIG", 1)[-1]
    return yaml.safe_load(head) or {}


def with_public_notice(cells: list) -> list:
    """The cells, with :data:`PUBLIC_NOTICE` as the success message of the last public
    test case of every exercise (see the module docstring)."""
    cells = [nbformat.from_dict(cell) for cell in cells]
    last_public, in_tests = None, False
    for cell in cells:
        marker = cell.source.lstrip().upper() if cell.cell_type == "raw" else ""
        if marker.startswith("# BEGIN TESTS"):
            in_tests, last_public = True, None
        elif marker.startswith("# END TESTS"):
            in_tests = False
            if last_public is not None and "success_message" not in _test_config(
                    last_public.source):
                line = f"success_message: {json.dumps(PUBLIC_NOTICE)}\n"
                if TEST_CONFIG_END in last_public.source:
                    last_public.source = last_public.source.replace(
                        TEST_CONFIG_END, line + TEST_CONFIG_END, 1)
                else:
                    last_public.source = ('""" # BEGIN TEST CONFIG\n' + line + TEST_CONFIG_END
                                          + "\n" + last_public.source)
        elif in_tests and cell.cell_type == "code" and not _test_config(cell.source).get(
                "hidden", False):
            last_public = cell
    return cells


def package_files() -> list[Path]:
    """The source files of the ``convcourse`` package, its subpackages included."""
    return sorted(p for p in (ROOT / "convcourse").rglob("*.py") if "__pycache__" not in p.parts)


def fingerprint(chapter: Path) -> str:
    """A hash of everything the chapter's assignment is generated from."""
    digest = hashlib.sha256(f"otter-grader {version('otter-grader')}".encode())
    for path in [chapter, *(ROOT / p for p in INPUTS), *package_files()]:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


_wheel_lock = threading.Lock()


def convcourse_wheel() -> Path:
    """A wheel of the ``convcourse`` package (built once per version of its source)."""
    digest = hashlib.sha256()
    for path in [ROOT / "pyproject.toml", *package_files()]:
        digest.update(path.read_bytes())
    folder = WHEELS / digest.hexdigest()[:16]
    with _wheel_lock:
        wheels = sorted(folder.glob("convcourse-*.whl"))
        if not wheels:
            with tempfile.TemporaryDirectory() as tmp:
                source = Path(tmp) / "src"
                source.mkdir()
                for name in ("pyproject.toml", "README.md"):
                    shutil.copy(ROOT / name, source)
                shutil.copytree(ROOT / "convcourse", source / "convcourse",
                                ignore=shutil.ignore_patterns("__pycache__"))
                subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                                "--no-build-isolation", "--wheel-dir", str(Path(tmp) / "w"),
                                str(source)], check=True)
                folder.mkdir(parents=True, exist_ok=True)
                for wheel in (Path(tmp) / "w").glob("*.whl"):
                    shutil.copy(wheel, folder)
            wheels = sorted(folder.glob("convcourse-*.whl"))
    return wheels[0]


def master_copy(chapter: Path, workdir: Path) -> Path:
    """Write the copy of ``chapter`` that otter assign reads, and the files that its
    autograder ships (pins, the convcourse wheel, d2l); return the notebook's path."""
    workdir.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "requirements-autograder.txt", workdir / "requirements.txt")
    wheel = shutil.copy(convcourse_wheel(), workdir)
    d2l = [line for line in (ROOT / "requirements-d2l.txt").read_text().splitlines()
           if line.strip() and not line.startswith("#")]
    (workdir / NODEPS).write_text("\n".join([f"./{Path(wheel).name}", *d2l]) + "\n")
    files = "\n".join(f"  - {name}" for name in (Path(wheel).name, NODEPS))
    notebook = nbformat.read(chapter, as_version=4)
    notebook.cells = with_public_notice(without_solutions(notebook.cells))
    config = ASSIGNMENT_CONFIG.format(name=chapter.stem, python=PYTHON_VERSION, files=files)
    notebook.cells.insert(0, nbformat.v4.new_raw_cell(config))
    path = workdir / chapter.name
    nbformat.write(notebook, path)
    return path


def _install_extras_in_setup(zip_path: Path) -> None:
    """Append the ``--no-deps`` installs (convcourse, d2l) to the zip's ``setup.sh``."""
    with zipfile.ZipFile(zip_path) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in members:
            if info.filename == "setup.sh":
                data += SETUP_SH.format(autograder_dir="/autograder", nodeps=NODEPS).encode()
            archive.writestr(info, data)


def is_current(chapter: Path) -> bool:
    """Whether the chapter's assignment is already generated from its current inputs."""
    out = OUT / chapter.stem
    key = out / "fingerprint.txt"
    return (key.is_file() and key.read_text().strip() == fingerprint(chapter)
            and (out / "autograder" / "autograder.zip").is_file())


def assign(chapter: Path, run_tests: bool = True, force: bool = False) -> Path | None:
    """Run otter assign on one chapter; return its output folder (None if no question).

    Nothing is done when the assignment is current (see :func:`is_current`), unless
    ``force``.
    """
    notebook = nbformat.read(chapter, as_version=4)
    if not has_question(notebook):
        return None
    out = OUT / chapter.stem
    if not force and is_current(chapter):
        return out
    key = fingerprint(chapter)
    build_spec(chapter.stem, notebook, notebook)  # fails early if the setup is not tagged
    rebound = rebound_test_names(notebook)
    if rebound:
        print(f"WARNING: {chapter.name}: a cell other than the {SETUP_TAG} cells rebinds "
              f"{', '.join(rebound)}, which the tests read: Gradescope (which runs every "
              "cell) and make grade (which runs the setup cells) would disagree",
              file=sys.stderr)
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
    _install_extras_in_setup(out / "autograder" / "autograder.zip")
    student = nbformat.read(out / "student" / chapter.name, as_version=4)
    spec = build_spec(chapter.stem, nbformat.read(master, as_version=4), student, key)
    tests = load_tests(out / "autograder" / "autograder.zip")
    spec.questions = [replace(q, points=tests[q.name].possible) for q in spec.questions]
    spec.save(out / "autograder" / SPEC_FILE)
    shutil.rmtree(out / "master")
    (out / "fingerprint.txt").write_text(key + "\n")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", type=Path)
    parser.add_argument("--no-run-tests", action="store_true",
                        help="do not grade the solutions while generating (faster)")
    parser.add_argument("--force", action="store_true",
                        help="regenerate even the assignments that are up to date")
    args = parser.parse_args(argv)
    chapters = args.chapters or sorted((ROOT / "chapters").glob("*.ipynb"))
    for chapter in chapters:
        out = assign(chapter.resolve(), run_tests=not args.no_run_tests, force=args.force)
        if out is None:
            print(f"{chapter}: no otter question, skipped")
        else:
            print(f"{chapter}: {out.relative_to(ROOT)}/student/{chapter.name} and "
                  "autograder/autograder.zip")
    return 0


if __name__ == "__main__":
    sys.exit(main())
