"""A convolution is a linear map: its dense matrix, built one weight at a time.

For one image ``x`` of shape ``(C, H, W)`` a convolution without bias is linear in
``x``, so there is a matrix ``M`` with

.. math::

    \\operatorname{conv}(x).\\text{ravel}() = M \\, x.\\text{ravel}(),
    \\qquad M \\in \\mathbb{R}^{(O H_\\text{out} W_\\text{out}) \\times (C H W)}.

Row ``r`` of ``M`` belongs to output ``(o, i, j)`` and column ``q`` to input
``(c, h, w)``, both in C (row-major) order, the order of ``numpy.ravel``:

.. math::

    r = (o H_\\text{out} + i) W_\\text{out} + j, \\qquad q = (c H + h) W + w.

Output ``(o, i, j)`` multiplies input ``(c, h, w)`` by the weight ``w[o, c', u, v]``
when ``h = i s_h + u d_h - p_\\text{top}`` and ``w = j s_w + v d_w - p_\\text{left}``
(with ``c = g_o C_g + c'``, as in :func:`convcourse.naive.conv2d_forward`). Every other
entry of ``M`` is zero. A tap that lands on padding multiplies a zero that is not in
``x``, so it has no column and simply drops out.

Two facts about ``M`` are the whole story of parameter efficiency:

* **locality**: row ``r`` has at most ``(C/g) k_h k_w`` non-zeros, not ``C H W``;
* **weight sharing**: those non-zeros take only ``O (C/g) k_h k_w`` distinct values,
  the same kernel repeated in every row of an output channel, shifted along.
"""

from __future__ import annotations

import numpy as np

from .geometry import ConvGeometry
from .validation import check_array, result_dtype

__all__ = ["conv_as_matrix"]


def conv_as_matrix(
    weight: np.ndarray,
    input_shape: tuple[int, int, int],
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | str = 0,
    dilation: int | tuple[int, int] = 1,
    groups: int = 1,
) -> np.ndarray:
    """The dense matrix ``M`` of a convolution (without bias) on one image.

    ``M @ x.ravel()`` equals ``conv2d_forward(x[None], weight, ...).ravel()`` for every
    ``x`` of shape ``input_shape``. ``M`` is built by placing each weight where the
    formula in the module docstring says it goes, with loops written to be read.

    Parameters
    ----------
    weight : numpy.ndarray, shape (O, C // groups, kh, kw)
        The kernels.
    input_shape : (int, int, int)
        ``(C, H, W)`` of one image (no batch axis).
    stride, padding, dilation, groups
        As in :func:`convcourse.naive.conv2d_forward`.

    Returns
    -------
    numpy.ndarray, shape (O * H_out * W_out, C * H * W)
        Dense, with ``weight``'s dtype (float64 for integer weights). A convolution
        with bias ``b`` is ``M @ x.ravel() + np.repeat(b, H_out * W_out)``.

    Raises
    ------
    TypeError, ValueError
        For a malformed ``input_shape``, a weight whose shape does not fit it, or
        any argument :class:`convcourse.geometry.ConvGeometry` rejects.

    Examples
    --------
    >>> M = conv_as_matrix(np.ones((1, 1, 2, 2)), (1, 3, 3))
    >>> M.shape
    (4, 9)
    >>> M[0]  # output (0, 0, 0) sums inputs (0, 0), (0, 1), (1, 0), (1, 1)
    array([1., 1., 0., 1., 1., 0., 0., 0., 0.])
    """
    weight = check_array(weight, "weight", 4, "(out_channels, in_channels // groups, kh, kw)")
    geo = ConvGeometry.for_image(
        input_shape, weight.shape[0], weight.shape[2:], stride, padding, dilation, groups
    )
    if weight.shape != geo.weight_shape:
        raise ValueError(
            f"weight must have shape {geo.weight_shape} for input_shape={input_shape!r} "
            f"with groups={geo.groups}, got {weight.shape}"
        )
    channels, height, width = geo.in_channels, geo.height, geo.width
    (s_h, s_w), (d_h, d_w) = geo.stride, geo.dilation
    top, left = geo.padding[0], geo.padding[2]
    out_h, out_w = geo.out_height, geo.out_width
    matrix = np.zeros(
        (geo.out_channels * out_h * out_w, channels * height * width),
        dtype=result_dtype(weight),
    )
    for o in range(geo.out_channels):
        first = geo.group_channels(o).start  # first input channel of o's group
        for i in range(out_h):
            for j in range(out_w):
                row = (o * out_h + i) * out_w + j
                for c in range(geo.in_per_group):
                    for u in range(geo.kernel_h):
                        h_in = i * s_h + u * d_h - top  # input row under tap row u
                        if not 0 <= h_in < height:
                            continue  # the tap sits on padding: no column
                        for v in range(geo.kernel_w):
                            w_in = j * s_w + v * d_w - left
                            if not 0 <= w_in < width:
                                continue
                            column = ((first + c) * height + h_in) * width + w_in
                            matrix[row, column] = weight[o, c, u, v]
    return matrix
