"""A convolution layer with parameters, a forward pass and a backward pass."""

from __future__ import annotations

import numpy as np

from . import naive
from .geometry import check_groups
from .validation import check_array, check_bool, check_int, check_pair, check_rng

__all__ = ["Conv2d"]


class Conv2d:
    """A 2-D convolution layer in numpy, the counterpart of ``torch.nn.Conv2d``.

    Parameters
    ----------
    in_channels : int
        ``C``, channels of the input.
    out_channels : int
        ``O``, number of kernels (channels of the output).
    kernel_size : int or (int, int)
        ``(kh, kw)``; an int gives a square kernel.
    stride, padding, dilation, groups
        As in :func:`convcourse.naive.conv2d_forward`.
    bias : bool, default True
        Whether the layer adds a learnable bias.
    rng : None, int or numpy.random.Generator
        Source of the initial weights; pass a seed for reproducible runs.

    Attributes
    ----------
    weight : numpy.ndarray, shape (O, C // groups, kh, kw)
    bias : numpy.ndarray, shape (O,), or None
    grad_weight, grad_bias : numpy.ndarray or None
        Filled by :meth:`backward`.

    Notes
    -----
    **Initialisation.** Weights are drawn from ``N(0, 2 / fan_in)`` with
    ``fan_in = (C // groups) * kh * kw``, the number of inputs that feed one output
    (He et al., 2015, "Delving deep into rectifiers"). With that variance a
    convolution followed by a ReLU keeps the scale of its signal from layer to layer.
    The fan-in must count the kernel's area: dividing by ``C`` alone (as the seed
    tutorial did) makes outputs ``sqrt(kh * kw)`` times too large, a factor 3 for
    a 3x3 kernel, which compounds with depth. Biases start at zero.

    Examples
    --------
    >>> layer = Conv2d(3, 8, kernel_size=3, padding=1, rng=0)
    >>> layer.forward(np.zeros((2, 3, 5, 5))).shape
    (2, 8, 5, 5)
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] | str = 0,
        dilation: int | tuple[int, int] = 1,
        groups: int = 1,
        bias: bool = True,
        rng: np.random.Generator | int | None = None,
    ) -> None:
        in_channels = check_int(in_channels, "in_channels")
        out_channels = check_int(out_channels, "out_channels")
        groups = check_groups(groups, in_channels, out_channels)
        bias = check_bool(bias, "bias")
        kernel_h, kernel_w = check_pair(kernel_size, "kernel_size", minimum=1)
        generator = check_rng(rng)

        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = (kernel_h, kernel_w)
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups

        fan_in = (in_channels // groups) * kernel_h * kernel_w
        shape = (out_channels, in_channels // groups, kernel_h, kernel_w)
        self.weight = generator.normal(0.0, np.sqrt(2.0 / fan_in), size=shape)
        self.bias = np.zeros(out_channels) if bias else None
        self.grad_weight: np.ndarray | None = None
        self.grad_bias: np.ndarray | None = None
        self._x: np.ndarray | None = None

    def _hyper(self) -> dict:
        return {
            "stride": self.stride,
            "padding": self.padding,
            "dilation": self.dilation,
            "groups": self.groups,
        }

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Convolve ``x`` of shape ``(N, C, H, W)``; returns ``(N, O, H_out, W_out)``.

        A copy of the input is kept for :meth:`backward`, so changing ``x`` in place
        afterwards cannot change the gradients.
        """
        out = naive.conv2d_forward(x, self.weight, self.bias, **self._hyper())
        self._x = x.copy()
        return out

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Back-propagate ``grad_out = dL/d out`` through the last :meth:`forward`.

        Stores ``grad_weight`` (``dL/dweight``) and ``grad_bias`` (``dL/dbias``, or
        ``None`` for a layer without bias) and returns ``grad_x = dL/dx``.
        """
        if self._x is None:
            raise RuntimeError("Conv2d.backward was called before forward: call forward(x) first")
        check_array(grad_out, "grad_out", 4, "(N, O, H_out, W_out)")
        grad_x, grad_weight, grad_bias = naive.conv2d_backward(
            grad_out, self._x, self.weight, **self._hyper()
        )
        # Gradients have their parameter's dtype, whatever the input's was.
        self.grad_weight = grad_weight.astype(self.weight.dtype, copy=False)
        if self.bias is not None:
            self.grad_bias = grad_bias.astype(self.bias.dtype, copy=False)
        else:
            self.grad_bias = None
        return grad_x

    __call__ = forward

    def __repr__(self) -> str:
        return (
            f"Conv2d({self.in_channels}, {self.out_channels}, "
            f"kernel_size={self.kernel_size}, stride={self.stride}, "
            f"padding={self.padding!r}, dilation={self.dilation}, groups={self.groups}, "
            f"bias={self.bias is not None})"
        )
