"""SGD with momentum and weight decay: torch's update rule, step by step."""

from __future__ import annotations

import numpy as np
import pytest

from convcourse import SGD, Linear, ReLU, reference, rel_error
from convcourse.training import train_step

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.mark.parametrize("momentum, weight_decay", [(0.0, 0.0), (0.9, 0.0), (0.0, 0.1),
                                                    (0.9, 0.01), (0.5, 0.3)])
def test_every_step_matches_torch_optim_sgd(momentum, weight_decay):
    layer = Linear(4, 3, rng=0)
    layer.bias[...] = np.random.default_rng(1).standard_normal(3)
    twin = reference.torch_twin(layer)
    ours = SGD(layer, lr=0.2, momentum=momentum, weight_decay=weight_decay)
    theirs = reference.sgd(twin, lr=0.2, momentum=momentum, weight_decay=weight_decay)
    rng = np.random.default_rng(2)
    for _ in range(8):
        x, y = rng.standard_normal((6, 4)), rng.integers(0, 3, 6)
        loss = train_step(layer, ours, x, y)
        torch_loss = reference.train_step(twin, theirs, x, y)
        assert abs(loss - torch_loss) <= 1e-12 * abs(torch_loss)
        torch_values = reference.parameters(twin)
        for name, value, _ in layer.parameters():
            assert rel_error(value, torch_values[name]) < 1e-12


def test_the_update_rule_by_hand():
    layer = Linear(1, 1, bias=False, rng=0)
    layer.weight[...] = 2.0
    optimiser = SGD(layer, lr=0.5, momentum=0.9, weight_decay=0.1)
    weight = layer.weight  # the same array all along: updated in place
    layer.grad_weight = np.array([[1.0]])
    optimiser.step()  # g = 1 + 0.1 * 2 = 1.2; buf = g; w = 2 - 0.5 * 1.2
    np.testing.assert_allclose(weight, [[1.4]], rtol=1e-15)
    np.testing.assert_allclose(optimiser.velocity["weight"], [[1.2]], rtol=1e-15)
    optimiser.step()  # g = 1 + 0.14 = 1.14; buf = 0.9 * 1.2 + 1.14 = 2.22; w = 1.4 - 1.11
    np.testing.assert_allclose(weight, [[0.29]], rtol=1e-14)
    assert layer.weight is weight


def test_parameters_without_gradients_are_skipped():
    layer = Linear(2, 2, rng=0)
    before = layer.weight.copy()
    SGD(layer, lr=1.0, momentum=0.9).step()  # no backward pass yet
    np.testing.assert_array_equal(layer.weight, before)
    SGD(ReLU(), lr=1.0).step()  # nothing to update


@pytest.mark.parametrize(
    "arguments, error, pattern",
    [
        ({"lr": 0}, ValueError, r"lr must be a positive number, got 0"),
        ({"lr": "0.1"}, TypeError, r"lr must be a positive number, got '0\.1'"),
        ({"momentum": -0.9}, ValueError, r"momentum must be a non-negative number, got -0\.9"),
        ({"weight_decay": float("nan")}, ValueError,
         r"weight_decay must be a non-negative number, got nan"),
        ({"model": [Linear(1, 1)]}, TypeError,
         r"model must be a convcourse layer or network, got list"),
    ],
)
def test_bad_arguments(arguments, error, pattern):
    call = {"model": Linear(1, 1, rng=0), "lr": 0.1} | arguments
    with pytest.raises(error, match=pattern):
        SGD(**call)


def test_repr():
    assert repr(SGD(ReLU(), 0.1, momentum=0.9)) == "SGD(lr=0.1, momentum=0.9, weight_decay=0.0)"
