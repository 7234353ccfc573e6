"""The referee itself: the torch helpers compute what they say, and stay out of the way."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from convcourse import AvgPool2d, Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential, reference


def test_to_torch_copies_and_keeps_the_dtype():
    x = np.arange(6.0, dtype=np.float32).reshape(2, 3)
    t = reference.to_torch(x)
    assert t.dtype == torch.float32 and not t.requires_grad
    x[0, 0] = 99.0  # the tensor holds its own copy
    assert t[0, 0].item() == 0.0
    assert reference.to_torch(x, requires_grad=True).requires_grad
    np.testing.assert_array_equal(reference.to_numpy(reference.to_torch(x)), x)
    with pytest.raises(TypeError, match="array must be a numpy.ndarray, got list"):
        reference.to_torch([1.0])
    with pytest.raises(TypeError, match="tensor must be a torch.Tensor, got ndarray"):
        reference.to_numpy(x)


def test_conv2d_grads_by_hand():
    # One 2x2 image, one 1x1 kernel w = 3, bias 1: out = 3x + 1, and for grad_out g:
    # grad_x = 3 g, grad_w = sum(g x), grad_b = sum(g).
    x = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    g = np.array([[[[1.0, 0.0], [2.0, -1.0]]]])
    result = reference.conv2d_grads(g, x, np.full((1, 1, 1, 1), 3.0), np.ones(1))
    np.testing.assert_array_equal(result.out, 3 * x + 1)
    np.testing.assert_array_equal(result.grad_x, 3 * g)
    np.testing.assert_array_equal(result.grad_weight, [[[[1 + 6 - 4.0]]]])
    np.testing.assert_array_equal(result.grad_bias, [2.0])


def test_gradients_of_any_torch_function():
    x = np.array([[1.0, -2.0], [3.0, 0.5]])
    (grad,) = reference.gradients(torch.relu, np.ones((2, 2)), x)
    np.testing.assert_array_equal(grad, [[1.0, 0.0], [1.0, 1.0]])


def test_conv2d_module_copies_settings_and_weights():
    layer = Conv2d(4, 6, (3, 2), stride=2, padding=(1, 0), dilation=(1, 2), groups=2, rng=0)
    twin = reference.conv2d_module(layer)
    assert (twin.kernel_size, twin.stride, twin.padding) == ((3, 2), (2, 2), (1, 0))
    assert (twin.dilation, twin.groups, twin.weight.dtype) == ((1, 2), 2, torch.float64)
    np.testing.assert_array_equal(reference.to_numpy(twin.weight), layer.weight)
    assert reference.numel(twin) == layer.weight.size + layer.bias.size
    with pytest.raises(TypeError, match="layer must be a convcourse.Conv2d, got Conv2d"):
        reference.conv2d_module(twin)
    with pytest.raises(TypeError, match="module must be a torch.nn.Module, got Conv2d"):
        reference.numel(layer)


def test_fold_is_the_adjoint_of_unfold():
    # <unfold(x), y> = <x, fold(y)> for every x and y: fold adds columns back.
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 6, 5))
    cols = reference.unfold(x, (3, 2), stride=(2, 1), padding=1)
    y = rng.standard_normal(cols.shape)
    back = reference.fold(y, (6, 5), (3, 2), stride=(2, 1), padding=1)
    assert back.shape == x.shape
    assert abs(np.sum(cols * y) - np.sum(x * back)) < 1e-10 * np.abs(cols * y).sum()


def test_pooling_references_by_hand():
    x = np.array([[[[1.0, 3.0], [3.0, 2.0]]]])
    np.testing.assert_array_equal(reference.max_pool2d(x, 2), [[[[3.0]]]])
    np.testing.assert_array_equal(reference.avg_pool2d(x, 2), [[[[2.25]]]])
    grad_out = np.array([[[[4.0]]]])
    # torch sends a tied maximum's gradient to the first in row-major order
    np.testing.assert_array_equal(reference.max_pool2d_backward(grad_out, x, 2),
                                  [[[[0.0, 4.0], [0.0, 0.0]]]])
    np.testing.assert_array_equal(reference.avg_pool2d_backward(grad_out, x, 2),
                                  np.ones((1, 1, 2, 2)))


def test_cross_entropy_by_hand():
    loss, grad = reference.cross_entropy(np.array([[0.0, 0.0]]), np.array([1]))
    assert loss == pytest.approx(np.log(2), rel=1e-15)
    np.testing.assert_allclose(grad, [[0.5, -0.5]], rtol=1e-15)


def test_torch_twin_of_every_layer():
    net = Sequential(Conv2d(1, 2, 3, padding=1, rng=0), ReLU(), MaxPool2d(2, padding=1),
                     AvgPool2d((2, 1), stride=1), Flatten(), Linear(2 * 2 * 3, 3, rng=1))
    twin = reference.torch_twin(net)
    assert [type(m).__name__ for m in twin] == [
        "Conv2d", "ReLU", "MaxPool2d", "AvgPool2d", "Flatten", "Linear"]
    assert twin[2].padding == (1, 1) and twin[3].kernel_size == (2, 1)
    assert twin[5].weight.dtype == torch.float64
    values = reference.parameters(twin)
    assert list(values) == ["0.weight", "0.bias", "5.weight", "5.bias"]
    np.testing.assert_array_equal(values["5.weight"], net[5].weight)
    values["5.weight"][...] = 0.0  # a copy
    assert not np.all(reference.to_numpy(twin[5].weight) == 0.0)
    with pytest.raises(TypeError, match="layer must be a convcourse layer or Sequential, got "
                                        "Conv2d"):
        reference.torch_twin(twin[0])
    with pytest.raises(TypeError, match="module must be a torch.nn.Module, got Sequential"):
        reference.parameters(net)


def test_torch_training_helpers():
    net = Sequential(Linear(2, 2, rng=0))
    twin = reference.torch_twin(net)
    x, y = np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([0, 1])
    loss, grads, grad_x = reference.loss_gradients(twin, x, y)
    assert loss == pytest.approx(reference.cross_entropy(net.forward(x), y)[0], rel=1e-15)
    assert grads["0.bias"].shape == (2,) and grad_x.shape == (2, 2)
    assert reference.loss_gradients(twin, x, y)[1]["0.bias"] == pytest.approx(grads["0.bias"])
    optimizer = reference.sgd(twin, lr=0.5, momentum=0.9, weight_decay=0.1)
    assert optimizer.defaults["momentum"] == 0.9 and optimizer.defaults["dampening"] == 0
    losses = reference.fit(twin, optimizer, x, y, epochs=20, batch_size=1, rng=0)
    assert len(losses) == 40 and losses[-1] < losses[0]
    np.testing.assert_array_equal(reference.predict(twin, x), y)


def test_single_threaded_restores_the_thread_counts():
    from threadpoolctl import threadpool_info

    before = torch.get_num_threads(), [pool["num_threads"] for pool in threadpool_info()]
    with reference.single_threaded():
        assert torch.get_num_threads() == 1
        assert all(pool["num_threads"] == 1 for pool in threadpool_info())
    assert (torch.get_num_threads(), [pool["num_threads"] for pool in threadpool_info()]) == before
