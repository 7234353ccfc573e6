"""Figure helpers shared by the chapters, so each chapter's figure code stays short.

Every helper draws with matplotlib's pyplot and returns the figure and its axes
without calling ``plt.show()``; in a notebook the figure appears at the end of the
cell (end the cell with ``plt.show()`` or ``;``). Each chapter adds its helpers in a
section of its own below.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from .shapes import _is_int, _output_length, as_pair, resolve_padding
from .validation import check_array, check_int

# ---------------------------------------------------------------------------------------
# images and kernels (chapter 3)
# ---------------------------------------------------------------------------------------

#: Colour map for signed data (kernels, edge maps): blue negative, white 0, red positive.
SIGNED_CMAP = "RdBu_r"


def _check_image(image: object, name: str) -> np.ndarray:
    """An image is a real 2-D array (H, W) or an RGB array (H, W, 3)."""
    if not isinstance(image, np.ndarray):
        raise TypeError(
            f"{name} must be a numpy.ndarray (H, W) or (H, W, 3), got {type(image).__name__}"
        )
    if image.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {image.dtype}")
    if not (image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 3)) or image.size == 0:
        raise ValueError(f"{name} must have shape (H, W) or (H, W, 3), got shape {image.shape}")
    return image


def _check_titles(titles: object, count: int, name: str = "titles") -> list[str]:
    if titles is None:
        return [""] * count
    if isinstance(titles, str) or not isinstance(titles, Sequence):
        raise TypeError(f"{name} must be a sequence of str, got {type(titles).__name__}")
    if len(titles) != count:
        raise ValueError(f"{name} must have one entry per image ({count}), got {len(titles)}")
    return [str(title) for title in titles]


#: Signed images saturate at this percentile of ``|values|``, so that a few very strong
#: responses do not wash out all the others (edge maps of photographs).
SIGNED_PERCENTILE = 99.5


def _signed_limit(image: np.ndarray) -> float:
    """Symmetric colour limit for a signed image: a high percentile of ``|image|``."""
    magnitude = np.abs(image)
    limit = float(np.percentile(magnitude, SIGNED_PERCENTILE))
    return limit or float(magnitude.max()) or 1.0


def _draw_image(ax: Axes, image: np.ndarray, title: str, cmap: str | None) -> None:
    """Gray for non-negative images, a diverging map centred on 0 for signed ones.

    An image with negative values, or one that is exactly 0 everywhere (a feature map
    that found nothing), is signed: 0 is drawn white.
    """
    if image.ndim == 3:
        ax.imshow(np.clip(image, 0, 1) if image.dtype.kind == "f" else image)
    elif cmap is not None:
        ax.imshow(image, cmap=cmap)
    elif image.min() < 0 or not image.any():
        limit = _signed_limit(image)
        ax.imshow(image, cmap=SIGNED_CMAP, vmin=-limit, vmax=limit)
    else:
        ax.imshow(image, cmap="gray")
    ax.set_title(title, fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])


def show_kernel(
    kernel: np.ndarray,
    ax: Axes | None = None,
    title: str | None = None,
    annotate: bool = True,
) -> Axes:
    """Draw a kernel as a grid of coloured cells, each labelled with its weight.

    Colours are centred on 0 (:data:`SIGNED_CMAP`: red positive, blue negative,
    white 0), so the sign pattern that makes a kernel detect something is visible
    at a glance.

    Parameters
    ----------
    kernel : numpy.ndarray, shape (kh, kw)
        The weights.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is made if omitted.
    title : str, optional
        Written above the kernel.
    annotate : bool, default True
        Write each weight in its cell (skipped for kernels wider or taller than 3,
        whose numbers would not fit; their colours still show the weights).

    Returns
    -------
    matplotlib.axes.Axes
    """
    check_array(kernel, "kernel", 2, "(kh, kw)")
    if ax is None:
        _, ax = plt.subplots(figsize=(0.5 * kernel.shape[1] + 1, 0.5 * kernel.shape[0] + 1))
    limit = float(np.abs(kernel).max()) or 1.0
    ax.imshow(kernel, cmap=SIGNED_CMAP, vmin=-limit, vmax=limit)
    if annotate and max(kernel.shape) <= 3:
        for (u, v), weight in np.ndenumerate(kernel):
            colour = "white" if abs(weight) > 0.6 * limit else "black"
            ax.text(v, u, f"{weight:.2g}", ha="center", va="center",
                    fontsize=9, color=colour)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def show_images(
    images: Sequence[np.ndarray],
    titles: Sequence[str] | None = None,
    ncols: int = 4,
    size: float = 2.5,
    cmap: str | None = None,
) -> tuple[Figure, np.ndarray]:
    """Show images side by side in a grid, each with its title.

    A 2-D image with no negative values is drawn in gray; one with negative values
    (an edge map, say) or all zeros in :data:`SIGNED_CMAP` with limits symmetric
    about 0, saturating at the :data:`SIGNED_PERCENTILE` percentile of its
    magnitudes; an ``(H, W, 3)`` image as RGB (floats clipped to ``[0, 1]``).

    Parameters
    ----------
    images : sequence of numpy.ndarray, each (H, W) or (H, W, 3)
        What to show; sizes may differ.
    titles : sequence of str, optional
        One per image.
    ncols : int, default 4
        Images per row (fewer if there are fewer images).
    size : float, default 2.5
        Width and height of each panel, in inches.
    cmap : str, optional
        Force one colour map for every 2-D image.

    Returns
    -------
    (matplotlib.figure.Figure, numpy.ndarray of Axes)
        The axes, one per image, in reading order (unused grid cells are removed).
    """
    if isinstance(images, np.ndarray) or not isinstance(images, Sequence) or not images:
        raise TypeError(
            "images must be a non-empty list or tuple of arrays, got "
            f"{type(images).__name__}{' of length 0' if isinstance(images, Sequence) else ''}"
        )
    checked = [_check_image(image, f"images[{k}]") for k, image in enumerate(images)]
    labels = _check_titles(titles, len(checked))
    ncols = min(check_int(ncols, "ncols"), len(checked))
    if not isinstance(size, (int, float)) or isinstance(size, bool) or size <= 0:
        raise ValueError(f"size must be a positive number of inches, got {size!r}")
    nrows = -(-len(checked) // ncols)
    fig, grid = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False)
    axes = grid.ravel()
    for ax, image, label in zip(axes, checked, labels, strict=False):
        _draw_image(ax, image, label, cmap)
    for ax in axes[len(checked):]:
        fig.delaxes(ax)
    fig.tight_layout()
    return fig, axes[: len(checked)]


def show_kernel_gallery(
    kernels: Sequence[np.ndarray],
    maps: Sequence[np.ndarray],
    titles: Sequence[str],
    ncols: int = 2,
    size: float = 3.0,
) -> tuple[Figure, np.ndarray]:
    """Show each kernel beside the feature map it produces, in a grid of pairs.

    Parameters
    ----------
    kernels : sequence of numpy.ndarray, each (kh, kw)
        The kernels, drawn with :func:`show_kernel`.
    maps : sequence of numpy.ndarray, each (H, W)
        ``maps[k]`` is the image seen through ``kernels[k]``; drawn as in
        :func:`show_images`.
    titles : sequence of str
        One name per pair, written above the kernel.
    ncols : int, default 2
        Pairs per row.
    size : float, default 3.0
        Height of a row and width of a feature map, in inches (a kernel panel is
        40% as wide).

    Returns
    -------
    (matplotlib.figure.Figure, numpy.ndarray of Axes)
        Axes of shape ``(len(kernels), 2)``: row ``k`` holds the kernel's axes and
        its map's axes.
    """
    for name, value in [("kernels", kernels), ("maps", maps)]:
        if isinstance(value, np.ndarray) or not isinstance(value, Sequence) or not value:
            raise TypeError(f"{name} must be a non-empty list or tuple of arrays")
    if len(maps) != len(kernels):
        raise ValueError(
            f"maps must have one entry per kernel ({len(kernels)}), got {len(maps)}"
        )
    labels = _check_titles(titles, len(kernels))
    checked_maps = [_check_image(image, f"maps[{k}]") for k, image in enumerate(maps)]
    ncols = min(check_int(ncols, "ncols"), len(kernels))
    if not isinstance(size, (int, float)) or isinstance(size, bool) or size <= 0:
        raise ValueError(f"size must be a positive number of inches, got {size!r}")
    nrows = -(-len(kernels) // ncols)
    fig = plt.figure(figsize=(1.4 * size * ncols, size * nrows))
    spec = fig.add_gridspec(nrows, 2 * ncols, width_ratios=[0.4, 1.0] * ncols)
    pairs = []
    for k, (kernel, image, label) in enumerate(zip(kernels, checked_maps, labels, strict=True)):
        row, col = divmod(k, ncols)
        kernel_ax = fig.add_subplot(spec[row, 2 * col])
        map_ax = fig.add_subplot(spec[row, 2 * col + 1])
        show_kernel(kernel, ax=kernel_ax, title=label)
        _draw_image(map_ax, image, "", None)
        pairs.append((kernel_ax, map_ax))
    fig.tight_layout()
    return fig, np.array(pairs, dtype=object)


# ---------------------------------------------------------------------------------------
# windows: the kernel's window sliding over the (padded) input (chapter 1)
# ---------------------------------------------------------------------------------------

#: Colours of the highlighted windows, in order (matplotlib's tab10 palette).
WINDOW_COLORS: tuple[str, ...] = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd")

_PAD_COLOR = "#cfcfcf"  # the zeros added around the input
_CELL_EDGE = "#7f7f7f"


def _check_index(value: object, name: str) -> int:
    """Return ``value`` as an int if it is a non-negative integer, else raise."""
    if not _is_int(value):
        raise TypeError(f"{name} must be a non-negative int, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be a non-negative int, got {value}")
    return int(value)


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
        0 \\le u < k_h,\\; 0 \\le v < k_w .

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

    Examples
    --------
    >>> window_taps(1, 0, 2, stride=2)
    [(2, 0), (2, 1), (3, 0), (3, 1)]
    >>> window_taps(0, 0, (1, 2), dilation=2)
    [(0, 0), (0, 2)]
    """
    i = _check_index(i, "i")
    j = _check_index(j, "j")
    kh, kw = as_pair(kernel_size, "kernel_size", minimum=1)
    s_h, s_w = as_pair(stride, "stride", minimum=1)
    d_h, d_w = as_pair(dilation, "dilation", minimum=1)
    return [(i * s_h + u * d_h, j * s_w + v * d_w) for u in range(kh) for v in range(kw)]


@dataclass
class WindowPlot:
    """What :func:`plot_windows` drew.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
        The figure (two axes side by side).
    input_ax, output_ax : matplotlib.axes.Axes
        The padded input grid (left) and the output grid (right).
    output_shape : (int, int)
        ``(H_out, W_out)`` of the drawn convolution.
    taps : list of list of Rectangle
        For each highlighted position, its ``kh * kw`` tap cells on the input.
    outputs : list of Rectangle
        For each highlighted position, its cell on the output grid.
    padded_cells : list of Rectangle
        The shaded cells of the zero border (empty without padding).
    unread_cells : list of Rectangle
        Hatched cells of the real input that no window reads at all (this happens
        when the stride does not fit the input evenly, or with dilation).
    """

    figure: Figure
    input_ax: Axes
    output_ax: Axes
    output_shape: tuple[int, int]
    taps: list[list[Rectangle]] = field(default_factory=list)
    outputs: list[Rectangle] = field(default_factory=list)
    padded_cells: list[Rectangle] = field(default_factory=list)
    unread_cells: list[Rectangle] = field(default_factory=list)


def _draw_grid(ax: Axes, rows: int, cols: int) -> None:
    """Draw ``rows x cols`` empty unit cells with row 0 at the top."""
    for r in range(rows):
        for c in range(cols):
            ax.add_patch(
                Rectangle((c, r), 1, 1, facecolor="white", edgecolor=_CELL_EDGE, lw=0.8)
            )
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
) -> WindowPlot:
    """Draw a kernel's window at a few output positions, and the output grid.

    Left: the input, ``height x width`` white cells, inside its zero padding (shaded
    grey, the real input framed in black). For each ``(i, j)`` in ``positions`` the
    ``kh * kw`` cells the kernel reads (:func:`window_taps`) are filled in that
    position's colour, and a dashed outline marks how far the (dilated) window
    reaches. Input cells that no output position reads at all are cross-hatched.
    Right: the ``H_out x W_out`` output grid with cell ``(i, j)`` in the same colour.

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
    WindowPlot
        The figure, its two axes and the patches it highlighted.

    Raises
    ------
    TypeError, ValueError
        For sizes below 1, bad hyper-parameters, a kernel that does not fit in the
        padded input, or a position outside the output.
    """
    height = _check_index(height, "height")
    width = _check_index(width, "width")
    if height < 1 or width < 1:
        raise ValueError(f"height and width must be at least 1, got {height}x{width}")
    kh, kw = as_pair(kernel_size, "kernel_size", minimum=1)
    s_hw = as_pair(stride, "stride", minimum=1)
    d_hw = as_pair(dilation, "dilation", minimum=1)
    top, bottom, left, right = resolve_padding(padding, (kh, kw), s_hw, d_hw)
    rows, cols = height + top + bottom, width + left + right
    reach_h, reach_w = d_hw[0] * (kh - 1) + 1, d_hw[1] * (kw - 1) + 1
    if reach_h > rows or reach_w > cols:
        raise ValueError(
            f"the kernel reaches {reach_h}x{reach_w} but the padded input is only "
            f"{rows}x{cols} (input {height}x{width}, padding {padding!r})"
        )
    out_h = _output_length(height, kh, s_hw[0], top + bottom, d_hw[0])
    out_w = _output_length(width, kw, s_hw[1], left + right, d_hw[1])
    if isinstance(positions, (str, bytes)) or not isinstance(positions, Sequence):
        raise TypeError(f"positions must be a sequence of (i, j) pairs, got {positions!r}")
    if len(positions) > len(WINDOW_COLORS):
        raise ValueError(
            f"positions can hold at most {len(WINDOW_COLORS)} pairs, got {len(positions)}"
        )
    checked: list[tuple[int, int]] = []
    for position in positions:
        if not isinstance(position, (tuple, list)) or len(position) != 2:
            raise TypeError(f"each position must be an (i, j) pair, got {position!r}")
        i, j = _check_index(position[0], "i"), _check_index(position[1], "j")
        if i >= out_h or j >= out_w:
            raise ValueError(
                f"position {(i, j)} is outside the {out_h}x{out_w} output "
                f"(rows 0..{out_h - 1}, columns 0..{out_w - 1})"
            )
        checked.append((i, j))

    gap = 1.5  # cells of space between the two grids
    fig_w = max((cols + out_w + gap) * cell_inches + 0.4, 3.0)
    fig_h = max(rows, out_h) * cell_inches + 0.9
    figure, (input_ax, output_ax) = plt.subplots(
        1, 2, figsize=(fig_w, fig_h), gridspec_kw={"width_ratios": [cols, out_w]}
    )
    _draw_grid(input_ax, rows, cols)
    _draw_grid(output_ax, out_h, out_w)
    plot = WindowPlot(figure, input_ax, output_ax, (out_h, out_w))

    for r in range(rows):
        for c in range(cols):
            if not (top <= r < top + height and left <= c < left + width):
                patch = Rectangle(
                    (c, r), 1, 1, facecolor=_PAD_COLOR, edgecolor=_CELL_EDGE, lw=0.8
                )
                input_ax.add_patch(patch)
                plot.padded_cells.append(patch)
    read = {
        cell
        for i in range(out_h)
        for j in range(out_w)
        for cell in window_taps(i, j, (kh, kw), s_hw, d_hw)
    }
    for r in range(top, top + height):
        for c in range(left, left + width):
            if (r, c) not in read:
                patch = Rectangle(
                    (c, r), 1, 1, facecolor="white", edgecolor=_CELL_EDGE, hatch="xx", lw=0.8
                )
                input_ax.add_patch(patch)
                plot.unread_cells.append(patch)
    if top + bottom + left + right:
        # A thick frame around the real input, so the border reads as "added".
        input_ax.add_patch(
            Rectangle((left, top), width, height, fill=False, edgecolor="black", lw=1.6)
        )

    for color, (i, j) in zip(WINDOW_COLORS, checked, strict=False):
        cells = []
        for r, c in window_taps(i, j, (kh, kw), s_hw, d_hw):
            patch = Rectangle(
                (c, r), 1, 1, facecolor=color, alpha=0.55, edgecolor=color, lw=1.2
            )
            input_ax.add_patch(patch)
            cells.append(patch)
        plot.taps.append(cells)
        input_ax.add_patch(
            Rectangle(
                (j * s_hw[1], i * s_hw[0]),
                reach_w,
                reach_h,
                fill=False,
                edgecolor=color,
                lw=2.0,
                linestyle="--",
            )
        )
        out_patch = Rectangle(
            (j, i), 1, 1, facecolor=color, alpha=0.75, edgecolor=color, lw=1.2
        )
        output_ax.add_patch(out_patch)
        plot.outputs.append(out_patch)

    pad_note = f", padding {padding!r}" if top + bottom + left + right else ""
    input_ax.set_title(f"input {height}×{width}{pad_note}", fontsize=9)
    output_ax.set_title(f"output {out_h}×{out_w}", fontsize=9)
    if title is None:
        title = f"kernel {kh}×{kw}, stride {_pair_text(s_hw)}, dilation {_pair_text(d_hw)}"
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    return plot


@dataclass
class ChannelPlot:
    """What :func:`plot_channel_connections` drew.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
        The figure.
    ax : matplotlib.axes.Axes
        Its only axes.
    connections : list of Line2D
        One line per kernel slice ``weight[o, c']``: ``O * C // groups`` in all.
    """

    figure: Figure
    ax: Axes
    connections: list[Line2D]


def plot_channel_connections(
    in_channels: int,
    out_channels: int,
    groups: int = 1,
    kernel_size: int | tuple[int, int] = 3,
    cell_inches: float = 0.45,
) -> ChannelPlot:
    """Draw which input channels feed which output channel.

    Input channels are stacked on the left, output channels on the right. A line joins
    input channel ``c`` to output channel ``o`` when output ``o`` reads ``c``, that is,
    when both lie in the same group (``c // (C // g) == o // (O // g)``). Each line
    stands for one ``kh x kw`` slice of the weight; lines are coloured by group.

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
    ChannelPlot
        The figure, its axes and the ``O * C // g`` connection lines.

    Raises
    ------
    TypeError, ValueError
        For counts below 1, or ``groups`` that does not divide both channel counts.
    """
    in_channels = _check_index(in_channels, "in_channels")
    out_channels = _check_index(out_channels, "out_channels")
    groups = _check_index(groups, "groups")
    if min(in_channels, out_channels, groups) < 1:
        raise ValueError(
            f"in_channels, out_channels and groups must be at least 1, got "
            f"{in_channels}, {out_channels} and {groups}"
        )
    if in_channels % groups or out_channels % groups:
        raise ValueError(
            f"groups={groups} must divide in_channels={in_channels} and "
            f"out_channels={out_channels}"
        )
    kh, kw = as_pair(kernel_size, "kernel_size", minimum=1)
    in_per, out_per = in_channels // groups, out_channels // groups

    rows = max(in_channels, out_channels)
    figure, ax = plt.subplots(figsize=(5.2, rows * cell_inches + 1.0))

    def centres(count: int) -> list[float]:
        offset = (rows - count) / 2
        return [offset + k + 0.5 for k in range(count)]

    y_in, y_out = centres(in_channels), centres(out_channels)
    x_in, x_out, box_w = 0.0, 3.0, 1.0
    connections: list[Line2D] = []
    for o, y_o in enumerate(y_out):
        group = o // out_per
        color = WINDOW_COLORS[group % len(WINDOW_COLORS)]
        for c in range(group * in_per, (group + 1) * in_per):
            (line,) = ax.plot(
                [x_in + box_w, x_out], [y_in[c], y_o], color=color, lw=1.4, alpha=0.8
            )
            connections.append(line)
    for label, x_box, ys, per in (("x", x_in, y_in, in_per), ("out", x_out, y_out, out_per)):
        for k, y in enumerate(ys):
            color = WINDOW_COLORS[(k // per) % len(WINDOW_COLORS)]
            ax.add_patch(
                Rectangle(
                    (x_box, y - 0.38),
                    box_w,
                    0.76,
                    facecolor=color,
                    alpha=0.25,
                    edgecolor=color,
                    lw=1.2,
                )
            )
            ax.text(x_box + box_w / 2, y, f"{label}[{k}]", ha="center", va="center", fontsize=8)
    ax.set_xlim(-0.2, x_out + box_w + 0.2)
    ax.set_ylim(rows + 0.1, -0.1)
    ax.axis("off")
    ax.set_title(
        f"C={in_channels} → O={out_channels}, groups={groups}: weight "
        f"({out_channels}, {in_per}, {kh}, {kw}), {len(connections)} kernel slices",
        fontsize=9,
    )
    figure.tight_layout()
    return ChannelPlot(figure, ax, connections)


# ---------------------------------------------------------------------------------------
# dense matrices: a convolution as a linear map (chapter 4)
# ---------------------------------------------------------------------------------------


def _check_blocks(value: object, size: int, name: str) -> int:
    """A block count must be a positive int that divides ``size``."""
    value = check_int(value, name)
    if size % value:
        raise ValueError(f"{name}={value} must divide the matrix's {size} rows/columns")
    return value


def show_matrix(
    matrix: np.ndarray,
    ax: Axes | None = None,
    title: str | None = None,
    row_blocks: int = 1,
    col_blocks: int = 1,
    origin: tuple[int, int] = (0, 0),
    cell_inches: float = 0.12,
) -> Axes:
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
    origin : (int, int), default (0, 0)
        Row and column, in a larger matrix, of ``matrix[0, 0]``: pass it when drawing
        a crop (``big[r0:r1, c0:c1]`` with ``origin=(r0, c0)``) so that the tick
        labels give the entries' indices in the larger matrix.
    cell_inches : float, default 0.12
        Size of one entry for a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    check_array(matrix, "matrix", 2, "(rows, cols)")
    rows, cols = matrix.shape
    row_blocks = _check_blocks(row_blocks, rows, "row_blocks")
    col_blocks = _check_blocks(col_blocks, cols, "col_blocks")
    if (
        not isinstance(origin, (tuple, list))
        or len(origin) != 2
        or not all(_is_int(v) and v >= 0 for v in origin)
    ):
        raise ValueError(f"origin must be a pair of non-negative ints (row, col), got {origin!r}")
    r0, c0 = int(origin[0]), int(origin[1])
    if ax is None:
        width = min(max(cols * cell_inches, 3.0), 12.0)
        height = min(max(rows * cell_inches, 1.5), 12.0)
        _, ax = plt.subplots(figsize=(width, height))
    limit = float(np.abs(matrix).max()) or 1.0
    masked = np.ma.masked_equal(matrix.astype(np.float64), 0.0)
    cmap = plt.get_cmap(SIGNED_CMAP).with_extremes(bad="white")  # zeros are masked
    extent = (c0 - 0.5, c0 + cols - 0.5, r0 + rows - 0.5, r0 - 0.5)
    ax.imshow(masked, cmap=cmap, vmin=-limit, vmax=limit, interpolation="nearest",
              extent=extent)
    for k in range(1, row_blocks):
        ax.axhline(r0 + k * rows / row_blocks - 0.5, color="0.6", lw=0.8)
    for k in range(1, col_blocks):
        ax.axvline(c0 + k * cols / col_blocks - 0.5, color="0.6", lw=0.8)
    ax.add_patch(
        Rectangle((c0 - 0.5, r0 - 0.5), cols, rows, fill=False, edgecolor="0.3", lw=0.8)
    )
    ax.locator_params(integer=True)  # entry indices: no fractional ticks
    ax.set_xlabel("column: input index", fontsize=9)
    ax.set_ylabel("row: output index", fontsize=9)
    ax.tick_params(labelsize=8)
    if title:
        ax.set_title(title, fontsize=10)
    return ax


# ---------------------------------------------------------------------------------------
# backward pass: who feeds whom in 1-D, and how often each input is used (chapter 2)
# ---------------------------------------------------------------------------------------


def plot_connections_1d(
    length: int,
    kernel_size: int,
    stride: int = 1,
    padding: int = 0,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
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
    matplotlib.axes.Axes
        With one line per (output, tap) pair in ``ax.lines``.

    Raises
    ------
    TypeError, ValueError
        For non-int or out-of-range arguments, or a kernel longer than the padded
        input.
    """
    length = check_int(length, "length")
    kernel_size = check_int(kernel_size, "kernel_size")
    stride = check_int(stride, "stride")
    padding = _check_index(padding, "padding")
    if kernel_size > len(WINDOW_COLORS):
        raise ValueError(
            f"kernel_size must be at most {len(WINDOW_COLORS)} (one colour per tap), "
            f"got {kernel_size}"
        )
    padded = length + 2 * padding
    if kernel_size > padded:
        raise ValueError(
            f"kernel_size={kernel_size} is longer than the padded input "
            f"(length={length} + 2*padding={padding} = {padded})"
        )
    n_out = _output_length(length, kernel_size, stride, 2 * padding, 1)
    if ax is None:
        _, ax = plt.subplots(figsize=(0.75 * padded + 1.8, 2.6))

    y_in, y_out, half = 0.0, 2.2, 0.3  # rows of boxes, and half a box's side
    read = {i * stride + u for i in range(n_out) for u in range(kernel_size)}
    for k in range(padded):
        is_pad = not padding <= k < padding + length
        ax.add_patch(
            Rectangle(
                (k - half, y_in - half), 2 * half, 2 * half,
                facecolor=_PAD_COLOR if is_pad else "white",
                edgecolor=_CELL_EDGE,
                hatch=None if is_pad or k in read else "xx",
                lw=1.0,
            )
        )
        label = "0" if is_pad else f"$x_{{{k - padding}}}$"
        ax.text(k, y_in, label, ha="center", va="center", fontsize=10)
    for i in range(n_out):
        centre = i * stride + (kernel_size - 1) / 2
        ax.add_patch(
            Rectangle(
                (centre - half, y_out - half), 2 * half, 2 * half,
                facecolor="#f2f2f2", edgecolor="black", lw=1.0,
            )
        )
        ax.text(centre, y_out, f"$z_{{{i}}}$", ha="center", va="center", fontsize=10)
        for u in range(kernel_size):
            ax.plot(
                [centre, i * stride + u], [y_out - half, y_in + half],
                color=WINDOW_COLORS[u], lw=1.8, alpha=0.85,
            )
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
    return ax


def plot_usage_counts(
    counts: Sequence[np.ndarray],
    titles: Sequence[str] | None = None,
    size: float = 2.8,
) -> tuple[Figure, np.ndarray]:
    """Heat maps of small non-negative integer grids, each cell labelled with its value.

    Made for "how many windows read each input pixel", which is ``dL/dx`` of a
    convolution whose kernel and upstream gradient are all ones. All panels share one
    colour scale (0 to the largest count), so they can be compared at a glance.

    Parameters
    ----------
    counts : sequence of numpy.ndarray, each (H, W)
        Non-negative values (integers are labelled without decimals).
    titles : sequence of str, optional
        One per grid.
    size : float, default 2.8
        Width and height of each panel, in inches.

    Returns
    -------
    (matplotlib.figure.Figure, numpy.ndarray of Axes)
        One axes per grid, in order.
    """
    if isinstance(counts, np.ndarray) or not isinstance(counts, Sequence) or not counts:
        raise TypeError(
            f"counts must be a non-empty list or tuple of 2-D arrays, got {type(counts).__name__}"
        )
    grids = []
    for k, grid in enumerate(counts):
        if not isinstance(grid, np.ndarray) or grid.dtype.kind not in "biuf":
            raise TypeError(f"counts[{k}] must be a real numpy.ndarray (H, W), got {grid!r}")
        if grid.ndim != 2 or grid.size == 0 or grid.min() < 0:
            raise ValueError(
                f"counts[{k}] must be a non-empty 2-D array of values >= 0, got shape "
                f"{grid.shape}"
            )
        grids.append(grid)
    labels = _check_titles(titles, len(grids))
    if not isinstance(size, (int, float)) or isinstance(size, bool) or size <= 0:
        raise ValueError(f"size must be a positive number of inches, got {size!r}")
    top = float(max(grid.max() for grid in grids)) or 1.0
    fig, axes = plt.subplots(1, len(grids), figsize=(size * len(grids), size), squeeze=False)
    axes = axes.ravel()
    cmap = plt.get_cmap("viridis")
    for ax, grid, label in zip(axes, grids, labels, strict=True):
        ax.imshow(grid, cmap=cmap, vmin=0, vmax=top)
        for (r, c), value in np.ndenumerate(grid):
            text = f"{value:g}"
            colour = "black" if value > 0.6 * top else "white"
            ax.text(c, r, text, ha="center", va="center", fontsize=9, color=colour)
        ax.set_title(label, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return fig, axes
