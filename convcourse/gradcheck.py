"""Finite differences and relative errors: how the course checks its gradients."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["numerical_gradient", "rel_error"]


def numerical_gradient(
    f: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    grad_out: np.ndarray,
    eps: float = 1e-6,
) -> np.ndarray:
    """Estimate ``d/dx sum(f(x) * grad_out)`` by central differences.

    For a function ``f`` whose output feeds a loss with upstream gradient
    ``grad_out``, the chain rule gives ``dL/dx[k] = sum(df/dx[k] * grad_out)``. Each
    entry is estimated as

    .. math::

        \\frac{\\partial L}{\\partial x_k} \\approx
        \\sum \\frac{f(x + \\varepsilon e_k) - f(x - \\varepsilon e_k)}{2 \\varepsilon}
        \\cdot \\text{grad\\_out}

    whose error shrinks like ``eps**2`` (plus rounding of order ``1e-16 / eps``), so
    in float64 ``eps=1e-6`` agrees with an exact gradient to about ``1e-9``.

    Parameters
    ----------
    f : callable
        Takes an array shaped like ``x`` and returns an array shaped like ``grad_out``.
    x : numpy.ndarray, float64
        Where to take the derivative. It is perturbed one entry at a time and
        restored before returning.
    grad_out : numpy.ndarray
        The upstream gradient, shaped like ``f(x)``.
    eps : float, default 1e-6
        The step, positive.

    Returns
    -------
    numpy.ndarray
        Shaped like ``x``.
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        given = x.dtype if isinstance(x, np.ndarray) else type(x).__name__
        raise TypeError(f"x must be a float64 numpy.ndarray, got {given}")
    if not isinstance(grad_out, np.ndarray):
        raise TypeError(f"grad_out must be a numpy.ndarray, got {type(grad_out).__name__}")
    if not isinstance(eps, (int, float)) or isinstance(eps, bool) or not eps > 0:
        raise ValueError(f"eps must be a positive number, got {eps!r}")

    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        plus = f(x)
        x[index] = original - eps
        minus = f(x)
        x[index] = original
        if np.shape(plus) != grad_out.shape:
            raise ValueError(
                f"grad_out must have the shape of f(x), {np.shape(plus)}, "
                f"got {grad_out.shape}"
            )
        grad[index] = np.sum((plus - minus) * grad_out) / (2 * eps)
    return grad


def rel_error(a: np.ndarray, b: np.ndarray, floor: float = 1e-300) -> float:
    """Largest difference between ``a`` and ``b``, relative to their size.

    .. math::

        \\text{rel\\_error}(a, b) = \\frac{\\max_k |a_k - b_k|}
        {\\max(\\max_k |a_k|,\\; \\max_k |b_k|,\\; \\text{floor})}

    Unlike an element-wise relative error, a tiny entry that is nearly zero in both
    arrays (where rounding dominates) cannot blow the measure up; unlike
    ``np.allclose`` with a generous ``atol``, the measure scales with the data, so a
    wrong answer cannot hide behind a tolerance. About ``1e-16`` is perfect agreement
    in float64, about ``1e-7`` in float32. The ``floor`` only keeps two all-zero
    arrays from dividing by zero.

    Parameters
    ----------
    a, b : numpy.ndarray or array-like
        Arrays of the same shape (torch tensors are converted with ``numpy()``).
    floor : float, default 1e-300
        Smallest denominator.

    Returns
    -------
    float
    """
    if not isinstance(floor, (int, float)) or isinstance(floor, bool) or not floor > 0:
        raise ValueError(f"floor must be a positive number, got {floor!r}")
    a = _as_array(a, "a")
    b = _as_array(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    scale = max(np.max(np.abs(a64)), np.max(np.abs(b64)), floor)
    return float(np.max(np.abs(a64 - b64)) / scale)


def _as_array(value: object, name: str) -> np.ndarray:
    """Accept numpy arrays, numbers and anything with a ``numpy()`` method (tensors)."""
    if hasattr(value, "detach") and hasattr(value, "numpy"):
        value = value.detach().numpy()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = np.asarray(value, dtype=np.float64)
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray or tensor, got {type(value).__name__}")
    if value.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {value.dtype}")
    return value
