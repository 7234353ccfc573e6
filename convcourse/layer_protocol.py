"""The protocol every layer follows, and what a layer keeps between its passes.

:class:`Layer` is the numpy counterpart of ``torch.nn.Module``: ``forward(x)``,
``backward(grad_out)``, ``parameters()``, and, as in torch, a training mode and an
evaluation mode (``train()``, ``eval()``, ``training``; see :mod:`convcourse.modes`)
and the buffers a layer keeps (``buffers()``). Between the two passes a layer keeps a
*cache* (CS231n's name), a named tuple saying what it is: :class:`InputCache` (a copy
of the input), :class:`MaskCache` (where the input was positive), :class:`ShapeCache`
(the input's shape), each with the output's shape that ``grad_out`` must have. The
layers themselves are in :mod:`convcourse.layers`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from .validation import check_array_shape, check_bool, check_choice

__all__ = [
    "IMPLEMENTATIONS",
    "Buffer",
    "Functions",
    "InputCache",
    "Layer",
    "MaskCache",
    "Parameter",
    "ShapeCache",
    "SwitchableLayer",
]

#: The two implementations a layer can compute with: loops to read, numpy to run.
IMPLEMENTATIONS = ("naive", "fast")


class Parameter(NamedTuple):
    """One learnable array of a layer: its name, the array itself, its gradient."""

    name: str
    value: np.ndarray
    grad: np.ndarray | None


class Buffer(NamedTuple):
    """An array a layer keeps and updates that is not learned (a running mean, say):
    its name and the array."""

    name: str
    value: np.ndarray


class InputCache(NamedTuple):
    """What :class:`Conv2d`, :class:`Linear` and pooling keep: their gradients need the
    input itself (a copy, so that changing ``x`` later cannot change them)."""

    x: np.ndarray
    out_shape: tuple[int, ...]


class MaskCache(NamedTuple):
    """What :class:`ReLU` keeps: where its input was positive."""

    positive: np.ndarray
    out_shape: tuple[int, ...]


class ShapeCache(NamedTuple):
    """What :class:`Flatten` keeps: its input's shape."""

    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]


class Layer:
    """The protocol every layer follows: ``forward``, ``backward``, ``parameters``, and
    the two modes.

    A layer without parameters (ReLU, pooling, Flatten) keeps the default
    ``parameters()``, an empty list. Calling a layer, ``layer(x)``, is ``forward``.
    ``cache`` is what the last ``forward`` kept for ``backward`` (``None`` before).

    Every layer starts in training mode (``training`` is ``True``); :meth:`train` and
    :meth:`eval` switch it and every layer inside it, as ``torch.nn.Module`` does. Only
    a layer that computes differently in the two modes (batch normalisation) reads
    the flag. A container overrides :meth:`named_layers` to list the layers inside
    it; :meth:`train` and :meth:`buffers` then reach them all.

    Examples
    --------
    >>> from convcourse.layers import ReLU
    >>> relu = ReLU()
    >>> relu.training, relu.eval().training, relu.train().training
    (True, False, True)
    """

    cache: InputCache | MaskCache | ShapeCache | None = None
    training: bool = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        """The output for input ``x``; remembers what :meth:`backward` needs."""
        raise NotImplementedError

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """``dL/dx`` from ``grad_out = dL/d out`` of the last :meth:`forward`."""
        raise NotImplementedError

    def parameters(self) -> list[Parameter]:
        """The learnable arrays, with their latest gradients (none here)."""
        return []

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x)

    def train(self, mode: bool = True) -> Layer:
        """Switch to training mode (``mode=False``: evaluation mode), this layer and
        every layer inside it; returns the layer itself, as torch does."""
        mode = check_bool(mode, "mode")
        self.training = mode
        for _, layer in self.named_layers():
            layer.train(mode)
        return self

    def eval(self) -> Layer:
        """Switch to evaluation mode: the same as ``train(False)``."""
        return self.train(False)

    def named_layers(self) -> list[tuple[str, Layer]]:
        """The layers inside this one, with the name torch gives them (none here)."""
        return []

    def own_buffers(self) -> list[Buffer]:
        """The buffers of this layer itself, not of the layers inside it (none here)."""
        return []

    def buffers(self) -> list[Buffer]:
        """Every buffer of this layer and of the layers inside it, named as torch's
        ``named_buffers()`` names them (``"1.running_mean"``, ...)."""
        found = list(self.own_buffers())
        for prefix, layer in self.named_layers():
            found += [Buffer(f"{prefix}.{b.name}", b.value) for b in layer.buffers()]
        return found

    def _cache_for(self, grad_out: np.ndarray):  # -> the layer's own kind of cache
        """The cache of the last forward pass, once ``grad_out`` is checked to have the
        shape of its output."""
        if self.cache is None:
            name = type(self).__name__
            raise RuntimeError(f"{name}.backward was called before forward: call forward(x) first")
        check_array_shape(grad_out, "grad_out", self.cache.out_shape, "the forward output's")
        return self.cache


class Functions(NamedTuple):
    """The forward and backward functions a layer computes with."""

    forward: Callable[..., np.ndarray]
    backward: Callable[..., np.ndarray | tuple[np.ndarray, ...]]


class SwitchableLayer(Layer):
    """A layer that computes with loops or vectorised, as its ``implementation`` says:
    ``_functions`` maps each implementation to its :class:`Functions`."""

    _functions: dict[str, Functions] = {}

    @property
    def functions(self) -> Functions:
        """The forward and backward of the current ``implementation``."""
        return self._functions[self.implementation]

    @property
    def implementation(self) -> str:
        """``"naive"`` (loops, to read) or ``"fast"`` (vectorised, to train); it can be
        changed at any time, the results are the same up to rounding."""
        return self._implementation

    @implementation.setter
    def implementation(self, value: str) -> None:
        self._implementation = check_choice(value, "implementation", IMPLEMENTATIONS)
