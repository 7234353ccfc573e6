"""Counting what a layer costs: parameters, outputs and multiply-accumulates.

A 2-D convolution with ``C`` input channels, ``O`` output channels, ``g`` groups and a
``kh x kw`` kernel, applied to a ``C x H x W`` image, has

.. math::

    P_\\text{conv} = O \\cdot \\frac{C}{g} \\cdot k_h k_w \\;(+\\, O \\text{ biases})

parameters and produces ``O * H_out * W_out`` numbers. A fully connected (dense,
``torch.nn.Linear``) layer that maps the same ``C H W`` inputs to the same
``O H_out W_out`` outputs has one weight per (input, output) pair:

.. math::

    P_\\text{dense} = (C H W)(O H_\\text{out} W_\\text{out})
    \\;(+\\, O H_\\text{out} W_\\text{out} \\text{ biases})

so, counting weights only, the dense layer needs

.. math::

    \\frac{P_\\text{dense}}{P_\\text{conv}} =
    \\frac{g \\, H W \\, H_\\text{out} W_\\text{out}}{k_h k_w}

times as many (the channels cancel). Multiply-accumulates (MACs; one multiplication
plus one addition, about 2 FLOPs) per image are

.. math::

    \\text{MAC}_\\text{conv} = O H_\\text{out} W_\\text{out} \\cdot \\frac{C}{g} k_h k_w,
    \\qquad
    \\text{MAC}_\\text{dense} = (C H W)(O H_\\text{out} W_\\text{out}),

counted the way PyTorch computes them: a tap that lands on padding still costs a
multiply. Biases add one addition per output and are not counted as MACs.

Shapes are validated by :class:`convcourse.geometry.ConvGeometry`, which every
convolution in the course uses, so a count exists exactly when the convolution does.
"""

from __future__ import annotations

from dataclasses import dataclass

from .geometry import ConvGeometry, check_groups
from .validation import check_bool, check_int, check_pair, check_shape

__all__ = [
    "ConvDenseComparison",
    "compare_conv_dense",
    "conv2d_macs",
    "conv2d_output_shape",
    "conv2d_param_count",
    "depthwise_separable_macs",
    "depthwise_separable_param_count",
    "linear_macs",
    "linear_param_count",
]


def conv2d_param_count(
    in_channels: int,
    out_channels: int,
    kernel_size: int | tuple[int, int],
    groups: int = 1,
    bias: bool = True,
) -> int:
    """Number of learnable numbers in a ``torch.nn.Conv2d`` with these arguments.

    .. math::

        P = O \\cdot \\frac{C}{g} \\cdot k_h k_w + [\\text{bias}]\\, O

    The weight has shape ``(O, C // g, kh, kw)`` and the bias shape ``(O,)``. The
    count does not depend on the image size, the stride, the padding or the dilation.

    Parameters
    ----------
    in_channels : int
        ``C``, a multiple of ``groups``.
    out_channels : int
        ``O``, a multiple of ``groups``.
    kernel_size : int or (int, int)
        ``(kh, kw)``; an int gives a square kernel.
    groups : int, default 1
        ``g``: each output channel sees only ``C // g`` input channels.
    bias : bool, default True
        Whether to count the ``O`` biases.

    Returns
    -------
    int

    Examples
    --------
    >>> conv2d_param_count(1, 32, 3, bias=False)
    288
    >>> conv2d_param_count(32, 32, 3, groups=32)  # depthwise: 32 * 9 + 32
    320
    """
    in_channels = check_int(in_channels, "in_channels")
    out_channels = check_int(out_channels, "out_channels")
    groups = check_groups(groups, in_channels, out_channels)
    kernel_h, kernel_w = check_pair(kernel_size, "kernel_size", minimum=1)
    bias = check_bool(bias, "bias")
    weights = out_channels * (in_channels // groups) * kernel_h * kernel_w
    return weights + (out_channels if bias else 0)


def linear_param_count(in_features: int, out_features: int, bias: bool = True) -> int:
    """Number of learnable numbers in a ``torch.nn.Linear(in_features, out_features)``.

    .. math::

        P = n_\\text{in}\\, n_\\text{out} + [\\text{bias}]\\, n_\\text{out}

    The weight has shape ``(out_features, in_features)``, the bias ``(out_features,)``.

    Examples
    --------
    >>> linear_param_count(200, 6400, bias=False)
    1280000
    """
    in_features = check_int(in_features, "in_features")
    out_features = check_int(out_features, "out_features")
    bias = check_bool(bias, "bias")
    return in_features * out_features + (out_features if bias else 0)


def linear_macs(in_features: int, out_features: int) -> int:
    """Multiply-accumulates of one ``Linear`` layer on one input vector: ``n_in n_out``.

    Every weight is used exactly once per input, so the MAC count equals the weight
    count.
    """
    in_features = check_int(in_features, "in_features")
    out_features = check_int(out_features, "out_features")
    return in_features * out_features


def conv2d_output_shape(
    input_shape: tuple[int, int, int],
    out_channels: int,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | str = 0,
    dilation: int | tuple[int, int] = 1,
    groups: int = 1,
) -> tuple[int, int, int]:
    """Shape ``(O, H_out, W_out)`` of a convolution's output for one image.

    .. math::

        H_\\text{out} = \\left\\lfloor \\frac{H + 2p_h - d_h(k_h - 1) - 1}{s_h}
        \\right\\rfloor + 1

    and the same along the width (see :func:`convcourse.conv_output_size`).

    Parameters
    ----------
    input_shape : (int, int, int)
        ``(C, H, W)`` of one image (no batch axis).
    out_channels, kernel_size, stride, padding, dilation, groups
        As in ``torch.nn.Conv2d``.

    Returns
    -------
    tuple of int
        ``(O, H_out, W_out)``.

    Raises
    ------
    TypeError, ValueError
        For a malformed ``input_shape``, channels not divisible by ``groups``, bad
        hyper-parameters, or a kernel that does not fit in the padded image.

    Examples
    --------
    >>> conv2d_output_shape((1, 4, 50), 32, 3, padding=1)
    (32, 4, 50)
    """
    geo = ConvGeometry.for_image(
        input_shape, out_channels, kernel_size, stride, padding, dilation, groups
    )
    return geo.out_channels, geo.out_height, geo.out_width


def conv2d_macs(
    input_shape: tuple[int, int, int],
    out_channels: int,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | str = 0,
    dilation: int | tuple[int, int] = 1,
    groups: int = 1,
) -> int:
    """Multiply-accumulates of one convolution on one image.

    .. math::

        \\text{MAC} = \\underbrace{O H_\\text{out} W_\\text{out}}_{\\text{outputs}}
        \\cdot \\underbrace{\\frac{C}{g} k_h k_w}_{\\text{taps per output}}
        = P_\\text{weights} \\cdot H_\\text{out} W_\\text{out}

    Each weight is used once at every output position. Taps that fall on padding are
    counted (a dense implementation multiplies those zeros too); the bias additions
    are not. Multiply by the batch size for a batch, and by 2 for FLOPs.

    Parameters
    ----------
    input_shape, out_channels, kernel_size, stride, padding, dilation, groups
        As in :func:`conv2d_output_shape`.

    Returns
    -------
    int

    Examples
    --------
    >>> conv2d_macs((1, 4, 50), 32, 3, padding=1)  # 6400 outputs * 9 taps
    57600
    """
    geo = ConvGeometry.for_image(
        input_shape, out_channels, kernel_size, stride, padding, dilation, groups
    )
    outputs = geo.out_channels * geo.out_height * geo.out_width
    return outputs * geo.taps


def depthwise_separable_param_count(
    in_channels: int,
    out_channels: int,
    kernel_size: int | tuple[int, int],
    bias: bool = True,
) -> int:
    """Parameters of a depthwise separable convolution.

    A depthwise convolution (``C -> C`` channels, ``groups=C``, a ``kh x kw`` kernel
    per channel) followed by a pointwise ``1 x 1`` convolution (``C -> O``):

    .. math::

        P = \\underbrace{C k_h k_w + [\\text{bias}] C}_{\\text{depthwise}}
        + \\underbrace{C O + [\\text{bias}] O}_{\\text{pointwise}}

    against ``O C k_h k_w (+ O)`` for a standard convolution: the weights shrink by a
    factor ``1/O + 1/(k_h k_w)``.

    Parameters
    ----------
    in_channels : int
        ``C``.
    out_channels : int
        ``O``.
    kernel_size : int or (int, int)
        ``(kh, kw)`` of the depthwise kernels.
    bias : bool, default True
        Whether both convolutions have biases.

    Returns
    -------
    int
    """
    depthwise = conv2d_param_count(in_channels, in_channels, kernel_size, in_channels, bias)
    pointwise = conv2d_param_count(in_channels, out_channels, 1, 1, bias)
    return depthwise + pointwise


def depthwise_separable_macs(
    input_shape: tuple[int, int, int],
    out_channels: int,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | str = 0,
    dilation: int | tuple[int, int] = 1,
) -> int:
    """Multiply-accumulates of a depthwise separable convolution on one image.

    The depthwise step carries ``stride``, ``padding`` and ``dilation``; the pointwise
    ``1 x 1`` step then runs on its ``C x H_out x W_out`` output:

    .. math::

        \\text{MAC} = C H_\\text{out} W_\\text{out} k_h k_w
        + O H_\\text{out} W_\\text{out} C

    Parameters
    ----------
    input_shape : (int, int, int)
        ``(C, H, W)``.
    out_channels : int
        ``O``, channels after the pointwise step.
    kernel_size, stride, padding, dilation
        Of the depthwise step.

    Returns
    -------
    int
    """
    channels = check_shape(input_shape, "input_shape", "(C, H, W)")[0]
    depthwise = conv2d_macs(
        input_shape, channels, kernel_size, stride, padding, dilation, groups=channels
    )
    _, out_h, out_w = conv2d_output_shape(
        input_shape, channels, kernel_size, stride, padding, dilation, groups=channels
    )
    pointwise = conv2d_macs((channels, out_h, out_w), out_channels, 1)
    return depthwise + pointwise


@dataclass(frozen=True)
class ConvDenseComparison:
    """A convolution and the dense layer with the same input and output sizes.

    Attributes
    ----------
    input_shape : tuple of int
        ``(C, H, W)``.
    output_shape : tuple of int
        ``(O, H_out, W_out)``.
    in_features, out_features : int
        ``C H W`` and ``O H_out W_out``: the dense layer's sizes.
    conv_params, dense_params : int
        Parameters of each layer (with or without biases, see ``bias``).
    conv_macs, dense_macs : int
        Multiply-accumulates of each layer on one image.
    bias : bool
        Whether the parameter counts include biases.
    """

    input_shape: tuple[int, int, int]
    output_shape: tuple[int, int, int]
    in_features: int
    out_features: int
    conv_params: int
    dense_params: int
    conv_macs: int
    dense_macs: int
    bias: bool

    @property
    def ratio(self) -> float:
        """``dense_params / conv_params``: how many times more the dense layer needs."""
        return self.dense_params / self.conv_params


def compare_conv_dense(
    input_shape: tuple[int, int, int],
    out_channels: int,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | str = 0,
    dilation: int | tuple[int, int] = 1,
    groups: int = 1,
    bias: bool = False,
) -> ConvDenseComparison:
    """Count a convolution and the dense layer that maps the same inputs to as many outputs.

    Without biases the ratio is

    .. math::

        \\frac{P_\\text{dense}}{P_\\text{conv}} =
        \\frac{(C H W)(O H_\\text{out} W_\\text{out})}{O (C/g) k_h k_w}
        = \\frac{g\\, H W\\, H_\\text{out} W_\\text{out}}{k_h k_w}.

    Parameters
    ----------
    input_shape : (int, int, int)
        ``(C, H, W)`` of one image.
    out_channels, kernel_size, stride, padding, dilation, groups
        As in ``torch.nn.Conv2d``.
    bias : bool, default False
        Whether to count biases (``O`` for the convolution, ``O H_out W_out`` for the
        dense layer). The default counts weights only.

    Returns
    -------
    ConvDenseComparison

    Examples
    --------
    >>> c = compare_conv_dense((1, 4, 50), 32, 3, padding=1)
    >>> c.conv_params, c.out_features, c.dense_params, round(c.ratio, 2)
    (288, 6400, 1280000, 4444.44)
    """
    output_shape = conv2d_output_shape(
        input_shape, out_channels, kernel_size, stride, padding, dilation, groups
    )
    bias = check_bool(bias, "bias")
    channels, height, width = check_shape(input_shape, "input_shape", "(C, H, W)")
    in_features = channels * height * width
    out_features = output_shape[0] * output_shape[1] * output_shape[2]
    return ConvDenseComparison(
        input_shape=(channels, height, width),
        output_shape=output_shape,
        in_features=in_features,
        out_features=out_features,
        conv_params=conv2d_param_count(channels, out_channels, kernel_size, groups, bias),
        dense_params=linear_param_count(in_features, out_features, bias),
        conv_macs=conv2d_macs(
            input_shape, out_channels, kernel_size, stride, padding, dilation, groups
        ),
        dense_macs=linear_macs(in_features, out_features),
        bias=bias,
    )
