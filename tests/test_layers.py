"""The Conv2d layer: initialisation, forward, backward, against torch.nn.Conv2d."""

from __future__ import annotations

import numpy as np
import pytest

from convcourse import Conv2d, naive, reference, rel_error

TOL = 1e-10


def test_forward_matches_the_functional_form():
    layer = Conv2d(4, 6, kernel_size=(3, 2), stride=(2, 1), padding=1, groups=2, rng=1)
    x = np.random.default_rng(2).standard_normal((2, 4, 7, 5))
    layer.bias = np.random.default_rng(3).standard_normal(6)
    expected = naive.conv2d_forward(x, layer.weight, layer.bias, stride=(2, 1), padding=1, groups=2)
    np.testing.assert_array_equal(layer.forward(x), expected)


def test_initialisation_is_he_normal_and_seeded():
    layer = Conv2d(16, 64, kernel_size=3, rng=0)
    assert layer.weight.shape == (64, 16, 3, 3)
    fan_in = 16 * 3 * 3
    # 9216 draws: the sample std is within 3% of sqrt(2 / fan_in) with overwhelming odds.
    assert abs(layer.weight.std() / np.sqrt(2 / fan_in) - 1) < 0.03
    np.testing.assert_array_equal(layer.bias, np.zeros(64))
    np.testing.assert_array_equal(layer.weight, Conv2d(16, 64, 3, rng=0).weight)
    assert not np.array_equal(layer.weight, Conv2d(16, 64, 3, rng=1).weight)
    assert Conv2d(2, 2, 3, bias=False, rng=0).bias is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"in_channels": 3, "out_channels": 4, "kernel_size": 3},
        {"in_channels": 2, "out_channels": 3, "kernel_size": (2, 3), "stride": 2, "padding": 1},
        {"in_channels": 4, "out_channels": 2, "kernel_size": 3, "padding": "same",
         "dilation": 2, "groups": 2},
        {"in_channels": 3, "out_channels": 3, "kernel_size": (3, 1), "stride": (2, 1),
         "padding": (1, 0), "bias": False},
    ],
)
def test_layer_matches_torch_conv2d(kwargs):
    layer = Conv2d(**kwargs, rng=0)
    if layer.bias is not None:  # zeros at init; make the bias matter
        layer.bias = np.random.default_rng(1).standard_normal(layer.out_channels)
    twin = reference.conv2d_module(layer)
    x = np.random.default_rng(2).standard_normal((2, layer.in_channels, 7, 6))
    out = layer.forward(x)
    x_t = reference.to_torch(x, requires_grad=True)
    out_t = twin(x_t)
    assert rel_error(out, out_t) < TOL

    grad_out = np.random.default_rng(3).standard_normal(out.shape)
    grad_x = layer.backward(grad_out)
    out_t.backward(reference.to_torch(grad_out))
    assert rel_error(grad_x, x_t.grad) < TOL
    assert rel_error(layer.grad_weight, twin.weight.grad) < TOL
    if layer.bias is None:
        assert layer.grad_bias is None and twin.bias is None
    else:
        assert rel_error(layer.grad_bias, twin.bias.grad) < TOL


def test_backward_uses_the_last_forward():
    layer = Conv2d(2, 3, 3, rng=0)
    rng = np.random.default_rng(4)
    first, second = rng.standard_normal((1, 2, 5, 5)), rng.standard_normal((2, 2, 6, 4))
    layer.forward(first)
    out = layer.forward(second)
    grad_out = rng.standard_normal(out.shape)
    grad_x = layer.backward(grad_out)
    expected = naive.conv2d_backward(grad_out, second, layer.weight)
    assert rel_error(grad_x, expected[0]) < TOL
    assert rel_error(layer.grad_weight, expected[1]) < TOL


def test_layer_without_bias():
    layer = Conv2d(2, 3, 2, bias=False, rng=0)
    assert layer.bias is None
    out = layer.forward(np.ones((1, 2, 3, 3)))
    layer.backward(np.ones_like(out))
    assert layer.grad_bias is None
    assert layer.grad_weight.shape == (3, 2, 2, 2)
    np.testing.assert_allclose(layer.grad_weight, 4.0)  # each tap sees four ones


def test_layer_keeps_its_own_copy_of_the_input():
    layer = Conv2d(1, 1, 2, rng=0)
    x = np.ones((1, 1, 3, 3))
    out = layer.forward(x)
    x[:] = 5.0  # changing the caller's array must not change the gradients
    layer.backward(np.ones_like(out))
    np.testing.assert_array_equal(layer.grad_weight, np.full((1, 1, 2, 2), 4.0))


def test_layer_gradients_have_the_parameters_dtype():
    layer = Conv2d(2, 3, 2, rng=0)
    out = layer.forward(np.ones((1, 2, 3, 3), dtype=np.float32))
    layer.backward(np.ones_like(out))
    assert layer.grad_weight.dtype == layer.weight.dtype == np.float64
    assert layer.grad_bias.dtype == np.float64


def test_backward_before_forward_is_a_clear_error():
    layer = Conv2d(1, 1, 3, rng=0)
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.zeros((1, 1, 2, 2)))
    assert layer.grad_weight is None and layer.grad_bias is None


def test_grad_out_of_wrong_shape():
    layer = Conv2d(2, 3, 3, rng=0)
    layer.forward(np.zeros((1, 2, 5, 5)))
    with pytest.raises(ValueError, match="grad_out") as info:
        layer.backward(np.zeros((1, 3, 5, 5)))
    assert "(1, 3, 3, 3)" in str(info.value) and "(1, 3, 5, 5)" in str(info.value)
    with pytest.raises(TypeError, match="grad_out"):
        layer.backward([[0.0]])


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
            r"groups=2 must divide in_channels=3",
        ),
        (
            {"in_channels": 4, "out_channels": 3, "kernel_size": 3, "groups": 2},
            ValueError,
            r"groups=2 must divide out_channels=3",
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
        (
            {"in_channels": 2.0, "out_channels": 2, "kernel_size": 3},
            TypeError,
            r"in_channels must be an int, got 2\.0",
        ),
    ],
)
def test_layer_rejects_bad_arguments(arguments, error, pattern):
    with pytest.raises(error, match=pattern):
        Conv2d(**arguments)


def test_layer_forward_validates_its_input():
    layer = Conv2d(3, 2, kernel_size=2, rng=0)
    with pytest.raises(ValueError, match=r"x has 4 channels but weight expects 3"):
        layer.forward(np.zeros((1, 4, 5, 5)))
