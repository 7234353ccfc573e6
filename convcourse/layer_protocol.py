"""The protocol every layer follows, and what a layer keeps between its passes.

:class:`Layer` is the numpy counterpart of ``torch.nn.Module``: ``forward(x)``,
``backward(grad_out)``, ``parameters()``. Between the two passes a layer keeps a
*cache* (CS231n's name), a named tuple saying what it is: :class:`InputCache` (a copy
of the input), :class:`MaskCache` (where the input was positive), :class:`ShapeCache`
(the input's shape), each with the output's shape that ``grad_out`` must have. The
layers themselves are in :mod:`convcourse.layers`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from .validation import check_array_shape, check_choice

__all__ = [
    "IMPLEMENTATIONS",
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
    """The protocol every layer follows: ``forward``, ``backward``, ``parameters``.

    A layer without parameters (ReLU, pooling, Flatten) keeps the default
    ``parameters()``, an empty list. Calling a layer, ``layer(x)``, is ``forward``.
    ``cache`` is what the last ``forward`` kept for ``backward`` (``None`` before).
    """

    cache: InputCache | MaskCache | ShapeCache | None = None

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
