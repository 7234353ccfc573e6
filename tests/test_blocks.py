"""Residual, GlobalAvgPool2d, training/evaluation modes through containers, and a small
residual CNN with batch norm trained step for step with its torch twin."""

from __future__ import annotations

from itertools import islice

import numpy as np
import pytest
import torch

from convcourse import (
    SGD,
    BatchNorm2d,
    Conv2d,
    Flatten,
    GlobalAvgPool2d,
    Linear,
    MaxPool2d,
    ReLU,
    Residual,
    Sequential,
    canvas,
    data,
    numerical_gradient,
    reference,
    rel_error,
    softmax_cross_entropy,
)
from convcourse.blocks import basic_block, small_resnet
from convcourse.layers import Layer
from convcourse.training import predict, train_step

pytestmark = pytest.mark.usefixtures("one_thread")

TOL = 1e-10
FD_TOL = 1e-7
LOSS_TOL = 1e-10  # every step's loss, relative
STATE_TOL = 1e-9  # parameters and running statistics after the last step (rel_error)


def randomise(net: Layer, seed: int = 1) -> Layer:
    """Biases, gammas, betas and running statistics away from their initial values."""
    rng = np.random.default_rng(seed)
    for name, value, _ in net.parameters():
        if name.endswith("bias"):
            value[...] = 0.1 * rng.standard_normal(value.shape)
        elif value.ndim == 1:  # a batch norm's gamma
            value[...] = rng.uniform(0.5, 1.5, value.shape)
    for name, value in net.buffers():
        if name.endswith("running_mean"):
            value[...] = 0.1 * rng.standard_normal(value.shape)
        elif name.endswith("running_var"):
            value[...] = rng.uniform(0.5, 1.5, value.shape)
    return net


def against_torch(layer: Layer, x: np.ndarray, tol: float = TOL) -> None:
    """Output, dL/dx and every parameter's gradient agree with the torch twin's."""
    twin = reference.torch_twin(layer)
    assert [p.name for p in layer.parameters()] == list(reference.parameters(twin))
    x_t = reference.to_torch(x, requires_grad=True)
    out, out_t = layer.forward(x), twin(x_t)
    assert rel_error(out, out_t) < tol
    grad_out = np.random.default_rng(9).standard_normal(out.shape)
    grad_x = layer.backward(grad_out)
    out_t.backward(reference.to_torch(grad_out))
    assert rel_error(grad_x, x_t.grad) < tol
    theirs = dict(twin.named_parameters())
    for name, _, grad in layer.parameters():
        assert rel_error(grad, theirs[name].grad) < tol, name


# A convolution followed by batch norm has no bias: in training mode the normalisation
# removes it, its gradient is zero (see the test below) and so no relative error of it
# can be small.


def identity_block() -> Residual:
    return Residual(Conv2d(3, 3, 3, padding=1, bias=False, rng=0, implementation="fast"),
                    BatchNorm2d(3), ReLU(),
                    Conv2d(3, 3, 3, padding=1, rng=1, implementation="fast"))


def projected_block() -> Residual:
    return Residual(Conv2d(3, 5, 3, stride=2, padding=1, bias=False, rng=0,
                           implementation="fast"),
                    BatchNorm2d(5), ReLU(),
                    projection=Conv2d(3, 5, 1, stride=2, rng=1))


def test_a_bias_before_batch_norm_gets_no_gradient_in_training():
    net = Sequential(Conv2d(2, 3, 3, rng=0), BatchNorm2d(3))
    x = np.random.default_rng(0).standard_normal((4, 2, 5, 5))
    net.forward(x)
    net.backward(np.random.default_rng(1).standard_normal((4, 3, 3, 3)))
    np.testing.assert_allclose(net[0].grad_bias, 0.0, atol=1e-12)
    net.eval().forward(x)
    net.backward(np.ones((4, 3, 3, 3)))
    assert np.all(np.abs(net[0].grad_bias) > 1.0)  # in evaluation mode it counts


# --------------------------------------------------------------------------------------
# Residual
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [identity_block, projected_block], ids=["identity", "projection"])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_residual_matches_torch(make, mode):
    block = getattr(randomise(make()), mode)()
    against_torch(block, np.random.default_rng(2).standard_normal((4, 3, 6, 5)))


def test_residual_is_block_plus_shortcut_and_the_gradient_adds_up():
    block = projected_block()
    x = np.random.default_rng(3).standard_normal((2, 3, 4, 4))
    out = block.forward(x)
    np.testing.assert_array_equal(out, block.block.forward(x) + block.projection.forward(x))
    identity = Residual(ReLU())
    grad_out = np.random.default_rng(4).standard_normal(x.shape)
    identity.forward(x)
    # d(relu(x) + x)/dx = [x > 0] + 1: the shortcut passes grad_out on unchanged
    np.testing.assert_array_equal(identity.backward(grad_out), grad_out * ((x > 0) + 1))


@pytest.mark.parametrize("make", [identity_block, projected_block], ids=["identity", "projection"])
def test_residual_gradients_match_finite_differences(make):
    block = randomise(make())
    x = np.random.default_rng(5).standard_normal((2, 3, 4, 4))
    grad_out = np.random.default_rng(6).standard_normal(block.forward(x).shape)
    grad_x = block.backward(grad_out)
    assert rel_error(grad_x, numerical_gradient(block.forward, x.copy(), grad_out)) < FD_TOL
    for name, value, grad in block.parameters():
        numeric = numerical_gradient(lambda _: block.forward(x), value, grad_out)
        assert rel_error(grad, numeric) < FD_TOL, name


def test_residual_names_its_parameters_and_buffers_as_torch():
    block = projected_block()
    assert [p.name for p in block.parameters()] == [
        "block.0.weight", "block.1.weight", "block.1.bias", "projection.weight",
        "projection.bias"]
    names = ["block.1.running_mean", "block.1.running_var", "block.1.num_batches_tracked"]
    assert [b.name for b in block.buffers()] == names
    assert list(reference.buffers(reference.torch_twin(block))) == names
    assert block.parameters()[0].value is block.block[0].weight
    assert repr(Residual(ReLU())) == "Residual(\n  (block): Sequential(\n    (0): ReLU()\n  )\n)"


def test_residual_rejects_what_cannot_be_added():
    with pytest.raises(ValueError, match="Residual needs at least one layer"):
        Residual()
    with pytest.raises(TypeError, match=r"layers\[1\] must be a convcourse layer .* got str"):
        Residual(ReLU(), "relu")
    with pytest.raises(TypeError, match="projection must be a convcourse layer or None, got "
                                        "Conv2d"):
        Residual(ReLU(), projection=torch.nn.Conv2d(1, 1, 1))
    with pytest.raises(ValueError, match=r"the block turns 3 channels into 5, so x cannot be "
                                         r"added to its output: pass projection=Conv2d\(3, 5, 1"):
        Residual(Conv2d(3, 5, 3, padding=1))
    with pytest.raises(ValueError, match="projection must turn the block's 3 input channels "
                                         "into its 5 output channels, got a Conv2d from 3 to 4"):
        Residual(Conv2d(3, 5, 3, padding=1), projection=Conv2d(3, 4, 1))
    strided = Residual(Conv2d(3, 3, 3, stride=2, padding=1))  # the channels agree, not the size
    with pytest.raises(ValueError, match=r"the block's output has shape \(1, 3, 2, 2\) but x has "
                                         r"shape \(1, 3, 4, 4\): they cannot be added \(pass a "
                                         r"projection"):
        strided.forward(np.zeros((1, 3, 4, 4)))
    wrong = Residual(Conv2d(3, 3, 3, stride=2, padding=1), projection=Conv2d(3, 3, 1))
    with pytest.raises(ValueError, match=r"but projection\(x\) has shape \(1, 3, 4, 4\)"):
        wrong.forward(np.zeros((1, 3, 4, 4)))


# --------------------------------------------------------------------------------------
# GlobalAvgPool2d
# --------------------------------------------------------------------------------------


def test_global_average_pooling_matches_torch_and_finite_differences():
    pool = GlobalAvgPool2d()
    x = np.random.default_rng(7).standard_normal((3, 4, 5, 2))
    against_torch(pool, x)
    np.testing.assert_allclose(pool.forward(x), x.mean(axis=(2, 3)), rtol=1e-15)
    grad_out = np.random.default_rng(8).standard_normal((3, 4))
    numeric = numerical_gradient(pool.forward, x.copy(), grad_out)
    assert rel_error(pool.backward(grad_out), numeric) < FD_TOL
    assert pool.forward(x.astype(np.float32)).dtype == np.float32
    assert pool.forward(np.ones((1, 1, 2, 2), dtype=np.int64)).dtype == np.float64


def test_global_average_pooling_is_invariant_to_where_the_feature_is():
    x = np.zeros((1, 2, 6, 6))
    x[0, 0, 1, 1], x[0, 1, 4, 2] = 3.0, 5.0
    moved = np.roll(x, (1, 2), axis=(2, 3))
    np.testing.assert_array_equal(GlobalAvgPool2d().forward(moved),
                                  GlobalAvgPool2d().forward(x))


def test_global_average_pooling_validates():
    with pytest.raises(ValueError, match=r"x must be 4-D \(N, C, H, W\), got shape \(2, 3\)"):
        GlobalAvgPool2d().forward(np.zeros((2, 3)))


# --------------------------------------------------------------------------------------
# modes through containers
# --------------------------------------------------------------------------------------


def test_sequential_train_and_eval_switch_every_layer_inside():
    net = small_resnet((2, 3), rng=0)
    modal = [net, *walk(net)]  # every layer has the two modes
    assert len([m for m in modal if isinstance(m, BatchNorm2d)]) == 1 + 2 + 2
    assert all(m.training for m in modal)
    assert net.eval() is net and not any(m.training for m in modal)
    assert net.train() is net and all(m.training for m in modal)
    net.train(False)
    twin = reference.torch_twin(net)  # (torch's layers without modes stay in training)
    modal_twins = [m for m in twin.modules()
                   if isinstance(m, (torch.nn.BatchNorm2d, reference.ResidualTwin))]
    assert len(modal_twins) == 5 + 2 and not any(m.training for m in [twin, *modal_twins])
    with pytest.raises(TypeError, match="mode must be True or False, got 1"):
        net.train(1)


def walk(layer: Layer):
    for _, inner in layer.named_layers():
        yield inner
        yield from walk(inner)


def test_a_network_without_batch_norm_is_unchanged_by_the_modes():
    net = Sequential(Conv2d(1, 2, 3, rng=0), ReLU(), MaxPool2d(2), Flatten(), Linear(2, 3, rng=1))
    x = np.random.default_rng(0).standard_normal((2, 1, 4, 4))
    out = net.forward(x)
    np.testing.assert_array_equal(net.eval().forward(x), out)
    assert net.buffers() == []


def test_basic_block_and_small_resnet_shapes_and_errors():
    assert basic_block(4, 4, rng=0).projection is None
    down = basic_block(4, 8, stride=2, rng=0)
    assert (down.projection.kernel_size, down.projection.stride) == ((1, 1), 2)
    net = small_resnet((4, 6, 8), classes=3, rng=0, implementation="fast")
    assert net.forward(np.zeros((2, 1, 9, 9))).shape == (2, 3)  # 9 -> 5 -> 3, averaged
    np.testing.assert_array_equal(small_resnet(rng=5)[0].weight, small_resnet(rng=5)[0].weight)
    with pytest.raises(TypeError, match="channels must be a tuple of ints, got 8"):
        small_resnet(8)
    with pytest.raises(ValueError, match="channels must have at least one entry"):
        small_resnet(())
    with pytest.raises(ValueError, match=r"channels\[1\] must be at least 1, got 0"):
        small_resnet((4, 0))
    with pytest.raises(ValueError, match="stride must be at least 1, got 0"):
        basic_block(4, 4, stride=0)


# --------------------------------------------------------------------------------------
# a small residual CNN, end to end
# --------------------------------------------------------------------------------------


def test_small_resnet_gradients_match_torch_and_finite_differences():
    net = randomise(small_resnet((2, 3), classes=4, rng=0, implementation="fast"))
    x = np.random.default_rng(3).standard_normal((3, 1, 6, 6))
    y = np.array([0, 3, 1])
    twin = reference.torch_twin(net)
    loss, grad_logits = softmax_cross_entropy(net.forward(x), y)
    net.backward(grad_logits)
    torch_loss, torch_grads, _ = reference.loss_gradients(twin, x, y)
    assert abs(loss - torch_loss) <= TOL * abs(torch_loss)
    for name, value, grad in net.parameters():
        assert rel_error(grad, torch_grads[name]) < TOL, name
        numeric = numerical_gradient(lambda _: softmax_cross_entropy(net.forward(x), y)[0],
                                     value, np.array(1.0))
        assert rel_error(grad, numeric) < FD_TOL, name


@pytest.fixture(scope="module")
def canvas_digits() -> canvas.CanvasDigits:
    return canvas.load_canvas_digits(12, seed=0)


def test_small_resnet_trains_step_for_step_with_its_torch_twin(canvas_digits):
    """25 steps of SGD with momentum and weight decay on digits at random positions:
    every loss, then the parameters and the running statistics, then the evaluation-mode
    predictions."""
    net = small_resnet((4, 8), rng=0, implementation="fast")
    twin = reference.torch_twin(net)
    hyper = {"lr": 0.05, "momentum": 0.9, "weight_decay": 5e-3}
    ours, theirs = SGD(net, **hyper), reference.sgd(twin, **hyper)
    rng = np.random.default_rng(0)
    stream = (b for _ in range(2) for b in data.minibatches(
        canvas_digits.x_train, canvas_digits.y_train, 48, rng))
    losses, gaps = [], []
    for x, y in islice(stream, 25):
        loss, torch_loss = train_step(net, ours, x, y), reference.train_step(twin, theirs, x, y)
        losses.append(loss)
        gaps.append(abs(loss - torch_loss) / abs(torch_loss))
    assert len(gaps) == 25 and max(gaps) < LOSS_TOL
    assert np.mean(losses[-5:]) < losses[0]  # it learns: the comparison is not of a stall
    final = reference.parameters(twin)
    for name, value, _ in net.parameters():
        assert rel_error(value, final[name]) < STATE_TOL, name
    buffers = reference.buffers(twin)
    for name, value in net.buffers():
        if name.endswith("num_batches_tracked"):
            assert int(value) == int(buffers[name]) == 25
        else:
            assert rel_error(value, buffers[name]) < STATE_TOL, name
    net.eval(), twin.eval()
    x_val = canvas_digits.x_val
    np.testing.assert_array_equal(predict(net, x_val), reference.predict(twin, x_val))
    with torch.no_grad():
        assert rel_error(net.forward(x_val), twin(reference.to_torch(x_val))) < STATE_TOL
