"""The pieces the animations share: one frame driver, grids of numbered cells, and the
words their captions use.

Every animation of :mod:`convcourse.plot.animations` visits the windows of one
:class:`convcourse.window.Window`, row by row, and plays ``n + 2`` frames
(:func:`sweep`): an introduction, one frame per window, and a summary; the two
scatters (a convolution's input gradient, a transposed convolution) share their
frames too (:func:`scatter_sweep`). The numbers it shows come from the package
(:mod:`convcourse.naive`, :mod:`convcourse.fast`, :mod:`convcourse.pooling`,
:mod:`convcourse.transposed`); what is drawn here is only where they go.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..validation import check_array, check_int
from ..window import Window
from .player import PLAYER_BUDGET, Player, record
from .style import CELL_EDGE, HIGHLIGHT_COLOR, PAD_COLOR, WINDOW_COLORS, window_cells

__all__ = [
    "COUNT_COLORS",
    "DONE_COLOR",
    "Grid",
    "MAX_GRID",
    "MAX_KERNEL",
    "MAX_WINDOWS",
    "PaddedGrid",
    "TAP_COLOR",
    "check_drawable",
    "check_interval",
    "check_kernel",
    "factor",
    "first_windows",
    "hyper_text",
    "matrix_text",
    "num",
    "one_window",
    "overlap_text",
    "pad_text",
    "panels",
    "scatter_sweep",
    "span",
    "sweep",
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
TAP_COLOR = WINDOW_COLORS[0]  # the taps of the current window
DONE_COLOR = "#e8f1fa"  # output cells already computed
COUNT_COLORS = ("#ffffff", "#d9f0d3", "#a6dba0", "#7fc97f", "#5aae61")  # 0, 1, 2, 3, 4+


def num(value: float) -> str:
    """A number as short text: ``3``, ``-0.5``, ``1.23``."""
    return format(float(value), ".3g")


def factor(value: float) -> str:
    """A factor in a written-out product, negative numbers in parentheses."""
    text = num(value)
    return f"({text})" if text.startswith("-") else text


def matrix_text(values: np.ndarray) -> str:
    """A small 2-D array as text, row by row: ``[[1, 2], [3, 4]]``."""
    return "[" + ", ".join("[" + ", ".join(map(num, row)) + "]" for row in values) + "]"


def overlap_text(cells: int) -> str:
    """How many cells of a window already held terms from earlier windows."""
    if cells == 0:
        return "no overlap with earlier windows"
    if cells == 1:
        return "1 cell overlaps an earlier window: its terms add up"
    return f"{cells} cells overlap earlier windows: their terms add up"


def span(piece: slice) -> str:
    """The rows or columns a window slice covers, as ``"1-3"`` (``"1-5 step 2"``)."""
    last = piece.stop - 1
    step = f" step {piece.step}" if piece.step != 1 else ""
    return f"{piece.start}-{last}{step}" if last != piece.start else f"{piece.start}"


class Grid:
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
            self.texts[cell].set_text(num(value))

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


def panels(widths: list[int], rows: int) -> tuple[Figure, list[Axes]]:
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


def check_kernel(K: object, name: str = "K") -> np.ndarray:
    K = check_array(K, name, 2, "(kh, kw)")
    if max(K.shape) > MAX_KERNEL:
        raise ValueError(
            f"{name} must be at most {MAX_KERNEL}x{MAX_KERNEL} to animate, got shape {K.shape}"
        )
    return K


class PaddedGrid(Grid):
    """The padded input (or its gradient): the real input framed, the padding shaded on
    request, and a dashed box around the cells the kernel spans at the current window."""

    def __init__(self, ax: Axes, geo: Window, title: str):
        super().__init__(ax, *geo.padded_size, title)
        self.geo = geo
        top, _, left, _ = geo.padding
        inside = {(r, c) for r in range(top, top + geo.height)
                  for c in range(left, left + geo.width)}
        self.padding_cells = [cell for cell in self.cells if cell not in inside]
        if any(geo.padding):
            self.frame(top, left, geo.height, geo.width, edgecolor="black", zorder=3)
        self.box = self.frame(0, 0, *geo.reach, edgecolor=TAP_COLOR, linestyle="--",
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
                self.cells[cell].set_facecolor(TAP_COLOR + "66")
        rows, cols = self.geo.window(i, j)
        self.box.set_xy((cols.start, rows.start))
        self.box.set_visible(True)
        return f"rows {span(rows)}, columns {span(cols)}"


def check_interval(interval: object) -> int:
    return check_int(interval, "interval", minimum=50)


def pad_text(geo: Window, fill: str = "") -> str:
    """The padding in words: zeros, or cells of ``fill`` (max pooling's ``"-inf"``)."""
    top, bottom, left, right = geo.padding
    if not any(geo.padding):
        return "no padding"
    unit, kind = ("cell", f"{fill} padding") if fill else ("zero", "padding")
    if top == bottom == left == right:
        return f"{top} {unit}{'s' if top != 1 else ''} of {kind} on each side"
    return f"{kind} (top, bottom, left, right) = {geo.padding}"


def hyper_text(geo: Window) -> str:
    (s_h, s_w), (d_h, d_w) = geo.stride, geo.dilation
    stride = f"stride {s_h}" if s_h == s_w else f"stride ({s_h}, {s_w})"
    if (d_h, d_w) != (1, 1):
        stride += f", dilation {d_h}" if d_h == d_w else f", dilation ({d_h}, {d_w})"
    return stride


def check_drawable(geo: Window, padding: object, name: str) -> Window:
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


def sweep(
    figure: Figure,
    windows: Sequence[tuple[int, int]],
    show: Callable[[int], None],
    intro: Callable[[], str],
    step: Callable[[int, int, int], str],
    outro: Callable[[], str],
    *,
    title: str,
    description: str,
    interval: int,
) -> Player:
    """Play ``figure`` over ``windows``: the frames every animation here shows.

    Frame ``k`` of ``n + 2`` first redraws the state once the first ``min(k, n)``
    windows are done (``show(done)``), then adds what is particular to it and returns
    its caption: frame 0 ``intro()``, frame ``k`` from 1 to ``n`` visits window
    ``(i, j) = windows[k - 1]`` (``step(k, i, j)``), the last frame ``outro()``.

    Raises
    ------
    ValueError
        If the player would add more than :data:`~.player.PLAYER_BUDGET` bytes to a page.
    """
    count = len(windows)

    def draw(k: int) -> str:
        show(min(k, count))
        if k == 0:
            return intro()
        if k > count:
            return outro()
        return step(k, *windows[k - 1])

    pictures, captions = record(figure, draw, count + 2)
    player = Player(pictures, captions, title, description, interval)
    if player.nbytes > PLAYER_BUDGET:
        raise ValueError(
            f"too large to animate: the player would weigh {player.nbytes // 1000} kB, more "
            f"than PLAYER_BUDGET ({PLAYER_BUDGET // 1000} kB); use a smaller input or kernel"
        )
    return player


def one_window(geo: Window, i: int, j: int, value: float) -> np.ndarray:
    """An upstream gradient ``(H_out, W_out)`` that only window ``(i, j)`` sends back:
    ``value`` there, zeros elsewhere."""
    only = np.zeros((geo.out_height, geo.out_width))
    only[i, j] = value
    return only


def first_windows(geo: Window, done: int, values: np.ndarray) -> np.ndarray:
    """``values`` (``(H_out, W_out)``) kept at the first ``done`` windows, row by row,
    zeros after them: the gradient the windows visited so far send back."""
    kept = np.zeros(geo.out_height * geo.out_width)
    kept[:done] = values.ravel()[:done]
    return kept.reshape(geo.out_height, geo.out_width)


def scatter_sweep(
    geo: Window,
    K: np.ndarray,
    source: np.ndarray,
    full: Callable[[np.ndarray], np.ndarray],
    labels: tuple[str, str, str],
    says: Callable[[int, int, float, str], str],
    outro: Callable[[], str],
    **player: Any,
) -> Player:
    """Play a scatter: each number of ``source`` in turn adds itself times ``K`` onto its
    window of a padded grid, where overlapping windows add up (a convolution's input
    gradient, a transposed convolution).

    Three panels, titled by ``labels``: ``source`` (``(H_out, W_out)``, one number per
    window of ``geo``), the term ``source[i, j] · K`` being added, and the padded grid,
    its cells greener with each window that reaches them. Every number drawn comes
    from ``full(values)``: the package's scatter of ``values`` (``(H_out, W_out)``)
    onto the whole padded grid, run on the windows visited so far and on each window
    alone.

    Parameters
    ----------
    says : callable
        ``says(i, j, value, where)`` begins the caption of window ``(i, j)``; the
        terms added and the overlaps follow it.
    outro : callable
        The last caption, once the padding is greyed out.
    **player
        ``intro``, ``title``, ``description`` and ``interval``, as in :func:`sweep`.
    """
    windows = geo.positions()
    totals = [full(first_windows(geo, done, source)) for done in range(len(windows) + 1)]
    count = np.zeros((len(windows) + 1, *geo.padded_size), dtype=int)  # windows per cell
    for done, (i, j) in enumerate(windows, start=1):
        count[done] = count[done - 1]
        count[done][geo.window(i, j)] += 1
    figure, (source_ax, part_ax, grid_ax) = panels(
        [geo.out_width, K.shape[1], geo.padded_size[1]],
        max(geo.padded_size[0], K.shape[0], geo.out_height))
    origin = Grid(source_ax, geo.out_height, geo.out_width, labels[0])
    part = Grid(part_ax, *K.shape, labels[1])
    grid = PaddedGrid(grid_ax, geo, labels[2])

    def show(done: int) -> None:
        origin.clear()
        origin.write(source)
        origin.paint(windows[:done], DONE_COLOR)
        part.clear()
        part.write(K)
        grid.clear()
        for cell, n in np.ndenumerate(count[done]):
            grid.paint([cell], COUNT_COLORS[min(n, len(COUNT_COLORS) - 1)])
        grid.write({cell: totals[done][cell] for cell in grid.cells if count[done][cell]})

    def step(k: int, i: int, j: int) -> str:
        value = source[i, j]
        term = full(one_window(geo, i, j, value))[geo.window(i, j)]  # as the package adds it
        part.write(term)
        part.paint(part.cells, TAP_COLOR + "66")
        origin.paint([(i, j)], HIGHLIGHT_COLOR)
        where = grid.show_window(i, j, outline=True)
        overlaps = sum(1 for cell in window_cells(geo, i, j) if count[k][cell] > 1)
        added = ", ".join(num(t) for t in term.ravel())
        return f"{says(i, j, value, where)}:\n+= {added} ({overlap_text(overlaps)})"

    def finish() -> str:
        grid.shade_padding()
        return outro()

    return sweep(figure, windows, show, step=step, outro=finish, **player)
