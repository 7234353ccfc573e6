"""Single-channel 2-D cross-correlation: the smallest convolution there is."""

from __future__ import annotations

import numpy as np

from .validation import check_array, result_dtype

__all__ = ["corr2d"]


def corr2d(X: np.ndarray, K: np.ndarray) -> np.ndarray:  # d2l's names: X image, K kernel
    """Slide kernel ``K`` over image ``X`` and sum the products at every position.

    .. math::

        Y[i, j] = \\sum_{u=0}^{k_h - 1} \\sum_{v=0}^{k_w - 1} X[i + u, j + v]\\, K[u, v]

    No padding, stride 1: this is ``d2l.corr2d`` in numpy, and
    ``torch.nn.functional.conv2d`` with one image, one channel and one kernel.

    Parameters
    ----------
    X : numpy.ndarray, shape (H, W)
        The image.
    K : numpy.ndarray, shape (kh, kw)
        The kernel, no larger than ``X`` on either axis.

    Returns
    -------
    numpy.ndarray, shape (H - kh + 1, W - kw + 1)
        The feature map; its dtype is ``X``'s (float64 for integer ``X``).

    Examples
    --------
    >>> X = np.array([[0.0, 1.0, 1.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
    >>> K = np.array([[1.0, 0.0], [1.0, 0.0]])
    >>> corr2d(X, K)
    array([[0., 2.],
           [0., 1.]])
    """
    X = check_array(X, "X", 2, "(H, W)")
    K = check_array(K, "K", 2, "(kh, kw)")
    kh, kw = K.shape
    if kh > X.shape[0] or kw > X.shape[1]:
        raise ValueError(
            f"K must be no larger than X on either axis, got K shape {K.shape} "
            f"and X shape {X.shape}"
        )
    Y = np.zeros((X.shape[0] - kh + 1, X.shape[1] - kw + 1), dtype=result_dtype(X))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = np.sum(X[i : i + kh, j : j + kw] * K)
    return Y
