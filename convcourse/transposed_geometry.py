"""The geometry of a 2-D transposed convolution: the convolution's window laid over
the output.

A convolution gathers each output from a window of its input; a transposed
convolution scatters each input pixel, times the kernel, onto a window of its output.
It is the same :class:`~convcourse.window.Window` read the other way round, and this
module says so once:

==============================  ============================================
question                        answer
==============================  ============================================
how long is the output?         :func:`conv_transpose_output_size`
which ``output_padding`` may    :func:`check_output_padding` (torch's rule)
be used?
where does input ``(i, j)``     :func:`transposed_window`: a window on the
land?                           output, one position per input pixel
everything about one transposed :class:`ConvTransposeGeometry` (the window,
convolution                     channels and groups, shared with the
                                convolution's :class:`~convcourse.geometry.GroupedWindow`):
                                from shapes or :func:`check_conv_transpose2d`
==============================  ============================================
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .geometry import GroupedWindow, check_bias, check_grad_out
from .validation import check_array, check_int, check_pair, check_shape
from .window import Pair, Window, check_axis, check_window, conv_output_size, dilated_size

__all__ = [
    "ConvTransposeGeometry",
    "check_conv_transpose2d",
    "check_grad_out_transposed",
    "check_output_padding",
    "conv_transpose_output_size",
    "transposed_window",
]


def _transposed_length(size: int, reach: int, stride: int, pad_total: int,
                       output_padding: int) -> int:
    """The transposed convolution's output length, on numbers already checked: the
    full scatter ``(size - 1) s + reach``, less the padding, plus ``output_padding``."""
    return (size - 1) * stride + reach - pad_total + output_padding


def check_output_padding(
    output_padding: object, stride: object = 1, dilation: object = 1
) -> Pair:
    """Check a transposed convolution's ``output_padding`` against torch's rule.

    On each axis ``output_padding`` must be at least 0 and smaller than the stride or
    the dilation (cells past that would be reached by no window).

    Returns
    -------
    tuple of int
        ``(op_h, op_w)``.

    Examples
    --------
    >>> check_output_padding(1, stride=2)
    (1, 1)
    >>> check_output_padding((0, 1))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    ValueError: output_padding must be smaller than the stride or the dilation on each ...
    """
    strides = check_pair(stride, "stride", minimum=1)
    dilations = check_pair(dilation, "dilation", minimum=1)
    extra = check_pair(output_padding, "output_padding", minimum=0)
    if any(e >= max(s, d) for e, s, d in zip(extra, strides, dilations, strict=True)):
        raise ValueError(
            f"output_padding must be smaller than the stride or the dilation on each "
            f"axis, got output_padding={output_padding!r} with stride={strides}, "
            f"dilation={dilations}"
        )
    return extra


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

        \\text{out} = (\\text{size} - 1)\\, s - 2p + d\\,(k - 1)
        + \\text{output\\_padding} + 1

    Each of the ``size`` inputs scatters a dilated kernel (reach ``d (k - 1) + 1``,
    :func:`dilated_size`) onto the output, ``s`` cells after the previous one: the
    full scatter spans ``(size - 1) s + d (k - 1) + 1`` cells; ``p`` of them are cut
    off each end and ``output_padding`` cells are added at the end (bottom or
    right). It is the length of an input that a convolution with the same ``k, s, p,
    d`` maps to ``size`` outputs; since the convolution's ``floor`` maps up to ``s``
    lengths to the same ``size``, ``output_padding`` says which of them is meant.

    Parameters
    ----------
    size : int
        Input length (``H`` or ``W``), at least 1.
    kernel_size : int
        Kernel length (``kh`` or ``kw``), at least 1.
    stride : int, default 1
        How far apart neighbouring inputs scatter, at least 1.
    padding : int, default 0
        Cells cut off each end of the output, at least 0.
    output_padding : int, default 0
        Cells added at the end, at least 0 and smaller than ``stride`` or
        ``dilation`` (torch's rule, :func:`check_output_padding`).
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
        ``stride`` or ``dilation``, or the padding crops the whole output.

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
    size, kernel_size, stride, padding, dilation = check_axis(
        size, kernel_size, stride, padding, dilation
    )
    output_padding = check_int(output_padding, "output_padding", minimum=0)
    check_output_padding(output_padding, stride, dilation)
    reach = dilated_size(kernel_size, dilation)
    length = _transposed_length(size, reach, stride, 2 * padding, output_padding)
    if length < 1:
        raise ValueError(
            f"padding={padding} crops the whole output: the transposed convolution spans "
            f"{_transposed_length(size, reach, stride, 0, 0)} before cropping (size={size}, "
            f"kernel_size={kernel_size}, stride={stride}, dilation={dilation}), "
            f"and output_padding={output_padding}"
        )
    return length


def transposed_window(
    size: Pair,
    kernel_size: int | Pair,
    stride: int | Pair = 1,
    padding: int | Pair = 0,
    dilation: int | Pair = 1,
    output_padding: int | Pair = 0,
) -> Window:
    """The window of a transposed convolution on an ``(H, W)`` input.

    A transposed convolution is the adjoint of a convolution: input ``(i, j)``
    *scatters* its ``kh x kw`` products into window ``(i, j)`` of a padded output. So
    its window is the forward window laid over the *output*: ``height`` and ``width``
    are the transposed convolution's output size,

    .. math::

        (H - 1) s - 2p + d (k - 1) + \\text{output\\_padding} + 1 ,

    and ``out_height x out_width`` is ``H x W``, one window per input cell.
    ``output_padding`` (below the stride or the dilation, as in torch) adds rows and
    columns at the bottom and right that no window reaches.

    Examples
    --------
    >>> win = transposed_window((3, 3), 3, stride=2, padding=1, output_padding=1)
    >>> (win.height, win.width), (win.out_height, win.out_width)
    ((6, 6), (3, 3))
    """
    height, width = size
    check_pair(padding, "padding", minimum=0)  # no "same" or "valid" here, as in torch
    kernel, strides, pads, dilations = check_window(kernel_size, stride, padding, dilation)
    extra = check_output_padding(output_padding, strides, dilations)
    reach = (dilated_size(kernel[0], dilations[0]), dilated_size(kernel[1], dilations[1]))
    full = (_transposed_length(height, reach[0], strides[0], 0, 0),
            _transposed_length(width, reach[1], strides[1], 0, 0))
    out = (_transposed_length(height, reach[0], strides[0], pads[0] + pads[1], extra[0]),
           _transposed_length(width, reach[1], strides[1], pads[2] + pads[3], extra[1]))
    if min(out) < 1:
        raise ValueError(
            f"padding={padding!r} crops the whole output: the transposed convolution "
            f"spans {full[0]}x{full[1]} before cropping (input {height}x{width})"
        )
    return Window(*out, *kernel, strides, dilations, pads, height, width)


@dataclass(frozen=True)
class ConvTransposeGeometry(GroupedWindow):
    """Every size of one 2-D transposed convolution: its window
    (:func:`transposed_window`) and the batch,
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
        window = transposed_window((height, width), (kernel_h, kernel_w), stride, padding,
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
        return self._partners(in_channel, self.in_per_group, self.out_per_group)


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
    check_bias(bias, geo.out_channels)
    return geo


def check_grad_out_transposed(grad_out: object, geo: ConvTransposeGeometry) -> np.ndarray:
    """Check that the upstream gradient of a transposed convolution has its output's
    shape; returns ``grad_out`` itself."""
    return check_grad_out(grad_out, geo, "(N, C_out, H_out, W_out)")
