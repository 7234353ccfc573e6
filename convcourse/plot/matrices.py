"""Matrices: a convolution's dense matrix (chapter 4)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..validation import check_array, check_int, check_number, check_pair
from .style import SIGNED_CMAP, axes_for, figure_of

__all__ = ["plot_matrix"]


def _check_blocks(value: object, size: int, name: str) -> int:
    """A block count must be an int of at least 1 that divides ``size``."""
    value = check_int(value, name)
    if size % value:
        raise ValueError(f"{name}={value} must divide the matrix's {size} rows/columns")
    return value


def plot_matrix(
    matrix: np.ndarray,
    ax: Axes | None = None,
    title: str | None = None,
    row_blocks: int = 1,
    col_blocks: int = 1,
    origin: int | tuple[int, int] = (0, 0),
    cell_inches: float = 0.12,
) -> Figure:
    """Draw a matrix with its zeros white and its non-zeros coloured by value.

    Non-zeros use :data:`SIGNED_CMAP` with limits symmetric about 0, so entries with
    the same value have the same colour: in the matrix of a convolution the repeated
    kernel shows up as stripes of constant colour. Thin grey lines split the matrix
    into ``row_blocks x col_blocks`` equal blocks (for a convolution: one block row
    per output channel, one block column per input channel).

    Parameters
    ----------
    matrix : numpy.ndarray, shape (rows, cols)
        Real numbers.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure sized ``cell_inches`` per entry (within limits)
        is made if omitted.
    title : str, optional
        Written above the matrix.
    row_blocks, col_blocks : int, default 1
        Number of equal blocks along each axis; each must divide that axis's length.
    origin : int or (int, int), default (0, 0)
        Row and column, in a larger matrix, of ``matrix[0, 0]``: pass it when drawing
        a crop (``big[r0:r1, c0:c1]`` with ``origin=(r0, c0)``) so that the tick
        labels give the entries' indices in the larger matrix.
    cell_inches : float, default 0.12
        Size of one entry for a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on (``ax``'s if given). The matrix is the axes' only image
        (zeros masked); the ``row_blocks - 1 + col_blocks - 1`` separators are lines
        with gid ``"block"``, the outline a patch with gid ``"frame"``.

    Raises
    ------
    TypeError, ValueError
        If ``matrix`` is not a non-empty real 2-D array, a block count is not an int
        of at least 1 dividing its axis, ``origin`` is not one or two ints of at
        least 0, or ``cell_inches`` is not positive; the message names the argument.

    Examples
    --------
    >>> fig = plot_matrix(np.eye(4), row_blocks=2, col_blocks=2)
    >>> len([line for line in fig.axes[0].lines if line.get_gid() == "block"])
    2
    >>> plt.close(fig)
    """
    check_array(matrix, "matrix", 2, "(rows, cols)")
    rows, cols = matrix.shape
    row_blocks = _check_blocks(row_blocks, rows, "row_blocks")
    col_blocks = _check_blocks(col_blocks, cols, "col_blocks")
    r0, c0 = check_pair(origin, "origin", minimum=0)
    cell_inches = check_number(cell_inches, "cell_inches", positive=True)
    ax = axes_for(ax, (min(max(cols * cell_inches, 3.0), 12.0),
                       min(max(rows * cell_inches, 1.5), 12.0)))
    limit = float(np.abs(matrix).max()) or 1.0
    masked = np.ma.masked_equal(matrix.astype(np.float64), 0.0)
    cmap = plt.get_cmap(SIGNED_CMAP).with_extremes(bad="white")  # zeros are masked
    extent = (c0 - 0.5, c0 + cols - 0.5, r0 + rows - 0.5, r0 - 0.5)
    ax.imshow(masked, cmap=cmap, vmin=-limit, vmax=limit, interpolation="nearest",
              extent=extent)
    for k in range(1, row_blocks):
        ax.axhline(r0 + k * rows / row_blocks - 0.5, color="0.6", lw=0.8, gid="block")
    for k in range(1, col_blocks):
        ax.axvline(c0 + k * cols / col_blocks - 0.5, color="0.6", lw=0.8, gid="block")
    ax.add_patch(
        Rectangle((c0 - 0.5, r0 - 0.5), cols, rows, fill=False, edgecolor="0.3", lw=0.8,
                  gid="frame")
    )
    ax.locator_params(integer=True)  # entry indices: no fractional ticks
    ax.set_xlabel("column: input index", fontsize=9)
    ax.set_ylabel("row: output index", fontsize=9)
    ax.tick_params(labelsize=8)
    if title:
        ax.set_title(title, fontsize=10)
    return figure_of(ax)

