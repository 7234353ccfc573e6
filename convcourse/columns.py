"""im2col and col2im: every window of the input as one column, and back (chapter 5).

:func:`im2col` copies every window that a ``kh x kw`` kernel visits into one column of
a matrix, one strided slice of the padded input per kernel tap; :func:`col2im`, its
adjoint, adds every column back onto the window it came from. These are the readable
versions, for a whole batch at once: :mod:`convcourse.fast` turns them into a
convolution with matrix products, and uses tuned, chunked versions of the same two
steps (``_im2col_chunk`` and ``_col2im_chunk``, in that module).
"""

from __future__ import annotations

import numpy as np

from .geometry import ConvGeometry
from .validation import check_array, check_pair, check_shape, result_dtype

__all__ = ["col2im", "im2col"]


def _window_geometry(
    input_shape: tuple[int, int, int, int],
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int],
    padding: int | tuple[int, int] | str,
    dilation: int | tuple[int, int],
) -> ConvGeometry:
    """The geometry of the windows of a ``kh x kw`` kernel on an ``(N, C, H, W)`` input.

    One output channel stands in for the kernels: the windows do not depend on them.
    """
    input_shape = check_shape(input_shape, "input_shape", "(N, C, H, W)")
    kh, kw = check_pair(kernel_size, "kernel_size", minimum=1)
    return ConvGeometry.from_shapes(input_shape, (1, input_shape[1], kh, kw), stride,
                                    padding, dilation)


def im2col(
    x: np.ndarray,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | str = 0,
    dilation: int | tuple[int, int] = 1,
) -> np.ndarray:
    """The im2col matrix of a batch: every window the kernel visits, as one column.

    The readable version, for the whole batch at once (the convolution itself uses a
    tuned, chunked version of the same copies). For each kernel tap ``(u, v)`` the
    numbers it multiplies, over all images and output positions, are one strided
    slice of the padded input, :meth:`ConvGeometry.tap_slices
    <convcourse.geometry.ConvGeometry.tap_slices>`: ``kh kw`` copies fill the matrix.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, C, H, W)
    kernel_size : int or (int, int)
        ``(kh, kw)``.
    stride, padding, dilation
        As in :func:`convcourse.fast.conv2d_forward`.

    Returns
    -------
    numpy.ndarray, shape (C kh kw, N H_out W_out)
        Row ``(c, u, v)`` (in that order, ``v`` fastest), column ``(n, i, j)``:
        ``x_pad[n, c, i s_h + u d_h, j s_w + v d_w]``. It holds ``kh kw`` numbers
        for every input number the windows read: mind the memory.
        ``weight.reshape(O, -1) @ im2col(x, (kh, kw))`` is the convolution, with
        the output laid out ``(O, N, H_out, W_out)``. Dtype: ``x``'s if floating
        point, else float64.

    Examples
    --------
    >>> im2col(np.arange(9.0).reshape(1, 1, 3, 3), 2)
    array([[0., 1., 3., 4.],
           [1., 2., 4., 5.],
           [3., 4., 6., 7.],
           [4., 5., 7., 8.]])
    """
    x = check_array(x, "x", 4, "(N, C, H, W)")
    geo = _window_geometry(x.shape, kernel_size, stride, padding, dilation)
    x_pad = geo.pad(x.astype(result_dtype(x), copy=False))  # (N, C, H_pad, W_pad)
    n, c, kh, kw = geo.batch, geo.in_channels, geo.kernel_h, geo.kernel_w
    cols = np.empty((c, kh, kw, n, geo.out_height, geo.out_width), x_pad.dtype)
    for u in range(kh):
        for v in range(kw):
            r, q = geo.tap_slices(u, v)  # the padded rows and columns tap (u, v) meets
            cols[:, u, v] = x_pad[:, :, r, q].transpose(1, 0, 2, 3)  # (C, N, H_out, W_out)
    return cols.reshape(c * kh * kw, n * geo.out_height * geo.out_width)


def col2im(
    cols: np.ndarray,
    input_shape: tuple[int, int, int, int],
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | str = 0,
    dilation: int | tuple[int, int] = 1,
) -> np.ndarray:
    """Add every column of an im2col matrix back onto the window it came from.

    The adjoint (transpose) of :func:`im2col`: for any ``x`` and ``cols`` of the
    right shapes, ``sum(im2col(x, ...) * cols) == sum(x * col2im(cols, x.shape, ...))``.
    In the backward pass it turns ``dL/dcols`` into ``dL/dx``. An input number that
    several windows read receives the sum of their columns' entries, hence ``+=``.
    The readable version, for the whole batch at once.

    Parameters
    ----------
    cols : numpy.ndarray, shape (C kh kw, N H_out W_out)
        Laid out as :func:`im2col` returns it.
    input_shape : (int, int, int, int)
        ``(N, C, H, W)``, the shape of the image the columns belong to.
    kernel_size, stride, padding, dilation
        As in :func:`im2col`.

    Returns
    -------
    numpy.ndarray, shape (N, C, H, W)
        Dtype: ``cols``'s if floating point, else float64. What lands on the padding
        is dropped.

    Raises
    ------
    TypeError, ValueError
        For bad arguments, or ``cols`` of the wrong shape for ``input_shape``.

    Examples
    --------
    Columns of ones count how many windows read each input number:

    >>> col2im(np.ones((4, 4)), (1, 1, 3, 3), 2)[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    cols = check_array(cols, "cols", 2, "(C kh kw, N H_out W_out)")
    geo = _window_geometry(input_shape, kernel_size, stride, padding, dilation)
    n, c, kh, kw = geo.batch, geo.in_channels, geo.kernel_h, geo.kernel_w
    expected = (c * kh * kw, n * geo.out_height * geo.out_width)
    if cols.shape != expected:
        raise ValueError(
            f"cols must have shape {expected} (C kh kw, N H_out W_out) for "
            f"input_shape={tuple(input_shape)} and a {kh}x{kw} kernel, got {cols.shape}"
        )
    per_tap = cols.reshape(c, kh, kw, n, geo.out_height, geo.out_width)
    x_pad = np.zeros((n, c, *geo.padded_size), dtype=result_dtype(cols))
    for u in range(kh):
        for v in range(kw):
            r, q = geo.tap_slices(u, v)
            x_pad[:, :, r, q] += per_tap[:, u, v].transpose(1, 0, 2, 3)  # += : windows overlap
    return geo.unpad(x_pad).copy()  # what fell on the padding goes nowhere
