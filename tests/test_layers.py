"""The layers: initialisation, forward, backward, parameters, each against its torch.nn twin."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from convcourse import (
    AvgPool2d,
    BatchNorm2d,
    Conv2d,
    ConvTranspose2d,
    Flatten,
    GlobalAvgPool2d,
    Linear,
    MaxPool2d,
    ReLU,
    Residual,
    Sequential,
    fast,
    naive,
    reference,
    rel_error,
)
from convcourse.layers import (
    IMPLEMENTATIONS,
    Functions,
    InputCache,
    Layer,
    MaskCache,
    Parameter,
    ShapeCache,
)

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
        # the window is checked when the layer is built, not at its first forward
        (
            {"in_channels": 3, "out_channels": 8, "kernel_size": 3, "stride": 0,
             "padding": "bogus", "dilation": -1},
            ValueError,
            r"stride must be at least 1 on each axis, got 0",
        ),
        (
            {"in_channels": 3, "out_channels": 8, "kernel_size": 3, "padding": "bogus"},
            ValueError,
            r"padding must be an int, a pair of ints, 'valid' or 'same', got 'bogus'",
        ),
        (
            {"in_channels": 3, "out_channels": 8, "kernel_size": 3, "dilation": -1},
            ValueError,
            r"dilation must be at least 1 on each axis, got -1",
        ),
        (
            {"in_channels": 3, "out_channels": 8, "kernel_size": 3, "stride": 2,
             "padding": "same"},
            ValueError,
            r"padding='same' needs stride 1 on both axes, got stride=\(2, 2\)",
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


# --------------------------------------------------------------------------------------
# Conv2d: naive or fast
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"in_channels": 3, "out_channels": 4, "kernel_size": 3, "padding": 1},
        {"in_channels": 4, "out_channels": 6, "kernel_size": (2, 3), "stride": (2, 1),
         "dilation": (1, 2), "groups": 2},
    ],
)
def test_conv2d_naive_and_fast_agree(kwargs):
    layers = {name: Conv2d(**kwargs, rng=0, implementation=name) for name in IMPLEMENTATIONS}
    assert Conv2d(**kwargs, rng=0).implementation == "naive"  # the default, to read
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, kwargs["in_channels"], 7, 8))
    outs = {name: layer.forward(x) for name, layer in layers.items()}
    grad_out = rng.standard_normal(outs["naive"].shape)
    grads = {name: layer.backward(grad_out) for name, layer in layers.items()}
    assert rel_error(outs["naive"], outs["fast"]) < 1e-14
    assert rel_error(grads["naive"], grads["fast"]) < 1e-14
    for (_, a, grad_a), (_, b, grad_b) in zip(layers["naive"].parameters(),
                                              layers["fast"].parameters(), strict=True):
        np.testing.assert_array_equal(a, b)
        assert rel_error(grad_a, grad_b) < 1e-14


def test_conv2d_implementation_can_be_switched_and_is_checked(monkeypatch):
    layer = Conv2d(1, 1, 2, rng=0)
    assert layer.functions == (naive.conv2d_forward, naive.conv2d_backward)
    calls = []
    spy = Functions(lambda *a, **k: calls.append(1) or np.zeros(1), fast.conv2d_backward)
    monkeypatch.setitem(Conv2d._functions, "fast", spy)
    layer.implementation = "fast"
    layer.forward(np.zeros((1, 1, 3, 3)))
    assert calls == [1]
    assert "implementation='fast'" in repr(layer)
    with pytest.raises(ValueError, match="implementation must be one of 'naive', 'fast', "
                                         "got 'numpy'"):
        layer.implementation = "numpy"
    with pytest.raises(TypeError, match="implementation must be one of 'naive', 'fast'"):
        Conv2d(1, 1, 2, implementation=None)


def test_conv2d_parameters_are_its_arrays():
    layer = Conv2d(2, 3, 2, rng=0)
    (weight, bias) = layer.parameters()
    assert (weight.name, bias.name) == ("weight", "bias")
    assert weight.value is layer.weight and bias.value is layer.bias  # updated in place
    assert weight.grad is None and bias.grad is None  # before any backward pass
    out = layer.forward(np.ones((1, 2, 3, 3)))
    layer.backward(np.ones_like(out))
    assert layer.parameters()[0].grad is layer.grad_weight
    assert [p.name for p in Conv2d(2, 3, 2, bias=False, rng=0).parameters()] == ["weight"]


# --------------------------------------------------------------------------------------
# Linear
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(bias):
    layer = Linear(6, 4, bias=bias, rng=0)
    if bias:
        layer.bias = np.random.default_rng(1).standard_normal(4)
    twin = reference.torch_twin(layer)
    x = np.random.default_rng(2).standard_normal((5, 6))
    x_t = reference.to_torch(x, requires_grad=True)
    out, out_t = layer.forward(x), twin(x_t)
    assert rel_error(out, out_t) < TOL
    grad_out = np.random.default_rng(3).standard_normal((5, 4))
    grad_x = layer.backward(grad_out)
    out_t.backward(reference.to_torch(grad_out))
    assert rel_error(grad_x, x_t.grad) < TOL
    assert rel_error(layer.grad_weight, twin.weight.grad) < TOL
    if bias:
        assert rel_error(layer.grad_bias, twin.bias.grad) < TOL
    else:
        assert layer.grad_bias is None and [p.name for p in layer.parameters()] == ["weight"]


def test_linear_initialisation_is_he_normal_with_fan_in_in_features():
    layer = Linear(256, 64, rng=0)
    assert layer.weight.shape == (64, 256)
    assert abs(layer.weight.std() / np.sqrt(2 / 256) - 1) < 0.03  # 16384 draws
    np.testing.assert_array_equal(layer.bias, np.zeros(64))
    np.testing.assert_array_equal(layer.weight, Linear(256, 64, rng=0).weight)


def test_linear_gain_scales_the_initial_weights():
    """gain / sqrt(in_features) is the weights' standard deviation (0.1 for an output layer)."""
    small = Linear(256, 64, rng=0, gain=0.1)
    assert abs(small.weight.std() / (0.1 / np.sqrt(256)) - 1) < 0.03
    np.testing.assert_allclose(small.weight * np.sqrt(2) / 0.1, Linear(256, 64, rng=0).weight,
                               rtol=1e-12)
    with pytest.raises(ValueError, match="gain must be a positive number, got 0"):
        Linear(2, 2, gain=0)
    with pytest.raises(TypeError, match="gain must be a positive number, got 'big'"):
        Linear(2, 2, gain="big")


def test_linear_keeps_the_input_dtype_and_validates():
    layer = Linear(3, 2, rng=0)
    out = layer.forward(np.ones((4, 3), dtype=np.float32))
    assert out.dtype == np.float32
    assert layer.backward(np.ones((4, 2), np.float32)).dtype == np.float32
    assert layer.grad_weight.dtype == np.float64  # the parameter's dtype
    with pytest.raises(ValueError, match=r"x has 4 features but the layer expects 3 "
                                         r"\(in_features\), x shape \(2, 4\)"):
        layer.forward(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"x must be 2-D \(N, in_features\)"):
        layer.forward(np.zeros((2, 1, 3)))
    with pytest.raises(ValueError, match="in_features must be at least 1, got 0"):
        Linear(0, 2)
    with pytest.raises(TypeError, match="out_features must be an int, got 2.5"):
        Linear(2, 2.5)


# --------------------------------------------------------------------------------------
# ReLU, Flatten, MaxPool2d, AvgPool2d against their torch twins
# --------------------------------------------------------------------------------------

PARAMETER_FREE = {
    "ReLU": (ReLU(), (2, 3, 4, 5)),
    "ReLU on a matrix": (ReLU(), (4, 7)),
    "Flatten": (Flatten(), (2, 3, 4, 5)),
    "MaxPool2d": (MaxPool2d(2), (2, 3, 6, 4)),
    "MaxPool2d fast, overlapping": (MaxPool2d((3, 2), stride=1, padding=(1, 0),
                                              implementation="fast"), (2, 3, 5, 4)),
    "AvgPool2d": (AvgPool2d(3, stride=2, padding=1), (2, 3, 7, 6)),
    "AvgPool2d fast": (AvgPool2d(2, implementation="fast"), (1, 2, 4, 6)),
}


@pytest.mark.parametrize("layer, shape", PARAMETER_FREE.values(), ids=PARAMETER_FREE.keys())
def test_parameter_free_layers_match_torch(layer, shape):
    x = np.random.default_rng(4).standard_normal(shape)
    twin = reference.torch_twin(layer)
    x_t = reference.to_torch(x, requires_grad=True)
    out, out_t = layer.forward(x), twin(x_t)
    assert out.shape == tuple(out_t.shape) and rel_error(out, out_t) < TOL
    grad_out = np.random.default_rng(5).standard_normal(out.shape)
    out_t.backward(reference.to_torch(grad_out))
    assert rel_error(layer.backward(grad_out), x_t.grad) < TOL
    assert layer.parameters() == []


def test_relu_gradient_at_zero_is_zero_like_torch():
    x = np.array([[-1.0, 0.0, 1e-300, 3.0]])
    relu = ReLU()
    np.testing.assert_array_equal(relu.forward(x), [[0.0, 0.0, 1e-300, 3.0]])
    grad = relu.backward(np.full((1, 4), 7.0))
    np.testing.assert_array_equal(grad, [[0.0, 0.0, 7.0, 7.0]])
    np.testing.assert_array_equal(grad, reference.gradients(reference.torch_twin(relu),
                                                            np.full((1, 4), 7.0), x)[0])


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_relu_keeps_the_dtype_and_writes_no_negative_zeros(dtype):
    """np.maximum forward and a product with the mask backward: the numbers of
    np.where, zeros without sign."""
    x = np.random.default_rng(3).integers(-5, 6, size=(2, 3, 4, 4)).astype(dtype)
    grad_out = -np.abs(np.random.default_rng(4).standard_normal(x.shape)).astype(
        "float64" if dtype == "int64" else dtype)
    relu = ReLU()
    out, grad = relu.forward(x), relu.backward(grad_out)
    assert out.dtype == ("float64" if dtype == "int64" else dtype) and grad.dtype == grad_out.dtype
    np.testing.assert_array_equal(out, np.where(x > 0, x, 0))
    np.testing.assert_array_equal(grad, np.where(x > 0, grad_out, 0))
    assert not np.signbit(out[x <= 0]).any() and not np.signbit(grad[x <= 0]).any()


def test_relu_forward_gives_torchs_values_at_infinities_and_nan():
    x = np.array([[-np.inf, -0.0, np.nan, np.inf, -2.0]])
    expected = torch.relu(torch.from_numpy(x)).numpy()
    np.testing.assert_array_equal(ReLU().forward(x), expected)  # [0, 0, nan, inf, 0]


def test_pooling_layers_validate_their_window():
    assert MaxPool2d(3).stride == (3, 3)  # stride defaults to the window
    assert repr(AvgPool2d(2, 1, 1)) == ("AvgPool2d(kernel_size=(2, 2), stride=(1, 1), "
                                        "padding=(1, 1), implementation='naive')")
    with pytest.raises(ValueError, match=r"padding must be at most half of kernel_size"):
        MaxPool2d(2, padding=2)
    with pytest.raises(ValueError, match=r"implementation must be one of"):
        AvgPool2d(2, implementation="torch")


# --------------------------------------------------------------------------------------
# the protocol, for every layer
# --------------------------------------------------------------------------------------

EVERY_LAYER = {
    "Conv2d": (lambda: Conv2d(2, 3, 3, padding=1, rng=0), (2, 2, 4, 4)),
    "Linear": (lambda: Linear(5, 3, rng=0), (2, 5)),
    "ReLU": (ReLU, (2, 2, 4, 4)),
    "Flatten": (Flatten, (2, 2, 4, 4)),
    "MaxPool2d": (lambda: MaxPool2d(2), (2, 2, 4, 4)),
    "AvgPool2d": (lambda: AvgPool2d(2), (2, 2, 4, 4)),
    "BatchNorm2d": (lambda: BatchNorm2d(2), (2, 2, 4, 4)),
    "Residual": (lambda: Residual(Conv2d(2, 2, 3, padding=1, rng=0), ReLU()), (2, 2, 4, 4)),
    "GlobalAvgPool2d": (GlobalAvgPool2d, (2, 2, 4, 4)),
    "ConvTranspose2d": (lambda: ConvTranspose2d(2, 3, 3, stride=2, rng=0), (2, 2, 3, 3)),
}


@pytest.mark.parametrize("make, shape", EVERY_LAYER.values(), ids=EVERY_LAYER.keys())
def test_every_layer_follows_the_protocol(make, shape):
    layer = make()
    assert isinstance(layer, Layer)
    assert all(isinstance(p, Parameter) for p in layer.parameters())
    with pytest.raises(RuntimeError, match=rf"{type(layer).__name__}\.backward was called "
                                           r"before forward"):
        layer.backward(np.zeros(shape))
    x = np.random.default_rng(6).standard_normal(shape)
    out = layer(x)  # calling a layer is forward
    np.testing.assert_array_equal(out, layer.forward(x))
    with pytest.raises(ValueError, match=r"grad_out must have the forward output's shape"):
        layer.backward(np.zeros((*out.shape[:-1], out.shape[-1] + 1)))
    with pytest.raises(TypeError, match=r"grad_out must be a numpy\.ndarray"):
        layer.backward(out.tolist())
    # the gradient comes from the input of the last forward pass, not from a changed x
    grad_x = layer.backward(np.ones_like(out))
    x[...] = 0.0
    np.testing.assert_array_equal(layer.backward(np.ones_like(out)), grad_x)


def test_each_layer_keeps_a_cache_named_for_what_it_is():
    x = np.array([[[[-1.0, 2.0], [3.0, -4.0]]]])
    conv, relu, flatten, pool = Conv2d(1, 1, 1, rng=0), ReLU(), Flatten(), MaxPool2d(2)
    for layer in (conv, relu, flatten, pool):
        assert layer.cache is None
        layer.forward(x)
    assert isinstance(conv.cache, InputCache) and isinstance(pool.cache, InputCache)
    np.testing.assert_array_equal(conv.cache.x, x)
    assert conv.cache.x is not x and conv.cache.out_shape == (1, 1, 2, 2)
    assert isinstance(relu.cache, MaskCache)
    np.testing.assert_array_equal(relu.cache.positive, [[[[False, True], [True, False]]]])
    assert flatten.cache == ShapeCache(in_shape=(1, 1, 2, 2), out_shape=(1, 4))
    assert pool.cache.out_shape == (1, 1, 1, 1)


def test_layer_protocol_defaults():
    layer = Layer()
    assert layer.parameters() == []
    with pytest.raises(NotImplementedError):
        layer.forward(np.zeros(1))
    with pytest.raises(NotImplementedError):
        layer.backward(np.zeros(1))


EVERY_MAKER = {name: make for name, (make, _) in EVERY_LAYER.items()} | {
    "Sequential": lambda: Sequential(Conv2d(2, 2, 3, padding=1, rng=0), ReLU()),
}


@pytest.mark.parametrize("make", EVERY_MAKER.values(), ids=EVERY_MAKER.keys())
def test_every_layer_has_the_two_modes_as_in_torch(make):
    """train() and eval() on every layer, as on every torch.nn.Module; they return the
    layer and refuse a mode that is not a bool."""
    layer = make()
    assert layer.training is True
    assert layer.eval() is layer and layer.training is False
    assert layer.train() is layer and layer.training is True
    assert layer.train(False) is layer and layer.training is False
    with pytest.raises(TypeError, match="mode must be True or False, got 'eval'"):
        layer.train("eval")
    assert all(isinstance(b.name, str) for b in layer.buffers())


def test_containers_switch_every_layer_inside_them():
    inner = Sequential(Conv2d(2, 2, 3, padding=1, rng=0), ReLU())
    block = Residual(Conv2d(2, 2, 3, padding=1, rng=1), BatchNorm2d(2))
    net = Sequential(inner, block, MaxPool2d(2), Flatten(), Linear(8, 3, rng=2))
    everything = [net, inner, *inner, block, block.block, *block.block, *net.layers[2:]]
    assert len(everything) == 11 and all(layer.training for layer in everything)
    net.eval()
    assert not any(layer.training for layer in everything)
    net.train()
    assert all(layer.training for layer in everything)
