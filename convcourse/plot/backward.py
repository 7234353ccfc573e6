"""The backward pass (chapter 2): who feeds whom in 1-D, how often each input is used,
and the steps that turn the upstream gradient into the input's gradient."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from ..corr import corr2d
from ..geometry import conv_output_size
from ..validation import check_array, check_int, check_number, check_pair
from ..window import Window
from .style import (
    CELL_EDGE,
    HIGHLIGHT_COLOR,
    PAD_COLOR,
    WINDOW_COLORS,
    axes_for,
    check_fmt,
    check_labels,
    check_sequence,
    figure_of,
    label_cells,
    read_cells,
    window_cells,
)

__all__ = ["plot_connections_1d", "plot_grad_x_steps", "plot_usage_counts"]

#: Fill of the zeros that dilating by the stride inserts (a light tint of
#: ``WINDOW_COLORS[0]``).
STRIDE_ZERO_COLOR = "#c6dbef"


def plot_connections_1d(
    length: int,
    kernel_size: int,
    stride: int = 1,
    padding: int = 0,
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """Draw a 1-D convolution as a graph: which inputs each output reads.

    Inputs ``x_0 .. x_{length-1}`` sit in a row at the bottom, inside ``padding``
    grey zeros on each side; outputs ``y_i`` sit above the centre of their window.
    A line joins ``y_i`` to the padded input ``i * stride + u`` for every tap ``u``
    and has tap ``u``'s colour (:data:`WINDOW_COLORS`), so every line of one colour
    carries the same weight ``w_u``. The backward pass sends gradients down these same
    lines: ``dL/dx_r`` collects one term per line that ends at ``x_r``. Inputs that no
    window reads are cross-hatched.

    Parameters
    ----------
    length : int
        Number of inputs, at least 1.
    kernel_size : int
        Taps ``k``, at least 1 and at most ``len(WINDOW_COLORS)``.
    stride : int, default 1
        Step between windows, at least 1.
    padding : int, default 0
        Zeros on each side, at least 0.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is made if omitted.
    title : str, optional
        Axes title; by default the kernel size, stride and padding.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on (``ax``'s if given). Padded input ``r`` is centred on
        ``x = r`` at height 0, the outputs at height 2.2. Gids on the axes:

        ================  ===================================================
        gid               artists
        ================  ===================================================
        ``"connection"``  one line per (output ``i``, tap ``u``) pair,
                          ``W_out * k`` in all, from ``y_i`` down to
                          ``x = i * stride + u``
        ``"input"``       the boxes of the inputs that some window reads
        ``"unread"``      the hatched boxes of inputs no window reads
        ``"padding"``     the boxes of the ``2 * padding`` zeros
        ``"output"``      the ``W_out`` output boxes
        ================  ===================================================

    Raises
    ------
    TypeError, ValueError
        For non-int or out-of-range arguments, or a kernel longer than the padded
        input; the message names the argument.

    Examples
    --------
    >>> fig = plot_connections_1d(5, 3, stride=2)
    >>> len(fig.findobj(lambda artist: artist.get_gid() == "connection"))  # 2 outputs x 3
    6
    >>> plt.close(fig)
    """
    length = check_int(length, "length")
    kernel_size = check_int(kernel_size, "kernel_size")
    if kernel_size > len(WINDOW_COLORS):
        raise ValueError(
            f"kernel_size must be at most {len(WINDOW_COLORS)} (one colour per tap), "
            f"got {kernel_size}"
        )
    stride = check_int(stride, "stride")
    padding = check_int(padding, "padding", minimum=0)
    try:  # the 1-D message, if the kernel does not fit
        conv_output_size(length, kernel_size, stride, padding)
    except ValueError as error:
        raise ValueError(f"length={length}: {error}") from None
    # A 1-D convolution is a 2-D one of height 1.
    geo = Window.build((1, length), (1, kernel_size), stride, (0, padding))
    padded = geo.padded_size[1]
    ax = axes_for(ax, (0.75 * padded + 1.8, 2.6))

    level_in, level_out, half = 0.0, 2.2, 0.3  # rows of boxes, and half a box's side
    read = {col for _, col in read_cells(geo)}
    for r in range(padded):
        if not padding <= r < padding + length:
            style = {"facecolor": PAD_COLOR, "gid": "padding"}
        elif r in read:
            style = {"facecolor": "white", "gid": "input"}
        else:
            style = {"facecolor": "white", "hatch": "xx", "gid": "unread"}
        ax.add_patch(
            Rectangle((r - half, level_in - half), 2 * half, 2 * half, edgecolor=CELL_EDGE,
                      lw=1.0, **style)
        )
        label = f"$x_{{{r - padding}}}$" if style["gid"] != "padding" else "0"
        ax.text(r, level_in, label, ha="center", va="center", fontsize=10)
    for i in range(geo.out_width):
        taps = [col for _, col in window_cells(geo, 0, i)]
        centre = (taps[0] + taps[-1]) / 2
        ax.add_patch(
            Rectangle((centre - half, level_out - half), 2 * half, 2 * half, facecolor="#f2f2f2",
                      edgecolor="black", lw=1.0, gid="output")
        )
        ax.text(centre, level_out, f"$y_{{{i}}}$", ha="center", va="center", fontsize=10)
        for color, col in zip(WINDOW_COLORS, taps, strict=False):
            ax.plot([centre, col], [level_out - half, level_in + half], color=color, lw=1.8,
                    alpha=0.85, gid="connection")
    handles = [
        Line2D([], [], color=WINDOW_COLORS[u], lw=1.8, label=f"$w_{{{u}}}$")
        for u in range(kernel_size)
    ]
    ax.legend(
        handles=handles, loc="upper right", fontsize=9,
        frameon=False, title="weight", title_fontsize=9,
    )
    ax.set_xlim(-0.6, padded + 1.0)  # room on the right for the legend
    ax.set_ylim(level_in - 0.6, level_out + 0.6)
    ax.set_aspect("equal")
    ax.axis("off")
    if title is None:
        title = f"kernel {kernel_size}, stride {stride}, padding {padding}"
    ax.set_title(title, fontsize=10)
    return figure_of(ax)


def plot_usage_counts(
    counts: Sequence[np.ndarray],
    titles: Sequence[str] | None = None,
    size: float = 2.8,
) -> Figure:
    """Heat maps of small non-negative grids, each cell labelled with its value.

    Made for "how many windows read each input pixel", which is ``dL/dx`` of a
    convolution whose kernel and upstream gradient are all ones. All panels share one
    colour scale (0 to the largest count), so they can be compared at a glance.

    Parameters
    ----------
    counts : list or tuple of numpy.ndarray, each (H, W)
        Non-negative real values (integers are labelled without decimals).
    titles : sequence of str, optional
        One per grid.
    size : float, default 2.8
        Width and height of each panel, in inches.

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.axes[k]`` shows ``counts[k]``: one image, and one text per cell, row by
        row.

    Raises
    ------
    TypeError, ValueError
        For an empty or non-sequence ``counts``, an entry that is not a non-empty
        real 2-D array of values at least 0, titles that do not match, or a ``size``
        that is not positive; the message names the argument.

    Examples
    --------
    >>> fig = plot_usage_counts([np.array([[1, 2], [2, 4]])], ["counts"])
    >>> [text.get_text() for text in fig.axes[0].texts]
    ['1', '2', '2', '4']
    >>> plt.close(fig)
    """
    grids = [
        check_array(grid, f"counts[{k}]", 2, "(H, W)")
        for k, grid in enumerate(check_sequence(counts, "counts", "2-D arrays"))
    ]
    for k, grid in enumerate(grids):
        if grid.min() < 0:
            raise ValueError(f"counts[{k}] must hold values of at least 0, got {grid.min()}")
    labels = check_labels(titles, len(grids), "titles", "grid")
    size = check_number(size, "size", positive=True)
    top = float(max(grid.max() for grid in grids)) or 1.0
    fig, axes = plt.subplots(1, len(grids), figsize=(size * len(grids), size), squeeze=False)
    for ax, grid, label in zip(axes.ravel(), grids, labels, strict=True):
        ax.imshow(grid, cmap="viridis", vmin=0, vmax=top)
        label_cells(ax, grid, "g",
                    color_of=lambda value: "black" if value > 0.6 * top else "white")
        ax.set_title(label, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return fig


def plot_grad_x_steps(
    grad_out: np.ndarray,
    kernel: np.ndarray,
    input_size: int | tuple[int, int],
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | str = 0,
    pixel: tuple[int, int] | None = None,
    fmt: str = "g",
    cell_inches: float = 0.3,
) -> Figure:
    """Draw the path from the upstream gradient ``delta`` to ``dL/dx``, step by step.

    For one channel and one kernel (dilation 1), the gradient of the input is a
    transposed convolution of ``grad_out``, done in four steps that the figure shows
    as tables of numbers, left to right:

    1. ``grad_out`` (``delta``, shape ``(H_out, W_out)``);
    2. *dilate by the stride*: ``s - 1`` zeros between neighbouring entries;
    3. *pad*: ``k - 1`` zeros on every side, so that partial overlaps count, plus the
       rows and columns at the bottom and right that no window reached;
    4. the kernel, and the kernel *rotated* by 180 degrees;
    5. *correlate* the padded array with the rotated kernel: the gradient of the
       padded input, ``(H + 2p_h, W + 2p_w)``;
    6. *remove the padding*: ``dL/dx``, shape ``input_size``.

    Parameters
    ----------
    grad_out : numpy.ndarray, shape (H_out, W_out)
        The upstream gradient, shaped like the convolution's output.
    kernel : numpy.ndarray, shape (kh, kw)
        The kernel of the forward pass (not rotated).
    input_size : int or (int, int)
        ``(H, W)`` of the forward pass's input.
    stride, padding
        As in :func:`convcourse.naive.conv2d_forward`.
    pixel : (int, int), optional
        An input pixel ``(row, col)`` to follow: the window of step 3 that the
        rotated kernel covers to compute its gradient is outlined, and so are its
        entries in steps 5 and 6.
    fmt : str, default "g"
        Format spec of the numbers in the cells.
    cell_inches : float, default 0.3
        Side of one cell, in inches.

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.axes`` are the seven tables in the order of the steps (the kernel and
        the rotated kernel are ``fig.axes[3]`` and ``fig.axes[4]``); each table's
        texts are its entries, row by row, and cell ``(r, c)`` is centred on
        ``(c, r)``. Gids:

        ===================  ======================================================
        gid                  artists
        ===================  ======================================================
        ``"stride-zero"``    one square per zero inserted by the stride (steps 2
                             and 3)
        ``"padding"``        one square per zero added in step 3
        ``"cropped"``        one grey square per entry of step 5 in the input's
                             padding, which step 6 removes
        ``"window"``         with ``pixel``: the outline of the window in step 3
        ``"highlight"``      with ``pixel``: its entries in steps 5 and 6
        ===================  ======================================================

    Raises
    ------
    TypeError, ValueError
        For arrays that are not real 2-D arrays, hyper-parameters of the wrong type or
        range, a kernel larger than the padded input, a ``grad_out`` whose shape is not
        the output's, a ``pixel`` outside the input, or a bad ``fmt`` or
        ``cell_inches``; the message names the argument.

    Examples
    --------
    >>> fig = plot_grad_x_steps(np.ones((2, 2)), np.ones((2, 2)), 4, stride=2)
    >>> [text.get_text() for text in fig.axes[-1].texts]  # each pixel read once
    ['1', '1', '1', '1', '1', '1', '1', '1', '1', '1', '1', '1', '1', '1', '1', '1']
    >>> plt.close(fig)
    """
    grad_out = check_array(grad_out, "grad_out", 2, "(H_out, W_out)")
    kernel = check_array(kernel, "kernel", 2, "(kh, kw)")
    height, width = check_pair(input_size, "input_size")
    kh, kw = kernel.shape
    check_pair(stride, "stride")  # the hyper-parameters' own messages first
    if not isinstance(padding, str):
        check_pair(padding, "padding", minimum=0)
    geo = Window.build((height, width), (kh, kw), stride, padding,
                       context=f"input_size={input_size!r}, kernel shape {kernel.shape}: ")
    if grad_out.shape != (geo.out_height, geo.out_width):
        raise ValueError(
            f"grad_out must have the output's shape {(geo.out_height, geo.out_width)} "
            f"(input {height}x{width}, kernel {kh}x{kw}, stride {geo.stride}, "
            f"padding {geo.padding}), got {grad_out.shape}"
        )
    if pixel is not None:
        pixel = check_pair(pixel, "pixel", minimum=0)
        if pixel[0] >= height or pixel[1] >= width:
            raise ValueError(
                f"pixel={pixel} is outside the {height}x{width} input "
                f"(rows 0..{height - 1}, columns 0..{width - 1})"
            )
    check_fmt(fmt, grad_out + 0.0)  # the tables are drawn as floats
    cell_inches = check_number(cell_inches, "cell_inches", positive=True)

    # The steps (what chapter 2 derives as (ch2-dx-full) and (ch2-dx)).
    (s_h, s_w), (top, _, left, _) = geo.stride, geo.padding
    out_h, out_w = grad_out.shape
    dilated = np.zeros((s_h * (out_h - 1) + 1, s_w * (out_w - 1) + 1), dtype=float)
    dilated[::s_h, ::s_w] = grad_out
    padded_h, padded_w = geo.padded_size
    unreached = (padded_h - (dilated.shape[0] + kh - 1), padded_w - (dilated.shape[1] + kw - 1))
    framed = np.pad(dilated, ((kh - 1, kh - 1 + unreached[0]), (kw - 1, kw - 1 + unreached[1])))
    rotated = kernel[::-1, ::-1]
    grad_x_pad = corr2d(framed, rotated)
    grad_x = geo.unpad(grad_x_pad)

    stride_zeros = [
        (r, c) for r in range(dilated.shape[0]) for c in range(dilated.shape[1])
        if r % s_h or c % s_w
    ]
    inside = {(r + kh - 1, c + kw - 1) for r in range(dilated.shape[0])
              for c in range(dilated.shape[1])}
    frame = [(r, c) for r in range(framed.shape[0]) for c in range(framed.shape[1])
             if (r, c) not in inside]
    ring = [(r, c) for r in range(padded_h) for c in range(padded_w)
            if not (top <= r < top + height and left <= c < left + width)]

    tables = [grad_out, dilated, framed, kernel, rotated, grad_x_pad, grad_x]
    columns = [grad_out.shape[1], dilated.shape[1], framed.shape[1], kw, padded_w, width]
    rows = max(framed.shape[0], 2 * kh + 1)
    fig = plt.figure(figsize=(cell_inches * (sum(columns) + 2.0 * len(columns)),
                              cell_inches * (rows + 3.0)))
    grid = fig.add_gridspec(2, len(columns), width_ratios=columns, wspace=0.35)
    spans = [grid[:, 0], grid[:, 1], grid[:, 2], grid[0, 3], grid[1, 3], grid[:, 4], grid[:, 5]]
    axes = [fig.add_subplot(span) for span in spans]
    stride_text = str(s_h) if s_h == s_w else str(geo.stride)
    pad_text = "3. pad: $k-1$ zeros\non every side"
    if any(unreached):
        pad_text += f"\n(+ {unreached[0]} row(s), {unreached[1]} col(s)\nno window reached)"
    titles = [
        "1. upstream gradient\n$\\delta$",
        f"2. dilate by the\nstride, {stride_text}",
        pad_text,
        "4. kernel $w$",
        "rotated 180°",
        "5. correlate: $\\partial L/\\partial x_{\\mathrm{pad}}$",
        "6. remove padding:\n$\\partial L/\\partial x$",
    ]
    for ax, values, title in zip(axes, tables, titles, strict=True):
        _draw_table(ax, values, fmt)
        ax.set_title(title, fontsize=9)
    _fill_cells(axes[1], stride_zeros, STRIDE_ZERO_COLOR, "stride-zero")
    _fill_cells(axes[2], [(r + kh - 1, c + kw - 1) for r, c in stride_zeros],
                STRIDE_ZERO_COLOR, "stride-zero")
    _fill_cells(axes[2], frame, PAD_COLOR, "padding")
    _fill_cells(axes[5], ring, PAD_COLOR, "cropped")
    if pixel is not None:
        r, c = pixel[0] + top, pixel[1] + left
        _outline(axes[2], (r, c), (kh, kw), "window")
        _outline(axes[5], (r, c), (1, 1), "highlight")
        _outline(axes[6], pixel, (1, 1), "highlight")
    return fig


def _draw_table(ax: Axes, values: np.ndarray, fmt: str) -> None:
    """Draw ``values`` as a table of numbers, row 0 on top, cell (r, c) centred on (c, r)."""
    rows, cols = values.shape
    for r in range(rows + 1):
        ax.plot([-0.5, cols - 0.5], [r - 0.5, r - 0.5], color=CELL_EDGE, lw=0.6)
    for c in range(cols + 1):
        ax.plot([c - 0.5, c - 0.5], [-0.5, rows - 0.5], color=CELL_EDGE, lw=0.6)
    label_cells(ax, values + 0.0, fmt, fontsize=8)  # + 0.0: no "-0"
    ax.set_xlim(-0.6, cols - 0.4)
    ax.set_ylim(rows - 0.4, -0.6)
    ax.set_aspect("equal")
    ax.axis("off")


def _fill_cells(ax: Axes, cells: list[tuple[int, int]], color: str, gid: str) -> None:
    """Fill each ``(row, col)`` cell of a table drawn by :func:`_draw_table`."""
    for r, c in cells:
        ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor=color, edgecolor="none",
                               zorder=0, gid=gid))


def _outline(ax: Axes, corner: tuple[int, int], size: tuple[int, int], gid: str) -> None:
    """Outline the ``size`` block of cells whose top-left cell is ``corner``."""
    (r, c), (h, w) = corner, size
    ax.add_patch(Rectangle((c - 0.5, r - 0.5), w, h, fill=False, edgecolor=HIGHLIGHT_COLOR,
                           lw=2.5, zorder=3, gid=gid))
