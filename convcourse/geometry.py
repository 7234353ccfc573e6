"""The geometry of a 2-D convolution, and the checks every windowed call shares.

A convolution slides a window (:class:`convcourse.window.Window`: kernel, stride,
padding, dilation, and where each window reads) over an input; this module adds the
batch, channels and groups on top, and checks the arguments of a call once. A pooling
adds channels alone (:mod:`convcourse.pool_geometry`, its names re-exported here), a
transposed convolution lays the same window over its output
(:mod:`convcourse.transposed_geometry`):

==============================  ============================================
question                        answer
==============================  ============================================
how long is the output?         :func:`conv_output_size`
how many zeros on each side?    :func:`resolve_padding`
everything about one            :class:`ConvGeometry` (the window, channels and
convolution                     groups), from shapes alone
                                (:meth:`ConvGeometry.from_shapes`) or from the
                                arrays of a call (:func:`check_conv2d`)
does the upstream gradient fit? :func:`check_grad_out`
==============================  ============================================

Every check happens once, where its message is written: a window's in
:mod:`convcourse.window`, the channels' here, the pooling window's in
:mod:`convcourse.pool_geometry`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .pool_geometry import PoolGeometry, check_pool2d, check_pool_window
from .validation import check_array, check_array_shape, check_int, check_pair, check_shape
from .window import Window, conv_output_size, dilated_size, resolve_padding

__all__ = [
    "ConvGeometry",
    "GroupedWindow",
    "PoolGeometry",
    "Window",
    "check_bias",
    "check_conv2d",
    "check_grad_out",
    "check_groups",
    "check_pool2d",
    "check_pool_window",
    "conv_output_size",
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
class GroupedWindow(Window):
    """A :class:`~convcourse.window.Window` with a batch, and channels split into
    groups: what a convolution and a transposed convolution share.

    Attributes
    ----------
    batch, in_channels, out_channels : int
        ``N``, ``C`` (of the input ``x``) and ``O`` (of the output).
    groups : int
        Number of channel groups ``g``: input group ``k`` (``C // g`` channels) meets
        output group ``k`` (``O // g`` channels) alone.
    """

    batch: int
    in_channels: int
    out_channels: int
    groups: int

    @property
    def in_per_group(self) -> int:
        """Input channels in each group: ``C // g``."""
        return self.in_channels // self.groups

    @property
    def out_per_group(self) -> int:
        """Output channels in each group: ``O // g``."""
        return self.out_channels // self.groups

    def _partners(self, channel: int, own: int, other: int) -> slice:
        """The ``other`` channels of the group of ``channel``, whose side has ``own``
        channels a group."""
        first = (channel // own) * other
        return slice(first, first + other)


@dataclass(frozen=True)
class ConvGeometry(GroupedWindow):
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
    def taps(self) -> int:
        """Numbers one output reads (and multiplies): ``(C // g) kh kw``."""
        return self.in_per_group * self.kernel_h * self.kernel_w

    def group_channels(self, out_channel: int) -> slice:
        """The input channels that output channel ``out_channel`` reads.

        Output channel ``o`` belongs to group ``o // (O // g)``, which reads the
        ``C // g`` input channels starting at ``group * (C // g)``.
        """
        return self._partners(out_channel, self.out_per_group, self.in_per_group)


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
    check_bias(bias, geo.out_channels)
    return geo


def check_bias(bias: object, out_channels: int) -> None:
    """Check that ``bias`` is ``None`` or an array of one entry per output channel.

    Examples
    --------
    >>> check_bias(np.zeros(3), 4)
    Traceback (most recent call last):
        ...
    ValueError: bias must have one entry per output channel (4), got shape (3,)
    """
    if bias is not None:
        bias = check_array(bias, "bias", 1, "(out_channels,)")
        if bias.shape[0] != out_channels:
            raise ValueError(
                f"bias must have one entry per output channel ({out_channels}), "
                f"got shape {bias.shape}"
            )


def check_grad_out(grad_out: object, geo: Window, layout: str = "(N, O, H_out, W_out)"
                   ) -> np.ndarray:
    """Check that the upstream gradient has the forward output's shape
    (``geo.output_shape``; ``layout`` names its axes in a message).

    Returns
    -------
    numpy.ndarray
        ``grad_out`` itself.
    """
    grad_out = check_array(grad_out, "grad_out", 4, layout)
    return check_array_shape(grad_out, "grad_out", geo.output_shape, "the forward output's")
