"""The animation of the transposed convolution (chapter 8).

:func:`animate_conv_transpose` plays the input pixels one by one, each stamping itself
times the kernel onto its window of the output. Every number shown comes from
:func:`convcourse.transposed.conv_transpose2d_forward` (run on the pixels visited so
far, without padding, so that the full scatter shows), and every window from
:func:`convcourse.transposed_geometry.transposed_window`; only where they are drawn is decided here.
"""

from __future__ import annotations

import numpy as np

from .. import transposed
from ..transposed_geometry import transposed_window
from ..validation import check_array
from .frames import (
    check_drawable,
    check_interval,
    check_kernel,
    factor,
    hyper_text,
    matrix_text,
    num,
    scatter_sweep,
)
from .player import Player

__all__ = ["animate_conv_transpose"]


def animate_conv_transpose(
    X: np.ndarray,
    K: np.ndarray,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    output_padding: int | tuple[int, int] = 0,
    interval: int = 1000,
) -> Player:
    """Animate a transposed convolution: each input pixel stamps ``x[i, j] · w`` onto the output.

    Three panels: the input ``x``, the stamp ``x[i, j] · w`` being added, and the full
    scatter (the output before ``padding`` is cut off each side). One frame per input
    pixel, row by row: the stamp lands on window ``(i, j)``, ``stride`` cells from the
    previous one; cells reached by several stamps add them up and grow darker. The
    last frame greys out the ``padding`` rows and columns that the output drops: what
    remains is the output of
    :func:`convcourse.transposed.conv_transpose2d_forward` (and of torch's
    ``conv_transpose2d``).

    Parameters
    ----------
    X : numpy.ndarray, shape (H, W)
        One single-channel input (small).
    K : numpy.ndarray, shape (kh, kw)
        The kernel, at most :data:`~.frames.MAX_KERNEL` a side.
    stride, padding, output_padding : int or (int, int)
        As in :func:`convcourse.transposed.conv_transpose2d_forward`.
    interval : int, default 1000
        Milliseconds between frames while playing, at least 50.

    Returns
    -------
    Player
        ``H W + 2`` frames.

    Raises
    ------
    TypeError, ValueError
        For a bad array or hyper-parameter, or a picture too large to draw; the
        message names the argument.

    Examples
    --------
    >>> player = animate_conv_transpose(np.array([[1.0, 2.0]]), np.array([[1.0, -1.0]]))
    >>> print(player.captions[2])
    x[0, 1] = 2 stamps 2·w onto rows 0, columns 1-2 of the full output:
    += 2, -2 (1 cell overlaps an earlier window: its terms add up)
    """
    X = check_array(X, "X", 2, "(H, W)")
    K = check_kernel(K)
    geo = check_drawable(transposed_window(X.shape, K.shape, stride, padding, 1,
                                           output_padding), padding, "X")
    interval = check_interval(interval)
    windows = geo.positions()
    settings = {"stride": geo.stride, "output_padding": output_padding}
    cut = (f"padding {geo.padding[0]} cuts the grey rows and columns off; "
           if any(geo.padding) else "")

    def scatter(x: np.ndarray, pad: object = 0) -> np.ndarray:
        """The package's transposed convolution of one single-channel image."""
        return transposed.conv_transpose2d_forward(x[None, None], K[None, None],
                                                   padding=pad, **settings)[0, 0]

    out = scatter(X, padding)
    return scatter_sweep(
        geo, K, X, scatter, ("x", "x[i, j] · w", "full output"),
        says=lambda i, j, value, where: (f"x[{i}, {j}] = {num(value)} stamps "
                                         f"{factor(value)}·w onto {where} of the full output"),
        outro=lambda: (f"All {len(windows)} stamps added up; {cut}the framed "
                       f"{geo.height}x{geo.width} is the output:\nout = {matrix_text(out)}"),
        intro=lambda: (f"x is {geo.out_height}x{geo.out_width}; each of its {len(windows)} "
                       f"pixels stamps x[i, j]·w onto the output, {hyper_text(geo)} "
                       f"apart.\nThe panel in the middle shows w."),
        title="the transposed convolution stamping the kernel",
        description=(
            f"Animation of a transposed convolution with {hyper_text(geo)}: each of the "
            f"{len(windows)} pixels of the {geo.out_height} by {geo.out_width} input in "
            f"turn adds itself times the {K.shape[0]} by {K.shape[1]} kernel onto a "
            f"window of the output, the windows {hyper_text(geo)} apart; cells reached "
            f"by several stamps add up their contributions and grow darker; at the end "
            f"the padding is cut off each side, leaving the {geo.height} by {geo.width} "
            f"output."
        ),
        interval=interval,
    )
