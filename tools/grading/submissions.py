"""Find the submissions in a folder, and check each is a notebook of the right chapter.

A folder holds one submission per student: ``<student>.ipynb``, or a folder
``<student>/`` with one notebook in it (at any depth; checkpoints and hidden files are
ignored). Nothing here runs a submission: this is the cheap part that turns a file
into a notebook or into a status that says why it cannot be graded.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import nbformat

MAX_BYTES = 50 * 2**20  # a notebook larger than this is refused (stored outputs, mostly)

# Statuses of submissions that are not graded, each with zero points.
NOT_A_NOTEBOOK = "not-a-notebook"
EMPTY = "empty"
INVALID_JSON = "invalid-json"
WRONG_CHAPTER = "wrong-chapter"
TOO_LARGE = "too-large"
MISSING = "missing"
AMBIGUOUS = "ambiguous"


@dataclass
class Submission:
    """One student's submission: the file to grade, or why there is none."""

    student: str
    path: Path | None
    status: str = ""
    detail: str = ""


def _visible(path: Path, root: Path) -> bool:
    return not any(part.startswith(".") for part in path.relative_to(root).parts)


def discover(folder: Path, exclude: Path | None = None) -> list[Submission]:
    """The submissions in ``folder``, one per student, sorted by student.

    ``exclude`` (the grader's output folder, if it lies inside) is skipped. Raises
    ``ValueError`` naming the folder if it is not a directory.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"SUBMISSIONS must be a folder of notebooks; {folder} is not a folder")
    found: dict[str, list[Submission]] = {}
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(".") or (exclude and entry.resolve() == exclude.resolve()):
            continue
        if entry.is_dir():
            notebooks = sorted(p for p in entry.rglob("*.ipynb")
                               if p.is_file() and _visible(p, entry))
            if len(notebooks) == 1:
                submission = Submission(entry.name, notebooks[0])
            elif notebooks:
                names = ", ".join(str(p.relative_to(entry)) for p in notebooks)
                submission = Submission(entry.name, None, AMBIGUOUS,
                                        f"several notebooks in {entry.name}/: {names}")
            else:
                files = [p.name for p in entry.rglob("*") if p.is_file() and _visible(p, entry)]
                submission = Submission(entry.name, None, MISSING, "no .ipynb file in "
                                        f"{entry.name}/" + (f" (found {', '.join(files)})"
                                                            if files else ""))
        elif entry.suffix == ".ipynb":
            submission = Submission(entry.stem, entry)
        else:
            submission = Submission(entry.stem, None, NOT_A_NOTEBOOK,
                                    f"{entry.name} is not an .ipynb file")
        found.setdefault(submission.student, []).append(submission)
    result = []
    for student, submissions in sorted(found.items()):
        if len(submissions) > 1:
            result.append(Submission(student, None, AMBIGUOUS,
                                     f"{student} has {len(submissions)} submissions "
                                     "(a file and a folder?)"))
        else:
            result.append(submissions[0])
    return result


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_notebook(data: bytes, chapter: str, max_bytes: int = MAX_BYTES
                  ) -> tuple[nbformat.NotebookNode | None, str, str]:
    """``(notebook, "", "")``, or ``(None, status, why)`` when it cannot be graded.

    The notebook comes back without its outputs (grading does not need them). A
    notebook whose otter metadata names another assignment is ``wrong-chapter``.
    """
    if len(data) > max_bytes:
        return None, TOO_LARGE, (f"the file has {len(data) / 2**20:.1f} MB, more than the "
                                 f"limit of {max_bytes / 2**20:.1f} MB: clear its outputs")
    if not data.strip():
        return None, EMPTY, "the file is empty"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None, NOT_A_NOTEBOOK, "the file is not text (a notebook is a JSON text file)"
    try:
        content = json.loads(text)
    except (ValueError, RecursionError) as error:
        return None, INVALID_JSON, f"the file is not valid JSON: {error}"
    if not isinstance(content, dict) or not isinstance(content.get("cells"), list):
        return None, NOT_A_NOTEBOOK, "the file is JSON but not a Jupyter notebook"
    try:
        notebook = nbformat.reads(text, as_version=4)
        nbformat.validate(notebook)
    except Exception as error:  # nbformat raises several kinds for malformed notebooks
        return None, NOT_A_NOTEBOOK, f"the file is not a valid notebook: {str(error)[:300]}"
    otter = notebook.metadata.get("otter", {})
    name = otter.get("assignment_name") if isinstance(otter, dict) else None
    if name is not None and name != chapter:
        return None, WRONG_CHAPTER, f"this is the notebook of {name}, not of {chapter}"
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return notebook, "", ""
