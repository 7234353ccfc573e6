"""The sliding window that convolution, pooling and transposed convolution share.

A kernel of ``kh x kw`` taps, ``d`` cells apart (the dilation), steps ``s`` cells at a
time (the stride) over an input with ``p`` zeros around it (the padding). Everything a
convolution or a pooling needs to know about *where* it reads follows from these four
numbers and the input's size, and lives here, once:

==============================  ============================================
question                        answer
==============================  ============================================
are the hyper-parameters valid? :func:`check_window` (``padding`` may be
                                ``"valid"`` or ``"same"``: :func:`resolve_padding`)
how far does a dilated kernel   :func:`dilated_size`: ``d (k - 1) + 1``
reach?
how long is the output?         :func:`conv_output_size`
which cells does window         :meth:`Window.window` (padded input),
``(i, j)`` read?                :meth:`Window.input_window` (input only)
which cells does tap ``(u, v)`` :meth:`Window.tap_slices`
meet, over all windows?
==============================  ============================================

Build a :class:`Window` with :meth:`Window.build`; a convolution adds channels and
groups to it (:class:`convcourse.geometry.ConvGeometry`), a pooling adds channels
(:class:`convcourse.geometry.PoolGeometry`), and a transposed convolution lays the
same window over its output (:mod:`convcourse.transposed_geometry`).

The output length along one axis, with ``p`` zeros added on each side, is

.. math::

    \\text{out} = \\left\\lfloor \\frac{\\text{size} + 2p - d\\,(k - 1) - 1}{s}
    \\right\\rfloor + 1 .
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from .validation import check_int, check_pair

__all__ = [
    "Window",
    "check_axis",
    "check_window",
    "conv_output_size",
    "dilated_size",
    "resolve_padding",
]

Pair = tuple[int, int]


def dilated_size(kernel_size: int, dilation: int = 1) -> int:
    """How many input cells one dilated kernel spans along an axis: ``d (k - 1) + 1``.

    A kernel of ``k`` taps with ``d - 1`` skipped cells between neighbouring taps
    reaches from its first tap to its last over ``d (k - 1) + 1`` cells.

    >>> dilated_size(3), dilated_size(3, dilation=2)
    (3, 5)
    """
    kernel_size = check_int(kernel_size, "kernel_size")
    dilation = check_int(dilation, "dilation")
    return dilation * (kernel_size - 1) + 1


def check_axis(
    size: object, kernel_size: object, stride: object, padding: object, dilation: object
) -> tuple[int, int, int, int, int]:
    """Check a window's numbers along one axis: ``size``, ``kernel_size``, ``stride``
    and ``dilation`` ints of at least 1, ``padding`` an int of at least 0.

    Returns
    -------
    size, kernel_size, stride, padding, dilation : int

    Examples
    --------
    >>> check_axis(5, 3, 1, 0, 2)
    (5, 3, 1, 0, 2)
    >>> check_axis(5, 3, 1, -1, 2)
    Traceback (most recent call last):
        ...
    ValueError: padding must be at least 0, got -1
    """
    return (check_int(size, "size"), check_int(kernel_size, "kernel_size"),
            check_int(stride, "stride"), check_int(padding, "padding", minimum=0),
            check_int(dilation, "dilation"))


def _output_length(size: int, reach: int, stride: int, pad_total: int) -> int:
    """The formula itself, on numbers already checked, with ``pad_total`` zeros in all."""
    return (size + pad_total - reach) // stride + 1


def conv_output_size(
    size: int, kernel_size: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> int:
    """Length of a convolution's output along one spatial axis.

    .. math::

        \\text{out} = \\left\\lfloor \\frac{\\text{size} + 2p - d\\,(k - 1) - 1}{s}
        \\right\\rfloor + 1

    where ``p`` zeros are added on *each* side, ``d (k - 1) + 1`` is how far a dilated
    kernel reaches (:func:`dilated_size`), and ``s`` is the stride.

    Parameters
    ----------
    size : int
        Input length (``H`` or ``W``), at least 1.
    kernel_size : int
        Kernel length (``kh`` or ``kw``), at least 1.
    stride : int, default 1
        Step between neighbouring windows, at least 1.
    padding : int, default 0
        Zeros added on each side, at least 0.
    dilation : int, default 1
        Spacing between kernel taps, at least 1.

    Returns
    -------
    int
        The output length, at least 1.

    Raises
    ------
    TypeError
        If an argument is not an int.
    ValueError
        If an argument is out of range, or the dilated kernel does not fit in the
        padded input.

    Examples
    --------
    >>> conv_output_size(4, 2, stride=2)
    2
    >>> conv_output_size(28, 3, padding=1)
    28
    """
    size, kernel_size, stride, padding, dilation = check_axis(
        size, kernel_size, stride, padding, dilation
    )
    reach = dilated_size(kernel_size, dilation)
    if reach > size + 2 * padding:
        raise ValueError(
            f"the kernel (kernel_size={kernel_size}, dilation={dilation}, reach {reach}) "
            f"is larger than the padded input (size={size} + 2*padding={padding} "
            f"= {size + 2 * padding})"
        )
    return _output_length(size, reach, stride, 2 * padding)


def resolve_padding(
    padding: int | Pair | str,
    kernel_size: int | Pair,
    stride: int | Pair = 1,
    dilation: int | Pair = 1,
) -> tuple[int, int, int, int]:
    """Turn any accepted ``padding`` into explicit ``(top, bottom, left, right)`` zeros.

    ``"same"`` pads a total of ``d (k - 1)`` zeros along each axis so that the output
    has the input's size. When that total is odd, the extra zero goes at the bottom
    (or right), exactly as PyTorch does.

    Parameters
    ----------
    padding : int, pair of ints, ``"valid"`` or ``"same"``
        Zeros added on *each* side (an int or ``(p_h, p_w)``), or a mode string.
    kernel_size, stride, dilation : int or pair of ints
        As for the convolution.

    Returns
    -------
    tuple of int
        ``(top, bottom, left, right)``.

    Examples
    --------
    >>> resolve_padding(1, 3)
    (1, 1, 1, 1)
    >>> resolve_padding("same", (2, 3))  # odd total on the rows: one more at the bottom
    (0, 1, 1, 1)
    """
    kernel_hw = check_pair(kernel_size, "kernel_size", minimum=1)
    stride_hw = check_pair(stride, "stride", minimum=1)
    dilation_hw = check_pair(dilation, "dilation", minimum=1)
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding == "same":
            if stride_hw != (1, 1):
                raise ValueError(
                    f"padding='same' needs stride 1 on both axes, got stride={stride_hw}"
                )
            total_h = dilated_size(kernel_hw[0], dilation_hw[0]) - 1
            total_w = dilated_size(kernel_hw[1], dilation_hw[1]) - 1
            top, left = total_h // 2, total_w // 2
            return (top, total_h - top, left, total_w - left)
        raise ValueError(
            f"padding must be an int, a pair of ints, 'valid' or 'same', got {padding!r}"
        )
    pad_h, pad_w = check_pair(padding, "padding", minimum=0)
    return (pad_h, pad_h, pad_w, pad_w)


def check_window(
    kernel_size: object, stride: object = 1, padding: object = 0, dilation: object = 1
) -> tuple[Pair, Pair, tuple[int, int, int, int], Pair]:
    """Validate a window's hyper-parameters, without an input: what a layer checks
    when it is built.

    Returns
    -------
    kernel, stride, padding, dilation
        ``(kh, kw)``, ``(s_h, s_w)``, ``(top, bottom, left, right)``, ``(d_h, d_w)``.

    Raises
    ------
    TypeError, ValueError
        Naming the argument, as :func:`resolve_padding` does.

    Examples
    --------
    >>> check_window(3, padding="same", dilation=2)
    ((3, 3), (1, 1), (2, 2, 2, 2), (2, 2))
    >>> check_window(3, stride=0)
    Traceback (most recent call last):
        ...
    ValueError: stride must be at least 1 on each axis, got 0
    """
    kernel = check_pair(kernel_size, "kernel_size", minimum=1)
    strides = check_pair(stride, "stride", minimum=1)
    dilations = check_pair(dilation, "dilation", minimum=1)
    return kernel, strides, resolve_padding(padding, kernel, strides, dilations), dilations


def _inside(start: int, reach: int, step: int, size: int) -> slice:
    """The taps ``start, start + step, ...`` (up to ``start + reach``) in ``[0, size)``."""
    first = start if start >= 0 else start + -(start // step) * step
    return slice(first, max(first, min(start + reach, size)), step)  # may be empty


@dataclass(frozen=True)
class Window:
    """A ``kh x kw`` window sliding over an ``H x W`` input: where every window reads.

    Build one with :meth:`build` (a convolution's or a pooling's window) or
    :func:`~convcourse.transposed_geometry.transposed_window` (a transposed
    convolution's).

    Attributes
    ----------
    height, width : int
        ``H`` and ``W``, the input's size (without padding).
    kernel_h, kernel_w : int
        ``kh`` and ``kw``, the taps.
    stride, dilation : tuple of int
        ``(s_h, s_w)`` and ``(d_h, d_w)``.
    padding : tuple of int
        ``(top, bottom, left, right)`` zeros (or ``-inf`` for max pooling).
    out_height, out_width : int
        ``H_out`` and ``W_out``, how many window positions there are along each axis.

    Examples
    --------
    >>> win = Window.build((5, 5), 3, stride=2, padding=1)
    >>> (win.out_height, win.out_width), win.padded_size, win.window(1, 0)
    ((3, 3), (7, 7), (slice(2, 5, 1), slice(0, 3, 1)))
    """

    height: int
    width: int
    kernel_h: int
    kernel_w: int
    stride: Pair
    dilation: Pair
    padding: tuple[int, int, int, int]
    out_height: int
    out_width: int

    @classmethod
    def build(
        cls,
        size: Pair,
        kernel_size: int | Pair,
        stride: int | Pair = 1,
        padding: int | Pair | str = 0,
        dilation: int | Pair = 1,
        *,
        context: str = "",
    ) -> Window:
        """Validate a window on an input of ``size = (H, W)`` and work out its positions.

        Parameters
        ----------
        size : (int, int)
            ``(H, W)``, already checked by the caller (a shape's entries).
        kernel_size, stride, padding, dilation
            As in :func:`check_window`.
        context : str, optional
            Put before the message of a kernel that does not fit, to say which input
            the caller means, e.g. ``"input_shape=(3, 2, 2): "``.

        Raises
        ------
        TypeError, ValueError
            For a bad hyper-parameter (:func:`check_window`), or a dilated kernel that
            does not fit in the padded input.
        """
        kernel, strides, pads, dilations = check_window(kernel_size, stride, padding, dilation)
        height, width = size
        reach = (dilated_size(kernel[0], dilations[0]), dilated_size(kernel[1], dilations[1]))
        padded = (height + pads[0] + pads[1], width + pads[2] + pads[3])
        if reach[0] > padded[0] or reach[1] > padded[1]:
            raise ValueError(
                f"{context}the kernel reaches {reach[0]}x{reach[1]} "
                f"(kernel {kernel[0]}x{kernel[1]}, dilation {dilations}) but the padded "
                f"input is only {padded[0]}x{padded[1]} "
                f"(input {height}x{width}, padding {padding!r})"
            )
        return cls(height, width, *kernel, strides, dilations, pads,
                   _output_length(height, reach[0], strides[0], pads[0] + pads[1]),
                   _output_length(width, reach[1], strides[1], pads[2] + pads[3]))

    def fields(self) -> dict[str, object]:
        """The window's own fields, to build a geometry that adds to them."""
        return {f.name: getattr(self, f.name) for f in fields(Window)}

    # --- sizes -----------------------------------------------------------------------

    @property
    def reach(self) -> Pair:
        """Rows and columns one dilated kernel spans: ``d (k - 1) + 1`` per axis."""
        return (
            dilated_size(self.kernel_h, self.dilation[0]),
            dilated_size(self.kernel_w, self.dilation[1]),
        )

    @property
    def padded_size(self) -> Pair:
        """``(H_pad, W_pad)``: the input's size with the zeros added."""
        top, bottom, left, right = self.padding
        return (self.height + top + bottom, self.width + left + right)

    def positions(self) -> list[Pair]:
        """Every window ``(i, j)``, row by row."""
        return [(i, j) for i in range(self.out_height) for j in range(self.out_width)]

    # --- where things are ------------------------------------------------------------

    def window(self, i: int, j: int) -> tuple[slice, slice]:
        """The rows and columns of the *padded* input that output ``(i, j)`` reads.

        ``x_pad[..., rows, cols]`` is the ``kh x kw`` window: tap ``(u, v)`` sits at
        row ``i s_h + u d_h`` and column ``j s_w + v d_w``.
        """
        (s_h, s_w), (d_h, d_w) = self.stride, self.dilation
        reach_h, reach_w = self.reach
        return (
            slice(i * s_h, i * s_h + reach_h, d_h),
            slice(j * s_w, j * s_w + reach_w, d_w),
        )

    def tap_slices(self, u: int, v: int) -> tuple[slice, slice]:
        """The rows and columns of the padded input that kernel tap ``(u, v)`` meets.

        ``x_pad[..., rows, cols]`` has shape ``(H_out, W_out)``: entry ``(i, j)`` is
        what tap ``(u, v)`` multiplies for output ``(i, j)``.
        """
        (s_h, s_w), (d_h, d_w) = self.stride, self.dilation
        return (
            slice(u * d_h, u * d_h + s_h * (self.out_height - 1) + 1, s_h),
            slice(v * d_w, v * d_w + s_w * (self.out_width - 1) + 1, s_w),
        )

    def input_window(self, i: int, j: int) -> tuple[slice, slice]:
        """The rows and columns of the *unpadded* input that output ``(i, j)`` reads.

        :meth:`window` cut down to the real input: the taps that fall on padding are
        left out, so ``x[..., rows, cols]`` holds only real numbers (fewer than
        ``kh x kw`` of them at a border, none if a convolution's window lies wholly in
        its padding). Tap rows start at ``i s_h - top`` and step by ``d_h``; the first
        one inside the input is the first kept.
        """
        (s_h, s_w), (d_h, d_w), (reach_h, reach_w) = self.stride, self.dilation, self.reach
        return (
            _inside(i * s_h - self.padding[0], reach_h, d_h, self.height),
            _inside(j * s_w - self.padding[2], reach_w, d_w, self.width),
        )

    def pad(self, x: np.ndarray, fill: float = 0.0) -> np.ndarray:
        """Return ``x`` (shape ``(..., H, W)``) with this geometry's padding around
        ``H, W``: zeros, or ``fill`` (max pooling pads with ``-inf``)."""
        top, bottom, left, right = self.padding
        widths = [(0, 0)] * (x.ndim - 2) + [(top, bottom), (left, right)]
        return np.pad(x, widths, constant_values=fill)

    def unpad(self, padded: np.ndarray) -> np.ndarray:
        """Cut the padding back off (a view): the inverse of :meth:`pad` on the shape."""
        top, left = self.padding[0], self.padding[2]
        return padded[..., top : top + self.height, left : left + self.width]
