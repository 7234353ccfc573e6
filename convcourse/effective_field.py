"""The effective receptive field: how much each input pixel moves one output (chapter 8).

The theoretical receptive field (:func:`convcourse.receptive_field`) is every pixel
that *can* influence an output. Luo, Li, Urtasun and Zemel (2016) measure how much
each one *does*: the gradient of one central output with respect to the input, which
is one backward pass, the course's own. For a stack of ``n`` ``3 x 3`` convolutions
with uniform weights it is the ``n``-fold convolution of the kernel with itself, so
by the central limit theorem close to a Gaussian whose standard deviation grows like
``sqrt(n)``, while the theoretical field grows like ``2 n + 1``.

Functions::

    effective_receptive_field(network, x)  (H, W) map of |d out_centre / d x|, summing to 1
    field_width(field)                     standard deviation along rows and columns
"""

from __future__ import annotations

import numpy as np

from .layer_protocol import Layer
from .validation import check_array

__all__ = ["effective_receptive_field", "field_width"]


def effective_receptive_field(network: Layer, x: np.ndarray) -> np.ndarray:
    """The normalised magnitude of the gradient of the central output at every input pixel.

    Runs ``network.forward(x)``, then ``network.backward`` with an upstream gradient
    of 1 at the central position of every output channel of every image and 0
    elsewhere; the absolute input gradient is summed over images and input channels
    and divided by its total.

    Parameters
    ----------
    network : Layer
        Maps ``(N, C, H, W)`` to ``(N, C_out, H_out, W_out)`` (a :class:`Sequential`
        of convolutions and ReLUs, say).
    x : numpy.ndarray, shape (N, C, H, W)
        The inputs (with ReLUs, the field depends on them: Luo et al. average over
        random inputs).

    Returns
    -------
    numpy.ndarray, shape (H, W)
        Non-negative, summing to 1 (all zeros if the gradient vanishes everywhere).

    Examples
    --------
    >>> from convcourse import Conv2d
    >>> conv = Conv2d(1, 1, 3, bias=False)
    >>> conv.weight[:] = 1.0
    >>> effective_receptive_field(conv, np.zeros((1, 1, 5, 5))) * 9
    array([[0., 0., 0., 0., 0.],
           [0., 1., 1., 1., 0.],
           [0., 1., 1., 1., 0.],
           [0., 1., 1., 1., 0.],
           [0., 0., 0., 0., 0.]])
    """
    if not isinstance(network, Layer):
        raise TypeError(
            f"network must be a convcourse layer or network, got {type(network).__name__}"
        )
    x = check_array(x, "x", 4, "(N, C, H, W)")
    out = network.forward(x)
    if out.ndim != 4:
        raise ValueError(f"network must output (N, C, H, W) maps, got shape {out.shape}")
    grad_out = np.zeros_like(out)
    grad_out[:, :, (out.shape[2] - 1) // 2, (out.shape[3] - 1) // 2] = 1.0
    magnitude = np.abs(network.backward(grad_out)).sum(axis=(0, 1))
    total = magnitude.sum()
    return magnitude / total if total > 0 else magnitude


def field_width(field: np.ndarray) -> tuple[float, float]:
    """The standard deviation (in pixels) of a field along rows and along columns.

    ``field`` is read as a distribution over pixels: its row marginal's standard
    deviation ``sqrt(sum_r m_r (r - mean)^2)``, and the column marginal's.

    Examples
    --------
    >>> field_width(np.array([[0.0, 0.0, 0.0], [0.5, 0.0, 0.5], [0.0, 0.0, 0.0]]))
    (0.0, 1.0)
    """
    field = check_array(field, "field", 2, "(H, W)")
    if np.any(field < 0) or not field.sum() > 0:
        raise ValueError("field must be non-negative with a positive sum")
    field = field / field.sum()
    widths = []
    for marginal in (field.sum(axis=1), field.sum(axis=0)):
        position = np.arange(marginal.size)
        mean = marginal @ position
        widths.append(float(np.sqrt(marginal @ (position - mean) ** 2)))
    return widths[0], widths[1]
