"""Finite differences and relative errors: how the course checks its gradients."""

from __future__ import annotations

from collections.abc import Callable
from numbers import Real

import numpy as np

from .validation import check_number

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
        The step, a positive number.

    Returns
    -------
    numpy.ndarray
        Shaped like ``x``.

    Raises
    ------
    TypeError
        If ``f`` is not callable, ``x`` is not a float64 array, ``grad_out`` is not an
        array or ``eps`` is not a number.
    ValueError
        If ``eps`` is not positive, or ``grad_out`` is not shaped like ``f(x)``.

    Examples
    --------
    >>> x = np.array([1.0, 2.0, 3.0])
    >>> numerical_gradient(lambda v: v**2, x, np.ones(3)).round(6)  # 2x
    array([2., 4., 6.])
    >>> numerical_gradient(lambda v: v, x, np.array([1.0, -1.0, 2.0])).round(6)
    array([ 1., -1.,  2.])
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        given = x.dtype if isinstance(x, np.ndarray) else type(x).__name__
        raise TypeError(f"x must be a float64 numpy.ndarray, got {given}")
    if not isinstance(grad_out, np.ndarray):
        raise TypeError(f"grad_out must be a numpy.ndarray, got {type(grad_out).__name__}")
    eps = check_number(eps, "eps", positive=True)

    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        # np.array(...) copies: f may return a view of x (identity, reshape, slicing),
        # which would otherwise change when x is nudged the other way or restored.
        x[index] = original + eps
        plus = np.array(f(x), dtype=np.float64)
        x[index] = original - eps
        minus = np.array(f(x), dtype=np.float64)
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

    Examples
    --------
    >>> error = rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.000002]))
    >>> print(f"{error:.3e}")  # 0.000002 / 2.000002
    1.000e-06
    """
    floor = check_number(floor, "floor", positive=True)
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
    if isinstance(value, Real) and not isinstance(value, (bool, np.bool_)):
        value = np.asarray(value, dtype=np.float64)
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray or tensor, got {type(value).__name__}")
    if value.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {value.dtype}")
    return value
