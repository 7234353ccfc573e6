"""The geometry of a 2-D convolution, a 2-D pooling and a 2-D transposed convolution,
in one place.

All three slide a window (:class:`convcourse.window.Window`: kernel, stride, padding,
dilation, and where each window reads) over an input, the transposed convolution
over its output; this module adds what each of them has on top, and checks the
arguments of a call once:

==============================  ============================================
question                        answer
==============================  ============================================
how long is the output?         :func:`conv_output_size`
how many zeros on each side?    :func:`resolve_padding`
everything about one            :class:`ConvGeometry` (the window, channels and
convolution                     groups), from shapes alone
                                (:meth:`ConvGeometry.from_shapes`) or from the
                                arrays of a call (:func:`check_conv2d`)
everything about one pooling    :class:`PoolGeometry` (the window and channels):
                                :meth:`PoolGeometry.from_shapes`,
                                :func:`check_pool2d`
everything about one transposed :class:`ConvTransposeGeometry` (its window,
convolution                     channels and groups): from shapes or
                                :func:`check_conv_transpose2d`
==============================  ============================================

Every check happens once, where its message is written: a window's in
:mod:`convcourse.window`, the channels' and the pooling window's here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .validation import check_array, check_array_shape, check_int, check_pair, check_shape
from .window import (
    Window,
    check_output_padding,
    conv_output_size,
    conv_transpose_output_size,
    dilated_size,
    resolve_padding,
)

__all__ = [
    "ConvGeometry",
    "ConvTransposeGeometry",
    "PoolGeometry",
    "Window",
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
    "resolve_padding",
]

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


@dataclass(frozen=True)
class ConvGeometry(Window):
    """Every size of one 2-D convolution: its :class:`~convcourse.window.Window`, and
    the batch, channels and groups on top.

    Build one with :meth:`from_shapes` (shapes only, no arrays needed), with
    :func:`check_conv2d` (the arrays of a call) or with :meth:`for_image` (a layer).

    Attributes
    ----------
    height, width, kernel_h, kernel_w, stride, dilation, padding, out_height, out_width
        The window's (:class:`~convcourse.window.Window`).
    batch, in_channels : int
        ``N`` and ``C`` of the input ``(N, C, H, W)``.
    out_channels : int
        ``O`` from the weight ``(O, C // groups, kh, kw)``.
    groups : int
        Number of channel groups ``g``.

    Examples
    --------
    >>> geo = ConvGeometry.from_shapes((2, 3, 32, 32), (8, 3, 3, 3), stride=2, padding=1)
    >>> geo.output_shape, geo.padded_size, geo.reach
    ((2, 8, 16, 16), (34, 34), (3, 3))
    """

    batch: int
    in_channels: int
    out_channels: int
    groups: int

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
        return cls._build(input_shape, weight_shape, stride, padding, dilation, groups)

    @classmethod
    def _build(cls, input_shape: tuple[int, ...], weight_shape: tuple[int, ...],
               stride: object, padding: object, dilation: object, groups: object,
               context: str = "") -> ConvGeometry:
        """:meth:`from_shapes` on shapes already checked; ``context`` as in
        :meth:`Window.build <convcourse.window.Window.build>`."""
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
        window = Window.build((height, width), (kernel_h, kernel_w), stride, padding,
                              dilation, context=context)
        return cls(**window.fields(), batch=batch, in_channels=in_channels,
                   out_channels=out_channels, groups=groups)

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
        return cls._build((1, channels, height, width),
                          (out_channels, channels // groups, kernel_h, kernel_w),
                          stride, padding, dilation, groups,
                          context=f"{name}={tuple(image_shape)!r}: ")

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

    def group_channels(self, out_channel: int) -> slice:
        """The input channels that output channel ``out_channel`` reads.

        Output channel ``o`` belongs to group ``o // (O // g)``, which reads the
        ``C // g`` input channels starting at ``group * (C // g)``.
        """
        first = (out_channel // self.out_per_group) * self.in_per_group
        return slice(first, first + self.in_per_group)


@dataclass(frozen=True)
class PoolGeometry(Window):
    """Every size of one 2-D pooling: its :class:`~convcourse.window.Window` (never
    dilated) and the batch and channels, each channel pooled on its own.

    Options that only pooling has (torch's ``ceil_mode``, say) belong here.

    Attributes
    ----------
    height, width, kernel_h, kernel_w, stride, dilation, padding, out_height, out_width
        The window's (:class:`~convcourse.window.Window`); ``dilation`` is ``(1, 1)``.
    batch, channels : int
        ``N`` and ``C`` of the input ``(N, C, H, W)``.

    Examples
    --------
    >>> PoolGeometry.from_shapes((2, 8, 8, 8), 2).output_shape
    (2, 8, 4, 4)
    >>> PoolGeometry.from_shapes((1, 1, 7, 5), (3, 2), stride=(2, 1), padding=1).output_shape
    (1, 1, 4, 6)
    """

    batch: int
    channels: int

    @classmethod
    def from_shapes(
        cls,
        input_shape: tuple[int, int, int, int],
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
    ) -> PoolGeometry:
        """Validate a pooling given by its input's shape and work out its geometry.

        The output size is the convolution's without dilation,
        ``floor((H + 2p - kh) / s_h) + 1`` (and the same for ``W``).

        Parameters
        ----------
        input_shape : (int, int, int, int)
            ``(N, C, H, W)``.
        kernel_size, stride, padding
            As in :func:`check_pool_window`.

        Returns
        -------
        PoolGeometry
        """
        kernel, strides, pads = check_pool_window(kernel_size, stride, padding)
        batch, channels, height, width = check_shape(input_shape, "input_shape", "(N, C, H, W)")
        window = Window.build((height, width), kernel, strides, pads)
        return cls(**window.fields(), batch=batch, channels=channels)

    @property
    def input_shape(self) -> tuple[int, int, int, int]:
        """``(N, C, H, W)``."""
        return (self.batch, self.channels, self.height, self.width)

    @property
    def output_shape(self) -> tuple[int, int, int, int]:
        """``(N, C, H_out, W_out)``."""
        return (self.batch, self.channels, self.out_height, self.out_width)


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


def check_grad_out(grad_out: object, geo: ConvGeometry | PoolGeometry) -> np.ndarray:
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


def check_pool2d(
    x: object,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
) -> PoolGeometry:
    """Validate the arguments of a 2-D pooling and work out its geometry.

    Every pooling in the course (max and average, loops and vectorised, forward and
    backward) starts with this call; see :meth:`PoolGeometry.from_shapes`.

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
    return PoolGeometry.from_shapes(x.shape, kernel_size, stride, padding)


@dataclass(frozen=True)
class ConvTransposeGeometry(Window):
    """Every size of one 2-D transposed convolution: its window
    (:meth:`Window.transposed <convcourse.window.Window.transposed>`) and the batch,
    channels and groups on top.

    A transposed convolution scatters: input pixel ``(i, j)`` adds its stamp onto
    window ``(i, j)`` of the padded *output*. So the window lies over the output
    (``height x width`` is the output's size ``H_out x W_out``) and has one position
    per input pixel (``out_height x out_width`` is the input's ``H x W``). Build one
    with :meth:`from_shapes` or :func:`check_conv_transpose2d`.

    Attributes
    ----------
    height, width : int
        ``H_out`` and ``W_out``, the transposed convolution's output size.
    out_height, out_width : int
        ``H`` and ``W``, its input size: one window per input pixel.
    kernel_h, kernel_w, stride, dilation, padding
        The window's (:class:`~convcourse.window.Window`).
    batch, in_channels, out_channels : int
        ``N``, ``C_in`` (of ``x``) and ``C_out`` (of the output).
    groups : int
        Number of channel groups ``g``; the weight is ``(C_in, C_out // g, kh, kw)``.

    Examples
    --------
    >>> geo = ConvTransposeGeometry.from_shapes((2, 4, 7, 7), (4, 3, 3, 3), stride=2,
    ...                                         padding=1, output_padding=1)
    >>> geo.input_shape, geo.output_shape, geo.window(1, 0)
    ((2, 4, 7, 7), (2, 3, 14, 14), (slice(2, 5, 1), slice(0, 3, 1)))
    """

    batch: int
    in_channels: int
    out_channels: int
    groups: int

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
            stride or the dilation, or padding that crops the whole output.
        """
        input_shape = check_shape(input_shape, "input_shape", "(N, C_in, H, W)")
        weight_shape = check_shape(
            weight_shape, "weight_shape", "(in_channels, out_channels // groups, kh, kw)"
        )
        batch, in_channels, height, width = input_shape
        weight_in, out_per_group, kernel_h, kernel_w = weight_shape
        layout = (f"weight shape {weight_shape}: (in_channels, out_channels // groups, kh, "
                  f"kw) for a transposed convolution")
        groups = check_int(groups, "groups")
        if weight_in % groups:
            raise ValueError(
                f"groups={groups} must divide in_channels={weight_in}, the first axis of "
                f"weight ({layout})"
            )
        if in_channels != weight_in:
            raise ValueError(
                f"x has {in_channels} channels but weight expects {weight_in} ({layout})"
            )
        window = Window.transposed((height, width), (kernel_h, kernel_w), stride, padding,
                                   dilation, output_padding)
        return cls(**window.fields(), batch=batch, in_channels=in_channels,
                   out_channels=out_per_group * groups, groups=groups)

    @property
    def input_shape(self) -> tuple[int, int, int, int]:
        """``(N, C_in, H, W)``."""
        return (self.batch, self.in_channels, self.out_height, self.out_width)

    @property
    def weight_shape(self) -> tuple[int, int, int, int]:
        """``(C_in, C_out // g, kh, kw)``."""
        return (self.in_channels, self.out_per_group, self.kernel_h, self.kernel_w)

    @property
    def output_shape(self) -> tuple[int, int, int, int]:
        """``(N, C_out, H_out, W_out)``."""
        return (self.batch, self.out_channels, self.height, self.width)

    @property
    def in_per_group(self) -> int:
        """Input channels in each group: ``C_in // g``."""
        return self.in_channels // self.groups

    @property
    def out_per_group(self) -> int:
        """Output channels each input channel scatters onto: ``C_out // g``."""
        return self.out_channels // self.groups

    @property
    def taps(self) -> int:
        """Numbers one input pixel's stamp holds: ``(C_out // g) kh kw``."""
        return self.out_per_group * self.kernel_h * self.kernel_w

    @property
    def extra(self) -> tuple[int, int]:
        """``(e_h, e_w)``: how many more windows than input pixels the *convolution*
        with this window has on the output, per axis.

        A convolution of an ``H_out x W_out`` image with the same weight, stride,
        padding and dilation has ``conv_output_size(H_out, ...) = H + e_h`` windows
        per column: ``e_h = op_h // s_h`` is 0 unless ``output_padding`` (allowed up
        to the dilation) reaches a whole stride. The transposed convolution is that
        convolution's input gradient once ``x`` is extended by ``e`` rows and columns
        of zeros.
        """
        top, _, left, _ = self.padding
        return (
            conv_output_size(self.height, self.kernel_h, self.stride[0], top,
                             self.dilation[0]) - self.out_height,
            conv_output_size(self.width, self.kernel_w, self.stride[1], left,
                             self.dilation[1]) - self.out_width,
        )

    def target_channels(self, in_channel: int) -> slice:
        """The output channels that input channel ``in_channel`` scatters onto: the
        ``C_out // g`` channels of its group."""
        first = (in_channel // self.in_per_group) * self.out_per_group
        return slice(first, first + self.out_per_group)


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
    Every transposed convolution in the course (loops and vectorised, forward and
    backward) starts with this call.

    Raises
    ------
    TypeError
        For a non-array ``x``, ``weight`` or ``bias``, or a hyper-parameter of the
        wrong type.
    ValueError
        For wrong shapes, mismatched channels, out-of-range hyper-parameters, or
        padding that crops the whole output. The message names the argument, what
        was expected and what was given.

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
