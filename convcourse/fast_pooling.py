"""2-D max and average pooling without Python loops over the data.

Same arguments, validation and results as :mod:`convcourse.pooling`, computed the way
:mod:`convcourse.fast` builds im2col: one loop over the ``kh kw`` positions of the
window (its *taps*), each handling every window of the batch at once. For tap
``(u, v)`` the numbers it sees form one strided slice of the padded input,

.. code-block:: text

    x_pad[:, :, u : u + s_h (H_out - 1) + 1 : s_h, v : v + s_w (W_out - 1) + 1 : s_w]

of shape ``(N, C, H_out, W_out)``: entry ``[n, c, i, j]`` is what tap ``(u, v)`` of
window ``(i, j)`` reads (:meth:`Window.tap_slices
<convcourse.window.Window.tap_slices>`). Then

* average pooling adds the ``kh kw`` slices and divides by ``kh kw``; its backward
  adds ``grad_out / (kh kw)`` back into every slice;
* max pooling keeps a running maximum over the slices, and for the backward the
  index of the tap that holds it, updated only where a tap is *strictly* greater: so
  the first maximum in row-major window order is kept, the rule of the loops and of
  torch. The backward adds ``grad_out`` into each tap's slice where that tap won.

Only ``kh kw`` Python iterations remain (4 for a 2x2 window), each an array
operation over ``N C H_out W_out`` numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from .geometry import PoolGeometry, check_grad_out, check_pool2d
from .remembered import remembered_check
from .validation import result_dtype

__all__ = [
    "avg_pool2d_backward",
    "avg_pool2d_forward",
    "max_pool2d_backward",
    "max_pool2d_forward",
]


def _taps(geo: PoolGeometry) -> Iterator[tuple[int, slice, slice]]:
    """``(k, rows, cols)`` for every tap of the window, in row-major order."""
    for u in range(geo.kernel_h):
        for v in range(geo.kernel_w):
            yield (u * geo.kernel_w + v, *geo.tap_slices(u, v))


def _check(x: np.ndarray, kernel_size: object, stride: object, padding: object) -> PoolGeometry:
    """:func:`convcourse.geometry.check_pool2d`, remembered from call to call
    (:mod:`convcourse.remembered`)."""
    return remembered_check(check_pool2d, (x,), (kernel_size, stride, padding))


def _padded(x: np.ndarray, geo: PoolGeometry, fill: float = 0.0) -> np.ndarray:
    """``x`` padded with ``fill`` (``x`` itself if there is no padding)."""
    return geo.pad(x, fill=fill) if any(geo.padding) else x


def _winners(x: np.ndarray, geo: PoolGeometry) -> np.ndarray:
    """Which tap holds the maximum of every window: the first one, if tied.

    Returns ``(N, C, H_out, W_out)`` indices ``u kw + v``. A running maximum over the
    taps changes hands only where a tap is strictly greater, so the first maximum in
    row-major order is kept. A tap on the ``-inf`` padding never wins; a window
    whose real numbers are all ``-inf`` is won by its first real tap, as in torch.
    """
    x_pad = _padded(x.astype(result_dtype(x), copy=False), geo, fill=-np.inf)
    real = _padded(np.ones((geo.height, geo.width), dtype=bool), geo, fill=False)
    best = np.full(geo.output_shape, -np.inf, dtype=x_pad.dtype)
    winner = np.full(geo.output_shape, -1)
    for k, rows, cols in _taps(geo):
        values = x_pad[:, :, rows, cols]
        wins = (values > best) | ((winner < 0) & real[rows, cols])
        best = np.where(wins, values, best)
        winner = np.where(wins, k, winner)
    return winner


def _add_back(
    geo: PoolGeometry, dtype: np.dtype, gradient_of_tap: Callable[[int], np.ndarray]
) -> np.ndarray:
    """``dL/dx`` from each tap's share of the gradient, ``(N, C, H_out, W_out)`` each:
    added into the tap's slice of a padded zero array, then the padding cut off."""
    grad_pad = np.zeros((geo.batch, geo.channels, *geo.padded_size), dtype=dtype)
    for k, rows, cols in _taps(geo):
        grad_pad[:, :, rows, cols] += gradient_of_tap(k)
    return geo.unpad(grad_pad).copy()


def max_pool2d_forward(
    x: np.ndarray,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
) -> np.ndarray:
    """2-D max pooling, vectorised: the maximum of ``kh kw`` shifted slices.

    Computes exactly :func:`convcourse.pooling.max_pool2d_forward`; same arguments,
    shapes, dtype and errors.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> max_pool2d_forward(x, 2)
    array([[[[ 5.,  7.],
             [13., 15.]]]])
    """
    geo = _check(x, kernel_size, stride, padding)
    x_pad = _padded(x.astype(result_dtype(x), copy=False), geo, fill=-np.inf)
    best = None
    for _, rows, cols in _taps(geo):
        values = x_pad[:, :, rows, cols]
        best = values.copy() if best is None else np.maximum(best, values)
    return best


def max_pool2d_backward(
    grad_out: np.ndarray,
    x: np.ndarray,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
) -> np.ndarray:
    """Gradient through :func:`max_pool2d_forward`, vectorised.

    Each window's gradient goes to the tap that holds its maximum (the first one in
    row-major order if tied, see :func:`convcourse.pooling.max_pool2d_backward`);
    tap by tap, ``grad_out`` is added back into the tap's slice where it won.

    Examples
    --------
    >>> x = np.array([[[[1.0, 4.0, 5.0, 5.0],
    ...                 [3.0, 4.0, 1.0, 1.0]]]])
    >>> max_pool2d_backward(np.array([[[[10.0, 20.0]]]]), x, 2)
    array([[[[ 0., 10., 20.,  0.],
             [ 0.,  0.,  0.,  0.]]]])
    """
    geo = _check(x, kernel_size, stride, padding)
    grad_out = check_grad_out(grad_out, geo)
    winner = _winners(x, geo)
    return _add_back(geo, result_dtype(x), lambda k: np.where(winner == k, grad_out, 0))


def avg_pool2d_forward(
    x: np.ndarray,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
) -> np.ndarray:
    """2-D average pooling, vectorised: the sum of ``kh kw`` shifted slices over ``kh kw``.

    Computes exactly :func:`convcourse.pooling.avg_pool2d_forward` (padded zeros
    counted); same arguments, shapes, dtype and errors.

    Examples
    --------
    >>> avg_pool2d_forward(np.arange(16.0).reshape(1, 1, 4, 4), 2)
    array([[[[ 2.5,  4.5],
             [10.5, 12.5]]]])
    """
    geo = _check(x, kernel_size, stride, padding)
    dtype = result_dtype(x)
    x_pad = _padded(x.astype(dtype, copy=False), geo)
    total = np.zeros(geo.output_shape, dtype=dtype)
    for _, rows, cols in _taps(geo):
        total += x_pad[:, :, rows, cols]
    return total / (geo.kernel_h * geo.kernel_w)


def avg_pool2d_backward(
    grad_out: np.ndarray,
    x: np.ndarray,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
) -> np.ndarray:
    """Gradient through :func:`avg_pool2d_forward`, vectorised.

    Every tap's slice gets ``grad_out / (kh kw)`` added; the padding's share is cut
    off at the end.

    Examples
    --------
    >>> avg_pool2d_backward(np.array([[[[4.0, 8.0]]]]), np.zeros((1, 1, 2, 4)), 2)
    array([[[[1., 1., 2., 2.],
             [1., 1., 2., 2.]]]])
    """
    geo = _check(x, kernel_size, stride, padding)
    grad_out = check_grad_out(grad_out, geo)
    share = grad_out / (geo.kernel_h * geo.kernel_w)
    return _add_back(geo, result_dtype(x), lambda k: share)
