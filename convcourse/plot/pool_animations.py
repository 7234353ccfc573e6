"""The animation of max pooling's backward pass (chapter 6).

:func:`animate_max_pool_backward` plays the windows of a max pooling one by one, each
window's gradient routed to the input that held its maximum. Which input that is, and
every number shown, comes from :func:`convcourse.pooling.max_pool2d_forward` and
:func:`convcourse.pooling.max_pool2d_backward` (the backward pass run with the gradient
of one window, or of the windows visited so far): the rule for ties and for the padding
is the package's, stated once, in :mod:`convcourse.pooling`. The frames are played by
:func:`~.frames.sweep`, as for the convolution's animations
(:mod:`~convcourse.plot.animations`).
"""

from __future__ import annotations

import numpy as np

from .. import pooling
from ..geometry import PoolGeometry
from ..validation import check_array
from .frames import (
    DONE_COLOR,
    Grid,
    PaddedGrid,
    check_drawable,
    check_interval,
    first_windows,
    hyper_text,
    matrix_text,
    num,
    one_window,
    pad_text,
    panels,
    sweep,
)
from .player import Player
from .style import HIGHLIGHT_COLOR

__all__ = ["animate_max_pool_backward"]


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
        One single-channel input (small: padded, at most :data:`~.frames.MAX_GRID` cells a side).
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
    geo = check_drawable(PoolGeometry.from_shapes((1, 1, *X.shape), kernel_size, stride,
                                                  padding), padding, "X")
    grad_out = check_array(grad_out, "grad_out", 2, "(H_out, W_out)")
    if grad_out.shape != (geo.out_height, geo.out_width):
        raise ValueError(
            f"grad_out must have the pooled output's shape ({geo.out_height}, "
            f"{geo.out_width}) for X of shape {X.shape}, {hyper_text(geo)} and "
            f"{pad_text(geo, '-inf')}, got {grad_out.shape}"
        )
    interval = check_interval(interval)
    window = {"kernel_size": kernel_size, "stride": stride, "padding": padding}
    pooled = pooling.max_pool2d_forward(X[None, None], **window)[0, 0]

    def backward(upstream: np.ndarray) -> np.ndarray:
        """The package's grad_x_pad for this upstream gradient (the padding gets 0)."""
        return geo.pad(pooling.max_pool2d_backward(upstream[None, None], X[None, None],
                                                   **window)[0, 0])

    windows = geo.positions()
    winners = [tuple(int(r) for r in np.argwhere(backward(one_window(geo, i, j, 1.0)))[0])
               for i, j in windows]  # the one cell each window's gradient reaches
    totals = [backward(first_windows(geo, done, grad_out)) for done in range(len(windows) + 1)]
    x_pad = geo.pad(X.astype(float), fill=-np.inf)
    figure, (input_ax, delta_ax, grad_ax) = panels(
        [geo.padded_size[1], geo.out_width, geo.padded_size[1]],
        max(geo.padded_size[0], geo.out_height))
    grid = PaddedGrid(input_ax, geo, "x_pad (padding -∞)")
    delta = Grid(delta_ax, geo.out_height, geo.out_width, "δ = grad_out")
    gradient = PaddedGrid(grad_ax, geo, "grad_x_pad")

    def show(done: int) -> None:
        grid.clear(x_pad)
        for cell in grid.padding_cells:
            grid.texts[cell].set_text("-∞")
        delta.clear()
        delta.write(grad_out)
        delta.paint(windows[:done], DONE_COLOR)
        gradient.clear()
        gradient.paint(set(winners[:done]), DONE_COLOR)
        gradient.write({cell: totals[done][cell] for cell in gradient.cells})

    def step(k: int, i: int, j: int) -> str:
        r, q = winners[k - 1]
        where = grid.show_window(i, j, outline=True)
        grid.paint([(r, q)], HIGHLIGHT_COLOR)
        delta.paint([(i, j)], HIGHLIGHT_COLOR)
        gradient.show_window(i, j, outline=True)
        gradient.paint([(r, q)], HIGHLIGHT_COLOR)
        ties = int(np.sum(X[geo.input_window(i, j)] == pooled[i, j]))
        tied = f", the first of {ties} tied in row-major order" if ties > 1 else ""
        return (f"window {k} of {len(windows)}: {where} of x_pad: its maximum is "
                f"{num(pooled[i, j])}, at ({r}, {q}){tied}\n"
                f"grad_x_pad[{r}, {q}] += δ[{i}, {j}] = {num(grad_out[i, j])}")

    def outro() -> str:
        gradient.shade_padding()
        padded = (" The padding never won, so its gradient (grey) is 0 and is cut off; "
                  "what is framed is grad_x" if any(geo.padding) else "")
        return (f"All {len(windows)} windows done{padded}:\n"
                f"grad_x = {matrix_text(geo.unpad(totals[-1]))}")

    return sweep(
        figure, windows, show,
        intro=lambda: (f"{geo.height}x{geo.width} input with {pad_text(geo, '-inf')}"
                       f" (grey), {geo.kernel_h}x{geo.kernel_w} windows, {hyper_text(geo)}:\n"
                       f"each of the {len(windows)} windows sends its gradient δ[i, j] to the "
                       f"input that held its maximum."),
        step=step, outro=outro,
        title="max pooling's gradient routed to each window's maximum",
        description=(
            f"Animation of the backward pass of max pooling: {geo.kernel_h} by "
            f"{geo.kernel_w} windows with {hyper_text(geo)} over a {geo.height} by "
            f"{geo.width} input padded with minus infinity; for each of the "
            f"{len(windows)} windows in turn, the input holding the window's maximum is "
            f"highlighted (the first one when several tie, never the padding) and the "
            f"window's upstream gradient is added to that single cell of the input "
            f"gradient; inputs that win several windows collect each gradient; at the "
            f"end the padding is cut off."
        ),
        interval=interval,
    )
