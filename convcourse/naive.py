"""The 2-D convolution written with loops, to be read.

These functions are the course's reference implementation: one output number at a
time, exactly as the formula says. They are slow (see chapter 5 for fast ones) and
correct: the tests compare them with PyTorch in float64 to a relative error below
1e-10.

Shapes (the same as ``torch.nn.functional.conv2d``)::

    x       (N, C, H, W)            a batch of N images with C channels
    weight  (O, C // g, kh, kw)     O kernels, each seeing C // g channels
    bias    (O,)                    one number per output channel
    out     (N, O, H_out, W_out)

    H_out = floor((H + p_top + p_bottom - d_h (kh - 1) - 1) / s_h) + 1
    W_out = floor((W + p_left + p_right - d_w (kw - 1) - 1) / s_w) + 1

With ``padding=p`` (an int) the formula reads ``floor((H + 2p - d(k - 1) - 1) / s) + 1``.
"""

from __future__ import annotations

import numpy as np

from .geometry import check_conv2d, check_grad_out
from .validation import result_dtype

__all__ = ["conv2d_forward", "conv2d_backward"]


def conv2d_forward(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | str = 0,
    dilation: int | tuple[int, int] = 1,
    groups: int = 1,
) -> np.ndarray:
    """2-D cross-correlation of a batch of images with a bank of kernels (loops).

    .. math::

        \\text{out}[n, o, i, j] = b[o] + \\sum_{c, u, v}
        w[o, c, u, v]\\; x_{\\text{pad}}[n,\\; g_o C_g + c,\\;
        i s_h + u d_h,\\; j s_w + v d_w]

    where ``C_g = C // groups`` and ``g_o = o // (O // groups)`` is the group of
    output channel ``o``.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, C, H, W)
        Input batch.
    weight : numpy.ndarray, shape (O, C // groups, kh, kw)
        Kernels; ``kh`` and ``kw`` may differ.
    bias : numpy.ndarray, shape (O,), optional
        Added to every position of each output channel.
    stride : int or (int, int), default 1
        Step of the sliding window, at least 1.
    padding : int, (int, int), "valid" or "same", default 0
        Zeros added on each side of ``H`` and ``W``. ``"same"`` keeps the input's
        size (stride 1 only; an odd total puts the extra zero at the bottom/right).
    dilation : int or (int, int), default 1
        Spacing between kernel taps, at least 1.
    groups : int, default 1
        Split the channels into ``groups`` independent convolutions.

    Returns
    -------
    numpy.ndarray, shape (N, O, H_out, W_out)
        With ``H_out`` and ``W_out`` as in the module docstring. The dtype is the
        input's (float64 for integer input).

    Raises
    ------
    TypeError, ValueError
        For bad arguments; see :func:`convcourse.geometry.check_conv2d`.
    """
    geo = check_conv2d(x, weight, bias, stride, padding, dilation, groups)
    x_pad = geo.pad(x)
    out = np.zeros(geo.output_shape, dtype=result_dtype(x))
    for n in range(geo.batch):
        for o in range(geo.out_channels):
            channels = geo.group_channels(o)  # the C // groups channels kernel o sees
            for i in range(geo.out_height):
                for j in range(geo.out_width):
                    rows, cols = geo.window(i, j)  # its kh x kw taps in x_pad
                    total = np.sum(x_pad[n, channels, rows, cols] * weight[o])
                    if bias is not None:
                        total += bias[o]
                    out[n, o, i, j] = total
    return out


def conv2d_backward(
    grad_out: np.ndarray,
    x: np.ndarray,
    weight: np.ndarray,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | str = 0,
    dilation: int | tuple[int, int] = 1,
    groups: int = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of a loss ``L`` through :func:`conv2d_forward` (loops).

    Each output ``out[n, o, i, j]`` was made from one window of ``x_pad`` and kernel
    ``o``, so its upstream gradient ``grad_out[n, o, i, j]`` flows back to exactly
    those numbers:

    * every input in the window gets ``grad_out[n, o, i, j] * w[o]`` (into ``grad_x``),
    * kernel ``o`` gets ``grad_out[n, o, i, j] * window`` (into ``grad_weight``),
    * bias ``o`` gets ``grad_out[n, o, i, j]`` (into ``grad_bias``).

    Parameters
    ----------
    grad_out : numpy.ndarray, shape (N, O, H_out, W_out)
        ``dL/d out``, the upstream gradient.
    x, weight, stride, padding, dilation, groups
        Exactly as passed to :func:`conv2d_forward`.

    Returns
    -------
    grad_x : numpy.ndarray, shape (N, C, H, W)
        ``dL/dx``.
    grad_weight : numpy.ndarray, shape (O, C // groups, kh, kw)
        ``dL/dweight``.
    grad_bias : numpy.ndarray, shape (O,)
        ``dL/dbias``: ``grad_out`` summed over ``N``, ``H_out`` and ``W_out``.

    Raises
    ------
    TypeError, ValueError
        For bad arguments, including a ``grad_out`` whose shape is not the forward
        output's.
    """
    geo = check_conv2d(x, weight, None, stride, padding, dilation, groups)
    grad_out = check_grad_out(grad_out, geo)
    dtype = result_dtype(x)
    x_pad = geo.pad(x)
    grad_x_pad = np.zeros(x_pad.shape, dtype=dtype)
    grad_weight = np.zeros(weight.shape, dtype=dtype)
    grad_bias = np.zeros(geo.out_channels, dtype=dtype)
    for n in range(geo.batch):
        for o in range(geo.out_channels):
            channels = geo.group_channels(o)
            for i in range(geo.out_height):
                for j in range(geo.out_width):
                    rows, cols = geo.window(i, j)
                    upstream = grad_out[n, o, i, j]
                    grad_x_pad[n, channels, rows, cols] += upstream * weight[o]
                    grad_weight[o] += upstream * x_pad[n, channels, rows, cols]
                    grad_bias[o] += upstream
    return geo.unpad(grad_x_pad), grad_weight, grad_bias
