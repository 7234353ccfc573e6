"""The 2-D transposed convolution without Python loops over data: matrix products,
col2im and im2col.

Same arguments, validation and results as :mod:`convcourse.transposed`, computed
the way chapter 5 computes a convolution's backward pass. The transposed
convolution of ``x`` is the input gradient of the convolution that maps its output
back to ``x``'s size with the same window
(:class:`convcourse.transposed_geometry.ConvTransposeGeometry`), with ``x`` in the role of that
convolution's upstream gradient. So for each group ``g``, with
``T = (C_out // g) kh kw`` taps per stamp and ``M = N H W`` input pixels::

    cols_g (T, M) = weight_g.T (T, C_in // g) @ x_g (C_in // g, M)    every stamp, scaled
    out           = col2im(cols) + bias                                added onto the output

and the backward pass takes the adjoint of each step::

    G             = im2col(grad_out)       (C_out kh kw, M): the window each pixel hit
    grad_x_g      = weight_g (C_in // g, T) @ G_g (T, M)                a convolution
    grad_weight_g = x_g (C_in // g, M) @ G_g.T (M, T)
    grad_bias     = grad_out summed over N, H_out, W_out

:func:`convcourse.fast.im2col` and :func:`convcourse.fast.col2im` do the copying.
They hold the whole batch's columns at once (``C_out kh kw`` numbers per input pixel),
unlike the chunked convolution of :mod:`convcourse.fast`: mind the memory on large
batches.

When ``output_padding`` reaches a whole stride (allowed when the dilation is larger),
that convolution has ``e = output_padding // stride`` more rows (or columns) of
windows than ``x`` has pixels (:attr:`ConvTransposeGeometry.extra
<convcourse.transposed_geometry.ConvTransposeGeometry.extra>`), and im2col and col2im work on
all of them: ``x`` is extended with zeros there (``M = N (H + e_h) (W + e_w)``), and
the matching rows and columns of ``grad_x`` are dropped.
"""

from __future__ import annotations

import numpy as np

from .fast import col2im, im2col
from .transposed_geometry import (
    ConvTransposeGeometry,
    check_conv_transpose2d,
    check_grad_out_transposed,
)
from .validation import result_dtype

__all__ = ["conv_transpose2d_backward", "conv_transpose2d_forward"]


def _pixels(x: np.ndarray, geo: ConvTransposeGeometry, dtype: np.dtype) -> np.ndarray:
    """``x`` as ``(groups, C_in // g, M)``: one column per window of the convolution
    over the output, ``(N, H + e_h, W + e_w)``, zeros on the ``e`` extra rows and
    columns (:attr:`ConvTransposeGeometry.extra
    <convcourse.transposed_geometry.ConvTransposeGeometry.extra>`)."""
    (e_h, e_w), (height, width) = geo.extra, (geo.out_height, geo.out_width)
    grid = np.zeros((geo.in_channels, geo.batch, height + e_h, width + e_w), dtype)
    grid[:, :, :height, :width] = x.transpose(1, 0, 2, 3)
    return grid.reshape(geo.groups, geo.in_per_group, -1)


def _stamps(weight: np.ndarray, geo: ConvTransposeGeometry, dtype: np.dtype) -> np.ndarray:
    """The weight as ``(groups, C_in // g, T)``: one row of ``T`` taps per input channel."""
    return weight.astype(dtype, copy=False).reshape(geo.groups, geo.in_per_group, geo.taps)


def _window(geo: ConvTransposeGeometry) -> dict:
    """The window arguments of :func:`convcourse.fast.im2col` and ``col2im``."""
    top, _, left, _ = geo.padding
    return {
        "kernel_size": (geo.kernel_h, geo.kernel_w),
        "stride": geo.stride,
        "padding": (top, left),
        "dilation": geo.dilation,
    }


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
    """2-D transposed convolution, vectorised: one matrix product per group and col2im.

    Computes exactly what :func:`convcourse.transposed.conv_transpose2d_forward`
    computes, as ``col2im(weight_g.T @ x_g)`` (see the module docstring).

    Parameters
    ----------
    x : numpy.ndarray, shape (N, C_in, H, W)
    weight : numpy.ndarray, shape (C_in, C_out // groups, kh, kw)
    bias : numpy.ndarray, shape (C_out,), optional
    stride, padding, output_padding, groups, dilation
        As in :func:`convcourse.transposed.conv_transpose2d_forward` (and ``torch``).

    Returns
    -------
    numpy.ndarray, shape (N, C_out, H_out, W_out)
        ``H_out = (H - 1) s_h - 2 p_h + d_h (kh - 1) + op_h + 1``, and the same for
        ``W_out``. Dtype: the input's if floating point, else float64.

    Raises
    ------
    TypeError, ValueError
        For bad arguments, with the same messages as the loops
        (:func:`convcourse.geometry.check_conv_transpose2d`).

    Examples
    --------
    The usual 2x upsampling: kernel 4, stride 2, padding 1.

    >>> conv_transpose2d_forward(np.ones((1, 1, 3, 3)), np.ones((1, 1, 4, 4)),
    ...                          stride=2, padding=1).shape
    (1, 1, 6, 6)
    """
    geo = check_conv_transpose2d(x, weight, bias, stride, padding, output_padding, groups,
                                 dilation)
    dtype = result_dtype(x)
    cols = np.matmul(_stamps(weight, geo, dtype).transpose(0, 2, 1), _pixels(x, geo, dtype))
    out = col2im(cols.reshape(geo.groups * geo.taps, -1), geo.output_shape,
                 **_window(geo))  # (g, T, M) -> (C_out kh kw, M)
    if bias is not None:
        out += bias.astype(dtype)[:, None, None]
    return out


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
    """Gradients through :func:`conv_transpose2d_forward`: im2col and two products.

    Parameters
    ----------
    grad_out : numpy.ndarray, shape (N, C_out, H_out, W_out)
        ``dL/d out``.
    x, weight, stride, padding, output_padding, groups, dilation
        Exactly as passed to :func:`conv_transpose2d_forward`.

    Returns
    -------
    grad_x : numpy.ndarray, shape (N, C_in, H, W)
    grad_weight : numpy.ndarray, shape (C_in, C_out // groups, kh, kw)
    grad_bias : numpy.ndarray, shape (C_out,)
        Dtype as in :func:`conv_transpose2d_forward`.

    Raises
    ------
    TypeError, ValueError
        For bad arguments, including a ``grad_out`` whose shape is not the forward
        output's, with the same messages as the loops.
    """
    geo = check_conv_transpose2d(x, weight, None, stride, padding, output_padding, groups,
                                 dilation)
    grad_out = check_grad_out_transposed(grad_out, geo)
    dtype = result_dtype(x)
    hit = im2col(grad_out.astype(dtype, copy=False), **_window(geo))  # (C_out kh kw, M)
    hit = hit.reshape(geo.groups, geo.taps, -1)  # (g, T, M)
    stamps = _stamps(weight, geo, dtype)  # (g, C_in // g, T)
    (e_h, e_w), (height, width) = geo.extra, (geo.out_height, geo.out_width)
    grad_grid = np.matmul(stamps, hit).reshape(geo.in_channels, geo.batch, height + e_h,
                                               width + e_w)
    grad_x = np.ascontiguousarray(grad_grid[:, :, :height, :width].transpose(1, 0, 2, 3))
    grad_weight = np.matmul(_pixels(x, geo, dtype), hit.transpose(0, 2, 1))  # (g, C_in/g, T)
    grad_bias = grad_out.sum(axis=(0, 2, 3), dtype=dtype)
    return grad_x, grad_weight.reshape(weight.shape), grad_bias
