"""The referee: PyTorch computing what the course computes, so the two can be compared.

Everything the course builds is checked against PyTorch. The calls that do that live
here, once, and are shared by the tests, the chapters and the benchmarks: this module
runs torch's functions on numpy arrays (convolution, its gradients, im2col, pooling,
the transposed convolution, the cross-entropy) and re-exports the rest of the
referee from its two parts, so that ``reference.NAME`` is every name:

* :mod:`convcourse.torch_arrays`: arrays into tensors and back (:func:`to_torch`,
  :func:`to_numpy`), autograd on arrays (:func:`gradients`);
* :mod:`convcourse.torch_twins`: the ``torch.nn`` twin of a layer or network
  (:func:`torch_twin`), training it with ``torch.optim.SGD`` (:func:`train_step`,
  :func:`fit`, ...), counting a module's numbers (:func:`numel`).

These modules import torch, so ``import convcourse`` never imports them: only code
that wants the referee does (``from convcourse import reference``).

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

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F  # the name torch's documentation uses

from .torch_arrays import gradients, to_numpy, to_torch
from .torch_twins import (
    ResidualTwin,
    batch_norm2d_module,
    buffers,
    conv2d_module,
    conv_transpose2d_module,
    fit,
    loss_gradients,
    numel,
    parameters,
    predict,
    regression_step,
    sgd,
    single_threaded,
    torch_twin,
    train_step,
)
from .validation import check_array, check_labels

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


def _optional(array: np.ndarray | None, requires_grad: bool = False) -> torch.Tensor | None:
    return None if array is None else to_torch(array, requires_grad)


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


