"""The kernel's window sliding over the (padded) input, and channel connections (chapter 1).

Where a window reads is never worked out here: :class:`convcourse.window.Window`
answers it (:meth:`~convcourse.window.Window.window`), and the figures draw
what it says.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..geometry import ConvGeometry
from ..validation import check_int, check_number, check_pair
from ..window import Window, dilated_size
from .style import (
    CELL_EDGE,
    PAD_COLOR,
    WINDOW_COLORS,
    check_cells,
    read_cells,
    window_cells,
)

__all__ = ["plot_channel_connections", "plot_windows", "window_taps"]


def window_taps(
    i: int,
    j: int,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] = 1,
    dilation: int | tuple[int, int] = 1,
) -> list[tuple[int, int]]:
    """The cells of the *padded* input that output position ``(i, j)`` reads.

    Output ``(i, j)`` multiplies kernel tap ``(u, v)`` with the padded input at

    .. math::

        (i\\,s_h + u\\,d_h,\\; j\\,s_w + v\\,d_w), \\qquad
        0 \\le u < k_h,\\; 0 \\le v < k_w ,

    as :meth:`convcourse.window.Window.window` says. Where a window lies does
    not depend on the input's size, so none is asked for (an input too small to hold
    output ``(i, j)`` simply has no such output).

    Parameters
    ----------
    i, j : int
        Output row and column, at least 0.
    kernel_size : int or (int, int)
        ``(kh, kw)``; an int means a square kernel.
    stride, dilation : int or (int, int), default 1
        ``(s_h, s_w)`` and ``(d_h, d_w)``, each at least 1.

    Returns
    -------
    list of (int, int)
        ``kh * kw`` ``(row, col)`` pairs in padded-input coordinates, row by row
        (tap ``(u, v)`` is entry ``u * kw + v``).

    Raises
    ------
    TypeError, ValueError
        For a non-int or negative ``i`` or ``j``, or a bad hyper-parameter.

    Examples
    --------
    >>> window_taps(1, 0, 2, stride=2)
    [(2, 0), (2, 1), (3, 0), (3, 1)]
    >>> window_taps(0, 0, (1, 2), dilation=2)
    [(0, 0), (0, 2)]
    """
    i = check_int(i, "i", minimum=0)
    j = check_int(j, "j", minimum=0)
    kh, kw = check_pair(kernel_size, "kernel_size")
    d_h, d_w = check_pair(dilation, "dilation")
    # The geometry of an input exactly one window large; its window(i, j) is the same
    # arithmetic for any (i, j) and any larger input.
    reach = (dilated_size(kh, d_h), dilated_size(kw, d_w))
    geo = Window.build(reach, (kh, kw), stride, 0, (d_h, d_w))
    return window_cells(geo, i, j)


def _cell(r: int, c: int, **style: object) -> Rectangle:
    """The unit square of grid cell ``(r, c)`` (row 0 at the top), styled."""
    return Rectangle((c, r), 1, 1, **{"lw": 0.8, **style})


def _draw_cells(ax: Axes, rows: int, cols: int) -> None:
    """Draw ``rows x cols`` empty unit cells (gid ``"cell"``) with row 0 at the top."""
    for r in range(rows):
        for c in range(cols):
            ax.add_patch(_cell(r, c, facecolor="white", edgecolor=CELL_EDGE, gid="cell"))
    ax.set_xlim(-0.15, cols + 0.15)
    ax.set_ylim(rows + 0.15, -0.15)  # row 0 at the top, as in an array
    ax.set_aspect("equal")
    ax.axis("off")


def _pair_text(pair: tuple[int, int]) -> str:
    """``"2"`` for ``(2, 2)``, ``"(1, 2)"`` otherwise."""
    return str(pair[0]) if pair[0] == pair[1] else str(pair)


def plot_windows(
    height: int,
    width: int,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | str = 0,
    dilation: int | tuple[int, int] = 1,
    positions: Sequence[tuple[int, int]] = ((0, 0),),
    title: str | None = None,
    cell_inches: float = 0.32,
) -> Figure:
    """Draw a kernel's window at a few output positions, and the output grid.

    Left: the input, ``height x width`` white cells, inside its zero padding (shaded
    grey, the real input framed in black). For each ``(i, j)`` in ``positions`` the
    ``kh * kw`` cells the kernel reads (:func:`window_taps`) are filled in that
    position's colour (:data:`WINDOW_COLORS`), and a dashed outline marks how far the
    (dilated) window reaches. Input cells that no output position reads at all are
    cross-hatched (this happens when the stride does not fit the input evenly, or
    with dilation). Right: the ``H_out x W_out`` output grid with cell ``(i, j)`` in
    the same colour.

    Parameters
    ----------
    height, width : int
        Input size ``H`` and ``W`` (without padding), at least 1.
    kernel_size : int or (int, int)
        ``(kh, kw)``; an int means a square kernel.
    stride : int or (int, int), default 1
        ``(s_h, s_w)``, at least 1.
    padding : int, (int, int), "valid" or "same", default 0
        Zeros on each side, as in :func:`convcourse.naive.conv2d_forward`.
    dilation : int or (int, int), default 1
        ``(d_h, d_w)``, at least 1.
    positions : sequence of (int, int), default ((0, 0),)
        Output positions to highlight, at most ``len(WINDOW_COLORS)``, each inside
        the ``H_out x W_out`` output.
    title : str, optional
        Figure title; by default the kernel size, stride and dilation.
    cell_inches : float, default 0.32
        Side of one cell in inches.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: ``fig.axes[0]`` the padded input ``(H_pad, W_pad)``,
        ``fig.axes[1]`` the output ``(H_out, W_out)``. Every cell is a unit
        ``Rectangle`` whose lower-left corner ``(x, y)`` is ``(col, row)``; the
        patches carry these gids:

        ==============  =====================================================
        gid             patches
        ==============  =====================================================
        ``"cell"``      every cell of both grids (``H_pad W_pad`` on the
                        input, ``H_out W_out`` on the output)
        ``"padding"``   the shaded zeros around the input
        ``"unread"``    hatched input cells that no window reads
        ``"tap-k"``     the ``kh * kw`` cells read for ``positions[k]``
        ``"reach-k"``   the dashed outline of that window
        ``"output-k"``  the output cell of ``positions[k]``
        ``"frame"``     the black frame around the real input (with padding)
        ==============  =====================================================

    Raises
    ------
    TypeError, ValueError
        For sizes below 1, bad hyper-parameters, a kernel that does not fit in the
        padded input, or a position outside the output; the message names the
        argument.

    Examples
    --------
    >>> fig = plot_windows(4, 4, kernel_size=3, padding=1, positions=[(0, 0), (2, 1)])
    >>> len(fig.findobj(lambda artist: artist.get_gid() == "tap-1"))
    9
    >>> plt.close(fig)
    """
    height = check_int(height, "height")
    width = check_int(width, "width")
    kh, kw = check_pair(kernel_size, "kernel_size")
    geo = Window.build((height, width), (kh, kw), stride, padding, dilation)
    out_h, out_w = geo.out_height, geo.out_width
    checked = check_cells(positions, (out_h, out_w), "positions", "output",
                          limit=len(WINDOW_COLORS))
    cell_inches = check_number(cell_inches, "cell_inches", positive=True)
    rows, cols = geo.padded_size
    top, _, left, _ = geo.padding
    reach_h, reach_w = geo.reach

    gap = 1.5  # cells of space between the two grids
    fig_w = max((cols + out_w + gap) * cell_inches + 0.4, 3.0)
    fig_h = max(rows, out_h) * cell_inches + 0.9
    figure, (input_ax, output_ax) = plt.subplots(
        1, 2, figsize=(fig_w, fig_h), gridspec_kw={"width_ratios": [cols, out_w]}
    )
    _draw_cells(input_ax, rows, cols)
    _draw_cells(output_ax, out_h, out_w)

    inside = {(r, c) for r in range(top, top + height) for c in range(left, left + width)}
    read = read_cells(geo)
    for r in range(rows):
        for c in range(cols):
            if (r, c) not in inside:
                input_ax.add_patch(
                    _cell(r, c, facecolor=PAD_COLOR, edgecolor=CELL_EDGE, gid="padding")
                )
            elif (r, c) not in read:
                input_ax.add_patch(
                    _cell(r, c, facecolor="white", edgecolor=CELL_EDGE, hatch="xx",
                          gid="unread")
                )
    if any(geo.padding):
        # A thick frame around the real input, so the border reads as "added".
        input_ax.add_patch(
            Rectangle((left, top), width, height, fill=False, edgecolor="black", lw=1.6,
                      gid="frame")
        )

    for k, (color, (i, j)) in enumerate(zip(WINDOW_COLORS, checked, strict=False)):
        for r, c in window_cells(geo, i, j):
            input_ax.add_patch(
                _cell(r, c, facecolor=color, alpha=0.55, edgecolor=color, lw=1.2,
                      gid=f"tap-{k}")
            )
        rows_read, cols_read = geo.window(i, j)
        input_ax.add_patch(
            Rectangle((cols_read.start, rows_read.start), reach_w, reach_h, fill=False,
                      edgecolor=color, lw=2.0, linestyle="--", gid=f"reach-{k}")
        )
        output_ax.add_patch(
            _cell(i, j, facecolor=color, alpha=0.75, edgecolor=color, lw=1.2,
                  gid=f"output-{k}")
        )

    pad_note = f", padding {padding!r}" if any(geo.padding) else ""
    input_ax.set_title(f"input {height}×{width}{pad_note}", fontsize=9)
    output_ax.set_title(f"output {out_h}×{out_w}", fontsize=9)
    if title is None:
        title = (f"kernel {kh}×{kw}, stride {_pair_text(geo.stride)}, "
                 f"dilation {_pair_text(geo.dilation)}")
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    return figure


def plot_channel_connections(
    in_channels: int,
    out_channels: int,
    groups: int = 1,
    kernel_size: int | tuple[int, int] = 3,
    cell_inches: float = 0.45,
) -> Figure:
    """Draw which input channels feed which output channel.

    Input channels (``x[n, c]``) are stacked on the left, output channels (``y[n, o]``,
    the feature maps) on the right. A line joins input channel ``c`` to output channel
    ``o`` when output ``o`` reads ``c``, that is, when both lie in the same group
    (:meth:`convcourse.geometry.ConvGeometry.group_channels`). Each line stands for
    one ``kh x kw`` slice ``weight[o, c - first]`` of the weight; lines and boxes are
    coloured by group (:data:`WINDOW_COLORS`).

    Parameters
    ----------
    in_channels, out_channels : int
        ``C`` and ``O``, at least 1 and each divisible by ``groups``.
    groups : int, default 1
        Number of groups ``g``.
    kernel_size : int or (int, int), default 3
        Only used in the title (the weight's shape ``(O, C // g, kh, kw)``).
    cell_inches : float, default 0.45
        Vertical space per channel in inches.

    Returns
    -------
    matplotlib.figure.Figure
        One axes. Its lines with gid ``"connection"`` are the ``O * C // g`` kernel
        slices, each from ``x = 1`` (an input box) to ``x = 3`` (an output box); the
        boxes are patches with gids ``"input-channel"`` (``C`` of them) and
        ``"output-channel"`` (``O``).

    Raises
    ------
    TypeError, ValueError
        For counts that are not ints of at least 1, or ``groups`` that does not divide
        both channel counts; the message names the argument.

    Examples
    --------
    >>> fig = plot_channel_connections(4, 6, groups=2)
    >>> len(fig.findobj(lambda artist: artist.get_gid() == "connection"))
    12
    >>> plt.close(fig)
    """
    in_channels = check_int(in_channels, "in_channels")
    out_channels = check_int(out_channels, "out_channels")
    kh, kw = check_pair(kernel_size, "kernel_size")
    # The geometry of one kh x kw window: it checks groups and knows who reads whom.
    geo = ConvGeometry.for_image((in_channels, kh, kw), out_channels, (kh, kw), groups=groups)
    cell_inches = check_number(cell_inches, "cell_inches", positive=True)

    rows = max(in_channels, out_channels)
    figure, ax = plt.subplots(figsize=(5.2, rows * cell_inches + 1.0))

    def centres(count: int) -> list[float]:
        offset = (rows - count) / 2
        return [offset + k + 0.5 for k in range(count)]

    def group_color(channel: int, per_group: int) -> str:
        return WINDOW_COLORS[(channel // per_group) % len(WINDOW_COLORS)]

    y_in, y_out = centres(in_channels), centres(out_channels)
    x_in, x_out, box_w = 0.0, 3.0, 1.0
    for o, y_o in enumerate(y_out):
        color = group_color(o, geo.out_per_group)
        for y_c in y_in[geo.group_channels(o)]:
            ax.plot([x_in + box_w, x_out], [y_c, y_o], color=color, lw=1.4, alpha=0.8,
                    gid="connection")
    # Labelled as in the course's notation: channel c of image n is x[n, c]; the output
    # is y (out in the code).
    boxes = (
        ("x", "input-channel", x_in, y_in, geo.in_per_group),
        ("y", "output-channel", x_out, y_out, geo.out_per_group),
    )
    for label, gid, x_box, ys, per_group in boxes:
        for k, y in enumerate(ys):
            color = group_color(k, per_group)
            ax.add_patch(
                Rectangle((x_box, y - 0.38), box_w, 0.76, facecolor=color, alpha=0.25,
                          edgecolor=color, lw=1.2, gid=gid)
            )
            ax.text(x_box + box_w / 2, y, f"{label}[n, {k}]", ha="center", va="center",
                    fontsize=8)
    ax.set_xlim(-0.2, x_out + box_w + 0.2)
    ax.set_ylim(rows + 0.1, -0.1)
    ax.axis("off")
    slices = geo.out_channels * geo.in_per_group
    ax.set_title(
        f"C={in_channels} → O={out_channels}, groups={geo.groups}: weight "
        f"{geo.weight_shape}, {slices} kernel slices",
        fontsize=9,
    )
    figure.tight_layout()
    return figure
