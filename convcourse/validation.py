"""The course's argument checks: one function per kind of argument, one behaviour each.

Every public function in :mod:`convcourse` checks its arguments with these functions,
so a mistake is reported the same way wherever it is made:

* a value of the wrong *kind* (a list where an array is expected, a float where an
  int is expected, ``True`` where a number is expected) raises ``TypeError``;
* a value of the right kind but out of range (a stride of 0, an array of the wrong
  shape) raises ``ValueError``;
* the message names the argument, says what was expected and shows what was given.

The rules, once:

* an *int* is a Python or numpy integer, never a ``bool`` (``True`` is an ``int``
  subclass in Python, but a stride of ``True`` is a mistake, not a 1);
* a *number* is an int or a Python or numpy float, never a ``bool``, and finite;
* a *bool* is ``True``, ``False`` or a numpy bool.

This module needs numpy alone and imports nothing else from the package: it is the
bottom layer that :mod:`convcourse.geometry` and everything above it build on.

>>> check_int(3, "stride")
3
>>> check_int(True, "stride")
Traceback (most recent call last):
    ...
TypeError: stride must be an int, got True
>>> check_pair((2, 0), "dilation", minimum=1)
Traceback (most recent call last):
    ...
ValueError: dilation must be at least 1 on each axis, got (2, 0)
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np

__all__ = [
    "check_array",
    "check_array_shape",
    "check_bool",
    "check_choice",
    "check_int",
    "check_labels",
    "check_number",
    "check_pair",
    "check_rng",
    "check_shape",
    "is_int",
    "result_dtype",
]


def is_int(value: object) -> bool:
    """True for Python and numpy integers, but not for ``bool``.

    >>> is_int(3), is_int(np.int64(3)), is_int(True), is_int(3.0)
    (True, True, False, False)
    """
    return isinstance(value, Integral) and not isinstance(value, (bool, np.bool_))


def check_int(value: object, name: str, minimum: int | None = 1) -> int:
    """Check that ``value`` is an int (see :func:`is_int`) of at least ``minimum``.

    Parameters
    ----------
    value : object
        What the caller passed.
    name : str
        The argument's name, for the error message.
    minimum : int or None, default 1
        The smallest allowed value; ``None`` allows any int.

    Returns
    -------
    int
        ``value`` as a Python int.

    Raises
    ------
    TypeError
        If ``value`` is not an int (floats and bools included).
    ValueError
        If ``value`` is below ``minimum``.
    """
    if not is_int(value):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def check_number(
    value: object, name: str, positive: bool = False, non_negative: bool = False
) -> float:
    """Check that ``value`` is a finite real number (not a bool), positive or
    non-negative if asked.

    Parameters
    ----------
    value : object
        What the caller passed.
    name : str
        The argument's name, for the error message.
    positive : bool, default False
        Whether the number must be greater than zero.
    non_negative : bool, default False
        Whether the number must be at least zero.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        If ``value`` is not a real number, or is a bool.
    ValueError
        If ``value`` is infinite or NaN, or out of the range asked for.

    Examples
    --------
    >>> check_number(1e-6, "eps", positive=True)
    1e-06
    >>> check_number(0, "eps", positive=True)
    Traceback (most recent call last):
        ...
    ValueError: eps must be a positive number, got 0
    >>> check_number(-0.5, "momentum", non_negative=True)
    Traceback (most recent call last):
        ...
    ValueError: momentum must be a non-negative number, got -0.5
    """
    if positive:
        kind = "a positive number"
    else:
        kind = "a non-negative number" if non_negative else "a finite number"
    if not isinstance(value, Real) or isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be {kind}, got {value!r}")
    too_low = (positive and not value > 0) or (non_negative and not value >= 0)
    if not math.isfinite(value) or too_low:
        raise ValueError(f"{name} must be {kind}, got {value!r}")
    return float(value)


def check_bool(value: object, name: str) -> bool:
    """Check that ``value`` is ``True`` or ``False`` (a numpy bool is accepted).

    Raises
    ------
    TypeError
        For anything else, including the ints 0 and 1.
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_choice(value: object, name: str, choices: tuple[str, ...]) -> str:
    """Check that ``value`` is one of the strings in ``choices``.

    Raises
    ------
    TypeError
        If ``value`` is not a string.
    ValueError
        If it is a string but not one of ``choices``.

    Examples
    --------
    >>> check_choice("fast", "implementation", ("naive", "fast"))
    'fast'
    >>> check_choice("quick", "implementation", ("naive", "fast"))
    Traceback (most recent call last):
        ...
    ValueError: implementation must be one of 'naive', 'fast', got 'quick'
    """
    allowed = ", ".join(repr(choice) for choice in choices)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {allowed}, got {value!r}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
    return value


def check_pair(value: object, name: str, minimum: int = 1) -> tuple[int, int]:
    """Return ``value`` as an ``(h, w)`` pair of ints, each at least ``minimum``.

    This is how every spatial hyper-parameter is spelled, as in PyTorch: one int for
    both axes, or a pair (tuple or list) with one int per axis.

    Parameters
    ----------
    value : int or pair of ints
        One number for both axes, or one per axis.
    name : str
        The argument's name, for the error message.
    minimum : int, default 1
        The smallest allowed value (1 for kernel sizes, stride and dilation, 0 for
        padding).

    Returns
    -------
    tuple of int
        ``(value_h, value_w)``.

    Raises
    ------
    TypeError
        If ``value`` is neither an int nor a pair of ints.
    ValueError
        If a value is below ``minimum``.

    Examples
    --------
    >>> check_pair(3, "kernel_size")
    (3, 3)
    >>> check_pair([1, 2], "padding", minimum=0)
    (1, 2)
    """
    if is_int(value):
        pair = (int(value), int(value))
    elif isinstance(value, (tuple, list)) and len(value) == 2 and all(map(is_int, value)):
        pair = (int(value[0]), int(value[1]))
    else:
        raise TypeError(f"{name} must be an int or a pair of ints (h, w), got {value!r}")
    if min(pair) < minimum:
        raise ValueError(f"{name} must be at least {minimum} on each axis, got {value!r}")
    return pair


def check_shape(value: object, name: str, layout: str) -> tuple[int, ...]:
    """Check that ``value`` is a shape: a tuple or list of ints, each at least 1.

    Parameters
    ----------
    value : object
        What the caller passed, for example ``(C, H, W)``.
    name : str
        The argument's name, for the error message.
    layout : str
        The expected layout; its number of comma-separated names is the required
        length, e.g. ``"(C, H, W)"`` for three.

    Returns
    -------
    tuple of int

    Raises
    ------
    TypeError
        If ``value`` is not a tuple or list of ints.
    ValueError
        If it has the wrong length or an entry below 1.

    Examples
    --------
    >>> check_shape([1, 28, 28], "input_shape", "(C, H, W)")
    (1, 28, 28)
    >>> check_shape((1, 28), "input_shape", "(C, H, W)")
    Traceback (most recent call last):
        ...
    ValueError: input_shape must have 3 entries (C, H, W), got (1, 28)
    """
    length = layout.count(",") + 1
    if not isinstance(value, (tuple, list)) or not all(map(is_int, value)):
        raise TypeError(f"{name} must be a tuple of ints {layout}, got {value!r}")
    if len(value) != length:
        raise ValueError(f"{name} must have {length} entries {layout}, got {value!r}")
    if min(value) < 1:
        raise ValueError(f"{name} must have entries of at least 1 {layout}, got {value!r}")
    return tuple(int(v) for v in value)


def check_array(value: object, name: str, ndim: int | None, layout: str) -> np.ndarray:
    """Check that ``value`` is a non-empty, real-valued numpy array with ``ndim`` axes.

    Parameters
    ----------
    value : object
        What the caller passed.
    name : str
        The argument's name, for the error message.
    ndim : int or None
        The required number of dimensions; ``None`` accepts any.
    layout : str
        A reminder of the expected layout, such as ``"(N, C, H, W)"``.

    Returns
    -------
    numpy.ndarray
        ``value`` itself.

    Raises
    ------
    TypeError
        If ``value`` is not a numpy array, or does not hold real numbers.
    ValueError
        If it has the wrong number of dimensions, or no entries.
    """
    if not isinstance(value, np.ndarray):
        raise TypeError(
            f"{name} must be a numpy.ndarray {layout}, got {type(value).__name__}"
        )
    if value.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {value.dtype}")
    if ndim is not None and value.ndim != ndim:
        raise ValueError(
            f"{name} must be {ndim}-D {layout}, got shape {value.shape} "
            f"with {value.ndim} dimension{'s' if value.ndim != 1 else ''}"
        )
    if value.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {value.shape}")
    return value


def check_array_shape(value: object, name: str, shape: tuple[int, ...], what: str) -> np.ndarray:
    """Check that ``value`` is a real-valued numpy array of exactly ``shape``.

    For arrays whose shape is fixed by an earlier one, such as the upstream gradient
    of a backward pass, which must have the forward output's shape.

    Parameters
    ----------
    value : object
        What the caller passed.
    name : str
        The argument's name, for the error message.
    shape : tuple of int
        The required shape.
    what : str
        Whose shape it is, e.g. ``"the forward output's"``.

    Returns
    -------
    numpy.ndarray
        ``value`` itself.

    Examples
    --------
    >>> check_array_shape(np.zeros((2, 3)), "grad_out", (2, 4), "the forward output's")
    Traceback (most recent call last):
        ...
    ValueError: grad_out must have the forward output's shape (2, 4), got (2, 3)
    """
    check_array(value, name, len(shape), f"with {what} shape {shape}")
    if value.shape != tuple(shape):
        raise ValueError(f"{name} must have {what} shape {tuple(shape)}, got {value.shape}")
    return value


def check_labels(
    value: object, name: str, classes: int | None = None, count: int | None = None
) -> np.ndarray:
    """Check that ``value`` is a 1-D array of class indices ``0 .. classes - 1``.

    Parameters
    ----------
    value : object
        What the caller passed, e.g. the true digit of each image.
    name : str
        The argument's name, for the error message.
    classes : int, optional
        How many classes there are; every entry must be below it. ``None`` accepts
        any index of at least 0.
    count : int, optional
        The number of entries required (one per example), if known.

    Returns
    -------
    numpy.ndarray
        ``value`` itself.

    Raises
    ------
    TypeError
        If ``value`` is not a numpy array of integers (floats, even whole ones, are
        refused: a label is an index, not a measurement).
    ValueError
        If it is not 1-D, has the wrong length, or holds an index out of range.

    Examples
    --------
    >>> check_labels(np.array([0, 2, 1]), "labels", classes=3)
    array([0, 2, 1])
    >>> check_labels(np.array([0, 3]), "labels", classes=3)
    Traceback (most recent call last):
        ...
    ValueError: labels must hold class indices from 0 to 2, got values from 0 to 3
    """
    check_array(value, name, 1, "(N,)")
    if value.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer class indices, got dtype {value.dtype}")
    if count is not None and value.shape[0] != count:
        raise ValueError(
            f"{name} must have one entry per example ({count}), got shape {value.shape}"
        )
    low, high = int(value.min()), int(value.max())
    if low < 0 or (classes is not None and high >= classes):
        expected = "of at least 0" if classes is None else f"from 0 to {classes - 1}"
        raise ValueError(
            f"{name} must hold class indices {expected}, got values from {low} to {high}"
        )
    return value


def check_rng(rng: object) -> np.random.Generator:
    """Turn ``None``, an int seed or a ``numpy.random.Generator`` into a generator.

    ``None`` gives fresh, unpredictable randomness; pass a seed for runs that
    repeat exactly.

    Raises
    ------
    TypeError
        For anything else (a float, a string, the legacy ``RandomState``).
    """
    if rng is None or is_int(rng):
        return np.random.default_rng(rng)
    if isinstance(rng, np.random.Generator):
        return rng
    raise TypeError(
        f"rng must be None, an int seed or a numpy.random.Generator, got {type(rng).__name__}"
    )


def result_dtype(x: np.ndarray) -> np.dtype:
    """The dtype a computation on ``x`` returns: ``x``'s if floating point, else float64.

    >>> result_dtype(np.zeros(2, np.float32)), result_dtype(np.zeros(2, np.int64))
    (dtype('float32'), dtype('float64'))
    """
    return x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
