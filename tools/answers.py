"""What each autograded exercise asks for, and where a chapter would give it away.

Most exercises ask the learner to write a function that the package already has: the
forward pass of chapter 1 is ``naive.conv2d_forward``, chapter 5's im2col is
``columns.im2col``. The developers' guide says: never show the answer before its
exercise. :data:`ANSWERS` declares, once, for every otter question, the functions its
solution mirrors, and :func:`shown_before` lists the cells of a chapter, above the
question, that show one of them:

* a call that prints or returns its source: ``show_source``,
  ``source_without_docstring``, ``inspect.getsource`` or ``getsourcelines``, or
  IPython's ``name??`` and ``%psource name``, the argument resolved through the
  chapter's imports (``naive.conv2d_forward`` after ``from convcourse import naive``);
* a listing: a cell whose text or stored output holds three (or all, if fewer) of the
  function's distinctive source lines, however they got there (a markdown code block,
  a pasted copy, source printed some other way).

``tests/test_exercise_order.py`` runs it on every chapter.
"""

from __future__ import annotations

import ast
import importlib
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml

from convcourse.source import source_without_docstring

#: For every otter question of the chapters, the functions its solution mirrors
#: (dotted paths, importable). None of them may be shown above the question.
ANSWERS: dict[str, tuple[str, ...]] = {
    # chapter 1: one padded, strided cross-correlation; then the whole layer
    "ex-ch1-single": ("convcourse.corr.corr2d", "convcourse.naive.conv2d_forward"),
    "ex-ch1-forward": ("convcourse.naive.conv2d_forward", "convcourse.fast.conv2d_forward"),
    # chapter 2: the 1-D backward pass is the 2-D one with a height of 1
    "ex-ch2-conv1d-backward": ("convcourse.naive.conv2d_backward",),
    "ex-ch2-conv2d-backward": ("convcourse.naive.conv2d_backward",
                               "convcourse.fast.conv2d_backward"),
    # chapter 3: the package has no convolution proper; SciPy's is the answer
    "ex-ch3-convolve2d": ("scipy.signal.convolve2d",),
    "ex-ch4-param-count": ("convcourse.counting.conv2d_param_count",),
    # chapter 5: the im2col of the text, and the tuned one of the optional section
    "ex-ch5-im2col": ("convcourse.columns.im2col", "convcourse.fast._im2col_chunk"),
    # chapter 6: the layers the learner writes, and the network they make up
    "ex-ch6-linear": ("convcourse.layers.Linear.forward", "convcourse.layers.Linear.backward"),
    "ex-ch6-relu-backward": ("convcourse.layers.ReLU.backward",),
    "ex-ch6-softmax-cross-entropy": ("convcourse.loss.softmax_cross_entropy",
                                     "convcourse.loss.log_softmax"),
    "ex-ch6-max-pool-forward": ("convcourse.pooling.max_pool2d_forward",),
    "ex-ch6-max-pool-backward": ("convcourse.pooling.max_pool2d_backward",),
    # the answer is LeNet's layers in order, chained: what `lenet` builds (the
    # generic `Sequential.forward`/`backward` loops hold no LeNet-specific step)
    "ex-ch6-lenet": ("convcourse.network.lenet",),
    # chapter 7: batch normalisation's backward pass, and global average pooling
    "ex-ch7-batch-norm": ("convcourse.normalization.BatchNorm2d.backward",),
    "ex-ch7-global-avg-pool": ("convcourse.blocks.GlobalAvgPool2d.forward",
                               "convcourse.blocks.GlobalAvgPool2d.backward"),
    # chapter 8: the transposed convolution's forward pass, a scatter of the input
    "ex-ch8-conv-transpose": ("convcourse.transposed.conv_transpose2d_forward",
                              "convcourse.fast_transposed.conv_transpose2d_forward"),
}

#: Calls that print or return the source of their first argument.
SOURCE_SHOWERS = frozenset({"show_source", "source_without_docstring", "getsource",
                            "getsourcelines"})
#: IPython's ways of printing a source: ``name??`` and ``%psource name``.
_MAGIC = re.compile(r"^\s*(?:%psource\s+([\w.]+)|([\w.]+)\s*\?\?)\s*$")
#: A source line shorter than this (``return out``, ``else:``) says too little.
MIN_LINE = 20
#: How many distinctive lines of a function make a listing of it.
LISTING_LINES = 3


@dataclass(frozen=True)
class Shown:
    """A cell above an exercise that shows one of its answers."""

    question: str
    cell: int        # index of the cell in the chapter notebook
    function: str    # the dotted path from :data:`ANSWERS`
    how: str         # "show_source(...)", "a listing of N of its lines", ...

    def __str__(self) -> str:
        return (f"{self.question}: cell {self.cell}, above the exercise, shows "
                f"{self.function} ({self.how})")


def resolve(dotted: str) -> object:
    """The object at an importable dotted path (module, then attributes).

    Raises ``ImportError`` naming the path when no prefix of it is a module, and
    ``AttributeError`` when the rest is not found.
    """
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            obj = getattr(obj, name)
        return obj
    raise ImportError(f"no module in the dotted path {dotted!r}")


def _plain(obj: object) -> object:
    """The function behind a bound method, ``classmethod`` or ``staticmethod``."""
    return getattr(obj, "__func__", obj)


def question_cells(chapter: nbformat.NotebookNode) -> dict[str, int]:
    """Every otter question of a chapter and the index of its ``# BEGIN QUESTION`` cell."""
    found = {}
    for index, cell in enumerate(chapter.cells):
        text = cell.source.lstrip()
        if cell.cell_type == "raw" and text.startswith("# BEGIN QUESTION"):
            found[yaml.safe_load(text.split("\n", 1)[1])["name"]] = index
    return found


def _imports(chapter: nbformat.NotebookNode) -> dict[str, str]:
    """What each imported name of the chapter's code cells stands for, as a dotted path."""
    names: dict[str, str] = {}
    for cell in chapter.cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(_parse(cell.source)):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        names[alias.asname] = alias.name
                    else:
                        root = alias.name.split(".")[0]
                        names[root] = root
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _parse(source: str) -> ast.Module:
    """The cell's syntax tree, with IPython's magic and help lines left out."""
    lines = [line for line in source.splitlines()
             if not (line.lstrip().startswith(("%", "!")) or line.rstrip().endswith("?"))]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return ast.Module(body=[], type_ignores=[])


def _dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for a chain of attributes on a name, else ``None``."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])


def _shown_names(source: str) -> list[tuple[str, str]]:
    """``(expression, how)`` for every source a code cell prints or fetches."""
    shown = []
    for node in ast.walk(_parse(source)):
        if isinstance(node, ast.Call) and node.args:
            func = _dotted(node.func)
            name = _dotted(node.args[0])
            if func and name and func.split(".")[-1] in SOURCE_SHOWERS:
                shown.append((name, f"{func}({name})"))
    for line in source.splitlines():
        match = _MAGIC.match(line)
        if match:
            shown.append((match[1] or match[2], line.strip()))
    return shown


def _cell_text(cell: nbformat.NotebookNode) -> str:
    """A cell's source and, for a code cell, the text of its stored outputs."""
    texts = [cell.source]
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            texts.append(output.get("text", ""))
        else:
            texts.append(output.get("data", {}).get("text/plain", ""))
    return "\n".join(text if isinstance(text, str) else "".join(text) for text in texts)


def distinctive_lines(function: object) -> set[str]:
    """The lines of a function's source (docstring left out) that could be nowhere else:
    stripped, at least :data:`MIN_LINE` characters, no comments, no ``def`` line."""
    lines = source_without_docstring(_plain(function)).splitlines()
    return {line.strip() for line in lines
            if len(line.strip()) >= MIN_LINE
            and not line.strip().startswith(("#", "...", "def ", "@"))}


def shown_before(chapter: nbformat.NotebookNode, question: str) -> list[Shown]:
    """The cells above ``question``'s ``# BEGIN QUESTION`` cell that show an answer.

    Raises ``KeyError`` naming the question when the chapter has no such question, or
    when :data:`ANSWERS` does not declare it.
    """
    cells = question_cells(chapter)
    if question not in cells:
        raise KeyError(f"the chapter has no otter question {question!r}")
    if question not in ANSWERS:
        raise KeyError(f"{question!r} is not in tools.answers.ANSWERS: declare the "
                       "functions its solution mirrors")
    targets = {path: _plain(resolve(path)) for path in ANSWERS[question]}
    roots = {path.split(".")[0] for path in targets}
    imports = _imports(chapter)
    found = []
    for index, cell in enumerate(chapter.cells[: cells[question]]):
        if cell.cell_type == "code":
            for name, how in _shown_names(cell.source):
                root, _, rest = name.partition(".")
                dotted = ".".join(filter(None, [imports.get(root, ""), rest]))
                if not dotted or dotted.split(".")[0] not in roots:
                    continue
                try:
                    obj = _plain(resolve(dotted))
                except (ImportError, AttributeError):
                    continue
                found += [Shown(question, index, path, how)
                          for path, target in targets.items() if obj is target]
        text = {line.strip() for line in _cell_text(cell).splitlines()}
        for path, target in targets.items():
            lines = distinctive_lines(target)
            copied = lines & text
            if lines and len(copied) >= min(LISTING_LINES, len(lines)):
                found.append(Shown(question, index, path,
                                   f"a listing of {len(copied)} of its lines"))
    return found


def check_chapter(path: Path) -> list[Shown]:
    """Every answer shown above its exercise in the chapter notebook at ``path``."""
    chapter = nbformat.read(path, as_version=4)
    return [shown for question in question_cells(chapter)
            for shown in shown_before(chapter, question)]
