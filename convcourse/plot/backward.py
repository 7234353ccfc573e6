"""The backward pass: who feeds whom in 1-D, and how often each input is used (chapter 2)."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from ..geometry import ConvGeometry, conv_output_size
from ..validation import check_array, check_int, check_number
from .style import (
    CELL_EDGE,
    PAD_COLOR,
    WINDOW_COLORS,
    axes_for,
    check_labels,
    check_sequence,
    figure_of,
    label_cells,
    read_cells,
    window_cells,
)

__all__ = ["plot_connections_1d", "plot_usage_counts"]


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
    grey zeros on each side; outputs ``z_i`` sit above the centre of their window.
    A line joins ``z_i`` to the padded input ``i * stride + u`` for every tap ``u``
    and has tap ``u``'s colour (:data:`WINDOW_COLORS`), so every line of one colour
    carries the same weight ``w_u``. The backward pass sends gradients down these same
    lines: ``dL/dx_k`` collects one term per line that ends at ``x_k``. Inputs that no
    window reads are cross-hatched.

    Parameters
    ----------
    length : int
        Number of inputs, at least 1.
    kernel_size : int
        Taps ``K``, at least 1 and at most ``len(WINDOW_COLORS)``.
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
        The figure drawn on (``ax``'s if given). Padded input ``k`` is centred on
        ``x = k`` at ``y = 0``, the outputs at ``y = 2.2``. Gids on the axes:

        ================  ===================================================
        gid               artists
        ================  ===================================================
        ``"connection"``  one line per (output ``i``, tap ``u``) pair,
                          ``L_out * K`` in all, from ``z_i`` down to
                          ``x = i * stride + u``
        ``"input"``       the boxes of the inputs that some window reads
        ``"unread"``      the hatched boxes of inputs no window reads
        ``"padding"``     the boxes of the ``2 * padding`` zeros
        ``"output"``      the ``L_out`` output boxes
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
    geo = ConvGeometry.from_shapes((1, 1, 1, length), (1, 1, 1, kernel_size), stride,
                                   (0, padding))
    padded = geo.padded_size[1]
    ax = axes_for(ax, (0.75 * padded + 1.8, 2.6))

    y_in, y_out, half = 0.0, 2.2, 0.3  # rows of boxes, and half a box's side
    read = {col for _, col in read_cells(geo)}
    for k in range(padded):
        if not padding <= k < padding + length:
            style = {"facecolor": PAD_COLOR, "gid": "padding"}
        elif k in read:
            style = {"facecolor": "white", "gid": "input"}
        else:
            style = {"facecolor": "white", "hatch": "xx", "gid": "unread"}
        ax.add_patch(
            Rectangle((k - half, y_in - half), 2 * half, 2 * half, edgecolor=CELL_EDGE,
                      lw=1.0, **style)
        )
        label = f"$x_{{{k - padding}}}$" if style["gid"] != "padding" else "0"
        ax.text(k, y_in, label, ha="center", va="center", fontsize=10)
    for i in range(geo.out_width):
        taps = [col for _, col in window_cells(geo, 0, i)]
        centre = (taps[0] + taps[-1]) / 2
        ax.add_patch(
            Rectangle((centre - half, y_out - half), 2 * half, 2 * half, facecolor="#f2f2f2",
                      edgecolor="black", lw=1.0, gid="output")
        )
        ax.text(centre, y_out, f"$z_{{{i}}}$", ha="center", va="center", fontsize=10)
        for color, col in zip(WINDOW_COLORS, taps, strict=False):
            ax.plot([centre, col], [y_out - half, y_in + half], color=color, lw=1.8,
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
    ax.set_ylim(y_in - 0.6, y_out + 0.6)
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
