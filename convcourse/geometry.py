"""The shape arithmetic of a 2-D convolution, in one place.

Every convolution in the course takes its hyper-parameters the way
``torch.nn.functional.conv2d`` does: an ``int`` applies to both spatial axes, an
``(h, w)`` pair gives one value per axis, and ``padding`` may also be the string
``"valid"`` (no padding) or ``"same"`` (output as large as the input, stride 1 only).
This module turns all of those spellings into explicit numbers once, and answers
every question about sizes that the rest of the course asks:

==============================  ============================================
question                        answer
==============================  ============================================
how far does a dilated kernel   :func:`dilated_size`: ``d (k - 1) + 1``
reach?
how long is the output?         :func:`conv_output_size`
how many zeros on each side?    :func:`resolve_padding`
everything about one layer      :class:`ConvGeometry`, from shapes alone
                                (:meth:`ConvGeometry.from_shapes`) or from the
                                arrays of a call (:func:`check_conv2d`)
the same for a pooling window   :func:`pool_geometry`, :func:`check_pool2d`
how long is a transposed        :func:`conv_transpose_output_size`
convolution's output?
everything about a transposed   :class:`ConvTransposeGeometry`,
convolution                     :func:`check_conv_transpose2d`
==============================  ============================================

The output length along one axis, with ``p`` zeros added on each side, is

.. math::

    \\text{out} = \\left\\lfloor \\frac{\\text{size} + 2p - d\\,(k - 1) - 1}{s}
    \\right\\rfloor + 1 .
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .validation import check_array, check_array_shape, check_int, check_pair, check_shape

__all__ = [
    "ConvGeometry",
    "ConvTransposeGeometry",
    "check_conv2d",
    "check_conv_transpose2d",
    "check_grad_out",
    "check_grad_out_transposed",
    "check_groups",
    "check_output_padding",
    "check_pool2d",
    "check_pool_window",
    "conv_output_size",
    "conv_transpose_output_size",
    "dilated_size",
    "pool_geometry",
    "resolve_padding",
]


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


def _output_length(size: int, kernel_size: int, stride: int, pad_total: int,
                   dilation: int) -> int:
    """The formula itself, on numbers already checked, with ``pad_total`` zeros in all."""
    return (size + pad_total - dilated_size(kernel_size, dilation)) // stride + 1


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
    size = check_int(size, "size")
    kernel_size = check_int(kernel_size, "kernel_size")
    stride = check_int(stride, "stride")
    padding = check_int(padding, "padding", minimum=0)
    dilation = check_int(dilation, "dilation")
    reach = dilated_size(kernel_size, dilation)
    if reach > size + 2 * padding:
        raise ValueError(
            f"the kernel (kernel_size={kernel_size}, dilation={dilation}, reach {reach}) "
            f"is larger than the padded input (size={size} + 2*padding={padding} "
            f"= {size + 2 * padding})"
        )
    return _output_length(size, kernel_size, stride, 2 * padding, dilation)


def resolve_padding(
    padding: int | tuple[int, int] | str,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] = 1,
    dilation: int | tuple[int, int] = 1,
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


def check_groups(groups: object, in_channels: int, out_channels: int, context: str = "") -> int:
    """Check that ``groups`` is an int of at least 1 that divides both channel counts.

    Parameters
    ----------
    groups : object
        What the caller passed.
    in_channels, out_channels : int
        ``C`` and ``O``.
    context : str, optional
        Appended to the message, e.g. the shapes of the arrays involved.

    Returns
    -------
    int

    Examples
    --------
    >>> check_groups(2, 4, 6)
    2
    >>> check_groups(2, 3, 4)
    Traceback (most recent call last):
        ...
    ValueError: groups=2 must divide in_channels=3
    """
    groups = check_int(groups, "groups")
    for name, count in (("in_channels", in_channels), ("out_channels", out_channels)):
        if count % groups:
            raise ValueError(f"groups={groups} must divide {name}={count}{context}")
    return groups


def _inside(start: int, reach: int, step: int, size: int) -> slice:
    """The taps ``start, start + step, ...`` (up to ``start + reach``) in ``[0, size)``."""
    first = start if start >= 0 else start + -(start // step) * step
    return slice(first, max(first, min(start + reach, size)), step)  # may be empty


@dataclass(frozen=True)
class ConvGeometry:
    """Every size of one 2-D convolution, worked out once from validated arguments.

    Build one with :meth:`from_shapes` (shapes only, no arrays needed) or with
    :func:`check_conv2d` (the arrays of a call).

    Attributes
    ----------
    batch, in_channels, height, width : int
        The input's shape ``(N, C, H, W)``.
    out_channels, kernel_h, kernel_w : int
        ``O``, ``kh`` and ``kw`` from the weight ``(O, C // groups, kh, kw)``.
    groups : int
        Number of channel groups ``g``.
    stride, dilation : tuple of int
        ``(s_h, s_w)`` and ``(d_h, d_w)``.
    padding : tuple of int
        ``(top, bottom, left, right)`` zeros.
    out_height, out_width : int
        ``H_out`` and ``W_out``.

    Examples
    --------
    >>> geo = ConvGeometry.from_shapes((2, 3, 32, 32), (8, 3, 3, 3), stride=2, padding=1)
    >>> geo.output_shape, geo.padded_size, geo.reach
    ((2, 8, 16, 16), (34, 34), (3, 3))
    """

    batch: int
    in_channels: int
    height: int
    width: int
    out_channels: int
    kernel_h: int
    kernel_w: int
    groups: int
    stride: tuple[int, int]
    dilation: tuple[int, int]
    padding: tuple[int, int, int, int]
    out_height: int
    out_width: int

    @classmethod
    def from_shapes(
        cls,
        input_shape: tuple[int, int, int, int],
        weight_shape: tuple[int, int, int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] | str = 0,
        dilation: int | tuple[int, int] = 1,
        groups: int = 1,
    ) -> ConvGeometry:
        """Validate a convolution given by shapes alone and work out its geometry.

        Parameters
        ----------
        input_shape : (int, int, int, int)
            ``(N, C, H, W)``.
        weight_shape : (int, int, int, int)
            ``(O, C // groups, kh, kw)``.
        stride, padding, dilation, groups
            As in :func:`convcourse.naive.conv2d_forward`.

        Returns
        -------
        ConvGeometry

        Raises
        ------
        TypeError, ValueError
            For malformed shapes, mismatched channels, ``groups`` that does not divide
            the channels, bad hyper-parameters, or a kernel that does not fit in the
            padded input; the message names the argument.
        """
        input_shape = check_shape(input_shape, "input_shape", "(N, C, H, W)")
        weight_shape = check_shape(
            weight_shape, "weight_shape", "(out_channels, in_channels // groups, kh, kw)"
        )
        batch, in_channels, height, width = input_shape
        out_channels, in_per_group, kernel_h, kernel_w = weight_shape
        shapes = f" (x shape {input_shape}, weight shape {weight_shape})"
        groups = check_groups(groups, in_channels, out_channels, shapes)
        if in_per_group * groups != in_channels:
            extra = f" with groups={groups}" if groups != 1 else ""
            raise ValueError(
                f"x has {in_channels} channels but weight expects "
                f"{in_per_group * groups}{extra} (weight shape {weight_shape})"
            )
        stride_hw = check_pair(stride, "stride", minimum=1)
        dilation_hw = check_pair(dilation, "dilation", minimum=1)
        pads = resolve_padding(padding, (kernel_h, kernel_w), stride_hw, dilation_hw)
        padded_h = height + pads[0] + pads[1]
        padded_w = width + pads[2] + pads[3]
        reach_h = dilated_size(kernel_h, dilation_hw[0])
        reach_w = dilated_size(kernel_w, dilation_hw[1])
        if reach_h > padded_h or reach_w > padded_w:
            raise ValueError(
                f"the kernel reaches {reach_h}x{reach_w} (kernel {kernel_h}x{kernel_w}, "
                f"dilation {dilation_hw}) but the padded input is only "
                f"{padded_h}x{padded_w} (input {height}x{width}, padding {padding!r})"
            )
        return cls(
            batch=batch,
            in_channels=in_channels,
            height=height,
            width=width,
            out_channels=out_channels,
            kernel_h=kernel_h,
            kernel_w=kernel_w,
            groups=groups,
            stride=stride_hw,
            dilation=dilation_hw,
            padding=pads,
            out_height=_output_length(
                height, kernel_h, stride_hw[0], pads[0] + pads[1], dilation_hw[0]
            ),
            out_width=_output_length(
                width, kernel_w, stride_hw[1], pads[2] + pads[3], dilation_hw[1]
            ),
        )

    @classmethod
    def for_image(
        cls,
        image_shape: tuple[int, int, int],
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] | str = 0,
        dilation: int | tuple[int, int] = 1,
        groups: int = 1,
        name: str = "input_shape",
    ) -> ConvGeometry:
        """The geometry of a ``torch.nn.Conv2d``-style layer applied to one image.

        Parameters
        ----------
        image_shape : (int, int, int)
            ``(C, H, W)`` of one image (no batch axis); the batch is 1.
        out_channels : int
            ``O``.
        kernel_size : int or (int, int)
            ``(kh, kw)``.
        stride, padding, dilation, groups
            As in :func:`convcourse.naive.conv2d_forward`.
        name : str, default "input_shape"
            What the caller calls ``image_shape``, for error messages.

        Returns
        -------
        ConvGeometry

        Examples
        --------
        >>> ConvGeometry.for_image((1, 4, 50), 32, 3, padding=1).output_shape
        (1, 32, 4, 50)
        """
        channels, height, width = check_shape(image_shape, name, "(C, H, W)")
        out_channels = check_int(out_channels, "out_channels")
        kernel_h, kernel_w = check_pair(kernel_size, "kernel_size", minimum=1)
        groups = check_groups(groups, channels, out_channels)
        try:
            return cls.from_shapes(
                (1, channels, height, width),
                (out_channels, channels // groups, kernel_h, kernel_w),
                stride, padding, dilation, groups,
            )
        except ValueError as error:  # say which argument "x" stands for here
            raise ValueError(f"{name}={tuple(image_shape)!r}: {error}") from None

    # --- sizes derived from the fields -----------------------------------------------

    @property
    def input_shape(self) -> tuple[int, int, int, int]:
        """``(N, C, H, W)``."""
        return (self.batch, self.in_channels, self.height, self.width)

    @property
    def weight_shape(self) -> tuple[int, int, int, int]:
        """``(O, C // g, kh, kw)``."""
        return (self.out_channels, self.in_per_group, self.kernel_h, self.kernel_w)

    @property
    def output_shape(self) -> tuple[int, int, int, int]:
        """``(N, O, H_out, W_out)``."""
        return (self.batch, self.out_channels, self.out_height, self.out_width)

    @property
    def in_per_group(self) -> int:
        """Input channels each output channel sees: ``C // g``."""
        return self.in_channels // self.groups

    @property
    def out_per_group(self) -> int:
        """Output channels produced by each group: ``O // g``."""
        return self.out_channels // self.groups

    @property
    def taps(self) -> int:
        """Numbers one output reads (and multiplies): ``(C // g) kh kw``."""
        return self.in_per_group * self.kernel_h * self.kernel_w

    @property
    def reach(self) -> tuple[int, int]:
        """Rows and columns one dilated kernel spans: ``d (k - 1) + 1`` per axis."""
        return (
            dilated_size(self.kernel_h, self.dilation[0]),
            dilated_size(self.kernel_w, self.dilation[1]),
        )

    @property
    def padded_size(self) -> tuple[int, int]:
        """``(H_pad, W_pad)``: the input's size with the zeros added."""
        top, bottom, left, right = self.padding
        return (self.height + top + bottom, self.width + left + right)

    # --- where things are ------------------------------------------------------------

    def group_channels(self, out_channel: int) -> slice:
        """The input channels that output channel ``out_channel`` reads.

        Output channel ``o`` belongs to group ``o // (O // g)``, which reads the
        ``C // g`` input channels starting at ``group * (C // g)``.
        """
        first = (out_channel // self.out_per_group) * self.in_per_group
        return slice(first, first + self.in_per_group)

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


def check_conv2d(
    x: object,
    weight: object,
    bias: object = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | str = 0,
    dilation: int | tuple[int, int] = 1,
    groups: int = 1,
) -> ConvGeometry:
    """Validate the arguments of a 2-D convolution and work out its geometry.

    The arguments mean what they mean in ``torch.nn.functional.conv2d``; see
    :func:`convcourse.naive.conv2d_forward`. Every convolution in the course (naive
    and fast, forward and backward) starts with this call.

    Returns
    -------
    ConvGeometry

    Raises
    ------
    TypeError
        For a non-array ``x``, ``weight`` or ``bias``, or a hyper-parameter of the
        wrong type.
    ValueError
        For wrong shapes, mismatched channels, out-of-range hyper-parameters, or a
        kernel that does not fit in the padded input. The message names the argument,
        what was expected and what was given.

    Examples
    --------
    >>> geo = check_conv2d(np.zeros((1, 3, 6, 6)), np.zeros((8, 3, 3, 3)), padding="same")
    >>> geo.output_shape
    (1, 8, 6, 6)
    """
    x = check_array(x, "x", 4, "(N, C, H, W)")
    weight = check_array(weight, "weight", 4, "(out_channels, in_channels // groups, kh, kw)")
    geo = ConvGeometry.from_shapes(x.shape, weight.shape, stride, padding, dilation, groups)
    if bias is not None:
        bias = check_array(bias, "bias", 1, "(out_channels,)")
        if bias.shape[0] != geo.out_channels:
            raise ValueError(
                f"bias must have one entry per output channel ({geo.out_channels}), "
                f"got shape {bias.shape}"
            )
    return geo


def check_grad_out(grad_out: object, geo: ConvGeometry) -> np.ndarray:
    """Check that the upstream gradient has the forward output's shape.

    Returns
    -------
    numpy.ndarray
        ``grad_out`` itself.
    """
    grad_out = check_array(grad_out, "grad_out", 4, "(N, O, H_out, W_out)")
    return check_array_shape(grad_out, "grad_out", geo.output_shape, "the forward output's")


def check_pool_window(
    kernel_size: object, stride: object = None, padding: object = 0
) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    """Validate the window of a pooling layer, as ``torch.nn.functional.max_pool2d`` does.

    ``stride`` defaults to ``kernel_size`` (windows side by side, not overlapping),
    and ``padding`` may be at most half the kernel on each axis (``p <= k // 2``,
    torch's rule): then every window holds at least one real input number.

    Parameters
    ----------
    kernel_size : int or (int, int)
        ``(kh, kw)``, at least 1.
    stride : int, (int, int) or None, default None
        At least 1; ``None`` means ``kernel_size``.
    padding : int or (int, int), default 0
        Added on each side, from 0 to ``kernel_size // 2``.

    Returns
    -------
    kernel, stride, padding : tuple of (int, int)

    Examples
    --------
    >>> check_pool_window(2)
    ((2, 2), (2, 2), (0, 0))
    >>> check_pool_window((3, 2), stride=1, padding=(1, 1))
    ((3, 2), (1, 1), (1, 1))
    >>> check_pool_window(3, padding=2)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    ValueError: padding must be at most half of kernel_size ... got padding=2 with kernel_size=3
    """
    kernel = check_pair(kernel_size, "kernel_size", minimum=1)
    strides = kernel if stride is None else check_pair(stride, "stride", minimum=1)
    pads = check_pair(padding, "padding", minimum=0)
    half = (kernel[0] // 2, kernel[1] // 2)
    if pads[0] > half[0] or pads[1] > half[1]:
        raise ValueError(
            f"padding must be at most half of kernel_size on each axis "
            f"(kernel_size // 2 = {half}), got padding={padding!r} with "
            f"kernel_size={kernel_size!r}"
        )
    return kernel, strides, pads


def pool_geometry(
    input_shape: tuple[int, int, int, int],
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
) -> ConvGeometry:
    """The geometry of 2-D pooling, from shapes alone.

    Pooling slides a ``kh x kw`` window over every channel on its own, exactly as a
    *depthwise* convolution does (one kernel per channel, ``groups = C``) with no
    dilation; only what is computed in each window differs. So its geometry is a
    :class:`ConvGeometry` with weight shape ``(C, 1, kh, kw)``, and the output size is
    the convolution's, ``floor((H + 2p - kh) / s_h) + 1`` (and the same for ``W``).

    Parameters
    ----------
    input_shape : (int, int, int, int)
        ``(N, C, H, W)``.
    kernel_size, stride, padding
        As in :func:`check_pool_window`.

    Returns
    -------
    ConvGeometry
        ``output_shape`` is ``(N, C, H_out, W_out)``.

    Examples
    --------
    >>> pool_geometry((2, 8, 8, 8), 2).output_shape
    (2, 8, 4, 4)
    >>> pool_geometry((1, 1, 7, 5), (3, 2), stride=(2, 1), padding=1).output_shape
    (1, 1, 4, 6)
    """
    kernel, strides, pads = check_pool_window(kernel_size, stride, padding)
    input_shape = check_shape(input_shape, "input_shape", "(N, C, H, W)")
    channels = input_shape[1]
    return ConvGeometry.from_shapes(
        input_shape, (channels, 1, *kernel), strides, pads, dilation=1, groups=channels
    )


def check_pool2d(
    x: object,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
) -> ConvGeometry:
    """Validate the arguments of a 2-D pooling and work out its geometry.

    Every pooling in the course (max and average, loops and vectorised, forward and
    backward) starts with this call; see :func:`pool_geometry`.

    Raises
    ------
    TypeError
        For a non-array ``x`` or a hyper-parameter of the wrong type.
    ValueError
        For a wrong shape, a hyper-parameter out of range, ``padding`` above half the
        kernel, or a window that does not fit in the padded input.

    Examples
    --------
    >>> check_pool2d(np.zeros((1, 3, 6, 6)), 3, stride=1, padding=1).output_shape
    (1, 3, 6, 6)
    """
    x = check_array(x, "x", 4, "(N, C, H, W)")
    return pool_geometry(x.shape, kernel_size, stride, padding)


# --- transposed convolution ------------------------------------------------------------
#
# A transposed convolution is the input gradient of a convolution (chapter 2): input
# pixel (i, j) of x scatters onto the window that output (i, j) of that convolution
# read. So its geometry is a ConvGeometry whose *input* is the transposed
# convolution's output; the transposed convolution's own arguments are checked here,
# in its own terms, before that geometry is built.


def check_output_padding(
    output_padding: int | tuple[int, int],
    stride: int | tuple[int, int] = 1,
    dilation: int | tuple[int, int] = 1,
) -> tuple[int, int]:
    """Check a transposed convolution's ``output_padding`` against torch's rule.

    On each axis ``output_padding`` must be at least 0 and smaller than the stride or
    the dilation: cells beyond that would lie past every stamp and hold nothing but
    the bias.

    Returns
    -------
    tuple of int
        ``(op_h, op_w)``.

    Examples
    --------
    >>> check_output_padding(1, stride=2)
    (1, 1)
    >>> check_output_padding((0, 1))
    Traceback (most recent call last):
        ...
    ValueError: output_padding must be smaller than the stride or the dilation on each \
axis, got output_padding=(0, 1) with stride=1 and dilation=1
    """
    stride_hw = check_pair(stride, "stride", minimum=1)
    dilation_hw = check_pair(dilation, "dilation", minimum=1)
    pair = check_pair(output_padding, "output_padding", minimum=0)
    for axis in (0, 1):
        if not (pair[axis] < stride_hw[axis] or pair[axis] < dilation_hw[axis]):
            raise ValueError(
                f"output_padding must be smaller than the stride or the dilation on each "
                f"axis, got output_padding={output_padding!r} with stride={stride!r} and "
                f"dilation={dilation!r}"
            )
    return pair


def _transpose_length(size: int, kernel_size: int, stride: int, padding: int,
                      output_padding: int, dilation: int) -> int:
    """The transposed convolution's output length, on numbers already checked."""
    return (size - 1) * stride - 2 * padding + dilated_size(kernel_size, dilation) + output_padding


def conv_transpose_output_size(
    size: int,
    kernel_size: int,
    stride: int = 1,
    padding: int = 0,
    output_padding: int = 0,
    dilation: int = 1,
) -> int:
    """Length of a transposed convolution's output along one spatial axis.

    .. math::

        \\text{out} = (\\text{size} - 1)\\, s - 2p + d\\,(k - 1) + \\text{output\\_padding} + 1

    Each of the ``size`` inputs scatters a dilated kernel (reach ``d (k - 1) + 1``)
    onto the output, ``s`` cells after the previous one: the full scatter spans
    ``(size - 1) s + d (k - 1) + 1`` cells; ``p`` of them are cut off on each side
    and ``output_padding`` cells are added at the end (bottom or right). It is the
    length of the input a convolution with the same ``k, s, p, d`` would map back
    to ``size`` outputs; since ``floor`` loses up to ``s - 1`` cells there,
    ``output_padding`` picks which of the ``s`` possible lengths is meant.

    Parameters
    ----------
    size : int
        Input length (``H`` or ``W``), at least 1.
    kernel_size : int
        Kernel length (``kh`` or ``kw``), at least 1.
    stride : int, default 1
        Step between the windows the inputs scatter onto, at least 1.
    padding : int, default 0
        Cells cut off each end of the output, at least 0.
    output_padding : int, default 0
        Cells added at the end, at least 0 and smaller than ``stride`` or
        ``dilation`` (torch's rule).
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
        If an argument is out of range, ``output_padding`` is not smaller than
        ``stride`` or ``dilation``, or the padding cuts the whole output away.

    Examples
    --------
    >>> conv_transpose_output_size(2, 3, stride=2)  # 2 inputs, a 3-wide kernel 2 apart
    5
    >>> conv_transpose_output_size(14, 4, stride=2, padding=1)  # the usual 2x upsampling
    28
    >>> conv_transpose_output_size(14, 3, stride=2, padding=1, output_padding=1)
    28
    >>> conv_output_size(28, 3, stride=2, padding=1)  # and back
    14
    """
    size = check_int(size, "size")
    kernel_size = check_int(kernel_size, "kernel_size")
    stride = check_int(stride, "stride")
    padding = check_int(padding, "padding", minimum=0)
    output_padding = check_int(output_padding, "output_padding", minimum=0)
    dilation = check_int(dilation, "dilation")
    check_output_padding(output_padding, stride, dilation)
    length = _transpose_length(size, kernel_size, stride, padding, output_padding, dilation)
    if length < 1:
        raise ValueError(
            f"padding={padding} cuts the whole output away: (size={size} - 1)*stride={stride} "
            f"- 2*padding + dilation={dilation}*(kernel_size={kernel_size} - 1) "
            f"+ output_padding={output_padding} + 1 = {length}, but it must be at least 1"
        )
    return length


@dataclass(frozen=True)
class ConvTransposeGeometry:
    """Every size of one 2-D transposed convolution, from validated arguments.

    Build one with :meth:`from_shapes` or :func:`check_conv_transpose2d`.

    The transposed convolution of ``x`` (shape ``(N, C_in, H, W)``) with ``weight``
    (shape ``(C_in, C_out // g, kh, kw)``) is the input gradient of the convolution
    :attr:`conv`, which maps an ``(N, C_out, H_out, W_out)`` image to
    ``(N, C_in, H + e_h, W + e_w)`` with the same weight, stride, padding, dilation
    and groups. ``e = output_padding // stride`` is 0 unless ``output_padding`` is
    allowed by a large dilation to reach a whole stride: then that convolution has
    ``e`` more rows (or columns) of windows, and they have nothing to scatter.

    Attributes
    ----------
    height, width : int
        ``H`` and ``W`` of ``x``.
    output_padding : tuple of int
        ``(op_h, op_w)``.
    conv : ConvGeometry
        The convolution whose input gradient this is: its input shape is the
        transposed convolution's output shape, and ``conv.window(i, j)`` are the rows
        and columns of the *padded* output that input pixel ``(i, j)`` scatters onto.

    Examples
    --------
    >>> geo = ConvTransposeGeometry.from_shapes((2, 4, 7, 7), (4, 3, 3, 3), stride=2,
    ...                                         padding=1, output_padding=1)
    >>> geo.output_shape, geo.conv.output_shape
    ((2, 3, 14, 14), (2, 4, 7, 7))
    """

    height: int
    width: int
    output_padding: tuple[int, int]
    conv: ConvGeometry

    @classmethod
    def from_shapes(
        cls,
        input_shape: tuple[int, int, int, int],
        weight_shape: tuple[int, int, int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        output_padding: int | tuple[int, int] = 0,
        groups: int = 1,
        dilation: int | tuple[int, int] = 1,
    ) -> ConvTransposeGeometry:
        """Validate a transposed convolution given by shapes and work out its geometry.

        Parameters
        ----------
        input_shape : (int, int, int, int)
            ``(N, C_in, H, W)``.
        weight_shape : (int, int, int, int)
            ``(C_in, C_out // groups, kh, kw)``.
        stride, padding, output_padding, groups, dilation
            As in :func:`convcourse.transposed.conv_transpose2d_forward`.

        Raises
        ------
        TypeError, ValueError
            For malformed shapes, mismatched channels, ``groups`` that does not divide
            ``C_in``, bad hyper-parameters, ``output_padding`` not smaller than the
            stride or the dilation, or an output with no rows or columns.
        """
        input_shape = check_shape(input_shape, "input_shape", "(N, C_in, H, W)")
        weight_shape = check_shape(
            weight_shape, "weight_shape", "(in_channels, out_channels // groups, kh, kw)"
        )
        batch, in_channels, height, width = input_shape
        weight_in, out_per_group, kernel_h, kernel_w = weight_shape
        groups = check_int(groups, "groups")
        if weight_in % groups:
            raise ValueError(
                f"groups={groups} must divide in_channels={weight_in}, the first axis of "
                f"weight (weight shape {weight_shape}: (in_channels, out_channels // "
                f"groups, kh, kw) for a transposed convolution)"
            )
        if in_channels != weight_in:
            raise ValueError(
                f"x has {in_channels} channels but weight expects {weight_in} (weight shape "
                f"{weight_shape}: (in_channels, out_channels // groups, kh, kw) for a "
                f"transposed convolution)"
            )
        stride_hw = check_pair(stride, "stride", minimum=1)
        dilation_hw = check_pair(dilation, "dilation", minimum=1)
        if isinstance(padding, str):  # torch's conv_transpose2d has no "same" or "valid"
            raise TypeError(f"padding must be an int or a pair of ints (h, w), got {padding!r}")
        pad_hw = check_pair(padding, "padding", minimum=0)
        op_hw = check_output_padding(output_padding, stride, dilation)
        out_h, out_w = (
            _transpose_length(size, k, s, p, op, d)
            for size, k, s, p, op, d in zip(
                (height, width), (kernel_h, kernel_w), stride_hw, pad_hw, op_hw, dilation_hw,
                strict=True,
            )
        )
        if out_h < 1 or out_w < 1:
            raise ValueError(
                f"padding={padding!r} cuts the whole output away: x of {height}x{width} "
                f"with a {kernel_h}x{kernel_w} kernel, stride {stride_hw}, dilation "
                f"{dilation_hw} and output_padding {op_hw} gives {out_h}x{out_w}; "
                f"(H - 1)*stride - 2*padding + dilation*(k - 1) + output_padding + 1 must "
                f"be at least 1"
            )
        conv = ConvGeometry.from_shapes(
            (batch, out_per_group * groups, out_h, out_w), weight_shape, stride_hw, pad_hw,
            dilation_hw, groups,
        )
        return cls(height=height, width=width, output_padding=op_hw, conv=conv)

    @property
    def input_shape(self) -> tuple[int, int, int, int]:
        """``(N, C_in, H, W)``."""
        return (self.conv.batch, self.conv.out_channels, self.height, self.width)

    @property
    def output_shape(self) -> tuple[int, int, int, int]:
        """``(N, C_out, H_out, W_out)``."""
        return self.conv.input_shape

    @property
    def in_channels(self) -> int:
        """``C_in``."""
        return self.conv.out_channels

    @property
    def out_channels(self) -> int:
        """``C_out = groups * weight.shape[1]``."""
        return self.conv.in_channels

    @property
    def extra(self) -> tuple[int, int]:
        """``(e_h, e_w)``: rows and columns of windows of :attr:`conv` beyond ``x``'s."""
        return (self.conv.out_height - self.height, self.conv.out_width - self.width)

    def target_channels(self, in_channel: int) -> slice:
        """The output channels that input channel ``in_channel`` scatters onto: the
        ``C_out // g`` channels of its group."""
        return self.conv.group_channels(in_channel)

    def scatter_window(self, i: int, j: int) -> tuple[slice, slice]:
        """The rows and columns of the *padded* output (``conv.pad(out)``) that input
        pixel ``(i, j)`` scatters its ``kh x kw`` kernel onto: tap ``(u, v)`` lands on
        padded row ``i s_h + u d_h`` and column ``j s_w + v d_w``."""
        return self.conv.window(i, j)


def check_conv_transpose2d(
    x: object,
    weight: object,
    bias: object = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    output_padding: int | tuple[int, int] = 0,
    groups: int = 1,
    dilation: int | tuple[int, int] = 1,
) -> ConvTransposeGeometry:
    """Validate the arguments of a 2-D transposed convolution and work out its geometry.

    The arguments mean what they mean in ``torch.nn.functional.conv_transpose2d``
    (and come in its order); see :func:`convcourse.transposed.conv_transpose2d_forward`.

    Raises
    ------
    TypeError
        For a non-array ``x``, ``weight`` or ``bias``, or a hyper-parameter of the
        wrong type.
    ValueError
        For wrong shapes, mismatched channels, out-of-range hyper-parameters, or an
        empty output. The message names the argument, what was expected and what was
        given.

    Examples
    --------
    >>> check_conv_transpose2d(np.zeros((1, 2, 3, 3)), np.zeros((2, 5, 3, 3)),
    ...                        stride=2).output_shape
    (1, 5, 7, 7)
    """
    x = check_array(x, "x", 4, "(N, C_in, H, W)")
    weight = check_array(weight, "weight", 4, "(in_channels, out_channels // groups, kh, kw)")
    geo = ConvTransposeGeometry.from_shapes(
        x.shape, weight.shape, stride, padding, output_padding, groups, dilation
    )
    if bias is not None:
        bias = check_array(bias, "bias", 1, "(out_channels,)")
        if bias.shape[0] != geo.out_channels:
            raise ValueError(
                f"bias must have one entry per output channel ({geo.out_channels}), "
                f"got shape {bias.shape}"
            )
    return geo


def check_grad_out_transposed(grad_out: object, geo: ConvTransposeGeometry) -> np.ndarray:
    """Check that the upstream gradient of a transposed convolution has its output's
    shape; returns ``grad_out`` itself."""
    grad_out = check_array(grad_out, "grad_out", 4, "(N, C_out, H_out, W_out)")
    return check_array_shape(grad_out, "grad_out", geo.output_shape, "the forward output's")
