"""BatchNorm2d against torch.nn.BatchNorm2d (float64, both modes, running statistics over
several steps), against finite differences, and its errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from convcourse import BatchNorm2d, numerical_gradient, reference, rel_error
from convcourse.layer_protocol import Buffer, Layer

pytestmark = pytest.mark.usefixtures("one_thread")

TOL = 1e-10
FD_TOL = 1e-7


def random_layer(channels: int = 3, seed: int = 0, **kwargs) -> BatchNorm2d:
    """A BatchNorm2d with gamma, beta and running statistics away from their start."""
    layer = BatchNorm2d(channels, **kwargs)
    rng = np.random.default_rng(seed)
    layer.weight[...] = rng.uniform(0.5, 2.0, channels)
    layer.bias[...] = rng.standard_normal(channels)
    layer.running_mean[...] = rng.standard_normal(channels)
    layer.running_var[...] = rng.uniform(0.5, 2.0, channels)
    return layer


def batch(shape: tuple[int, ...], seed: int = 1) -> np.ndarray:
    """Values with a mean and spread of their own in every channel."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    return 3.0 * x + rng.standard_normal((1, shape[1], 1, 1))


def against_torch(layer: BatchNorm2d, x: np.ndarray, grad_out_seed: int = 2) -> None:
    """Forward and backward of ``layer`` and of its torch twin agree (relative 1e-10),
    and so do the running statistics afterwards."""
    twin = reference.torch_twin(layer)
    assert twin.training == layer.training
    x_t = reference.to_torch(x, requires_grad=True)
    out, out_t = layer.forward(x), twin(x_t)
    assert rel_error(out, out_t) < TOL
    grad_out = np.random.default_rng(grad_out_seed).standard_normal(out.shape)
    grad_x = layer.backward(grad_out)
    out_t.backward(reference.to_torch(grad_out))
    assert rel_error(grad_x, x_t.grad) < TOL
    assert rel_error(layer.grad_weight, twin.weight.grad) < TOL
    assert rel_error(layer.grad_bias, twin.bias.grad) < TOL
    assert_same_buffers(layer, twin)


def assert_same_buffers(layer: Layer, twin: torch.nn.Module, tol: float = TOL) -> None:
    theirs = reference.buffers(twin)
    assert [b.name for b in layer.buffers()] == list(theirs)
    for name, value in layer.buffers():
        if name.endswith("num_batches_tracked"):
            assert int(value) == int(theirs[name]), name
        else:
            assert rel_error(value, theirs[name]) < tol, name


@pytest.mark.parametrize("shape", [(4, 3, 5, 6), (2, 3, 1, 1), (1, 3, 4, 2), (7, 3, 2, 3)])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_batch_norm_matches_torch(shape, mode):
    layer = random_layer()
    getattr(layer, mode)()
    against_torch(layer, batch(shape))


def test_running_statistics_follow_torch_over_many_steps():
    """Ten training batches of different sizes, then evaluation: the running mean and
    (unbiased) variance, the batch count and the evaluation output all agree."""
    layer = random_layer(4, eps=1e-3, momentum=0.3)
    twin = reference.torch_twin(layer)
    for step in range(10):
        x = batch((2 + step % 3, 4, 3 + step % 2, 4), seed=10 + step)
        assert rel_error(layer.forward(x), twin(reference.to_torch(x))) < TOL
    assert int(layer.num_batches_tracked) == 10
    assert_same_buffers(layer, twin)
    x = batch((3, 4, 2, 2), seed=99)
    layer.eval(), twin.eval()
    assert rel_error(layer.forward(x), twin(reference.to_torch(x))) < TOL
    assert_same_buffers(layer, twin)  # evaluation leaves them alone


def test_momentum_none_averages_every_batch_as_torch():
    layer = BatchNorm2d(2, momentum=None)
    twin = reference.torch_twin(layer)
    xs = [batch((3, 2, 2, 2), seed=s) for s in range(5)]
    for x in xs:
        layer.forward(x), twin(reference.to_torch(x))
    assert_same_buffers(layer, twin)
    means = [x.mean(axis=(0, 2, 3)) for x in xs]
    assert rel_error(layer.running_mean, np.mean(means, axis=0)) < TOL  # the plain average


def test_running_statistics_by_hand():
    """The numbers of the formula: biased variance to normalise, unbiased to track."""
    layer = BatchNorm2d(1, momentum=0.25)
    x = np.array([0.0, 1.0, 4.0, 5.0]).reshape(1, 1, 2, 2)  # mean 2.5, squares sum to 17
    out = layer.forward(x)
    np.testing.assert_allclose(out.ravel(), (x.ravel() - 2.5) / np.sqrt(17 / 4 + 1e-5))
    np.testing.assert_allclose(layer.running_mean, [0.25 * 2.5])
    np.testing.assert_allclose(layer.running_var, [0.75 + 0.25 * 17 / 3])


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_batch_norm_gradients_match_finite_differences(mode):
    layer = getattr(random_layer(2, seed=3), mode)()
    x = batch((3, 2, 3, 2), seed=4)
    out = layer.forward(x)
    grad_out = np.random.default_rng(5).standard_normal(out.shape)
    grad_x = layer.backward(grad_out)
    grads = {"weight": layer.grad_weight, "bias": layer.grad_bias}
    assert rel_error(grad_x, numerical_gradient(layer.forward, x.copy(), grad_out)) < FD_TOL
    for name, value in (("weight", layer.weight), ("bias", layer.bias)):
        numeric = numerical_gradient(lambda _: layer.forward(x), value, grad_out)
        assert rel_error(grads[name], numeric) < FD_TOL, name


def test_training_gradient_removes_the_mean_and_the_scale():
    """In training mode the output cannot change when a channel is shifted or scaled,
    so dL/dx is orthogonal to both directions: it sums to zero over each channel and
    so does its product with x_hat (exactly so for eps -> 0: eps makes the output
    depend on the scale a little)."""
    layer = random_layer(3, eps=1e-12)
    x = batch((4, 3, 3, 3))
    layer.forward(x)
    grad_x = layer.backward(np.random.default_rng(6).standard_normal(x.shape))
    x_hat = layer.cache.x_hat
    np.testing.assert_allclose(grad_x.sum(axis=(0, 2, 3)), 0.0, atol=1e-12)
    np.testing.assert_allclose((grad_x * x_hat).sum(axis=(0, 2, 3)), 0.0, atol=1e-10)


def test_float32_input_gives_float32_output_and_float64_gradients():
    layer = random_layer(3)
    x = batch((4, 3, 2, 2)).astype(np.float32)
    out = layer.forward(x)
    assert out.dtype == np.float32
    assert layer.backward(np.ones_like(out)).dtype == np.float32
    assert layer.grad_weight.dtype == layer.grad_bias.dtype == np.float64
    assert rel_error(out, random_layer(3).forward(x.astype(np.float64))) < 1e-5


def test_modes_buffers_and_parameters():
    layer = BatchNorm2d(3)
    assert isinstance(layer, Layer) and layer.training
    assert layer.eval() is layer and not layer.training
    assert layer.train() is layer and layer.training
    assert layer.train(False) is layer and not layer.training
    assert [p.name for p in layer.parameters()] == ["weight", "bias"]
    np.testing.assert_array_equal(layer.weight, np.ones(3))
    np.testing.assert_array_equal(layer.bias, np.zeros(3))
    assert all(isinstance(b, Buffer) for b in layer.buffers())
    assert layer.buffers()[0].value is layer.running_mean  # the arrays themselves
    assert repr(layer) == "BatchNorm2d(3, eps=1e-05, momentum=0.1)"
    twin = reference.batch_norm2d_module(layer.train())
    assert (twin.eps, twin.momentum, twin.training) == (1e-5, 0.1, True)


def test_running_statistics_are_updated_in_place_and_not_in_evaluation():
    layer = BatchNorm2d(2)
    mean = layer.running_mean
    layer.forward(batch((2, 2, 2, 2)))
    assert layer.running_mean is mean and not np.array_equal(mean, [0.0, 0.0])
    before = [b.value.copy() for b in layer.buffers()]
    layer.eval().forward(batch((2, 2, 2, 2), seed=7))
    for b, old in zip(layer.buffers(), before, strict=True):
        np.testing.assert_array_equal(b.value, old)


# --------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, error, pattern",
    [
        ({"num_features": 0}, ValueError, "num_features must be at least 1, got 0"),
        ({"num_features": 2.0}, TypeError, "num_features must be an int, got 2.0"),
        ({"num_features": 2, "eps": 0}, ValueError, "eps must be a positive number, got 0"),
        ({"num_features": 2, "eps": "1e-5"}, TypeError, "eps must be a positive number"),
        ({"num_features": 2, "momentum": -0.1}, ValueError,
         "momentum must be a non-negative number, got -0.1"),
        ({"num_features": 2, "momentum": 1.5}, ValueError,
         "momentum must be from 0 to 1 or None, got 1.5"),
        ({"num_features": 2, "momentum": True}, TypeError, "momentum must be"),
    ],
)
def test_constructor_rejects_bad_arguments(kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        BatchNorm2d(**kwargs)


def test_one_value_per_channel_is_refused_in_training_as_torch_refuses_it():
    x = np.ones((1, 3, 1, 1))
    layer = BatchNorm2d(3)
    with pytest.raises(ValueError, match=r"x must have more than one value per channel in "
                                         r"training mode .* got shape \(1, 3, 1, 1\)"):
        layer.forward(x)
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        reference.torch_twin(layer)(reference.to_torch(x))
    assert int(layer.num_batches_tracked) == 0  # refused before touching the statistics
    np.testing.assert_array_equal(layer.eval().forward(x), x / np.sqrt(1 + 1e-5))


def test_forward_and_backward_validate_their_input():
    layer = BatchNorm2d(3)
    with pytest.raises(RuntimeError, match=r"BatchNorm2d\.backward was called before forward"):
        layer.backward(np.zeros((2, 3, 2, 2)))
    with pytest.raises(ValueError, match=r"x has 2 channels but the layer expects 3 "
                                         r"\(num_features\), x shape \(2, 2, 4, 4\)"):
        layer.forward(np.zeros((2, 2, 4, 4)))
    with pytest.raises(ValueError, match=r"x must be 4-D \(N, C, H, W\), got shape \(2, 3\)"):
        layer.forward(np.zeros((2, 3)))
    with pytest.raises(TypeError, match=r"x must be a numpy.ndarray"):
        layer.forward([[1.0]])
    with pytest.raises(TypeError, match="mode must be True or False, got 'eval'"):
        layer.train("eval")
    out = layer.forward(batch((2, 3, 2, 2)))
    with pytest.raises(ValueError, match=r"grad_out must have the forward output's shape "
                                         r"\(2, 3, 2, 2\), got \(2, 3, 2, 3\)"):
        layer.backward(np.zeros((2, 3, 2, 3)))
    with pytest.raises(TypeError, match=r"grad_out must be a numpy\.ndarray"):
        layer.backward(out.tolist())
    with pytest.raises(TypeError, match="layer must be a convcourse BatchNorm2d, got"):
        reference.batch_norm2d_module(torch.nn.BatchNorm2d(3))
    with pytest.raises(TypeError, match="module must be a torch.nn.Module, got BatchNorm2d"):
        reference.buffers(layer)


# --------------------------------------------------------------------------------------
# the comparison with torch can fail: each mistake the chapter names is caught
# --------------------------------------------------------------------------------------


def planted(mistake: str, x: np.ndarray, g: np.ndarray, layer: BatchNorm2d) -> tuple:
    """Training-mode forward and dL/dx of batch norm written with one named mistake."""
    axes = (0,) if mistake == "statistics over the wrong axes" else (0, 2, 3)
    if mistake == "running statistics used in training":
        mean, var = layer.running_mean.reshape(1, -1, 1, 1), layer.running_var.reshape(
            1, -1, 1, 1)
    else:
        mean = x.mean(axis=axes, keepdims=True)
        var = x.var(axis=axes, keepdims=True, ddof=1 if mistake == "unbiased variance" else 0)
    s = np.sqrt(var + layer.eps)
    x_hat = (x - mean) / s
    gamma = layer.weight.reshape(1, -1, 1, 1)
    out = gamma * x_hat + layer.bias.reshape(1, -1, 1, 1)
    mean_g = 0.0 if mistake == "the mean's own gradient forgotten" else g.mean(
        axis=axes, keepdims=True)
    grad_x = gamma / s * (g - mean_g - x_hat * (g * x_hat).mean(axis=axes, keepdims=True))
    return out, grad_x


@pytest.mark.parametrize("mistake", [
    "none", "statistics over the wrong axes", "the mean's own gradient forgotten",
    "unbiased variance", "running statistics used in training"])
def test_the_torch_comparison_catches_each_named_mistake(mistake):
    layer = random_layer(3)
    x = batch((4, 3, 3, 2))
    g = np.random.default_rng(2).standard_normal(x.shape)
    out, grad_x = planted(mistake, x, g, layer)
    twin = reference.torch_twin(layer)
    x_t = reference.to_torch(x, requires_grad=True)
    out_t = twin(x_t)
    out_t.backward(reference.to_torch(g))
    error = max(rel_error(out, out_t), rel_error(grad_x, x_t.grad))
    assert (error < TOL) if mistake == "none" else (error > 1e-3), (mistake, error)
