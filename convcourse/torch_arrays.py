"""numpy arrays into torch tensors and back, and torch autograd on numpy arrays: what
every part of the referee (:mod:`convcourse.reference`) is built on.

Imports torch, so only the referee imports it (``import convcourse`` never does).

>>> import numpy as np
>>> to_numpy(to_torch(np.arange(3.0)) * 2)
array([0., 2., 4.])
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

__all__ = ["gradients", "to_numpy", "to_torch"]


def to_torch(array: np.ndarray, requires_grad: bool = False) -> torch.Tensor:
    """A tensor holding a copy of ``array``, with its dtype, optionally tracking gradients.

    A copy, so that changing the array afterwards (as :func:`numerical_gradient
    <convcourse.gradcheck.numerical_gradient>` does) cannot change the tensor.
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(f"array must be a numpy.ndarray, got {type(array).__name__}")
    return torch.tensor(array, requires_grad=requires_grad)


def to_numpy(tensor: torch.Tensor) -> np.ndarray:
    """The tensor's values as a numpy array (detached from autograd, on the CPU)."""
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"tensor must be a torch.Tensor, got {type(tensor).__name__}")
    return tensor.detach().cpu().numpy()


def gradients(
    function: Callable[..., torch.Tensor], grad_out: np.ndarray, *inputs: np.ndarray
) -> tuple[np.ndarray, ...]:
    """The gradient of ``sum(function(*inputs) * grad_out)`` with respect to each input.

    ``function`` is any torch computation (``lambda x: F.max_pool2d(x, 2)``, say); the
    inputs are numpy arrays, turned into tensors that track gradients.

    >>> g = gradients(lambda a, b: a * b, np.ones(2), np.array([1.0, 2.0]),
    ...               np.array([3.0, 4.0]))
    >>> [v.tolist() for v in g]
    [[3.0, 4.0], [1.0, 2.0]]
    """
    tensors = [to_torch(array, requires_grad=True) for array in inputs]
    out = function(*tensors)
    out.backward(to_torch(np.asarray(grad_out, dtype=to_numpy(out).dtype)))
    return tuple(to_numpy(t.grad) for t in tensors)
