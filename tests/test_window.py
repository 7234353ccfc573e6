"""The window every convolution and pooling slides: output sizes, padding, where each
window reads."""

from __future__ import annotations

import numpy as np
import pytest

from convcourse import conv_output_size
from convcourse.window import Window, check_window, dilated_size, resolve_padding

# ---------------------------------------------------------------------------------------
# conv_output_size, dilated_size, resolve_padding
# ---------------------------------------------------------------------------------------


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


def test_conv_output_size_accepts_numpy_ints():
    assert conv_output_size(np.int64(28), np.int32(3), padding=np.uint8(1)) == 28


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


def test_dilated_size():
    assert [dilated_size(k, d) for k, d in [(1, 1), (3, 1), (3, 2), (2, 3)]] == [1, 3, 5, 4]
    with pytest.raises(ValueError, match="dilation must be at least 1, got 0"):
        dilated_size(3, 0)


@pytest.mark.parametrize(
    "padding, kernel, dilation, expected",
    [
        (0, 3, 1, (0, 0, 0, 0)),
        ((1, 2), 3, 1, (1, 1, 2, 2)),
        ("valid", 3, 1, (0, 0, 0, 0)),
        ("same", 3, 1, (1, 1, 1, 1)),
        ("same", (2, 4), 1, (0, 1, 1, 2)),  # odd totals: the extra zero bottom/right
        ("same", 2, 2, (1, 1, 1, 1)),  # d(k - 1) = 2 is even although k is
        ("same", (3, 2), (2, 3), (2, 2, 1, 2)),
    ],
)
def test_resolve_padding(padding, kernel, dilation, expected):
    assert resolve_padding(padding, kernel, 1, dilation) == expected


# ---------------------------------------------------------------------------------------
# Window
# ---------------------------------------------------------------------------------------


def test_window_build_positions_and_reads():
    win = Window.build((5, 7), (2, 3), stride=(2, 1), padding="valid", dilation=(1, 2))
    assert (win.out_height, win.out_width) == (2, 3)
    assert win.positions() == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]
    rows, cols = win.window(1, 2)
    assert list(range(5)[rows]) == [2, 3] and list(range(7)[cols]) == [2, 4, 6]
    assert win.fields()["stride"] == (2, 1)


@pytest.mark.parametrize(
    "arguments, error, pattern",
    [
        ({"stride": 0}, ValueError, r"stride must be at least 1 on each axis, got 0"),
        ({"padding": "bogus"}, ValueError,
         r"padding must be an int, a pair of ints, 'valid' or 'same', got 'bogus'"),
        ({"dilation": -1}, ValueError, r"dilation must be at least 1 on each axis, got -1"),
        ({"kernel_size": 2.5}, TypeError, r"kernel_size must be an int or a pair of ints"),
    ],
)
def test_check_window_names_the_argument(arguments, error, pattern):
    with pytest.raises(error, match=pattern):
        check_window(**{"kernel_size": 3} | arguments)


def test_window_build_says_which_input_is_too_small():
    with pytest.raises(ValueError, match=r"padded input is only 2x2 \(input 2x2, padding 0\)"):
        Window.build((2, 2), 3)
    with pytest.raises(ValueError, match=r"^image \(1, 2, 2\): the kernel reaches 3x3"):
        Window.build((2, 2), 3, context="image (1, 2, 2): ")
