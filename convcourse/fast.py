"""The 2-D convolution without Python loops over data: im2col and matrix products.

Same arguments, same validation and same results as :mod:`convcourse.naive`, but the
arithmetic is done by a few large matrix products, which numpy hands to its BLAS
library (optimised, vectorised and multi-threaded machine code).

The idea (chapter 5)
--------------------
Copy every window that the kernel visits into one column of a matrix ``cols``
(*im2col*, :func:`im2col`). With ``T = (C // g) kh kw`` numbers per window (taps) and
``M`` windows, the forward pass of group ``g`` is one product::

    out_g (O // g, M) = weight_g (O // g, T) @ cols_g (T, M)

and the backward pass is two more, plus the adjoint of im2col, which adds each column
back where it came from (*col2im*, :func:`col2im`)::

    grad_weight_g (O // g, T) = grad_out_g (O // g, M) @ cols_g.T (M, T)
    grad_cols_g   (T, M)      = weight_g.T (T, O // g) @ grad_out_g (O // g, M)
    grad_x        = col2im(grad_cols)

:func:`im2col` and :func:`col2im` are the readable versions, for a whole batch at
once (in :mod:`convcourse.columns`, re-exported here); the two passes below use tuned,
chunked versions of the same two steps (``_im2col_chunk`` and ``_col2im_chunk``),
described next.

Layout
------
``cols`` has shape ``(C, kh, kw, nb, gh, gw)``: channel-major, so that for group
``g`` the rows ``(C // g) kh kw`` are contiguous and the windows of all ``nb``
images of a chunk form one long row. Viewed as ``(groups, T, nb gh gw)`` it feeds
one ``numpy.matmul`` per chunk (a stack of ``groups`` products). It is filled with
``kh kw`` *shifted copies*: for kernel tap ``(u, v)``, row block ``cols[:, u, v]``
is the padded input shifted by ``(u d_h, v d_w)``. The input is transposed once to
``(C, N, H_pad, W_pad)`` so that each shifted copy is a plain slice.

With stride 1 the window grid ``(gh, gw)`` is the whole padded grid
``(H_pad, W_pad)`` rather than ``(H_out, W_out)``: each shifted copy is then one
*contiguous* slice of the flattened input (a fast ``memcpy``), at the price of
computing ``H_pad W_pad - H_out W_out`` windows that straddle an image's edge and
are thrown away (their ``grad_out`` is set to zero in the backward pass). This is
used only when the waste is small (at most ``_MAX_GRID_WASTE``, 30 % extra work).

Memory
------
``cols`` needs ``C kh kw gh gw`` numbers per image. The batch is processed in
chunks of ``nb`` images (:func:`chunk_size`) so that ``cols`` stays within
``memory_budget`` bytes (default :data:`MEMORY_BUDGET`, 64 MiB), and by default
within the smaller, faster :data:`CHUNK_TARGET` (4 MiB); a chunk is never smaller
than one image, so a single image whose columns exceed the budget still gets a
one-image buffer. With ``|a|`` the bytes of array ``a``, ``x_pad`` the padded input
(held once, channels first), ``B = max(one image's columns, min(memory_budget,
CHUNK_TARGET))`` and a chunk's output or upstream gradient laid out on the window
grid, a call holds at its peak about:

* forward: ``B + |x_pad| + |out chunk| + |out|``;
* backward: ``B + 2 |x_pad| + |grad_out chunk| + |grad_x| + 2 |weight|``
  (``x_pad`` and its gradient; ``grad_cols`` reuses the ``cols`` buffer; the
  weight gradient and one product's result).

``tests/test_fast.py`` measures the peak with :mod:`tracemalloc` and checks it
against these two formulas.

The scratch arrays (``cols``, the padded copies and the chunk of output or
``grad_out``) are kept after a call and reused by the next one, one set per thread,
each only if it is at most ``MEMORY_BUDGET`` bytes (:func:`_scratch`): so between calls
the module holds on to at most a few such arrays.

Dtype: float32 in, float32 arithmetic and out (numpy's float32 BLAS is about twice as
fast as float64); integers are computed in float64, like the naive version.

How this design was reached, step by step and measured, is recorded in the course's
source repository, in ``benchmarks/README.md``; ``make bench`` there compares it with
the loops and with PyTorch.
"""

from __future__ import annotations

import threading

import numpy as np

from .columns import col2im, im2col
from .geometry import ConvGeometry, check_conv2d, check_grad_out
from .remembered import remembered_check
from .validation import check_bool, check_int, result_dtype

__all__ = [  # im2col and col2im come from convcourse.columns
    "CHUNK_TARGET",
    "MEMORY_BUDGET",
    "chunk_size",
    "col2im",
    "conv2d_backward",
    "conv2d_forward",
    "im2col",
]

#: Default bytes allowed for the im2col buffer ``cols`` (64 MiB).
MEMORY_BUDGET = 64 * 2**20

#: Preferred bytes of ``cols`` per chunk, below the budget: a chunk of this size
#: stays in the processor's caches between im2col and the matrix products.
CHUNK_TARGET = 4 * 2**20

#: The whole padded grid is used (stride 1) only if it adds at most this much work.
_MAX_GRID_WASTE = 1.3

_workspace = threading.local()  # reusable scratch arrays, one set per thread


def _scratch(slot: str, size: int, dtype: np.dtype) -> np.ndarray:
    """A 1-D scratch array of ``size`` numbers, reused from call to call.

    Fresh memory costs a page fault per 4 KiB the first time it is touched, and
    numpy's allocator hands large arrays back to the operating system when they
    are freed, so a new 4 MiB buffer per call can cost as much as the copies into
    it. Buffers up to :data:`MEMORY_BUDGET` bytes are therefore kept (per thread
    and per ``slot``) and reused; larger ones are allocated afresh. The contents
    are whatever the last call left there.
    """
    dtype = np.dtype(dtype)
    if size * dtype.itemsize > MEMORY_BUDGET:
        return np.empty(size, dtype)
    buffers = _workspace.__dict__
    key = (slot, dtype.str)
    buffer = buffers.get(key)
    if buffer is None or buffer.size < size:
        buffer = buffers[key] = np.empty(size, dtype)
    return buffer[:size]


def _grid_shape(geo: ConvGeometry, full: bool) -> tuple[int, int]:
    """``(gh, gw)``: the padded input's size if ``full``, else the output's."""
    return geo.padded_size if full else (geo.out_height, geo.out_width)


def _grid(geo: ConvGeometry) -> tuple[int, int, bool]:
    """The window grid ``(gh, gw)`` and whether it is the whole padded grid."""
    h_pad, w_pad = geo.padded_size
    full = (
        geo.stride == (1, 1)
        and h_pad * w_pad <= _MAX_GRID_WASTE * geo.out_height * geo.out_width
    )
    return (*_grid_shape(geo, full), full)


def chunk_size(geo: ConvGeometry, itemsize: int, memory_budget: int = MEMORY_BUDGET) -> int:
    """How many images go through im2col together so ``cols`` fits the budget.

    Parameters
    ----------
    geo : ConvGeometry
        From :func:`convcourse.geometry.check_conv2d` or
        :meth:`ConvGeometry.from_shapes <convcourse.geometry.ConvGeometry.from_shapes>`.
    itemsize : int
        Bytes per number (4 for float32, 8 for float64).
    memory_budget : int, default MEMORY_BUDGET
        Bytes allowed for ``cols``, an int of at least 1.

    Returns
    -------
    int
        ``nb = clip(min(memory_budget, CHUNK_TARGET) // (C kh kw gh gw itemsize), 1, N)``:
        as many images as fit in the budget, but no more than fit in
        :data:`CHUNK_TARGET` (smaller chunks stay in cache and run faster).
    """
    memory_budget = check_int(memory_budget, "memory_budget")
    gh, gw, _ = _grid(geo)
    per_image = geo.in_channels * geo.kernel_h * geo.kernel_w * gh * gw * itemsize
    return int(min(geo.batch, max(1, min(memory_budget, CHUNK_TARGET) // per_image)))


def _as_grid(flat: np.ndarray, geo: ConvGeometry) -> np.ndarray:
    """The ``(C, N, H_pad, W_pad)`` view of a flat ``(C, N H_pad W_pad + tail)`` array."""
    h_pad, w_pad = geo.padded_size
    return flat[:, : geo.batch * h_pad * w_pad].reshape(
        geo.in_channels, geo.batch, h_pad, w_pad
    )


def _padded_channels_first(
    x: np.ndarray, geo: ConvGeometry, dtype: np.dtype, tail: int, slot: str = "x_pad"
) -> np.ndarray:
    """``x`` padded and transposed to ``(C, N, H_pad, W_pad)``, flattened per channel.

    Returns a ``(C, N H_pad W_pad + tail)`` array (a scratch buffer, see
    :func:`_scratch`); the ``tail`` extra zeros let the last shifted copy of the
    whole-grid layout read past the last image.
    """
    h_pad, w_pad = geo.padded_size
    length = geo.batch * h_pad * w_pad + tail
    flat = _scratch(slot, geo.in_channels * length, dtype).reshape(geo.in_channels, length)
    flat.fill(0)
    geo.unpad(_as_grid(flat, geo))[...] = x.transpose(1, 0, 2, 3)  # the real input inside the zeros
    return flat


def _shifted(
    flat: np.ndarray, geo: ConvGeometry, n0: int, n1: int, u: int, v: int, full: bool
) -> np.ndarray:
    """The view of ``flat`` that kernel tap ``(u, v)`` sees for images ``n0:n1``.

    Shape ``(C, n1 - n0, gh, gw)``: entry ``[c, n, i, j]`` is
    ``x_pad[n0 + n, c, i s_h + u d_h, j s_w + v d_w]``.
    """
    h_pad, w_pad = geo.padded_size
    d_h, d_w = geo.dilation
    if full:  # one contiguous run per channel: the windows of the whole padded grid
        start = n0 * h_pad * w_pad + u * d_h * w_pad + v * d_w
        stop = start + (n1 - n0) * h_pad * w_pad
        return flat[:, start:stop].reshape(geo.in_channels, n1 - n0, h_pad, w_pad)
    rows, cols = geo.tap_slices(u, v)
    return _as_grid(flat, geo)[:, n0:n1, rows, cols]


def _tail(geo: ConvGeometry, full: bool) -> int:
    """Zeros after the last image so the whole-grid shifted copies stay in bounds."""
    if not full:
        return 0
    reach_h, reach_w = geo.reach
    return (reach_h - 1) * geo.padded_size[1] + (reach_w - 1)


def _im2col_chunk(
    flat: np.ndarray, geo: ConvGeometry, n0: int, n1: int, full: bool, out: np.ndarray
) -> np.ndarray:
    """Fill ``out`` with the windows of images ``n0:n1``: ``kh kw`` shifted copies.

    The tuned counterpart of :func:`im2col`, for one chunk of images, into a reused
    buffer, from the channels-first padded input.

    Parameters
    ----------
    flat : numpy.ndarray, shape (C, N H_pad W_pad + tail)
        From :func:`_padded_channels_first`.
    geo : ConvGeometry
    n0, n1 : int
        The chunk of images.
    full : bool
        Whether the window grid is the whole padded grid (see the module docstring).
    out : numpy.ndarray
        A buffer of at least ``C kh kw (n1 - n0) gh gw`` numbers.

    Returns
    -------
    numpy.ndarray, shape (C, kh, kw, n1 - n0, gh, gw)
        ``cols[c, u, v, n, i, j] = x_pad[n0 + n, c, i s_h + u d_h, j s_w + v d_w]``,
        a view of ``out``.
    """
    gh, gw = _grid_shape(geo, full)
    shape = (geo.in_channels, geo.kernel_h, geo.kernel_w, n1 - n0, gh, gw)
    cols = out.reshape(-1)[: int(np.prod(shape))].reshape(shape)
    for u in range(geo.kernel_h):
        for v in range(geo.kernel_w):
            cols[:, u, v] = _shifted(flat, geo, n0, n1, u, v, full)
    return cols


def _col2im_chunk(
    cols: np.ndarray, geo: ConvGeometry, n0: int, n1: int, full: bool, flat: np.ndarray
) -> None:
    """Add every column of ``cols`` back to where :func:`_im2col_chunk` copied it from.

    The tuned counterpart of :func:`col2im`: ``flat`` (shape ``(C, N H_pad W_pad +
    tail)``) is updated in place, ``kh kw`` strided additions.
    """
    for u in range(geo.kernel_h):
        for v in range(geo.kernel_w):
            target = _shifted(flat, geo, n0, n1, u, v, full)
            np.add(target, cols[:, u, v], out=target)  # in place, no copy back


def _plan(
    geo: ConvGeometry, x: np.ndarray, weight: np.ndarray, memory_budget: int
) -> tuple[np.dtype, tuple[int, int, bool], int, np.ndarray]:
    """What a forward or backward call decides before it starts.

    Returns the dtype of the arithmetic, the window grid ``(gh, gw, full)``
    (:func:`_grid`), the images per chunk (:func:`chunk_size`) and the weights as one
    ``(T,)``-long row per kernel and group: shape ``(groups, O // groups, T)``.
    """
    dtype = result_dtype(x)
    grid = _grid(geo)
    images_per_chunk = chunk_size(geo, dtype.itemsize, memory_budget)
    rows = weight.astype(dtype, copy=False).reshape(geo.groups, geo.out_per_group, geo.taps)
    return dtype, grid, images_per_chunk, rows


def conv2d_forward(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | str = 0,
    dilation: int | tuple[int, int] = 1,
    groups: int = 1,
    *,
    memory_budget: int = MEMORY_BUDGET,
) -> np.ndarray:
    """2-D cross-correlation, vectorised: im2col and one matrix product per chunk.

    Computes exactly what :func:`convcourse.naive.conv2d_forward` computes,

    .. math::

        \\text{out}[n, o, i, j] = b[o] + \\sum_{c, u, v}
        w[o, c, u, v]\\; x_{\\text{pad}}[n,\\; g_o C_g + c,\\;
        i s_h + u d_h,\\; j s_w + v d_w],

    as ``out_g = weight_g (O/g, T) @ cols_g (T, M)`` for each group, with
    ``T = (C/g) kh kw`` and ``M`` the windows of one chunk of images.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, C, H, W)
    weight : numpy.ndarray, shape (O, C // groups, kh, kw)
    bias : numpy.ndarray, shape (O,), optional
    stride, padding, dilation, groups
        As in :func:`convcourse.naive.conv2d_forward` (and ``torch``).
    memory_budget : int, keyword-only, default MEMORY_BUDGET (64 MiB)
        Bytes allowed for the im2col buffer; the batch is split into chunks of
        :func:`chunk_size` images to respect it. The call needs about
        ``B + |x_pad| + |out chunk| + |out|`` bytes in all, with ``B`` at most
        ``memory_budget`` (see "Memory" in the module docstring).

    Returns
    -------
    numpy.ndarray, shape (N, O, H_out, W_out)
        Dtype: the input's if floating point (float32 is computed in float32),
        else float64.

    Raises
    ------
    TypeError, ValueError
        For bad arguments, with the same messages as the naive version
        (:func:`convcourse.geometry.check_conv2d`).
    """
    geo = remembered_check(check_conv2d, (x, weight, bias), (stride, padding, dilation, groups))
    dtype, (gh, gw, full), nb, w3 = _plan(geo, x, weight, memory_budget)
    g, per_out, taps = w3.shape  # groups, O // g, taps T

    flat = _padded_channels_first(x, geo, dtype, _tail(geo, full))
    buffer = _scratch("cols", geo.in_channels * geo.kernel_h * geo.kernel_w * nb * gh * gw, dtype)
    products = _scratch("product", geo.out_channels * nb * gh * gw, dtype)
    out = np.empty(geo.output_shape, dtype=dtype)
    bias_column = np.zeros(1, dtype) if bias is None else bias.astype(dtype)[:, None, None]
    for n0 in range(0, geo.batch, nb):
        n1 = min(n0 + nb, geo.batch)
        cols = _im2col_chunk(flat, geo, n0, n1, full, buffer)
        product = products[: geo.out_channels * (n1 - n0) * gh * gw].reshape(g, per_out, -1)
        np.matmul(w3, cols.reshape(g, taps, -1), out=product)  # (g, O/g, nb gh gw)
        product = product.reshape(geo.out_channels, n1 - n0, gh, gw)
        valid = product[:, :, : geo.out_height, : geo.out_width].transpose(1, 0, 2, 3)
        np.add(valid, bias_column, out=out[n0:n1])  # (nb, O, H_out, W_out), plus bias
    return out


def conv2d_backward(
    grad_out: np.ndarray,
    x: np.ndarray,
    weight: np.ndarray,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | str = 0,
    dilation: int | tuple[int, int] = 1,
    groups: int = 1,
    *,
    memory_budget: int = MEMORY_BUDGET,
    input_grad: bool = True,
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """Gradients through :func:`conv2d_forward`: two matrix products and col2im.

    For each chunk of images and each group::

        grad_weight_g += grad_out_g (O/g, M) @ cols_g.T (M, T)
        grad_cols_g    = weight_g.T (T, O/g) @ grad_out_g (O/g, M)
        grad_x        += col2im(grad_cols)

    and ``grad_bias = grad_out.sum(axis=(0, 2, 3))``.

    Parameters
    ----------
    grad_out : numpy.ndarray, shape (N, O, H_out, W_out)
        ``dL/d out``.
    x, weight, stride, padding, dilation, groups
        Exactly as passed to :func:`conv2d_forward`.
    memory_budget : int, keyword-only, default MEMORY_BUDGET (64 MiB)
        Bytes allowed for the im2col buffer (reused for ``grad_cols``). The call
        needs about ``B + 2 |x_pad| + |grad_out chunk| + |grad_x| + 2 |weight|``
        bytes in all, with ``B`` at most ``memory_budget`` (see "Memory" in the
        module docstring).
    input_grad : bool, keyword-only, default True
        Whether to compute ``grad_x``. ``False`` skips it, a matrix product and
        col2im, when nothing needs ``dL/dx`` (a network's first layer: its input is
        data, torch's ``requires_grad=False``); ``grad_x`` is then ``None``.

    Returns
    -------
    grad_x : numpy.ndarray, shape (N, C, H, W), or None
    grad_weight : numpy.ndarray, shape (O, C // groups, kh, kw)
    grad_bias : numpy.ndarray, shape (O,)
        Dtype as in :func:`conv2d_forward`.

    Raises
    ------
    TypeError, ValueError
        For bad arguments, including a ``grad_out`` whose shape is not the forward
        output's, with the same messages as the naive version.
    """
    geo = remembered_check(check_conv2d, (x, weight, None), (stride, padding, dilation, groups))
    grad_out = check_grad_out(grad_out, geo)
    input_grad = check_bool(input_grad, "input_grad")
    dtype, (gh, gw, full), nb, w3 = _plan(geo, x, weight, memory_budget)
    g, per_out, taps = w3.shape  # groups, O // g, taps T
    w3_t = w3.transpose(0, 2, 1)  # (g, T, O/g): BLAS reads it transposed, no copy

    tail = _tail(geo, full)
    flat = _padded_channels_first(x, geo, dtype, tail)
    if input_grad:
        grad_flat = _scratch("grad_x_pad", flat.size, dtype).reshape(flat.shape)
        grad_flat.fill(0)
    buffer = _scratch("cols", geo.in_channels * geo.kernel_h * geo.kernel_w * nb * gh * gw, dtype)
    # grad_out of one chunk on the window grid, channels first; windows that are
    # computed only for the whole-grid layout get a zero gradient.
    grad_grid = _scratch("grad_grid", geo.out_channels * nb * gh * gw, dtype)
    grad_grid = grad_grid.reshape(geo.out_channels, nb, gh, gw)
    grad_grid.fill(0)
    grad_weight_t = np.zeros((g, taps, per_out), dtype=dtype)  # transposed, see below
    for n0 in range(0, geo.batch, nb):
        n1 = min(n0 + nb, geo.batch)
        cols = _im2col_chunk(flat, geo, n0, n1, full, buffer)
        cols3 = cols.reshape(g, taps, -1)
        upstream = grad_grid[:, : n1 - n0]
        upstream[:, :, : geo.out_height, : geo.out_width] = grad_out[n0:n1].transpose(
            1, 0, 2, 3
        )
        upstream3 = upstream.reshape(g, per_out, -1)
        # grad_weight_g = grad_out_g @ cols_g.T, computed as its transpose
        # cols_g @ grad_out_g.T: the same numbers, but BLAS splits the larger
        # T x (O/g) result better between threads (about a third faster in float32).
        grad_weight_t += np.matmul(cols3, upstream3.transpose(0, 2, 1))
        if input_grad:
            np.matmul(w3_t, upstream3, out=cols3)  # grad_cols, in the cols buffer
            _col2im_chunk(cols, geo, n0, n1, full, grad_flat)

    grad_x = None
    if input_grad:
        grad_pad = _as_grid(grad_flat, geo).transpose(1, 0, 2, 3)  # (N, C, H_pad, W_pad)
        grad_x = geo.unpad(grad_pad).copy()  # out of the scratch buffer
    grad_bias = grad_out.sum(axis=(0, 2, 3), dtype=dtype)
    grad_weight = np.ascontiguousarray(grad_weight_t.transpose(0, 2, 1))
    return grad_x, grad_weight.reshape(weight.shape), grad_bias
