"""What grading needs to know about one assignment, worked out once by ``make assignments``.

A chapter marks, with the cell tag ``grading-setup``, the code cells that its autograded
exercises need (the imports, and any data the tests compare with). Grading runs only
those cells and the student's own cells, never the figures or timing tables of the rest
of the chapter. ``tools/assign.py`` writes this spec as ``grading.json`` next to the
autograder zip, and checks that the chapter's solutions score full marks under it.

A *student cell* is a code cell of the submission whose text is not that of a code cell
of the handed-out notebook: the answers, and any cells the student added or changed.
Untouched chapter cells are skipped; the setup cells run from the autograder's copy.
"""

from __future__ import annotations

import ast
import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat
import yaml

SETUP_TAG = "grading-setup"
SPEC_FILE = "grading.json"
MANIFEST = "manifest.json"  # the hash of every file of a generated assignment


@dataclass(frozen=True)
class Question:
    """One autograded exercise: its otter name, the names its solution defines, and
    the points its tests are worth (filled in from the autograder's tests)."""

    name: str
    defines: tuple[str, ...]
    points: float = 0.0


@dataclass
class GradingSpec:
    """The grading recipe of one chapter's assignment (see the module docstring)."""

    chapter: str
    setup: list[str]
    handed_out: list[str]
    questions: list[Question]
    fingerprint: str = ""
    imports: list[str] = field(default_factory=list)
    # what the setup defines and the solutions use: the course's functions an answer may
    # call (any other implementation of the course's is refused, tools.grading.student)
    allowed: list[str] = field(default_factory=list)

    @property
    def maximum(self) -> float:
        """The points of all exercises together."""
        return sum(question.points for question in self.questions)

    @property
    def names(self) -> list[str]:
        """Every name the exercises' tests take from the student's code."""
        return [name for question in self.questions for name in question.defines]

    def student_cells(self, notebook: nbformat.NotebookNode) -> list[tuple[int, str]]:
        """The submission's own code cells as ``(cell number from 1, source)``."""
        known = {_normalise(source) for source in self.handed_out}
        return [
            (number, cell.source)
            for number, cell in enumerate(notebook.cells, start=1)
            if cell.cell_type == "code" and _normalise(cell.source)
            and _normalise(cell.source) not in known
        ]

    def save(self, path: Path) -> None:
        """Write the spec as JSON."""
        path.write_text(json.dumps(asdict(self), indent=1) + "\n")

    @classmethod
    def load(cls, path: Path) -> GradingSpec:
        """Read a spec written by :meth:`save`."""
        data = json.loads(Path(path).read_text())
        data["questions"] = [Question(q["name"], tuple(q["defines"]), q.get("points", 0.0))
                             for q in data["questions"]]
        return cls(**data)


def _normalise(source: str) -> str:
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def _raw_marker(cell: nbformat.NotebookNode) -> str:
    """``BEGIN QUESTION``, ``END SOLUTION``... for otter's raw marker cells, else ``""``."""
    if cell.cell_type != "raw" or not cell.source.lstrip().startswith("#"):
        return ""
    return cell.source.lstrip().lstrip("#").strip().splitlines()[0].upper()


def defined_names(source: str) -> list[str]:
    """The top-level names a cell defines (functions, classes, assigned variables)."""
    names: list[str] = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.append(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names += [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    return names


def imported_modules(sources: list[str]) -> list[str]:
    """The modules that ``sources`` import, in order (for warming up a grading process).

    ``from X import Y`` gives ``X`` and ``X.Y``: ``Y`` may be a module (``from d2l import
    torch``, seconds to import); the fork server skips a name that is not one.
    """
    modules: list[str] = []
    for source in sources:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                modules += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules.append(node.module)
                modules += [f"{node.module}.{alias.name}" for alias in node.names
                            if alias.name != "*"]
    return list(dict.fromkeys(modules))


def setup_imports(chapter: nbformat.NotebookNode) -> list[str]:
    """The modules a chapter's setup cells (tagged ``grading-setup``) import."""
    return imported_modules([cell.source for cell in chapter.cells if cell.cell_type == "code"
                             and SETUP_TAG in cell.metadata.get("tags", [])])


def _parse(source: str) -> ast.Module:
    try:
        return ast.parse(source)
    except SyntaxError:  # a cell with IPython magics: nothing to check there
        return ast.Module(body=[], type_ignores=[])


def bound_names(source: str) -> set[str]:
    """The module-level names a cell binds (assignments, loops, imports, definitions)."""
    names: set[str] = set()
    todo = list(_parse(source).body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            names |= {a.asname or a.name.split(".")[0] for a in node.names}
            continue
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
                names.add(child.id)
            elif not isinstance(child, ast.Lambda | ast.comprehension | ast.expr_context):
                todo.append(child)
    return names


def free_names(source: str) -> set[str]:
    """The names a cell reads without binding them anywhere in it (arguments included)."""
    tree = _parse(source)
    loads, bound = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loads if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return loads - bound - bound_names(source)


def rebound_test_names(chapter: nbformat.NotebookNode) -> list[str]:
    """Names the tests read from the setup cells that some other chapter cell rebinds.

    Gradescope runs the whole notebook before the tests, so there a test would see the
    other cell's value (say, an array called ``reference``) where local grading, which
    runs the setup cells only, sees the module: the two would disagree.
    """
    setup, tests, others = [], [], []
    in_tests = False
    for cell in chapter.cells:
        marker = _raw_marker(cell)
        in_tests = marker.startswith("BEGIN TESTS") or (in_tests and not
                                                         marker.startswith("END TESTS"))
        if cell.cell_type != "code":
            continue
        if SETUP_TAG in cell.metadata.get("tags", []):
            setup.append(cell.source)
        else:
            (tests if in_tests else others).append(cell.source)
    provided = set().union(*map(bound_names, setup))
    used = set().union(*map(free_names, tests)) & provided
    return sorted(name for name in used if any(name in bound_names(s) for s in others))


def questions_of(chapter: nbformat.NotebookNode) -> list[Question]:
    """The otter questions of a chapter and the names their solution cells define."""
    questions: list[Question] = []
    name, defines, in_solution = None, [], False
    for cell in chapter.cells:
        marker = _raw_marker(cell)
        if marker.startswith("BEGIN QUESTION"):
            name = yaml.safe_load(cell.source.split("\n", 1)[1])["name"]
            defines = []
        elif marker.startswith("BEGIN SOLUTION"):
            in_solution = True
        elif marker.startswith("END SOLUTION"):
            in_solution = False
        elif marker.startswith("END QUESTION"):
            questions.append(Question(name, tuple(dict.fromkeys(defines))))
            name = None
        elif in_solution and cell.cell_type == "code":
            defines += defined_names(cell.source)
    return questions


def build_spec(chapter_name: str, chapter: nbformat.NotebookNode,
               student: nbformat.NotebookNode, fingerprint: str = "") -> GradingSpec:
    """The spec of a chapter, given the chapter and the student notebook otter made of it.

    Raises ``ValueError`` naming the chapter when it has an exercise but no cell tagged
    ``grading-setup``, or an exercise whose solution defines no name for the tests.
    """
    setup = [cell.source for cell in chapter.cells
             if cell.cell_type == "code" and SETUP_TAG in cell.metadata.get("tags", [])]
    questions = questions_of(chapter)
    if questions and not setup:
        raise ValueError(
            f"{chapter_name}: no code cell is tagged {SETUP_TAG!r}; tag the cells its "
            "exercises need (at least the imports), see instructors.md"
        )
    for question in questions:
        if not question.defines:
            raise ValueError(f"{chapter_name}: the solution of {question.name} defines no name")
    handed_out = [cell.source for cell in student.cells if cell.cell_type == "code"]
    provided = set().union(*map(bound_names, setup))
    allowed = set().union(*map(free_names, solution_sources(chapter))) & provided
    return GradingSpec(chapter_name, setup, handed_out, questions, fingerprint,
                       setup_imports(chapter), sorted(allowed))


def solution_sources(chapter: nbformat.NotebookNode) -> list[str]:
    """The code of the chapter's solution cells (between BEGIN and END SOLUTION)."""
    sources, inside = [], False
    for cell in chapter.cells:
        marker = _raw_marker(cell)
        if marker.startswith("BEGIN SOLUTION") or marker.startswith("END SOLUTION"):
            inside = marker.startswith("BEGIN")
        elif inside and cell.cell_type == "code":
            sources.append(cell.source)
    return sources


def _hashes(folder: Path) -> dict[str, str]:
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*"))
            if path.is_file() and path.name not in (MANIFEST, "fingerprint.txt")}


def write_manifest(folder: Path) -> None:
    """Record the SHA-256 of every file of the assignment in ``folder`` (the zip, the
    spec, the handouts), for :func:`changed_files`."""
    (Path(folder) / MANIFEST).write_text(json.dumps(_hashes(Path(folder)), indent=1) + "\n")


def changed_files(folder: Path) -> list[str]:
    """The files of the assignment in ``folder`` that differ from its manifest (added,
    removed or altered since it was generated); ``[MANIFEST]`` when there is none."""
    try:
        recorded = json.loads((Path(folder) / MANIFEST).read_text())
    except (OSError, ValueError):
        return [MANIFEST]
    now = _hashes(Path(folder))
    return sorted(name for name in recorded.keys() | now.keys()
                  if recorded.get(name) != now.get(name))
