"""Saliency and occlusion maps (convcourse.attribution) against torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from convcourse import reference, rel_error
from convcourse.attribution import occlusion_map, saliency_map
from convcourse.network import lenet

TOL = 1e-10


@pytest.fixture(scope="module")
def network():
    return lenet(channels=(3, 4), rng=0)


def test_saliency_is_torch_autograd_of_the_class_score(network):
    rng = np.random.default_rng(1)
    x, labels = rng.standard_normal((3, 1, 8, 8)), np.array([0, 7, 3])
    (want,) = reference.gradients(reference.torch_twin(network), np.eye(10)[labels], x)
    assert rel_error(saliency_map(network, x, labels), want) < TOL


@pytest.mark.parametrize("patch, stride, fill", [(2, 1, 0.0), (3, 2, -1.5), (1, 3, 2.0)])
def test_occlusion_is_the_drop_of_the_class_score(network, patch, stride, fill):
    rng = np.random.default_rng(2)
    x, labels = rng.standard_normal((2, 1, 8, 8)), np.array([4, 9])
    drops = occlusion_map(network, x, labels, patch=patch, fill=fill, stride=stride)
    side = (8 - patch) // stride + 1
    assert drops.shape == (2, side, side)
    twin = reference.torch_twin(network)
    with torch.no_grad():
        base = twin(reference.to_torch(x)).numpy()[[0, 1], labels]
        for i in range(side):
            for j in range(side):
                covered = x.copy()
                top, left = i * stride, j * stride
                covered[:, :, top : top + patch, left : left + patch] = fill
                after = twin(reference.to_torch(covered)).numpy()[[0, 1], labels]
                assert rel_error(drops[:, i, j], base - after) < TOL


def test_bad_arguments_are_refused(network):
    x = np.zeros((2, 1, 8, 8))
    with pytest.raises(ValueError, match="labels"):
        saliency_map(network, x, np.array([1]))
    with pytest.raises(ValueError, match="labels"):
        saliency_map(network, x, np.array([1, 10]))
    with pytest.raises(TypeError, match="network"):
        occlusion_map(torch.nn.ReLU(), x, np.array([1, 2]))
    with pytest.raises(ValueError, match="patch"):
        occlusion_map(network, x, np.array([1, 2]), patch=0)
    with pytest.raises(ValueError, match="kernel"):
        occlusion_map(network, x, np.array([1, 2]), patch=9)
