"""The naive forward pass against torch.nn.functional.conv2d."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from strategies import conv_cases, torch_conv2d

from convcourse import Conv2d, conv_output_size, corr2d, naive, rel_error


@given(conv_cases())
def test_forward_matches_torch_float64(case):
    ours = naive.conv2d_forward(case.x, case.weight, case.bias, **case.hyper)
    theirs = torch_conv2d(case)
    assert ours.shape == theirs.shape
    assert ours.dtype == np.float64
    assert rel_error(ours, theirs) < 1e-10


@given(conv_cases(dtype=np.float32, max_batch=2))
def test_float32_in_gives_float32_out(case):
    ours = naive.conv2d_forward(case.x, case.weight, case.bias, **case.hyper)
    assert ours.dtype == np.float32
    assert rel_error(ours, torch_conv2d(case)) < 1e-5


def test_output_size_formula_matches_forward_shape():
    x = np.zeros((1, 1, 11, 9))
    for kernel, stride, padding, dilation in [
        (3, 1, 0, 1),
        (3, 2, 1, 1),
        (2, 3, 2, 2),
        (5, 1, 2, 1),
    ]:
        out = naive.conv2d_forward(
            x, np.zeros((1, 1, kernel, kernel)), stride=stride, padding=padding, dilation=dilation
        )
        assert out.shape[2] == conv_output_size(11, kernel, stride, padding, dilation)
        assert out.shape[3] == conv_output_size(9, kernel, stride, padding, dilation)


def test_padding_is_applied():
    # A 1x1 all-ones kernel copies the input; padding must add a border of zeros.
    x = np.arange(1.0, 7.0).reshape(1, 1, 2, 3)
    out = naive.conv2d_forward(x, np.ones((1, 1, 1, 1)), padding=1)
    expected = np.zeros((1, 1, 4, 5))
    expected[0, 0, 1:3, 1:4] = x[0, 0]
    np.testing.assert_array_equal(out, expected)


def test_same_padding_with_even_kernel_pads_bottom_right_like_torch():
    rng = np.random.default_rng(3)
    x, weight = rng.standard_normal((1, 2, 5, 6)), rng.standard_normal((3, 2, 2, 4))
    ours = naive.conv2d_forward(x, weight, padding="same")
    theirs = torch.nn.functional.conv2d(
        torch.from_numpy(x), torch.from_numpy(weight), padding="same"
    )
    assert ours.shape == (1, 3, 5, 6)
    assert rel_error(ours, theirs) < 1e-10


def test_integer_input_is_promoted_to_float64():
    x = np.arange(16).reshape(1, 1, 4, 4)
    out = naive.conv2d_forward(x, np.ones((1, 1, 2, 2), dtype=np.int64))
    assert out.dtype == np.float64
    assert out[0, 0, 0, 0] == 0 + 1 + 4 + 5


def test_seed_example_against_torch_conv2d_module():
    # The seed's example: batch 3, 3 channels, 4x4 input, three 2x2 kernels, stride 2.
    torch.manual_seed(0)
    layer = torch.nn.Conv2d(3, 3, kernel_size=2, stride=2, dtype=torch.float64)
    x = np.random.default_rng(0).standard_normal((3, 3, 4, 4))
    theirs = layer(torch.from_numpy(x)).detach()
    ours = naive.conv2d_forward(
        x, layer.weight.detach().numpy(), layer.bias.detach().numpy(), stride=2
    )
    assert ours.shape == (3, 3, 2, 2)
    assert rel_error(ours, theirs) < 1e-10


def test_conv2d_layer_forward_matches_functional():
    layer = Conv2d(4, 6, kernel_size=(3, 2), stride=(2, 1), padding=1, groups=2, rng=1)
    x = np.random.default_rng(2).standard_normal((2, 4, 7, 5))
    layer.bias = np.random.default_rng(3).standard_normal(6)
    expected = naive.conv2d_forward(x, layer.weight, layer.bias, stride=(2, 1), padding=1, groups=2)
    np.testing.assert_array_equal(layer.forward(x), expected)


def test_conv2d_layer_initialisation_is_he_normal_and_seeded():
    layer = Conv2d(16, 64, kernel_size=3, rng=0)
    assert layer.weight.shape == (64, 16, 3, 3)
    fan_in = 16 * 3 * 3
    # 9216 draws: the sample std is within 3% of sqrt(2 / fan_in) with overwhelming odds.
    assert abs(layer.weight.std() / np.sqrt(2 / fan_in) - 1) < 0.03
    np.testing.assert_array_equal(layer.bias, np.zeros(64))
    np.testing.assert_array_equal(layer.weight, Conv2d(16, 64, 3, rng=0).weight)
    assert not np.array_equal(layer.weight, Conv2d(16, 64, 3, rng=1).weight)
    assert Conv2d(2, 2, 3, bias=False, rng=0).bias is None


@pytest.mark.parametrize("seed", range(3))
def test_corr2d_matches_torch(seed):
    rng = np.random.default_rng(seed)
    X, K = rng.standard_normal((6, 7)), rng.standard_normal((3, 2))
    theirs = torch.nn.functional.conv2d(
        torch.from_numpy(X)[None, None], torch.from_numpy(K)[None, None]
    )[0, 0]
    assert rel_error(corr2d(X, K), theirs) < 1e-10


def test_corr2d_seed_example():
    X = np.array([[0.0, 1.0, 1.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
    K = np.array([[1.0, 0.0], [1.0, 0.0]])
    np.testing.assert_array_equal(corr2d(X, K), [[0.0, 2.0], [0.0, 1.0]])
