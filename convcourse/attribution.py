"""What a trained classifier looks at: saliency and occlusion maps (chapter 8).

* A **saliency map** (Simonyan, Vedaldi and Zisserman 2014) is the gradient of one
  class's score with respect to the input pixels: one backward pass of the network
  with an upstream gradient of 1 on that score. It says how fast the score changes
  when a pixel changes a little, near this image.
* An **occlusion map** (Zeiler and Fergus 2014) covers a patch of the image with a
  plain value and records how much the class's score drops, at every position of
  the patch: many forward passes, no gradient. It says what happens when a region is
  removed outright.

Both take the class scores before the softmax (the logits).
"""

from __future__ import annotations

import numpy as np

from .layer_protocol import Layer
from .validation import check_array, check_int, check_labels, check_number
from .window import Window

__all__ = ["occlusion_map", "saliency_map"]


def _check(network: Layer, x: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(network, Layer):
        raise TypeError(
            f"network must be a convcourse layer or network, got {type(network).__name__}"
        )
    x = check_array(x, "x", 4, "(N, C, H, W)")
    labels = check_labels(labels, "labels")
    if labels.shape != (x.shape[0],):
        raise ValueError(
            f"labels must hold one class per image ({x.shape[0]}), got shape {labels.shape}"
        )
    return x, labels


def saliency_map(network: Layer, x: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """``d score[n, labels[n]] / d x[n]``: the input gradient of each image's class score.

    Parameters
    ----------
    network : Layer
        A classifier: ``(N, C, H, W)`` images to ``(N, classes)`` scores.
    x : numpy.ndarray, shape (N, C, H, W)
    labels : numpy.ndarray of int, shape (N,)
        The class whose score is differentiated, per image.

    Returns
    -------
    numpy.ndarray, shape (N, C, H, W)
        Signed; Simonyan et al. show its absolute value (the largest over channels).

    Examples
    --------
    >>> from convcourse import Linear, Sequential, Flatten
    >>> net = Sequential(Flatten(), Linear(4, 2, rng=0))
    >>> grad = saliency_map(net, np.ones((1, 1, 2, 2)), np.array([1]))
    >>> bool(np.allclose(grad.ravel(), net[1].weight[1]))
    True
    """
    x, labels = _check(network, x, labels)
    scores = network.forward(x)
    if scores.ndim != 2:
        raise ValueError(f"network must output (N, classes) scores, got shape {scores.shape}")
    if labels.max() >= scores.shape[1]:
        raise ValueError(f"labels must be classes 0 to {scores.shape[1] - 1} of the network's "
                         f"scores, got {labels.max()}")
    grad_out = np.zeros_like(scores)
    grad_out[np.arange(len(labels)), labels] = 1.0
    return network.backward(grad_out)


def occlusion_map(
    network: Layer,
    x: np.ndarray,
    labels: np.ndarray,
    patch: int = 2,
    fill: float = 0.0,
    stride: int = 1,
) -> np.ndarray:
    """How much each image's class score drops when a ``patch x patch`` square is covered.

    The square slides as a window without padding (``stride``); at each position every
    channel under it is set to ``fill`` and the network is run again.

    Returns
    -------
    numpy.ndarray, shape (N, H_out, W_out)
        ``score(x) - score(x occluded at (i, j))`` for the labelled class: positive
        where covering the square lowers the score. ``H_out`` is
        ``(H - patch) // stride + 1`` (the same for ``W_out``).

    Examples
    --------
    >>> from convcourse import Linear, Sequential, Flatten
    >>> net = Sequential(Flatten(), Linear(4, 1, bias=False))
    >>> net[1].weight[:] = [[1.0, 2.0, 3.0, 4.0]]
    >>> occlusion_map(net, np.ones((1, 1, 2, 2)), np.array([0]), patch=1)
    array([[[1., 2.],
            [3., 4.]]])
    """
    x, labels = _check(network, x, labels)
    patch = check_int(patch, "patch")
    stride = check_int(stride, "stride")
    fill = check_number(fill, "fill")
    window = Window.build(x.shape[2:], patch, stride, 0, 1,
                          context=f"occlusion patch on x of shape {x.shape}: ")
    rows = np.arange(len(labels))
    base = network.forward(x)[rows, labels]
    drops = np.zeros((x.shape[0], window.out_height, window.out_width), dtype=base.dtype)
    for i, j in window.positions():
        covered = x.copy()
        covered[(slice(None), slice(None), *window.window(i, j))] = fill
        drops[:, i, j] = base - network.forward(covered)[rows, labels]
    return drops
