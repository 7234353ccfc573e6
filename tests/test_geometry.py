"""The geometry of a convolution and of pooling: ConvGeometry and PoolGeometry, built from
shapes or checked from the arrays of a call. (The bad arguments of each convolution and
pooling are tested beside it, from the cases in bad_input.py.)"""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from strategies import conv_cases, pool_cases

from convcourse import conv_output_size, naive
from convcourse.geometry import (
    ConvGeometry,
    PoolGeometry,
    check_conv2d,
    check_groups,
    check_pool2d,
    check_pool_window,
)

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
        "input_shape=(3, 2, 2): the kernel reaches 3x3 (kernel 3x3, dilation (1, 1)) but the "
        "padded input is only 2x2 (input 2x2, padding 0)"
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
# pooling: the window and its geometry
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
