"""Nearest upsampling (convcourse.upsampling) and the mean squared error against torch,
and the torch twin of a decoder that uses both."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from convcourse import SGD, Conv2d, ConvTranspose2d, ReLU, Sequential, reference, rel_error
from convcourse.loss import mean_squared_error
from convcourse.upsampling import Upsample, upsample_nearest, upsample_nearest_backward

TOL = 1e-10


@pytest.mark.parametrize("scale", [1, 2, 3, (2, 3)])
def test_upsample_forward_and_backward_match_torch(scale):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 4, 5))
    out = upsample_nearest(x, scale)
    factor = scale if isinstance(scale, tuple) else (scale, scale)
    want = F.interpolate(reference.to_torch(x), scale_factor=factor, mode="nearest")
    assert np.array_equal(out, reference.to_numpy(want))
    grad_out = rng.standard_normal(out.shape)
    (torch_grad,) = reference.gradients(
        lambda a: F.interpolate(a, scale_factor=factor, mode="nearest"), grad_out, x)
    assert rel_error(upsample_nearest_backward(grad_out, scale), torch_grad) < TOL
    layer = Upsample(scale)
    assert np.array_equal(layer.forward(x), out)
    assert rel_error(layer.backward(grad_out), torch_grad) < TOL


def test_upsample_refuses_bad_arguments():
    with pytest.raises(ValueError, match="scale"):
        upsample_nearest(np.zeros((1, 1, 2, 2)), 0)
    with pytest.raises(ValueError, match="x"):
        upsample_nearest(np.zeros((2, 2)), 2)
    with pytest.raises(ValueError, match="multiples of scale"):
        upsample_nearest_backward(np.zeros((1, 1, 3, 4)), 2)
    with pytest.raises(RuntimeError, match="before forward"):
        Upsample(2).backward(np.zeros((1, 1, 2, 2)))
    layer = Upsample(2)
    layer.forward(np.zeros((1, 1, 2, 2)))
    with pytest.raises(ValueError, match="grad_out"):
        layer.backward(np.zeros((1, 1, 2, 2)))


@pytest.mark.parametrize("shape", [(3,), (2, 1, 4, 4), (5, 7)])
def test_mean_squared_error_matches_torch(shape):
    rng = np.random.default_rng(1)
    prediction, target = rng.standard_normal(shape), rng.standard_normal(shape)
    loss, grad = mean_squared_error(prediction, target)
    p = reference.to_torch(prediction, requires_grad=True)
    want = F.mse_loss(p, reference.to_torch(target))
    want.backward()
    assert abs(loss - want.item()) <= TOL * want.item()
    assert rel_error(grad, reference.to_numpy(p.grad)) < TOL


def test_mean_squared_error_refuses_mismatched_shapes():
    with pytest.raises(ValueError, match="target must have prediction's shape"):
        mean_squared_error(np.zeros((2, 3)), np.zeros((3, 2)))


def test_decoder_twin_trains_step_for_step():
    """A decoder with transposed convolutions and resize-then-convolve: the twin has the
    same outputs, and three SGD steps on the mean squared error stay together."""
    rng = np.random.default_rng(2)
    ours = Sequential(ConvTranspose2d(2, 3, 4, stride=2, padding=1, rng=rng), ReLU(),
                      Upsample(2), Conv2d(3, 1, 3, padding=1, rng=rng))
    theirs = reference.torch_twin(ours)
    assert isinstance(theirs[2], torch.nn.Upsample)
    our_sgd, their_sgd = SGD(ours, lr=0.1, momentum=0.9), reference.sgd(theirs, 0.1, 0.9, 0.0)
    for _ in range(3):
        x, target = rng.standard_normal((2, 2, 3, 3)), rng.standard_normal((2, 1, 12, 12))
        loss, grad = mean_squared_error(ours.forward(x), target)
        ours.backward(grad)
        our_sgd.step()
        their_loss = reference.regression_step(theirs, their_sgd, x, target)
        assert abs(loss - their_loss) <= TOL * their_loss
    final = reference.parameters(theirs)
    assert max(rel_error(value, final[name]) for name, value, _ in ours.parameters()) < TOL
