"""A plausible wrong answer per chapter, planted in the instructor's solutions.

The grading tests, ``make autograder-check`` and the grading benchmark all need a
submission that must score partial marks with the failing case named: this is the one
place that says, per chapter, which line of the solution to change, into what, and
which words the failing case's message must show.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

SOLUTION_TAG = "otter_assign_solution_cell"

# chapter: (text in the instructor's solution, what a student might write instead,
# words that the failure message of the failing case must contain)
WRONG = {
    # the padding is never applied
    "01-naive-forward": ("x_pad = np.pad(x, padding)", "x_pad = x", "padding=1"),
    # dL/dx with the kernel in the wrong orientation (flipped once too often)
    "02-backward": ("grad_x[start : start + K] += upstream * w",
                    "grad_x[start : start + K] += upstream * w[::-1]", "grad_x"),
    # the kernel flipped upside down but not left to right
    "03-corr2d-intuition": ("K[::-1, ::-1]", "K[::-1, :]", "3x3 kernel"),
    # groups ignored: every kernel sees all input channels
    "04-parameter-efficiency": ("(in_channels // groups)", "in_channels", "groups"),
    # im2col rows in (u, v, c) order instead of (c, u, v)
    "05-fast-convolution": (".transpose(1, 4, 5, 0, 2, 3)", ".transpose(4, 5, 1, 0, 2, 3)",
                            "(c, u, v)"),
}


def wrong_notebook(chapter: str, solutions: Path) -> nbformat.NotebookNode:
    """The solutions notebook (otter's autograder copy) with the chapter's mistake planted.

    Raises ``KeyError`` for a chapter without a planted mistake, and ``ValueError`` when
    the solution no longer contains the line to change.
    """
    old, new, _ = WRONG[chapter]
    notebook = nbformat.read(solutions, as_version=4)
    cells = [c for c in notebook.cells if c.cell_type == "code"
             and SOLUTION_TAG in c.metadata.get("tags", []) and old in c.source]
    if len(cells) != 1:
        raise ValueError(f"{chapter}: no solution cell contains {old!r} any more")
    cells[0].source = cells[0].source.replace(old, new)
    return notebook
