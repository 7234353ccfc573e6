"""The argument checks: one behaviour, whichever public function uses them."""

from __future__ import annotations

import numpy as np
import pytest

from convcourse import Conv2d, conv_output_size, counting, kernels
from convcourse.validation import (
    check_array,
    check_bool,
    check_choice,
    check_int,
    check_labels,
    check_number,
    check_pair,
    check_rng,
    check_shape,
    is_int,
    result_dtype,
)


def test_ints_are_python_or_numpy_integers_but_not_bools():
    assert all(is_int(v) for v in (0, -3, np.int8(1), np.int64(5), np.uint16(2)))
    assert not any(is_int(v) for v in (True, np.bool_(True), 1.0, np.float64(1), "1", None))


def test_check_int():
    assert check_int(np.int32(4), "n") == 4 and type(check_int(np.int32(4), "n")) is int
    assert check_int(0, "n", minimum=0) == 0
    assert check_int(-7, "n", minimum=None) == -7
    with pytest.raises(TypeError, match=r"n must be an int, got 2\.0"):
        check_int(2.0, "n")
    with pytest.raises(TypeError, match=r"n must be an int, got True"):
        check_int(True, "n")
    with pytest.raises(ValueError, match=r"n must be at least 1, got 0"):
        check_int(0, "n")


def test_check_number():
    assert check_number(np.float32(0.5), "eps") == 0.5
    assert check_number(-2, "shift") == -2.0
    for bad in (True, "1", None, np.array([1.0])):
        with pytest.raises(TypeError, match="eps must be a positive number"):
            check_number(bad, "eps", positive=True)
    for bad in (0, -1e-3, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="eps must be a positive number"):
            check_number(bad, "eps", positive=True)
    with pytest.raises(ValueError, match="shift must be a finite number, got nan"):
        check_number(float("nan"), "shift")


def test_check_number_non_negative():
    assert check_number(0, "momentum", non_negative=True) == 0.0
    assert check_number(np.float64(0.9), "momentum", non_negative=True) == 0.9
    with pytest.raises(ValueError, match=r"momentum must be a non-negative number, got -0\.1"):
        check_number(-0.1, "momentum", non_negative=True)
    with pytest.raises(TypeError, match=r"momentum must be a non-negative number, got '0'"):
        check_number("0", "momentum", non_negative=True)
    with pytest.raises(ValueError, match=r"momentum must be a non-negative number, got inf"):
        check_number(float("inf"), "momentum", non_negative=True)


def test_check_choice():
    assert check_choice("fast", "implementation", ("naive", "fast")) == "fast"
    with pytest.raises(ValueError, match=r"implementation must be one of 'naive', 'fast', "
                                         r"got 'Fast'"):
        check_choice("Fast", "implementation", ("naive", "fast"))
    with pytest.raises(TypeError, match=r"implementation must be one of 'naive', 'fast', got 1"):
        check_choice(1, "implementation", ("naive", "fast"))


def test_check_labels():
    labels = np.array([0, 9, 3], dtype=np.uint8)
    assert check_labels(labels, "y", classes=10, count=3) is labels
    with pytest.raises(TypeError, match=r"y must be a numpy\.ndarray \(N,\), got list"):
        check_labels([0, 1], "y", classes=10)
    with pytest.raises(TypeError, match=r"y must hold integer class indices, got dtype float64"):
        check_labels(np.array([0.0, 1.0]), "y", classes=10)
    with pytest.raises(ValueError, match=r"y must be 1-D \(N,\), got shape \(2, 1\)"):
        check_labels(np.zeros((2, 1), int), "y", classes=10)
    with pytest.raises(ValueError, match=r"y must have one entry per example \(4\), "
                                         r"got shape \(3,\)"):
        check_labels(labels, "y", classes=10, count=4)
    with pytest.raises(ValueError, match=r"y must hold class indices from 0 to 9, "
                                         r"got values from -1 to 3"):
        check_labels(np.array([-1, 3]), "y", classes=10)


def test_check_bool():
    assert check_bool(np.bool_(False), "bias") is False
    for bad in (1, 0, "yes", None):
        with pytest.raises(TypeError, match="bias must be True or False"):
            check_bool(bad, "bias")


def test_check_pair():
    assert check_pair(np.int64(2), "stride") == (2, 2)
    assert check_pair([1, np.int8(3)], "stride") == (1, 3)
    assert check_pair((0, 1), "padding", minimum=0) == (0, 1)
    for bad in (1.5, (1, 2, 3), (1,), (1.0, 2), (True, 1), "2", None):
        with pytest.raises(TypeError, match=r"stride must be an int or a pair of ints \(h, w\)"):
            check_pair(bad, "stride")
    with pytest.raises(ValueError, match=r"stride must be at least 1 on each axis, got \(1, 0\)"):
        check_pair((1, 0), "stride")


def test_check_shape():
    assert check_shape([np.int64(3), 4, 5], "input_shape", "(C, H, W)") == (3, 4, 5)
    with pytest.raises(TypeError, match=r"input_shape must be a tuple of ints \(C, H, W\)"):
        check_shape((3, 4.0, 5), "input_shape", "(C, H, W)")
    with pytest.raises(TypeError, match=r"input_shape must be a tuple of ints"):
        check_shape("345", "input_shape", "(C, H, W)")
    with pytest.raises(ValueError, match=r"input_shape must have 3 entries \(C, H, W\)"):
        check_shape((3, 4), "input_shape", "(C, H, W)")
    with pytest.raises(ValueError, match=r"must have entries of at least 1 \(C, H, W\), got"):
        check_shape((3, 0, 4), "input_shape", "(C, H, W)")


def test_check_array():
    x = np.zeros((2, 3))
    assert check_array(x, "x", 2, "(H, W)") is x
    assert check_array(np.ones((1, 1), dtype=bool), "x", 2, "(H, W)").dtype == bool
    with pytest.raises(TypeError, match=r"x must be a numpy\.ndarray \(H, W\), got list"):
        check_array([[0.0]], "x", 2, "(H, W)")
    with pytest.raises(TypeError, match=r"x must hold real numbers, got dtype complex128"):
        check_array(np.zeros((1, 1), complex), "x", 2, "(H, W)")
    with pytest.raises(ValueError, match=r"x must be 2-D \(H, W\), got shape \(3,\) with 1 dim"):
        check_array(np.zeros(3), "x", 2, "(H, W)")
    with pytest.raises(ValueError, match=r"x must not be empty, got shape \(0, 2\)"):
        check_array(np.zeros((0, 2)), "x", 2, "(H, W)")


def test_check_rng():
    assert isinstance(check_rng(None), np.random.Generator)
    assert check_rng(np.int64(3)).random() == np.random.default_rng(3).random()
    generator = np.random.default_rng(0)
    assert check_rng(generator) is generator
    for bad in (1.0, "seed", np.random.RandomState(0), True):
        with pytest.raises(TypeError, match="rng must be None, an int seed or a numpy"):
            check_rng(bad)


def test_result_dtype():
    assert result_dtype(np.zeros(1, np.float16)) == np.float16
    assert result_dtype(np.zeros(1, np.uint8)) == np.float64
    assert result_dtype(np.zeros(1, bool)) == np.float64


# One behaviour everywhere: public functions accept numpy ints and refuse bools with a
# TypeError naming the argument.
CALLS_WITH_AN_INT = {
    "conv_output_size(size)": lambda v: conv_output_size(v, 3),
    "Conv2d(in_channels)": lambda v: Conv2d(v, 2, 3, rng=0),
    "Conv2d(kernel_size)": lambda v: Conv2d(2, 2, v, rng=0),
    "conv2d_param_count(out_channels)": lambda v: counting.conv2d_param_count(2, v, 3),
    "linear_param_count(in_features)": lambda v: counting.linear_param_count(v, 2),
    "conv2d_output_shape(input_shape)": lambda v: counting.conv2d_output_shape((1, v, 8), 2, 3),
    "kernels.box_blur(size)": lambda v: kernels.box_blur(v),
}


@pytest.mark.parametrize("call", CALLS_WITH_AN_INT.values(), ids=CALLS_WITH_AN_INT.keys())
def test_numpy_ints_are_accepted_and_bools_refused_everywhere(call):
    call(np.int64(3))  # no error
    with pytest.raises(TypeError, match=r"got .*True"):
        call(True)
