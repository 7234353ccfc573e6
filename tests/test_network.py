"""Sequential and lenet: chaining, naming, and the whole network's gradients checked
against finite differences and against torch autograd."""

from __future__ import annotations

import numpy as np
import pytest

from convcourse import (
    Conv2d,
    Flatten,
    Linear,
    MaxPool2d,
    ReLU,
    Sequential,
    numerical_gradient,
    reference,
    rel_error,
    softmax_cross_entropy,
)
from convcourse.layers import IMPLEMENTATIONS
from convcourse.network import lenet

pytestmark = pytest.mark.usefixtures("one_thread")

FD_TOL = 1e-7
TORCH_TOL = 1e-10


def small_network(implementation: str) -> Sequential:
    """conv-ReLU-pool twice, then linear, with random biases so that they matter."""
    net = lenet(channels=(2, 3), classes=4, image_size=8, rng=0, implementation=implementation)
    rng = np.random.default_rng(1)
    for layer in net:
        if getattr(layer, "bias", None) is not None:
            layer.bias[...] = 0.1 * rng.standard_normal(layer.bias.shape)
    return net


def test_sequential_chains_forward_and_backward():
    layers = [Conv2d(1, 2, 3, padding=1, rng=0), ReLU(), MaxPool2d(2), Flatten(),
              Linear(8, 3, rng=1)]
    net = Sequential(*layers)
    x = np.random.default_rng(2).standard_normal((2, 1, 4, 4))
    out = net.forward(x)
    by_hand = x
    for layer in layers:
        by_hand = layer.forward(by_hand)
    np.testing.assert_array_equal(out, by_hand)
    grad = np.ones_like(out)
    grad_x = net.backward(grad)
    for layer in reversed(layers):
        grad = layer.backward(grad)
    np.testing.assert_array_equal(grad_x, grad)
    assert len(net) == 5 and net[1] is layers[1] and list(net) == layers


def test_parameters_are_named_like_torch():
    net = small_network("naive")
    names = [p.name for p in net.parameters()]
    assert names == ["0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias"]
    twin = reference.torch_twin(net)
    assert list(reference.parameters(twin)) == names
    for name, value, _ in net.parameters():
        np.testing.assert_array_equal(value, reference.parameters(twin)[name])
    assert net.parameters()[0].value is net[0].weight


def test_repr_lists_the_layers():
    text = repr(Sequential(ReLU(), Flatten()))
    assert text == "Sequential(\n  (0): ReLU()\n  (1): Flatten()\n)"


def test_sequential_accepts_only_layers():
    with pytest.raises(TypeError, match=r"layers\[1\] must be a convcourse layer .* got str"):
        Sequential(ReLU(), "relu")


def test_lenet_shapes_and_size():
    net = lenet(rng=0)
    assert [type(layer).__name__ for layer in net] == [
        "Conv2d", "ReLU", "MaxPool2d", "Conv2d", "ReLU", "MaxPool2d", "Flatten", "Linear"]
    assert net.forward(np.zeros((2, 1, 8, 8))).shape == (2, 10)
    assert lenet(image_size=10, rng=0)[-1].in_features == 32 * 2 * 2  # 10 -> 5 -> 2
    assert lenet(implementation="fast", rng=0)[0].implementation == "fast"
    with pytest.raises(ValueError, match="image_size must be at least 4, got 3"):
        lenet(image_size=3)
    with pytest.raises(ValueError, match=r"channels must have 2 entries \(c1, c2\)"):
        lenet(channels=(4,))
    # the same seed, the same network
    np.testing.assert_array_equal(lenet(rng=5)[3].weight, lenet(rng=5)[3].weight)


# --------------------------------------------------------------------------------------
# the whole network's gradients
# --------------------------------------------------------------------------------------


def test_lenet_first_loss_is_close_to_log_classes():
    """The output layer starts small (output_gain=0.1): an untrained network is unsure,
    every class about 1 / classes, so its first loss is close to ln(classes); He's gain
    sqrt(2) on the output layer makes it confidently wrong, the loss far above."""
    from convcourse import data

    digits = data.load_digits()
    x, y = digits.x_train[:64], digits.y_train[:64]
    first = {gain: np.array([softmax_cross_entropy(
        lenet(rng=seed, implementation="fast", output_gain=gain).forward(x), y)[0]
        for seed in range(5)]) for gain in (0.1, np.sqrt(2))}
    assert np.abs(first[0.1] - np.log(10)).max() < 0.15
    assert first[np.sqrt(2)].mean() > np.log(10) + 1
    five = lenet(classes=5, rng=0, output_gain=0.01)
    assert abs(softmax_cross_entropy(five.forward(x), y % 5)[0] - np.log(5)) < 0.05
    with pytest.raises(ValueError, match="gain must be a positive number, got -1"):
        lenet(output_gain=-1)


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
def test_every_gradient_matches_finite_differences(implementation):
    net = small_network(implementation)
    x = np.random.default_rng(3).standard_normal((2, 1, 8, 8))
    y = np.array([0, 3])
    loss, grad_logits = softmax_cross_entropy(net.forward(x), y)
    grad_x = net.backward(grad_logits)

    def loss_of(_):  # the parameter is changed in place: run the whole network
        return softmax_cross_entropy(net.forward(x), y)[0]

    one = np.array(1.0)
    for name, value, grad in net.parameters():
        numeric = numerical_gradient(loss_of, value, one)
        assert rel_error(grad, numeric) < FD_TOL, name
    if implementation == "naive":
        return  # the loops are slow; naive equals fast layer by layer (test_layers)
    numeric_x = numerical_gradient(lambda v: softmax_cross_entropy(net.forward(v), y)[0],
                                   x.copy(), one)
    assert rel_error(grad_x, numeric_x) < FD_TOL


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
def test_every_gradient_matches_torch_autograd(implementation):
    net = small_network(implementation)
    twin = reference.torch_twin(net)
    x = np.random.default_rng(4).standard_normal((5, 1, 8, 8))
    y = np.array([0, 3, 1, 2, 3])
    loss, grad_logits = softmax_cross_entropy(net.forward(x), y)
    grad_x = net.backward(grad_logits)
    torch_loss, torch_grads, torch_grad_x = reference.loss_gradients(twin, x, y)
    assert abs(loss - torch_loss) <= TORCH_TOL * abs(torch_loss)
    assert set(torch_grads) == {p.name for p in net.parameters()}
    for name, _, grad in net.parameters():
        assert rel_error(grad, torch_grads[name]) < TORCH_TOL, name
    assert rel_error(grad_x, torch_grad_x) < TORCH_TOL


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
def test_backward_without_input_grad_skips_only_the_input_gradient(implementation):
    x = np.random.default_rng(4).standard_normal((5, 1, 8, 8))
    y = np.array([0, 3, 1, 2, 3])
    grads = []
    for input_grad in (True, False):
        net = small_network(implementation)
        grad_logits = softmax_cross_entropy(net.forward(x), y)[1]
        grad_x = net.backward(grad_logits, input_grad=input_grad)
        assert (grad_x is None) == (not input_grad)
        grads.append([p.grad for p in net.parameters()])
    for with_input, without in zip(*grads, strict=True):
        np.testing.assert_array_equal(with_input, without)
    dense = Sequential(Flatten(), Linear(64, 3, rng=0))  # a first layer that is no Conv2d
    dense.forward(x)
    assert dense.backward(np.ones((5, 3)), input_grad=False) is None
    assert Sequential().backward(np.ones(2)).shape == (2,)
    with pytest.raises(TypeError, match="input_grad must be True or False"):
        dense.backward(np.ones((5, 3)), input_grad=None)
