"""Training mode and evaluation mode, and the state a layer keeps that is not learned.

Some layers compute differently while a network learns and when it is used: batch
normalisation (:class:`convcourse.normalization.BatchNorm2d`) normalises with the
statistics of the batch while training and with running averages of them afterwards.
As in ``torch.nn``, every layer has a ``training`` flag, ``train()`` sets it and
``eval()`` clears it, and a container (:class:`convcourse.network.Sequential`,
:class:`convcourse.blocks.Residual`) passes the switch on to every layer inside it;
only the layers whose computation depends on the mode read it.

Such layers may also keep *buffers*: arrays that change while training but are not
learned by gradient descent (the running mean and variance), so an optimiser never
sees them. ``buffers()`` lists them by name, as torch's ``named_buffers()`` does, so
that the two can be compared name by name.

Both belong to the protocol every layer follows,
:class:`convcourse.layer_protocol.Layer`; this module keeps the names under which
they were first written (:class:`HasModes` is :class:`~convcourse.layer_protocol.Layer`
itself, now that every layer has the two modes).

Examples
--------
>>> from convcourse.normalization import BatchNorm2d
>>> layer = BatchNorm2d(3)
>>> layer.training, layer.eval().training, layer.train().training
(True, False, True)
>>> [b.name for b in layer.buffers()]
['running_mean', 'running_var', 'num_batches_tracked']
"""

from __future__ import annotations

from .layer_protocol import Buffer, Layer

__all__ = ["Buffer", "HasModes"]

#: Every layer has a training and an evaluation mode, as every ``torch.nn.Module`` has.
HasModes = Layer
