"""Animations where motion explains: the window sliding, the gradient scattering back, im2col.

Each function draws its frames on one figure and returns a :class:`~.player.Player`,
which a notebook (and the website built from it) shows as a self-contained player
with its own controls, a caption per frame and alt text for the whole animation:

* :func:`animate_windows` (chapter 1): the kernel slides over the padded input with
  its stride; at every window the output cell fills in, and the caption writes out
  the multiply-add ``y[i, j] = Σ w·x``;
* :func:`animate_backward` (chapter 2): the mirror image, each ``grad_out`` element
  ``δ[i, j]`` scattering ``δ[i, j] · w`` into its window of ``grad_x_pad``, where
  overlapping windows add up; the padding is cut off at the end;
* :func:`animate_im2col` (chapter 5): im2col filling its matrix, one window per
  column;
* :func:`animate_max_pool_backward` (chapter 6): max pooling's backward pass, each
  window's gradient routed to the input that held its maximum (the first one when
  several tie; never the padding).

One image and one kernel, single channel (the glossary's ``X`` and ``K``), small
enough to read every number: where each window lies comes from
:class:`convcourse.geometry.ConvGeometry` (:meth:`~.ConvGeometry.window`), as in
every figure of the package, and arguments are checked by
:mod:`convcourse.validation`.

A player weighs about 8 kB per frame (a 64-colour PNG at 100 dpi) plus 3 kB of HTML
and script: a 5x5 input padded by 1 with a 3x3 kernel and stride 2 (9 windows, 11
frames) makes a player of about 90 kB. Larger pictures are refused: at most
:data:`MAX_GRID` cells a side, :data:`MAX_WINDOWS` windows, and never more than
:data:`~.player.PLAYER_BUDGET` bytes.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..geometry import ConvGeometry, PoolGeometry
from ..validation import check_array, check_int, check_pair
from .player import PLAYER_BUDGET, Player, record
from .style import CELL_EDGE, HIGHLIGHT_COLOR, PAD_COLOR, WINDOW_COLORS, window_cells

__all__ = [
    "MAX_GRID",
    "MAX_KERNEL",
    "MAX_WINDOWS",
    "animate_backward",
    "animate_im2col",
    "animate_max_pool_backward",
    "animate_windows",
]

#: The largest padded input (rows or columns) an animation draws: every number must
#: stay readable, and every window adds a frame.
MAX_GRID = 10

#: The largest kernel (rows or columns): its products are written out in a caption.
MAX_KERNEL = 5

#: The most windows (output positions) an animation visits: one frame each, and one
#: column each in im2col's matrix.
MAX_WINDOWS = 16

_CELL_INCHES = 0.36  # side of one cell
_GAP = 1.2  # cells of space between two panels
_TAP_COLOR = WINDOW_COLORS[0]  # the taps of the current window
_DONE_COLOR = "#e8f1fa"  # output cells already computed
_COUNT_COLORS = ("#ffffff", "#d9f0d3", "#a6dba0", "#7fc97f", "#5aae61")  # 0, 1, 2, 3, 4+


def _num(value: float) -> str:
    """A number as short text: ``3``, ``-0.5``, ``1.23``."""
    return format(float(value), ".3g")


def _factor(value: float) -> str:
    """A factor in a written-out product, negative numbers in parentheses."""
    text = _num(value)
    return f"({text})" if text.startswith("-") else text


def _matrix(values: np.ndarray) -> str:
    """A small 2-D array as text, row by row: ``[[1, 2], [3, 4]]``."""
    return "[" + ", ".join("[" + ", ".join(map(_num, row)) + "]" for row in values) + "]"


def _overlap_text(cells: int) -> str:
    """How many cells of a window already held terms from earlier windows."""
    if cells == 0:
        return "no overlap with earlier windows"
    if cells == 1:
        return "1 cell overlaps an earlier window: its terms add up"
    return f"{cells} cells overlap earlier windows: their terms add up"


def _span(piece: slice) -> str:
    """The rows or columns a window slice covers, as ``"1-3"`` (``"1-5 step 2"``)."""
    last = piece.stop - 1
    step = f" step {piece.step}" if piece.step != 1 else ""
    return f"{piece.start}-{last}{step}" if last != piece.start else f"{piece.start}"


class _Grid:
    """A ``rows x cols`` grid of unit cells on ``ax``, row 0 at the top; frames restyle it.

    Cell ``(r, c)`` is the square from ``(c, r)`` to ``(c + 1, r + 1)``.
    """

    def __init__(self, ax: Axes, rows: int, cols: int, title: str, fontsize: float = 8):
        self.ax, self.rows, self.cols = ax, rows, cols
        self.cells = {
            (r, c): ax.add_patch(Rectangle((c, r), 1, 1, facecolor="white",
                                           edgecolor=CELL_EDGE, lw=0.8))
            for r in range(rows) for c in range(cols)
        }
        self.texts = {
            (r, c): ax.text(c + 0.5, r + 0.5, "", ha="center", va="center",
                            fontsize=fontsize)
            for r in range(rows) for c in range(cols)
        }
        # A text rather than a title: matplotlib re-lays out titles on every frame.
        ax.text(cols / 2, -0.3, title, ha="center", va="bottom", fontsize=9)

    def paint(self, cells, color: str) -> None:
        for cell in cells:
            self.cells[cell].set_facecolor(color)

    def write(self, values: np.ndarray | dict) -> None:
        """Write ``values[r, c]`` in every cell (``values`` an array, or a dict of cells)."""
        items = np.ndenumerate(values) if isinstance(values, np.ndarray) else values.items()
        for cell, value in items:
            self.texts[cell].set_text(_num(value))

    def clear(self) -> None:
        """Blank every cell: white, thin grey edges, no text."""
        for patch in self.cells.values():
            patch.set_facecolor("white")
            patch.set_edgecolor(CELL_EDGE)
            patch.set_linewidth(0.8)
        for text in self.texts.values():
            text.set_text("")

    def frame(self, top: int, left: int, height: int, width: int, **style: object) -> Rectangle:
        """A rectangle around a block of cells (e.g. the real input inside its padding)."""
        return self.ax.add_patch(
            Rectangle((left, top), width, height, fill=False, **{"lw": 2.0, **style})
        )


def _figure(widths: list[int], rows: int) -> tuple[Figure, list[Axes]]:
    """A figure of side-by-side panels of ``widths[k]`` cells, all cells the same size."""
    total = sum(widths) + _GAP * (len(widths) - 1)
    figure = plt.figure(figsize=(total * _CELL_INCHES + 0.4, rows * _CELL_INCHES + 0.55))
    axes, left = [], 0.2 / figure.get_figwidth()
    scale = (1 - 0.4 / figure.get_figwidth()) / total
    height = rows * _CELL_INCHES / figure.get_figheight()
    bottom = 0.1 / figure.get_figheight()
    for width in widths:
        ax = figure.add_axes((left, bottom, width * scale, height))
        ax.set_xlim(-0.05, width + 0.05)  # room for the outer cells' edges
        ax.set_ylim(rows + 0.05, -0.05)  # row 0 at the top, as in an array
        ax.set_aspect("equal", anchor="N")
        ax.axis("off")
        axes.append(ax)
        left += (width + _GAP) * scale
    return figure, axes


def _geometry(input_size: tuple[int, int], kernel_shape: tuple[int, int], stride, padding,
              dilation, name: str = "X") -> ConvGeometry:
    """The geometry of one single-channel convolution, checked to be small enough to draw.

    ``name`` is what the caller calls the input, for the error messages.
    """
    geo = ConvGeometry.from_shapes((1, 1, *input_size), (1, 1, *kernel_shape), stride,
                                   padding, dilation)
    return _drawable(geo, padding, name)


def _drawable(geo: ConvGeometry, padding: object, name: str) -> ConvGeometry:
    """``geo``, once checked to be small enough to draw (``name`` names the input)."""
    if max(geo.padded_size) > MAX_GRID:
        raise ValueError(
            f"{name} is too large to animate: with padding {padding!r} it is "
            f"{geo.padded_size[0]}x{geo.padded_size[1]} cells, at most {MAX_GRID} per side"
        )
    if geo.out_height * geo.out_width > MAX_WINDOWS:
        raise ValueError(
            f"{name} is too large to animate: the kernel visits "
            f"{geo.out_height}x{geo.out_width} windows, at most {MAX_WINDOWS} (one frame "
            f"each); use a smaller input or a larger stride"
        )
    return geo


def _check_kernel(K: object, name: str = "K") -> np.ndarray:
    K = check_array(K, name, 2, "(kh, kw)")
    if max(K.shape) > MAX_KERNEL:
        raise ValueError(
            f"{name} must be at most {MAX_KERNEL}x{MAX_KERNEL} to animate, got shape {K.shape}"
        )
    return K


def _windows(geo: ConvGeometry) -> list[tuple[int, int]]:
    """The output positions ``(i, j)`` in the order the loops visit them, row by row."""
    return [(i, j) for i in range(geo.out_height) for j in range(geo.out_width)]


class _PaddedGrid(_Grid):
    """The padded input (or its gradient): the real input framed, the padding shaded on
    request, and a dashed box around the cells the kernel spans at the current window."""

    def __init__(self, ax: Axes, geo: ConvGeometry, title: str):
        super().__init__(ax, *geo.padded_size, title)
        self.geo = geo
        top, _, left, _ = geo.padding
        inside = {(r, c) for r in range(top, top + geo.height)
                  for c in range(left, left + geo.width)}
        self.padding_cells = [cell for cell in self.cells if cell not in inside]
        if any(geo.padding):
            self.frame(top, left, geo.height, geo.width, edgecolor="black", zorder=3)
        self.box = self.frame(0, 0, *geo.reach, edgecolor=_TAP_COLOR, linestyle="--",
                              zorder=4)
        self.box.set_visible(False)

    def clear(self, values: np.ndarray | None = None) -> None:
        """Blank every cell and hide the box; with ``values``, shade the padding grey and
        write ``values`` in the cells."""
        super().clear()
        self.box.set_visible(False)
        if values is not None:
            self.shade_padding()
            self.write(values)

    def shade_padding(self) -> None:
        self.paint(self.padding_cells, PAD_COLOR)

    def show_window(self, i: int, j: int, outline: bool = False) -> str:
        """Mark the taps of window ``(i, j)`` (filled, or ``outline``-d) and box it.

        Returns where it lies in words: ``"rows 0-2, columns 2-4"``.
        """
        for cell in window_cells(self.geo, i, j):
            if outline:
                self.cells[cell].set_edgecolor(HIGHLIGHT_COLOR)
                self.cells[cell].set_linewidth(2.2)
            else:
                self.cells[cell].set_facecolor(_TAP_COLOR + "66")
        rows, cols = self.geo.window(i, j)
        self.box.set_xy((cols.start, rows.start))
        self.box.set_visible(True)
        return f"rows {_span(rows)}, columns {_span(cols)}"


def _play(figure: Figure, draw, frames: int, title: str, description: str,
          interval: int) -> Player:
    """Record ``frames`` frames of ``figure`` with ``draw`` into a :class:`Player`.

    Raises
    ------
    ValueError
        If the player would add more than :data:`~.player.PLAYER_BUDGET` bytes to a page.
    """
    pictures, captions = record(figure, draw, frames)
    player = Player(pictures, captions, title, description, interval)
    if player.nbytes > PLAYER_BUDGET:
        raise ValueError(
            f"too large to animate: the player would weigh {player.nbytes // 1000} kB, more "
            f"than PLAYER_BUDGET ({PLAYER_BUDGET // 1000} kB); use a smaller input or kernel"
        )
    return player


def _check_interval(interval: object) -> int:
    return check_int(interval, "interval", minimum=50)


def _pad_text(geo: ConvGeometry) -> str:
    top, bottom, left, right = geo.padding
    if not any(geo.padding):
        return "no padding"
    if top == bottom == left == right:
        return f"{top} zero{'s' if top != 1 else ''} of padding on each side"
    return f"padding (top, bottom, left, right) = {geo.padding}"


def _inf_pad_text(geo: ConvGeometry) -> str:
    """Max pooling's padding in words: it is ``-inf``, not zeros."""
    top, bottom, left, right = geo.padding
    if not any(geo.padding):
        return "no padding"
    if top == bottom == left == right:
        return f"{top} cell{'s' if top != 1 else ''} of -inf padding on each side"
    return f"-inf padding (top, bottom, left, right) = {geo.padding}"


def _hyper_text(geo: ConvGeometry) -> str:
    (s_h, s_w), (d_h, d_w) = geo.stride, geo.dilation
    stride = f"stride {s_h}" if s_h == s_w else f"stride ({s_h}, {s_w})"
    if (d_h, d_w) != (1, 1):
        stride += f", dilation {d_h}" if d_h == d_w else f", dilation ({d_h}, {d_w})"
    return stride


def animate_windows(
    X: np.ndarray,
    K: np.ndarray,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | str = 0,
    dilation: int | tuple[int, int] = 1,
    interval: int = 1000,
) -> Player:
    """Animate the forward pass: the kernel visits each window and one output fills in.

    Three panels: the padded input ``x_pad`` (the padding grey, the real input framed),
    the kernel ``w``, and the output ``y``. Frame 0 shows the empty output; then one
    frame per window, in the order of the loops (row by row): the cells the kernel
    reads are coloured and boxed, the output cell is highlighted and receives its value,
    and the caption writes out the multiply-add, e.g.
    ``y[0, 1] = Σ w·x = (1)(0) + (0)(2) + ... = 3``. The last frame shows the whole
    output.

    Parameters
    ----------
    X : numpy.ndarray, shape (H, W)
        One single-channel image (small: padded, at most :data:`MAX_GRID` cells a side).
    K : numpy.ndarray, shape (kh, kw)
        The kernel, at most :data:`MAX_KERNEL` a side.
    stride, padding, dilation : int or (int, int); padding also "valid" or "same"
        As in :func:`convcourse.naive.conv2d_forward`.
    interval : int, default 1000
        Milliseconds between frames while playing, at least 50.

    Returns
    -------
    Player
        ``H_out W_out + 2`` frames; displays as the player in a notebook.

    Raises
    ------
    TypeError, ValueError
        For a bad array or hyper-parameter, a kernel that does not fit, or a picture
        too large to draw; the message names the argument.

    Examples
    --------
    >>> X = np.arange(16).reshape(4, 4)
    >>> player = animate_windows(X, np.ones((2, 2)), stride=2)
    >>> len(player.frames)
    6
    >>> print(player.captions[1])
    window 1 of 4: rows 0-1, columns 0-1 of x_pad
    y[0, 0] = Σ w·x = 1·0 + 1·1 + 1·4 + 1·5 = 10
    """
    X = check_array(X, "X", 2, "(H, W)")
    K = _check_kernel(K)
    geo = _geometry(X.shape, K.shape, stride, padding, dilation)
    interval = _check_interval(interval)
    x_pad = geo.pad(X)
    windows = _windows(geo)
    y = np.array([np.sum(x_pad[geo.window(i, j)] * K) for i, j in windows])
    y = y.reshape(geo.out_height, geo.out_width)
    rows = max(geo.padded_size[0], K.shape[0], geo.out_height)
    figure, (input_ax, kernel_ax, output_ax) = _figure(
        [geo.padded_size[1], K.shape[1], geo.out_width], rows)
    grid = _PaddedGrid(input_ax, geo, "x_pad (input, padded)")
    kernel = _Grid(kernel_ax, *K.shape, "kernel w")
    output = _Grid(output_ax, geo.out_height, geo.out_width, "output y")
    kh, kw = K.shape
    shape = f"{geo.out_height}x{geo.out_width}"

    def draw(k: int) -> str:
        grid.clear(x_pad)
        kernel.clear()
        kernel.write(K)
        output.clear()
        done = windows[: max(0, min(k - 1, len(windows)))]
        output.paint(done, _DONE_COLOR)
        output.write({cell: y[cell] for cell in done})
        if k == 0:
            return (f"{geo.height}x{geo.width} input with {_pad_text(geo)} (grey), "
                    f"{kh}x{kw} kernel, {_hyper_text(geo)}:\n"
                    f"the kernel will visit {len(windows)} windows, one per output cell "
                    f"({shape}).")
        if k > len(windows):
            return (f"Every window visited: the output y ({shape}) is complete:\n"
                    f"y = {_matrix(y)}")
        i, j = windows[k - 1]
        where = grid.show_window(i, j)
        kernel.paint(kernel.cells, _TAP_COLOR + "66")
        output.paint([(i, j)], HIGHLIGHT_COLOR)
        output.write({(i, j): y[i, j]})
        products = " + ".join(
            f"{_factor(weight)}·{_factor(x_pad[cell])}"
            for weight, cell in zip(K.ravel(), window_cells(geo, i, j), strict=True)
        )
        return (f"window {k} of {len(windows)}: {where} of x_pad\n"
                f"y[{i}, {j}] = Σ w·x = {products} = {_num(y[i, j])}")

    return _play(
        figure, draw, len(windows) + 2,
        title="the kernel sliding over the padded input",
        description=(
            f"Animation of the forward pass: a {kh} by {kw} kernel slides with "
            f"{_hyper_text(geo)} over a {geo.height} by {geo.width} input with "
            f"{_pad_text(geo)}; at each of its {len(windows)} windows one cell of the "
            f"{geo.out_height} by {geo.out_width} output fills in with the sum of the "
            f"kernel's weights times the input values under them."
        ),
        interval=interval,
    )


def animate_backward(
    grad_out: np.ndarray,
    K: np.ndarray,
    input_size: tuple[int, int],
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | str = 0,
    dilation: int | tuple[int, int] = 1,
    interval: int = 1000,
) -> Player:
    """Animate the input gradient: each ``δ[i, j]`` scatters ``δ[i, j] · w`` into its window.

    The backward pass as the mirror image of :func:`animate_windows`. Three panels: the
    upstream gradient ``δ`` (``grad_out``), the contribution ``δ[i, j] · w`` being
    added, and ``grad_x_pad``, the gradient of the padded input. One frame per output
    position, row by row: ``δ[i, j]`` is highlighted and ``δ[i, j] · w`` is added into
    the cells window ``(i, j)`` read in the forward pass (outlined), so
    ``grad_x_pad[r, q]`` collects one term per window that covers ``(r, q)``; a
    cell's green deepens with each window that reaches it, which is where the overlaps
    add up. The last frame greys out the padding, whose gradient is dropped: what
    remains is ``grad_x``.

    Parameters
    ----------
    grad_out : numpy.ndarray, shape (H_out, W_out)
        The upstream gradient ``δ`` of one output channel of one image.
    K : numpy.ndarray, shape (kh, kw)
        The kernel, at most :data:`MAX_KERNEL` a side.
    input_size : (int, int)
        ``(H, W)`` of the forward pass's input (the output size alone does not fix it).
    stride, padding, dilation : int or (int, int); padding also "valid" or "same"
        As in :func:`convcourse.naive.conv2d_forward`.
    interval : int, default 1000
        Milliseconds between frames while playing, at least 50.

    Returns
    -------
    Player
        ``H_out W_out + 2`` frames.

    Raises
    ------
    TypeError, ValueError
        For a bad array or hyper-parameter, a ``grad_out`` whose shape is not the
        forward output's, or a picture too large to draw; the message names the
        argument.

    Examples
    --------
    >>> player = animate_backward(np.array([[1.0, 2.0]]), np.array([[1.0, -1.0]]), (1, 3))
    >>> print(player.captions[2])
    δ[0, 1] = 2 scatters 2·w into rows 0, columns 1-2 of grad_x_pad:
    += 2, -2 (1 cell overlaps an earlier window: its terms add up)
    """
    grad_out = check_array(grad_out, "grad_out", 2, "(H_out, W_out)")
    K = _check_kernel(K)
    if (not isinstance(input_size, (tuple, list)) or len(input_size) != 2):
        raise TypeError(f"input_size must be a pair of ints (H, W), got {input_size!r}")
    height = check_int(input_size[0], "input_size[0]")
    width = check_int(input_size[1], "input_size[1]")
    geo = _geometry((height, width), K.shape, stride, padding, dilation, "input_size")
    if grad_out.shape != (geo.out_height, geo.out_width):
        raise ValueError(
            f"grad_out must have the forward output's shape "
            f"({geo.out_height}, {geo.out_width}) for input_size {(height, width)}, "
            f"{_hyper_text(geo)} and {_pad_text(geo)}, got {grad_out.shape}"
        )
    interval = _check_interval(interval)
    windows = _windows(geo)
    rows = max(geo.padded_size[0], K.shape[0], geo.out_height)
    figure, (delta_ax, part_ax, grad_ax) = _figure(
        [geo.out_width, K.shape[1], geo.padded_size[1]], rows)
    delta = _Grid(delta_ax, geo.out_height, geo.out_width, "δ = grad_out")
    part = _Grid(part_ax, *K.shape, "δ[i, j] · w")
    grid = _PaddedGrid(grad_ax, geo, "grad_x_pad")

    def state(done: int) -> tuple[np.ndarray, np.ndarray]:
        """``grad_x_pad`` and how many windows reached each cell, after ``done`` windows."""
        total = np.zeros(geo.padded_size)
        count = np.zeros(geo.padded_size, dtype=int)
        for i, j in windows[:done]:
            total[geo.window(i, j)] += grad_out[i, j] * K
            count[geo.window(i, j)] += 1
        return total, count

    def draw(k: int) -> str:
        done = min(k, len(windows))
        total, count = state(done)
        delta.clear()
        delta.write(grad_out)
        delta.paint(windows[: max(0, min(k - 1, len(windows)))], _DONE_COLOR)
        part.clear()
        grid.clear()
        for cell, n in np.ndenumerate(count):
            grid.paint([cell], _COUNT_COLORS[min(n, len(_COUNT_COLORS) - 1)])
        grid.write({cell: total[cell] for cell in grid.cells if count[cell]})
        if k == 0:
            part.write(K)
            return (f"δ = grad_out is {geo.out_height}x{geo.out_width}; each of its "
                    f"{len(windows)} entries sends δ[i, j]·w back into the window "
                    f"(i, j) read ({_hyper_text(geo)}, {_pad_text(geo)}).\n"
                    f"The panel in the middle shows w.")
        if k > len(windows):
            part.write(K)
            grid.shade_padding()
            return (f"All {len(windows)} windows added up. The padding's gradient (grey) "
                    f"is dropped; what is framed is grad_x ({geo.height}x{geo.width}):\n"
                    f"grad_x = {_matrix(geo.unpad(total))}")
        i, j = windows[k - 1]
        value = grad_out[i, j]
        part.write(value * K)
        part.paint(part.cells, _TAP_COLOR + "66")
        delta.paint([(i, j)], HIGHLIGHT_COLOR)
        where = grid.show_window(i, j, outline=True)
        overlaps = sum(1 for cell in window_cells(geo, i, j) if count[cell] > 1)
        added = ", ".join(_num(term) for term in (value * K).ravel())
        return (f"δ[{i}, {j}] = {_num(value)} scatters {_factor(value)}·w into {where} "
                f"of grad_x_pad:\n+= {added} ({_overlap_text(overlaps)})")

    return _play(
        figure, draw, len(windows) + 2,
        title="the gradient scattering back through the kernel",
        description=(
            f"Animation of the backward pass: each of the {len(windows)} entries of the "
            f"{geo.out_height} by {geo.out_width} upstream gradient delta in turn adds "
            f"delta times the {K.shape[0]} by {K.shape[1]} kernel into the window of the "
            f"padded input gradient that its output read; cells covered by several "
            f"windows add up their contributions and grow darker; at the end the padding "
            f"is cut off, leaving the {geo.height} by {geo.width} input gradient."
        ),
        interval=interval,
    )


def animate_im2col(
    X: np.ndarray,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | str = 0,
    dilation: int | tuple[int, int] = 1,
    interval: int = 1000,
) -> Player:
    """Animate im2col: every window of the padded input becomes one column of ``cols``.

    Two panels: the padded input ``x_pad`` and the matrix ``cols`` (``T = kh kw``
    rows, one per kernel tap ``(u, v)``; ``M = H_out W_out`` columns, one per window
    ``(i, j)``), which is :func:`convcourse.fast.im2col` of the image. One frame per
    window, row by row: the window's cells are coloured, and its ``T`` numbers, read
    row by row, fill the next column.

    Parameters
    ----------
    X : numpy.ndarray, shape (H, W)
        One single-channel image (padded, at most :data:`MAX_GRID` cells a side).
    kernel_size : int or (int, int)
        ``(kh, kw)``, at most :data:`MAX_KERNEL` a side.
    stride, padding, dilation : int or (int, int); padding also "valid" or "same"
        As in :func:`convcourse.naive.conv2d_forward`.
    interval : int, default 1000
        Milliseconds between frames while playing, at least 50.

    Returns
    -------
    Player
        ``M + 2`` frames.

    Raises
    ------
    TypeError, ValueError
        For a bad array or hyper-parameter, or a picture too large to draw; the message
        names the argument.

    Examples
    --------
    >>> player = animate_im2col(np.arange(9).reshape(3, 3), 2)
    >>> print(player.captions[2])
    window (0, 1) -> column 1 of cols: x_pad rows 0-1, columns 1-2, read row by row:
    1, 2, 4, 5
    """
    X = check_array(X, "X", 2, "(H, W)")
    kh, kw = check_pair(kernel_size, "kernel_size")
    if max(kh, kw) > MAX_KERNEL:
        raise ValueError(
            f"kernel_size must be at most {MAX_KERNEL} on each axis to animate, "
            f"got {kernel_size!r}"
        )
    geo = _geometry(X.shape, (kh, kw), stride, padding, dilation)
    interval = _check_interval(interval)
    x_pad = geo.pad(X)
    windows = _windows(geo)
    taps, count = kh * kw, len(windows)
    cols = np.stack([x_pad[geo.window(i, j)].ravel() for i, j in windows], axis=1)
    rows = max(geo.padded_size[0], taps)
    figure, (input_ax, cols_ax) = _figure(
        [geo.padded_size[1], count], rows + 1)
    grid = _PaddedGrid(input_ax, geo, "x_pad (input, padded)")
    matrix = _Grid(cols_ax, taps, count, f"cols ({taps} taps x {count} windows)")
    for m, (i, j) in enumerate(windows):  # which window each column holds
        cols_ax.text(m + 0.5, taps + 0.5, f"{i},{j}", ha="center", va="center", fontsize=6)
    for t in range(taps):  # which tap (u, v) each row holds
        cols_ax.text(-0.15, t + 0.5, f"{t // kw},{t % kw}", ha="right", va="center",
                     fontsize=6)

    def draw(k: int) -> str:
        grid.clear(x_pad)
        matrix.clear()
        done = min(max(k - 1, 0), count)
        matrix.paint([(t, m) for t in range(taps) for m in range(done)], _DONE_COLOR)
        matrix.write({(t, m): cols[t, m] for t in range(taps) for m in range(done)})
        if k == 0:
            return (f"x_pad is {geo.padded_size[0]}x{geo.padded_size[1]}; a {kh}x{kw} "
                    f"window ({_hyper_text(geo)}) visits {count} positions.\n"
                    f"Each becomes one column of cols: {taps} rows (taps) x {count} "
                    f"columns (windows).")
        if k > count:
            return (f"cols is complete ({taps}x{count}): one product "
                    f"weight.reshape(O, -1) @ cols\ncomputes every output at once.")
        m = k - 1
        i, j = windows[m]
        where = grid.show_window(i, j)
        column = [(t, m) for t in range(taps)]
        matrix.paint(column, HIGHLIGHT_COLOR)
        matrix.write({cell: cols[cell] for cell in column})
        values = ", ".join(_num(v) for v in cols[:, m])
        return (f"window ({i}, {j}) -> column {m} of cols: x_pad {where}, read row by "
                f"row:\n{values}")

    return _play(
        figure, draw, count + 2,
        title="im2col filling its columns",
        description=(
            f"Animation of im2col: a {kh} by {kw} window visits the {count} positions of "
            f"a {geo.padded_size[0]} by {geo.padded_size[1]} padded input "
            f"({_hyper_text(geo)}), and the {taps} numbers under each window, read row "
            f"by row, fill one column of the {taps} by {count} matrix cols."
        ),
        interval=interval,
    )



def animate_max_pool_backward(
    X: np.ndarray,
    grad_out: np.ndarray,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
    interval: int = 1000,
) -> Player:
    """Animate max pooling's backward pass: each window's gradient goes to its maximum.

    Three panels: the padded input ``x_pad`` (the padding ``-∞`` and grey, the real
    input framed), the upstream gradient ``δ`` (``grad_out``) and ``grad_x_pad``, the
    gradient of the padded input. One frame per window, row by row: the window is
    outlined, its maximum (the first in row-major order when several tie, as in torch;
    never the padding) is highlighted, and ``δ[i, j]`` is added to that one cell of
    ``grad_x_pad``, where an input that wins several overlapping windows collects each
    of their gradients. The last frame cuts the padding off: what remains is
    ``grad_x``, as :func:`convcourse.pooling.max_pool2d_backward` computes it.

    Parameters
    ----------
    X : numpy.ndarray, shape (H, W)
        One single-channel input (small: padded, at most :data:`MAX_GRID` cells a side).
    grad_out : numpy.ndarray, shape (H_out, W_out)
        The upstream gradient, shaped like the pooled output.
    kernel_size, stride, padding
        As in :func:`convcourse.pooling.max_pool2d_forward` (``stride=None`` means
        ``kernel_size``; the padding at most half the window).
    interval : int, default 1000
        As in :func:`animate_windows`.

    Returns
    -------
    Player
        One frame per window, after a first frame that shows the input and ``δ``, and
        before a last one that shows ``grad_x``.

    Raises
    ------
    TypeError, ValueError
        The message names the argument: an array of the wrong kind or shape (``grad_out``
        must have the pooled output's), a bad window, stride or padding, or a picture
        too large to draw.

    Examples
    --------
    >>> X = np.array([[1.0, 9.0, 9.0, 0.0],
    ...               [9.0, 2.0, 3.0, 4.0]])
    >>> player = animate_max_pool_backward(X, np.array([[10.0, 20.0]]), 2)
    >>> print(player.captions[1])  # doctest: +NORMALIZE_WHITESPACE
    window 1 of 2: rows 0-1, columns 0-1 of x_pad: its maximum is 9, at (0, 1),
    the first of 2 tied in row-major order
    grad_x_pad[0, 1] += δ[0, 0] = 10
    """
    X = check_array(X, "X", 2, "(H, W)")
    geo = _drawable(PoolGeometry.from_shapes((1, 1, *X.shape), kernel_size, stride, padding),
                    padding, "X")
    grad_out = check_array(grad_out, "grad_out", 2, "(H_out, W_out)")
    if grad_out.shape != (geo.out_height, geo.out_width):
        raise ValueError(
            f"grad_out must have the pooled output's shape ({geo.out_height}, "
            f"{geo.out_width}) for X of shape {X.shape}, {_hyper_text(geo)} and "
            f"{_inf_pad_text(geo)}, got {grad_out.shape}"
        )
    interval = _check_interval(interval)
    x_pad = geo.pad(X.astype(float), fill=-np.inf)
    windows = _windows(geo)
    top, left = geo.padding[0], geo.padding[2]
    winners, ties = [], []
    for i, j in windows:
        rows, cols = geo.input_window(i, j)  # the real part: the padding never wins
        part = X[rows, cols]
        u, v = np.unravel_index(np.argmax(part), part.shape)  # the first maximum
        winners.append((top + rows.start + int(u), left + cols.start + int(v)))
        ties.append(int(np.sum(part == part.max())))
    rows = max(geo.padded_size[0], geo.out_height)
    figure, (input_ax, delta_ax, grad_ax) = _figure(
        [geo.padded_size[1], geo.out_width, geo.padded_size[1]], rows)
    grid = _PaddedGrid(input_ax, geo, "x_pad (padding -∞)")
    delta = _Grid(delta_ax, geo.out_height, geo.out_width, "δ = grad_out")
    gradient = _PaddedGrid(grad_ax, geo, "grad_x_pad")

    def draw(k: int) -> str:
        done = min(k, len(windows))
        grid.clear(x_pad)
        for cell in grid.padding_cells:
            grid.texts[cell].set_text("-∞")
        delta.clear()
        delta.write(grad_out)
        delta.paint(windows[: max(0, min(k - 1, len(windows)))], _DONE_COLOR)
        total = np.zeros(geo.padded_size)
        for (i, j), cell in zip(windows[:done], winners[:done], strict=True):
            total[cell] += grad_out[i, j]
        gradient.clear()
        gradient.paint(set(winners[:done]), _DONE_COLOR)
        gradient.write({cell: total[cell] for cell in gradient.cells})
        if k == 0:
            return (f"{geo.height}x{geo.width} input with {_inf_pad_text(geo)}"
                    f" (grey), {geo.kernel_h}x{geo.kernel_w} windows, {_hyper_text(geo)}:\n"
                    f"each of the {len(windows)} windows sends its gradient δ[i, j] to the "
                    f"input that held its maximum.")
        if k > len(windows):
            gradient.shade_padding()
            padded = (" The padding never won, so its gradient (grey) is 0 and is cut off; "
                      "what is framed is grad_x" if any(geo.padding) else "")
            return (f"All {len(windows)} windows done{padded}:\n"
                    f"grad_x = {_matrix(geo.unpad(total))}")
        i, j = windows[k - 1]
        r, q = winners[k - 1]
        where = grid.show_window(i, j, outline=True)
        grid.paint([(r, q)], HIGHLIGHT_COLOR)
        delta.paint([(i, j)], HIGHLIGHT_COLOR)
        gradient.show_window(i, j, outline=True)
        gradient.paint([(r, q)], HIGHLIGHT_COLOR)
        tied = (f", the first of {ties[k - 1]} tied in row-major order"
                if ties[k - 1] > 1 else "")
        return (f"window {k} of {len(windows)}: {where} of x_pad: its maximum is "
                f"{_num(x_pad[r, q])}, at ({r}, {q}){tied}\n"
                f"grad_x_pad[{r}, {q}] += δ[{i}, {j}] = {_num(grad_out[i, j])}")

    return _play(
        figure, draw, len(windows) + 2,
        title="max pooling's gradient routed to each window's maximum",
        description=(
            f"Animation of the backward pass of max pooling: {geo.kernel_h} by "
            f"{geo.kernel_w} windows with {_hyper_text(geo)} over a {geo.height} by "
            f"{geo.width} input padded with minus infinity; for each of the "
            f"{len(windows)} windows in turn, the input holding the window's maximum is "
            f"highlighted (the first one when several tie, never the padding) and the "
            f"window's upstream gradient is added to that single cell of the input "
            f"gradient; inputs that win several windows collect each gradient; at the "
            f"end the padding is cut off."
        ),
        interval=interval,
    )
