"""Every bad argument of a convolution or a pooling, and the message it must raise.

The naive and the fast passes refuse bad input the same way, because both start with
the same check (:func:`convcourse.geometry.check_conv2d`, :func:`check_pool2d`). The
cases live here, once; each module's tests (``test_naive.py``, ``test_fast.py``,
``test_pooling.py``, ``test_fast_pooling.py``) run them on its own functions with
:func:`conv_tests` and :func:`pool_tests`::

    test_forward_rejects_bad_input, ... = conv_tests(naive.conv2d_forward,
                                                     naive.conv2d_backward)
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pytest

X = np.zeros((2, 4, 6, 6))
W = np.zeros((8, 4, 3, 3))

CASES = [
    # (what is wrong, arguments, error type, message pattern)
    (
        "x is a list",
        {"x": X.tolist()},
        TypeError,
        r"x must be a numpy\.ndarray \(N, C, H, W\), got list",
    ),
    (
        "x holds strings",
        {"x": np.full((1, 4, 6, 6), "a")},
        TypeError,
        r"x must hold real numbers, got dtype <U1",
    ),
    (
        "x is 3-D",
        {"x": np.zeros((4, 6, 6))},
        ValueError,
        r"x must be 4-D \(N, C, H, W\), got shape \(4, 6, 6\) with 3 dimensions",
    ),
    (
        "weight is 2-D",
        {"weight": np.zeros((3, 3))},
        ValueError,
        r"weight must be 4-D .*got shape \(3, 3\) with 2 dimensions",
    ),
    (
        "channel mismatch",
        {"x": np.zeros((2, 3, 6, 6))},
        ValueError,
        re.escape("x has 3 channels but weight expects 4 (weight shape (8, 4, 3, 3))"),
    ),
    (
        "groups do not divide input channels",
        {"x": np.zeros((2, 3, 6, 6)), "weight": np.zeros((8, 1, 3, 3)), "groups": 2},
        ValueError,
        re.escape("groups=2 must divide in_channels=3 (x shape (2, 3, 6, 6), "
                  "weight shape (8, 1, 3, 3))"),
    ),
    (
        "groups do not divide output channels",
        {"weight": np.zeros((3, 2, 3, 3)), "groups": 2},
        ValueError,
        re.escape("groups=2 must divide out_channels=3 (x shape (2, 4, 6, 6), "
                  "weight shape (3, 2, 3, 3))"),
    ),
    ("groups below 1", {"groups": 0}, ValueError, r"groups must be at least 1, got 0"),
    ("groups not an int", {"groups": 1.0}, TypeError, r"groups must be an int, got 1\.0"),
    ("groups a bool", {"groups": True}, TypeError, r"groups must be an int, got True"),
    (
        "stride a bool",
        {"stride": True},
        TypeError,
        r"stride must be an int or a pair of ints \(h, w\), got True",
    ),
    (
        "bias of the wrong length",
        {"bias": np.zeros(5)},
        ValueError,
        r"bias must have one entry per output channel \(8\), got shape \(5,\)",
    ),
    (
        "bias not an array",
        {"bias": [0.0] * 8},
        TypeError,
        r"bias must be a numpy\.ndarray \(out_channels,\), got list",
    ),
    (
        "kernel larger than padded input",
        {"weight": np.zeros((8, 4, 7, 3))},
        ValueError,
        r"the kernel reaches 7x3 .* but the padded input is only 6x6",
    ),
    (
        "dilated kernel larger than padded input",
        {"dilation": 3},
        ValueError,
        r"the kernel reaches 7x7 \(kernel 3x3, dilation \(3, 3\)\) "
        r"but the padded input is only 6x6",
    ),
    ("stride below 1", {"stride": 0}, ValueError, r"stride must be at least 1 on each axis, got 0"),
    (
        "stride pair with a zero",
        {"stride": (1, 0)},
        ValueError,
        r"stride must be at least 1 on each axis, got \(1, 0\)",
    ),
    (
        "stride a float",
        {"stride": 1.5},
        TypeError,
        r"stride must be an int or a pair of ints \(h, w\), got 1\.5",
    ),
    (
        "dilation below 1",
        {"dilation": 0},
        ValueError,
        r"dilation must be at least 1 on each axis, got 0",
    ),
    (
        "negative padding",
        {"padding": -1},
        ValueError,
        r"padding must be at least 0 on each axis, got -1",
    ),
    (
        "unknown padding string",
        {"padding": "full"},
        ValueError,
        r"padding must be an int, a pair of ints, 'valid' or 'same', got 'full'",
    ),
    (
        "'same' with stride 2",
        {"padding": "same", "stride": 2},
        ValueError,
        r"padding='same' needs stride 1 on both axes, got stride=\(2, 2\)",
    ),
    (
        "padding a triple",
        {"padding": (1, 1, 1)},
        TypeError,
        r"padding must be an int or a pair of ints \(h, w\), got \(1, 1, 1\)",
    ),
    (
        "empty input",
        {"x": np.zeros((0, 4, 6, 6))},
        ValueError,
        r"x must not be empty, got shape \(0, 4, 6, 6\)",
    ),
]

POOL_CASES = [
    # (what is wrong, arguments, error type, message pattern)
    ("x is a list", {"x": X.tolist()}, TypeError,
     r"x must be a numpy\.ndarray \(N, C, H, W\), got list"),
    ("x is 3-D", {"x": np.zeros((4, 6, 6))}, ValueError,
     r"x must be 4-D \(N, C, H, W\), got shape \(4, 6, 6\) with 3 dimensions"),
    ("x holds complex numbers", {"x": np.zeros((1, 1, 4, 4), complex)}, TypeError,
     r"x must hold real numbers, got dtype complex128"),
    ("empty x", {"x": np.zeros((1, 0, 4, 4))}, ValueError, r"x must not be empty"),
    ("kernel_size 0", {"kernel_size": 0}, ValueError,
     r"kernel_size must be at least 1 on each axis, got 0"),
    ("kernel_size a float", {"kernel_size": 2.0}, TypeError,
     r"kernel_size must be an int or a pair of ints \(h, w\), got 2\.0"),
    ("kernel_size missing", {"kernel_size": None}, TypeError,
     r"kernel_size must be an int or a pair of ints \(h, w\), got None"),
    ("stride a bool", {"stride": True}, TypeError,
     r"stride must be an int or a pair of ints \(h, w\), got True"),
    ("stride pair with a zero", {"stride": (2, 0)}, ValueError,
     r"stride must be at least 1 on each axis, got \(2, 0\)"),
    ("negative padding", {"padding": -1}, ValueError,
     r"padding must be at least 0 on each axis, got -1"),
    ("padding a string", {"padding": "same"}, TypeError,
     r"padding must be an int or a pair of ints \(h, w\), got 'same'"),
    ("padding above half the kernel", {"kernel_size": 3, "padding": 2}, ValueError,
     re.escape("padding must be at most half of kernel_size on each axis "
               "(kernel_size // 2 = (1, 1)), got padding=2 with kernel_size=3")),
    ("padding above half on one axis", {"kernel_size": (3, 2), "padding": (1, 2)}, ValueError,
     re.escape("(kernel_size // 2 = (1, 1)), got padding=(1, 2) with kernel_size=(3, 2)")),
    ("window larger than the padded input", {"kernel_size": (7, 2)}, ValueError,
     r"the kernel reaches 7x2 .* but the padded input is only 6x6"),
]


def _cases(table: list[tuple], keep: Callable[[dict], bool] = lambda arguments: True):
    """``pytest.mark.parametrize`` over ``(arguments, error, pattern)``, named by what is
    wrong."""
    rows = [case for case in table if keep(case[1])]
    return pytest.mark.parametrize(
        "arguments, error, pattern", [case[1:] for case in rows], ids=[case[0] for case in rows]
    )


def conv_tests(forward: Callable, backward: Callable) -> tuple[Callable, Callable, Callable]:
    """The three bad-input tests of a convolution's ``forward`` and ``backward``."""

    @_cases(CASES)
    def test_forward_rejects_bad_input(arguments, error, pattern):
        call = {"x": X, "weight": W, "bias": None, "stride": 1, "padding": 0, "dilation": 1,
                "groups": 1} | arguments
        with pytest.raises(error, match=pattern):
            forward(**call)

    @_cases(CASES, keep=lambda arguments: "bias" not in arguments)
    def test_backward_rejects_the_same_bad_input(arguments, error, pattern):
        # grad_out is checked after the other arguments, so the same message comes first.
        call = {"grad_out": np.zeros((2, 8, 4, 4)), "x": X, "weight": W} | arguments
        with pytest.raises(error, match=pattern):
            backward(**call)

    @pytest.mark.parametrize(
        ("grad_out", "error", "pattern"),
        [
            ([[1.0]], TypeError, "grad_out must be a numpy.ndarray"),
            (np.zeros((4, 4, 4)), ValueError, "grad_out must be 4-D"),
            (np.zeros((2, 8, 4, 4), dtype=complex), TypeError,
             "grad_out must hold real numbers"),
            (np.zeros((2, 8, 5, 5)), ValueError,
             re.escape("grad_out must have the forward output's shape (2, 8, 4, 4), "
                       "got (2, 8, 5, 5)")),
        ],
    )
    def test_backward_rejects_bad_grad_out(grad_out, error, pattern):
        with pytest.raises(error, match=pattern):
            backward(grad_out, X, W)

    return (test_forward_rejects_bad_input, test_backward_rejects_the_same_bad_input,
            test_backward_rejects_bad_grad_out)


def pool_tests(functions: dict[str, Callable]) -> tuple[Callable, Callable]:
    """The two bad-input tests of a module's poolings, ``{name: function}``: every
    function refuses every bad window; the backward ones also a bad ``grad_out``."""
    backwards = {name: f for name, f in functions.items() if name.endswith("backward")}

    @pytest.mark.parametrize("function", functions.values(), ids=functions.keys())
    @_cases(POOL_CASES)
    def test_pooling_rejects_bad_input(function, arguments, error, pattern):
        call = {"x": X, "kernel_size": 2, "stride": None, "padding": 0} | arguments
        if function.__name__.endswith("backward"):  # checked after the other arguments
            call["grad_out"] = np.zeros((2, 4, 3, 3))
        with pytest.raises(error, match=pattern):
            function(**call)

    @pytest.mark.parametrize("function", backwards.values(), ids=backwards.keys())
    @pytest.mark.parametrize(
        ("grad_out", "error", "pattern"),
        [
            ([[1.0]], TypeError, "grad_out must be a numpy.ndarray"),
            (np.zeros((2, 4, 3)), ValueError, "grad_out must be 4-D"),
            (np.zeros((2, 4, 6, 6)), ValueError,
             re.escape("grad_out must have the forward output's shape (2, 4, 3, 3), "
                       "got (2, 4, 6, 6)")),
        ],
    )
    def test_pooling_backward_rejects_bad_grad_out(function, grad_out, error, pattern):
        with pytest.raises(error, match=pattern):
            function(grad_out, X, 2)

    return test_pooling_rejects_bad_input, test_pooling_backward_rejects_bad_grad_out
