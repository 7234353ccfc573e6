"""The ConvTranspose2d layer against its torch twin, and the layer protocol."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from convcourse import Conv2d, ConvTranspose2d, ReLU, Sequential, reference, rel_error
from convcourse.layers import Layer, Parameter

pytestmark = pytest.mark.usefixtures("one_thread")

TOL = 1e-10

SETTINGS = [
    {"kernel_size": 4, "stride": 2, "padding": 1},
    {"kernel_size": (3, 2), "stride": (2, 1), "padding": (1, 0), "output_padding": (1, 0)},
    {"kernel_size": 3, "groups": 2, "dilation": 2, "bias": False},
    {"kernel_size": 2, "stride": 1, "dilation": 3, "output_padding": 2},
]


@pytest.mark.parametrize("implementation", ["naive", "fast"])
@pytest.mark.parametrize("kwargs", SETTINGS, ids=range(len(SETTINGS)))
def test_layer_matches_torch_twin(kwargs, implementation):
    layer = ConvTranspose2d(4, 6, rng=1, implementation=implementation, **kwargs)
    twin = reference.torch_twin(layer)
    assert isinstance(twin, torch.nn.ConvTranspose2d)
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 4, 5, 4))
    out = layer.forward(x)
    x_t = reference.to_torch(x, requires_grad=True)
    out_t = twin(x_t)
    assert rel_error(out, out_t) < TOL
    grad_out = rng.standard_normal(out.shape)
    grad_x = layer.backward(grad_out)
    out_t.backward(reference.to_torch(grad_out))
    assert rel_error(grad_x, x_t.grad) < TOL
    assert rel_error(layer.grad_weight, twin.weight.grad) < TOL
    if layer.bias is None:
        assert layer.grad_bias is None and [p.name for p in layer.parameters()] == ["weight"]
    else:
        assert rel_error(layer.grad_bias, twin.bias.grad) < TOL


def test_a_small_decoder_matches_its_torch_twin():
    # down with a strided convolution, back up with a transposed one: same size again
    net = Sequential(Conv2d(1, 3, 3, stride=2, padding=1, rng=0), ReLU(),
                     ConvTranspose2d(3, 1, 3, stride=2, padding=1, output_padding=1, rng=1,
                                     implementation="fast"))
    twin = reference.torch_twin(net)
    x = np.random.default_rng(3).standard_normal((2, 1, 8, 8))
    out = net.forward(x)
    assert out.shape == x.shape
    x_t = reference.to_torch(x, requires_grad=True)
    out_t = twin(x_t)
    assert rel_error(out, out_t) < TOL
    grad_x = net.backward(out - x)  # the gradient of half the squared reconstruction error
    out_t.backward(reference.to_torch(out - x))
    assert rel_error(grad_x, x_t.grad) < TOL
    for (name, value, grad), (twin_name, twin_param) in zip(
        net.parameters(), twin.named_parameters(), strict=True
    ):
        assert name == twin_name
        assert rel_error(value, twin_param) == 0
        assert rel_error(grad, twin_param.grad) < TOL


def test_initialisation_is_he_normal_over_the_average_fan_in():
    layer = ConvTranspose2d(64, 32, 4, stride=2, rng=0)
    assert layer.weight.shape == (64, 32, 4, 4)
    fan_in = 64 * 4 * 4 / 4  # each output sums (C_in) kh kw / (s_h s_w) products
    assert abs(layer.weight.std() / np.sqrt(2 / fan_in) - 1) < 0.02
    np.testing.assert_array_equal(layer.bias, np.zeros(32))
    np.testing.assert_array_equal(ConvTranspose2d(64, 32, 4, stride=2, rng=0).weight,
                                  layer.weight)


def test_follows_the_layer_protocol():
    layer = ConvTranspose2d(2, 3, 3, stride=2, rng=0)
    assert isinstance(layer, Layer)
    assert all(isinstance(p, Parameter) for p in layer.parameters())
    with pytest.raises(RuntimeError, match=r"ConvTranspose2d\.backward was called before forward"):
        layer.backward(np.zeros((1, 3, 7, 7)))
    x = np.random.default_rng(4).standard_normal((1, 2, 3, 3))
    out = layer(x)
    assert out.shape == (1, 3, 7, 7)
    with pytest.raises(ValueError, match=r"grad_out must have the forward output's shape "
                                         r"\(1, 3, 7, 7\), got \(1, 3, 7, 8\)"):
        layer.backward(np.zeros((1, 3, 7, 8)))
    with pytest.raises(TypeError, match=r"grad_out must be a numpy\.ndarray"):
        layer.backward(out.tolist())
    grad_x = layer.backward(np.ones_like(out))
    x[...] = 0.0  # the layer kept its own copy
    np.testing.assert_array_equal(layer.backward(np.ones_like(out)), grad_x)
    layer.implementation = "fast"
    assert rel_error(layer.backward(np.ones_like(out)), grad_x) < TOL
    assert repr(layer) == (
        "ConvTranspose2d(2, 3, kernel_size=(3, 3), stride=(2, 2), padding=(0, 0), "
        "output_padding=(0, 0), groups=1, bias=True, dilation=(1, 1), "
        "implementation='fast')"
    )


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"in_channels": 0}, ValueError, r"in_channels must be at least 1, got 0"),
        ({"out_channels": 2.0}, TypeError, r"out_channels must be an int, got 2\.0"),
        ({"groups": 3}, ValueError, r"groups=3 must divide in_channels=4"),
        ({"out_channels": 5, "groups": 2}, ValueError, r"groups=2 must divide out_channels=5"),
        ({"kernel_size": (3, 0)}, ValueError, r"kernel_size must be at least 1 on each axis"),
        ({"stride": 0}, ValueError, r"stride must be at least 1 on each axis, got 0"),
        ({"padding": "same"}, TypeError, r"padding must be an int or a pair of ints"),
        ({"padding": -1}, ValueError, r"padding must be at least 0 on each axis, got -1"),
        ({"output_padding": 1}, ValueError,
         r"output_padding must be smaller than the stride or the dilation on each axis, got "
         r"output_padding=1 with stride=\(1, 1\), dilation=\(1, 1\)"),
        ({"dilation": (1, 0)}, ValueError, r"dilation must be at least 1 on each axis"),
        ({"bias": 1}, TypeError, r"bias must be True or False, got 1"),
        ({"rng": 0.5}, TypeError, r"rng must be None, an int seed or a numpy\.random\.Generator"),
        ({"implementation": "torch"}, ValueError, r"implementation must be one of 'naive', "
                                                  r"'fast', got 'torch'"),
    ],
)
def test_refuses_bad_arguments_when_made(arguments, error, message):
    with pytest.raises(error, match=message):
        ConvTranspose2d(**{"in_channels": 4, "out_channels": 6, "kernel_size": 3, **arguments})


def test_forward_validates_its_input():
    layer = ConvTranspose2d(2, 3, 3, rng=0)
    with pytest.raises(ValueError, match=r"x has 3 channels but weight expects 2"):
        layer.forward(np.zeros((1, 3, 4, 4)))


def test_torch_twin_needs_the_right_layer():
    with pytest.raises(TypeError, match=r"layer must be a convcourse\.ConvTranspose2d, got"):
        reference.conv_transpose2d_module(Conv2d(1, 1, 1))
