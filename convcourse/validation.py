"""Checking a convolution's arguments, with error messages a learner can act on.

:func:`check_conv2d` is called by every forward and backward pass in the course (naive
and fast alike). It validates the arrays and hyper-parameters and returns a
:class:`ConvGeometry`: every size the convolution needs, worked out once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .shapes import _is_int, _output_length, as_pair, resolve_padding

__all__ = [
    "ConvGeometry",
    "check_array",
    "check_conv2d",
    "check_grad_out",
    "check_int",
    "result_dtype",
]


def check_int(value: object, name: str, minimum: int = 1) -> int:
    """Check that ``value`` is an int (not a bool) of at least ``minimum``.

    Parameters
    ----------
    value : object
        What the caller passed.
    name : str
        The argument's name, for the error message.
    minimum : int, default 1
        The smallest allowed value.

    Returns
    -------
    int
        ``value`` as a Python int.
    """
    if not _is_int(value):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def check_array(value: object, name: str, ndim: int, layout: str) -> np.ndarray:
    """Check that ``value`` is a real numeric numpy array with ``ndim`` dimensions.

    Parameters
    ----------
    value : object
        What the caller passed.
    name : str
        The argument's name, for the error message.
    ndim : int
        The required number of dimensions.
    layout : str
        A reminder of the expected layout, such as ``"(N, C, H, W)"``.

    Returns
    -------
    numpy.ndarray
        ``value`` itself.
    """
    if not isinstance(value, np.ndarray):
        raise TypeError(
            f"{name} must be a numpy.ndarray {layout}, got {type(value).__name__}"
        )
    if value.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {value.dtype}")
    if value.ndim != ndim:
        raise ValueError(
            f"{name} must be {ndim}-D {layout}, got shape {value.shape} "
            f"with {value.ndim} dimension{'s' if value.ndim != 1 else ''}"
        )
    if value.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {value.shape}")
    return value


def result_dtype(x: np.ndarray) -> np.dtype:
    """The output dtype: the input's if it is floating point, else float64."""
    return x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)


@dataclass(frozen=True)
class ConvGeometry:
    """Every size of one 2-D convolution, derived from validated arguments.

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

    @property
    def in_per_group(self) -> int:
        """Input channels each output channel sees: ``C // g``."""
        return self.in_channels // self.groups

    @property
    def out_per_group(self) -> int:
        """Output channels produced by each group: ``O // g``."""
        return self.out_channels // self.groups

    @property
    def output_shape(self) -> tuple[int, int, int, int]:
        """``(N, O, H_out, W_out)``."""
        return (self.batch, self.out_channels, self.out_height, self.out_width)

    def pad(self, x: np.ndarray) -> np.ndarray:
        """Return ``x`` with this geometry's zeros added around ``H`` and ``W``."""
        top, bottom, left, right = self.padding
        return np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))

    def unpad(self, padded: np.ndarray) -> np.ndarray:
        """Cut the padding back off: the inverse of :meth:`pad` on the shape."""
        top, left = self.padding[0], self.padding[2]
        return padded[:, :, top : top + self.height, left : left + self.width]


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
    :func:`convcourse.naive.conv2d_forward`.

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
    """
    x = check_array(x, "x", 4, "(N, C, H, W)")
    weight = check_array(weight, "weight", 4, "(out_channels, in_channels // groups, kh, kw)")
    batch, in_channels, height, width = x.shape
    out_channels, in_per_group, kernel_h, kernel_w = weight.shape

    groups = check_int(groups, "groups")
    if in_channels % groups != 0:
        raise ValueError(
            f"groups={groups} must divide the input channels, but x has "
            f"{in_channels} channels (x shape {x.shape})"
        )
    if out_channels % groups != 0:
        raise ValueError(
            f"groups={groups} must divide the output channels, but weight has "
            f"{out_channels} output channels (weight shape {weight.shape})"
        )
    if in_per_group * groups != in_channels:
        expected = in_per_group * groups
        extra = f" with groups={groups}" if groups != 1 else ""
        raise ValueError(
            f"x has {in_channels} channels but weight expects {expected}{extra} "
            f"(weight shape {weight.shape})"
        )

    if bias is not None:
        bias = check_array(bias, "bias", 1, "(out_channels,)")
        if bias.shape[0] != out_channels:
            raise ValueError(
                f"bias must have one entry per output channel ({out_channels}), "
                f"got shape {bias.shape}"
            )

    stride_hw = as_pair(stride, "stride", minimum=1)
    dilation_hw = as_pair(dilation, "dilation", minimum=1)
    pads = resolve_padding(padding, (kernel_h, kernel_w), stride_hw, dilation_hw)
    padded_h = height + pads[0] + pads[1]
    padded_w = width + pads[2] + pads[3]
    reach_h = dilation_hw[0] * (kernel_h - 1) + 1
    reach_w = dilation_hw[1] * (kernel_w - 1) + 1
    if reach_h > padded_h or reach_w > padded_w:
        raise ValueError(
            f"the kernel reaches {reach_h}x{reach_w} (kernel {kernel_h}x{kernel_w}, "
            f"dilation {dilation_hw}) but the padded input is only "
            f"{padded_h}x{padded_w} (input {height}x{width}, padding {padding!r})"
        )

    return ConvGeometry(
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


def check_grad_out(grad_out: object, geometry: ConvGeometry) -> np.ndarray:
    """Check that the upstream gradient has the forward output's shape."""
    grad_out = check_array(grad_out, "grad_out", 4, "(N, O, H_out, W_out)")
    if grad_out.shape != geometry.output_shape:
        raise ValueError(
            f"grad_out must have the forward output's shape {geometry.output_shape}, "
            f"got {grad_out.shape}"
        )
    return grad_out
