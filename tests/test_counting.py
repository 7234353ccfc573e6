"""convcourse.counting against PyTorch's own counts and direct counts (chapter 4)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import hyper_of, layer_cases

from convcourse import Conv2d, reference
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


def _torch_numel(in_channels, out_channels, kernel_size, groups=1, bias=True) -> int:
    """PyTorch's count for the torch.nn.Conv2d twin of a layer with these settings."""
    layer = Conv2d(in_channels, out_channels, kernel_size, groups=groups, bias=bias, rng=0)
    return reference.numel(reference.conv2d_module(layer))


# --- parameter counts against torch modules -------------------------------------------


@settings(settings.get_profile("cheap"))
@given(case=layer_cases(), bias=st.booleans())
def test_conv_param_count_matches_torch_numel(case, bias):
    arguments = (case["input_shape"][0], case["out_channels"], case["kernel_size"],
                 case["groups"], bias)
    assert conv2d_param_count(*arguments) == _torch_numel(*arguments)


@settings(deadline=None)
@given(st.integers(1, 300), st.integers(1, 300), st.booleans())
def test_linear_param_count_matches_torch_numel(n_in, n_out, bias):
    expected = reference.numel(torch.nn.Linear(n_in, n_out, bias))
    assert linear_param_count(n_in, n_out, bias) == expected
    assert linear_macs(n_in, n_out) == n_in * n_out


@settings(deadline=None)
@given(
    channels=st.integers(1, 6),
    out_channels=st.integers(1, 6),
    kernel=st.integers(1, 5),
    bias=st.booleans(),
)
def test_depthwise_separable_param_count_matches_torch(channels, out_channels, kernel, bias):
    depthwise = _torch_numel(channels, channels, kernel, groups=channels, bias=bias)
    pointwise = _torch_numel(channels, out_channels, 1, bias=bias)
    expected = depthwise + pointwise
    assert depthwise_separable_param_count(channels, out_channels, kernel, bias) == expected


def test_chapter_4_comparisons():
    first = compare_conv_dense((1, 4, 50), 32, 3, stride=1, padding=1)
    assert (first.conv_params, first.out_features, first.dense_params) == (288, 6400, 1280000)
    assert round(first.ratio, 2) == 4444.44
    second = compare_conv_dense((4, 1, 50), 32, 3, stride=1, padding=1)
    assert (second.conv_params, second.out_features, second.dense_params) == (1152, 1600, 320000)
    assert round(second.ratio, 2) == 277.78
    with_bias = compare_conv_dense((1, 4, 50), 32, 3, padding=1, bias=True)
    assert (with_bias.conv_params, with_bias.dense_params) == (320, 1286400)


@settings(deadline=None)
@given(case=layer_cases())
def test_ratio_formula(case):
    comparison = compare_conv_dense(**case)
    _, height, width = case["input_shape"]
    _, out_h, out_w = comparison.output_shape
    kh, kw = case["kernel_size"]
    expected = Fraction(case["groups"] * height * width * out_h * out_w, kh * kw)
    assert Fraction(comparison.dense_params, comparison.conv_params) == expected


# --- output shapes and multiply-accumulates -------------------------------------------


@settings(deadline=None)
@given(case=layer_cases())
def test_output_shape_matches_torch(case):
    channels = case["input_shape"][0]
    x = np.zeros((1, *case["input_shape"]))
    weight = np.zeros((case["out_channels"], channels // case["groups"], *case["kernel_size"]))
    out = reference.conv2d(x, weight, **hyper_of(case))
    assert conv2d_output_shape(**case) == out.shape[1:]


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
    x = np.pad(np.ones((1, channels, height, width)), ((0, 0), (0, 0), (pad_h, pad_h),
                                                       (pad_w, pad_w)), constant_values=1.0)
    weight = np.ones((case["out_channels"], channels // case["groups"], *case["kernel_size"]))
    out = reference.conv2d(x, weight, stride=case["stride"], dilation=case["dilation"],
                           groups=case["groups"])
    return int(out.sum())


@settings(deadline=None)
@given(case=layer_cases())
def test_conv_macs_match_direct_count(case):
    assert conv2d_macs(**case) == _direct_mac_count(case)
    comparison = compare_conv_dense(**case)
    assert comparison.conv_macs == conv2d_macs(**case)
    assert comparison.dense_macs == comparison.in_features * comparison.out_features


@settings(deadline=None)
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
        (lambda: conv2d_output_shape((3, 0, 4), 2, 1), ValueError,
         r"input_shape must have entries"),
        (lambda: conv2d_output_shape((3, 2, 2), 2, 3), ValueError, "kernel reaches 3x3"),
        (lambda: conv2d_output_shape((3, 4, 4), 2, 3, stride=0), ValueError, "stride"),
        (lambda: conv2d_output_shape((3, 4, 4), 2, 3, padding="full"), ValueError,
         "padding"),
        (lambda: conv2d_output_shape((3, 4, 4), 2, 3, stride=2, padding="same"), ValueError,
         "same"),
        (lambda: conv2d_macs((4, 4, 4), 3, 3, groups=2), ValueError, "out_channels"),
        (lambda: compare_conv_dense((1, 4, 4), 2, 3, bias="no"), TypeError, "bias"),
        (lambda: depthwise_separable_param_count(3, 0, 3), ValueError, "out_channels"),
        (lambda: conv2d_output_shape((3, 4, 4.0), 2, 1), TypeError, "input_shape"),
        (lambda: conv2d_output_shape([3, 4, True], 2, 1), TypeError, "input_shape"),
        (lambda: conv2d_param_count(2, 4, 3, bias=np.int64(1)), TypeError, "bias"),
    ],
)
def test_errors_name_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()
