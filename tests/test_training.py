"""Training: step for step with torch, planted bugs that break the agreement, and a
LeNet that learns the digits."""

from __future__ import annotations

import time
from itertools import islice

import numpy as np
import pytest

from convcourse import SGD, Conv2d, Linear, MaxPool2d, data, fast_pooling, reference, rel_error
from convcourse.network import Sequential, lenet
from convcourse.training import (
    Recipe,
    accuracy,
    confusion_matrix,
    fit,
    predict,
    train_step,
)

pytestmark = pytest.mark.usefixtures("one_thread")

LOSS_TOL = 1e-10  # every step's loss, relative
PARAM_TOL = 1e-9  # the parameters after the last step, relative (rel_error)
STEPS = 25
HYPER = {"lr": 0.05, "momentum": 0.9, "weight_decay": 5e-3}


@pytest.fixture(scope="module")
def digits() -> data.Digits:
    return data.load_digits()


def batches(digits: data.Digits, steps: int = STEPS, size: int = 32) -> list:
    """The first ``steps`` minibatches of a seeded run over as many epochs as needed."""
    rng = np.random.default_rng(0)
    stream = (batch for _ in range(steps) for batch in data.minibatches(
        digits.x_train, digits.y_train, size, rng))
    return list(islice(stream, steps))


def relative_gap(a: float, b: float) -> float:
    return abs(a - b) / abs(b)


def step_for_step(net: Sequential, steps: list, optimiser_class=SGD) -> tuple[float, float]:
    """Train ``net`` and its torch twin (weights copied first) on the same minibatches.

    Returns the largest relative gap between the two losses over all steps, and the
    largest relative error (rel_error) of a parameter after the last step.
    """
    twin = reference.torch_twin(net)
    ours, theirs = optimiser_class(net, **HYPER), reference.sgd(twin, **HYPER)
    loss_gap = 0.0
    for x, y in steps:
        loss, torch_loss = train_step(net, ours, x, y), reference.train_step(twin, theirs, x, y)
        loss_gap = max(loss_gap, relative_gap(loss, torch_loss))
    final = reference.parameters(twin)
    param_gap = max(rel_error(value, final[name]) for name, value, _ in net.parameters())
    return loss_gap, param_gap


# --------------------------------------------------------------------------------------
# step for step with torch
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("implementation", ["fast", "naive"])
def test_training_agrees_with_torch_step_for_step(digits, implementation):
    steps = batches(digits, STEPS if implementation == "fast" else 3)
    net = lenet(channels=(4, 8), rng=0, implementation=implementation)
    loss_gap, param_gap = step_for_step(net, steps)
    assert loss_gap < LOSS_TOL
    assert param_gap < PARAM_TOL


class DecayAfterMomentum(SGD):
    """Planted bug: weight decay added after the momentum buffer, not before."""

    def step(self) -> None:
        for name, value, grad in self.model.parameters():
            if name in self.velocity:
                buffer = self.velocity[name] = self.momentum * self.velocity[name] + grad
            else:
                buffer = self.velocity[name] = grad.copy()
            value -= self.lr * (buffer + self.weight_decay * value)


def test_planted_bug_weight_decay_after_momentum_breaks_the_agreement(digits):
    loss_gap, param_gap = step_for_step(lenet(channels=(4, 8), rng=0, implementation="fast"),
                                        batches(digits), DecayAfterMomentum)
    assert loss_gap > 1e3 * LOSS_TOL and param_gap > 1e3 * PARAM_TOL


class LastMaxPool2d(MaxPool2d):
    """Planted bug: a tied maximum sends its gradient to the *last* of the tied inputs.

    Flipping a window's rows and columns reverses its row-major order, so the first
    maximum of the flipped input is the last one of the input (for windows that tile
    the input exactly, as 2x2 windows with stride 2 tile 8x8 and 4x4)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.seen = x.copy()
        return super().forward(x)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        flip = (Ellipsis, slice(None, None, -1), slice(None, None, -1))
        return fast_pooling.max_pool2d_backward(grad_out[flip], self.seen[flip], 2)[flip]


def tied_network(pool=MaxPool2d) -> Sequential:
    """A LeNet whose convolutions have small integer weights and no bias (a quantised
    network): on integer images its feature maps hold integers, computed exactly by
    torch and by us, and windows often hold several equal maxima.

    With real-valued weights, exact ties come only from ReLU's zeros (whose gradient
    is stopped anyway) or from identical neighbourhoods (whose gradients are the
    same): where a tie sends its gradient would then not change training at all."""
    net = lenet(channels=(4, 8), rng=0, implementation="fast")
    rng = np.random.default_rng(1)
    for index, layer in enumerate(net):
        if isinstance(layer, Conv2d):
            layer.weight = rng.integers(-1, 2, layer.weight.shape).astype(float)
            layer.bias[...] = 0.0
        if isinstance(layer, MaxPool2d):
            net.layers[index] = pool(2, implementation="fast")
    return net


def test_planted_bug_tie_to_the_last_maximum_breaks_the_agreement(digits):
    # integer grey levels 0..16, as scikit-learn ships them
    raw = [(np.round(x * digits.std + digits.mean), y) for x, y in batches(digits)]
    net = tied_network()
    maps = net[1].forward(net[0].forward(raw[0][0]))  # what the first pooling sees
    np.testing.assert_array_equal(maps, np.round(maps))  # integers
    n, c = maps.shape[:2]
    windows = maps.reshape(n, c, 4, 2, 4, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, 4, 4, 4)
    largest = windows.max(axis=-1, keepdims=True)
    tied = ((windows == largest).sum(axis=-1) > 1) & (largest[..., 0] > 0)
    assert tied.mean() > 0.01  # some windows hold a tied, positive maximum

    loss_gap, param_gap = step_for_step(tied_network(), raw)  # the control: first maximum
    assert loss_gap < LOSS_TOL and param_gap < PARAM_TOL
    loss_gap, param_gap = step_for_step(tied_network(LastMaxPool2d), raw)
    assert loss_gap > 1e3 * LOSS_TOL and param_gap > 1e3 * PARAM_TOL


# --------------------------------------------------------------------------------------
# a LeNet learns the digits
# --------------------------------------------------------------------------------------

def test_lenet_learns_the_digits(digits):
    """The chapter's recipe, with the vectorised layers: at least 97 % of the held-out
    digits right (98.05 % on the development machine, in about 2 s)."""
    recipe = Recipe()
    net = lenet(recipe.channels, rng=0, implementation="fast")
    start = time.perf_counter()
    losses = fit(net, recipe.optimiser(net), digits.x_train, digits.y_train, recipe.epochs,
                 recipe.batch_size, rng=1)
    seconds = time.perf_counter() - start
    test_accuracy = accuracy(net, digits.x_test, digits.y_test)
    print(f"test accuracy {test_accuracy:.4f}, training {seconds:.2f} s, {len(losses)} steps")
    assert len(losses) == 900
    assert test_accuracy >= 0.97
    assert np.mean(losses[-50:]) < 0.1 * np.mean(losses[:50])


# --------------------------------------------------------------------------------------
# the helpers
# --------------------------------------------------------------------------------------


def test_fit_repeats_exactly_from_a_seed(digits):
    x, y = digits.x_train[:100], digits.y_train[:100]
    runs = []
    for _ in range(2):
        net = lenet((2, 4), rng=3, implementation="fast")
        runs.append(fit(net, SGD(net, 0.1, 0.9), x, y, epochs=2, batch_size=30, rng=7))
    assert runs[0] == runs[1] and len(runs[0]) == 2 * 4  # 4 minibatches per epoch


def test_progress_bar_on_stderr(digits, capsys):
    net = lenet((2, 4), rng=0, implementation="fast")
    fit(net, SGD(net, 0.1), digits.x_train[:40], digits.y_train[:40], epochs=1, batch_size=20,
        rng=0, progress=True)
    captured = capsys.readouterr()
    assert captured.out == "" and "2/2" in captured.err and "loss=" in captured.err


def test_after_epoch_sees_every_epoch_and_its_losses(digits):
    x, y = digits.x_train[:50], digits.y_train[:50]
    net = lenet((2, 4), rng=0, implementation="fast")
    calls = []

    def record(epoch, losses):
        calls.append((epoch, list(losses), accuracy(net, x, y)))
        return "ignored"

    losses = fit(net, SGD(net, 0.1, 0.9), x, y, epochs=3, batch_size=20, rng=0,
                 after_epoch=record)
    assert [epoch for epoch, _, _ in calls] == [1, 2, 3]
    assert [step for _, epoch_losses, _ in calls for step in epoch_losses] == losses
    assert all(len(epoch_losses) == 3 for _, epoch_losses, _ in calls)  # 20 + 20 + 10

    # the callback changes nothing in the training itself
    again = lenet((2, 4), rng=0, implementation="fast")
    assert fit(again, SGD(again, 0.1, 0.9), x, y, epochs=3, batch_size=20, rng=0) == losses


def test_after_epoch_must_be_callable(digits):
    net = lenet((2, 4), rng=0, implementation="fast")
    with pytest.raises(TypeError, match=r"after_epoch must be a callable .* got list"):
        fit(net, SGD(net, 0.1), digits.x_train[:4], digits.y_train[:4], epochs=1,
            batch_size=2, after_epoch=[])


def test_predict_and_accuracy(digits):
    net = lenet((2, 4), rng=0, implementation="fast")
    labels = predict(net, digits.x_test)
    assert labels.shape == (359,) and labels.dtype.kind == "i"
    np.testing.assert_array_equal(labels, predict(net, digits.x_test, batch_size=7))
    assert accuracy(net, digits.x_test, digits.y_test) == np.mean(labels == digits.y_test)
    with pytest.raises(ValueError, match=r"y must have one entry per example \(359\)"):
        accuracy(net, digits.x_test, digits.y_test[:10])


def test_confusion_matrix_counts_true_against_predicted():
    labels = np.array([0, 1, 2, 2, 1, 0, 2])
    predictions = np.array([0, 2, 2, 1, 1, 0, 2])
    counts = confusion_matrix(labels, predictions, 4)
    assert counts.shape == (4, 4) and counts.dtype == np.int64
    np.testing.assert_array_equal(counts.sum(axis=1), [2, 2, 3, 0])
    assert counts[1, 2] == 1 and counts[2, 1] == 1 and np.trace(counts) == 5
    assert counts.sum() == len(labels)


@pytest.mark.parametrize(("labels", "predictions", "classes", "error", "message"), [
    (np.array([0, 1]), np.array([0]), 2, ValueError,
     r"predictions must have one entry per example \(2\)"),
    (np.array([0, 3]), np.array([0, 1]), 3, ValueError,
     r"labels must hold class indices from 0 to 2, got values from 0 to 3"),
    (np.array([0, 1]), np.array([0.0, 1.0]), 2, TypeError,
     r"predictions must hold integer class indices"),
    (np.array([0, 1]), np.array([0, 1]), 0, ValueError, r"classes"),
])
def test_confusion_matrix_rejects_bad_input(labels, predictions, classes, error, message):
    with pytest.raises(error, match=message):
        confusion_matrix(labels, predictions, classes)


def test_train_step_returns_the_loss_before_the_step():
    net = Sequential(Linear(3, 2, rng=0))
    x, y = np.ones((4, 3)), np.array([0, 1, 1, 0])
    before = reference.cross_entropy(net.forward(x), y)[0]
    assert train_step(net, SGD(net, 0.5), x, y) == pytest.approx(before, rel=1e-15)
    assert reference.cross_entropy(net.forward(x), y)[0] != before
