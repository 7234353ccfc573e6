"""The transposed convolution as a layer, the counterpart of ``torch.nn.ConvTranspose2d``.

It follows the layer protocol of :mod:`convcourse.layer_protocol` (``forward``,
``backward``, ``parameters``, and an :class:`~convcourse.layer_protocol.InputCache`
between the passes), so it goes into a
:class:`~convcourse.network.Sequential` and is trained by
:class:`~convcourse.optim.SGD` like any other layer: the upsampling half of a
decoder, an autoencoder or a generator.
"""

from __future__ import annotations

import numpy as np

from . import fast_transposed, transposed
from .geometry import check_groups
from .layer_protocol import Functions
from .layers import KernelLayer
from .transposed_geometry import check_output_padding
from .validation import check_bool, check_int, check_pair, check_rng
from .window import check_window

__all__ = ["ConvTranspose2d"]


class ConvTranspose2d(KernelLayer):
    """A 2-D transposed convolution layer in numpy, the twin of ``torch.nn.ConvTranspose2d``.

    Parameters
    ----------
    in_channels : int
        ``C_in``, channels of the input.
    out_channels : int
        ``C_out``, channels of the output.
    kernel_size : int or (int, int)
        ``(kh, kw)``; an int gives a square kernel.
    stride, padding, output_padding, groups, dilation
        As in :func:`convcourse.transposed.conv_transpose2d_forward`; checked here,
        when the layer is made. ``groups`` must divide both channel counts.
    bias : bool, default True
        Whether the layer adds a learnable bias.
    rng : None, int or numpy.random.Generator
        Source of the initial weights; pass a seed for reproducible runs.
    implementation : {"naive", "fast"}, default "naive"
        Compute with the loops of :mod:`convcourse.transposed` (to read) or with
        :mod:`convcourse.fast_transposed` (matrix products, to train); it can be
        changed at any time.

    Shapes::

        x       (N, C_in, H, W) -> out (N, C_out, H_out, W_out)
        weight  (C_in, C_out // groups, kh, kw)
        bias    (C_out,)
        H_out = (H - 1) s_h - 2 p_h + d_h (kh - 1) + op_h + 1   (the same for W_out)

    Attributes
    ----------
    weight : numpy.ndarray, shape (C_in, C_out // groups, kh, kw)
    bias : numpy.ndarray, shape (C_out,), or None
    grad_weight, grad_bias : numpy.ndarray or None
        Filled by :meth:`backward`, in the dtype of their parameter.

    Notes
    -----
    **Initialisation.** Weights are drawn from ``N(0, 2 / fan_in)`` and biases start
    at zero, as in :class:`convcourse.layers.Conv2d`, with the fan-in the number of
    products one output sums on average: each input pixel stamps ``kh kw`` taps onto
    an output ``s_h s_w`` times as large, so an output receives
    ``fan_in = (C_in // groups) kh kw / (s_h s_w)`` of them (away from the
    borders; with ``kh`` not a multiple of ``s_h`` some outputs receive more than
    others, the uneven overlap behind checkerboard artifacts).

    Examples
    --------
    >>> up = ConvTranspose2d(8, 4, kernel_size=4, stride=2, padding=1, rng=0)
    >>> up.forward(np.zeros((2, 8, 7, 7))).shape
    (2, 4, 14, 14)
    """

    _functions = {
        "naive": Functions(transposed.conv_transpose2d_forward,
                           transposed.conv_transpose2d_backward),
        "fast": Functions(fast_transposed.conv_transpose2d_forward,
                          fast_transposed.conv_transpose2d_backward),
    }

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        output_padding: int | tuple[int, int] = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: int | tuple[int, int] = 1,
        rng: np.random.Generator | int | None = None,
        implementation: str = "naive",
    ) -> None:
        self.in_channels = check_int(in_channels, "in_channels")
        self.out_channels = check_int(out_channels, "out_channels")
        self.groups = check_groups(groups, self.in_channels, self.out_channels)
        check_pair(padding, "padding", minimum=0)  # as in torch: no "same" or "valid" here
        self.kernel_size, self.stride, pads, self.dilation = check_window(
            kernel_size, stride, padding, dilation
        )
        self.padding = (pads[0], pads[2])
        self.output_padding = check_output_padding(output_padding, stride, dilation)
        has_bias = check_bool(bias, "bias")
        generator = check_rng(rng)
        self.implementation = implementation

        kernel_h, kernel_w = self.kernel_size
        fan_in = (self.in_channels // self.groups) * kernel_h * kernel_w
        fan_in /= self.stride[0] * self.stride[1]
        shape = (self.in_channels, self.out_channels // self.groups, kernel_h, kernel_w)
        self._init_parameters(shape, fan_in, has_bias, generator)

    def _hyper(self) -> dict:
        return {"stride": self.stride, "padding": self.padding,
                "output_padding": self.output_padding, "groups": self.groups,
                "dilation": self.dilation}

    def __repr__(self) -> str:
        return (
            f"ConvTranspose2d({self.in_channels}, {self.out_channels}, "
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"output_padding={self.output_padding}, groups={self.groups}, "
            f"bias={self.bias is not None}, dilation={self.dilation}, "
            f"implementation={self.implementation!r})"
        )
