"""What the figure modules share: colours, argument checks for figures, cell helpers.

This module is the bottom layer of :mod:`convcourse.plot`: every figure module
imports from it and it imports none of them. Its constants are re-exported by
:mod:`convcourse.plot`; its functions are building blocks for the figure modules,
not figures themselves (they are not re-exported).

The argument checks here are built on :mod:`convcourse.validation` and follow its
rules: the wrong kind of value raises ``TypeError``, a value out of range raises
``ValueError``, and the message names the argument.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..validation import check_pair
from ..window import Window

__all__ = [
    "CELL_EDGE",
    "HIGHLIGHT_COLOR",
    "PAD_COLOR",
    "SIGNED_CMAP",
    "SIGNED_PERCENTILE",
    "WINDOW_COLORS",
    "axes_for",
    "check_cells",
    "check_fmt",
    "check_labels",
    "check_sequence",
    "figure_of",
    "label_cells",
    "read_cells",
    "window_cells",
]

#: Colour map for signed data (kernels, edge maps): blue negative, white 0, red positive.
SIGNED_CMAP = "RdBu_r"

#: Signed images saturate at this percentile of ``|values|``, so that a few very strong
#: responses do not wash out all the others (edge maps of photographs).
SIGNED_PERCENTILE = 99.5

#: Colours of highlighted windows, kernel taps and channel groups, in order
#: (matplotlib's tab10 palette).
WINDOW_COLORS: tuple[str, ...] = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd")

#: Fill of highlighted cells in a value grid (orange, ``WINDOW_COLORS[1]``).
HIGHLIGHT_COLOR = WINDOW_COLORS[1]

#: Fill of the zeros added around an input.
PAD_COLOR = "#cfcfcf"

#: Edge colour of the cells of a grid.
CELL_EDGE = "#7f7f7f"


# --- axes and figures ---------------------------------------------------------------


def axes_for(ax: object, figsize: tuple[float, float]) -> Axes:
    """Return ``ax``, or the axes of a new ``figsize`` figure if ``ax`` is ``None``.

    Raises
    ------
    TypeError
        If ``ax`` is neither ``None`` nor a ``matplotlib.axes.Axes``.
    """
    if ax is None:
        return plt.subplots(figsize=figsize)[1]
    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib.axes.Axes or None, got {type(ax).__name__}")
    return ax


def figure_of(ax: Axes) -> Figure:
    """The figure ``ax`` belongs to (the top-level figure, even inside a subfigure)."""
    return ax.get_figure(root=True)


# --- argument checks for figures ------------------------------------------------------


def check_sequence(value: object, name: str, what: str) -> list:
    """Check that ``value`` is a non-empty list or tuple (of ``what``) and return a list.

    A numpy array is refused: a list of images must not be confused with one image.

    Raises
    ------
    TypeError
        If ``value`` is not a list or tuple.
    ValueError
        If it is empty.
    """
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"{name} must be a list or tuple of {what}, got {type(value).__name__}")
    if not value:
        raise ValueError(f"{name} must hold at least one of its {what}, got an empty sequence")
    return list(value)


def check_labels(value: object, count: int, name: str, per: str) -> list[str]:
    """Check ``count`` labels (titles, tick labels); ``None`` gives ``count`` empty ones.

    Parameters
    ----------
    value : sequence of str or None
        What the caller passed.
    count : int
        How many labels there must be.
    name : str
        The argument's name, for the error message.
    per : str
        What each label belongs to, for the error message ("image", "column", ...).

    Returns
    -------
    list of str

    Raises
    ------
    TypeError
        If ``value`` is a string or not a sequence.
    ValueError
        If it does not have ``count`` entries.
    """
    if value is None:
        return [""] * count
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise TypeError(f"{name} must be a sequence of str, got {type(value).__name__}")
    if len(value) != count:
        raise ValueError(f"{name} must have one entry per {per} ({count}), got {len(value)}")
    return [str(label) for label in value]


def check_cells(
    value: object, shape: tuple[int, int], name: str, grid: str, limit: int | None = None
) -> list[tuple[int, int]]:
    """Check a sequence of ``(row, col)`` cells of a ``rows x cols`` grid.

    Parameters
    ----------
    value : sequence of (int, int), or numpy.ndarray of shape (n, 2)
        What the caller passed (a numpy array such as ``np.argwhere(mask)`` is
        accepted too).
    shape : (int, int)
        ``(rows, cols)`` of the grid.
    name : str
        The argument's name, for the error message.
    grid : str
        What the grid is, for the error message ("output", "grid").
    limit : int, optional
        The most cells allowed.

    Returns
    -------
    list of (int, int)

    Raises
    ------
    TypeError
        If ``value`` is not a sequence of pairs of ints.
    ValueError
        If a cell is negative or outside the grid, or there are more than ``limit``.
    """
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise TypeError(f"{name} must be a sequence of (row, col) pairs, got {value!r}")
    if limit is not None and len(value) > limit:
        raise ValueError(f"{name} can hold at most {limit} pairs, got {len(value)}")
    rows, cols = shape
    cells = []
    for k, cell in enumerate(value):
        label = f"{name}[{k}]"
        if not isinstance(cell, (tuple, list)) or len(cell) != 2:
            raise TypeError(f"{label} must be a (row, col) pair, got {cell!r}")
        row, col = check_pair(cell, label, minimum=0)
        if row >= rows or col >= cols:
            raise ValueError(
                f"{label}={(row, col)} is outside the {rows}x{cols} {grid} "
                f"(rows 0..{rows - 1}, columns 0..{cols - 1})"
            )
        cells.append((row, col))
    return cells


def check_fmt(fmt: object, values: np.ndarray) -> str:
    """Check that ``fmt`` is a format spec that ``format(value, fmt)`` accepts for ``values``.

    Raises
    ------
    TypeError
        If ``fmt`` is not a string.
    ValueError
        If it does not format the first of ``values`` (``"d"`` for floats, say).
    """
    if not isinstance(fmt, str):
        raise TypeError(f"fmt must be a format spec (str) such as '.2f', got {fmt!r}")
    try:
        format(values.flat[0], fmt)
    except ValueError:
        raise ValueError(
            f"fmt must be a format spec for {values.dtype} values such as '.2f', got {fmt!r}"
        ) from None
    return fmt


# --- drawing --------------------------------------------------------------------------


def label_cells(
    ax: Axes,
    values: np.ndarray,
    fmt: str,
    color_of: Callable[[float], str] = lambda value: "black",
    fontsize: int = 9,
) -> None:
    """Write ``format(values[r, c], fmt)`` at the centre ``(c, r)`` of every cell.

    For grids drawn with ``imshow``, whose cell ``(r, c)`` is centred on ``x = c``,
    ``y = r``. ``color_of(value)`` chooses each text's colour (to stay readable on
    dark cells).
    """
    for (r, c), value in np.ndenumerate(values):
        ax.text(c, r, format(value, fmt), ha="center", va="center", fontsize=fontsize,
                color=color_of(value))


# --- where windows read ---------------------------------------------------------------


def window_cells(geo: Window, i: int, j: int) -> list[tuple[int, int]]:
    """The ``(row, col)`` cells of the padded input that output ``(i, j)`` reads.

    Taken from :meth:`Window.window <convcourse.window.Window.window>`, row by row:
    tap ``(u, v)`` is entry ``u * kw + v``.
    """
    rows, cols = geo.window(i, j)
    return [
        (r, c)
        for r in range(rows.start, rows.stop, rows.step)
        for c in range(cols.start, cols.stop, cols.step)
    ]


def read_cells(geo: Window) -> set[tuple[int, int]]:
    """Every cell of the padded input that at least one output reads."""
    return {
        cell
        for i in range(geo.out_height)
        for j in range(geo.out_width)
        for cell in window_cells(geo, i, j)
    }
