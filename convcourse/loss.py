"""Softmax cross-entropy: the loss of a classifier, and its gradient.

A network's last layer gives ``K`` scores per example, the *logits* ``z``. Softmax
turns them into probabilities, and the loss is minus the log-probability of the true
class ``y``, averaged over the ``N`` examples of the batch (torch's
``F.cross_entropy`` with its default ``reduction="mean"``):

.. math::

    p_k = \\frac{e^{z_k}}{\\sum_j e^{z_j}}, \\qquad
    L = \\frac{1}{N} \\sum_n \\Big( \\log \\sum_j e^{z_{n j}} - z_{n y_n} \\Big),
    \\qquad
    \\frac{\\partial L}{\\partial z_{n k}} = \\frac{p_{n k} - [k = y_n]}{N} .

The gradient is the predicted probabilities minus the one-hot truth: it pushes the
true class's score up and every other score down, each by how much probability it
wrongly took.

**Numerical stability.** ``e^z`` overflows for ``z`` above about 709 in float64 (88
in float32), and underflows to 0 for very negative ``z``, which makes ``log 0``.
Subtracting the row's largest logit ``m`` first changes nothing mathematically,

.. math::

    \\log \\sum_j e^{z_j} = m + \\log \\sum_j e^{z_j - m},

but now every exponent is at most 0 and the largest term is exactly 1: the sum lies
in ``[1, K]``, so neither overflow nor ``log 0`` can happen (the *log-sum-exp* trick).
"""

from __future__ import annotations

import numpy as np

from .validation import check_array, check_labels, result_dtype

__all__ = ["log_softmax", "mean_squared_error", "softmax", "softmax_cross_entropy"]


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """``log p`` for every row of ``logits`` ``(N, K)``, computed stably.

    ``z - logsumexp(z)``, with the row's maximum subtracted first (see the module
    docstring). Shape ``(N, K)``, the input's dtype (float64 for integers).

    Examples
    --------
    >>> np.exp(log_softmax(np.array([[0.0, 0.0], [1e4, 0.0]])))
    array([[0.5, 0.5],
           [1. , 0. ]])
    """
    logits = check_array(logits, "logits", 2, "(N, classes)")
    z = logits.astype(result_dtype(logits), copy=False)
    shifted = z - z.max(axis=1, keepdims=True)  # every entry <= 0, the largest exactly 0
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def softmax(logits: np.ndarray) -> np.ndarray:
    """The probabilities ``p`` ``(N, K)`` of every row of ``logits``; each row sums to 1.

    Examples
    --------
    >>> softmax(np.array([[1.0, 1.0, 1.0, 1.0]]))
    array([[0.25, 0.25, 0.25, 0.25]])
    """
    return np.exp(log_softmax(logits))


def softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """The mean cross-entropy of ``softmax(logits)`` against integer ``labels``, and its
    gradient with respect to the logits.

    Parameters
    ----------
    logits : numpy.ndarray, shape (N, K)
        One score per class per example.
    labels : numpy.ndarray of ints, shape (N,)
        The true class of each example, from ``0`` to ``K - 1``.

    Returns
    -------
    loss : float
        ``L = mean_n (logsumexp(z_n) - z_n[y_n])``, as ``torch.nn.functional.cross_entropy``.
    grad_logits : numpy.ndarray, shape (N, K)
        ``dL/dz = (softmax(z) - one_hot(y)) / N``, in the logits' dtype.

    Raises
    ------
    TypeError, ValueError
        For logits that are not a 2-D real array, or labels that are not integers
        from ``0`` to ``K - 1``, one per row.

    Examples
    --------
    >>> loss, grad = softmax_cross_entropy(np.array([[2.0, 0.0], [0.0, 0.0]]), np.array([0, 1]))
    >>> round(loss, 6)  # (log(1 + e^-2) + log 2) / 2
    0.410038
    >>> grad.round(4)
    array([[-0.0596,  0.0596],
           [ 0.25  , -0.25  ]])
    """
    log_p = log_softmax(logits)
    n, classes = log_p.shape
    labels = check_labels(labels, "labels", classes, count=n)
    rows = np.arange(n)
    loss = -log_p[rows, labels].mean()
    grad = np.exp(log_p)
    grad[rows, labels] -= 1.0
    grad /= n
    return float(loss), grad


def mean_squared_error(prediction: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray]:
    """The mean squared error of a reconstruction and its gradient (chapter 8).

    ``L = mean((prediction - target)^2)`` over every number, as
    ``torch.nn.functional.mse_loss`` with its default ``reduction="mean"``, and
    ``dL/d prediction = 2 (prediction - target) / size``.

    Parameters
    ----------
    prediction, target : numpy.ndarray, the same shape
        What a network produced and what it should have produced.

    Returns
    -------
    (float, numpy.ndarray)
        The loss, and its gradient with respect to ``prediction`` (its shape).

    Examples
    --------
    >>> loss, grad = mean_squared_error(np.array([1.0, 3.0]), np.array([1.0, 1.0]))
    >>> loss, grad
    (2.0, array([0., 2.]))
    """
    prediction = check_array(prediction, "prediction", None, "any shape")
    target = check_array(target, "target", None, "any shape")
    if prediction.shape != target.shape:
        raise ValueError(
            f"target must have prediction's shape {prediction.shape}, got {target.shape}"
        )
    dtype = result_dtype(prediction)
    difference = prediction.astype(dtype, copy=False) - target.astype(dtype, copy=False)
    return float(np.mean(difference**2)), 2 * difference / difference.size
