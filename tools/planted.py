"""Plausible wrong answers, planted in the instructor's solutions.

The grading tests, ``make autograder-check`` and the grading benchmark all need a
submission that must score partial marks with the failing case named: this is the one
place that says, per chapter and exercise, which line of the solution to change, into
what, and which words the failing case's message must show.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

SOLUTION_TAG = "otter_assign_solution_cell"

# Plausible mistakes, keyed (chapter, question, mistake): (text in the instructor's
# solution, what a student might write instead, words that the message of a failing case
# of that question must contain).
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
    # a tied maximum sends the window's gradient to every tied input, not the first
    ("06-network", "ex-ch6-max-pool-backward", "tie-to-every-maximum"): (
        "grad_pad[n, c, r + u, q + v] += grad_out[n, c, i, j]",
        "grad_pad[n, c, r : r + k, q : q + k] += (window == window.max()) * grad_out[n, c, i, j]",
        "ties"),
    # zero padding, which wins the windows where every real input is negative
    ("06-network", "ex-ch6-max-pool-backward", "zero-padding"): (
        "constant_values=-np.inf)", "constant_values=0)", "padding"),
}


def mistakes(chapter: str) -> list[tuple[str, str, str]]:
    """The keys of :data:`WRONG` for one chapter, in the table's order."""
    return [key for key in WRONG if key[0] == chapter]


def wrong_notebook(key: tuple[str, str, str], solutions: Path) -> nbformat.NotebookNode:
    """The solutions notebook (otter's autograder copy) with one mistake planted.

    Raises ``KeyError`` for a key not in :data:`WRONG`, and ``ValueError`` when no
    solution cell (or more than one) contains the line to change.
    """
    old, new, _ = WRONG[key]
    notebook = nbformat.read(solutions, as_version=4)
    cells = [c for c in notebook.cells if c.cell_type == "code"
             and SOLUTION_TAG in c.metadata.get("tags", []) and old in c.source]
    if len(cells) != 1:
        raise ValueError(f"{key}: {len(cells)} solution cells contain {old!r}, expected 1")
    cells[0].source = cells[0].source.replace(old, new)
    return notebook
