"""Training mode and evaluation mode, and the state a layer keeps that is not learned.

Some layers compute differently while a network learns and when it is used: batch
normalisation (:class:`convcourse.normalization.BatchNorm2d`) normalises with the
statistics of the batch while training and with running averages of them afterwards.
As in ``torch.nn``, every such layer has a ``training`` flag, ``train()`` sets it and
``eval()`` clears it, and a container (:class:`convcourse.network.Sequential`,
:class:`convcourse.blocks.Residual`) passes the switch on to every layer inside it.

Such layers may also keep *buffers*: arrays that change while training but are not
learned by gradient descent (the running mean and variance), so an optimiser never
sees them. ``buffers()`` lists them by name, as torch's ``named_buffers()`` does, so
that the two can be compared name by name.

:class:`HasModes` is the base class of those layers; layers whose computation does not
depend on the mode (convolution, ReLU, pooling, ...) do not need it.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .layers import Layer
from .validation import check_bool

__all__ = ["Buffer", "HasModes"]


class Buffer(NamedTuple):
    """An array a layer keeps and updates that is not learned: its name and the array."""

    name: str
    value: np.ndarray


class HasModes(Layer):
    """A layer with a training mode and an evaluation mode (``torch.nn.Module``'s).

    A layer starts in training mode. A container overrides :meth:`named_layers` to
    list the layers inside it; :meth:`train` and :meth:`buffers` then reach them all.

    Examples
    --------
    >>> from convcourse.normalization import BatchNorm2d
    >>> layer = BatchNorm2d(3)
    >>> layer.training, layer.eval().training, layer.train().training
    (True, False, True)
    >>> [b.name for b in layer.buffers()]
    ['running_mean', 'running_var', 'num_batches_tracked']
    """

    training: bool = True

    def train(self, mode: bool = True) -> HasModes:
        """Switch to training mode (``mode=False``: evaluation mode), this layer and
        every layer inside it; returns the layer itself, as torch does."""
        mode = check_bool(mode, "mode")
        self.training = mode
        for _, layer in self.named_layers():
            if isinstance(layer, HasModes):
                layer.train(mode)
        return self

    def eval(self) -> HasModes:
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
            if isinstance(layer, HasModes):
                found += [Buffer(f"{prefix}.{b.name}", b.value) for b in layer.buffers()]
        return found
