"""A network: layers applied one after another, and the chain rule run backwards.

:class:`Sequential` is itself a :class:`~convcourse.layers.Layer`: its forward pass
feeds each layer's output to the next, and its backward pass hands each layer's
``dL/dx`` to the layer before, which is the chain rule, one layer at a time:

.. math::

    \\frac{\\partial L}{\\partial x_{k}} =
    \\Big(\\frac{\\partial x_{k+1}}{\\partial x_{k}}\\Big)^{\\!\\top}
    \\frac{\\partial L}{\\partial x_{k+1}} .
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from .geometry import conv_output_size
from .layers import Conv2d, Flatten, Layer, Linear, MaxPool2d, Parameter, ReLU
from .validation import check_bool, check_int, check_rng, check_shape

__all__ = ["Sequential", "lenet"]


class Sequential(Layer):
    """Layers in a row, the counterpart of ``torch.nn.Sequential``.

    Parameters
    ----------
    *layers : Layer
        Applied in the order given.

    Notes
    -----
    ``parameters()`` lists every layer's parameters, named ``"index.name"`` as torch
    names them (``"0.weight"``, ``"0.bias"``, ``"3.weight"``, ...), so that the two
    can be matched name by name.

    ``train()`` and ``eval()`` switch every layer (:mod:`convcourse.modes`), layers
    inside layers included, and ``buffers()`` lists their buffers (running
    statistics), named ``"index.name"`` too.

    Examples
    --------
    >>> from convcourse.layers import Conv2d, Flatten, Linear, ReLU
    >>> net = Sequential(Conv2d(1, 2, 3, rng=0), ReLU(), Flatten(), Linear(2 * 6 * 6, 10, rng=1))
    >>> net.forward(np.zeros((5, 1, 8, 8))).shape
    (5, 10)
    >>> [p.name for p in net.parameters()]
    ['0.weight', '0.bias', '3.weight', '3.bias']
    """

    def __init__(self, *layers: Layer) -> None:
        for index, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(
                    f"layers[{index}] must be a convcourse layer (with forward, backward and "
                    f"parameters), got {type(layer).__name__}"
                )
        self.layers = list(layers)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Each layer's output is the next layer's input; returns the last output."""
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, grad_out: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        """Back through the layers in reverse order; each stores its parameters'
        gradients and passes ``dL/dx`` on. Returns ``dL/d input``, or ``None`` with
        ``input_grad=False``, when the input is data that needs no gradient (torch's
        ``requires_grad=False``): a first ``Conv2d`` then skips computing it."""
        input_grad = check_bool(input_grad, "input_grad")
        for index in reversed(range(len(self.layers))):
            layer = self.layers[index]
            if index == 0 and isinstance(layer, Conv2d):
                return layer.backward(grad_out, input_grad=input_grad)
            grad_out = layer.backward(grad_out)
        return grad_out if input_grad else None

    def parameters(self) -> list[Parameter]:
        """Every layer's parameters, in order, named ``"index.name"``."""
        return [
            Parameter(f"{index}.{p.name}", p.value, p.grad)
            for index, layer in enumerate(self.layers)
            for p in layer.parameters()
        ]

    def named_layers(self) -> list[tuple[str, Layer]]:
        """``("0", first layer)``, ``("1", second layer)``, ...: the names torch gives them."""
        return [(str(index), layer) for index, layer in enumerate(self.layers)]

    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, index: int) -> Layer:
        return self.layers[index]

    def __iter__(self) -> Iterator[Layer]:
        return iter(self.layers)

    def __repr__(self) -> str:
        lines = [f"  ({index}): {layer!r}".replace("\n", "\n  ")  # nested layers indented
                 for index, layer in enumerate(self.layers)]
        return "Sequential(\n" + "\n".join(lines) + "\n)"


def lenet(
    channels: tuple[int, int] = (16, 32),
    classes: int = 10,
    image_size: int = 8,
    rng: np.random.Generator | int | None = None,
    implementation: str = "naive",
    output_gain: float = 0.1,
) -> Sequential:
    """A LeNet-style network for small grey images: (conv, ReLU, max-pool) twice, then linear.

    ::

        (N, 1, S, S)
        Conv2d(1, c1, 3, padding=1)  ReLU  MaxPool2d(2)    -> (N, c1, S/2, S/2)
        Conv2d(c1, c2, 3, padding=1) ReLU  MaxPool2d(2)    -> (N, c2, S/4, S/4)
        Flatten                                             -> (N, c2 (S/4)^2)
        Linear(c2 (S/4)^2, classes)                         -> (N, classes)

    The 3x3 convolutions with padding 1 keep the size; each pooling halves it
    (rounding down). For
    the 8x8 digits with the default channels that is 16 * 10 + 32 * 145 + 10 * 129
    = 6,090 parameters (see chapter 4 for counting them).

    Parameters
    ----------
    channels : (int, int), default (16, 32)
        Output channels of the two convolutions.
    classes : int, default 10
        Scores the network outputs.
    image_size : int, default 8
        Height and width of the (square) input, at least 4.
    rng : None, int or numpy.random.Generator
        Source of the initial weights (He initialisation, see ``Conv2d`` and ``Linear``).
    implementation : {"naive", "fast"}, default "naive"
        How the convolutions and poolings compute.
    output_gain : float, default 0.1
        The ``gain`` of the output ``Linear``: its weights' standard deviation is
        ``output_gain / sqrt(fan_in)``. He's ``sqrt(2)`` is meant for a layer followed
        by a ReLU; the output layer is followed by the softmax, and a small gain starts
        its scores near zero, so that the untrained network's first loss is close to
        ``log(classes)`` (chance), not several times larger.

    Examples
    --------
    >>> net = lenet(rng=0)
    >>> net.forward(np.zeros((3, 1, 8, 8))).shape
    (3, 10)
    >>> sum(p.value.size for p in net.parameters())
    6090
    >>> from convcourse.loss import softmax_cross_entropy
    >>> x, y = np.random.default_rng(0).standard_normal((64, 1, 8, 8)), np.arange(64) % 10
    >>> loss = softmax_cross_entropy(net.forward(x), y)[0]
    >>> bool(abs(loss - np.log(10)) < 0.1)  # chance: every class about 1 / 10
    True
    """
    c1, c2 = check_shape(channels, "channels", "(c1, c2)")
    classes = check_int(classes, "classes")
    image_size = check_int(image_size, "image_size", minimum=4)
    pooled = conv_output_size(conv_output_size(image_size, 2, 2), 2, 2)  # two poolings
    generator = check_rng(rng)
    return Sequential(
        Conv2d(1, c1, 3, padding=1, rng=generator, implementation=implementation),
        ReLU(),
        MaxPool2d(2, implementation=implementation),
        Conv2d(c1, c2, 3, padding=1, rng=generator, implementation=implementation),
        ReLU(),
        MaxPool2d(2, implementation=implementation),
        Flatten(),
        Linear(c2 * pooled**2, classes, rng=generator, gain=output_gain),
    )
