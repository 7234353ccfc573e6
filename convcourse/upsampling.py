"""Nearest-neighbour upsampling: the *resize* of resize-then-convolve (chapter 8).

A stride-2 transposed convolution upsamples and convolves in one step, and where its
kernel size is not a multiple of the stride some output pixels receive more kernel
taps than their neighbours: a checkerboard. Odena, Dumoulin and Olah (2016) suggest
separating the two steps: first repeat every pixel ``scale`` times along each axis
(:class:`Upsample`), then apply an ordinary convolution, whose every output sums the
same number of taps.

Shapes::

    x    (N, C, H, W)
    out  (N, C, scale_h H, scale_w W)     out[n, c, r, q] = x[n, c, r // s_h, q // s_w]

The backward pass sums the gradient of each ``s_h x s_w`` block of copies back onto
the pixel they copied.
"""

from __future__ import annotations

import numpy as np

from .layer_protocol import Layer, ShapeCache
from .validation import check_array, check_pair

__all__ = ["Upsample", "upsample_nearest", "upsample_nearest_backward"]


def upsample_nearest(x: np.ndarray, scale: int | tuple[int, int] = 2) -> np.ndarray:
    """Repeat every pixel ``scale`` times down and across: ``(N, C, H, W) -> (N, C, s_h H, s_w W)``.

    The same as ``torch.nn.functional.interpolate(x, scale_factor=scale, mode="nearest")``
    for integer scales.

    Examples
    --------
    >>> upsample_nearest(np.array([[[[1.0, 2.0]]]]))[0, 0]
    array([[1., 1., 2., 2.],
           [1., 1., 2., 2.]])
    """
    x = check_array(x, "x", 4, "(N, C, H, W)")
    s_h, s_w = check_pair(scale, "scale", minimum=1)
    return np.repeat(np.repeat(x, s_h, axis=2), s_w, axis=3)


def upsample_nearest_backward(grad_out: np.ndarray, scale: int | tuple[int, int] = 2) -> np.ndarray:
    """``dL/dx`` of :func:`upsample_nearest`: each block of ``s_h x s_w`` gradients summed.

    Raises ``ValueError`` when ``grad_out``'s height or width is not a multiple of the scale.

    Examples
    --------
    >>> upsample_nearest_backward(np.arange(8.0).reshape(1, 1, 2, 4))[0, 0]
    array([[10., 18.]])
    """
    grad_out = check_array(grad_out, "grad_out", 4, "(N, C, s_h H, s_w W)")
    s_h, s_w = check_pair(scale, "scale", minimum=1)
    n, c, height, width = grad_out.shape
    if height % s_h or width % s_w:
        raise ValueError(
            f"grad_out's height and width must be multiples of scale {(s_h, s_w)}, "
            f"got shape {grad_out.shape}"
        )
    return grad_out.reshape(n, c, height // s_h, s_h, width // s_w, s_w).sum(axis=(3, 5))


class Upsample(Layer):
    """Nearest-neighbour upsampling as a layer (``torch.nn.Upsample(mode="nearest")``).

    Examples
    --------
    >>> up = Upsample(2)
    >>> up.forward(np.zeros((1, 3, 4, 5))).shape
    (1, 3, 8, 10)
    >>> float(up.backward(np.ones((1, 3, 8, 10)))[0, 0, 0, 0])
    4.0
    """

    def __init__(self, scale: int | tuple[int, int] = 2) -> None:
        self.scale = check_pair(scale, "scale", minimum=1)

    def forward(self, x: np.ndarray) -> np.ndarray:
        out = upsample_nearest(x, self.scale)
        self.cache = ShapeCache(in_shape=x.shape, out_shape=out.shape)
        return out

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        self._cache_for(grad_out)
        return upsample_nearest_backward(grad_out, self.scale)

    def __repr__(self) -> str:
        return f"Upsample(scale={self.scale})"
