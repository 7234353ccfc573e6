"""The effective receptive field (convcourse.effective_field): exact for uniform stacks,
the same as torch autograd with ReLUs, and bad arguments refused."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from convcourse import Conv2d, ReLU, Sequential, reference, rel_error
from convcourse.effective_field import effective_receptive_field, field_width


def uniform_stack(depth):
    layers = [Conv2d(1, 1, 3, bias=False) for _ in range(depth)]
    for layer in layers:
        layer.weight[:] = 1 / 9
    return Sequential(*layers)


@pytest.mark.parametrize("depth", [1, 3, 7])
def test_uniform_stack_is_the_kernel_convolved_with_itself(depth):
    side = 2 * depth + 1
    field = effective_receptive_field(uniform_stack(depth), np.zeros((1, 1, side, side)))
    profile = np.ones(1)
    for _ in range(depth):
        profile = np.convolve(profile, np.ones(3) / 3)
    assert rel_error(field, np.outer(profile, profile)) < 1e-12
    rows, cols = field_width(field)
    assert abs(rows - np.sqrt(2 * depth / 3)) < 1e-12 and abs(cols - rows) < 1e-12


def test_field_with_relus_is_torch_autograd_of_the_central_output():
    rng = np.random.default_rng(0)
    net = Sequential(Conv2d(2, 3, 3, rng=rng), ReLU(), Conv2d(3, 2, 3, padding=1, rng=rng))
    x = rng.standard_normal((4, 2, 9, 9))
    field = effective_receptive_field(net, x)
    twin = reference.torch_twin(net)
    grad_out = np.zeros((4, 2, 7, 7))
    grad_out[:, :, 3, 3] = 1.0
    (grad,) = reference.gradients(twin, grad_out, x)
    want = np.abs(grad).sum(axis=(0, 1))
    assert rel_error(field, want / want.sum()) < 1e-10
    assert field[0, 0] == 0 and abs(field.sum() - 1) < 1e-12   # outside the 5x5 field


def test_bad_arguments_are_refused():
    with pytest.raises(TypeError, match="network"):
        effective_receptive_field(torch.nn.ReLU(), np.zeros((1, 1, 3, 3)))
    with pytest.raises(ValueError, match="x"):
        effective_receptive_field(uniform_stack(1), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="field"):
        field_width(-np.ones((3, 3)))
    with pytest.raises(ValueError, match="field"):
        field_width(np.zeros((3, 3)))
