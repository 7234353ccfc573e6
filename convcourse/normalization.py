"""Batch normalisation of feature maps: ``BatchNorm2d``, as ``torch.nn.BatchNorm2d``.

Each channel ``c`` of a batch ``x`` of shape ``(N, C, H, W)`` is shifted and scaled
to zero mean and unit variance over its ``m = N H W`` values, then given a learned
scale ``gamma`` and shift ``beta``:

.. math::

    \\mu_c = \\frac{1}{m} \\sum_i x_i, \\qquad
    \\sigma_c^2 = \\frac{1}{m} \\sum_i (x_i - \\mu_c)^2, \\qquad
    \\hat x_i = \\frac{x_i - \\mu_c}{\\sqrt{\\sigma_c^2 + \\epsilon}}, \\qquad
    y_i = \\gamma_c \\hat x_i + \\beta_c .

That is *training mode*. The running averages of the batches' means and variances are
kept as well, and *evaluation mode* normalises with them instead, so that a prediction
does not depend on the other examples of its batch.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .layer_protocol import Buffer, Layer
from .layers import Parameter
from .validation import check_array, check_array_shape, check_int, check_number, result_dtype

__all__ = ["BatchNorm2d", "BatchNormCache"]

_AXES = (0, 2, 3)  # a channel's values: every example, every row, every column


class BatchNormCache(NamedTuple):
    """What :meth:`BatchNorm2d.forward` keeps for :meth:`BatchNorm2d.backward`.

    Attributes
    ----------
    x_hat : numpy.ndarray, shape (N, C, H, W)
        The normalised input, before ``gamma`` and ``beta``.
    inv_std : numpy.ndarray, shape (C,)
        ``1 / sqrt(var + eps)`` of every channel, with the variance it normalised by.
    batch_statistics : bool
        Whether the statistics were the batch's own (training mode), which then
        depend on the input, or the running ones (evaluation mode), which do not.
    """

    x_hat: np.ndarray
    inv_std: np.ndarray
    batch_statistics: bool


def _per_channel(values: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """A ``(C,)`` array spread over one example's ``(1, C, H, W)``, to broadcast
    against ``(N, C, H, W)`` (``shape``).

    Each channel's value is repeated over its ``H W`` positions, so that an operation
    with it broadcasts over the batch only: numpy then runs ``N`` inner loops of
    ``C H W`` numbers instead of ``N C`` loops of ``H W`` (a ``(1, C, 1, 1)`` array),
    about a third faster on small maps. The numbers are the same.
    """
    _, channels, height, width = shape
    return np.repeat(values, height * width).reshape(1, channels, height, width)


class BatchNorm2d(Layer):
    """Batch normalisation of every channel of ``(N, C, H, W)`` feature maps.

    The same computation as ``torch.nn.BatchNorm2d`` (with ``affine=True`` and
    ``track_running_stats=True``), so that a network and its torch twin agree.

    Parameters
    ----------
    num_features : int
        ``C``, the channels of the input.
    eps : float, default 1e-5
        Added to the variance before its square root, positive.
    momentum : float or None, default 0.1
        The weight of the new batch in the running statistics, from 0 to 1:
        ``running = (1 - momentum) * running + momentum * batch``. ``None`` gives the
        plain average of every batch seen so far (momentum ``1 / batches``), as torch.

    Attributes
    ----------
    weight, bias : numpy.ndarray, shape (C,)
        ``gamma`` (ones at first) and ``beta`` (zeros at first), learned.
    grad_weight, grad_bias : numpy.ndarray or None
        Filled by :meth:`backward`.
    running_mean, running_var : numpy.ndarray, shape (C,)
        Buffers: zeros and ones at first, updated in place by every forward pass in
        training mode, used in evaluation mode.
    num_batches_tracked : numpy.ndarray, shape ()
        Buffer: the forward passes in training mode so far (int64).
    training : bool
        The mode; :meth:`train` and :meth:`eval` switch it.
    cache : BatchNormCache or None
        What the last forward pass kept for the backward pass.

    Notes
    -----
    **Two variances.** The batch is normalised by its *biased* variance (divided by
    ``m``), but the running variance is fed the *unbiased* one, ``m / (m - 1)`` times
    larger: it estimates the variance of the whole data, which the batch only samples.
    A training batch needs at least two values per channel (``m > 1``).

    **Backward, in training mode.** ``x_hat`` depends on every ``x_j`` of its channel
    through the mean and the variance, not only on ``x_i``. With ``g = dL/dy`` and
    ``s = sqrt(var + eps)``::

        dx_hat_j / dx_i = (delta_ij - 1/m) / s - x_hat_i x_hat_j / (m s)

    and summing ``gamma g_j`` times that over ``j`` gives the compact form::

        dL/dbeta  = sum_i g_i                                         (C,)
        dL/dgamma = sum_i g_i x_hat_i                                 (C,)
        dL/dx_i   = gamma / (m s) * (m g_i - sum_j g_j - x_hat_i sum_j g_j x_hat_j)

    with every sum over one channel's ``N H W`` values (axes 0, 2 and 3), ``gamma``,
    ``s`` and the sums of shape ``(C,)`` broadcast as ``(1, C, 1, 1)``, and ``g``,
    ``x_hat`` and ``dL/dx`` of shape ``(N, C, H, W)``. The two sums remove from the
    gradient what only shifts the channel's mean and what only scales its spread:
    the output cannot change along either.

    **Backward, in evaluation mode**, the statistics are constants:
    ``dL/dx = gamma g / sqrt(running_var + eps)``, the same ``dL/dgamma`` and
    ``dL/dbeta``.

    Examples
    --------
    >>> layer = BatchNorm2d(2)
    >>> x = np.arange(8.0).reshape(2, 2, 1, 2)  # channel 0: 0 1 4 5, channel 1: 2 3 6 7
    >>> out = layer.forward(x)
    >>> out.mean(axis=(0, 2, 3)).round(12), out.var(axis=(0, 2, 3)).round(3)
    (array([0., 0.]), array([1., 1.]))
    >>> layer.running_mean, layer.running_var.round(4)  # 0.1 of the means; 0.9 + 0.1 * 17/3
    (array([0.25, 0.45]), array([1.4667, 1.4667]))
    """

    def __init__(self, num_features: int, eps: float = 1e-5,
                 momentum: float | None = 0.1) -> None:
        self.num_features = check_int(num_features, "num_features")
        self.eps = check_number(eps, "eps", positive=True)
        if momentum is not None:
            momentum = check_number(momentum, "momentum", non_negative=True)
            if momentum > 1:
                raise ValueError(f"momentum must be from 0 to 1 or None, got {momentum!r}")
        self.momentum = momentum
        self.weight = np.ones(self.num_features)
        self.bias = np.zeros(self.num_features)
        self.grad_weight: np.ndarray | None = None
        self.grad_bias: np.ndarray | None = None
        self.running_mean = np.zeros(self.num_features)
        self.running_var = np.ones(self.num_features)
        self.num_batches_tracked = np.array(0, dtype=np.int64)
        self.cache: BatchNormCache | None = None

    def _check_input(self, x: np.ndarray) -> np.ndarray:
        x = check_array(x, "x", 4, "(N, C, H, W)")
        if x.shape[1] != self.num_features:
            raise ValueError(
                f"x has {x.shape[1]} channels but the layer expects {self.num_features} "
                f"(num_features), x shape {x.shape}"
            )
        if self.training and x.size // x.shape[1] < 2:
            raise ValueError(
                f"x must have more than one value per channel in training mode (N * H * W "
                f"of at least 2), to have a batch variance, got shape {x.shape}; "
                f"normalise a single value with the running statistics, in eval() mode"
            )
        return x

    def _update_running(self, mean: np.ndarray, var: np.ndarray, count: int) -> None:
        """Fold the batch's mean and unbiased variance into the running ones, in place."""
        self.num_batches_tracked += 1
        factor = self.momentum
        if factor is None:  # the plain average of all batches so far
            factor = 1.0 / float(self.num_batches_tracked)
        unbiased = var * (count / (count - 1))
        self.running_mean[...] = factor * mean + (1 - factor) * self.running_mean
        self.running_var[...] = factor * unbiased + (1 - factor) * self.running_var

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Normalise ``x`` of shape ``(N, C, H, W)``; returns the same shape, in the
        input's dtype (float64 for integers). In training mode it also updates the
        running statistics."""
        x = self._check_input(x)
        dtype = result_dtype(x)
        x = x.astype(dtype, copy=False)
        # Two new (N, C, H, W) arrays, x_hat and the output; the rest is done in place
        # (fresh memory is slow: every page of it is faulted in when first written).
        if self.training:
            count = x.size // self.num_features
            mean = np.einsum("nchw->c", x) / count
            x_hat = x - _per_channel(mean, x.shape)  # centred, for now
            var = np.einsum("nchw,nchw->c", x_hat, x_hat) / count  # biased
            self._update_running(mean, var, count)
        else:
            x_hat = x - _per_channel(self.running_mean.astype(dtype, copy=False), x.shape)
            var = self.running_var.astype(dtype, copy=False)
        inv_std = 1.0 / np.sqrt(var + self.eps)
        x_hat *= _per_channel(inv_std, x.shape)
        self.cache = BatchNormCache(x_hat, inv_std, self.training)
        out = x_hat * _per_channel(self.weight.astype(dtype, copy=False), x.shape)
        out += _per_channel(self.bias.astype(dtype, copy=False), x.shape)
        return out

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """``dL/dx`` from ``grad_out = dL/dy`` ``(N, C, H, W)``; stores ``grad_weight``
        and ``grad_bias``. The formulas and their shapes are in the class's notes."""
        if self.cache is None:
            raise RuntimeError("BatchNorm2d.backward was called before forward: call "
                               "forward(x) first")
        x_hat, inv_std, batch_statistics = self.cache
        check_array_shape(grad_out, "grad_out", x_hat.shape, "the forward output's")
        dtype = x_hat.dtype
        sum_g = grad_out.sum(axis=_AXES)
        sum_g_x_hat = np.einsum("nchw,nchw->c", grad_out, x_hat)
        self.grad_weight = sum_g_x_hat.astype(self.weight.dtype, copy=False)
        self.grad_bias = sum_g.astype(self.bias.dtype, copy=False)
        scale = self.weight.astype(dtype, copy=False) * inv_std  # gamma / s, (C,)
        if not batch_statistics:
            return (grad_out * _per_channel(scale, x_hat.shape)).astype(dtype, copy=False)
        # gamma / s * (g - mean(g) - x_hat mean(g x_hat)): the compact form divided by m,
        # computed in one new array
        count = x_hat.size // self.num_features
        grad_x = x_hat * _per_channel(-sum_g_x_hat / count, x_hat.shape)
        grad_x += grad_out
        grad_x -= _per_channel(sum_g / count, x_hat.shape)
        grad_x *= _per_channel(scale, x_hat.shape)
        return grad_x

    def parameters(self) -> list[Parameter]:
        """``weight`` (gamma) and ``bias`` (beta), with their gradients."""
        return [Parameter("weight", self.weight, self.grad_weight),
                Parameter("bias", self.bias, self.grad_bias)]

    def own_buffers(self) -> list[Buffer]:
        """``running_mean``, ``running_var`` and ``num_batches_tracked``, as torch."""
        return [Buffer("running_mean", self.running_mean),
                Buffer("running_var", self.running_var),
                Buffer("num_batches_tracked", self.num_batches_tracked)]

    def __repr__(self) -> str:
        return f"BatchNorm2d({self.num_features}, eps={self.eps}, momentum={self.momentum})"
