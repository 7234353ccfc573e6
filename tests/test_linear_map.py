"""convcourse.linear_map: the dense matrix of a convolution (chapter 4)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import hyper_of, layer_cases

from convcourse import naive, reference, rel_error
from convcourse.counting import conv2d_macs, conv2d_output_shape
from convcourse.linear_map import conv_as_matrix


@settings(deadline=None)
@given(case=layer_cases(), seed=st.integers(0, 2**32 - 1))
def test_conv_as_matrix_matches_naive_and_torch(case, seed):
    rng = np.random.default_rng(seed)
    channels, height, width = case["input_shape"]
    weight = rng.standard_normal(
        (case["out_channels"], channels // case["groups"], *case["kernel_size"])
    )
    bias = rng.standard_normal(case["out_channels"])
    x = rng.standard_normal(case["input_shape"])
    matrix = conv_as_matrix(weight, case["input_shape"], **hyper_of(case))

    out_shape = conv2d_output_shape(**case)
    assert matrix.shape == (int(np.prod(out_shape)), channels * height * width)
    assert matrix.dtype == np.float64

    ours = matrix @ x.ravel()
    loops = naive.conv2d_forward(x[None], weight, **hyper_of(case))
    assert rel_error(ours, loops.ravel()) < 1e-10
    expected = reference.conv2d(x[None], weight, bias, **hyper_of(case))
    with_bias = ours + np.repeat(bias, out_shape[1] * out_shape[2])
    assert rel_error(with_bias, expected.ravel()) < 1e-10


@settings(deadline=None)
@given(case=layer_cases(), seed=st.integers(0, 2**32 - 1))
def test_conv_as_matrix_nonzeros_and_distinct_values(case, seed):
    rng = np.random.default_rng(seed)
    channels = case["input_shape"][0]
    shape = (case["out_channels"], channels // case["groups"], *case["kernel_size"])
    # distinct, non-zero weights, so that every entry of M can be traced to one weight
    weight = rng.permutation(np.arange(1, int(np.prod(shape)) + 1)).reshape(shape) * 1.0
    matrix = conv_as_matrix(weight, case["input_shape"], **hyper_of(case))

    # non-zeros: one per (output, tap) pair whose tap lands on the image, not padding
    ones = np.ones((1, *case["input_shape"]))
    taps_on_image = naive.conv2d_forward(ones, np.ones(shape), **hyper_of(case))
    assert np.count_nonzero(matrix) == int(taps_on_image.sum())
    # each row has at most (C/g) kh kw non-zeros (locality)
    assert np.count_nonzero(matrix, axis=1).max() <= int(np.prod(shape[1:]))

    # distinct values: the weights that touch the image at least once
    _, uses, _ = naive.conv2d_backward(np.ones_like(taps_on_image), ones, weight,
                                       **hyper_of(case))
    used = weight[uses > 0]
    assert np.array_equal(np.unique(matrix[matrix != 0]), np.sort(used))
    # with no padding every weight is used (weight sharing: only O (C/g) kh kw values)
    if case["padding"] == (0, 0):
        assert used.size == weight.size
        assert np.count_nonzero(matrix) == conv2d_macs(**case)


def test_conv_as_matrix_small_example():
    matrix = conv_as_matrix(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), (1, 3, 3))
    expected = np.array(
        [
            [1, 2, 0, 3, 4, 0, 0, 0, 0],
            [0, 1, 2, 0, 3, 4, 0, 0, 0],
            [0, 0, 0, 1, 2, 0, 3, 4, 0],
            [0, 0, 0, 0, 1, 2, 0, 3, 4],
        ],
        dtype=np.float64,
    )
    assert np.array_equal(matrix, expected)


def test_conv_as_matrix_same_padding_and_integer_weights():
    weight = np.arange(1, 1 + 2 * 2 * 2 * 3).reshape(2, 2, 2, 3)
    x = np.random.default_rng(0).standard_normal((2, 5, 6))
    matrix = conv_as_matrix(weight, (2, 5, 6), padding="same")
    assert matrix.dtype == np.float64
    loops = naive.conv2d_forward(x[None], weight.astype(np.float64), padding="same")
    assert rel_error(matrix @ x.ravel(), loops.ravel()) < 1e-10


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: conv_as_matrix(np.ones((2, 1, 3, 3)), (1, 4)), ValueError, "input_shape"),
        (lambda: conv_as_matrix(np.ones((2, 1, 3, 3)), (1, 4, 0)), ValueError,
         "input_shape"),
        (lambda: conv_as_matrix(np.ones((2, 1, 3, 3)), (3, 4, 4)), ValueError,
         re.escape("weight must have shape (2, 3, 3, 3) for input_shape=(3, 4, 4) with "
                   "groups=1, got (2, 1, 3, 3)")),
        (lambda: conv_as_matrix(np.ones((2, 1, 3, 3)), (1, 2, 5)), ValueError,
         "kernel reaches"),
        (lambda: conv_as_matrix(np.ones((2, 3, 3)), (1, 4, 4)), ValueError, "weight"),
        (lambda: conv_as_matrix([[1.0]], (1, 4, 4)), TypeError, "weight"),
        (lambda: conv_as_matrix(np.ones((3, 1, 3, 3)), (2, 4, 4), groups=2), ValueError,
         "groups=2"),
        (lambda: conv_as_matrix(np.ones((2, 1, 3, 3)), (1, 4, 4.0)), TypeError,
         "input_shape must be a tuple of ints"),
        (lambda: conv_as_matrix(np.ones((3, 1, 3, 3)), (1, 4, 4), groups=3), ValueError,
         "groups=3 must divide in_channels=1"),
    ],
)
def test_errors_name_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()
