"""The geometry of a convolution and of pooling: output sizes, padding, ConvGeometry, and
every bad argument refused the same way by the naive and the fast passes."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from strategies import conv_cases, pool_cases

from convcourse import conv_output_size, fast, fast_pooling, naive, pooling
from convcourse.geometry import (
    ConvGeometry,
    PoolGeometry,
    check_conv2d,
    check_groups,
    check_pool2d,
    check_pool_window,
)

X = np.zeros((2, 4, 6, 6))
W = np.zeros((8, 4, 3, 3))

# ---------------------------------------------------------------------------------------
# ConvGeometry
# ---------------------------------------------------------------------------------------


@given(conv_cases())
def test_geometry_from_shapes_matches_the_forward_pass(case):
    geo = ConvGeometry.from_shapes(case.x.shape, case.weight.shape, **case.hyper)
    assert geo == check_conv2d(case.x, case.weight, case.bias, **case.hyper)
    out = naive.conv2d_forward(case.x, case.weight, case.bias, **case.hyper)
    assert geo.output_shape == out.shape
    assert geo.input_shape == case.x.shape and geo.weight_shape == case.weight.shape
    assert geo.taps == case.weight[0].size
    assert geo.pad(case.x).shape[2:] == geo.padded_size
    np.testing.assert_array_equal(geo.unpad(geo.pad(case.x)), case.x)


def test_geometry_windows_and_taps_follow_the_formula():
    geo = ConvGeometry.from_shapes((1, 4, 9, 11), (6, 2, 2, 3), stride=(2, 1),
                                   dilation=(3, 2), groups=2)
    assert geo.reach == (4, 5)
    # output (1, 2): rows 1*2 + u*3, columns 2*1 + v*2
    rows, cols = geo.window(1, 2)
    assert list(range(11)[rows]) == [2, 5] and list(range(11)[cols]) == [2, 4, 6]
    # tap (1, 2) meets rows 3, 5, ... and columns 4, 5, ...: one entry per output
    rows, cols = geo.tap_slices(1, 2)
    padded = np.arange(9 * 11).reshape(9, 11)
    assert padded[rows, cols].shape == (geo.out_height, geo.out_width)
    assert padded[rows, cols][1, 2] == padded[1 * 2 + 1 * 3, 2 * 1 + 2 * 2]
    # output channels 0-2 read input channels 0-1, 3-5 read 2-3
    assert [geo.group_channels(o) for o in (0, 2, 3, 5)] == [
        slice(0, 2), slice(0, 2), slice(2, 4), slice(2, 4)
    ]


@given(conv_cases())
def test_input_window_is_the_window_without_its_padding(case):
    """Reading x at input_window(i, j) reads what window(i, j) reads of x_pad, minus the
    padding: the same numbers, with the padded ones left out."""
    geo = case.geometry
    grid = np.arange(1, geo.height * geo.width + 1).reshape(geo.height, geo.width)
    positions = geo.pad(grid)  # 0 marks the padding
    for i in range(geo.out_height):
        for j in range(geo.out_width):
            padded = positions[geo.window(i, j)]
            assert sorted(grid[geo.input_window(i, j)].ravel()) == sorted(padded[padded > 0])


def test_geometry_for_image():
    geo = ConvGeometry.for_image((3, 32, 30), 8, (3, 5), stride=2, padding=1, groups=1)
    assert geo.output_shape == (1, 8, 16, 14)
    assert geo.weight_shape == (8, 3, 3, 5)
    with pytest.raises(ValueError, match=re.escape(
        "the kernel reaches 3x3 (kernel 3x3, dilation (1, 1)) but the padded input is only "
        "2x2 (input_shape=(3, 2, 2), padding 0)"
    )):
        ConvGeometry.for_image((3, 2, 2), 8, 3)
    with pytest.raises(ValueError, match="image must have 3 entries"):
        ConvGeometry.for_image((3, 2), 8, 3, name="image")


@pytest.mark.parametrize(
    "arguments, error, pattern",
    [
        ({"input_shape": (1, 3, 5)}, ValueError, r"input_shape must have 4 entries \(N, C, H, W\)"),
        ({"input_shape": (1, 3, 5, 5.0)}, TypeError, r"input_shape must be a tuple of ints"),
        ({"input_shape": np.zeros((1, 3, 5, 5))}, TypeError,
         r"input_shape must be a tuple of ints"),
        ({"weight_shape": (2, 3, 0, 3)}, ValueError,
         r"weight_shape must have entries of at least 1"),
        ({"groups": 2}, ValueError, r"groups=2 must divide in_channels=3"),
    ],
)
def test_geometry_from_shapes_rejects_bad_shapes(arguments, error, pattern):
    call = {"input_shape": (1, 3, 5, 5), "weight_shape": (2, 3, 3, 3)} | arguments
    with pytest.raises(error, match=pattern):
        ConvGeometry.from_shapes(**call)


def test_check_groups():
    assert check_groups(np.int64(2), 4, 6) == 2
    with pytest.raises(ValueError, match="groups=4 must divide out_channels=6"):
        check_groups(4, 4, 6)
    with pytest.raises(TypeError, match="groups must be an int, got True"):
        check_groups(True, 4, 6)
    with pytest.raises(ValueError, match="groups must be at least 1, got 0"):
        check_groups(0, 4, 6)


# ---------------------------------------------------------------------------------------
# every bad argument, refused the same way by naive and fast, forward and backward
# ---------------------------------------------------------------------------------------

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




# ---------------------------------------------------------------------------------------
# pooling: the window, its geometry, and every bad argument of the eight functions
# ---------------------------------------------------------------------------------------


def test_check_pool_window():
    assert check_pool_window(np.int64(3)) == ((3, 3), (3, 3), (0, 0))  # stride = kernel
    assert check_pool_window((4, 2), [1, 2], (2, 1)) == ((4, 2), (1, 2), (2, 1))
    assert check_pool_window(1, padding=0) == ((1, 1), (1, 1), (0, 0))


@given(pool_cases())
def test_pool_geometry_is_an_undilated_window_on_every_channel(case):
    geo = PoolGeometry.from_shapes(case.x.shape, **case.window)
    assert geo == check_pool2d(case.x, **case.window)
    kernel, stride, padding = check_pool_window(**case.window)
    n, c, h, w = case.x.shape
    assert geo.input_shape == case.x.shape
    assert ((geo.kernel_h, geo.kernel_w), geo.stride, geo.dilation) == (kernel, stride, (1, 1))
    assert geo.output_shape == (n, c, conv_output_size(h, kernel[0], stride[0], padding[0]),
                                conv_output_size(w, kernel[1], stride[1], padding[1]))


POOLINGS = {
    f"{module.__name__.split('.')[-1]}.{kind}_pool2d_{direction}": getattr(
        module, f"{kind}_pool2d_{direction}"
    )
    for module in (pooling, fast_pooling)
    for kind in ("max", "avg")
    for direction in ("forward", "backward")
}

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


@pytest.mark.parametrize("function", POOLINGS.values(), ids=POOLINGS.keys())
@pytest.mark.parametrize(
    "arguments, error, pattern", [case[1:] for case in POOL_CASES],
    ids=[case[0] for case in POOL_CASES],
)
def test_pooling_rejects_bad_input(function, arguments, error, pattern):
    call = {"x": X, "kernel_size": 2, "stride": None, "padding": 0} | arguments
    if function.__name__.endswith("backward"):  # checked after the other arguments
        call["grad_out"] = np.zeros((2, 4, 3, 3))
    with pytest.raises(error, match=pattern):
        function(**call)


@pytest.mark.parametrize(
    "function", [f for name, f in POOLINGS.items() if name.endswith("backward")],
    ids=[name for name in POOLINGS if name.endswith("backward")],
)
@pytest.mark.parametrize(
    ("grad_out", "error", "pattern"),
    [
        ([[1.0]], TypeError, "grad_out must be a numpy.ndarray"),
        (np.zeros((2, 4, 3)), ValueError, "grad_out must be 4-D"),
        (np.zeros((2, 4, 6, 6)), ValueError,
         re.escape("grad_out must have the forward output's shape (2, 4, 3, 3), got (2, 4, 6, 6)")),
    ],
)
def test_pooling_backward_rejects_bad_grad_out(function, grad_out, error, pattern):
    with pytest.raises(error, match=pattern):
        function(grad_out, X, 2)


CONVOLUTIONS = {
    "naive.conv2d_forward": naive.conv2d_forward,
    "fast.conv2d_forward": fast.conv2d_forward,
}
BACKWARDS = {
    "naive.conv2d_backward": naive.conv2d_backward,
    "fast.conv2d_backward": fast.conv2d_backward,
}


@pytest.mark.parametrize("function", CONVOLUTIONS.values(), ids=CONVOLUTIONS.keys())
@pytest.mark.parametrize(
    "arguments, error, pattern", [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_forward_rejects_bad_input(function, arguments, error, pattern):
    call = {"x": X, "weight": W, "bias": None, "stride": 1, "padding": 0, "dilation": 1,
            "groups": 1} | arguments
    with pytest.raises(error, match=pattern):
        function(**call)


@pytest.mark.parametrize("function", BACKWARDS.values(), ids=BACKWARDS.keys())
@pytest.mark.parametrize(
    "arguments, error, pattern",
    [case[1:] for case in CASES if "bias" not in case[1]],
    ids=[case[0] for case in CASES if "bias" not in case[1]],
)
def test_backward_rejects_the_same_bad_input(function, arguments, error, pattern):
    # grad_out is checked after the other arguments, so the same message comes first.
    call = {"grad_out": np.zeros((2, 8, 4, 4)), "x": X, "weight": W} | arguments
    with pytest.raises(error, match=pattern):
        function(**call)


@pytest.mark.parametrize("function", BACKWARDS.values(), ids=BACKWARDS.keys())
@pytest.mark.parametrize(
    ("grad_out", "error", "pattern"),
    [
        ([[1.0]], TypeError, "grad_out must be a numpy.ndarray"),
        (np.zeros((4, 4, 4)), ValueError, "grad_out must be 4-D"),
        (np.zeros((2, 8, 4, 4), dtype=complex), TypeError, "grad_out must hold real numbers"),
        (np.zeros((2, 8, 5, 5)), ValueError,
         re.escape("grad_out must have the forward output's shape (2, 8, 4, 4), got (2, 8, 5, 5)")),
    ],
)
def test_backward_rejects_bad_grad_out(function, grad_out, error, pattern):
    with pytest.raises(error, match=pattern):
        function(grad_out, X, W)
