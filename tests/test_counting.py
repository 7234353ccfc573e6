"""Tests for convcourse.counting and convcourse.linear_map (chapter 4)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from convcourse import naive, rel_error
from convcourse.counting import (
    compare_conv_dense,
    conv2d_macs,
    conv2d_output_shape,
    conv2d_param_count,
    depthwise_separable_macs,
    depthwise_separable_param_count,
    linear_macs,
    linear_param_count,
)
from convcourse.linear_map import conv_as_matrix


def _numel(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@st.composite
def layer_cases(draw) -> dict:
    """A valid conv layer on one image: channels, groups, kernel, stride, padding..."""
    groups = draw(st.integers(1, 3))
    in_channels = groups * draw(st.integers(1, 3))
    out_channels = groups * draw(st.integers(1, 3))
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    # the smallest image the dilated kernel fits in, plus a few
    reach = [dilation[a] * (kernel[a] - 1) + 1 - 2 * padding[a] for a in range(2)]
    height = max(1, reach[0]) + draw(st.integers(0, 4))
    width = max(1, reach[1]) + draw(st.integers(0, 4))
    return {
        "input_shape": (in_channels, height, width),
        "out_channels": out_channels,
        "kernel_size": kernel,
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
        "groups": groups,
    }


def _torch_conv(case: dict, bias: bool) -> torch.nn.Conv2d:
    return torch.nn.Conv2d(
        case["input_shape"][0],
        case["out_channels"],
        case["kernel_size"],
        stride=case["stride"],
        padding=case["padding"],
        dilation=case["dilation"],
        groups=case["groups"],
        bias=bias,
    )


def _hyper(case: dict) -> dict:
    return {k: case[k] for k in ("stride", "padding", "dilation", "groups")}


# --- parameter counts against torch modules -------------------------------------------


@settings(max_examples=60, deadline=None)
@given(case=layer_cases(), bias=st.booleans())
def test_conv_param_count_matches_torch_numel(case, bias):
    conv = _torch_conv(case, bias)
    count = conv2d_param_count(
        case["input_shape"][0], case["out_channels"], case["kernel_size"], case["groups"], bias
    )
    assert count == _numel(conv)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 300), st.integers(1, 300), st.booleans())
def test_linear_param_count_matches_torch_numel(n_in, n_out, bias):
    assert linear_param_count(n_in, n_out, bias) == _numel(torch.nn.Linear(n_in, n_out, bias))
    assert linear_macs(n_in, n_out) == n_in * n_out


@settings(max_examples=40, deadline=None)
@given(
    channels=st.integers(1, 6),
    out_channels=st.integers(1, 6),
    kernel=st.integers(1, 5),
    bias=st.booleans(),
)
def test_depthwise_separable_param_count_matches_torch(channels, out_channels, kernel, bias):
    depthwise = torch.nn.Conv2d(channels, channels, kernel, groups=channels, bias=bias)
    pointwise = torch.nn.Conv2d(channels, out_channels, 1, bias=bias)
    expected = _numel(depthwise) + _numel(pointwise)
    assert depthwise_separable_param_count(channels, out_channels, kernel, bias) == expected


def test_seed_comparisons():
    first = compare_conv_dense((1, 4, 50), 32, 3, stride=1, padding=1)
    assert (first.conv_params, first.out_features, first.dense_params) == (288, 6400, 1280000)
    assert round(first.ratio, 2) == 4444.44
    second = compare_conv_dense((4, 1, 50), 32, 3, stride=1, padding=1)
    assert (second.conv_params, second.out_features, second.dense_params) == (1152, 1600, 320000)
    assert round(second.ratio, 2) == 277.78
    with_bias = compare_conv_dense((1, 4, 50), 32, 3, padding=1, bias=True)
    assert (with_bias.conv_params, with_bias.dense_params) == (320, 1286400)


@settings(max_examples=40, deadline=None)
@given(case=layer_cases())
def test_ratio_formula(case):
    comparison = compare_conv_dense(**case)
    _, height, width = case["input_shape"]
    _, out_h, out_w = comparison.output_shape
    kh, kw = case["kernel_size"]
    expected = Fraction(case["groups"] * height * width * out_h * out_w, kh * kw)
    assert Fraction(comparison.dense_params, comparison.conv_params) == expected


# --- output shapes and multiply-accumulates -------------------------------------------


@settings(max_examples=40, deadline=None)
@given(case=layer_cases())
def test_output_shape_matches_torch(case):
    x = torch.zeros((1, *case["input_shape"]), dtype=torch.float64)
    conv = _torch_conv(case, bias=False).double()
    with torch.no_grad():
        assert conv2d_output_shape(**case) == tuple(conv(x).shape[1:])


def test_output_shape_same_padding():
    assert conv2d_output_shape((2, 7, 8), 3, (4, 3), padding="same") == (3, 7, 8)
    assert conv2d_output_shape((2, 7, 8), 3, 3, padding="valid") == (3, 5, 6)


def _direct_mac_count(case: dict) -> int:
    """Count the multiplications by running the convolution on ones.

    With the input and its padding all ones and an all-ones kernel, each output is the
    number of taps that made it; the sum over outputs is the number of multiplies.
    """
    channels, height, width = case["input_shape"]
    pad_h, pad_w = case["padding"]
    x = F.pad(torch.ones((1, channels, height, width), dtype=torch.float64),
              (pad_w, pad_w, pad_h, pad_h), value=1.0)
    weight = torch.ones(
        (case["out_channels"], channels // case["groups"], *case["kernel_size"]),
        dtype=torch.float64,
    )
    out = F.conv2d(x, weight, stride=case["stride"], dilation=case["dilation"],
                   groups=case["groups"])
    return int(out.sum().item())


@settings(max_examples=40, deadline=None)
@given(case=layer_cases())
def test_conv_macs_match_direct_count(case):
    assert conv2d_macs(**case) == _direct_mac_count(case)
    comparison = compare_conv_dense(**case)
    assert comparison.conv_macs == conv2d_macs(**case)
    assert comparison.dense_macs == comparison.in_features * comparison.out_features


@settings(max_examples=30, deadline=None)
@given(
    channels=st.integers(1, 4),
    out_channels=st.integers(1, 4),
    kernel=st.integers(1, 3),
    size=st.integers(3, 8),
    stride=st.integers(1, 2),
    padding=st.integers(0, 1),
)
def test_depthwise_separable_macs_direct(channels, out_channels, kernel, size, stride, padding):
    depthwise = {
        "input_shape": (channels, size, size),
        "out_channels": channels,
        "kernel_size": (kernel, kernel),
        "stride": (stride, stride),
        "padding": (padding, padding),
        "dilation": (1, 1),
        "groups": channels,
    }
    _, out_h, out_w = conv2d_output_shape(**depthwise)
    pointwise = {
        "input_shape": (channels, out_h, out_w),
        "out_channels": out_channels,
        "kernel_size": (1, 1),
        "stride": (1, 1),
        "padding": (0, 0),
        "dilation": (1, 1),
        "groups": 1,
    }
    expected = _direct_mac_count(depthwise) + _direct_mac_count(pointwise)
    macs = depthwise_separable_macs((channels, size, size), out_channels, kernel, stride, padding)
    assert macs == expected


# --- the dense matrix of a convolution -------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(case=layer_cases(), seed=st.integers(0, 2**32 - 1))
def test_conv_as_matrix_matches_naive_and_torch(case, seed):
    rng = np.random.default_rng(seed)
    channels, height, width = case["input_shape"]
    weight = rng.standard_normal(
        (case["out_channels"], channels // case["groups"], *case["kernel_size"])
    )
    bias = rng.standard_normal(case["out_channels"])
    x = rng.standard_normal(case["input_shape"])
    matrix = conv_as_matrix(weight, case["input_shape"], **_hyper(case))

    out_shape = conv2d_output_shape(**case)
    assert matrix.shape == (int(np.prod(out_shape)), channels * height * width)
    assert matrix.dtype == np.float64

    ours = matrix @ x.ravel()
    reference = naive.conv2d_forward(x[None], weight, **_hyper(case))
    assert rel_error(ours, reference.ravel()) < 1e-10
    expected = F.conv2d(torch.from_numpy(x[None]), torch.from_numpy(weight),
                        torch.from_numpy(bias), **_hyper(case))
    with_bias = ours + np.repeat(bias, out_shape[1] * out_shape[2])
    assert rel_error(with_bias, expected.numpy().ravel()) < 1e-10


@settings(max_examples=40, deadline=None)
@given(case=layer_cases(), seed=st.integers(0, 2**32 - 1))
def test_conv_as_matrix_nonzeros_and_distinct_values(case, seed):
    rng = np.random.default_rng(seed)
    channels = case["input_shape"][0]
    shape = (case["out_channels"], channels // case["groups"], *case["kernel_size"])
    # distinct, non-zero weights, so that every entry of M can be traced to one weight
    weight = rng.permutation(np.arange(1, int(np.prod(shape)) + 1)).reshape(shape) * 1.0
    matrix = conv_as_matrix(weight, case["input_shape"], **_hyper(case))

    # non-zeros: one per (output, tap) pair whose tap lands on the image, not padding
    ones = np.ones((1, *case["input_shape"]))
    taps_on_image = naive.conv2d_forward(ones, np.ones(shape), **_hyper(case))
    assert np.count_nonzero(matrix) == int(taps_on_image.sum())
    # each row has at most (C/g) kh kw non-zeros (locality)
    assert np.count_nonzero(matrix, axis=1).max() <= int(np.prod(shape[1:]))

    # distinct values: the weights that touch the image at least once
    _, uses, _ = naive.conv2d_backward(np.ones_like(taps_on_image), ones, weight,
                                       **_hyper(case))
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
    reference = naive.conv2d_forward(x[None], weight.astype(np.float64), padding="same")
    assert rel_error(matrix @ x.ravel(), reference.ravel()) < 1e-10


# --- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: conv2d_param_count(3, 4, 3, groups=2), ValueError, "in_channels"),
        (lambda: conv2d_param_count(4, 3, 3, groups=2), ValueError, "out_channels"),
        (lambda: conv2d_param_count(0, 4, 3), ValueError, "in_channels"),
        (lambda: conv2d_param_count(2.0, 4, 3), TypeError, "in_channels"),
        (lambda: conv2d_param_count(2, 4, 0), ValueError, "kernel_size"),
        (lambda: conv2d_param_count(2, 4, (3, 3, 3)), TypeError, "kernel_size"),
        (lambda: conv2d_param_count(2, 4, 3, bias=1), TypeError, "bias"),
        (lambda: linear_param_count(0, 4), ValueError, "in_features"),
        (lambda: linear_macs(3, -1), ValueError, "out_features"),
        (lambda: conv2d_output_shape((3, 4), 2, 3), ValueError, "input_shape"),
        (lambda: conv2d_output_shape((3, 0, 4), 2, 1), ValueError, r"input_shape\[1\]"),
        (lambda: conv2d_output_shape((3, 2, 2), 2, 3), ValueError, "kernel reaches 3x3"),
        (lambda: conv2d_output_shape((3, 4, 4), 2, 3, stride=0), ValueError, "stride"),
        (lambda: conv2d_output_shape((3, 4, 4), 2, 3, padding="full"), ValueError,
         "padding"),
        (lambda: conv2d_output_shape((3, 4, 4), 2, 3, stride=2, padding="same"), ValueError,
         "same"),
        (lambda: conv2d_macs((4, 4, 4), 3, 3, groups=2), ValueError, "out_channels"),
        (lambda: compare_conv_dense((1, 4, 4), 2, 3, bias="no"), TypeError, "bias"),
        (lambda: depthwise_separable_param_count(3, 0, 3), ValueError, "out_channels"),
        (lambda: conv_as_matrix(np.ones((2, 1, 3, 3)), (1, 4)), ValueError, "input_shape"),
        (lambda: conv_as_matrix(np.ones((2, 1, 3, 3)), (1, 4, 0)), ValueError,
         "input_shape"),
        (lambda: conv_as_matrix(np.ones((2, 1, 3, 3)), (3, 4, 4)), ValueError,
         "x has 3 channels but weight expects 1"),
        (lambda: conv_as_matrix(np.ones((2, 1, 3, 3)), (1, 2, 5)), ValueError,
         "kernel reaches"),
        (lambda: conv_as_matrix(np.ones((2, 3, 3)), (1, 4, 4)), ValueError, "weight"),
        (lambda: conv_as_matrix([[1.0]], (1, 4, 4)), TypeError, "weight"),
        (lambda: conv_as_matrix(np.ones((3, 1, 3, 3)), (2, 4, 4), groups=2), ValueError,
         "groups=2"),
    ],
)
def test_errors_name_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()
