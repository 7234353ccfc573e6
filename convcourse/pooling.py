"""2-D max and average pooling written with loops, to be read.

Pooling slides a ``kh x kw`` window over each channel of each image, like a
convolution, but instead of a weighted sum it keeps the window's largest number
(*max pooling*) or its mean (*average pooling*). It has no parameters; it shrinks
the feature maps and makes them less sensitive to small shifts.

The arguments mirror ``torch.nn.functional.max_pool2d`` and ``avg_pool2d``:

* ``stride`` defaults to ``kernel_size`` (windows side by side);
* ``padding`` (at most ``kernel_size // 2``) surrounds the input with ``-inf`` for
  max pooling, so that padding never wins, and with zeros for average pooling,
  whose divisor is always the whole window ``kh kw`` (torch's default
  ``count_include_pad=True``).

Shapes::

    x       (N, C, H, W)
    out     (N, C, H_out, W_out)

    H_out = floor((H + 2 p_h - kh) / s_h) + 1
    W_out = floor((W + 2 p_w - kw) / s_w) + 1

the convolution's formula with no dilation (the geometry is
:class:`convcourse.geometry.PoolGeometry`).

Backward: an output of max pooling came from one input, the window's maximum, so its
gradient goes to that input alone; when several inputs tie for the maximum, the first
in row-major window order gets it, as in torch on the CPU. An output of average
pooling came from every number of its window with weight ``1 / (kh kw)``, so its
gradient is spread evenly over the window (the share of padded zeros is dropped).

:mod:`convcourse.fast_pooling` computes the same with numpy doing the loops.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from .geometry import PoolGeometry, check_grad_out, check_pool2d
from .validation import result_dtype

__all__ = [
    "avg_pool2d_backward",
    "avg_pool2d_forward",
    "max_pool2d_backward",
    "max_pool2d_forward",
]


def _windows(geo: PoolGeometry) -> Iterator[tuple[int, int, int, int, slice, slice]]:
    """Every window, one at a time: ``(n, c, i, j, rows, cols)`` for output
    ``[n, c, i, j]``, with ``x[n, c, rows, cols]`` the part of its window that lies on
    the input (:meth:`Window.input_window
    <convcourse.window.Window.input_window>`)."""
    for n in range(geo.batch):
        for c in range(geo.channels):
            for i in range(geo.out_height):
                for j in range(geo.out_width):
                    yield (n, c, i, j, *geo.input_window(i, j))


def max_pool2d_forward(
    x: np.ndarray,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
) -> np.ndarray:
    """2-D max pooling (loops).

    .. math::

        \\text{out}[n, c, i, j] = \\max_{u < k_h,\\, v < k_w}
        x_{\\text{pad}}[n, c,\\; i s_h + u,\\; j s_w + v]

    where the padding is ``-inf``. A ``-inf`` never beats a real number, so the
    maximum over the padded window is the maximum over the part of the window that
    lies on the real input, which is what the loop takes.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, C, H, W)
        Input batch.
    kernel_size : int or (int, int)
        ``(kh, kw)``, the window.
    stride : int, (int, int) or None, default None
        Step between windows; ``None`` means ``kernel_size``.
    padding : int or (int, int), default 0
        ``-inf`` added on each side, at most ``kernel_size // 2``.

    Returns
    -------
    numpy.ndarray, shape (N, C, H_out, W_out)
        With ``H_out``, ``W_out`` as in the module docstring; the input's dtype
        (float64 for integers).

    Raises
    ------
    TypeError, ValueError
        For bad arguments; see :func:`convcourse.geometry.check_pool2d`.

    Examples
    --------
    >>> x = np.array([[[[1.0, 2.0, 5.0, 0.0],
    ...                 [3.0, 4.0, 1.0, 1.0]]]])
    >>> max_pool2d_forward(x, 2)
    array([[[[4., 5.]]]])
    """
    geo = check_pool2d(x, kernel_size, stride, padding)
    out = np.empty(geo.output_shape, dtype=result_dtype(x))
    for n, c, i, j, rows, cols in _windows(geo):
        out[n, c, i, j] = x[n, c, rows, cols].max()  # the real part of the window
    return out


def max_pool2d_backward(
    grad_out: np.ndarray,
    x: np.ndarray,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
) -> np.ndarray:
    """Gradient of a loss through :func:`max_pool2d_forward` (loops).

    ``out[n, c, i, j]`` equals one input, the maximum of its window, and does not
    change when any other input of the window changes a little. So all of
    ``grad_out[n, c, i, j]`` goes to that one input, and none to the others. An
    input that is the maximum of several (overlapping) windows collects the
    gradient of each.

    When the maximum is tied, the first of the tied inputs in row-major window order
    gets the gradient (``np.argmax`` returns the first), as in torch on the CPU.
    Padding never gets any: only the real part of the window is searched, so a
    window whose real numbers are all ``-inf`` sends its gradient to the first.

    Parameters
    ----------
    grad_out : numpy.ndarray, shape (N, C, H_out, W_out)
        ``dL/d out``.
    x, kernel_size, stride, padding
        Exactly as passed to :func:`max_pool2d_forward`.

    Returns
    -------
    numpy.ndarray, shape (N, C, H, W)
        ``dL/dx``, in the input's dtype (float64 for integers).

    Examples
    --------
    >>> x = np.array([[[[1.0, 4.0, 5.0, 5.0],
    ...                 [3.0, 4.0, 1.0, 1.0]]]])
    >>> max_pool2d_backward(np.array([[[[10.0, 20.0]]]]), x, 2)  # ties: the first wins
    array([[[[ 0., 10., 20.,  0.],
             [ 0.,  0.,  0.,  0.]]]])
    """
    geo = check_pool2d(x, kernel_size, stride, padding)
    grad_out = check_grad_out(grad_out, geo)
    grad_x = np.zeros(x.shape, dtype=result_dtype(x))
    for n, c, i, j, rows, cols in _windows(geo):
        window = x[n, c, rows, cols]
        u, v = np.unravel_index(np.argmax(window), window.shape)  # the first maximum
        grad_x[n, c, rows.start + u, cols.start + v] += grad_out[n, c, i, j]
    return grad_x


def avg_pool2d_forward(
    x: np.ndarray,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
) -> np.ndarray:
    """2-D average pooling (loops), counting padded zeros like torch's default.

    .. math::

        \\text{out}[n, c, i, j] = \\frac{1}{k_h k_w} \\sum_{u < k_h,\\, v < k_w}
        x_{\\text{pad}}[n, c,\\; i s_h + u,\\; j s_w + v]

    where the padding is zeros: a window that overlaps the padding still divides by
    ``kh kw`` (``count_include_pad=True``), so it is pulled towards zero.

    Parameters
    ----------
    x, kernel_size, stride, padding
        As in :func:`max_pool2d_forward` (the padding is zeros here).

    Returns
    -------
    numpy.ndarray, shape (N, C, H_out, W_out)

    Examples
    --------
    >>> x = np.array([[[[1.0, 2.0, 5.0, 0.0],
    ...                 [3.0, 4.0, 1.0, 1.0]]]])
    >>> avg_pool2d_forward(x, 2)
    array([[[[2.5 , 1.75]]]])
    """
    geo = check_pool2d(x, kernel_size, stride, padding)
    area = geo.kernel_h * geo.kernel_w
    out = np.empty(geo.output_shape, dtype=result_dtype(x))
    for n, c, i, j, rows, cols in _windows(geo):
        out[n, c, i, j] = x[n, c, rows, cols].sum() / area  # padded zeros add nothing
    return out


def avg_pool2d_backward(
    grad_out: np.ndarray,
    x: np.ndarray,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
) -> np.ndarray:
    """Gradient of a loss through :func:`avg_pool2d_forward` (loops).

    ``out[n, c, i, j]`` is ``1 / (kh kw)`` times the sum of its window, so every
    input of the window gets ``grad_out[n, c, i, j] / (kh kw)``; the shares of
    padded zeros are dropped (padding is not an input). ``x`` is needed only for its
    shape and dtype: the gradient does not depend on the values.

    Parameters
    ----------
    grad_out : numpy.ndarray, shape (N, C, H_out, W_out)
        ``dL/d out``.
    x, kernel_size, stride, padding
        Exactly as passed to :func:`avg_pool2d_forward`.

    Returns
    -------
    numpy.ndarray, shape (N, C, H, W)
        ``dL/dx``.

    Examples
    --------
    >>> avg_pool2d_backward(np.array([[[[4.0, 8.0]]]]), np.zeros((1, 1, 2, 4)), 2)
    array([[[[1., 1., 2., 2.],
             [1., 1., 2., 2.]]]])
    """
    geo = check_pool2d(x, kernel_size, stride, padding)
    grad_out = check_grad_out(grad_out, geo)
    area = geo.kernel_h * geo.kernel_w
    grad_x = np.zeros(x.shape, dtype=result_dtype(x))
    for n, c, i, j, rows, cols in _windows(geo):
        grad_x[n, c, rows, cols] += grad_out[n, c, i, j] / area
    return grad_x
