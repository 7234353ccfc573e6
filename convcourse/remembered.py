"""The checks of a convolution or pooling call, done once per kind of call.

Every call of :func:`convcourse.fast.conv2d_forward` and its kin starts by validating
its arguments and working out the geometry (:func:`convcourse.geometry.check_conv2d`,
:func:`convcourse.geometry.check_pool2d`): some thirty microseconds of Python, as long
as the arithmetic itself for the small layers of a digit classifier. Training calls
each layer with the same shapes and hyper-parameters step after step, so the answer
is the same each time: :func:`remembered_check` keeps it.

A call is recognised by what the check's outcome depends on, nothing less: each
array's type, shape and kind of number (``f`` for float, ``i`` for int, ...), and the
hyper-parameters' types and values. Only plain ones are remembered (ints, strings,
``None``, and tuples or lists of ints): anything else (a numpy integer, a bool, an
object) is checked afresh every time, so the errors are exactly the check's own. A
check that raises is never remembered. The geometries are frozen dataclasses, safe to
share between calls.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import numpy as np

__all__ = ["remembered_check"]

Geometry = TypeVar("Geometry")

#: How many distinct calls are remembered before the memory is emptied and refilled.
MAX_REMEMBERED = 256

_remembered: dict[tuple, object] = {}


class _Unusual(Exception):
    """An argument not worth remembering: check it afresh."""


def _array_key(value: object) -> tuple:
    if value is None:
        return (None,)
    if type(value) is not np.ndarray:
        raise _Unusual
    return (value.shape, value.dtype.kind)


def _hyper_key(value: object) -> tuple:
    kind = type(value)
    if value is None or kind is int or kind is str:
        return (kind, value)
    if (kind is tuple or kind is list) and all(type(item) is int for item in value):
        return (kind, tuple(value))
    raise _Unusual


def remembered_check(
    check: Callable[..., Geometry], arrays: tuple[object, ...], hyper: tuple[object, ...]
) -> Geometry:
    """``check(*arrays, *hyper)``, remembered for calls that cannot differ in outcome.

    Parameters
    ----------
    check : callable
        A validating function such as :func:`convcourse.geometry.check_conv2d` that
        returns an immutable geometry, or raises.
    arrays : tuple
        Its array arguments (``None`` allowed, for a missing bias), passed first.
    hyper : tuple
        Its other arguments, passed after the arrays.

    Returns
    -------
    What ``check`` returns; the same object for calls with arrays of equal types,
    shapes and kinds of number and equal plain hyper-parameters.

    Examples
    --------
    >>> from convcourse.geometry import check_conv2d
    >>> x, w = np.zeros((2, 3, 8, 8)), np.zeros((4, 3, 3, 3))
    >>> first = remembered_check(check_conv2d, (x, w, None), (1, 1, 1, 1))
    >>> remembered_check(check_conv2d, (np.ones((2, 3, 8, 8)), w, None), (1, 1, 1, 1)) is first
    True
    """
    try:
        key = (check, *map(_array_key, arrays), *map(_hyper_key, hyper))
    except _Unusual:
        return check(*arrays, *hyper)
    geometry = _remembered.get(key)
    if geometry is None:
        geometry = check(*arrays, *hyper)
        if len(_remembered) >= MAX_REMEMBERED:
            _remembered.clear()
        _remembered[key] = geometry
    return geometry  # type: ignore[return-value]
