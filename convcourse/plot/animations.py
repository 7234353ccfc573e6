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
* :func:`~convcourse.plot.pool_animations.animate_max_pool_backward` (chapter 6,
  in :mod:`~convcourse.plot.pool_animations`): max pooling's backward pass, each
  window's gradient routed to the input that held its maximum.

One image and one kernel, single channel (the glossary's ``X`` and ``K``), small
enough to read every number. Nothing is computed here: where each window lies comes
from :class:`convcourse.window.Window`, and every number shown from the function the
chapter teaches (:func:`convcourse.naive.conv2d_forward` and ``conv2d_backward``,
:func:`convcourse.fast.im2col`, :func:`convcourse.pooling.max_pool2d_forward` and
``max_pool2d_backward``), so a picture cannot disagree with the code it illustrates.
The frames are played by one driver, :func:`~.frames.sweep`.

A player weighs about 8 kB per frame (a 64-colour PNG at 100 dpi) plus 3 kB of HTML
and script: a 5x5 input padded by 1 with a 3x3 kernel and stride 2 (9 windows, 11
frames) makes a player of about 90 kB. Larger pictures are refused: at most
:data:`MAX_GRID` cells a side, :data:`MAX_WINDOWS` windows, and never more than
:data:`~.player.PLAYER_BUDGET` bytes.
"""

from __future__ import annotations

import numpy as np

from .. import fast, naive
from ..validation import check_array, check_int, check_pair
from ..window import Window
from .frames import (
    DONE_COLOR,
    MAX_GRID,
    MAX_KERNEL,
    MAX_WINDOWS,
    TAP_COLOR,
    Grid,
    PaddedGrid,
    check_drawable,
    check_interval,
    check_kernel,
    factor,
    hyper_text,
    matrix_text,
    num,
    pad_text,
    panels,
    scatter_sweep,
    sweep,
)
from .player import Player
from .style import HIGHLIGHT_COLOR, window_cells

__all__ = [
    "MAX_GRID",
    "MAX_KERNEL",
    "MAX_WINDOWS",
    "animate_backward",
    "animate_im2col",
    "animate_windows",
]


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
    K = check_kernel(K)
    geo = check_drawable(Window.build(X.shape, K.shape, stride, padding, dilation), padding, "X")
    interval = check_interval(interval)
    y = naive.conv2d_forward(X[None, None], K[None, None], stride=stride, padding=padding,
                             dilation=dilation)[0, 0]
    x_pad = geo.pad(X)
    windows = geo.positions()
    figure, (input_ax, kernel_ax, output_ax) = panels(
        [geo.padded_size[1], K.shape[1], geo.out_width],
        max(geo.padded_size[0], K.shape[0], geo.out_height))
    grid = PaddedGrid(input_ax, geo, "x_pad (input, padded)")
    kernel = Grid(kernel_ax, *K.shape, "kernel w")
    output = Grid(output_ax, geo.out_height, geo.out_width, "output y")
    kh, kw = K.shape
    shape = f"{geo.out_height}x{geo.out_width}"

    def show(done: int) -> None:
        grid.clear(x_pad)
        kernel.clear()
        kernel.write(K)
        output.clear()
        output.paint(windows[:done], DONE_COLOR)
        output.write({cell: y[cell] for cell in windows[:done]})

    def step(k: int, i: int, j: int) -> str:
        where = grid.show_window(i, j)
        kernel.paint(kernel.cells, TAP_COLOR + "66")
        output.paint([(i, j)], HIGHLIGHT_COLOR)
        products = " + ".join(
            f"{factor(weight)}·{factor(x_pad[cell])}"
            for weight, cell in zip(K.ravel(), window_cells(geo, i, j), strict=True)
        )
        return (f"window {k} of {len(windows)}: {where} of x_pad\n"
                f"y[{i}, {j}] = Σ w·x = {products} = {num(y[i, j])}")

    return sweep(
        figure, windows, show,
        intro=lambda: (f"{geo.height}x{geo.width} input with {pad_text(geo)} (grey), "
                       f"{kh}x{kw} kernel, {hyper_text(geo)}:\n"
                       f"the kernel will visit {len(windows)} windows, one per output cell "
                       f"({shape})."),
        step=step,
        outro=lambda: (f"Every window visited: the output y ({shape}) is complete:\n"
                       f"y = {matrix_text(y)}"),
        title="the kernel sliding over the padded input",
        description=(
            f"Animation of the forward pass: a {kh} by {kw} kernel slides with "
            f"{hyper_text(geo)} over a {geo.height} by {geo.width} input with "
            f"{pad_text(geo)}; at each of its {len(windows)} windows one cell of the "
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
    K = check_kernel(K)
    if (not isinstance(input_size, (tuple, list)) or len(input_size) != 2):
        raise TypeError(f"input_size must be a pair of ints (H, W), got {input_size!r}")
    height = check_int(input_size[0], "input_size[0]")
    width = check_int(input_size[1], "input_size[1]")
    geo = check_drawable(Window.build((height, width), K.shape, stride, padding, dilation),
                         padding, "input_size")
    if grad_out.shape != (geo.out_height, geo.out_width):
        raise ValueError(
            f"grad_out must have the forward output's shape "
            f"({geo.out_height}, {geo.out_width}) for input_size {(height, width)}, "
            f"{hyper_text(geo)} and {pad_text(geo)}, got {grad_out.shape}"
        )
    interval = check_interval(interval)
    windows = geo.positions()

    def backward(upstream: np.ndarray, size: tuple[int, int], pad: object) -> np.ndarray:
        """The package's dL/dx of an input of ``size``, for this upstream gradient."""
        return naive.conv2d_backward(upstream[None, None], np.zeros((1, 1, *size)),
                                     K[None, None], stride=geo.stride, padding=pad,
                                     dilation=geo.dilation)[0][0, 0]

    grad_x = backward(grad_out, (height, width), padding)
    return scatter_sweep(
        # grad_x_pad: the backward pass over the padded input (no more padding)
        geo, K, grad_out, lambda upstream: backward(upstream, geo.padded_size, 0),
        ("δ = grad_out", "δ[i, j] · w", "grad_x_pad"),
        says=lambda i, j, value, where: (f"δ[{i}, {j}] = {num(value)} scatters "
                                         f"{factor(value)}·w into {where} of grad_x_pad"),
        outro=lambda: (f"All {len(windows)} windows added up. The padding's gradient "
                       f"(grey) is dropped; what is framed is grad_x "
                       f"({geo.height}x{geo.width}):\ngrad_x = {matrix_text(grad_x)}"),
        intro=lambda: (f"δ = grad_out is {geo.out_height}x{geo.out_width}; each of its "
                       f"{len(windows)} entries sends δ[i, j]·w back into the window "
                       f"(i, j) read ({hyper_text(geo)}, {pad_text(geo)}).\n"
                       f"The panel in the middle shows w."),
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
    geo = check_drawable(Window.build(X.shape, (kh, kw), stride, padding, dilation),
                         padding, "X")
    interval = check_interval(interval)
    cols = fast.im2col(X[None, None], (kh, kw), stride, padding, dilation)
    x_pad = geo.pad(X)
    windows = geo.positions()
    taps, count = kh * kw, len(windows)
    figure, (input_ax, cols_ax) = panels(
        [geo.padded_size[1], count], max(geo.padded_size[0], taps) + 1)
    grid = PaddedGrid(input_ax, geo, "x_pad (input, padded)")
    matrix = Grid(cols_ax, taps, count, f"cols ({taps} taps x {count} windows)")
    for m, (i, j) in enumerate(windows):  # which window each column holds
        cols_ax.text(m + 0.5, taps + 0.5, f"{i},{j}", ha="center", va="center", fontsize=6)
    for t in range(taps):  # which tap (u, v) each row holds
        cols_ax.text(-0.15, t + 0.5, f"{t // kw},{t % kw}", ha="right", va="center",
                     fontsize=6)

    def show(done: int) -> None:
        grid.clear(x_pad)
        matrix.clear()
        matrix.paint([(t, m) for t in range(taps) for m in range(done)], DONE_COLOR)
        matrix.write({(t, m): cols[t, m] for t in range(taps) for m in range(done)})

    def step(k: int, i: int, j: int) -> str:
        m = k - 1
        where = grid.show_window(i, j)
        matrix.paint([(t, m) for t in range(taps)], HIGHLIGHT_COLOR)
        values = ", ".join(num(v) for v in cols[:, m])
        return (f"window ({i}, {j}) -> column {m} of cols: x_pad {where}, read row by "
                f"row:\n{values}")

    return sweep(
        figure, windows, show,
        intro=lambda: (f"x_pad is {geo.padded_size[0]}x{geo.padded_size[1]}; a {kh}x{kw} "
                       f"window ({hyper_text(geo)}) visits {count} positions.\n"
                       f"Each becomes one column of cols: {taps} rows (taps) x {count} "
                       f"columns (windows)."),
        step=step,
        outro=lambda: (f"cols is complete ({taps}x{count}): one product "
                       f"weight.reshape(O, -1) @ cols\ncomputes every output at once."),
        title="im2col filling its columns",
        description=(
            f"Animation of im2col: a {kh} by {kw} window visits the {count} positions of "
            f"a {geo.padded_size[0]} by {geo.padded_size[1]} padded input "
            f"({hyper_text(geo)}), and the {taps} numbers under each window, read row "
            f"by row, fill one column of the {taps} by {count} matrix cols."
        ),
        interval=interval,
    )
