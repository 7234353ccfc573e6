"""The blocks of a deep CNN: residual connections and global average pooling.

* :class:`Residual`: ``x + block(x)``, the shortcut of He et al. (2016), "Deep residual
  learning for image recognition". The gradient reaches ``x`` twice, through the
  block and straight through the addition, so even a deep stack of blocks passes a
  gradient back to its first layer.
* :class:`GlobalAvgPool2d`: the mean of every feature map, ``(N, C, H, W) -> (N, C)``,
  the classifier head of networks since Lin et al. (2014), "Network in network": one
  number per channel, wherever in the image the feature was found.
* :func:`basic_block` and :func:`small_resnet`: a residual network for small grey
  images assembled from them, with :class:`~convcourse.normalization.BatchNorm2d`.
"""

from __future__ import annotations

import numpy as np

from .layers import Conv2d, Layer, Linear, Parameter, ReLU
from .network import Sequential
from .normalization import BatchNorm2d
from .validation import check_array, check_array_shape, check_int, check_rng, result_dtype

__all__ = ["GlobalAvgPool2d", "Residual", "basic_block", "small_resnet"]


def _block_channels(block: Sequential) -> tuple[int, int] | None:
    """``(in, out)`` channels of a block, from its first and last ``Conv2d``, if any."""
    convolutions = [layer for layer in block if isinstance(layer, Conv2d)]
    if not convolutions:
        return None
    return convolutions[0].in_channels, convolutions[-1].out_channels


class Residual(Layer):
    """A residual block, ``block(x) + shortcut(x)``, with the gradient through the sum.

    The shortcut is the identity, ``x`` itself, when the block keeps the shape of its
    input. When it does not (more channels, or a stride that shrinks the maps) ``x``
    cannot be added as it is: pass a ``projection``, normally a 1x1 convolution with
    the block's stride, ``Conv2d(C_in, C_out, 1, stride=s, bias=False)``, and the
    shortcut becomes ``projection(x)``. The projection is given explicitly, never made
    up on the fly: its weights are parameters like any other, which the optimiser,
    the parameter count and the torch twin must all see from the start.

    Parameters
    ----------
    *layers : Layer
        The block, applied in order (kept as a :class:`~convcourse.network.Sequential`).
    projection : Layer or None, keyword-only, default None
        The shortcut's layer; ``None`` for the identity.

    Attributes
    ----------
    block : Sequential
        The layers; their parameters are named ``"block.0.weight"``, ... (as torch
        names the twin's, see :func:`convcourse.reference.torch_twin`).
    projection : Layer or None
        Its parameters are named ``"projection.weight"``, ...
    cache : tuple of int or None
        The shape of the last forward pass's output, which ``grad_out`` must have.

    Notes
    -----
    Forward ``out = F(x) + x``, with ``F`` the block. Backward, for ``g = dL/d out``::

        dL/dx = dF/dx^T g + g        (with a projection P: dF/dx^T g + dP/dx^T g)

    The ``+ g`` is the shortcut: whatever the block does to the gradient, ``g``
    itself reaches ``x`` unchanged. The channels are checked when the block is
    built (from its first and last ``Conv2d``), the whole shapes at every forward.

    Examples
    --------
    >>> block = Residual(Conv2d(4, 4, 3, padding=1, rng=0), ReLU())
    >>> block.forward(np.zeros((2, 4, 5, 5))).shape
    (2, 4, 5, 5)
    >>> down = Residual(Conv2d(4, 8, 3, stride=2, padding=1, rng=0),
    ...                 projection=Conv2d(4, 8, 1, stride=2, bias=False, rng=1))
    >>> down.forward(np.zeros((2, 4, 6, 6))).shape
    (2, 8, 3, 3)
    >>> [p.name for p in down.parameters()]
    ['block.0.weight', 'block.0.bias', 'projection.weight']
    """

    def __init__(self, *layers: Layer, projection: Layer | None = None) -> None:
        if not layers:
            raise ValueError("Residual needs at least one layer in its block, got none")
        block = Sequential(*layers)  # checks that each is a layer
        if projection is not None and not isinstance(projection, Layer):
            raise TypeError(f"projection must be a convcourse layer or None, got "
                            f"{type(projection).__name__}")
        channels = _block_channels(block)
        if channels is not None and projection is None and channels[0] != channels[1]:
            raise ValueError(
                f"the block turns {channels[0]} channels into {channels[1]}, so x cannot be "
                f"added to its output: pass projection=Conv2d({channels[0]}, {channels[1]}, "
                f"1, stride=<the block's stride>)"
            )
        if channels is not None and isinstance(projection, Conv2d):
            given = (projection.in_channels, projection.out_channels)
            if given != channels:
                raise ValueError(
                    f"projection must turn the block's {channels[0]} input channels into "
                    f"its {channels[1]} output channels, got a Conv2d from {given[0]} to "
                    f"{given[1]}"
                )
        self.block = block
        self.projection = projection
        self.cache: tuple[int, ...] | None = None

    def named_layers(self) -> list[tuple[str, Layer]]:
        """``("block", block)`` and, if there is one, ``("projection", projection)``."""
        named: list[tuple[str, Layer]] = [("block", self.block)]
        return named if self.projection is None else [*named, ("projection", self.projection)]

    def forward(self, x: np.ndarray) -> np.ndarray:
        """``block(x) + x`` (or ``+ projection(x)``); the two must have one shape."""
        out = self.block.forward(x)
        shortcut = x if self.projection is None else self.projection.forward(x)
        if out.shape != shortcut.shape:
            what = "x" if self.projection is None else "projection(x)"
            hint = (" (pass a projection, a 1x1 Conv2d with the block's stride)"
                    if self.projection is None else "")
            raise ValueError(
                f"the block's output has shape {out.shape} but {what} has shape "
                f"{shortcut.shape}: they cannot be added{hint}"
            )
        self.cache = out.shape
        return out + shortcut

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """``dL/dx``: through the block plus through the shortcut (``grad_out`` itself,
        or back through the projection); the block's and the projection's layers
        store their parameters' gradients on the way."""
        if self.cache is None:
            raise RuntimeError("Residual.backward was called before forward: call forward(x) "
                               "first")
        check_array_shape(grad_out, "grad_out", self.cache, "the forward output's")
        grad_x = self.block.backward(grad_out)
        if self.projection is None:
            return grad_x + grad_out
        return grad_x + self.projection.backward(grad_out)

    def parameters(self) -> list[Parameter]:
        """The block's parameters, then the projection's, named as torch names them."""
        return [Parameter(f"{prefix}.{p.name}", p.value, p.grad)
                for prefix, layer in self.named_layers() for p in layer.parameters()]

    def __repr__(self) -> str:
        inner = "\n".join(f"  ({name}): {layer!r}".replace("\n", "\n  ")
                          for name, layer in self.named_layers())
        return f"Residual(\n{inner}\n)"


class GlobalAvgPool2d(Layer):
    """The mean of every feature map: ``(N, C, H, W) -> (N, C)``.

    The same as ``torch.nn.AdaptiveAvgPool2d(1)`` followed by ``torch.nn.Flatten()``.
    Each of the ``H W`` positions gets an equal share of the gradient:
    ``dL/dx[n, c, i, j] = g[n, c] / (H W)``.

    Attributes
    ----------
    cache : tuple of int or None
        The shape of the last forward pass's input, which the gradient is spread over.

    Examples
    --------
    >>> pool = GlobalAvgPool2d()
    >>> pool.forward(np.arange(8.0).reshape(1, 2, 2, 2))
    array([[1.5, 5.5]])
    >>> pool.backward(np.array([[4.0, 8.0]]))[0, 1]
    array([[2., 2.],
           [2., 2.]])
    """

    def __init__(self) -> None:
        self.cache: tuple[int, ...] | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = check_array(x, "x", 4, "(N, C, H, W)")
        self.cache = x.shape
        return x.mean(axis=(2, 3), dtype=result_dtype(x))

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        if self.cache is None:
            raise RuntimeError("GlobalAvgPool2d.backward was called before forward: call "
                               "forward(x) first")
        n, c, h, w = self.cache
        check_array_shape(grad_out, "grad_out", (n, c), "the forward output's")
        share = grad_out.astype(result_dtype(grad_out), copy=False) / (h * w)
        return np.broadcast_to(share[:, :, None, None], self.cache).copy()

    def __repr__(self) -> str:
        return "GlobalAvgPool2d()"


def basic_block(
    in_channels: int,
    out_channels: int,
    stride: int = 1,
    rng: np.random.Generator | int | None = None,
    implementation: str = "naive",
) -> Residual:
    """ResNet's basic block: two 3x3 convolutions with batch norm, and the shortcut.

    ::

        Conv2d(C_in, C_out, 3, stride, padding=1, bias=False)  BatchNorm2d  ReLU
        Conv2d(C_out, C_out, 3, padding=1, bias=False)         BatchNorm2d
        + x, or + Conv2d(C_in, C_out, 1, stride, bias=False)(x) when the shape changes

    The convolutions have no bias: the batch norm after each would cancel it (its
    ``beta`` is the bias). The ReLU after the sum is left to the caller, as in
    :func:`small_resnet`.

    Examples
    --------
    >>> basic_block(8, 16, stride=2, rng=0).forward(np.zeros((2, 8, 8, 8))).shape
    (2, 16, 4, 4)
    """
    in_channels = check_int(in_channels, "in_channels")
    out_channels = check_int(out_channels, "out_channels")
    stride = check_int(stride, "stride")
    generator = check_rng(rng)
    projection = None
    if stride != 1 or in_channels != out_channels:
        projection = Conv2d(in_channels, out_channels, 1, stride=stride, bias=False,
                            rng=generator, implementation=implementation)
    return Residual(
        Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False,
               rng=generator, implementation=implementation),
        BatchNorm2d(out_channels),
        ReLU(),
        Conv2d(out_channels, out_channels, 3, padding=1, bias=False, rng=generator,
               implementation=implementation),
        BatchNorm2d(out_channels),
        projection=projection,
    )


def small_resnet(
    channels: tuple[int, ...] = (8, 16),
    classes: int = 10,
    rng: np.random.Generator | int | None = None,
    implementation: str = "naive",
) -> Sequential:
    """A small residual CNN for grey images, ending in global average pooling.

    ::

        (N, 1, H, W)
        Conv2d(1, c1, 3, padding=1, bias=False)  BatchNorm2d  ReLU   -> (N, c1, H, W)
        basic_block(c1, c1)                      ReLU                -> (N, c1, H, W)
        basic_block(c1, c2, stride=2)            ReLU                -> (N, c2, H/2, W/2)
        ... one stride-2 block for each further entry of channels
        GlobalAvgPool2d                                              -> (N, c_last)
        Linear(c_last, classes)                                      -> (N, classes)

    Any image size works (at least one pixel after the halvings): the pooling
    averages whatever maps reach it, so the number of parameters does not depend on
    the image size.

    Parameters
    ----------
    channels : tuple of int, default (8, 16)
        The channels of each stage; the first stage keeps the size, each further one
        halves it.
    classes : int, default 10
        Scores the network outputs.
    rng : None, int or numpy.random.Generator
        Source of the initial weights.
    implementation : {"naive", "fast"}, default "naive"
        How the convolutions compute.

    Examples
    --------
    >>> net = small_resnet(rng=0)
    >>> net.forward(np.zeros((3, 1, 16, 16))).shape
    (3, 10)
    >>> sum(p.value.size for p in net.parameters())
    5090
    """
    if not isinstance(channels, (tuple, list)):
        raise TypeError(f"channels must be a tuple of ints, got {channels!r}")
    if not channels:
        raise ValueError("channels must have at least one entry, got ()")
    channels = tuple(check_int(c, f"channels[{k}]") for k, c in enumerate(channels))
    classes = check_int(classes, "classes")
    generator = check_rng(rng)
    layers: list[Layer] = [
        Conv2d(1, channels[0], 3, padding=1, bias=False, rng=generator,
               implementation=implementation),
        BatchNorm2d(channels[0]),
        ReLU(),
    ]
    previous = channels[0]
    for stage, width in enumerate(channels):
        layers += [basic_block(previous, width, stride=1 if stage == 0 else 2, rng=generator,
                               implementation=implementation), ReLU()]
        previous = width
    layers += [GlobalAvgPool2d(), Linear(previous, classes, rng=generator)]
    return Sequential(*layers)
