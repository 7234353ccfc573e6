"""The ``torch.nn`` twins of the course's layers and networks, and training them the
torch way: the part of the referee (:mod:`convcourse.reference`, which re-exports
every name here) that works on modules rather than arrays.

:func:`torch_twin` builds, for any convcourse layer or ``Sequential``, the torch
module with the same settings and weights; :func:`loss_gradients`, :func:`train_step`,
:func:`fit` and :func:`predict` run it as the course runs its own network, so the two
can be compared step by step. Imports torch, so only the referee imports it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch
import torch.nn.functional as F  # the name torch's documentation uses

from .blocks import GlobalAvgPool2d, Residual
from .data import minibatches
from .layers import AvgPool2d, Conv2d, Flatten, Layer, Linear, MaxPool2d, ReLU
from .network import Sequential
from .normalization import BatchNorm2d
from .torch_arrays import to_numpy, to_torch
from .transposed_layer import ConvTranspose2d
from .upsampling import Upsample
from .validation import check_labels, check_rng

__all__ = [
    "ResidualTwin",
    "batch_norm2d_module",
    "buffers",
    "conv2d_module",
    "conv_transpose2d_module",
    "fit",
    "loss_gradients",
    "numel",
    "parameters",
    "predict",
    "regression_step",
    "sgd",
    "single_threaded",
    "torch_twin",
    "train_step",
]


def _with_weights(twin: torch.nn.Module, layer: Conv2d | ConvTranspose2d | Linear
                  ) -> torch.nn.Module:
    """``twin`` with a copy of ``layer``'s weight and bias."""
    with torch.no_grad():
        twin.weight.copy_(torch.from_numpy(layer.weight))
        if layer.bias is not None:
            twin.bias.copy_(torch.from_numpy(layer.bias))
    return twin


def conv2d_module(layer: Conv2d) -> torch.nn.Conv2d:
    """The ``torch.nn.Conv2d`` twin of a :class:`convcourse.Conv2d`: same settings, same
    weights (copied), in the weights' dtype."""
    if not isinstance(layer, Conv2d):
        raise TypeError(f"layer must be a convcourse.Conv2d, got {type(layer).__name__}")
    twin = torch.nn.Conv2d(
        layer.in_channels, layer.out_channels, layer.kernel_size, stride=layer.stride,
        padding=layer.padding, dilation=layer.dilation, groups=layer.groups,
        bias=layer.bias is not None, dtype=torch.from_numpy(layer.weight).dtype,
    )
    return _with_weights(twin, layer)


def conv_transpose2d_module(layer: ConvTranspose2d) -> torch.nn.ConvTranspose2d:
    """The ``torch.nn.ConvTranspose2d`` twin of a :class:`convcourse.ConvTranspose2d`:
    same settings, same weights (copied), in the weights' dtype."""
    if not isinstance(layer, ConvTranspose2d):
        raise TypeError(
            f"layer must be a convcourse.ConvTranspose2d, got {type(layer).__name__}"
        )
    twin = torch.nn.ConvTranspose2d(
        layer.in_channels, layer.out_channels, layer.kernel_size, stride=layer.stride,
        padding=layer.padding, output_padding=layer.output_padding, groups=layer.groups,
        bias=layer.bias is not None, dilation=layer.dilation,
        dtype=torch.from_numpy(layer.weight).dtype,
    )
    return _with_weights(twin, layer)


def numel(module: torch.nn.Module) -> int:
    """How many learnable numbers a ``torch.nn`` module holds (PyTorch's own count)."""
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    return sum(parameter.numel() for parameter in module.parameters())


def _linear_module(layer: Linear) -> torch.nn.Linear:
    twin = torch.nn.Linear(layer.in_features, layer.out_features, bias=layer.bias is not None,
                           dtype=torch.from_numpy(layer.weight).dtype)
    return _with_weights(twin, layer)


def torch_twin(layer: Layer) -> torch.nn.Module:
    """The ``torch.nn`` twin of a convcourse layer or network: same settings, same
    weights (copied, in their dtype).

    ``Sequential`` becomes ``torch.nn.Sequential`` of the twins of its layers, so the
    parameters have the same names (``"0.weight"``, ...) on both sides.
    ``BatchNorm2d`` becomes ``torch.nn.BatchNorm2d`` with the running statistics
    copied too, ``Residual`` a module with the same ``block`` and ``projection``
    (so ``"1.block.0.weight"`` on both sides), ``GlobalAvgPool2d``
    ``AdaptiveAvgPool2d(1)`` then ``Flatten()``. Each twin is in its layer's mode
    (training or evaluation).
    """
    if isinstance(layer, Sequential):
        twin = torch.nn.Sequential(*(torch_twin(inner) for inner in layer))
        twin.training = layer.training  # the layers inside keep their own modes
        return twin
    if isinstance(layer, BatchNorm2d):
        return batch_norm2d_module(layer)
    if isinstance(layer, Residual):
        projection = None if layer.projection is None else torch_twin(layer.projection)
        twin = ResidualTwin(torch_twin(layer.block), projection)
        twin.training = layer.training
        return twin
    if isinstance(layer, GlobalAvgPool2d):
        return torch.nn.Sequential(torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten())
    if isinstance(layer, Conv2d):
        return conv2d_module(layer)
    if isinstance(layer, ConvTranspose2d):
        return conv_transpose2d_module(layer)
    if isinstance(layer, Linear):
        return _linear_module(layer)
    if isinstance(layer, (MaxPool2d, AvgPool2d)):
        pool = torch.nn.MaxPool2d if isinstance(layer, MaxPool2d) else torch.nn.AvgPool2d
        return pool(layer.kernel_size, layer.stride, layer.padding)
    if isinstance(layer, ReLU):
        return torch.nn.ReLU()
    if isinstance(layer, Flatten):
        return torch.nn.Flatten()
    if isinstance(layer, Upsample):
        return torch.nn.Upsample(scale_factor=layer.scale, mode="nearest")
    raise TypeError(f"layer must be a convcourse layer or Sequential, got {type(layer).__name__}")


def batch_norm2d_module(layer: BatchNorm2d) -> torch.nn.BatchNorm2d:
    """The ``torch.nn.BatchNorm2d`` twin of a :class:`convcourse.normalization.BatchNorm2d`:
    same settings, weights and running statistics (copied), in the weight's dtype, in
    the layer's mode."""
    if not isinstance(layer, BatchNorm2d):
        raise TypeError(f"layer must be a convcourse BatchNorm2d, got {type(layer).__name__}")
    twin = torch.nn.BatchNorm2d(layer.num_features, eps=layer.eps, momentum=layer.momentum,
                                dtype=torch.from_numpy(layer.weight).dtype)
    with torch.no_grad():
        arrays = [(p.name, p.value) for p in layer.parameters()] + layer.own_buffers()
        for name, value in arrays:  # weight, bias, running_mean, running_var, batch count
            getattr(twin, name).copy_(torch.from_numpy(np.asarray(value)))
    return twin.train(layer.training)


class ResidualTwin(torch.nn.Module):
    """The torch twin of :class:`convcourse.blocks.Residual`:
    ``block(x) + x``, or ``block(x) + projection(x)``."""

    def __init__(self, block: torch.nn.Module, projection: torch.nn.Module | None) -> None:
        super().__init__()
        self.block = block
        self.projection = projection

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x if self.projection is None else self.projection(x)
        return self.block(x) + shortcut


def buffers(module: torch.nn.Module) -> dict[str, np.ndarray]:
    """A module's buffers (running statistics, ...) by name, as numpy arrays (copies)."""
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    return {name: to_numpy(b).copy() for name, b in module.named_buffers()}


def parameters(module: torch.nn.Module) -> dict[str, np.ndarray]:
    """A module's parameters by name, as numpy arrays (copies)."""
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    return {name: to_numpy(p).copy() for name, p in module.named_parameters()}


def loss_gradients(
    module: torch.nn.Module, x: np.ndarray, y: np.ndarray
) -> tuple[float, dict[str, np.ndarray], np.ndarray]:
    """The mean cross-entropy of ``module(x)`` against labels ``y`` and, by autograd,
    its gradient with respect to every parameter (by name) and to the input.

    Returns
    -------
    loss : float
    grads : dict of str to numpy.ndarray
        ``dL/dparameter`` by the parameter's name (``"0.weight"``, ...).
    grad_x : numpy.ndarray
        ``dL/dx``.
    """
    module.zero_grad()
    x_t = to_torch(x, requires_grad=True)
    loss = F.cross_entropy(module(x_t), torch.from_numpy(check_labels(y, "y")))
    loss.backward()
    grads = {name: to_numpy(p.grad).copy() for name, p in module.named_parameters()}
    return loss.item(), grads, to_numpy(x_t.grad)


def sgd(
    module: torch.nn.Module, lr: float, momentum: float = 0.0, weight_decay: float = 0.0
) -> torch.optim.SGD:
    """``torch.optim.SGD`` over a module's parameters (``dampening=0``, ``nesterov=False``)."""
    return torch.optim.SGD(module.parameters(), lr=lr, momentum=momentum,
                           weight_decay=weight_decay)


def train_step(
    module: torch.nn.Module, optimizer: torch.optim.Optimizer, x: np.ndarray, y: np.ndarray
) -> float:
    """One step of torch training on a minibatch: zero the gradients, forward, mean
    cross-entropy, backward, ``optimizer.step()``. Returns the loss before the step."""
    optimizer.zero_grad()
    loss = F.cross_entropy(module(to_torch(x)), torch.from_numpy(check_labels(y, "y")))
    loss.backward()
    optimizer.step()
    return loss.item()


def regression_step(
    module: torch.nn.Module, optimizer: torch.optim.Optimizer, x: np.ndarray, target: np.ndarray
) -> float:
    """One step of torch training towards images ``target``: zero the gradients,
    forward, mean squared error (``F.mse_loss``), backward, ``optimizer.step()``.
    Returns the loss before the step (the twin of training a denoiser, chapter 8)."""
    optimizer.zero_grad()
    loss = F.mse_loss(module(to_torch(x)), to_torch(target))
    loss.backward()
    optimizer.step()
    return loss.item()


def fit(
    module: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    x: np.ndarray,
    y: np.ndarray,
    epochs: int,
    batch_size: int,
    rng: np.random.Generator | int | None = None,
) -> list[float]:
    """Train a torch module as :func:`convcourse.training.fit` trains a convcourse
    network: the same minibatches (:func:`convcourse.data.minibatches` with ``rng``),
    one :func:`train_step` each. Returns every step's loss."""
    generator = check_rng(rng)
    return [train_step(module, optimizer, x_batch, y_batch)
            for _ in range(epochs)
            for x_batch, y_batch in minibatches(x, y, batch_size, generator)]


def predict(module: torch.nn.Module, x: np.ndarray) -> np.ndarray:
    """The class with the largest score for every example: ``(N,)`` ints."""
    with torch.no_grad():
        return to_numpy(module(to_torch(x)).argmax(dim=1))


@contextmanager
def single_threaded() -> Iterator[None]:
    """Run torch and numpy's BLAS on one thread each inside the ``with`` block.

    Small problems (the digits network's matrices are a few hundred numbers a side)
    gain little from a second thread, and on a *busy* 2-core machine the worker
    threads that torch and OpenBLAS keep spinning between calls steal the core the
    other one needs: there, training the chapter 6 LeNet took 12 s with numpy's
    default threads and 3.3 s on one, and 25 of torch's steps 2.9 s with two threads
    and 0.02 s with one (on a quiet machine both take about 2 s and 1 s either way,
    see ``benchmarks/bench_train.py``). Both thread counts are restored afterwards.
    """
    from threadpoolctl import threadpool_limits  # installed with scikit-learn

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        torch.set_num_threads(threads)
