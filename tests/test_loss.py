"""Softmax cross-entropy against torch, its gradient by formula, and extreme logits."""

from __future__ import annotations

import numpy as np
import pytest

from convcourse import reference, rel_error, softmax_cross_entropy
from convcourse.loss import log_softmax, softmax

TOL = 1e-12


@pytest.mark.parametrize("shape", [(1, 2), (7, 10), (32, 3)])
def test_loss_and_gradient_match_torch(shape):
    rng = np.random.default_rng(shape[0])
    logits = 3 * rng.standard_normal(shape)
    labels = rng.integers(0, shape[1], shape[0])
    loss, grad = softmax_cross_entropy(logits, labels)
    torch_loss, torch_grad = reference.cross_entropy(logits, labels)
    assert abs(loss - torch_loss) <= TOL * abs(torch_loss)
    assert grad.shape == shape and rel_error(grad, torch_grad) < TOL


def test_gradient_is_softmax_minus_one_hot_over_n():
    logits = np.random.default_rng(1).standard_normal((4, 5))
    labels = np.array([4, 0, 0, 2])
    one_hot = np.eye(5)[labels]
    expected = (np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True) - one_hot) / 4
    assert rel_error(softmax_cross_entropy(logits, labels)[1], expected) < TOL
    # each row of the gradient sums to zero: probability taken from one class goes to others
    np.testing.assert_allclose(softmax_cross_entropy(logits, labels)[1].sum(axis=1), 0,
                               atol=1e-16)


@pytest.mark.parametrize("scale", [1e2, 1e3, 1e4, 1e300])
def test_extreme_logits_give_finite_correct_values(scale):
    logits = scale * np.array([[1.0, -1.0, 0.0], [-1.0, 1.0, -1.0], [0.5, 0.5, -1.0]])
    labels = np.array([1, 1, 2])  # wrong, right, wrong by a mile
    loss, grad = softmax_cross_entropy(logits, labels)
    assert np.isfinite(loss) and np.all(np.isfinite(grad))
    # row 0 costs 2 scale, row 1 nothing (for a large scale), row 2 1.5 scale + log 2
    expected = (2 * scale + 0 + (1.5 * scale + np.log(2))) / 3
    assert loss == pytest.approx(expected, rel=1e-12)
    if scale <= 1e4:  # torch in float64 too
        torch_loss, torch_grad = reference.cross_entropy(logits, labels)
        assert abs(loss - torch_loss) <= TOL * torch_loss
        assert rel_error(grad, torch_grad) < TOL
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # the naive formula
        naive = -np.log(np.exp(logits[0, 1]) / np.exp(logits[0]).sum())
    assert scale < 1e3 or not np.isfinite(naive)


def test_float32_logits_give_float32_gradients():
    logits = np.array([[1e4, -1e4, 0.0]], dtype=np.float32)
    loss, grad = softmax_cross_entropy(logits, np.array([0]))
    assert grad.dtype == np.float32 and loss == 0.0
    assert softmax(logits).dtype == np.float32


def test_softmax_and_log_softmax():
    logits = np.random.default_rng(2).standard_normal((3, 4))
    np.testing.assert_allclose(softmax(logits).sum(axis=1), 1.0, rtol=1e-15)
    assert rel_error(np.exp(log_softmax(logits)), softmax(logits)) < 1e-15
    shifted = log_softmax(logits + 1e5)  # shifting all logits changes nothing
    assert rel_error(shifted, log_softmax(logits)) < 1e-10


@pytest.mark.parametrize(
    "logits, labels, error, pattern",
    [
        (np.zeros(3), np.array([0]), ValueError, r"logits must be 2-D \(N, classes\)"),
        ([[0.0, 1.0]], np.array([0]), TypeError, r"logits must be a numpy\.ndarray"),
        (np.zeros((2, 3)), np.array([0.0, 1.0]), TypeError,
         r"labels must hold integer class indices, got dtype float64"),
        (np.zeros((2, 3)), np.array([0, 3]), ValueError,
         r"labels must hold class indices from 0 to 2, got values from 0 to 3"),
        (np.zeros((2, 3)), np.array([0, 1, 2]), ValueError,
         r"labels must have one entry per example \(2\), got shape \(3,\)"),
        (np.zeros((2, 3)), [0, 1], TypeError, r"labels must be a numpy\.ndarray"),
    ],
)
def test_bad_arguments(logits, labels, error, pattern):
    with pytest.raises(error, match=pattern):
        softmax_cross_entropy(logits, labels)
