"""The 2-D transposed convolution written with loops, to be read.

A convolution gathers: each output number is a weighted sum over one window of the
input. A *transposed convolution* scatters: each input number adds a copy of the
kernel, scaled by itself, onto one window of the output. Chapter 2 met it already
as the input gradient of a convolution (:func:`convcourse.naive.conv2d_backward`
scatters ``grad_out[n, o, i, j] * w[o]`` onto window ``(i, j)``); here it is an
operator of its own, the upsampling layer of decoders and generators (sometimes
miscalled a "deconvolution": it does not undo a convolution, it runs one backwards).

Shapes (the same as ``torch.nn.functional.conv_transpose2d``)::

    x       (N, C_in, H, W)
    weight  (C_in, C_out // g, kh, kw)   note: input channels first, unlike conv2d
    bias    (C_out,)
    out     (N, C_out, H_out, W_out)

    H_out = (H - 1) s_h - 2 p_h + d_h (kh - 1) + op_h + 1
    W_out = (W - 1) s_w - 2 p_w + d_w (kw - 1) + op_w + 1

(:func:`convcourse.transposed_geometry.conv_transpose_output_size`). ``padding`` cuts ``p`` cells
off *each* side of the full scatter; ``output_padding`` (``op``, smaller than the
stride or the dilation) adds cells at the bottom and right. The index arithmetic is
the window's (:class:`convcourse.transposed_geometry.ConvTransposeGeometry`, a
:class:`convcourse.window.Window` laid over the output: input pixel ``(i, j)``
scatters onto its window ``(i, j)``).

With these sizes the transposed convolution is exactly the input gradient of the
convolution with the same ``weight``, ``stride``, ``padding``, ``dilation`` and
``groups`` that maps an ``(N, C_out, H_out, W_out)`` image to ``(N, C_in, H, W)``
(to ``e = op // s`` more rows or columns when ``output_padding`` reaches a whole
stride, which a dilation above the stride allows: their upstream gradient is zero);
and its own input gradient is that convolution.

:mod:`convcourse.fast_transposed` computes the same with matrix products.
"""

from __future__ import annotations

import numpy as np

from .transposed_geometry import check_conv_transpose2d, check_grad_out_transposed
from .validation import result_dtype

__all__ = ["conv_transpose2d_backward", "conv_transpose2d_forward"]


def conv_transpose2d_forward(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    output_padding: int | tuple[int, int] = 0,
    groups: int = 1,
    dilation: int | tuple[int, int] = 1,
) -> np.ndarray:
    """2-D transposed convolution: every input pixel scatters a scaled kernel (loops).

    .. math::

        \\text{out}_{\\text{pad}}[n,\\; g_c C_g' + o,\\; i s_h + u d_h,\\; j s_w + v d_w]
        \\mathrel{+}= x[n, c, i, j]\\; w[c, o, u, v]

    for every input pixel ``(n, c, i, j)`` and tap ``(u, v)``, where
    ``C_g' = C_out // groups`` and ``g_c = c // (C_in // groups)`` is the group of
    input channel ``c``. Then ``out`` is ``out_pad`` without its ``p_h`` first and
    last rows and ``p_w`` first and last columns, plus ``bias``.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, C_in, H, W)
        Input batch.
    weight : numpy.ndarray, shape (C_in, C_out // groups, kh, kw)
        One ``(C_out // groups, kh, kw)`` stamp per input channel; ``kh`` and ``kw``
        may differ.
    bias : numpy.ndarray, shape (C_out,), optional
        Added to every position of each output channel.
    stride : int or (int, int), default 1
        How far apart the stamps of neighbouring input pixels land, at least 1.
    padding : int or (int, int), default 0
        Cells cut off each side of the full scatter, at least 0.
    output_padding : int or (int, int), default 0
        Cells added at the bottom and right, at least 0 and smaller than the stride
        or the dilation on each axis.
    groups : int, default 1
        Split the channels into ``groups`` independent transposed convolutions; must
        divide ``C_in``.
    dilation : int or (int, int), default 1
        Spacing between kernel taps, at least 1.

    Returns
    -------
    numpy.ndarray, shape (N, C_out, H_out, W_out)
        ``H_out = (H - 1) s_h - 2 p_h + d_h (kh - 1) + op_h + 1``, and the same for
        ``W_out``. The dtype is the input's (float64 for integer input).

    Raises
    ------
    TypeError, ValueError
        For bad arguments; see :func:`convcourse.transposed_geometry.check_conv_transpose2d`.

    Examples
    --------
    One pixel stamps the kernel; two pixels a stride apart stamp it twice, and the
    stamps add where they overlap:

    >>> conv_transpose2d_forward(np.ones((1, 1, 1, 2)), np.ones((1, 1, 1, 3)), stride=2)
    array([[[[1., 1., 2., 1., 1.]]]])
    """
    geo = check_conv_transpose2d(x, weight, bias, stride, padding, output_padding, groups,
                                 dilation)
    out_pad = np.zeros((geo.batch, geo.out_channels, *geo.padded_size), dtype=result_dtype(x))
    for n in range(geo.batch):
        for c in range(geo.in_channels):
            targets = geo.target_channels(c)  # the C_out // groups channels of c's group
            for i, j in geo.positions():  # every input pixel, row by row
                rows, cols = geo.window(i, j)  # where its kh x kw stamp lands in out_pad
                out_pad[n, targets, rows, cols] += x[n, c, i, j] * weight[c]
    out = geo.unpad(out_pad)  # the padding cuts the edges of the scatter off
    if bias is not None:
        out = out + bias[:, None, None]
    return np.ascontiguousarray(out, dtype=result_dtype(x))


def conv_transpose2d_backward(
    grad_out: np.ndarray,
    x: np.ndarray,
    weight: np.ndarray,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    output_padding: int | tuple[int, int] = 0,
    groups: int = 1,
    dilation: int | tuple[int, int] = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of a loss ``L`` through :func:`conv_transpose2d_forward` (loops).

    Input pixel ``x[n, c, i, j]`` was multiplied by the stamp ``w[c]`` and added onto
    one window of the padded output, so, with ``G`` that window of the padded
    ``grad_out`` (zeros on the padding)::

        grad_x[n, c, i, j]  = sum(G * w[c])         (a convolution of grad_out)
        grad_weight[c]     += x[n, c, i, j] * G
        grad_bias[o]        = sum of grad_out[:, o]

    Parameters
    ----------
    grad_out : numpy.ndarray, shape (N, C_out, H_out, W_out)
        ``dL/d out``, the upstream gradient.
    x, weight, stride, padding, output_padding, groups, dilation
        Exactly as passed to :func:`conv_transpose2d_forward`.

    Returns
    -------
    grad_x : numpy.ndarray, shape (N, C_in, H, W)
        ``dL/dx``.
    grad_weight : numpy.ndarray, shape (C_in, C_out // groups, kh, kw)
        ``dL/dweight``.
    grad_bias : numpy.ndarray, shape (C_out,)
        ``dL/dbias``: ``grad_out`` summed over ``N``, ``H_out`` and ``W_out``.

    Raises
    ------
    TypeError, ValueError
        For bad arguments, including a ``grad_out`` whose shape is not the forward
        output's.

    Examples
    --------
    With a kernel of ones, the gradient of ``sum(out)`` with respect to each input
    pixel counts the taps of its stamp that land inside the output (the padding cuts
    the others off):

    >>> grad_x, grad_w, grad_b = conv_transpose2d_backward(
    ...     np.ones((1, 1, 3, 3)), np.ones((1, 1, 3, 3)), np.ones((1, 1, 3, 3)), padding=1)
    >>> grad_x[0, 0]
    array([[4., 6., 4.],
           [6., 9., 6.],
           [4., 6., 4.]])
    """
    geo = check_conv_transpose2d(x, weight, None, stride, padding, output_padding, groups,
                                 dilation)
    grad_out = check_grad_out_transposed(grad_out, geo)
    dtype = result_dtype(x)
    grad_out_pad = geo.pad(grad_out.astype(dtype, copy=False))  # zeros: cut-off cells
    grad_x = np.zeros(x.shape, dtype=dtype)
    grad_weight = np.zeros(weight.shape, dtype=dtype)
    for n in range(geo.batch):
        for c in range(geo.in_channels):
            targets = geo.target_channels(c)
            for i, j in geo.positions():
                rows, cols = geo.window(i, j)
                window = grad_out_pad[n, targets, rows, cols]  # where x[n, c, i, j] went
                grad_x[n, c, i, j] = np.sum(window * weight[c])
                grad_weight[c] += x[n, c, i, j] * window
    grad_bias = grad_out.sum(axis=(0, 2, 3), dtype=dtype)
    return grad_x, grad_weight, grad_bias
