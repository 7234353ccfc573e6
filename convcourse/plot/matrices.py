"""Matrices: a convolution's dense matrix (chapter 4), tables of values, and im2col and
col2im drawn as tables (chapter 5)."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .. import fast
from ..validation import check_array, check_int, check_number, check_pair
from ..window import Window
from .style import (
    HIGHLIGHT_COLOR,
    SIGNED_CMAP,
    axes_for,
    check_cells,
    check_fmt,
    check_labels,
    figure_of,
    label_cells,
    window_cells,
)

__all__ = ["plot_col2im", "plot_grid", "plot_im2col", "plot_matrix"]


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


def plot_grid(
    values: np.ndarray,
    ax: Axes | None = None,
    title: str | None = None,
    highlight: Sequence[tuple[int, int]] | None = None,
    xlabels: Sequence[str] | None = None,
    ylabels: Sequence[str] | None = None,
    fmt: str = "g",
) -> Figure:
    """Draw a small matrix as a table of numbers, with some cells highlighted.

    Each entry is written in its cell of a white table with grey rules; the cells in
    ``highlight`` are filled in :data:`HIGHLIGHT_COLOR`. Rows and columns are labelled
    with their indices, or with ``ylabels`` and ``xlabels``. Made for showing where
    numbers move, such as im2col turning a window of the input into a column.

    Parameters
    ----------
    values : numpy.ndarray, shape (rows, cols)
        Real numbers, few enough to read.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure (about half an inch per cell) is made if omitted.
    title : str, optional
        Written above the table.
    highlight : sequence of (int, int), optional
        ``(row, col)`` cells to fill, each inside the table; a numpy array of shape
        ``(n, 2)`` (such as ``np.argwhere(mask)``) works too.
    xlabels : sequence of str, optional
        One label per column (``cols`` of them); the column indices by default.
    ylabels : sequence of str, optional
        One label per row (``rows`` of them); the row indices by default.
    fmt : str, default "g"
        Format spec for the entries, as in ``format(value, fmt)`` (``".2f"``,
        ``".0f"``, ...).

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on (``ax``'s if given). The axes' texts are the entries, row
        by row; each highlighted cell is a unit ``Rectangle`` with gid
        ``"highlight"`` whose lower-left corner is ``(col - 0.5, row - 0.5)``.

    Raises
    ------
    TypeError, ValueError
        If ``values`` is not a non-empty real 2-D array, a highlighted cell is not a
        pair of ints inside the table, the labels do not match the columns or rows,
        or ``fmt`` is not a format spec for the values; the message names the
        argument.

    Examples
    --------
    >>> fig = plot_grid(np.arange(6).reshape(2, 3), title="x", highlight=[(0, 1), (1, 1)])
    >>> [text.get_text() for text in fig.axes[0].texts]
    ['0', '1', '2', '3', '4', '5']
    >>> len([p for p in fig.axes[0].patches if p.get_gid() == "highlight"])
    2
    >>> plt.close(fig)
    """
    check_array(values, "values", 2, "(rows, cols)")
    rows, cols = values.shape
    cells = [] if highlight is None else check_cells(highlight, (rows, cols), "highlight",
                                                    "grid")
    columns = check_labels(range(cols) if xlabels is None else xlabels, cols, "xlabels",
                           "column")
    row_labels = check_labels(range(rows) if ylabels is None else ylabels, rows, "ylabels",
                              "row")
    check_fmt(fmt, values)
    ax = axes_for(ax, (0.5 * cols + 1.2, 0.5 * rows + 1.0))
    ax.imshow(np.zeros(values.shape), cmap="Greys", vmin=0, vmax=1)  # white cells
    label_cells(ax, values, fmt, fontsize=10)
    for r, c in cells:
        ax.add_patch(
            Rectangle((c - 0.5, r - 0.5), 1, 1, color=HIGHLIGHT_COLOR, alpha=0.45, lw=0,
                      gid="highlight")
        )
    ax.set_xticks(range(cols), columns, fontsize=8)
    ax.set_yticks(range(rows), row_labels, fontsize=8)
    ax.set_xticks(np.arange(-0.5, cols), minor=True)
    ax.set_yticks(np.arange(-0.5, rows), minor=True)
    ax.grid(which="minor", color="0.6", lw=0.8)
    ax.tick_params(which="minor", length=0)
    if title:
        ax.set_title(title, fontsize=11)
    return figure_of(ax)


# --- im2col and col2im --------------------------------------------------------------------


def _one_image_windows(
    image_shape: tuple[int, int],
    kernel_size: int | tuple[int, int],
    window: tuple[int, int],
    stride: int | tuple[int, int],
    dilation: int | tuple[int, int],
) -> tuple[Window, tuple[int, int]]:
    """The windows of a single-channel ``(H, W)`` image, and the checked ``window``."""
    kh, kw = check_pair(kernel_size, "kernel_size", minimum=1)
    geo = Window.build(image_shape, (kh, kw), stride, 0, dilation)
    i, j = check_pair(window, "window", minimum=0)
    if i >= geo.out_height or j >= geo.out_width:
        raise ValueError(
            f"window={(i, j)} is outside the {geo.out_height}x{geo.out_width} grid of "
            f"windows (rows 0..{geo.out_height - 1}, columns 0..{geo.out_width - 1})"
        )
    return geo, (i, j)


def _plot_windows_and_columns(
    image: np.ndarray, cols: np.ndarray, geo: Window, window: tuple[int, int],
    image_first: bool, image_title: str, cols_title: str, title: str, fmt: str,
) -> Figure:
    """The image and its columns side by side, one window and its column highlighted."""
    i, j = window
    column = i * geo.out_width + j
    taps, windows = cols.shape
    height, width = image.shape
    fig, axes = plt.subplots(
        1, 2, figsize=(0.5 * (width + windows) + 2.5, 0.5 * max(height, taps) + 1.6),
        width_ratios=[width, windows] if image_first else [windows, width],
    )
    image_ax, cols_ax = axes if image_first else axes[::-1]
    plot_grid(image, ax=image_ax, title=image_title, fmt=fmt,
              highlight=window_cells(geo, i, j))
    image_ax.set_xlabel("column")
    image_ax.set_ylabel("row")
    plot_grid(cols, ax=cols_ax, title=cols_title, fmt=fmt,
              highlight=[(tap, column) for tap in range(taps)],
              xlabels=[f"({a},{b})" for a in range(geo.out_height) for b in range(geo.out_width)],
              ylabels=[f"({u},{v})" for u in range(geo.kernel_h) for v in range(geo.kernel_w)])
    cols_ax.set_xlabel("window (i, j)")
    cols_ax.set_ylabel("tap (u, v)")
    fig.suptitle(title, fontsize=12)
    fig.tight_layout()
    return fig


def plot_im2col(
    image: np.ndarray,
    kernel_size: int | tuple[int, int],
    window: tuple[int, int] = (0, 0),
    stride: int | tuple[int, int] = 1,
    dilation: int | tuple[int, int] = 1,
    fmt: str = "g",
) -> Figure:
    """Draw im2col on one small single-channel image: each window becomes a column.

    Left, the image as a table of numbers with the cells of one window highlighted;
    right, its im2col matrix (:func:`convcourse.fast.im2col`, one row per kernel tap
    ``(u, v)``, one column per window ``(i, j)``) with that window's column
    highlighted. No padding, so that every cell drawn is a number of the image.

    Parameters
    ----------
    image : numpy.ndarray, shape (H, W)
        Real numbers, few enough to read.
    kernel_size : int or (int, int)
        ``(kh, kw)``.
    window : (int, int), default (0, 0)
        The window ``(i, j)`` to highlight, inside the ``H_out x W_out`` grid.
    stride, dilation : int or (int, int), default 1
        As in :func:`convcourse.fast.im2col`.
    fmt : str, default "g"
        Format spec for the numbers, as in :func:`plot_grid`.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: the image, then the columns. The highlighted cells are the
        rectangles with gid ``"highlight"`` (see :func:`plot_grid`).

    Raises
    ------
    TypeError, ValueError
        If ``image`` is not a non-empty real 2-D array, a hyper-parameter is bad, the
        kernel does not fit, or ``window`` is not a pair of ints inside the grid of
        windows; the message names the argument.

    Examples
    --------
    >>> fig = plot_im2col(np.arange(16.0).reshape(4, 4), 2, window=(1, 2))
    >>> fig.axes[1].get_title()
    'cols (T = 4 taps x M = 9 windows)'
    >>> plt.close(fig)
    """
    image = check_array(image, "image", 2, "(H, W)")
    geo, window = _one_image_windows(image.shape, kernel_size, window, stride, dilation)
    cols = fast.im2col(image[None, None], (geo.kernel_h, geo.kernel_w), geo.stride, 0,
                       geo.dilation)
    i, j = window
    height, width = image.shape
    return _plot_windows_and_columns(
        image, cols, geo, window, True,
        f"image ({height} x {width})",
        f"cols (T = {cols.shape[0]} taps x M = {cols.shape[1]} windows)",
        f"im2col: the window at ({i}, {j}) becomes column {i * geo.out_width + j}",
        fmt,
    )


def plot_col2im(
    cols: np.ndarray,
    image_shape: tuple[int, int],
    kernel_size: int | tuple[int, int],
    window: tuple[int, int] = (0, 0),
    stride: int | tuple[int, int] = 1,
    dilation: int | tuple[int, int] = 1,
    fmt: str = "g",
) -> Figure:
    """Draw col2im on one small single-channel image: each column is added back.

    The mirror image of :func:`plot_im2col`. Left, a matrix laid out like im2col's
    (one row per tap ``(u, v)``, one column per window ``(i, j)``) with one column
    highlighted; right, :func:`convcourse.fast.col2im` of it, the ``H x W`` image in
    which every entry is the sum of the entries of all the columns that window onto it,
    with the cells the highlighted column is added to highlighted. Columns of ones
    show how many windows read each number of the image.

    Parameters
    ----------
    cols : numpy.ndarray, shape (kh kw, H_out W_out)
        Real numbers.
    image_shape : (int, int)
        ``(H, W)`` of the image the columns belong to.
    kernel_size, window, stride, dilation, fmt
        As in :func:`plot_im2col`; ``window`` is the window whose column is highlighted.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: the columns, then the image. The highlighted cells are the
        rectangles with gid ``"highlight"``.

    Raises
    ------
    TypeError, ValueError
        If ``cols`` is not a non-empty real 2-D array of shape ``(kh kw, H_out
        W_out)``, ``image_shape`` is not two ints of at least 1, a hyper-parameter is
        bad, or ``window`` is outside the grid of windows; the message names the
        argument.

    Examples
    --------
    >>> fig = plot_col2im(np.ones((4, 9)), (4, 4), 2, window=(1, 2))
    >>> [text.get_text() for text in fig.axes[1].texts][:4]
    ['1', '2', '2', '1']
    >>> plt.close(fig)
    """
    cols = check_array(cols, "cols", 2, "(kh kw, H_out W_out)")
    image_shape = check_pair(image_shape, "image_shape", minimum=1)
    geo, window = _one_image_windows(image_shape, kernel_size, window, stride, dilation)
    image = fast.col2im(cols, (1, 1, *image_shape), (geo.kernel_h, geo.kernel_w),
                        geo.stride, 0, geo.dilation)[0, 0]
    i, j = window
    height, width = image_shape
    return _plot_windows_and_columns(
        image, cols, geo, window, False,
        f"col2im(cols) ({height} x {width})",
        f"cols (T = {cols.shape[0]} taps x M = {cols.shape[1]} windows)",
        f"col2im: column {i * geo.out_width + j} is added back onto the window at "
        f"({i}, {j})",
        fmt,
    )
