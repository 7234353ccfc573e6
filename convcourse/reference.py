"""The referee: PyTorch computing what the course computes, so the two can be compared.

Everything the course builds is checked against PyTorch. The calls that do that
(turning arrays into tensors, running torch's convolution and pooling, asking
autograd for gradients, building the ``torch.nn`` twin of a layer or network,
training it with ``torch.optim.SGD``, counting a module's numbers) live here, once,
and are shared by the tests, the chapters and the benchmarks. This module imports
torch, so ``import convcourse`` never imports it: only code that wants the referee
does (``from convcourse import reference``).

Every function takes and returns numpy arrays (tensors only where a ``torch.nn``
module is the point), keeps the dtype it is given, and computes on the CPU.

>>> import numpy as np
>>> from convcourse import naive, rel_error
>>> rng = np.random.default_rng(0)
>>> x, w = rng.standard_normal((2, 3, 5, 5)), rng.standard_normal((4, 3, 3, 3))
>>> rel_error(naive.conv2d_forward(x, w, padding=1), conv2d(x, w, padding=1)) < 1e-10
True
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F  # the name torch's documentation uses

from .blocks import GlobalAvgPool2d, Residual
from .data import minibatches
from .layers import AvgPool2d, Conv2d, Flatten, Layer, Linear, MaxPool2d, ReLU
from .network import Sequential
from .normalization import BatchNorm2d
from .transposed_layer import ConvTranspose2d
from .upsampling import Upsample
from .validation import check_array, check_labels, check_rng

__all__ = [
    "ConvGrads",
    "ResidualTwin",
    "avg_pool2d",
    "avg_pool2d_backward",
    "batch_norm2d_module",
    "buffers",
    "conv2d",
    "conv2d_grads",
    "conv2d_module",
    "conv_transpose2d",
    "conv_transpose2d_grads",
    "conv_transpose2d_module",
    "cross_entropy",
    "fit",
    "fold",
    "gradients",
    "loss_gradients",
    "max_pool2d",
    "max_pool2d_backward",
    "numel",
    "parameters",
    "predict",
    "regression_step",
    "sgd",
    "single_threaded",
    "to_numpy",
    "to_torch",
    "torch_twin",
    "train_step",
    "unfold",
]


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


def _optional(array: np.ndarray | None, requires_grad: bool = False) -> torch.Tensor | None:
    return None if array is None else to_torch(array, requires_grad)


def conv2d(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | str = 0,
    dilation: int | tuple[int, int] = 1,
    groups: int = 1,
) -> np.ndarray:
    """``torch.nn.functional.conv2d`` on numpy arrays; returns ``(N, O, H_out, W_out)``."""
    out = F.conv2d(to_torch(x), to_torch(weight), _optional(bias), stride, padding, dilation,
                   groups)
    return to_numpy(out)


@dataclass(frozen=True)
class ConvGrads:
    """What :func:`conv2d_grads` returns: the forward output and the three gradients."""

    out: np.ndarray
    grad_x: np.ndarray
    grad_weight: np.ndarray
    grad_bias: np.ndarray


def conv2d_grads(
    grad_out: np.ndarray,
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | str = 0,
    dilation: int | tuple[int, int] = 1,
    groups: int = 1,
) -> ConvGrads:
    """Forward with ``F.conv2d``, then backward from ``grad_out`` with torch autograd.

    Arguments are in the order of :func:`convcourse.naive.conv2d_backward` (plus the
    optional ``bias``, which changes the output but none of the gradients).

    Returns
    -------
    ConvGrads
        ``out``, ``grad_x``, ``grad_weight`` and ``grad_bias`` (the latter computed by
        autograd even when ``bias`` is ``None``: a zero bias is used then).
    """
    check_array(grad_out, "grad_out", 4, "(N, O, H_out, W_out)")
    x_t = to_torch(x, requires_grad=True)
    weight_t = to_torch(weight, requires_grad=True)
    bias_values = np.zeros(weight.shape[0], weight.dtype) if bias is None else bias
    bias_t = to_torch(bias_values, requires_grad=True)
    out = F.conv2d(x_t, weight_t, bias_t, stride, padding, dilation, groups)
    out.backward(to_torch(grad_out))
    return ConvGrads(to_numpy(out), to_numpy(x_t.grad), to_numpy(weight_t.grad),
                     to_numpy(bias_t.grad))


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


def numel(module: torch.nn.Module) -> int:
    """How many learnable numbers a ``torch.nn`` module holds (PyTorch's own count)."""
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    return sum(parameter.numel() for parameter in module.parameters())


def unfold(
    x: np.ndarray,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    dilation: int | tuple[int, int] = 1,
) -> np.ndarray:
    """``torch.nn.functional.unfold``: torch's im2col, shape ``(N, C kh kw, H_out W_out)``."""
    return to_numpy(F.unfold(to_torch(x), kernel_size, dilation, padding, stride))


def fold(
    columns: np.ndarray,
    output_size: tuple[int, int],
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    dilation: int | tuple[int, int] = 1,
) -> np.ndarray:
    """``torch.nn.functional.fold``: torch's col2im, the adjoint of :func:`unfold`.

    ``columns`` has shape ``(N, C kh kw, L)``; each column is added back to the window
    of an ``(N, C, H, W)`` image (``output_size = (H, W)``) it came from.
    """
    return to_numpy(F.fold(to_torch(columns), output_size, kernel_size, dilation, padding,
                           stride))


def _pool(pool: Callable[..., torch.Tensor], x: np.ndarray, window: tuple) -> np.ndarray:
    return to_numpy(pool(to_torch(x), *window))


def _pool_grad(
    pool: Callable[..., torch.Tensor], grad_out: np.ndarray, x: np.ndarray, window: tuple
) -> np.ndarray:
    (grad_x,) = gradients(lambda t: pool(t, *window), grad_out, x)
    return grad_x


def max_pool2d(
    x: np.ndarray,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
) -> np.ndarray:
    """``torch.nn.functional.max_pool2d`` on a numpy array: ``(N, C, H_out, W_out)``."""
    return _pool(F.max_pool2d, x, (kernel_size, stride, padding))


def max_pool2d_backward(
    grad_out: np.ndarray,
    x: np.ndarray,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
) -> np.ndarray:
    """``dL/dx`` through ``F.max_pool2d`` by autograd, for upstream gradient ``grad_out``."""
    return _pool_grad(F.max_pool2d, grad_out, x, (kernel_size, stride, padding))


def avg_pool2d(
    x: np.ndarray,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
) -> np.ndarray:
    """``torch.nn.functional.avg_pool2d`` (``count_include_pad=True``) on a numpy array."""
    return _pool(F.avg_pool2d, x, (kernel_size, stride, padding))


def avg_pool2d_backward(
    grad_out: np.ndarray,
    x: np.ndarray,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
) -> np.ndarray:
    """``dL/dx`` through ``F.avg_pool2d`` by autograd, for upstream gradient ``grad_out``."""
    return _pool_grad(F.avg_pool2d, grad_out, x, (kernel_size, stride, padding))


def cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """``F.cross_entropy`` (mean over the batch) and its gradient with respect to the
    logits, by autograd: ``(loss, grad_logits)``."""
    check_labels(labels, "labels")
    logits_t = to_torch(logits, requires_grad=True)
    loss = F.cross_entropy(logits_t, torch.from_numpy(labels))
    loss.backward()
    return loss.item(), to_numpy(logits_t.grad)


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


def conv_transpose2d(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    output_padding: int | tuple[int, int] = 0,
    groups: int = 1,
    dilation: int | tuple[int, int] = 1,
) -> np.ndarray:
    """``torch.nn.functional.conv_transpose2d`` on numpy arrays (its argument order);
    weight ``(C_in, C_out // groups, kh, kw)``, returns ``(N, C_out, H_out, W_out)``."""
    out = F.conv_transpose2d(to_torch(x), to_torch(weight), _optional(bias), stride, padding,
                             output_padding, groups, dilation)
    return to_numpy(out)


def conv_transpose2d_grads(
    grad_out: np.ndarray,
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    output_padding: int | tuple[int, int] = 0,
    groups: int = 1,
    dilation: int | tuple[int, int] = 1,
) -> ConvGrads:
    """Forward with ``F.conv_transpose2d``, then backward from ``grad_out`` by autograd.

    Arguments are in the order of
    :func:`convcourse.transposed.conv_transpose2d_backward` (plus the optional
    ``bias``); returns :class:`ConvGrads` (``grad_bias`` computed with a zero bias
    when ``bias`` is ``None``).
    """
    check_array(grad_out, "grad_out", 4, "(N, C_out, H_out, W_out)")
    x_t = to_torch(x, requires_grad=True)
    weight_t = to_torch(weight, requires_grad=True)
    out_channels = weight.shape[1] * groups
    bias_values = np.zeros(out_channels, weight.dtype) if bias is None else bias
    bias_t = to_torch(bias_values, requires_grad=True)
    out = F.conv_transpose2d(x_t, weight_t, bias_t, stride, padding, output_padding, groups,
                             dilation)
    out.backward(to_torch(grad_out))
    return ConvGrads(to_numpy(out), to_numpy(x_t.grad), to_numpy(weight_t.grad),
                     to_numpy(bias_t.grad))


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
