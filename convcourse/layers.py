"""Layers: a forward pass, a backward pass, and the parameters they learn.

Every layer follows one small protocol (:class:`Layer`), the numpy counterpart of
``torch.nn.Module``, so that a network (:class:`convcourse.network.Sequential`) can
chain any of them and an optimiser (:class:`convcourse.optim.SGD`) can update any of
them:

* ``forward(x)`` computes the output and keeps what the backward pass needs in
  ``cache``, a named tuple (CS231n's *cache*): a copy of the input for
  :class:`Conv2d`, :class:`Linear` and pooling (:class:`InputCache`), where the
  input was positive for :class:`ReLU` (:class:`MaskCache`), the input's shape for
  :class:`Flatten` (:class:`ShapeCache`); each also keeps the output's shape, which
  ``grad_out`` must have;
* ``backward(grad_out)`` takes ``dL/d out``, reads the cache, stores the gradient of
  each parameter and returns ``dL/dx``, for the layer before;
* ``parameters()`` lists :class:`Parameter` triples ``(name, value, grad)``: the
  array itself (an optimiser updates it in place) and its latest gradient (``None``
  before the first backward pass).

Each backward pass *replaces* the stored gradients (torch adds to them until they
are zeroed), so there is nothing to reset between steps.

The layers, their shapes and their parameters::

    Conv2d      (N, C, H, W) -> (N, O, H_out, W_out)   weight (O, C // g, kh, kw), bias (O,)
    Linear      (N, in_features) -> (N, out_features)  weight (out, in), bias (out,)
    ReLU        any shape, kept                        -
    MaxPool2d   (N, C, H, W) -> (N, C, H_out, W_out)   -
    AvgPool2d   (N, C, H, W) -> (N, C, H_out, W_out)   -
    Flatten     (N, C, H, W) -> (N, C H W)             -

``Conv2d`` and the pooling layers compute with loops (``implementation="naive"``, the
default, to read) or vectorised (``"fast"``, to train). The pooling layers are
defined in :mod:`convcourse.pool_layers`, the transposed convolution in
:mod:`convcourse.transposed_layer` (on :class:`KernelLayer`, with ``Conv2d``).
"""

from __future__ import annotations

import numpy as np

from . import fast, naive
from .geometry import check_groups
from .layer_protocol import (
    IMPLEMENTATIONS,
    Functions,
    InputCache,
    Layer,
    MaskCache,
    Parameter,
    ShapeCache,
    SwitchableLayer,
)
from .pool_layers import AvgPool2d, MaxPool2d
from .validation import (
    check_array,
    check_bool,
    check_int,
    check_number,
    check_rng,
    result_dtype,
)
from .window import check_window

__all__ = [
    "AvgPool2d",
    "Conv2d",
    "Flatten",
    "Functions",
    "IMPLEMENTATIONS",
    "InputCache",
    "KernelLayer",
    "Layer",
    "Linear",
    "MaskCache",
    "MaxPool2d",
    "Parameter",
    "ReLU",
    "ShapeCache",
    "WeightedLayer",
]

class WeightedLayer(Layer):
    """A layer that learns a ``weight`` and, optionally, a ``bias``: the parameters
    and gradients :class:`Linear`, :class:`Conv2d` and
    :class:`~convcourse.transposed_layer.ConvTranspose2d` share."""

    weight: np.ndarray
    bias: np.ndarray | None
    grad_weight: np.ndarray | None = None
    grad_bias: np.ndarray | None = None

    def parameters(self) -> list[Parameter]:
        """``weight`` and, if the layer has one, ``bias``, with their gradients."""
        weight = Parameter("weight", self.weight, self.grad_weight)
        if self.bias is None:
            return [weight]
        return [weight, Parameter("bias", self.bias, self.grad_bias)]


class KernelLayer(SwitchableLayer, WeightedLayer):
    """A layer that slides a learned kernel: the part :class:`Conv2d` and
    :class:`~convcourse.transposed_layer.ConvTranspose2d` share.

    Its functions (``_functions``, by implementation) are called as
    ``forward(x, weight, bias, **hyper)`` and ``backward(grad_out, x, weight, **hyper)
    -> (grad_x, grad_weight, grad_bias)``, with the hyper-parameters ``_hyper()``
    returns; it keeps a copy of its input (:class:`InputCache`).
    """

    def _init_parameters(self, shape: tuple[int, int, int, int], fan_in: float, bias: bool,
                         generator: np.random.Generator) -> None:
        """He initialisation: weights from ``N(0, 2 / fan_in)``, biases (one per output
        channel, ``out_channels``) at zero, no gradients yet."""
        self.weight = generator.normal(0.0, np.sqrt(2.0 / fan_in), size=shape)
        self.bias = np.zeros(self.out_channels) if bias else None
        self.grad_weight = self.grad_bias = None

    def _hyper(self) -> dict:
        """The hyper-parameters the functions take, by name."""
        raise NotImplementedError

    def forward(self, x: np.ndarray) -> np.ndarray:
        """The layer's output for ``x`` of shape ``(N, C, H, W)``:
        ``(N, O, H_out, W_out)``.

        A copy of the input is kept for :meth:`backward`, so changing ``x`` in place
        afterwards cannot change the gradients.
        """
        out = self.functions.forward(x, self.weight, self.bias, **self._hyper())
        self.cache = InputCache(x.copy(), out.shape)
        return out

    def backward(self, grad_out: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        """Back-propagate ``grad_out = dL/d out`` through the last :meth:`forward`.

        Stores ``grad_weight`` (``dL/dweight``) and ``grad_bias`` (``dL/dbias``, or
        ``None`` for a layer without bias) and returns ``grad_x = dL/dx``, or ``None``
        with ``input_grad=False``: a network's first layer, whose input is data, need
        not compute it (a fast backward that can skip it then does).
        """
        x = self._cache_for(grad_out).x
        hyper = self._hyper()
        if not check_bool(input_grad, "input_grad") and self._fast_skips_input_grad():
            hyper["input_grad"] = False
        grad_x, grad_weight, grad_bias = self.functions.backward(
            grad_out, x, self.weight, **hyper
        )
        # Gradients have their parameter's dtype, whatever the input's was.
        self.grad_weight = grad_weight.astype(self.weight.dtype, copy=False)
        if self.bias is not None:
            self.grad_bias = grad_bias.astype(self.bias.dtype, copy=False)
        else:
            self.grad_bias = None
        return grad_x if input_grad else None

    def _fast_skips_input_grad(self) -> bool:
        """Whether this layer's backward takes ``input_grad=False`` (only
        :func:`convcourse.fast.conv2d_backward` does)."""
        return False


class Conv2d(KernelLayer):
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
    implementation : {"naive", "fast"}, default "naive"
        Compute with the loops of :mod:`convcourse.naive` (to read) or with
        :mod:`convcourse.fast` (im2col, to train). The results are the same up to
        rounding; it can be changed at any time.

    Attributes
    ----------
    weight : numpy.ndarray, shape (O, C // groups, kh, kw)
    bias : numpy.ndarray, shape (O,), or None
    grad_weight, grad_bias : numpy.ndarray or None
        Filled by :meth:`backward`, in the dtype of their parameter.

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

    _functions = {
        "naive": Functions(naive.conv2d_forward, naive.conv2d_backward),
        "fast": Functions(fast.conv2d_forward, fast.conv2d_backward),
    }

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
        implementation: str = "naive",
    ) -> None:
        in_channels = check_int(in_channels, "in_channels")
        out_channels = check_int(out_channels, "out_channels")
        groups = check_groups(groups, in_channels, out_channels)
        bias = check_bool(bias, "bias")
        (kernel_h, kernel_w), *_ = check_window(kernel_size, stride, padding, dilation)
        generator = check_rng(rng)
        self.implementation = implementation

        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = (kernel_h, kernel_w)
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups

        fan_in = (in_channels // groups) * kernel_h * kernel_w
        shape = (out_channels, in_channels // groups, kernel_h, kernel_w)
        self._init_parameters(shape, fan_in, bias, generator)

    def _hyper(self) -> dict:
        return {
            "stride": self.stride,
            "padding": self.padding,
            "dilation": self.dilation,
            "groups": self.groups,
        }

    def _fast_skips_input_grad(self) -> bool:
        return self.implementation == "fast"

    def __repr__(self) -> str:
        return (
            f"Conv2d({self.in_channels}, {self.out_channels}, "
            f"kernel_size={self.kernel_size}, stride={self.stride}, "
            f"padding={self.padding!r}, dilation={self.dilation}, groups={self.groups}, "
            f"bias={self.bias is not None}, implementation={self.implementation!r})"
        )


class Linear(WeightedLayer):
    """A fully connected layer, ``out = x W^T + b``, the counterpart of ``torch.nn.Linear``.

    Every output is a weighted sum of all ``in_features`` inputs:
    ``out[n, o] = sum_i x[n, i] W[o, i] + b[o]``.

    Parameters
    ----------
    in_features : int
        Numbers per example coming in.
    out_features : int
        Numbers per example going out (for the last layer: one score per class).
    bias : bool, default True
        Whether the layer adds a learnable bias.
    rng : None, int or numpy.random.Generator
        Source of the initial weights.
    gain : float, default sqrt(2)
        The initial weights' standard deviation is ``gain / sqrt(in_features)``:
        ``sqrt(2)`` (He) for a layer followed by a ReLU; a small gain for a network's
        output layer, so that its first scores are near zero (see Notes).

    Attributes
    ----------
    weight : numpy.ndarray, shape (out_features, in_features)
    bias : numpy.ndarray, shape (out_features,), or None
    grad_weight, grad_bias : numpy.ndarray or None
        Filled by :meth:`backward`.

    Notes
    -----
    **Initialisation.** Weights are drawn from ``N(0, 2 / in_features)``, biases
    start at zero: the same He initialisation as :class:`Conv2d`, with the fan-in
    ``in_features``. An output sums ``in_features`` products ``W[o, i] x[i]``; with
    independent weights of variance ``2 / in_features`` and inputs that come out of
    a ReLU (so ``E[x^2]`` is half the variance before the ReLU), the output's
    variance equals that of the layer before: signals neither explode nor die as
    they pass through a ReLU network. (torch's default is different, uniform on
    ``+-1 / sqrt(in_features)``; when the two are compared the weights are copied.)

    The output layer of a classifier is not followed by a ReLU but by the softmax:
    there large initial scores only make the untrained network confidently wrong, and
    its first loss far above ``log(classes)``. A ``gain`` well below 1 starts the
    scores near zero, the probabilities near uniform and the loss near
    ``log(classes)`` (:func:`convcourse.network.lenet` uses ``output_gain=0.1``).

    Examples
    --------
    >>> layer = Linear(64, 10, rng=0)
    >>> layer.forward(np.ones((5, 64))).shape
    (5, 10)
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        rng: np.random.Generator | int | None = None,
        gain: float = 2**0.5,
    ) -> None:
        self.in_features = check_int(in_features, "in_features")
        self.out_features = check_int(out_features, "out_features")
        bias = check_bool(bias, "bias")
        gain = check_number(gain, "gain", positive=True)
        generator = check_rng(rng)
        shape = (self.out_features, self.in_features)
        self.weight = generator.normal(0.0, gain / np.sqrt(self.in_features), size=shape)
        self.bias = np.zeros(self.out_features) if bias else None
        self.grad_weight = self.grad_bias = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """``x @ weight.T + bias`` for ``x`` of shape ``(N, in_features)``;
        returns ``(N, out_features)`` in the input's dtype (float64 for integers)."""
        x = check_array(x, "x", 2, "(N, in_features)")
        if x.shape[1] != self.in_features:
            raise ValueError(
                f"x has {x.shape[1]} features but the layer expects {self.in_features} "
                f"(in_features), x shape {x.shape}"
            )
        dtype = result_dtype(x)
        out = x.astype(dtype, copy=False) @ self.weight.T.astype(dtype, copy=False)
        if self.bias is not None:
            out += self.bias.astype(dtype, copy=False)
        self.cache = InputCache(x.copy(), out.shape)
        return out

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """From ``grad_out`` ``(N, out_features)``: ``grad_weight = grad_out^T x``,
        ``grad_bias = grad_out`` summed over the batch, and returns
        ``grad_x = grad_out W`` ``(N, in_features)``."""
        x = self._cache_for(grad_out).x
        dtype = result_dtype(x)
        self.grad_weight = (grad_out.T @ x).astype(self.weight.dtype, copy=False)
        if self.bias is not None:
            self.grad_bias = grad_out.sum(axis=0).astype(self.bias.dtype, copy=False)
        return (grad_out @ self.weight).astype(dtype, copy=False)

    def __repr__(self) -> str:
        return (f"Linear(in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None})")


class ReLU(Layer):
    """The rectified linear unit, ``max(x, 0)`` element by element (``torch.nn.ReLU``).

    Its gradient is 1 where the input was positive and 0 elsewhere (0 at exactly 0,
    as in torch), so ``backward`` passes ``grad_out`` through where ``x > 0`` and
    blocks it elsewhere. Any shape; the output has the input's. The forward pass is
    ``np.maximum(x, 0)`` (as torch: ``-inf`` gives 0, NaN stays NaN); the backward pass
    multiplies ``grad_out`` by the mask ``x > 0`` (an infinite or NaN gradient where the
    mask is False gives NaN, where torch gives 0). Both are ufuncs without a branch per
    element: ``np.where(x > 0, x, 0)`` is ten times slower on a ReLU's patternless mask.

    Examples
    --------
    >>> relu = ReLU()
    >>> relu.forward(np.array([[-1.0, 0.0, 2.0]]))
    array([[0., 0., 2.]])
    >>> relu.backward(np.array([[5.0, 5.0, 5.0]]))
    array([[0., 0., 5.]])
    """

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = check_array(x, "x", None, "(N, ...)")
        positive = x > 0
        self.cache = MaskCache(positive=positive, out_shape=x.shape)
        return np.maximum(x, 0).astype(result_dtype(x), copy=False)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        positive = self._cache_for(grad_out).positive
        grad_x = np.multiply(grad_out, positive, dtype=result_dtype(grad_out))
        grad_x += 0.0  # as in forward: 0.0, not -0.0, where the input was not positive
        return grad_x

    def __repr__(self) -> str:
        return "ReLU()"


class Flatten(Layer):
    """Lay each example's feature maps out as one vector: ``(N, C, H, W) -> (N, C H W)``.

    The order is numpy's (and torch's ``nn.Flatten``): channel, then row, then
    column. ``backward`` reshapes the gradient back.

    Examples
    --------
    >>> Flatten().forward(np.zeros((2, 16, 2, 2))).shape
    (2, 64)
    """

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = check_array(x, "x", 4, "(N, C, H, W)")
        out = x.reshape(x.shape[0], -1)
        self.cache = ShapeCache(in_shape=x.shape, out_shape=out.shape)
        return out

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        in_shape = self._cache_for(grad_out).in_shape
        return grad_out.reshape(in_shape)

    def __repr__(self) -> str:
        return "Flatten()"
