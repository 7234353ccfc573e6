"""Stochastic gradient descent with momentum and weight decay, torch's update rule.

For every parameter ``p`` with gradient ``grad``, one :meth:`SGD.step` does exactly
what ``torch.optim.SGD`` does (with its defaults ``dampening=0``,
``nesterov=False``)::

    g   = grad + weight_decay * p          # weight decay: the gradient of (wd/2) |p|^2
    buf = g                       on the first step
    buf = momentum * buf + g      afterwards
    p   = p - lr * buf

*Weight decay* pulls every weight towards zero a little at each step (L2
regularisation), and it is added to the gradient *before* momentum, so the decay is
accumulated in the velocity too. *Momentum* keeps a running sum of past steps, the
velocity ``buf``: directions the gradients agree on build up speed, directions
where they flip sign cancel out. With ``momentum=0`` it is plain gradient descent.
"""

from __future__ import annotations

import numpy as np

from .layers import Layer
from .validation import check_number

__all__ = ["SGD"]


class SGD:
    """SGD with momentum and weight decay over the parameters of a layer or network.

    Parameters
    ----------
    model : Layer
        Any layer (usually a :class:`convcourse.network.Sequential`); its
        ``parameters()`` are read at every step and updated in place.
    lr : float
        The learning rate, positive.
    momentum : float, default 0.0
        How much of the previous velocity is kept, at least 0 (often 0.9).
    weight_decay : float, default 0.0
        The L2 penalty's coefficient, at least 0.

    Attributes
    ----------
    velocity : dict of str to numpy.ndarray
        The momentum buffer ``buf`` of every parameter, by name, once it exists.

    Notes
    -----
    A parameter whose gradient is ``None`` (no backward pass yet) is skipped, as torch
    skips a parameter without ``.grad``. Buffers are kept by parameter name.

    Examples
    --------
    >>> from convcourse.layers import Linear
    >>> layer = Linear(1, 1, bias=False, rng=0)
    >>> layer.weight[...] = 1.0
    >>> _ = layer.forward(np.array([[1.0]]))
    >>> _ = layer.backward(np.array([[1.0]]))  # dL/dweight = 1
    >>> optimiser = SGD(layer, lr=0.1, momentum=0.9)
    >>> optimiser.step(); layer.weight  # 1 - 0.1 * 1
    array([[0.9]])
    >>> optimiser.step(); layer.weight  # 0.9 - 0.1 * (0.9 * 1 + 1)
    array([[0.71]])
    """

    def __init__(
        self, model: Layer, lr: float, momentum: float = 0.0, weight_decay: float = 0.0
    ) -> None:
        if not isinstance(model, Layer):
            raise TypeError(
                f"model must be a convcourse layer or network, got {type(model).__name__}"
            )
        self.model = model
        self.lr = check_number(lr, "lr", positive=True)
        self.momentum = check_number(momentum, "momentum", non_negative=True)
        self.weight_decay = check_number(weight_decay, "weight_decay", non_negative=True)
        self.velocity: dict[str, np.ndarray] = {}

    def step(self) -> None:
        """Update every parameter in place from its latest gradient."""
        for name, value, grad in self.model.parameters():
            if grad is None:
                continue
            g = grad + self.weight_decay * value if self.weight_decay else grad
            if self.momentum:
                if name in self.velocity:
                    g = self.velocity[name] = self.momentum * self.velocity[name] + g
                else:
                    g = self.velocity[name] = g.copy()
            value -= self.lr * g

    def __repr__(self) -> str:
        return (f"SGD(lr={self.lr}, momentum={self.momentum}, "
                f"weight_decay={self.weight_decay})")
