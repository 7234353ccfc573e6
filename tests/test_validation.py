"""Every bad argument raises a clear error: the right type, naming what was wrong."""

from __future__ import annotations

import re

import numpy as np
import pytest

from convcourse import Conv2d, conv_output_size, corr2d, naive

X = np.zeros((2, 4, 6, 6))
W = np.zeros((8, 4, 3, 3))


def forward(**changes):
    arguments = {
        "x": X,
        "weight": W,
        "bias": None,
        "stride": 1,
        "padding": 0,
        "dilation": 1,
        "groups": 1,
    }
    arguments.update(changes)
    return naive.conv2d_forward(**arguments)


def backward(**changes):
    arguments = {"grad_out": np.zeros((2, 8, 4, 4)), "x": X, "weight": W}
    arguments.update(changes)
    return naive.conv2d_backward(**arguments)


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
        r"groups=2 must divide the input channels, but x has 3 channels",
    ),
    (
        "groups do not divide output channels",
        {"weight": np.zeros((3, 2, 3, 3)), "groups": 2},
        ValueError,
        r"groups=2 must divide the output channels, but weight has 3 output channels",
    ),
    ("groups below 1", {"groups": 0}, ValueError, r"groups must be at least 1, got 0"),
    ("groups not an int", {"groups": 1.0}, TypeError, r"groups must be an int, got 1\.0"),
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


@pytest.mark.parametrize(
    "arguments, error, pattern", [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_forward_rejects_bad_input(arguments, error, pattern):
    with pytest.raises(error, match=pattern):
        forward(**arguments)


@pytest.mark.parametrize(
    "arguments, error, pattern",
    [case[1:] for case in CASES if "bias" not in case[1]],
    ids=[case[0] for case in CASES if "bias" not in case[1]],
)
def test_backward_rejects_the_same_bad_input(arguments, error, pattern):
    # grad_out is checked after the other arguments, so the same message comes first.
    with pytest.raises(error, match=pattern):
        backward(**arguments)


def test_backward_rejects_grad_out_of_the_wrong_shape():
    with pytest.raises(
        ValueError,
        match=re.escape(
            "grad_out must have the forward output's shape (2, 8, 4, 4), got (2, 8, 5, 5)"
        ),
    ):
        backward(grad_out=np.zeros((2, 8, 5, 5)))


@pytest.mark.parametrize(
    "arguments, error, pattern",
    [
        (
            {"size": 4, "kernel_size": 5},
            ValueError,
            r"the kernel \(kernel_size=5, dilation=1, reach 5\) is larger than the padded input",
        ),
        (
            {"size": 4, "kernel_size": 3, "stride": 0},
            ValueError,
            r"stride must be at least 1, got 0",
        ),
        (
            {"size": 4, "kernel_size": 3, "padding": -1},
            ValueError,
            r"padding must be at least 0, got -1",
        ),
        ({"size": 4.0, "kernel_size": 3}, TypeError, r"size must be an int, got 4\.0"),
        (
            {"size": 4, "kernel_size": 3, "dilation": True},
            TypeError,
            r"dilation must be an int, got True",
        ),
    ],
)
def test_conv_output_size_rejects_bad_input(arguments, error, pattern):
    with pytest.raises(error, match=pattern):
        conv_output_size(**arguments)


@pytest.mark.parametrize(
    "size, kernel, stride, padding, dilation, expected",
    [
        (4, 2, 2, 0, 1, 2),
        (28, 3, 1, 1, 1, 28),
        (32, 3, 2, 1, 1, 16),
        (7, 3, 1, 0, 2, 3),
        (5, 5, 1, 0, 1, 1),
        (6, 3, 4, 0, 1, 1),
        (10, 4, 3, 2, 1, 4),
    ],
)
def test_conv_output_size_formula(size, kernel, stride, padding, dilation, expected):
    assert conv_output_size(size, kernel, stride, padding, dilation) == expected


def test_corr2d_rejects_bad_input():
    with pytest.raises(ValueError, match=r"K must be no larger than X on either axis"):
        corr2d(np.zeros((2, 2)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match=r"X must be 2-D \(H, W\), got shape \(1, 3, 3\)"):
        corr2d(np.zeros((1, 3, 3)), np.zeros((2, 2)))
    with pytest.raises(TypeError, match=r"K must be a numpy\.ndarray \(kh, kw\), got list"):
        corr2d(np.zeros((3, 3)), [[1.0]])


@pytest.mark.parametrize(
    "arguments, error, pattern",
    [
        (
            {"in_channels": 0, "out_channels": 2, "kernel_size": 3},
            ValueError,
            r"in_channels must be at least 1, got 0",
        ),
        (
            {"in_channels": 3, "out_channels": 4, "kernel_size": 3, "groups": 2},
            ValueError,
            r"groups=2 must divide in_channels=3 and out_channels=4",
        ),
        (
            {"in_channels": 2, "out_channels": 2, "kernel_size": (3, 0)},
            ValueError,
            r"kernel_size must be at least 1 on each axis, got \(3, 0\)",
        ),
        (
            {"in_channels": 2, "out_channels": 2, "kernel_size": 3, "rng": "seed"},
            TypeError,
            r"rng must be None, an int seed or a numpy\.random\.Generator, got str",
        ),
        (
            {"in_channels": 2, "out_channels": 2, "kernel_size": 3, "bias": 1},
            TypeError,
            r"bias must be True or False, got 1",
        ),
    ],
)
def test_conv2d_layer_rejects_bad_arguments(arguments, error, pattern):
    with pytest.raises(error, match=pattern):
        Conv2d(**arguments)


def test_layer_forward_validates_its_input():
    layer = Conv2d(3, 2, kernel_size=2, rng=0)
    with pytest.raises(ValueError, match=r"x has 4 channels but weight expects 3"):
        layer.forward(np.zeros((1, 4, 5, 5)))
